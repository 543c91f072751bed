using System.Text.Json.Nodes;
using AsyncConf.Runner;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner;

/// <summary>The injected random source (spec/PROTOCOL.md §3): it never fails, repeats its last value, and counts.</summary>
public class RandomSourceTests
{
    private static JsonObject Ask(string request) => HostTimers.Ask(request);

    [Fact]
    public void Run_DrawsPastTheValues_RepeatTheLastAndAreCountedNotThrown()
    {
        var answer = Ask("""
            {"id": 1, "pattern": "retry-backoff", "random": [0.25], "plan": {"op": [{"after_ms": 10, "fail": "transient"}]},
             "params": {"max_attempts": 3, "base_delay_ms": 100, "factor": 2, "max_delay_ms": 60000, "jitter": "proportional"}}
            """);

        // Not the runner's own exception as the pattern's outcome: the pattern's real one.
        Assert.Equal("""{"fail":"transient","from":"op#3"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(2, (int)answer["random_draws"]!);
        Assert.Equal([0L, 85L, 245L], answer["trace"]!.AsArray().Where(e => (string)e!["ev"]! == "call").Select(e => (long)e!["t"]!));
    }

    [Fact]
    public void Run_NoValuesSupplied_DrawsTheNeutralHalf()
    {
        var answer = Ask("""
            {"id": 1, "pattern": "retry-backoff", "plan": {"op": [{"after_ms": 10, "fail": "transient"}]},
             "params": {"max_attempts": 2, "base_delay_ms": 100, "factor": 2, "max_delay_ms": 60000, "jitter": "proportional"}}
            """);

        Assert.Equal(1, (int)answer["random_draws"]!);
        Assert.Equal([0L, 110L], answer["trace"]!.AsArray().Where(e => (string)e!["ev"]! == "call").Select(e => (long)e!["t"]!));
    }
}
