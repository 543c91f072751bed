namespace AsyncPatterns.Backpressure;

/// <summary>
/// The defaults and limits of <see cref="BackpressureOptions"/>: every default is the value of the <c>params</c> block
/// of <c>spec/patterns/backpressure.yaml</c>.
/// </summary>
public static class BackpressureConstants
{
    /// <summary>The default <see cref="BackpressureOptions.Capacity"/> (spec <c>capacity: 2</c>).</summary>
    public const int DefaultCapacity = 2;

    /// <summary>The default <see cref="BackpressureOptions.Workers"/> (spec <c>workers: 2</c>).</summary>
    public const int DefaultWorkers = 2;

    /// <summary>The smallest allowed <see cref="BackpressureOptions.Capacity"/>.</summary>
    public const int MinCapacity = 1;

    /// <summary>The smallest allowed <see cref="BackpressureOptions.Workers"/>.</summary>
    public const int MinWorkers = 1;
}
