namespace AsyncPatterns.RetryBackoff;

/// <summary>
/// Retry with exponential backoff (spec <c>spec/patterns/retry-backoff.yaml</c>): retry a failing
/// operation with growing, capped delays; give up after <see cref="RetryBackoffOptions.MaxAttempts"/>
/// with the last error.
/// </summary>
public static class RetryBackoffStrategy
{
    /// <summary>Runs <paramref name="operation"/> until it succeeds, at most <see cref="RetryBackoffOptions.MaxAttempts"/> times.</summary>
    /// <remarks>
    /// Guarantees (the spec's rules):
    /// <list type="bullet">
    /// <item>R1: the operation is attempted at most <see cref="RetryBackoffOptions.MaxAttempts"/> times; a success returns its value at once.</item>
    /// <item>R2: before attempt n+1 the caller waits <c>min(BaseDelay * Factor^(n-1), MaxDelay)</c>.</item>
    /// <item>R3: with <see cref="RetryJitter.Proportional"/> each delay is that capped delay times <c>(0.5 + u)</c>,
    /// <c>u</c> drawn in order from <see cref="RetryBackoffOptions.Randomizer"/>, one per delay: the cap applies before the jitter.</item>
    /// <item>R4: when every attempt fails, the last attempt's exception propagates unchanged (the same object, not a wrapper).</item>
    /// <item>R5: only failures <see cref="RetryBackoffOptions.ShouldRetry"/> accepts (by default <see cref="HttpRequestException"/>
    /// and <see cref="TimeoutException"/>) are retried; any other propagates at once, unchanged, with no delay.</item>
    /// <item>R6: cancellation is never retried: when <paramref name="cancellationToken"/> is cancelled during an attempt, or the
    /// operation itself throws <see cref="OperationCanceledException"/>, it propagates at once and no further attempt is made.</item>
    /// <item>R7: a cancellation during a delay ends the delay at once: no further attempt is made and
    /// <see cref="OperationCanceledException"/> propagates.</item>
    /// </list>
    /// Every delay is measured by <paramref name="timeProvider"/>.
    /// </remarks>
    /// <typeparam name="T">The operation's result type.</typeparam>
    /// <param name="operation">The operation; it receives <paramref name="cancellationToken"/>.</param>
    /// <param name="options">The retry options, validated before the first attempt.</param>
    /// <param name="timeProvider">The clock of the delays; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The value of the first successful attempt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="operation"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (thrown before the first attempt).</exception>
    public static Task<T> ExecuteAsync<T>(
        Func<CancellationToken, Task<T>> operation,
        RetryBackoffOptions options,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return ExecuteCoreAsync(operation, options, timeProvider ?? TimeProvider.System, cancellationToken);
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1 (rules R2 and R3).</summary>
    /// <remarks>
    /// <c>min(BaseDelay * Factor^(attempt - 1), MaxDelay)</c>; with <see cref="RetryJitter.Proportional"/> that capped
    /// delay is then multiplied by <c>0.5 + u</c>, drawing <c>u</c> from <see cref="RetryBackoffOptions.Randomizer"/>:
    /// the cap comes first, so a jittered delay may exceed <see cref="RetryBackoffOptions.MaxDelay"/> by up to half.
    /// The delay is a whole number of milliseconds, rounded halves up (74.5 ms → 75 ms), as every delay of the spec.
    /// Whatever the options, the delay is at most <see cref="RetryBackoffConstants.MaxSupportedDelay"/> (as Polly clamps
    /// its delays), so options that pass validation never make <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> throw.
    /// </remarks>
    /// <param name="attempt">The number of the attempt that just failed, from 1.</param>
    /// <param name="options">The retry options.</param>
    /// <returns>The delay.</returns>
    public static TimeSpan GetDelay(int attempt, RetryBackoffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        // A zero base stays zero once Factor^(attempt - 1) overflows to infinity (0 * infinity is NaN).
        var exponential = options.BaseDelay == TimeSpan.Zero ? 0 : options.BaseDelay.TotalMilliseconds * Math.Pow(options.Factor, attempt - 1);
        var capped = Math.Min(exponential, options.MaxDelay.TotalMilliseconds);
        var delay = options.Jitter == RetryJitter.Proportional ? capped * (0.5 + options.Randomizer()) : capped;
        // Whole milliseconds, halves up (spec/PROTOCOL.md §5): Task.Delay would cut 74.5 ms to 74.
        return TimeSpan.FromMilliseconds(Milliseconds.Round(Math.Min(delay, RetryBackoffConstants.MaxSupportedDelay.TotalMilliseconds)));
    }

    private static async Task<T> ExecuteCoreAsync<T>(
        Func<CancellationToken, Task<T>> operation,
        RetryBackoffOptions options,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (attempt < options.MaxAttempts && IsRetryable(error, options))
            {
                // Retried after the delay below; the last attempt's error is never caught here (R4).
            }

            await Task.Delay(GetDelay(attempt, options), timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsRetryable(Exception error, RetryBackoffOptions options) =>
        error is not OperationCanceledException && options.ShouldRetry(error);
}
