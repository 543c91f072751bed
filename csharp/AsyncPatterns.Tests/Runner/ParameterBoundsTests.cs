using System.Text.Json.Nodes;
using AsyncConf.Runner;
using AsyncPatterns.RetryBackoff;
using AsyncPatterns.Tests.TestSupport;
using AsyncPatterns.Timeout;

namespace AsyncPatterns.Tests.Runner;

/// <summary>
/// Parameters out of their domain are refused up front with the <c>invalid</c> kind, as in every language
/// (spec/PROTOCOL.md §6 and §8, "Parameters"): no call, at 0 ms.
/// </summary>
public class ParameterBoundsTests
{
    [Theory]
    [InlineData("retry-backoff", """{"max_attempts": 0, "base_delay_ms": 100, "factor": 2, "max_delay_ms": 60000, "jitter": "none"}""")]
    [InlineData("retry-backoff", """{"max_attempts": 1.5, "base_delay_ms": 100, "factor": 2, "max_delay_ms": 60000, "jitter": "none"}""")]
    [InlineData("retry-backoff", """{"max_attempts": 3, "base_delay_ms": 100, "factor": 2, "max_delay_ms": 2147483648, "jitter": "none"}""")]
    [InlineData("retry-backoff", """{"max_attempts": 3, "base_delay_ms": 1e300, "factor": 2, "max_delay_ms": 60000, "jitter": "none"}""")]
    [InlineData("retry-backoff", """{"max_attempts": 3, "base_delay_ms": 100, "factor": 2, "max_delay_ms": 60000, "jitter": "full"}""")]
    [InlineData("timeout", """{"timeout_ms": 0}""")]
    [InlineData("timeout", """{"timeout_ms": 2147483648}""")]
    [InlineData("bounded-concurrency", """{"items": ["a"], "limit": 0}""")]
    [InlineData("bounded-concurrency", """{"items": ["a"], "limit": 2.5}""")]
    [InlineData("bounded-concurrency", """{"items": ["a"], "limit": 2147483648}""")]
    [InlineData("parallel-partial-failures", """{"items": ["a", "b", "a"]}""")]
    [InlineData("circuit-breaker", """{"failure_threshold": 0, "break_ms": 10}""")]
    [InlineData("circuit-breaker", """{"failure_threshold": 1.5, "break_ms": 10}""")]
    [InlineData("circuit-breaker", """{"failure_threshold": 1, "break_ms": -1}""")]
    [InlineData("circuit-breaker", """{"failure_threshold": 1, "break_ms": 2147483648}""")]
    [InlineData("async-stream", """{"take": -1, "length": 5, "close_ms": 5}""")]
    [InlineData("async-stream", """{"take": 1.5, "length": 5, "close_ms": 5}""")]
    [InlineData("async-stream", """{"take": 2147483648, "length": 5, "close_ms": 5}""")]
    [InlineData("backpressure", """{"items": ["a"], "capacity": 0, "workers": 2}""")]
    [InlineData("backpressure", """{"items": ["a"], "capacity": 2, "workers": 0}""")]
    [InlineData("backpressure", """{"items": ["a"], "capacity": 1.5, "workers": 2}""")]
    [InlineData("backpressure", """{"items": ["a"], "capacity": 2, "workers": 2147483648}""")]
    [InlineData("graceful-shutdown", """{"jobs": {"a": 0}, "shutdown_at_ms": 10, "drain_ms": -1}""")]
    [InlineData("graceful-shutdown", """{"jobs": {"a": 0}, "shutdown_at_ms": 10, "drain_ms": 2147483648}""")]
    [InlineData("graceful-shutdown", """{"jobs": {"a": 0}, "shutdown_at_ms": 10.5}""")]
    [InlineData("graceful-shutdown", """{"jobs": {"a": -1}, "shutdown_at_ms": 10}""")]
    [InlineData("offload-blocking", """{"items": ["a"], "max_workers": 0}""")]
    [InlineData("offload-blocking", """{"items": ["a"], "max_workers": 1.5}""")]
    [InlineData("offload-blocking", """{"items": ["a"], "heartbeat_ms": 0}""")]
    [InlineData("async-stream", """{"take": 1, "length": 1.5}""")] // the runner's own parameters, refused alike (§8)
    [InlineData("async-stream", """{"take": 1, "length": -1}""")]
    [InlineData("async-stream", """{"take": 1, "close_ms": -1}""")]
    [InlineData("cancellation-cleanup", """{"close_ms": -1}""")]
    [InlineData("cancellation-cleanup", """{"close_ms": 2147483648}""")]
    [InlineData("connection-pool", """{"size": 1, "close_ms": -1}""")]
    [InlineData("graceful-shutdown", """{"jobs": {"a": 0}, "shutdown_at_ms": 10, "close_ms": -1}""")]
    public void Run_ParameterOutOfItsDomain_IsRefusedUpFrontAsInvalid(string pattern, string parameters)
    {
        var invocations = pattern is "circuit-breaker" or "connection-pool" ? """, "invocations": [{"at_ms": 5}]""" : string.Empty;
        var answer = HostTimers.Ask(
            $$$"""{"id": 1, "pattern": "{{{pattern}}}", "params": {{{parameters}}}, "plan": {"*": [{"after_ms": 10, "ok": "v"}]}{{{invocations}}}}""");

        Assert.Equal("""{"fail":"invalid"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(0, (long?)answer["elapsed_ms"]);
        Assert.Empty(answer["trace"]!.AsArray());
    }

    [Fact]
    public void Run_TheLongestValidTimes_AreTaken()
    {
        var answer = HostTimers.Ask(
            """{"id": 1, "pattern": "timeout", "params": {"timeout_ms": 2147483647}, "plan": {"op": [{"after_ms": 30, "ok": "v"}]}}""");

        Assert.Equal("""{"ok":"v"}""", answer["outcome"]?.ToJsonString() ?? answer.ToJsonString());
    }

    [Theory]
    [InlineData("bounded-concurrency", """{"items": [], "limit": 2}""", "[]")]
    [InlineData("task-group", """{"items": []}""", "[]")]
    [InlineData("backpressure", """{"items": [], "capacity": 2, "workers": 2}""", "[]")]
    [InlineData("offload-blocking", """{"items": []}""", "[]")]
    [InlineData("parallel-partial-failures", """{"items": []}""", """{"succeeded":{},"failed":{}}""")]
    public void Run_NoItems_IsAnEmptyResultAtOnce(string pattern, string parameters, string empty)
    {
        var answer = HostTimers.Ask(
            $$$"""{"id": 1, "pattern": "{{{pattern}}}", "params": {{{parameters}}}, "plan": {"*": [{"after_ms": 10, "ok": "v"}]}}""");

        Assert.Equal($$"""{"ok":{{empty}}}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(0, (long?)answer["elapsed_ms"]);
        Assert.Empty(answer["trace"]!.AsArray());
    }

    [Fact]
    public void Bounds_AreTheLongestTimerNodeHonours()
    {
        // 2147483647 ms: past it Node fires a timer after 1 ms, so no language may accept more.
        Assert.Equal(TimeSpan.FromMilliseconds(int.MaxValue), RetryBackoffConstants.MaxSupportedDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(int.MaxValue), TimeoutConstants.MaxTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1), TimeoutConstants.MinTimeout);
    }
}
