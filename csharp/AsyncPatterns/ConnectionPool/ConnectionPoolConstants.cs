namespace AsyncPatterns.ConnectionPool;

/// <summary>
/// The defaults and limits of <see cref="ConnectionPoolOptions"/>: every default is the value of the <c>params</c> block of
/// <c>spec/patterns/connection-pool.yaml</c>.
/// </summary>
public static class ConnectionPoolConstants
{
    /// <summary>The default <see cref="ConnectionPoolOptions.Size"/> (spec <c>size: 10</c>).</summary>
    public const int DefaultSize = 10;

    /// <summary>The default <see cref="ConnectionPoolOptions.AcquireTimeout"/> (spec <c>acquire_timeout_ms: 30000</c>).</summary>
    public static readonly TimeSpan DefaultAcquireTimeout = TimeSpan.FromMilliseconds(30_000);

    /// <summary>The default <see cref="ConnectionPoolOptions.CloseTimeout"/> (spec <c>close_timeout_ms: 10000</c>).</summary>
    public static readonly TimeSpan DefaultCloseTimeout = TimeSpan.FromMilliseconds(10_000);

    /// <summary>The longest allowed time: 2147483647 ms, the longest timer Node honours.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromMilliseconds(int.MaxValue);
}
