using AsyncPatterns.ParallelPartialFailures;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.ParallelPartialFailures;

public class ParallelPartialFailuresStrategyTests
{
    [Fact]
    public void RunAllAsync_AllSucceed_StartsAllAtOnceAndTakesTheLongest()
    {
        FakeOperation? op = null;
        var delays = new Dictionary<string, long> { ["a"] = 30, ["b"] = 10, ["c"] = 20 };
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return ParallelPartialFailuresStrategy.RunAllAsync((string key, CancellationToken ct) => op.Call(key, delays[key], key.ToUpperInvariant(), ct), delays.Keys);
        });

        Assert.Equal(new Dictionary<string, string> { ["a"] = "A", ["b"] = "B", ["c"] = "C" }, run.Result.Succeeded);
        Assert.Empty(run.Result.Failed);
        Assert.All(["a", "b", "c"], key => Assert.Equal([0], op!.CallTimes(key)));
        Assert.Equal(30, run.ElapsedMs);
    }

    [Fact]
    public void RunAllAsync_OneFails_OthersCompleteAndTheErrorIsReportedUnchanged()
    {
        FakeOperation? op = null;
        var fatal = new InvalidOperationException("b");
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return ParallelPartialFailuresStrategy.RunAllAsync(
                (string key, CancellationToken ct) => key == "b" ? op.Call(key, 10, "", ct, fatal) : op.Call(key, 30, key, ct),
                ["a", "b", "c"]);
        });

        Assert.Equal(["a", "c"], run.Result.Succeeded.Keys);
        Assert.Same(fatal, run.Result.Failed["b"]);
        Assert.DoesNotContain(op!.Log, entry => entry.StartsWith("cancel", StringComparison.Ordinal));
        Assert.Equal(30, run.ElapsedMs);
    }

    [Fact]
    public void RunAllAsync_OperationThrowsSynchronously_IsReportedAsAFailure()
    {
        var error = new InvalidOperationException("sync");
        var run = Virtual.Run(_ => ParallelPartialFailuresStrategy.RunAllAsync<string, string>((_, _) => throw error, ["a"]));

        Assert.Same(error, run.Result.Failed["a"]);
    }

    [Fact]
    public void RunAllAsync_CallerCancels_CancelsTheRunningAndPropagates()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                return ParallelPartialFailuresStrategy.RunAllAsync(
                    (string key, CancellationToken token) => key == "a" ? op.Call(key, 10, key, token) : op.Call<string>(key, null, key, token),
                    ["a", "b", "c"],
                    ct);
            },
            cancelAtMs: 20);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(20, run.ElapsedMs);
        Assert.Contains("cancel b 20", op!.Log);
        Assert.Contains("cancel c 20", op.Log);
    }

    [Fact]
    public void RunAllAsync_OperationThrowsItsOwnCancellation_ReportsThatVeryException()
    {
        // An async operation that throws an OperationCanceledException of its own ends Canceled, not Faulted.
        var own = new OperationCanceledException("own");
        var run = Virtual.Run(_ => ParallelPartialFailuresStrategy.RunAllAsync<string, string>(
            async (_, _) =>
            {
                await Task.Yield();
                throw own;
            },
            ["a"]));

        Assert.Same(own, run.Result.Failed["a"]);
    }
}

