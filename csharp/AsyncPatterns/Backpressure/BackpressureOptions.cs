namespace AsyncPatterns.Backpressure;

/// <summary>The options of <see cref="BackpressureStrategy"/>: how many items may be queued, how many consumers run.</summary>
/// <remarks>The options are validated when the strategy starts; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class BackpressureOptions
{
    /// <summary>Gets or sets the most items the queue holds; a producer finding it full waits.</summary>
    /// <value>The default is <see cref="BackpressureConstants.DefaultCapacity"/> (2). At least 1.</value>
    public int Capacity { get; set; } = BackpressureConstants.DefaultCapacity;

    /// <summary>Gets or sets the most consumers running at once.</summary>
    /// <value>The default is <see cref="BackpressureConstants.DefaultWorkers"/> (2). At least 1.</value>
    /// <remarks>A consumer is started with each of the first <see cref="Workers"/> items, so a large value costs nothing.</remarks>
    public int Workers { get; set; } = BackpressureConstants.DefaultWorkers;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Capacity < BackpressureConstants.MinCapacity)
        {
            errors.Add($"`{nameof(Capacity)}` must be at least {BackpressureConstants.MinCapacity}, got {Capacity}");
        }

        if (Workers < BackpressureConstants.MinWorkers)
        {
            errors.Add($"`{nameof(Workers)}` must be at least {BackpressureConstants.MinWorkers}, got {Workers}");
        }

        OptionsValidation.ThrowIfAny(nameof(BackpressureOptions), errors);
    }
}
