using System.Text.Json.Nodes;
using AsyncConf.Runner;
using AsyncConf.Runner.VirtualTime;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner.VirtualTime;

/// <summary>Blocking calls handed to the pool all start at once, not at the pool's starvation pace.</summary>
public class ParkedPoolThreadsTests
{
    [Fact]
    public void MoreBlockingCallsAtOnceThanThePoolHasThreads_AllStartAtZero()
    {
        // 64 items on 64 workers, each blocking 10 ms of virtual time: 64 pool threads parked at once, far more than the
        // pool keeps (its minimum is the core count). Starting them at the pool's own pace (about one every 0.5 s) would
        // outlast the loop's 2 s budget for a busy pool.
        var items = string.Join(", ", Enumerable.Range(0, 64).Select(i => $"\"i{i}\""));
        var answer = HostTimers.Ask(
            $$$"""{"id": 1, "pattern": "offload-blocking", "params": {"items": [{{{items}}}], "max_workers": 64, "heartbeat_ms": 10}, "plan": {"*": [{"after_ms": 10, "ok": 1}]}}""");

        Assert.True(answer["outcome"]?["ok"] is JsonArray { Count: 64 }, answer.ToJsonString()[..Math.Min(2000, answer.ToJsonString().Length)]);
        Assert.Equal(10, (long)answer["elapsed_ms"]!);
        var calls = answer["trace"]!.AsArray().Where(e => (string?)e!["ev"] == "call").Select(e => (long)e!["t"]!).ToList();
        Assert.Equal(64, calls.Count);
        Assert.All(calls, t => Assert.Equal(0, t));
    }

    [Fact]
    public void Reserve_OnlyEverRaisesTheMinimum_ByAtMostItsCap()
    {
        // Small counts: a raised minimum stays for the process, and the test above must find the pool at its own.
        ParkedPoolThreads.Reserve(3);
        ThreadPool.GetMinThreads(out var afterThree, out _);
        ParkedPoolThreads.Reserve(1);
        ThreadPool.GetMinThreads(out var afterOne, out _);

        Assert.True(afterThree >= Environment.ProcessorCount + 3, $"{afterThree}");
        Assert.Equal(afterThree, afterOne);
        Assert.Equal(Environment.ProcessorCount + ParkedPoolThreads.MostReserved, ParkedPoolThreads.MinimumFor(int.MaxValue));
        Assert.Equal(Environment.ProcessorCount, ParkedPoolThreads.MinimumFor(-1));
    }
}
