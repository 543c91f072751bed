namespace AsyncPatterns.Racing;

/// <summary>
/// The shape every racing implementation shares — <see cref="RacingStrategy.RaceAsync{TItem, T}"/> and each of its
/// anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <typeparam name="T">The operation's result type.</typeparam>
/// <param name="operation">The operation, called once per alternative.</param>
/// <param name="items">The alternatives.</param>
/// <param name="options">The racing options.</param>
/// <param name="timeProvider">The clock of the hedge delay; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The first success's value.</returns>
public delegate Task<T> RacingImplementation<TItem, T>(
    Func<TItem, CancellationToken, Task<T>> operation,
    IEnumerable<TItem> items,
    RacingOptions options,
    TimeProvider? timeProvider,
    CancellationToken cancellationToken);
