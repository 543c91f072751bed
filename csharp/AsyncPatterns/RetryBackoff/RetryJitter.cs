namespace AsyncPatterns.RetryBackoff;

/// <summary>How the capped backoff delay is randomised (spec param <c>jitter</c>).</summary>
public enum RetryJitter
{
    /// <summary>No jitter: each delay is exactly the capped delay (spec <c>none</c>).</summary>
    None,

    /// <summary>
    /// Each delay is the capped delay times <c>(0.5 + u)</c>, <c>u</c> drawn from
    /// <see cref="RetryBackoffOptions.Randomizer"/>: the cap applies before the jitter (spec <c>proportional</c>).
    /// </summary>
    Proportional,
}
