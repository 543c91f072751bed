namespace AsyncPatterns.ConnectionPool;

/// <summary>
/// At most <see cref="ConnectionPoolOptions.Size"/> connections, opened lazily and lent to one caller at a time, first-in-first-out.
/// None ships with .NET: this is the idiom of a lease that is an <see cref="IAsyncDisposable"/> (<c>await using</c>) over a
/// queue of <see cref="TaskCompletionSource{TResult}"/> waiters.
/// </summary>
/// <typeparam name="TConnection">The connection type.</typeparam>
/// <remarks>
/// Guarantees (the spec's rules):
/// <list type="bullet">
/// <item>R1, R2: a connection is opened only when an acquire finds none idle and fewer than <c>Size</c> open or opening; an idle one is
/// lent again; a slot is free only once its connection is closed.</item>
/// <item>R3: callers wait first-in-first-out; a connection given back, or a slot freed, goes straight to the first waiter.</item>
/// <item>R4: <c>AcquireTimeout</c> bounds the whole acquire, the wait and the open: past it <see cref="TimeoutException"/>, and an
/// open still running is cancelled.</item>
/// <item>R5: a failed open throws its very exception and frees its slot for the next waiter.</item>
/// <item>R6: <see cref="WithConnectionAsync{T}"/> gives the connection back with <c>await using</c>: on failure and cancellation too.</item>
/// <item>R7: a connection whose use broke it (<see cref="IPooledConnection.IsBroken"/>) is closed and never lent again.</item>
/// <item>R8: <see cref="CloseAsync"/> closes the idle connections at once and each borrowed one as it comes back; after
/// <c>CloseTimeout</c> it cancels the holders' tokens, and completes once every connection is closed -- every call of it. A closing pool
/// lends nothing. A close whose token is cancelled stops waiting (once the idle connections it began to close are closed, R11); the
/// pool stays closing, and that call's deadline cancels no one.</item>
/// <item>R9: a waiter whose token is cancelled leaves the queue; one handed a connection whose token was cancelled before it
/// resumed passes it on.</item>
/// <item>R11: a close is never cut short: a cancellation that lands while the holder's connection closes comes out once the
/// close is done.</item>
/// </list>
/// </remarks>
public class AsyncConnectionPool<TConnection>
    where TConnection : class, IPooledConnection
{
    private readonly Func<CancellationToken, ValueTask<TConnection>> _openConnection;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _acquireTimeout;
    private readonly TimeSpan _closeTimeout;
    private readonly Lock _gate = new Lock();
    private readonly Queue<TConnection> _idle = new();
    private readonly LinkedList<TaskCompletionSource<TConnection?>> _waiters = new();
    private readonly HashSet<CancellationTokenSource> _holders = [];
    private readonly TaskCompletionSource _emptied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _slotsTaken;
    private bool _closing;

    /// <summary>Initializes a new instance of the <see cref="AsyncConnectionPool{TConnection}"/> class.</summary>
    /// <param name="openConnection">Opens a connection; it receives the acquire's token (the caller's, and the acquire timeout).</param>
    /// <param name="options">The options, validated now.</param>
    /// <param name="timeProvider">The clock of the timeouts; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">An option is out of its range.</exception>
    public AsyncConnectionPool(Func<CancellationToken, ValueTask<TConnection>> openConnection, ConnectionPoolOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(openConnection);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _openConnection = openConnection;
        Size = options.Size;
        // Whole milliseconds, halves up (spec/PROTOCOL.md §5): the timers would cut 29.5 ms to 29.
        _acquireTimeout = Milliseconds.Round(options.AcquireTimeout);
        _closeTimeout = Milliseconds.Round(options.CloseTimeout);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the most connections open or opening at once.</summary>
    protected int Size { get; }

    /// <summary>Gets the acquire's deadline; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</summary>
    protected virtual TimeSpan AcquireDeadline => _acquireTimeout;

    /// <summary>Gets how long the close waits for the holders before it cancels them; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for ever.</summary>
    protected virtual TimeSpan CloseDeadline => _closeTimeout;

    /// <summary>Uses a borrowed connection and returns <paramref name="use"/>'s value; the connection comes back on every path.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="use">The use; it receives the holder's token (the caller's, cancelled too at the close's deadline).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns><paramref name="use"/>'s value.</returns>
    public virtual async Task<T> WithConnectionAsync<T>(Func<TConnection, CancellationToken, Task<T>> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(use);
        await using var lease = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        return await use(lease.Connection, lease.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Borrows a connection, first-in-first-out, within the acquire timeout.</summary>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The lease: dispose it to give the connection back.</returns>
    /// <exception cref="TimeoutException">No connection within the acquire timeout.</exception>
    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var holder = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var deadline = new CancellationTokenSource(AcquireDeadline, _timeProvider);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(holder.Token, deadline.Token);
        try
        {
            TConnection? got = null;
            bool wait;
            lock (_gate)
            {
                wait = _closing || _waiters.Count > 0 || (_idle.Count == 0 && !CanOpen(_slotsTaken));
                if (!wait && !_idle.TryDequeue(out got))
                {
                    _slotsTaken++;
                }
            }

            if (wait)
            {
                got = await WaitAsync(attempt.Token).ConfigureAwait(false);
            }

            lock (_gate)
            {
                _holders.Add(holder);
            }

            if (got is null)
            {
                try
                {
                    got = await _openConnection(attempt.Token).ConfigureAwait(false);
                }
                catch
                {
                    lock (_gate)
                    {
                        _holders.Remove(holder);
                    }

                    FreeSlot();
                    throw;
                }
            }

            return new Lease(this, got, holder);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !holder.IsCancellationRequested)
        {
            holder.Dispose();
            throw new TimeoutException($"no connection within the acquire timeout ({AcquireDeadline})");
        }
        catch
        {
            holder.Dispose();
            throw;
        }
    }

    /// <summary>Closes every connection: the idle ones at once, the borrowed ones as they come back, the holders cancelled after the close timeout.</summary>
    /// <param name="cancellationToken">
    /// Stops waiting (the connections are still closed as they come back; this call's deadline cancels no one): the task is cancelled
    /// once the idle connections this call began to close are closed -- a close is never cut short.
    /// </param>
    /// <returns>A task that completes once every connection is closed.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        List<TConnection> idle;
        bool anyTaken;
        lock (_gate)
        {
            _closing = true;
            idle = [.. _idle];
            _idle.Clear();
            anyTaken = _slotsTaken > 0;
        }

        var closes = idle.Select(DiscardAsync).ToList();
        if (anyTaken)
        {
            try
            {
                await WaitEmptiedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The caller's cancellation: the closes this call began complete first (R11), and then it comes out, as the
                // caller asked (a failed close freed its slot all the same).
                await Task.WhenAll(closes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw;
            }
        }

        await Task.WhenAll(closes).ConfigureAwait(false);
    }

    /// <summary>Waits until every slot is free; past the close's deadline cancels the holders first.</summary>
    private async Task WaitEmptiedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _emptied.Task.WaitAsync(CloseDeadline, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            List<CancellationTokenSource> holders;
            lock (_gate)
            {
                holders = [.. _holders];
            }

            var cancellations = new List<Task>();
            foreach (var holder in holders)
            {
                try
                {
                    cancellations.Add(holder.CancelAsync());
                }
                catch (ObjectDisposedException)
                {
                    // Given back (and its token source disposed) since the list was taken: nothing to cancel.
                }
            }

            await Task.WhenAll(cancellations).ConfigureAwait(false);

            await _emptied.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether a new connection may be opened with <paramref name="slotsTaken"/> slots taken.</summary>
    /// <param name="slotsTaken">The connections open or opening.</param>
    /// <returns>Whether one more fits.</returns>
    protected virtual bool CanOpen(int slotsTaken) => slotsTaken < Size;

    /// <summary>Whether a connection given back must be closed rather than lent again.</summary>
    /// <param name="connection">The connection.</param>
    /// <returns>Whether its use broke it.</returns>
    protected virtual bool IsBroken(TConnection connection) => connection.IsBroken;

    /// <summary>The waiter served next: the first one (first-in-first-out).</summary>
    /// <param name="waiters">The waiters, in the order they came.</param>
    /// <returns>The node to serve.</returns>
    protected virtual LinkedListNode<TaskCompletionSource<TConnection?>> NextWaiter(LinkedList<TaskCompletionSource<TConnection?>> waiters)
    {
        ArgumentNullException.ThrowIfNull(waiters);
        return waiters.First!;
    }

    private async Task<TConnection?> WaitAsync(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<TConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);
        LinkedListNode<TaskCompletionSource<TConnection?>> node;
        lock (_gate)
        {
            node = _waiters.AddLast(waiter);
        }

        TConnection? handed;
        try
        {
            handed = await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (!waiter.Task.IsCompletedSuccessfully)
                {
                    _waiters.Remove(node);
                    throw;
                }
            }

            handed = waiter.Task.Result;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // Handed a connection or a slot, but cancelled before this resumed: pass it on (R9).
            await PassOnAsync(handed).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return handed;
    }

    private async Task PassOnAsync(TConnection? handed)
    {
        bool closing;
        lock (_gate)
        {
            closing = _closing;
        }

        if (handed is null)
        {
            FreeSlot();
        }
        else if (closing)
        {
            await DiscardAsync(handed).ConfigureAwait(false);
        }
        else
        {
            GiveBack(handed);
        }
    }

    private async ValueTask ReleaseAsync(TConnection connection, CancellationTokenSource holder)
    {
        bool discard;
        lock (_gate)
        {
            _holders.Remove(holder);
            discard = _closing || IsBroken(connection);
        }

        if (!discard)
        {
            holder.Dispose();
            GiveBack(connection);
            return;
        }

        // The close is never cut short; a cancellation that lands meanwhile comes out once it is done (R11), in place of the
        // call's value or failure.
        var cancelledBefore = holder.IsCancellationRequested;
        try
        {
            await DiscardAsync(connection).ConfigureAwait(false);
            if (!cancelledBefore)
            {
                holder.Token.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            holder.Dispose();
        }
    }

    /// <summary>Closes <paramref name="connection"/>, then frees its slot: never more than <c>Size</c> open at once (R2, R7).</summary>
    private async Task DiscardAsync(TConnection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            FreeSlot();
        }
    }

    private void GiveBack(TConnection connection)
    {
        lock (_gate)
        {
            if (_waiters.Count > 0)
            {
                var next = NextWaiter(_waiters);
                _waiters.Remove(next);
                next.Value.SetResult(connection);
            }
            else
            {
                _idle.Enqueue(connection);
            }
        }
    }

    private void FreeSlot()
    {
        lock (_gate)
        {
            if (_waiters.Count > 0 && !_closing)
            {
                var next = NextWaiter(_waiters);
                _waiters.Remove(next);
                next.Value.SetResult(null); // the slot passes on: the waiter opens
                return;
            }

            _slotsTaken--;
            if (_closing && _slotsTaken == 0)
            {
                _emptied.TrySetResult();
            }
        }
    }

    /// <summary>A borrowed connection; disposing it gives the connection back (once).</summary>
    public sealed class Lease : IAsyncDisposable
    {
        private readonly AsyncConnectionPool<TConnection> _pool;
        private readonly CancellationTokenSource _holder;
        private int _given;

        internal Lease(AsyncConnectionPool<TConnection> pool, TConnection connection, CancellationTokenSource holder)
        {
            _pool = pool;
            Connection = connection;
            _holder = holder;
            CancellationToken = holder.Token;
        }

        /// <summary>Gets the connection.</summary>
        public TConnection Connection { get; }

        /// <summary>Gets the holder's token: the caller's, cancelled too at the close's deadline.</summary>
        public CancellationToken CancellationToken { get; }

        /// <summary>Gives the connection back: lent again, or closed when broken or the pool is closing.</summary>
        /// <returns>A task that completes once given back (closed, if closed).</returns>
        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _given, 1) == 0 ? _pool.ReleaseAsync(Connection, _holder) : ValueTask.CompletedTask;
    }
}
