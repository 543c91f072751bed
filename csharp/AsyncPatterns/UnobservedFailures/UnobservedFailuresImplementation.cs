namespace AsyncPatterns.UnobservedFailures;

/// <summary>
/// The shape every unobserved-failures implementation shares — <see cref="UnobservedFailuresStrategy.RunInBackgroundAsync{TItem}"/>
/// and each of its anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="operation">The background work, started once per item.</param>
/// <param name="items">The items.</param>
/// <param name="onError">The error handler every failure goes to.</param>
/// <param name="shutdown">The owner's shutdown: when it is cancelled, the background work is shut down.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>A task that completes once the shutdown has finished.</returns>
public delegate Task UnobservedFailuresImplementation<TItem>(
    Func<TItem, CancellationToken, Task> operation,
    IEnumerable<TItem> items,
    Action<Exception> onError,
    CancellationToken shutdown,
    CancellationToken cancellationToken);
