namespace AsyncPatterns.TaskGroup;

/// <summary>
/// The shape every task-group implementation shares — <see cref="TaskGroupStrategy.RunAsync{TItem, T}"/> and each of
/// its anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <typeparam name="T">The operation's result type.</typeparam>
/// <param name="operation">The child operation, called once per item.</param>
/// <param name="items">The items.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The children's values.</returns>
public delegate Task<IReadOnlyList<T>> TaskGroupImplementation<TItem, T>(
    Func<TItem, CancellationToken, Task<T>> operation,
    IEnumerable<TItem> items,
    CancellationToken cancellationToken);
