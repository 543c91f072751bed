using System.Text.Json.Nodes;
using AsyncConf.Runner;
using AsyncConf.Runner.VirtualTime;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner;

/// <summary>A blocked loop is a named failure: the run stops at the loop's first chance and says how long it was blocked.</summary>
public class LoopWatchTests
{
    private const string BlockingRetry =
        """{"id": 1, "pattern": "retry-backoff", "impl": "blocking-sleep", "params": {"max_attempts": 5, "base_delay_ms": 100, "factor": 3, "max_delay_ms": 250, "jitter": "none"}, "plan": {"op": [{"after_ms": 10, "fail": "transient"}]}}""";

    private static JsonObject Ask(string request) => HostTimers.Ask(request);

    private static RunRequest Request(double blockLimitMs) =>
        RunRequest.Parse(JsonNode.Parse($$"""{"pattern": "timeout", "params": {"timeout_ms": 10000}, "plan": {"op": [{"after_ms": 5, "ok": 1}]}, "block_limit_ms": {{blockLimitMs}}}""")!.AsObject());

    private static long[] Calls(JsonObject answer) =>
        [.. answer["trace"]!.AsArray().Where(e => (string?)e!["ev"] == "call").Select(e => (long)e!["n"]!)];

    [Theory]
    [InlineData("virtual")]
    [InlineData("real")]
    public void Handle_BlockingSleep_StopsTheRunAtTheFirstBlock(string clock)
    {
        var answer = Ask(BlockingRetry.Replace("\"id\": 1,", $"\"id\": 1, \"clock\": \"{clock}\",", StringComparison.Ordinal));

        Assert.True((bool?)answer["outcome"]?["unfinished"], answer.ToJsonString());
        Assert.StartsWith("blocked the event loop for ", (string?)answer["outcome"]!["reason"], StringComparison.Ordinal);
        Assert.InRange((long)answer["blocked_ms"]!, (long)ProtocolDefaults.BlockLimitMs, 5000);
        Assert.Equal([1, 2], Calls(answer)); // stopped after the first of four blocking delays
    }

    [Fact]
    public void Run_BlockUnderTheLimit_IsReportedAndTheRunGoesOn()
    {
        var answer = HostTimers.Run(() => ScenarioRunner.Run(Request(blockLimitMs: 1000), ctx => PatternRun.Of(ShortBlocksAsync(ctx))));

        Assert.Equal("""{"ok":1}""", answer["outcome"]!.ToJsonString());
        Assert.Equal(3005, (long?)answer["elapsed_ms"]);
        Assert.InRange((long)answer["blocked_ms"]!, 1, 999);

        static async Task<object?> ShortBlocksAsync(ScenarioContext ctx)
        {
            for (var i = 0; i < 3; i++)
            {
                Thread.Sleep(30);
                await Task.Delay(TimeSpan.FromSeconds(1), ctx.TimeProvider, ctx.CancellationToken);
            }

            return await ctx.Instruments.Operation("op", ctx.CancellationToken);
        }
    }

    [Fact]
    public void Run_CompilingCodeForTheFirstTime_IsNotALoopBlock()
    {
        // A pattern's first run compiles its code on the loop thread (20-80 ms for connection-pool's, the runner not being
        // tiered): the fuzzer took that for a block. Here a method the JIT takes well over the limit to compile.
        var compile = HugeMethod();
        var jitMs = 0.0;
        var answer = ScenarioRunner.Run(Request(blockLimitMs: 20), ctx => PatternRun.Of(CompilesAsync(ctx)));

        Assert.True(jitMs >= 40, $"the JIT took {jitMs} ms, not over the limit twice: this test needs a bigger method");
        Assert.Equal("""{"ok":1}""", answer["outcome"]!.ToJsonString());
        Assert.InRange((long)answer["blocked_ms"]!, 0, 19);

        async Task<object?> CompilesAsync(ScenarioContext ctx)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ctx.TimeProvider, ctx.CancellationToken);
            var before = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
            _ = compile(1); // its first call: compiled now, on the loop thread
            jitMs = (System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - before).TotalMilliseconds;
            await Task.Delay(TimeSpan.FromSeconds(1), ctx.TimeProvider, ctx.CancellationToken);
            return await ctx.Instruments.Operation("op", ctx.CancellationToken);
        }
    }

    /// <summary>A method of tens of thousands of instructions, not compiled yet (a dynamic method is never tiered).</summary>
    private static Func<long, long> HugeMethod()
    {
        var method = new System.Reflection.Emit.DynamicMethod("Huge", typeof(long), [typeof(long)]);
        var il = method.GetILGenerator();
        il.Emit(System.Reflection.Emit.OpCodes.Ldarg_0);
        for (var i = 0; i < 80_000; i++)
        {
            il.Emit(System.Reflection.Emit.OpCodes.Ldc_I8, (7L * i) + 1);
            il.Emit(i % 2 == 0 ? System.Reflection.Emit.OpCodes.Xor : System.Reflection.Emit.OpCodes.Add);
        }

        il.Emit(System.Reflection.Emit.OpCodes.Ret);
        return method.CreateDelegate<Func<long, long>>();
    }

    [Fact]
    public void Run_BlockLimitMs_SetsTheLimit()
    {
        var answer = HostTimers.Run(() => ScenarioRunner.Run(Request(blockLimitMs: 20), ctx => PatternRun.Of(BlocksAsync(ctx))));

        Assert.StartsWith("blocked the event loop for ", (string?)answer["outcome"]!["reason"], StringComparison.Ordinal);
        Assert.Empty(answer["trace"]!.AsArray());

        static async Task<object?> BlocksAsync(ScenarioContext ctx)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ctx.TimeProvider, ctx.CancellationToken);
            Thread.Sleep(60);
            await Task.Delay(TimeSpan.FromSeconds(1), ctx.TimeProvider, ctx.CancellationToken);
            return await ctx.Instruments.Operation("op", ctx.CancellationToken);
        }
    }

    [Fact]
    public async Task Run_ThreadPoolWorkThatBlocksBriefly_IsNotALoopBlock()
    {
        // The virtual loop waits for it, looking at its condition all along: it is the loop's quiescence budget that
        // bounds such work, not this watch.
        Task? blocker = null;
        JsonNode Run(int blockMs) => HostTimers.Run(() => ScenarioRunner.Run(Request(blockLimitMs: 50), _ =>
        {
            blocker = Task.Run(() => Thread.Sleep(blockMs));
            return PatternRun.Of(blocker.ContinueWith(_ => (object?)1, TaskScheduler.Default));
        }));

        // Once first, unjudged, as the runner runs a pattern before its first watched run (spec/PROTOCOL.md section 5): a
        // first run loads code on the loop thread, which neither the JIT's clock nor the run-queue reading leaves out (it
        // read 600 ms once, 2 s into a `dotnet test` beside a fuzz campaign).
        Assert.Equal("""{"ok":1}""", Run(1)["outcome"]!.ToJsonString());
        await blocker!;
        var pausedBefore = GC.GetTotalPauseDuration();
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        var answer = Run(200);

        Assert.Equal("""{"ok":1}""", answer["outcome"]!.ToJsonString());
        var blockedMs = (long)answer["blocked_ms"]!;
        Assert.True(
            blockedMs is >= 0 and < 50,
            $"blocked_ms {blockedMs}; meanwhile GC paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds} ms, JIT (all threads) {(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds} ms, {ThreadPool.ThreadCount} pool threads: {answer.ToJsonString()}");
        await blocker!;
    }

    [Fact]
    public void Run_Beats_ChangeNothingOnVirtualTime()
    {
        // Real time passes between the virtual timers, so beats arrive between the scenario's work items.
        var answer = HostTimers.Run(() => ScenarioRunner.Run(Request(blockLimitMs: 1000), ctx => PatternRun.Of(SlowBetweenTimersAsync(ctx))));

        Assert.Equal(200, (long?)answer["elapsed_ms"]);
        Assert.Equal(
            string.Concat(Enumerable.Range(0, 40).Select(i => $$"""{"t":{{i * 5}},"ev":"call","key":"op","n":{{i + 1}}},{"t":{{(i * 5) + 5}},"ev":"ok","key":"op","n":{{i + 1}}},""")).TrimEnd(','),
            answer["trace"]!.ToJsonString().Trim('[', ']'));

        static async Task<object?> SlowBetweenTimersAsync(ScenarioContext ctx)
        {
            object? last = null;
            for (var i = 0; i < 40; i++)
            {
                Thread.Sleep(2);
                last = await ctx.Instruments.Operation("op", ctx.CancellationToken).WaitAsync(TimeSpan.FromSeconds(1), ctx.TimeProvider, ctx.CancellationToken);
            }

            return last;
        }
    }

    [Fact]
    public void RunQueueDelayMs_OnLinux_ReadsTheThreadsSchedstat()
    {
        var schedstat = LoopWatch.SchedstatOfCurrentThread();

        if (OperatingSystem.IsLinux())
        {
            Assert.NotNull(schedstat);
            Assert.True(LoopWatch.RunQueueDelayMs(schedstat) >= 0);
        }
        else
        {
            Assert.Equal(0, LoopWatch.RunQueueDelayMs(schedstat));
        }
    }

    [Fact]
    public void WarmUpRequests_CoverEveryPatternOfTheSpec()
    {
        // A pattern left out compiles its code in its first run, which the loop-lag watch (and, on the real clock, the
        // run's times) took for the run's own: connection-pool was, until the fuzzer said so.
        var warmed = ScenarioRunner.WarmUpRequests.Select(request => (string)JsonNode.Parse(request)!["pattern"]!).Distinct().Order(StringComparer.Ordinal);

        Assert.Equal(Spec.PatternIds, warmed);
    }

    [Fact]
    public void WarmUpRequests_EachRunsThePatternToAnOutcome()
    {
        foreach (var request in ScenarioRunner.WarmUpRequests)
        {
            // Seventeen runs: the most a test gives a timer of the host to fall into (HostTimers; Ask asks again).
            var answer = Ask(request);

            Assert.True(answer["error"] is null, $"{request}\n-> {answer.ToJsonString()}");
            Assert.True(answer["outcome"]!["unfinished"] is null, $"{request}\n-> {answer.ToJsonString()}");
        }
    }

    [Fact]
    public void Run_ATimerArmedElsewhereInTheProcess_IsRefusedAsTheRunsOwn()
    {
        // Why the test above asks again: the runner cannot tell a timer of the host from one of the run.
        Timer? hosts = null;
        var refusal = Assert.Throws<BadRequestException>(() => ScenarioRunner.Run(Request(blockLimitMs: 1000), ctx => PatternRun.Of(HostArmsATimerAsync(ctx))));
        hosts?.Dispose();

        Assert.Equal("unsupported", refusal.Kind);
        Assert.StartsWith(HostTimers.RefusalStart, refusal.Message, StringComparison.Ordinal);

        async Task<object?> HostArmsATimerAsync(ScenarioContext ctx)
        {
            var host = new Thread(() => hosts = new Timer(_ => { }, null, TimeSpan.FromMinutes(1), System.Threading.Timeout.InfiniteTimeSpan));
            host.Start();
            host.Join();
            await Task.Delay(TimeSpan.FromMilliseconds(5), ctx.TimeProvider, ctx.CancellationToken);
            return 1;
        }
    }

    [Fact]
    public void AskAgainIfRefusedForATimer_AsksOnceMoreOnlyForThatRefusal()
    {
        var refused = new JsonObject { ["error"] = new JsonObject { ["kind"] = "unsupported", ["message"] = $"{HostTimers.RefusalStart} (a System.Threading.Timer ...)" } }.ToJsonString();
        var settled = """{"outcome": {"ok": 1}}""";
        var otherError = """{"error": {"kind": "unsupported", "message": "the implementation started a thread of its own"}}""";

        Assert.Same(settled, AskInTurn(refused, settled));
        Assert.Same(refused, AskInTurn(refused, refused)); // the run's own timer: refused again, and the test fails
        Assert.Same(otherError, AskInTurn(otherError, settled));
        Assert.Same(settled, AskInTurn(settled, refused));

        static string AskInTurn(params string[] answers)
        {
            var asked = 0;
            return HostTimers.AskAgainIfRefusedForATimer(() => answers[asked++]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Stall_ThatCutABlockShort_IsABlockWhateverTheLoopThreadReads(bool cutShort)
    {
        // The kernel adds a wait for a CPU to a thread's run-queue count when the thread runs again: the watchdog's
        // reading at the stall could not see the wait that the loop thread's own reading then leaves out. A stall that
        // released a parked blocking call changed the run (the call ended early), which must not pass as unblocked; one
        // that released nothing (the loop compiling code, say) changed nothing.
        var schedstat = Path.GetTempFileName();
        try
        {
            File.WriteAllText(schedstat, "0 0 0");
            using var released = new ManualResetEventSlim();
            using var watch = LoopWatch.Start(new RunLoop(new VirtualTimeProvider()), 50, schedstat);
            watch.OnStall = released.Set;

            Assert.True(released.Wait(TimeSpan.FromSeconds(10)), "no stall: the watchdog never saw its beat wait 50 ms");
            File.WriteAllText(schedstat, "0 60000000000 0"); // back at last: the kernel now counts a 60 s wait for a CPU
            watch.CameBack();
            if (cutShort)
            {
                watch.CountTheStall();
            }

            Assert.Equal(cutShort, watch.Blocks > 0);
            Assert.Equal(cutShort, watch.BlockedMs >= 50);
        }
        finally
        {
            File.Delete(schedstat);
        }
    }

    [Fact]
    public void Run_AStallThatCutABlockingCallShort_IsABlockWhateverTheLoopThreadReads()
    {
        // The loop thread waits on a blocking call parked on the virtual clock (.Wait(), as blocking-wait does): the stall
        // releases it. Then the kernel counts a long wait for a CPU, which the loop thread's own reading leaves out; the
        // run, changed by the release, must still be judged by the watchdog's reading.
        var schedstat = Path.GetTempFileName();
        var kernels = LoopWatch.SchedstatOfLoopThread;
        try
        {
            File.WriteAllText(schedstat, "0 0 0");
            LoopWatch.SchedstatOfLoopThread = () => schedstat;
            var answer = HostTimers.Run(() => ScenarioRunner.Run(Request(blockLimitMs: 50), ctx =>
            {
                File.WriteAllText(schedstat, "0 0 0");
                Task.Run(() => ctx.Instruments.Block("op")).Wait(); // parked for 5 ms of a clock the loop cannot move
                File.WriteAllText(schedstat, "0 60000000000 0"); // back: the kernel now counts a 60 s wait for a CPU
                return PatternRun.Of(Task.FromResult<object?>(1));
            }));

            Assert.InRange((long)answer["blocked_ms"]!, 50, 60_000);
        }
        finally
        {
            LoopWatch.SchedstatOfLoopThread = kernels;
            File.Delete(schedstat);
        }
    }

    [Fact]
    public void HostTimersRun_RunsOnceMoreOnlyForThatRefusal()
    {
        var settled = JsonNode.Parse("""{"outcome": {"ok": 1}}""")!.AsObject();
        var timer = new BadRequestException("unsupported", $"{HostTimers.RefusalStart} (a System.Threading.Timer ...)");
        var thread = new BadRequestException("unsupported", "the implementation started a thread of its own");

        Assert.Same(settled, RunInTurn(timer, settled));
        Assert.Same(timer, Assert.Throws<BadRequestException>(() => RunInTurn(timer, timer))); // the run's own timer: refused again
        Assert.Same(thread, Assert.Throws<BadRequestException>(() => RunInTurn(thread, settled)));

        static JsonObject RunInTurn(params object[] results)
        {
            var ran = 0;
            return HostTimers.Run(() => results[ran++] is BadRequestException refusal ? throw refusal : (JsonObject)results[ran - 1]);
        }
    }

    [Fact]
    public void ProtocolDefaults_AreSpecProtocolJson()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Spec.PatternsDirectory, "..", "protocol.json")))!["defaults"]!;
        var request = RunRequest.Parse(JsonNode.Parse("""{"pattern": "timeout"}""")!.AsObject());
        var real = RunRequest.Parse(JsonNode.Parse("""{"pattern": "timeout", "clock": "real"}""")!.AsObject());

        Assert.Equal((long)file["limit_ms"]!["virtual"]!, request.LimitMs);
        Assert.Equal((long)file["limit_ms"]!["real"]!, real.LimitMs);
        Assert.Equal((int)file["max_calls"]!, request.MaxCalls);
        Assert.Equal(TimeSpan.FromSeconds((double)file["wall_budget_s"]!), request.WallBudget);
        Assert.Equal((double)file["block_limit_ms"]!, request.BlockLimitMs);
    }
}
