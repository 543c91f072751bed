namespace AsyncPatterns.RetryBackoff;

/// <summary>
/// The defaults and limits of <see cref="RetryBackoffOptions"/>: every default is the value of the
/// <c>params</c> block of <c>spec/patterns/retry-backoff.yaml</c>.
/// </summary>
public static class RetryBackoffConstants
{
    /// <summary>The default <see cref="RetryBackoffOptions.MaxAttempts"/> (spec <c>max_attempts: 3</c>).</summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>The default <see cref="RetryBackoffOptions.BaseDelay"/> (spec <c>base_delay_ms: 1000</c>).</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromMilliseconds(1000);

    /// <summary>The default <see cref="RetryBackoffOptions.Factor"/> (spec <c>factor: 2</c>).</summary>
    public const double DefaultFactor = 2;

    /// <summary>The default <see cref="RetryBackoffOptions.MaxDelay"/> (spec <c>max_delay_ms: 60000</c>).</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromMilliseconds(60000);

    /// <summary>The default <see cref="RetryBackoffOptions.Jitter"/> (spec <c>jitter: none</c>).</summary>
    public const RetryJitter DefaultJitter = RetryJitter.None;

    /// <summary>The smallest allowed <see cref="RetryBackoffOptions.MaxAttempts"/>.</summary>
    public const int MinMaxAttempts = 1;

    /// <summary>The smallest allowed <see cref="RetryBackoffOptions.Factor"/>: delays never shrink.</summary>
    public const double MinFactor = 1;

    /// <summary>
    /// The longest delay: 2147483647 ms (about 24.8 days), the longest timer Node honours, so that every language of the
    /// spec agrees (<see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> would take twice as long). A longer
    /// <see cref="RetryBackoffOptions.BaseDelay"/> or <see cref="RetryBackoffOptions.MaxDelay"/> is invalid; a jittered
    /// delay past it is cut to it.
    /// </summary>
    public static readonly TimeSpan MaxSupportedDelay = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>
    /// The default <see cref="RetryBackoffOptions.ShouldRetry"/>: transient failures
    /// (<see cref="HttpRequestException"/>) and timeouts (<see cref="TimeoutException"/>) are retried,
    /// nothing else (spec rule R5).
    /// </summary>
    /// <param name="error">The failure of an attempt.</param>
    /// <returns><see langword="true"/> when <paramref name="error"/> is transient or a timeout.</returns>
    public static bool IsTransientOrTimeout(Exception error) => error is HttpRequestException or TimeoutException;
}
