using AsyncPatterns.ConnectionPool;

namespace AsyncConf.Runner;

/// <summary>The runner's pooled connection (connection-pool): the resource <c>conn</c>, marked broken when a use failed fatally.</summary>
/// <param name="resource">The resource opened for it; closing the connection closes it.</param>
internal sealed class PoolConnection(IAsyncDisposable resource) : IPooledConnection
{
    /// <summary>Gets the resource: its name and number tag the trace's <c>acquire</c> and <c>release</c>.</summary>
    public IAsyncDisposable Resource { get; } = resource;

    /// <inheritdoc/>
    public bool IsBroken { get; set; }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Resource.DisposeAsync();
}
