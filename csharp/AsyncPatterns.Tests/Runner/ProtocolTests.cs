using System.Diagnostics;
using System.Text.Json.Nodes;
using AsyncConf.Runner;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner;

public class ProtocolTests
{
    private const string RetryParams = """{"max_attempts": 3, "base_delay_ms": 100, "factor": 2, "max_delay_ms": 60000, "jitter": "none"}""";

    private static JsonObject Ask(string request) => HostTimers.Ask(request);

    [Fact]
    public void Handle_NotJson_AnswersBadRequestWithNullId()
    {
        var answer = Ask("not json");

        Assert.Null(answer["id"]);
        Assert.Equal("bad-request", (string?)answer["error"]!["kind"]);
        Assert.StartsWith("not JSON: ", (string?)answer["error"]!["message"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("42")]
    [InlineData("null")]
    public void Handle_NotAnObject_AnswersBadRequest(string request) =>
        Assert.Equal("""{"id":null,"error":{"kind":"bad-request","message":"a request must be a JSON object"}}""", Protocol.Handle(request));

    [Fact]
    public void Handle_UnknownOp_EchoesTheIdWithBadRequest() =>
        Assert.Equal(
            """{"id":{"any":["json"]},"error":{"kind":"bad-request","message":"unknown op 'dance'; expected run, describe or check_api"}}""",
            Protocol.Handle("""{"id": {"any": ["json"]}, "op": "dance"}"""));

    [Fact]
    public void Handle_UnknownPattern_AnswersUnknownPattern() =>
        Assert.Equal("unknown-pattern", (string?)Ask("""{"id": 1, "pattern": "no-such-pattern"}""")["error"]!["kind"]);

    [Fact]
    public void Handle_UnknownImpl_ListsTheImplementations()
    {
        var error = Ask("""{"id": 2, "pattern": "timeout", "impl": "x", "params": {"timeout_ms": 50}}""")["error"]!;

        Assert.Equal("unknown-impl", (string?)error["kind"]);
        Assert.Equal(
            "pattern 'timeout' has no implementation 'x' here (reference, cancel-as-timeout, leaves-running, no-wait-after-cancel, none-on-any-error, polling, raises-on-timeout, swallows-own-timeout)",
            (string?)error["message"]);
    }

    [Theory]
    [InlineData("""{"id": 3}""", "`pattern` is required")]
    [InlineData("""{"id": 3, "pattern": "timeout", "clock": "sundial"}""", "`clock` must be 'virtual' or 'real', got 'sundial'")]
    [InlineData("""{"id": 3, "pattern": "timeout", "cancel_at_ms": 1.5}""", "`cancel_at_ms` must be an integer, got 1.5")]
    [InlineData("""{"id": 3, "pattern": "timeout", "params": []}""", "`params` must be an object, got []")]
    [InlineData("""{"id": 3, "pattern": "timeout", "params": {"timeout_ms": 5}, "plan": {"op": [{"fail": "kaput"}]}}""", "plan.op[0].fail must be one of transient, fatal, timeout, cancelled, got 'kaput'")]
    public void Handle_MalformedRun_AnswersBadRequestNamingTheField(string request, string message)
    {
        var answer = Ask(request);

        Assert.Equal(3, (int?)answer["id"]);
        Assert.Equal("bad-request", (string?)answer["error"]!["kind"]);
        Assert.Equal(message, (string?)answer["error"]!["message"]);
    }

    [Fact]
    public void Handle_Describe_ListsEverySpecPatternReferenceFirstThenItsAntiPatterns()
    {
        var answer = Ask("""{"id": 1, "op": "describe"}""");

        Assert.Equal(1, (int?)answer["protocol"]);
        Assert.Equal("dotnet", (string?)answer["runtime"]!["name"]);
        Assert.Equal(Environment.Version.ToString(), (string?)answer["runtime"]!["version"]);
        var patterns = answer["patterns"]!.AsObject();
        Assert.Equal(Spec.PatternIds, patterns.Select(entry => entry.Key));
        foreach (var (pattern, impls) in patterns)
        {
            Assert.Equal(["reference", .. Spec.AntiPatternIds(pattern).Order(StringComparer.Ordinal)], impls!.AsArray().Select(impl => (string)impl!));
        }
    }

    [Fact]
    public void Handle_CheckApi_FindsEverySpecNameAndReportsTheMissing()
    {
        var names = Spec.PatternIds
            .SelectMany(pattern => File.ReadAllLines(Path.Combine(Spec.PatternsDirectory, $"{pattern}.yaml"))
                .SkipWhile(line => line.Trim() != "csharp:")
                .Skip(1)
                .TakeWhile(line => line.TrimStart().StartsWith("- {name:", StringComparison.Ordinal))
                .Select(line => line.Split('"')[1]))
            .ToList();
        Assert.NotEmpty(names);
        var request = new JsonObject { ["id"] = 9, ["op"] = "check_api", ["names"] = new JsonArray([.. names.Append("System.Threading.Tasks.Task.Teleport(TimeSpan)").Select(n => (JsonNode?)n)]) };

        var answer = Ask(request.ToJsonString());

        Assert.Equal(["System.Threading.Tasks.Task.Teleport(TimeSpan)"], answer["missing"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void Handle_Run_TraceEndsWhenThePatternSettles_TheRunnersCleanupIsRecordedApart()
    {
        var answer = Ask("""{"id": 8, "pattern": "timeout", "impl": "leaves-running", "params": {"timeout_ms": 50}, "plan": {"op": [{"after_ms": 80, "ok": "data"}]}}""");

        Assert.Equal(["operation op#1 still running"], answer["leaks"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("""[{"t":0,"ev":"call","key":"op","n":1}]""", answer["trace"]!.ToJsonString());
        Assert.Equal("""[{"t":50,"ev":"cancel","key":"op","n":1}]""", answer["trace_after"]!.ToJsonString());
    }

    [Fact]
    public void Handle_Run_AnswersOutcomeTraceElapsedLeaksRuntime()
    {
        var answer = WithoutBlockedMs(HostTimers.Handle($$$"""{"id": 7, "pattern": "retry-backoff", "params": {{{RetryParams}}}, "plan": {"op": [{"after_ms": 10, "fail": "transient"}, {"after_ms": 10, "ok": "data"}]}}"""));

        Assert.Equal(
            $$$"""{"id":7,"outcome":{"ok":"data"},"trace":[{"t":0,"ev":"call","key":"op","n":1},{"t":10,"ev":"fail","key":"op","n":1,"kind":"transient"},{"t":110,"ev":"call","key":"op","n":2},{"t":120,"ev":"ok","key":"op","n":2}],"trace_after":[],"elapsed_ms":120,"leaks":[],"random_draws":0,"runtime":{"name":"dotnet","version":"{{{Environment.Version}}}"},"warnings":[],"unobserved":[]}""",
            answer);
    }

    [Fact]
    public void Handle_Run_AnswersHowLongTheLoopWasBlocked()
    {
        var answer = Ask($$$"""{"id": 7, "pattern": "retry-backoff", "params": {{{RetryParams}}}, "plan": {"op": [{"after_ms": 10, "ok": "data"}]}}""");

        Assert.InRange((long)answer["blocked_ms"]!, 0, (long)ProtocolDefaults.BlockLimitMs - 1);
    }

    [Fact]
    public void Handle_RetryThatNeverStops_EndsUnfinishedAtTheCallLimit()
    {
        var answer = Ask($$$"""{"id": 1, "pattern": "retry-backoff", "impl": "no-cap", "params": {{{RetryParams}}}, "plan": {"op": [{"after_ms": 1, "fail": "transient"}]}, "max_calls": 5}""");

        Assert.Equal("""{"unfinished":true,"reason":"more than 5 operation calls"}""", answer["outcome"]!.ToJsonString());
        Assert.Null(answer["elapsed_ms"]);
        Assert.Equal(10, answer["trace"]!.AsArray().Count);
    }

    [Fact]
    public void Handle_Invocations_SettleOneByOneAndTheRunWithTheLast()
    {
        // The second starts and is cancelled at one instant: it starts first (armed first), then stops.
        var answer = Ask("""{"id": 1, "pattern": "circuit-breaker", "params": {"failure_threshold": 1, "break_ms": 50}, "plan": {"op": [{"after_ms": 10, "fail": "transient"}, {"hang": true}, {"after_ms": 10, "ok": "T"}]}, "invocations": [{"at_ms": 0}, {"at_ms": 60, "cancel_at_ms": 60}, {"at_ms": 80, "key": "op"}]}""");

        Assert.Equal("""{"each":[{"fail":"transient","from":"op#1"},{"fail":"cancelled"},{"ok":"T"}]}""", answer["outcome"]!.ToJsonString());
        Assert.Equal("[10,60,90]", answer["settled_at_ms"]!.ToJsonString());
        Assert.Equal(90, (long?)answer["elapsed_ms"]);
        Assert.Equal(
            ["0 call 1", "10 fail 1", "60 call 2", "60 cancel 2", "80 call 3", "90 ok 3"],
            answer["trace"]!.AsArray().Select(e => $"{e!["t"]} {e["ev"]} {e["n"]}"));
    }

    [Theory]
    [InlineData("""{"id": 1, "pattern": "circuit-breaker", "plan": {"op": [{"ok": 1}]}}""", "'circuit-breaker' needs `invocations`")]
    [InlineData("""{"id": 1, "pattern": "timeout", "invocations": [{"at_ms": 0}]}""", "takes no `invocations`")]
    [InlineData("""{"id": 1, "pattern": "circuit-breaker", "invocations": [{"at_ms": 0}], "cancel_at_ms": 5}""", "`cancel_at_ms` must be null")]
    [InlineData("""{"id": 1, "pattern": "circuit-breaker", "invocations": []}""", "must not be empty")]
    [InlineData("""{"id": 1, "pattern": "circuit-breaker", "invocations": [{"at_ms": 5, "cancel_at_ms": 4}]}""", "invocations[0].cancel_at_ms must be an integer from at_ms (5) up")]
    public void Handle_BadInvocations_AreABadRequest(string request, string words)
    {
        var answer = Ask(request);

        Assert.Equal("bad-request", (string?)answer["error"]!["kind"]);
        Assert.Contains(words, (string?)answer["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public void Handle_HangingOperation_EndsUnfinishedAtTheLimit()
    {
        var answer = Ask("""{"id": 1, "pattern": "task-group", "impl": "no-sibling-cancel", "params": {"items": ["a"]}, "plan": {"a": [{"hang": true}]}, "limit_ms": 5000}""");

        Assert.Equal("had not settled after 5000 ms of virtual time", (string?)answer["outcome"]!["reason"]);
        Assert.Equal(["operation a#1 still running"], answer["leaks"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void Handle_OperationErrorObject_IsTracedByIdentity()
    {
        var wrapped = Ask($$$"""{"id": 1, "pattern": "retry-backoff", "impl": "wraps-error", "params": {{{RetryParams}}}, "plan": {"op": [{"fail": "transient", "message": "nope"}]}}""");
        var unchanged = Ask($$$"""{"id": 1, "pattern": "retry-backoff", "params": {{{RetryParams}}}, "plan": {"op": [{"fail": "transient", "message": "nope"}]}}""");

        Assert.Equal("""{"fail":"other","type":"RetriesExhaustedException","message":"Gave up after 3 attempts."}""", wrapped["outcome"]!.ToJsonString());
        Assert.Equal("""{"fail":"transient","from":"op#3"}""", unchanged["outcome"]!.ToJsonString());
    }

    [Fact]
    public void Handle_AfterMsZero_SettlesAtTheSameMillisecondWithoutATimer()
    {
        var answer = Ask("""{"id": 1, "pattern": "timeout", "params": {"timeout_ms": 50}, "plan": {"op": [{"ok": {"nested": [1, 2.5, null]}}]}}""");

        Assert.Equal("""{"ok":{"nested":[1,2.5,null]}}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(0, (long?)answer["elapsed_ms"]);
    }

    [Fact]
    public void Handle_RealClock_CallersOfOneInstantEnterInListOrder()
    {
        // The system's timers fire the ones due together in their queue's order: six callers at one ms entered 6 to 1.
        var invocations = string.Join(", ", Enumerable.Repeat("""{"at_ms": 5, "key": "a"}""", 6));
        foreach (var clock in new[] { "virtual", "real" })
        {
            var answer = Ask($$$"""{"id": 1, "pattern": "async-lock", "plan": {"a": [{"after_ms": 1, "ok": "x"}]}, "invocations": [{{{invocations}}}], "clock": "{{{clock}}}"}""");

            Assert.Equal("""{"each":[{"ok":1},{"ok":2},{"ok":3},{"ok":4},{"ok":5},{"ok":6}]}""", answer["outcome"]?.ToJsonString() ?? answer.ToJsonString());
        }
    }

    [Fact]
    public void Handle_RealClock_RunsOnTheRealTimers()
    {
        var answer = Ask("""{"id": 1, "pattern": "timeout", "params": {"timeout_ms": 200}, "plan": {"op": [{"after_ms": 30, "ok": "data"}]}, "clock": "real"}""");

        Assert.Equal("""{"ok":"data"}""", answer["outcome"]!.ToJsonString());
        Assert.InRange((long)answer["elapsed_ms"]!, 20, 190);
    }

    [Fact]
    public void ConsoleRunner_SameRequests_AnswersByteIdenticalToHandle()
    {
        string[] requests =
        [
            """{"id": 1, "op": "describe"}""",
            $$$"""{"id": 2, "pattern": "retry-backoff", "params": {{{RetryParams}}}, "plan": {"op": [{"after_ms": 10, "fail": "timeout"}, {"after_ms": 10, "ok": "data"}]}}""",
            """{"id": 3, "pattern": "bounded-concurrency", "params": {"items": ["a", "b", "c"], "limit": 2}, "plan": {"a": [{"hang": true}], "b": [{"after_ms": 15, "fail": "fatal"}], "*": [{"after_ms": 10, "ok": "done"}]}}""",
            "not json",
            """{"id": 5, "op": "check_api", "names": ["System.IAsyncDisposable", "System.Nope"]}""",
        ];
        var runner = Path.Combine(AppContext.BaseDirectory, "AsyncPatterns.Runner.dll");
        var start = new ProcessStartInfo("dotnet", [runner]) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        foreach (var request in requests)
        {
            process.StandardInput.WriteLine(request);
            process.StandardInput.WriteLine(); // blank lines are skipped
        }

        process.StandardInput.Close();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(process.WaitForExit(30_000));

        Assert.Equal(0, process.ExitCode);
        Assert.Equal(requests.Select(request => WithoutBlockedMs(HostTimers.Handle(request))), lines.Select(WithoutBlockedMs));
    }

    /// <summary>An answer without <c>blocked_ms</c>, the one field measured in real time (the rest is exact).</summary>
    private static string WithoutBlockedMs(string answer)
    {
        var fields = JsonNode.Parse(answer)!.AsObject();
        fields.Remove("blocked_ms");
        return fields.ToJsonString();
    }
}
