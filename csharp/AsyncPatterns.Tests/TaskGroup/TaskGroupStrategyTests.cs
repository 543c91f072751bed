using AsyncPatterns.TaskGroup;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.TaskGroup;

public class TaskGroupStrategyTests
{
    [Fact]
    public void RunAsync_AllSucceed_ReturnsInInputOrderWhenTheLastFinishes()
    {
        var delays = new Dictionary<string, long> { ["a"] = 30, ["b"] = 10, ["c"] = 20 };
        var run = Virtual.Run(time =>
        {
            var op = new FakeOperation(time);
            return TaskGroupStrategy.RunAsync((string key, CancellationToken ct) => op.Call(key, delays[key], key.ToUpperInvariant(), ct), delays.Keys);
        });

        Assert.Equal(["A", "B", "C"], run.Result);
        Assert.Equal(30, run.ElapsedMs);
    }

    [Fact]
    public void RunAsync_OneFails_CancelsSiblingsWaitsForThemAndGroupsOnlyTheFailure()
    {
        FakeOperation? op = null;
        var transient = new HttpRequestException("b");
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return TaskGroupStrategy.RunAsync(
                (string key, CancellationToken ct) => key switch
                {
                    "a" => op.Call<string>(key, null, key, ct, cancelMs: 7),
                    "b" => op.Call(key, 10, key, ct, transient),
                    _ => op.Call<string>(key, null, key, ct),
                },
                ["a", "b", "c"]);
        });

        var group = Assert.IsType<AggregateException>(run.Error);
        Assert.Same(transient, Assert.Single(group.InnerExceptions));
        Assert.Contains("cancel c 10", op!.Log);
        Assert.Contains("cancel a 17", op.Log);
        Assert.Equal(17, run.ElapsedMs);
    }

    [Fact]
    public void RunAsync_CallerCancels_CancelsEveryChildAndPropagatesCancellation()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                return TaskGroupStrategy.RunAsync((string key, CancellationToken token) => op.Call<string>(key, null, key, token), ["a", "b", "c"], ct);
            },
            cancelAtMs: 15);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(["cancel a 15", "cancel b 15", "cancel c 15"], op!.Log.Where(e => e.StartsWith("cancel", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(15, run.ElapsedMs);
    }
}
