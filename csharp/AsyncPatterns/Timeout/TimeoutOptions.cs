namespace AsyncPatterns.Timeout;

/// <summary>The options of <see cref="TimeoutStrategy"/>: a time limit that yields "no result".</summary>
/// <remarks>The options are validated when the strategy starts; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class TimeoutOptions
{
    /// <summary>Gets or sets the time limit of the operation, measured from the call.</summary>
    /// <value>
    /// The default is <see cref="TimeoutConstants.DefaultTimeout"/> (1 s). From <see cref="TimeoutConstants.MinTimeout"/> (1 ms) to
    /// <see cref="TimeoutConstants.MaxTimeout"/>; a fraction of a millisecond is rounded, halves up, like every delay.
    /// </value>
    public TimeSpan Timeout { get; set; } = TimeoutConstants.DefaultTimeout;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Timeout < TimeoutConstants.MinTimeout || Timeout > TimeoutConstants.MaxTimeout)
        {
            errors.Add($"`{nameof(Timeout)}` must be from {TimeoutConstants.MinTimeout} to {TimeoutConstants.MaxTimeout}, got {Timeout}");
        }

        OptionsValidation.ThrowIfAny(nameof(TimeoutOptions), errors);
    }
}
