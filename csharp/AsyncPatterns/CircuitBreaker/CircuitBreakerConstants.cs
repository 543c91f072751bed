namespace AsyncPatterns.CircuitBreaker;

/// <summary>
/// The defaults and limits of <see cref="CircuitBreakerOptions"/>: every default is the value of the <c>params</c> block of
/// <c>spec/patterns/circuit-breaker.yaml</c>.
/// </summary>
public static class CircuitBreakerConstants
{
    /// <summary>The default <see cref="CircuitBreakerOptions.FailureThreshold"/> (spec <c>failure_threshold: 5</c>).</summary>
    public const int DefaultFailureThreshold = 5;

    /// <summary>The default <see cref="CircuitBreakerOptions.BreakDuration"/> (spec <c>break_ms: 30000</c>).</summary>
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromMilliseconds(30_000);

    /// <summary>The largest allowed <see cref="CircuitBreakerOptions.BreakDuration"/>: 2147483647 ms, the longest timer Node honours.</summary>
    public static readonly TimeSpan MaxBreakDuration = TimeSpan.FromMilliseconds(int.MaxValue);
}
