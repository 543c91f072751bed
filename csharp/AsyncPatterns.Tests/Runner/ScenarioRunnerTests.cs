using System.Text.Json.Nodes;
using AsyncConf.Runner;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner;

/// <summary>The runner fails loudly instead of ever reading a wrong time.</summary>
public class ScenarioRunnerTests
{
    private static RunRequest Request(double wallBudgetSeconds = 20) =>
        RunRequest.Parse(JsonNode.Parse($$"""{"pattern": "timeout", "params": {"timeout_ms": 50}, "plan": {"op": [{"after_ms": 10, "ok": 1}]}, "wall_budget_s": {{wallBudgetSeconds}}}""")!.AsObject());

    [Fact]
    public void Run_LoopThreadBlockedForGood_AnswersUnfinishedWithTheReason()
    {
        // .Wait() on a virtual delay, on the loop thread: only the loop could fire it (a sync-over-async deadlock).
        // A budget of 1 s, not less: on a loaded machine the run's start (the pool seen quiet) took 0.3 s once.
        var answer = HostTimers.Run(() => ScenarioRunner.Run(Request(wallBudgetSeconds: 1), ctx =>
        {
            Task.Delay(TimeSpan.FromMilliseconds(10), ctx.TimeProvider).Wait();
            return PatternRun.Of(Task.FromResult(1));
        }));

        Assert.True((bool?)answer["outcome"]!["unfinished"]);
        Assert.StartsWith("the loop thread stayed blocked for more than 1 s of real time", (string?)answer["outcome"]!["reason"], StringComparison.Ordinal);
        Assert.Null(answer["elapsed_ms"]);
        Assert.Equal("wall_budget", (string?)answer["stopped_by"]); // a reading of real time: the harness tries it again
    }

    [Fact]
    public void Run_RealTimeWait_IsRefusedAsUnsupported()
    {
        var error = Assert.Throws<BadRequestException>(() => ScenarioRunner.Run(Request(), _ => PatternRun.Of(Task.Delay(200).ContinueWith(_ => 1, TaskScheduler.Default))));

        Assert.Equal("unsupported", error.Kind);
        Assert.Contains("real-time wait that virtual time cannot drive", error.Message, StringComparison.Ordinal);
        Thread.Sleep(300); // let the real timer go before the next test measures its baseline
    }

    [Fact]
    public async Task Run_ThreadPoolBusyPastTheBudget_AnswersUnfinished()
    {
        Task? blocker = null;
        JsonObject Ask() => HostTimers.Run(() => ScenarioRunner.Run(Request(), _ =>
        {
            blocker = Task.Run(() => Thread.Sleep(2600));
            return PatternRun.Of(blocker.ContinueWith(_ => 1, TaskScheduler.Default));
        }));

        var answer = Ask();
        if (((string?)answer["outcome"]!["reason"])?.StartsWith("had not settled", StringComparison.Ordinal) == true)
        {
            // The run's baseline counts the pool workers busy before it (in the runner's process, none; here the test
            // host's own may be): one of the host's that went idle mid-run made this run's blocker read as the baseline,
            // the pool quiet, virtual time run out (seen in CI). Asked once more, after the blocker; a runner that never
            // sees pool work fails again.
            await blocker!;
            answer = Ask();
        }

        Assert.StartsWith("thread-pool work kept running for more than 2 s", (string?)answer["outcome"]!["reason"], StringComparison.Ordinal);
        Assert.Equal("pool_busy", (string?)answer["stopped_by"]);
        await blocker!;
    }

    [Fact]
    public void Run_PatternThrowsSynchronously_IsItsOutcome()
    {
        var answer = HostTimers.Run(() => ScenarioRunner.Run(Request(), _ => throw new NotSupportedException("no such thing")));

        Assert.Equal("""{"fail":"other","type":"NotSupportedException","message":"no such thing"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(0, (long?)answer["elapsed_ms"]);
    }

    [Fact]
    public void Run_OptionsRefusedUpFront_AreInvalid()
    {
        // spec/PROTOCOL.md §6: a pattern's refusal of its arguments is `invalid`, never confused with a `fatal` failure.
        var answer = HostTimers.Run(() => ScenarioRunner.Run(Request(), _ => throw new ArgumentException("bad options")));

        Assert.Equal("""{"fail":"invalid"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(0, (long?)answer["elapsed_ms"]);
    }
}
