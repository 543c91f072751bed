using AsyncPatterns.CancellationCleanup;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.CancellationCleanup;

public class CancellationCleanupStrategyTests
{
    [Fact]
    public void UseResourceAsync_Success_ReturnsTheValueOnceClosed()
    {
        Resource? resource = null;
        var run = Virtual.Run(time => CancellationCleanupStrategy.UseResourceAsync(
            _ => ValueTask.FromResult(resource = new Resource(time)),
            (_, ct) => new FakeOperation(time).Call("op", 20, "data", ct)));

        Assert.Equal("data", run.Result);
        Assert.Equal([25], resource!.ClosedAt);
        Assert.Equal(25, run.ElapsedMs);
    }

    [Fact]
    public void UseResourceAsync_Failure_ClosesThenThrowsTheErrorUnchanged()
    {
        Resource? resource = null;
        var fatal = new InvalidOperationException("bad");
        var run = Virtual.Run(time => CancellationCleanupStrategy.UseResourceAsync(
            _ => ValueTask.FromResult(resource = new Resource(time)),
            (_, ct) => new FakeOperation(time).Call("op", 20, "", ct, fatal)));

        Assert.Same(fatal, run.Error);
        Assert.Equal([25], resource!.ClosedAt);
        Assert.Equal(25, run.ElapsedMs);
    }

    [Theory]
    [InlineData(0, 15)]
    [InlineData(3, 18)]
    public void UseResourceAsync_Cancelled_ClosesAfterTheOperationStoppedThenPropagates(long cancelMs, long closedAt)
    {
        Resource? resource = null;
        var run = Virtual.Run(
            (time, ct) => CancellationCleanupStrategy.UseResourceAsync(
                _ => ValueTask.FromResult(resource = new Resource(time)),
                (_, token) => new FakeOperation(time).Call<string>("op", null, "", token, cancelMs: cancelMs),
                ct),
            cancelAtMs: 10);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal([closedAt], resource!.ClosedAt);
        Assert.Equal(closedAt, run.ElapsedMs);
    }

    private sealed class Resource(TimeProvider time) : IAsyncDisposable
    {
        public List<long> ClosedAt { get; } = [];

        public async ValueTask DisposeAsync()
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), time, CancellationToken.None).ConfigureAwait(false);
            ClosedAt.Add((long)time.GetElapsedTime(0).TotalMilliseconds);
        }
    }
}
