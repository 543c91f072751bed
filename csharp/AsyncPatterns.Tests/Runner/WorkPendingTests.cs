using System.Text.Json.Nodes;
using AsyncConf.Runner.Candidates;

namespace AsyncPatterns.Tests.Runner;

/// <summary>
/// Work the implementation left scheduled when it settled -- a timer of the run's clock still armed -- is the leak
/// <c>"work still pending"</c> (spec/PROTOCOL.md §7); the runner's own timers never are.
/// </summary>
public class WorkPendingTests
{
    private const string TimeoutRun = """{"id": 1, "pattern": "timeout", "impl": "mine", "params": {"timeout_ms": 1000}, "plan": {"op": [{"after_ms": 10, "ok": "v"}]}, "block_limit_ms": 60000}""";

    private static JsonObject Run(CandidateRun run, string request = TimeoutRun) =>
        JsonNode.Parse(new CandidateRegistry().Add("timeout", "mine", run).Handle(request))!.AsObject();

    [Fact]
    public void Run_ADetachedDelayLeftArmed_IsWorkStillPending()
    {
        var answer = Run(async ctx =>
        {
            _ = Task.Delay(TimeSpan.FromHours(1), ctx.TimeProvider);
            return await ctx.Operation("op", ctx.CancellationToken);
        });

        Assert.Equal("""{"ok":"v"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal("""["work still pending"]""", answer["leaks"]!.ToJsonString());
    }

    [Fact]
    public void Run_DetachedWorkThatCallsTheOperationAgainLater_IsWorkStillPending()
    {
        var answer = Run(async ctx =>
        {
            async Task Later()
            {
                await Task.Delay(TimeSpan.FromSeconds(5), ctx.TimeProvider).ConfigureAwait(false);
                await ctx.Operation("op", CancellationToken.None).ConfigureAwait(false);
            }

            _ = Later();
            _ = Task.Run(Later); // armed on a pool thread too: still seen, one entry whatever the count
            return await ctx.Operation("op", ctx.CancellationToken);
        });

        Assert.Equal("""{"ok":"v"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal("""["work still pending"]""", answer["leaks"]!.ToJsonString());
    }

    [Fact]
    public void Run_ATidyImplementation_LeavesNothingPending()
    {
        var answer = Run(async ctx =>
        {
            using var limit = new CancellationTokenSource(ctx.Parameters.Time("timeout_ms"), ctx.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, ctx.CancellationToken);
            var call = ctx.Operation("op", linked.Token);
            await Task.WhenAll(call, Task.Delay(TimeSpan.FromMilliseconds(1), ctx.TimeProvider, linked.Token));
            return await call;
        });

        Assert.Equal("""{"ok":"v"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal("[]", answer["leaks"]!.ToJsonString());
    }

    [Fact]
    public void Run_TimersDisposedByTheRuntimeAsTheWaitEnds_AreNotPending()
    {
        // Task.WaitAsync disposes its timer only after the continuations it runs inline, the pattern's settling among
        // them; a cancelled Task.Delay and a cancelled CancellationTokenSource dispose theirs at the cancellation.
        var answer = Run(async ctx =>
        {
            using var stop = new CancellationTokenSource();
            var delay = Task.Delay(TimeSpan.FromHours(1), ctx.TimeProvider, stop.Token);
            var cts = new CancellationTokenSource(TimeSpan.FromHours(1), ctx.TimeProvider);
            stop.Cancel();
            cts.Cancel();
            await delay.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            return await ctx.Operation("op", ctx.CancellationToken).WaitAsync(TimeSpan.FromHours(1), ctx.TimeProvider).ConfigureAwait(false);
        });

        Assert.Equal("""{"ok":"v"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal("[]", answer["leaks"]!.ToJsonString());
    }

    [Fact]
    public void Run_TheRunnersOwnTimers_AreNotPending()
    {
        // Still armed as the pattern settles: the limit, the caller's cancellation (cancel_at_ms), the plan's delay of
        // the call the pattern does not wait for ... and the leak is the call's, not pending work.
        var answer = Run(
            async ctx =>
            {
                var first = ctx.Operation("a", ctx.CancellationToken);
                _ = ctx.Operation("b", CancellationToken.None);
                return await first;
            },
            """{"id": 1, "pattern": "timeout", "impl": "mine", "params": {"timeout_ms": 1000}, "plan": {"a": [{"after_ms": 10, "ok": "v"}], "b": [{"after_ms": 50, "ok": "w"}]}, "cancel_at_ms": 500, "block_limit_ms": 60000}""");

        Assert.Equal("""{"ok":"v"}""", answer["outcome"]!.ToJsonString());
        Assert.Equal("""["operation b#1 still running"]""", answer["leaks"]!.ToJsonString());

        var settled = Run(
            ctx => ctx.Operation("op", ctx.CancellationToken),
            """{"id": 1, "pattern": "timeout", "impl": "mine", "params": {"timeout_ms": 1000}, "plan": {"op": [{"after_ms": 10, "ok": "v"}]}, "cancel_at_ms": 500, "block_limit_ms": 60000}""");

        Assert.Equal("[]", settled["leaks"]!.ToJsonString());
    }
}
