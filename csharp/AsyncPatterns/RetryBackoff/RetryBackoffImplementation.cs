namespace AsyncPatterns.RetryBackoff;

/// <summary>
/// The shape every retry-backoff implementation shares — <see cref="RetryBackoffStrategy.ExecuteAsync{T}"/>
/// and each of its anti-patterns — so a runner can call any of them alike.
/// </summary>
/// <typeparam name="T">The operation's result type.</typeparam>
/// <param name="operation">The operation; it receives the caller's cancellation token.</param>
/// <param name="options">The retry options.</param>
/// <param name="timeProvider">The clock of the delays; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
/// <returns>The value of a successful attempt.</returns>
public delegate Task<T> RetryBackoffImplementation<T>(
    Func<CancellationToken, Task<T>> operation,
    RetryBackoffOptions options,
    TimeProvider? timeProvider,
    CancellationToken cancellationToken);
