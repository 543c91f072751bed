namespace AsyncPatterns.BoundedConcurrency;

/// <summary>The options of <see cref="BoundedConcurrencyStrategy"/>: how many operations may run at once.</summary>
/// <remarks>The options are validated when the strategy starts; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class BoundedConcurrencyOptions
{
    /// <summary>Gets or sets the most operations in flight at any time.</summary>
    /// <value>The default is <see cref="BoundedConcurrencyConstants.DefaultLimit"/> (2). At least 1.</value>
    public int Limit { get; set; } = BoundedConcurrencyConstants.DefaultLimit;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Limit < BoundedConcurrencyConstants.MinLimit)
        {
            errors.Add($"`{nameof(Limit)}` must be at least {BoundedConcurrencyConstants.MinLimit}, got {Limit}");
        }

        OptionsValidation.ThrowIfAny(nameof(BoundedConcurrencyOptions), errors);
    }
}
