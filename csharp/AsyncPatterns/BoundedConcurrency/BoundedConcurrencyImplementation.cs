namespace AsyncPatterns.BoundedConcurrency;

/// <summary>
/// The shape every bounded-concurrency implementation shares — <see cref="BoundedConcurrencyStrategy.MapAsync{TItem, T}"/>
/// and each of its anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <typeparam name="T">The operation's result type.</typeparam>
/// <param name="operation">The operation, called once per item.</param>
/// <param name="items">The items.</param>
/// <param name="options">The concurrency options.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The operations' values.</returns>
public delegate Task<IReadOnlyList<T>> BoundedConcurrencyImplementation<TItem, T>(
    Func<TItem, CancellationToken, Task<T>> operation,
    IEnumerable<TItem> items,
    BoundedConcurrencyOptions options,
    CancellationToken cancellationToken);
