namespace AsyncPatterns.OffloadBlocking;

/// <summary>
/// The defaults and limits of <see cref="OffloadBlockingOptions"/>: every default is the value of the <c>params</c> block
/// of <c>spec/patterns/offload-blocking.yaml</c>.
/// </summary>
public static class OffloadBlockingConstants
{
    /// <summary>The default <see cref="OffloadBlockingOptions.MaxWorkers"/> (spec <c>max_workers: 2</c>).</summary>
    public const int DefaultMaxWorkers = 2;

    /// <summary>The smallest allowed <see cref="OffloadBlockingOptions.MaxWorkers"/>.</summary>
    public const int MinMaxWorkers = 1;
}
