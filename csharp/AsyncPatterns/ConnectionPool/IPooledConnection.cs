namespace AsyncPatterns.ConnectionPool;

/// <summary>What a pool needs of a connection: whether its last use broke it, and its close (<see cref="IAsyncDisposable.DisposeAsync"/>).</summary>
public interface IPooledConnection : IAsyncDisposable
{
    /// <summary>Gets a value indicating whether a use broke the connection (it must not be lent again).</summary>
    bool IsBroken { get; }
}
