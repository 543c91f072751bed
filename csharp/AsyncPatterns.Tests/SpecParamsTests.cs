using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests;

/// <summary>
/// Patterns whose spec <c>params</c> are only scenario inputs have no options type; if the spec gives one of them a
/// parameter of the algorithm, this fails until the pattern gets options (and a constants test pinning them).
/// </summary>
public class SpecParamsTests
{
    [Theory]
    [InlineData("cancellation-cleanup", "close_ms")] // how long the injected resource takes to close
    [InlineData("parallel-partial-failures", "items")]
    [InlineData("task-group", "items")]
    public void PatternWithoutOptions_HasOnlyScenarioInputs(string pattern, string input) =>
        Assert.Equal([input], Spec.Params(pattern).Keys);

    [Fact]
    public void AsyncLock_HasNoParameters() => Assert.Empty(Spec.Params("async-lock"));

    [Fact]
    public void EverySpecPattern_IsCoveredByAParamsTest() =>
        Assert.Equal(
            ["async-lock", "async-stream", "backpressure", "bounded-concurrency", "cancellation-cleanup", "circuit-breaker", "connection-pool", "graceful-shutdown", "offload-blocking", "parallel-partial-failures", "racing", "retry-backoff", "task-group", "timeout", "unobserved-failures"],
            Spec.PatternIds);

    [Fact]
    public void UnobservedFailures_HasOnlyTheRunnersInputs() =>
        Assert.Equal(["items", "shutdown_at_ms", "handler_fails"], Spec.Params("unobserved-failures").Keys);
}
