using AsyncPatterns.Tests.TestSupport;
using AsyncPatterns.Timeout;

namespace AsyncPatterns.Tests.Timeout;

public class TimeoutStrategyTests
{
    private static readonly TimeoutOptions Limit50 = new() { Timeout = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public void ExecuteAsync_CompletesInTime_ReturnsTheValueAtOnce()
    {
        var run = Virtual.Run(time => TimeoutStrategy.ExecuteAsync(ct => new FakeOperation(time).Call("op", 30, "data", ct), Limit50, time));

        Assert.Equal("data", run.Result.Value);
        Assert.Equal(30, run.ElapsedMs);
    }

    [Fact]
    public void ExecuteAsync_ExceedsTheLimit_CancelsTheOperationAndReturnsNoResult()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return TimeoutStrategy.ExecuteAsync(ct => op.Call("op", 80, "data", ct), Limit50, time);
        });

        Assert.True(run.Result.IsTimedOut);
        Assert.Equal(50, run.ElapsedMs);
        Assert.Equal(["call op 0", "cancel op 50"], op!.Log);
    }

    [Fact]
    public void ExecuteAsync_ValueTypeTimesOut_IsToldApartFromAGenuineDefault()
    {
        var timedOut = Virtual.Run(time => TimeoutStrategy.ExecuteAsync(ct => new FakeOperation(time).Call("op", 80, 0, ct), Limit50, time));
        var genuineZero = Virtual.Run(time => TimeoutStrategy.ExecuteAsync(ct => new FakeOperation(time).Call("op", 30, 0, ct), Limit50, time));

        Assert.True(timedOut.Result.IsTimedOut);
        Assert.False(timedOut.Result.TryGetValue(out _));
        Assert.Throws<InvalidOperationException>(() => timedOut.Result.Value);
        Assert.True(genuineZero.Result.HasValue);
        Assert.True(genuineZero.Result.TryGetValue(out var zero));
        Assert.Equal(0, zero);
    }

    [Fact]
    public void ExecuteAsync_OperationReturnsNull_IsACompletedResultNotATimeout()
    {
        var run = Virtual.Run(time => TimeoutStrategy.ExecuteAsync<string?>(_ => Task.FromResult<string?>(null), Limit50, time));

        Assert.Equal(new TimeoutResult<string?>(null), run.Result);
        Assert.NotEqual(default, run.Result);
    }

    [Fact]
    public void ExecuteAsync_SlowToStop_ReturnsOnlyOnceTheOperationHasStopped()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return TimeoutStrategy.ExecuteAsync(ct => op.Call<string>("op", null, "", ct, cancelMs: 5), Limit50, time);
        });

        Assert.True(run.Result.IsTimedOut);
        Assert.Equal(55, run.ElapsedMs);
        Assert.Equal("cancel op 55", op!.Log[^1]);
    }

    [Fact]
    public void ExecuteAsync_OwnFailure_PropagatesUnchanged()
    {
        var fatal = new InvalidOperationException("bad");
        var run = Virtual.Run(time => TimeoutStrategy.ExecuteAsync(ct => new FakeOperation(time).Call("op", 20, "", ct, fatal), Limit50, time));

        Assert.Same(fatal, run.Error);
        Assert.Equal(20, run.ElapsedMs);
    }

    [Fact]
    public void ExecuteAsync_OwnTimeoutException_PropagatesUnchanged()
    {
        var own = new TimeoutException("own");
        var run = Virtual.Run(time => TimeoutStrategy.ExecuteAsync(ct => new FakeOperation(time).Call("op", 20, "", ct, own), Limit50, time));

        Assert.Same(own, run.Error);
    }

    [Fact]
    public void ExecuteAsync_CallerCancels_PropagatesCancellationNotNull()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                return TimeoutStrategy.ExecuteAsync(token => op.Call<string>("op", null, "", token), Limit50, time, ct);
            },
            cancelAtMs: 20);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(20, run.ElapsedMs);
        Assert.Equal("cancel op 20", op!.Log[^1]);
    }

    [Fact]
    public void ExecuteAsync_InvalidOptions_ThrowsBeforeTheOperationStarts()
    {
        var calls = 0;

        var error = Assert.Throws<ArgumentException>(() => { _ = TimeoutStrategy.ExecuteAsync(_ => Task.FromResult(++calls), new TimeoutOptions { Timeout = TimeSpan.Zero }); });

        Assert.Contains("`Timeout` must be from 00:00:00.0010000", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, calls);
    }
}
