namespace AsyncPatterns.OffloadBlocking;

/// <summary>The options of <see cref="OffloadBlockingStrategy"/>: how many calls of the blocking work may run at once.</summary>
/// <remarks>The options are validated when the strategy starts; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class OffloadBlockingOptions
{
    /// <summary>Gets or sets the most calls of the work running at any time, each on a thread-pool thread.</summary>
    /// <value>The default is <see cref="OffloadBlockingConstants.DefaultMaxWorkers"/> (2). At least 1.</value>
    public int MaxWorkers { get; set; } = OffloadBlockingConstants.DefaultMaxWorkers;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (MaxWorkers < OffloadBlockingConstants.MinMaxWorkers)
        {
            errors.Add($"`{nameof(MaxWorkers)}` must be at least {OffloadBlockingConstants.MinMaxWorkers}, got {MaxWorkers}");
        }

        OptionsValidation.ThrowIfAny(nameof(OffloadBlockingOptions), errors);
    }
}
