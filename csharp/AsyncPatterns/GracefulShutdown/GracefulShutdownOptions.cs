namespace AsyncPatterns.GracefulShutdown;

/// <summary>The options of <see cref="JobService"/>: how long the jobs in flight at shutdown get to finish.</summary>
/// <remarks>The options are validated when the service is created; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class GracefulShutdownOptions
{
    /// <summary>Gets or sets how long the jobs in flight at shutdown get to finish before they are cancelled.</summary>
    /// <value>
    /// The default is <see cref="GracefulShutdownConstants.DefaultDrain"/> (50 ms). From <see cref="TimeSpan.Zero"/> (no drain:
    /// the jobs in flight are cancelled at once) to <see cref="GracefulShutdownConstants.MaxDrain"/>; a fraction of a
    /// millisecond is rounded, halves up, like every delay.
    /// </value>
    public TimeSpan Drain { get; set; } = GracefulShutdownConstants.DefaultDrain;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Drain < TimeSpan.Zero || Drain > GracefulShutdownConstants.MaxDrain)
        {
            errors.Add($"`{nameof(Drain)}` must be from {TimeSpan.Zero} to {GracefulShutdownConstants.MaxDrain}, got {Drain}");
        }

        OptionsValidation.ThrowIfAny(nameof(GracefulShutdownOptions), errors);
    }
}
