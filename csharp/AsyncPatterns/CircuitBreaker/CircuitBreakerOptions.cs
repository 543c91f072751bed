namespace AsyncPatterns.CircuitBreaker;

/// <summary>The options of <see cref="CircuitBreakerStrategy"/>.</summary>
/// <remarks>The options are validated when the strategy is built; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class CircuitBreakerOptions
{
    /// <summary>Gets or sets how many consecutive counted failures open the circuit.</summary>
    /// <value>The default is <see cref="CircuitBreakerConstants.DefaultFailureThreshold"/> (5). From 1 to <see cref="int.MaxValue"/>.</value>
    public int FailureThreshold { get; set; } = CircuitBreakerConstants.DefaultFailureThreshold;

    /// <summary>Gets or sets how long the circuit stays open before one trial call is let through.</summary>
    /// <value>
    /// The default is <see cref="CircuitBreakerConstants.DefaultBreakDuration"/> (30 s). From zero (the first call after opening is the
    /// trial) to <see cref="CircuitBreakerConstants.MaxBreakDuration"/>.
    /// </value>
    public TimeSpan BreakDuration { get; set; } = CircuitBreakerConstants.DefaultBreakDuration;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (FailureThreshold < 1)
        {
            errors.Add($"`{nameof(FailureThreshold)}` must be from 1 to {int.MaxValue}, got {FailureThreshold}");
        }

        if (BreakDuration < TimeSpan.Zero || BreakDuration > CircuitBreakerConstants.MaxBreakDuration)
        {
            errors.Add($"`{nameof(BreakDuration)}` must be from {TimeSpan.Zero} to {CircuitBreakerConstants.MaxBreakDuration}, got {BreakDuration}");
        }

        OptionsValidation.ThrowIfAny(nameof(CircuitBreakerOptions), errors);
    }
}
