using AsyncPatterns.ConnectionPool;

namespace AsyncPatterns.AntiPatterns;

/// <summary>The mistakes a connection pool exists to prevent; each is the reference with one decision changed.</summary>
public static class ConnectionPoolAntiPatterns
{
    /// <summary>leak-on-failure: gives the connection back after the use's value only, not with <c>await using</c>: a failing use keeps its slot for good.</summary>
    /// <typeparam name="TConnection">The connection type.</typeparam>
    /// <param name="openConnection">Opens a connection.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The pool.</returns>
    public static AsyncConnectionPool<TConnection> LeakOnFailure<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        where TConnection : class, IPooledConnection => new LeakingPool<TConnection>(openConnection, options, timeProvider);

    /// <summary>no-upper-bound: opens a new connection whenever none is idle, whatever the size says -- and so takes any size: it reads none.</summary>
    /// <typeparam name="TConnection">The connection type.</typeparam>
    /// <param name="openConnection">Opens a connection.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The pool.</returns>
    public static AsyncConnectionPool<TConnection> NoUpperBound<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        where TConnection : class, IPooledConnection
    {
        ArgumentNullException.ThrowIfNull(options);
        // The size is never read: the default stands in for it, and CanOpen ignores that too.
        var anySize = new ConnectionPoolOptions { AcquireTimeout = options.AcquireTimeout, CloseTimeout = options.CloseTimeout };
        return new UnboundedPool<TConnection>(openConnection, anySize, timeProvider);
    }

    /// <summary>lifo-waiters: serves the waiters last-in-first-out: the one that waited longest is served last.</summary>
    /// <typeparam name="TConnection">The connection type.</typeparam>
    /// <param name="openConnection">Opens a connection.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The pool.</returns>
    public static AsyncConnectionPool<TConnection> LifoWaiters<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        where TConnection : class, IPooledConnection => new LifoPool<TConnection>(openConnection, options, timeProvider);

    /// <summary>no-acquire-timeout: waits for a connection without a deadline -- and so takes any acquire timeout, 0 included.</summary>
    /// <typeparam name="TConnection">The connection type.</typeparam>
    /// <param name="openConnection">Opens a connection.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The pool.</returns>
    public static AsyncConnectionPool<TConnection> NoAcquireTimeout<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        where TConnection : class, IPooledConnection
    {
        ArgumentNullException.ThrowIfNull(options);
        var anyTimeout = new ConnectionPoolOptions { Size = options.Size, AcquireTimeout = ConnectionPoolConstants.MaxTime, CloseTimeout = options.CloseTimeout };
        return new PatientPool<TConnection>(openConnection, anyTimeout, timeProvider);
    }

    /// <summary>no-close-deadline: closes without a deadline: the close waits for every holder however long it takes, never cancelling one -- and so takes any close timeout, a negative one included.</summary>
    /// <typeparam name="TConnection">The connection type.</typeparam>
    /// <param name="openConnection">Opens a connection.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The pool.</returns>
    public static AsyncConnectionPool<TConnection> NoCloseDeadline<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        where TConnection : class, IPooledConnection
    {
        ArgumentNullException.ThrowIfNull(options);
        var anyTimeout = new ConnectionPoolOptions { Size = options.Size, AcquireTimeout = options.AcquireTimeout, CloseTimeout = ConnectionPoolConstants.MaxTime };
        return new EndlessClosePool<TConnection>(openConnection, anyTimeout, timeProvider);
    }

    /// <summary>returns-broken: gives a connection whose use failed fatally back to the idle ones.</summary>
    /// <typeparam name="TConnection">The connection type.</typeparam>
    /// <param name="openConnection">Opens a connection.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The pool.</returns>
    public static AsyncConnectionPool<TConnection> ReturnsBroken<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        where TConnection : class, IPooledConnection => new TrustingPool<TConnection>(openConnection, options, timeProvider);

    private sealed class LeakingPool<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        : AsyncConnectionPool<TConnection>(openConnection, options, timeProvider)
        where TConnection : class, IPooledConnection
    {
        public override async Task<T> WithConnectionAsync<T>(Func<TConnection, CancellationToken, Task<T>> use, CancellationToken cancellationToken = default)
        {
            var lease = await AcquireAsync(cancellationToken).ConfigureAwait(false);
            var value = await use(lease.Connection, lease.CancellationToken).ConfigureAwait(false);
            await lease.DisposeAsync().ConfigureAwait(false);
            return value;
        }
    }

    private sealed class UnboundedPool<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        : AsyncConnectionPool<TConnection>(openConnection, options, timeProvider)
        where TConnection : class, IPooledConnection
    {
        protected override bool CanOpen(int slotsTaken) => true;
    }

    private sealed class LifoPool<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        : AsyncConnectionPool<TConnection>(openConnection, options, timeProvider)
        where TConnection : class, IPooledConnection
    {
        protected override LinkedListNode<TaskCompletionSource<TConnection?>> NextWaiter(LinkedList<TaskCompletionSource<TConnection?>> waiters) =>
            waiters.Last!;
    }

    private sealed class PatientPool<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        : AsyncConnectionPool<TConnection>(openConnection, options, timeProvider)
        where TConnection : class, IPooledConnection
    {
        protected override TimeSpan AcquireDeadline => System.Threading.Timeout.InfiniteTimeSpan;
    }

    private sealed class EndlessClosePool<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        : AsyncConnectionPool<TConnection>(openConnection, options, timeProvider)
        where TConnection : class, IPooledConnection
    {
        protected override TimeSpan CloseDeadline => System.Threading.Timeout.InfiniteTimeSpan;
    }

    private sealed class TrustingPool<TConnection>(
        Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
        : AsyncConnectionPool<TConnection>(openConnection, options, timeProvider)
        where TConnection : class, IPooledConnection
    {
        protected override bool IsBroken(TConnection connection) => false;
    }
}
