using System.Text.Json.Nodes;
using AsyncConf.Runner;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner;

/// <summary>
/// A failure nobody observed is reported in the answer's <c>unobserved</c> (spec/PROTOCOL.md §2), which the checker fails:
/// a discarded faulted task (<c>TaskScheduler.UnobservedTaskException</c> after the run's own GC) and an <c>async void</c>
/// failure (rethrown on the run loop's context) -- and the process goes on.
/// </summary>
public class UnobservedReportTests
{
    private const string Plan = """{"a": [{"after_ms": 10, "ok": "A"}], "b": [{"after_ms": 20, "fail": "fatal"}], "c": [{"after_ms": 30, "ok": "C"}]}""";

    [Theory]
    [InlineData("discarded-task", "unobserved task exception: InvalidOperationException: fatal failure of b#1")]
    [InlineData("async-void", "unhandled exception on the loop: InvalidOperationException: fatal failure of b#1")]
    public void Run_AFailureNobodyObserved_IsReported(string impl, string expected)
    {
        var answer = Ask(impl);

        Assert.Equal([expected], answer["unobserved"]!.AsArray().Select(entry => (string?)entry));
        Assert.Equal("""{"ok":[]}""", answer["outcome"]!.ToJsonString());
    }

    [Fact]
    public void Run_TheReference_ReportsTheFailureToItsHandler_AndNothingUnobserved()
    {
        var answer = Ask("reference");

        Assert.Empty(answer["unobserved"]!.AsArray());
        Assert.Equal("""{"ok":[{"fail":"fatal","from":"b#1"}]}""", answer["outcome"]!.ToJsonString());
    }

    private static JsonObject Ask(string impl) =>
        HostTimers.Ask(
            $$$"""{"id": 1, "pattern": "unobserved-failures", "impl": "{{{impl}}}", "plan": {{{Plan}}}}""");
}
