using AsyncPatterns.ConnectionPool;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.ConnectionPool;

public class AsyncConnectionPoolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        Assert.Equal(ConnectionPoolConstants.DefaultSize, Spec.Integer("connection-pool", "size"));
        Assert.Equal(TimeSpan.FromMilliseconds(Spec.Integer("connection-pool", "acquire_timeout_ms")), ConnectionPoolConstants.DefaultAcquireTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(Spec.Integer("connection-pool", "close_timeout_ms")), ConnectionPoolConstants.DefaultCloseTimeout);
        var options = new ConnectionPoolOptions();
        Assert.Equal(
            (ConnectionPoolConstants.DefaultSize, ConnectionPoolConstants.DefaultAcquireTimeout, ConnectionPoolConstants.DefaultCloseTimeout),
            (options.Size, options.AcquireTimeout, options.CloseTimeout));
    }

    [Theory]
    [InlineData(0, 30_000, 0)]
    [InlineData(1, 0, 0)]
    [InlineData(1, 0.5, 0)]
    [InlineData(1, 30_000, -1)]
    public void Constructor_OptionOutOfRange_ThrowsArgumentException(int size, double acquireMs, double closeMs)
    {
        var options = new ConnectionPoolOptions
        {
            Size = size,
            AcquireTimeout = TimeSpan.FromMilliseconds(acquireMs),
            CloseTimeout = TimeSpan.FromMilliseconds(closeMs),
        };
        Assert.ThrowsAny<ArgumentException>(() => new AsyncConnectionPool<Connection>(new Connections().OpenAsync, options));
    }

    [Fact]
    public async Task WithConnectionAsync_OneAfterAnother_LendsTheSameConnection()
    {
        var connections = new Connections();
        var pool = new AsyncConnectionPool<Connection>(connections.OpenAsync, new ConnectionPoolOptions { Size = 2 });

        var first = await pool.WithConnectionAsync((c, _) => Task.FromResult(c.N), CancellationToken.None).WaitAsync(Patience, CancellationToken.None);
        var second = await pool.WithConnectionAsync((c, _) => Task.FromResult(c.N), CancellationToken.None).WaitAsync(Patience, CancellationToken.None);
        await pool.CloseAsync(CancellationToken.None).WaitAsync(Patience, CancellationToken.None);

        Assert.Equal((1, 1), (first, second));
        Assert.Equal([1], connections.Closed);
    }

    [Fact]
    public async Task WithConnectionAsync_UseBreaksTheConnection_ClosesItAndOpensANewOne()
    {
        var connections = new Connections();
        var pool = new AsyncConnectionPool<Connection>(connections.OpenAsync, new ConnectionPoolOptions { Size = 1 });
        var boom = new InvalidOperationException("lost");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.WithConnectionAsync<int>(
            (c, _) =>
            {
                c.IsBroken = true;
                throw boom;
            },
            CancellationToken.None));
        var next = await pool.WithConnectionAsync((c, _) => Task.FromResult(c.N), CancellationToken.None).WaitAsync(Patience, CancellationToken.None);

        Assert.Same(boom, thrown);
        Assert.Equal(2, next);
        Assert.Equal([1], connections.Closed);
    }

    [Fact]
    public async Task AcquireAsync_WaiterCancelled_LeavesTheQueueAndTheNextGetsTheConnection()
    {
        var connections = new Connections();
        var pool = new AsyncConnectionPool<Connection>(connections.OpenAsync, new ConnectionPoolOptions { Size = 1 });
        var lease = await pool.AcquireAsync(CancellationToken.None).WaitAsync(Patience, CancellationToken.None); // the holder is the test itself
        using var secondCaller = new CancellationTokenSource();
        var used = new List<string>();

        var second = pool.WithConnectionAsync((_, _) => { used.Add("b"); return Task.FromResult(0); }, secondCaller.Token);
        var third = pool.WithConnectionAsync((c, _) => { used.Add($"c on #{c.N}"); return Task.FromResult(0); }, CancellationToken.None);
        await secondCaller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Patience, CancellationToken.None));
        await lease.DisposeAsync();

        await third.WaitAsync(Patience, CancellationToken.None);
        Assert.Equal(["c on #1"], used);
    }

    [Fact]
    public async Task CloseAsync_TwiceWhileBorrowed_BothCompleteOnceTheConnectionIsClosed()
    {
        var connections = new Connections();
        var pool = new AsyncConnectionPool<Connection>(connections.OpenAsync, new ConnectionPoolOptions { Size = 1 });
        var lease = await pool.AcquireAsync(CancellationToken.None).WaitAsync(Patience, CancellationToken.None); // the holder is the test itself

        var first = pool.CloseAsync(CancellationToken.None);
        var second = pool.CloseAsync(CancellationToken.None);
        Assert.False(first.IsCompleted || second.IsCompleted);
        await lease.DisposeAsync();

        await Task.WhenAll(first, second).WaitAsync(Patience, CancellationToken.None);
        Assert.Equal([1], connections.Closed);
    }

    [Fact]
    public async Task CloseAsync_CancelledWhileAnIdleConnectionCloses_ThrowsOnceItIsClosedAndLendsNothing()
    {
        var mayClose = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = new Connections(mayClose.Task);
        var pool = new AsyncConnectionPool<Connection>(
            connections.OpenAsync, new ConnectionPoolOptions { Size = 1, AcquireTimeout = TimeSpan.FromMilliseconds(10) });
        await pool.WithConnectionAsync((c, _) => Task.FromResult(c.N), CancellationToken.None).WaitAsync(Patience, CancellationToken.None);
        using var caller = new CancellationTokenSource();

        var close = pool.CloseAsync(caller.Token);
        await caller.CancelAsync();
        await Task.Delay(20);
        Assert.False(close.IsCompleted); // the connection's close is never cut short (R11)
        Assert.Empty(connections.Closed);
        mayClose.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => close.WaitAsync(Patience, CancellationToken.None));
        Assert.Equal([1], connections.Closed);
        await Assert.ThrowsAsync<TimeoutException>(() => pool.WithConnectionAsync((c, _) => Task.FromResult(c.N), CancellationToken.None));
    }

    [Fact]
    public async Task CloseAsync_CancelledWhileBorrowed_ItsDeadlineCancelsNoHolder()
    {
        var connections = new Connections();
        var pool = new AsyncConnectionPool<Connection>(
            connections.OpenAsync, new ConnectionPoolOptions { Size = 1, CloseTimeout = TimeSpan.FromMilliseconds(50) });
        var lease = await pool.AcquireAsync(CancellationToken.None).WaitAsync(Patience, CancellationToken.None);
        using var caller = new CancellationTokenSource();

        var close = pool.CloseAsync(caller.Token);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => close.WaitAsync(Patience, CancellationToken.None));
        await Task.Delay(150); // well past the close's deadline

        Assert.False(lease.CancellationToken.IsCancellationRequested);
        await lease.DisposeAsync();
        Assert.Equal([1], connections.Closed);
    }

    private sealed class Connection(int n, List<int> closed, Task? mayClose = null) : IPooledConnection
    {
        public int N => n;

        public bool IsBroken { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (mayClose is not null)
            {
                await mayClose.ConfigureAwait(false);
            }

            lock (closed)
            {
                closed.Add(n);
            }
        }
    }

    private sealed class Connections(Task? mayClose = null)
    {
        private int _count;

        public List<int> Closed { get; } = [];

        public ValueTask<Connection> OpenAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new Connection(Interlocked.Increment(ref _count), Closed, mayClose));
    }
}
