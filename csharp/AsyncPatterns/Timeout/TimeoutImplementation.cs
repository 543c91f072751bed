namespace AsyncPatterns.Timeout;

/// <summary>
/// The shape every timeout implementation shares — <see cref="TimeoutStrategy.ExecuteAsync{T}"/> and each of its
/// anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="T">The operation's result type.</typeparam>
/// <param name="operation">The operation; it receives a cancellation token.</param>
/// <param name="options">The timeout options.</param>
/// <param name="timeProvider">The clock of the limit; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The operation's value, or a timed-out result for "no result".</returns>
public delegate Task<TimeoutResult<T>> TimeoutImplementation<T>(
    Func<CancellationToken, Task<T>> operation,
    TimeoutOptions options,
    TimeProvider? timeProvider,
    CancellationToken cancellationToken);
