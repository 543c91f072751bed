namespace AsyncPatterns.Timeout;

/// <summary>
/// The defaults and limits of <see cref="TimeoutOptions"/>: every default is the value of the
/// <c>params</c> block of <c>spec/patterns/timeout.yaml</c>.
/// </summary>
public static class TimeoutConstants
{
    /// <summary>The default <see cref="TimeoutOptions.Timeout"/> (spec <c>timeout_ms: 1000</c>).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(1000);

    /// <summary>
    /// The largest allowed <see cref="TimeoutOptions.Timeout"/>: the largest delay a
    /// <see cref="CancellationTokenSource(TimeSpan, TimeProvider)"/> accepts.
    /// </summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
}
