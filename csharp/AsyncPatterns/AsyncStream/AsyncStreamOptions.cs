namespace AsyncPatterns.AsyncStream;

/// <summary>The options of <see cref="AsyncStreamStrategy"/>: how many items to consume at most.</summary>
/// <remarks>The options are validated when the strategy starts; an invalid one throws an <see cref="ArgumentException"/> naming it.</remarks>
public sealed class AsyncStreamOptions
{
    /// <summary>Gets or sets the most items consumed.</summary>
    /// <value>The default is <see cref="AsyncStreamConstants.DefaultTake"/> (3). At least 0.</value>
    public int Take { get; set; } = AsyncStreamConstants.DefaultTake;

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Take < AsyncStreamConstants.MinTake)
        {
            errors.Add($"`{nameof(Take)}` must be at least {AsyncStreamConstants.MinTake}, got {Take}");
        }

        OptionsValidation.ThrowIfAny(nameof(AsyncStreamOptions), errors);
    }
}
