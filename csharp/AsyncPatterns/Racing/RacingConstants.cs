namespace AsyncPatterns.Racing;

/// <summary>
/// The defaults and limits of <see cref="RacingOptions"/>: every default is the value of the <c>params</c> block of
/// <c>spec/patterns/racing.yaml</c>.
/// </summary>
public static class RacingConstants
{
    /// <summary>The default <see cref="RacingOptions.HedgeDelay"/> (spec <c>hedge_ms: 0</c>): every alternative at once.</summary>
    public static readonly TimeSpan DefaultHedgeDelay = TimeSpan.Zero;

    /// <summary>
    /// The smallest allowed <see cref="RacingOptions.HedgeDelay"/> above zero: 1 ms. In between is refused: a delay that
    /// rounds to 0 ms would be a 0 ms timer in one runtime and no timer at all in another (<c>Task.Delay</c> of zero
    /// completes at once).
    /// </summary>
    public static readonly TimeSpan MinHedgeDelay = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The largest allowed <see cref="RacingOptions.HedgeDelay"/>: 2147483647 ms (about 24.8 days), the longest timer Node
    /// honours, so that every language of the spec agrees. In effect the next alternative then starts only when the
    /// running ones have failed (Polly's fallback mode).
    /// </summary>
    public static readonly TimeSpan MaxHedgeDelay = TimeSpan.FromMilliseconds(int.MaxValue);
}
