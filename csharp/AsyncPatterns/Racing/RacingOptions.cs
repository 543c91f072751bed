namespace AsyncPatterns.Racing;

/// <summary>The options of <see cref="RacingStrategy"/>: when each next alternative starts.</summary>
/// <remarks>The options are validated when the strategy starts; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class RacingOptions
{
    /// <summary>Gets or sets how long after the latest alternative started the next one starts, unless every started one has failed sooner.</summary>
    /// <value>
    /// The default is <see cref="RacingConstants.DefaultHedgeDelay"/> (zero): every alternative starts at once, as Polly's
    /// parallel mode does with <see cref="TimeSpan.Zero"/>. Otherwise from <see cref="RacingConstants.MinHedgeDelay"/>
    /// (1 ms) to <see cref="RacingConstants.MaxHedgeDelay"/>; a fraction of a millisecond is rounded, halves up, like every delay.
    /// </value>
    public TimeSpan HedgeDelay { get; set; } = RacingConstants.DefaultHedgeDelay;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (HedgeDelay != TimeSpan.Zero && (HedgeDelay < RacingConstants.MinHedgeDelay || HedgeDelay > RacingConstants.MaxHedgeDelay))
        {
            errors.Add($"`{nameof(HedgeDelay)}` must be zero or from {RacingConstants.MinHedgeDelay} to {RacingConstants.MaxHedgeDelay}, got {HedgeDelay}");
        }

        OptionsValidation.ThrowIfAny(nameof(RacingOptions), errors);
    }
}
