namespace AsyncPatterns.ConnectionPool;

/// <summary>
/// The shape every connection-pool implementation shares — the <see cref="AsyncConnectionPool{TConnection}"/> constructor and each
/// anti-pattern — so a runner can build any of them alike, then call <see cref="AsyncConnectionPool{TConnection}.WithConnectionAsync{T}"/>
/// and <see cref="AsyncConnectionPool{TConnection}.CloseAsync"/>.
/// </summary>
/// <typeparam name="TConnection">The connection type.</typeparam>
/// <param name="openConnection">Opens a connection.</param>
/// <param name="options">The options.</param>
/// <param name="timeProvider">The clock; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
/// <returns>The pool, with no connection open.</returns>
public delegate AsyncConnectionPool<TConnection> ConnectionPoolFactory<TConnection>(
    Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider)
    where TConnection : class, IPooledConnection;
