namespace AsyncPatterns.Timeout;

/// <summary>
/// Timeout yielding no result (spec <c>spec/patterns/timeout.yaml</c>): give an operation a time limit;
/// past it, cancel the operation and yield "no result" instead of throwing.
/// </summary>
public static class TimeoutStrategy
{
    /// <summary>Runs <paramref name="operation"/> for at most <see cref="TimeoutOptions.Timeout"/>; a timed-out result if it did not finish in time.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: an operation that completes within the limit returns its value, as soon as it completes.</item>
    /// <item>R2: an operation still running when the limit expires yields no result (<see cref="TimeoutResult{T}.IsTimedOut"/>),
    /// not an error; a value the operation returns, even <c>default</c>, is never taken for a timeout.</item>
    /// <item>R3: the timed-out operation is cancelled at the limit (through the token it receives), and no result comes back
    /// only once it has stopped: it is never left running. (Unlike <see cref="Task.WaitAsync(TimeSpan, TimeProvider, CancellationToken)"/>,
    /// which stops waiting and leaves the operation running.)</item>
    /// <item>R4: a failure of the operation itself propagates unchanged, even a <see cref="TimeoutException"/> of its own: only
    /// the expiry of this limit means no result.</item>
    /// <item>R5: a caller's cancellation before the limit is not a timeout: it cancels the operation and propagates as
    /// <see cref="OperationCanceledException"/>.</item>
    /// </list>
    /// The limit is measured by <paramref name="timeProvider"/>.
    /// </remarks>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation; it receives a token cancelled at the limit or by the caller.</param>
    /// <param name="options">The timeout options, validated before the operation starts.</param>
    /// <param name="timeProvider">The clock of the limit; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The operation's value, or a timed-out result when the limit expired first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="operation"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (thrown before the operation starts).</exception>
    public static Task<TimeoutResult<T>> ExecuteAsync<T>(
        Func<CancellationToken, Task<T>> operation,
        TimeoutOptions options,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return ExecuteCoreAsync(operation, options.Timeout, timeProvider ?? TimeProvider.System, cancellationToken);
    }

    private static async Task<TimeoutResult<T>> ExecuteCoreAsync<T>(
        Func<CancellationToken, Task<T>> operation,
        TimeSpan timeout,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Whole milliseconds, halves up (spec/PROTOCOL.md §5): the token source would cut 10.5 ms to 10.
        using var limit = new CancellationTokenSource(Milliseconds.Round(timeout), timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            // Awaiting the operation itself, not a wait on it: the result comes only once it has stopped (R3).
            return new TimeoutResult<T>(await operation(linked.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Only the expiry of this limit means no result (R2, R4); the caller's cancellation propagates (R5).
            return default;
        }
    }
}
