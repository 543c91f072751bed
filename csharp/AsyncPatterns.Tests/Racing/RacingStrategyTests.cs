using AsyncPatterns.Racing;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Racing;

public class RacingStrategyTests
{
    private static readonly RacingOptions AllAtOnce = new();

    [Fact]
    public void RaceAsync_FirstSuccess_WinsOnceTheLosersHaveStopped()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RacingStrategy.RaceAsync(
                (string key, CancellationToken ct) => key switch
                {
                    "a" => op.Call<string>(key, null, key, ct, cancelMs: 7),
                    "b" => op.Call(key, 10, "B", ct),
                    _ => op.Call(key, 20, "C", ct),
                },
                ["a", "b", "c"],
                AllAtOnce,
                time);
        });

        Assert.Equal("B", run.Result);
        Assert.Equal([0L], op!.CallTimes("c"));
        Assert.Contains("cancel c 10", op.Log);
        Assert.Contains("cancel a 17", op.Log);
        Assert.Equal(17, run.ElapsedMs);
    }

    [Fact]
    public void RaceAsync_Hedging_StartsTheNextAfterTheDelayOrAtOnceWhenEveryStartedOneFailed()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RacingStrategy.RaceAsync(
                (string key, CancellationToken ct) => key switch
                {
                    "a" => op.Call(key, 5, "A", ct, new HttpRequestException("a")),
                    "b" => op.Call(key, 50, "B", ct),
                    _ => op.Call(key, 10, "C", ct),
                },
                ["a", "b", "c"],
                new RacingOptions { HedgeDelay = TimeSpan.FromMilliseconds(20) },
                time);
        });

        Assert.Equal("C", run.Result);
        Assert.Equal([5L], op!.CallTimes("b"));
        Assert.Equal([25L], op.CallTimes("c"));
        Assert.Equal(35, run.ElapsedMs);
    }

    [Fact]
    public void RaceAsync_EveryAlternativeFails_ThrowsEveryFailureUnchangedInInputOrder()
    {
        var fatal = new InvalidOperationException("a");
        var own = new OperationCanceledException("b gave up");
        var run = Virtual.Run(time =>
        {
            var op = new FakeOperation(time);
            return RacingStrategy.RaceAsync(
                (string key, CancellationToken ct) => op.Call(key, key == "a" ? 30 : 10, key, ct, key == "a" ? fatal : own),
                ["a", "b"],
                AllAtOnce,
                time);
        });

        var group = Assert.IsType<AggregateException>(run.Error);
        Assert.Equal([fatal, own], group.InnerExceptions);
        Assert.Equal(30, run.ElapsedMs);
    }

    [Fact]
    public void RaceAsync_CallerCancels_CancelsTheRunningOnesStartsNoMoreAndPropagatesCancellation()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                return RacingStrategy.RaceAsync(
                    (string key, CancellationToken token) => op.Call<string>(key, null, key, token),
                    ["a", "b"],
                    new RacingOptions { HedgeDelay = TimeSpan.FromMilliseconds(50) },
                    time,
                    ct);
            },
            cancelAtMs: 15);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(["call a 0", "cancel a 15"], op!.Log);
        Assert.Equal(15, run.ElapsedMs);
    }

    [Fact]
    public void RaceAsync_NoAlternatives_IsRefusedBeforeAnyCall()
    {
        var calls = 0;
        // Thrown by the call itself, not by the task it would return: before any call (R9).
        var error = Assert.Throws<ArgumentException>(() =>
        {
            _ = RacingStrategy.RaceAsync((string _, CancellationToken _) => Task.FromResult(++calls), [], AllAtOnce);
        });

        Assert.Equal("`items` must hold at least one alternative (Parameter 'items')", error.Message);
        Assert.Equal(0, calls);
    }
}
