using System.Text.Json.Nodes;
using AsyncConf.Runner.Candidates;

namespace AsyncPatterns.Tests.Candidates;

/// <summary>The public seam as a user meets it: only public types, no internals.</summary>
public class CandidateRegistryTests
{
    private const string TimeoutRun = """{"id": 7, "pattern": "timeout", "impl": "mine", "params": {"timeout_ms": 50}, "plan": {"op": [{"after_ms": 20, "ok": "data"}]}}""";

    /// <summary>
    /// The registry's answer. A run gets a generous <c>block_limit_ms</c>: the loop-lag watch is not what these tests check,
    /// and on a busy machine the first JIT of a test's lambda on the loop thread can pass the default.
    /// </summary>
    private static JsonObject Ask(CandidateRegistry registry, string request)
    {
        if (request.StartsWith('{') && JsonNode.Parse(request) is JsonObject run && run["op"] is null && run["pattern"] is not null)
        {
            run["block_limit_ms"] = 60_000;
            request = run.ToJsonString();
        }

        return JsonNode.Parse(registry.Handle(request))!.AsObject();
    }

    private static CandidateRegistry Registry(CandidateRun run, Func<CandidateParameters, string?>? notApplicable = null) =>
        new CandidateRegistry().Add("timeout", "mine", run, notApplicable);

    [Fact]
    public void Describe_ListsTheCandidatesOnly()
    {
        var registry = new CandidateRegistry()
            .Add("timeout", "mine", _ => Task.FromResult<object?>(null))
            .Add("retry-backoff", "polly", _ => Task.FromResult<object?>(null))
            .Add("retry-backoff", "another", _ => Task.FromResult<object?>(null));

        var answer = Ask(registry, """{"id": 1, "op": "describe"}""");

        Assert.Equal(1, (int?)answer["protocol"]);
        Assert.Equal("""{"retry-backoff":["another","polly"],"timeout":["mine"]}""", answer["patterns"]!.ToJsonString());
    }

    [Fact]
    public void Run_OnTheRunsVirtualTime_TracesTheInjectedOperation()
    {
        var registry = Registry(async ctx =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), ctx.TimeProvider, ctx.CancellationToken);
            return await ctx.Operation("op", ctx.CancellationToken);
        });

        var answer = Ask(registry, TimeoutRun);

        Assert.Equal(7, (int?)answer["id"]);
        Assert.Equal("""{"ok":"data"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(120, (long?)answer["elapsed_ms"]);
        Assert.Equal(
            """[{"t":100,"ev":"call","key":"op","n":1},{"t":120,"ev":"ok","key":"op","n":1}]""",
            answer["trace"]!.ToJsonString());
        Assert.Equal("[]", answer["leaks"]!.ToJsonString());
    }

    [Fact]
    public void Run_AsyncStream_GivesTheScenariosSourceWithItsCleanup()
    {
        var registry = new CandidateRegistry().Add("async-stream", "mine", async ctx =>
        {
            var first = new List<object?>();
            await foreach (var item in ctx.StreamSource().WithCancellation(ctx.CancellationToken))
            {
                first.Add(item);
                break; // disposes the enumerator: the source's cleanup
            }

            return first;
        });

        var answer = Ask(registry, """{"id": 3, "pattern": "async-stream", "impl": "mine", "params": {"take": 1, "length": 2, "close_ms": 5}, "plan": {"item": [{"after_ms": 10, "ok": "a"}]}}""");

        Assert.Equal("""{"ok":["a"]}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(15, (long?)answer["elapsed_ms"]);
        Assert.Equal("[]", answer["leaks"]!.ToJsonString());
    }

    [Fact]
    public void Run_GivesTheParametersInCSharpUnitsAndTheRandomDraws()
    {
        var registry = new CandidateRegistry().Add("retry-backoff", "mine", ctx => Task.FromResult<object?>(new JsonArray(
            ctx.Parameters.Count("max_attempts"),
            ctx.Parameters.Time("base_delay_ms").TotalMilliseconds,
            ctx.Parameters.Number("factor"),
            ctx.Parameters.String("jitter"),
            ctx.NextRandom(),
            ctx.Random())));

        var answer = Ask(registry, """
            {"id": 2, "pattern": "retry-backoff", "impl": "mine", "random": [0.25, 0.75],
             "params": {"max_attempts": 3, "base_delay_ms": 100.5, "factor": 1.5, "max_delay_ms": 1000, "jitter": "proportional"}}
            """.ReplaceLineEndings(" "));

        Assert.Equal("""{"ok":[3,100.5,1.5,"proportional",0.25,0.75]}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(2, (int?)answer["random_draws"]);
    }

    [Fact]
    public void Run_CallersCancellation_ReachesTheCandidate()
    {
        var registry = Registry(ctx => ctx.Operation("op", ctx.CancellationToken));

        var answer = Ask(registry, """{"id": 3, "pattern": "timeout", "impl": "mine", "params": {"timeout_ms": 50}, "plan": {"op": [{"hang": true}]}, "cancel_at_ms": 30}""");

        Assert.Equal("cancelled", (string?)answer["outcome"]!["fail"]);
        Assert.Equal(30, (long?)answer["elapsed_ms"]);
        Assert.Contains(answer["trace"]!.AsArray(), e => (string?)e!["ev"] == "cancel" && (long?)e["t"] == 30);
    }

    [Fact]
    public void Run_ACandidateThatLeavesTheOperationRunning_ShowsTheLeak()
    {
        var registry = Registry(async ctx =>
        {
            try
            {
                return await ctx.Operation("op", ctx.CancellationToken).WaitAsync(ctx.Parameters.Time("timeout_ms"), ctx.TimeProvider, ctx.CancellationToken);
            }
            catch (TimeoutException)
            {
                return null;
            }
        });

        var answer = Ask(registry, """{"id": 4, "pattern": "timeout", "impl": "mine", "params": {"timeout_ms": 50}, "plan": {"op": [{"hang": true}]}}""");

        Assert.Equal("""{"ok":null}""", answer["outcome"]!.ToJsonString());
        Assert.Equal("""["operation op#1 still running"]""", answer["leaks"]!.ToJsonString());
    }

    [Fact]
    public void Run_NotApplicable_AnswersNotApplicableWithTheReasonAndRunsNothing()
    {
        var ran = false;
        var registry = Registry(
            ctx =>
            {
                ran = true;
                return Task.FromResult<object?>(null);
            },
            p => p.Time("timeout_ms") < TimeSpan.FromMilliseconds(10) ? "my limit starts at 10 ms" : null);

        var answer = Ask(registry, """{"id": 5, "pattern": "timeout", "impl": "mine", "params": {"timeout_ms": 5}, "plan": {"op": [{"hang": true}]}}""");

        Assert.Equal("""{"id":5,"error":{"kind":"not-applicable","message":"my limit starts at 10 ms"}}""", answer.ToJsonString());
        Assert.False(ran);
        Assert.Equal("""{"ok":null}""", Ask(registry, TimeoutRun)["outcome"]!.ToJsonString()); // 50 ms: applicable, and run
        Assert.True(ran);
    }

    [Theory]
    [InlineData("""{"id": 6, "pattern": "timeout", "impl": "reference", "params": {"timeout_ms": 5}}""", "unknown-impl")]
    [InlineData("""{"id": 6, "pattern": "task-group", "impl": "mine", "params": {"items": []}}""", "unknown-pattern")]
    [InlineData("""{"id": 6, "impl": "mine"}""", "bad-request")]
    [InlineData("""not json""", "bad-request")]
    public void Run_WhatIsNotACandidateHere_IsARunnerError(string request, string kind) =>
        Assert.Equal(kind, (string?)Ask(Registry(_ => Task.FromResult<object?>(null)), request)["error"]!["kind"]);

    [Theory]
    [InlineData("timeout", "reference")]
    [InlineData("timeout", "leaves-running")]
    [InlineData("no-such-pattern", "mine")]
    [InlineData("circuit-breaker", "mine")] // invoked many times: not through this seam yet
    public void Add_OursOrAnUnknownPattern_IsRefused(string pattern, string id) =>
        Assert.Throws<ArgumentException>(() => new CandidateRegistry().Add(pattern, id, _ => Task.FromResult<object?>(null)));

    [Fact]
    public void Add_TheSameIdTwice_IsRefused() =>
        Assert.Throws<ArgumentException>(() => Registry(_ => Task.FromResult<object?>(null)).Add("timeout", "mine", _ => Task.FromResult<object?>(null)));

    [Fact]
    public void Serve_AnswersEachLineInOrder_SkippingBlankLines()
    {
        using var input = new StringReader("""{"id": 1, "op": "describe"}""" + "\n\n" + TimeoutRun + "\n");
        using var output = new StringWriter();

        var exit = CandidateRunner.Serve(Registry(ctx => ctx.Operation("op", ctx.CancellationToken)), input, output);

        var lines = output.ToString().Split('\n');
        Assert.Equal(0, exit);
        Assert.Equal(3, lines.Length); // two answers, each ending in \n
        Assert.Equal(1, (int?)JsonNode.Parse(lines[0])!["id"]);
        Assert.Equal("""{"ok":"data"}""", JsonNode.Parse(lines[1])!["outcome"]!.ToJsonString());
        Assert.Equal(string.Empty, lines[2]);
    }
}
