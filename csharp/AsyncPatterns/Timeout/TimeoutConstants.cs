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
    /// The smallest allowed <see cref="TimeoutOptions.Timeout"/>: 1 ms. Zero is refused: it means "expired already" to
    /// a <see cref="CancellationTokenSource(TimeSpan, TimeProvider)"/> and "no limit" to other APIs (as Polly refuses it).
    /// </summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The largest allowed <see cref="TimeoutOptions.Timeout"/>: 2147483647 ms (about 24.8 days), the longest timer Node
    /// honours, so that every language of the spec agrees (a token source would take twice as long).
    /// </summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(int.MaxValue);
}
