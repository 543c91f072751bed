namespace AsyncPatterns.ParallelPartialFailures;

/// <summary>
/// The shape every parallel-partial-failures implementation shares — <see cref="ParallelPartialFailuresStrategy.RunAllAsync{TItem, T}"/>
/// and each of its anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <typeparam name="T">The operation's result type.</typeparam>
/// <param name="operation">The operation, called once per item.</param>
/// <param name="items">The items.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>Every item with its value or its exception.</returns>
public delegate Task<PartialResults<TItem, T>> ParallelPartialFailuresImplementation<TItem, T>(
    Func<TItem, CancellationToken, Task<T>> operation,
    IEnumerable<TItem> items,
    CancellationToken cancellationToken)
    where TItem : notnull;
