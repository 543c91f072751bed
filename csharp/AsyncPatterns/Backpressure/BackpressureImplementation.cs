namespace AsyncPatterns.Backpressure;

/// <summary>
/// The shape every backpressure implementation shares — <see cref="BackpressureStrategy.RunAsync{TItem, T}"/> and each of
/// its anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <typeparam name="T">The consumer's result type.</typeparam>
/// <param name="source">The producer: its items, in order.</param>
/// <param name="consume">The consumer's work, called once per item.</param>
/// <param name="options">The queue's capacity and the number of consumers.</param>
/// <param name="timeProvider">The clock, for an implementation that waits on time (null: <see cref="TimeProvider.System"/>).</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The consumers' values.</returns>
public delegate Task<IReadOnlyList<T>> BackpressureImplementation<TItem, T>(
    IAsyncEnumerable<TItem> source,
    Func<TItem, CancellationToken, Task<T>> consume,
    BackpressureOptions options,
    TimeProvider? timeProvider,
    CancellationToken cancellationToken);
