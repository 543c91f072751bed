namespace AsyncPatterns.GracefulShutdown;

/// <summary>
/// The defaults and limits of <see cref="GracefulShutdownOptions"/>: every default is the value of the <c>params</c>
/// block of <c>spec/patterns/graceful-shutdown.yaml</c>.
/// </summary>
public static class GracefulShutdownConstants
{
    /// <summary>The default <see cref="GracefulShutdownOptions.Drain"/> (spec <c>drain_ms: 50</c>).</summary>
    public static readonly TimeSpan DefaultDrain = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The largest allowed <see cref="GracefulShutdownOptions.Drain"/>: 2147483647 ms (about 24.8 days), the longest timer
    /// Node honours, so that every language of the spec agrees.
    /// </summary>
    public static readonly TimeSpan MaxDrain = TimeSpan.FromMilliseconds(int.MaxValue);
}
