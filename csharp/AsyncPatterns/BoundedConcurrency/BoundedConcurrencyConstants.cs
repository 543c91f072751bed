namespace AsyncPatterns.BoundedConcurrency;

/// <summary>
/// The defaults and limits of <see cref="BoundedConcurrencyOptions"/>: every default is the value of the
/// <c>params</c> block of <c>spec/patterns/bounded-concurrency.yaml</c>.
/// </summary>
public static class BoundedConcurrencyConstants
{
    /// <summary>The default <see cref="BoundedConcurrencyOptions.Limit"/> (spec <c>limit: 2</c>).</summary>
    public const int DefaultLimit = 2;

    /// <summary>The smallest allowed <see cref="BoundedConcurrencyOptions.Limit"/>.</summary>
    public const int MinLimit = 1;
}
