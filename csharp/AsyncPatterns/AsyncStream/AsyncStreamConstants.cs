namespace AsyncPatterns.AsyncStream;

/// <summary>
/// The defaults and limits of <see cref="AsyncStreamOptions"/>: every default is the value of the <c>params</c> block of
/// <c>spec/patterns/async-stream.yaml</c>.
/// </summary>
public static class AsyncStreamConstants
{
    /// <summary>The default <see cref="AsyncStreamOptions.Take"/> (spec <c>take: 3</c>).</summary>
    public const int DefaultTake = 3;

    /// <summary>The smallest allowed <see cref="AsyncStreamOptions.Take"/>: 0 consumes nothing and never starts the source.</summary>
    public const int MinTake = 0;
}
