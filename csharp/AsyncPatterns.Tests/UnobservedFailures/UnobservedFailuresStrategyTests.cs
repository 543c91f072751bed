using AsyncPatterns.Tests.TestSupport;
using AsyncPatterns.UnobservedFailures;

namespace AsyncPatterns.Tests.UnobservedFailures;

public class UnobservedFailuresStrategyTests
{
    [Fact]
    public void RunInBackground_ReportsEachFailureOnce_TheVeryException_AndEndsAtShutdown()
    {
        var fatal = new InvalidOperationException("b");
        var reported = new List<Exception>();
        FakeOperation? op = null;
        var run = Virtual.Run(async time =>
        {
            op = new FakeOperation(time);
            using var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(100), time);
            await UnobservedFailuresStrategy.RunInBackgroundAsync(
                (string key, CancellationToken ct) => key == "b" ? op.Call(key, 20, key, ct, fatal) : op.Call(key, 10, key, ct),
                ["a", "b"],
                reported.Add,
                shutdown.Token);
            return true;
        });

        Assert.True(run.Result);
        Assert.Same(fatal, Assert.Single(reported));
        Assert.Equal([0L], op!.CallTimes("a"));
        Assert.Equal([0L], op.CallTimes("b"));
        Assert.Equal(100, run.ElapsedMs);
    }

    [Fact]
    public void RunInBackground_AtShutdown_CancelsWhatRunsAndWaitsForIt_ReportingNothing()
    {
        var reported = new List<Exception>();
        FakeOperation? op = null;
        var run = Virtual.Run(async time =>
        {
            op = new FakeOperation(time);
            using var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(100), time);
            await UnobservedFailuresStrategy.RunInBackgroundAsync(
                (string key, CancellationToken ct) => op.Call<string>(key, null, key, ct, cancelMs: key == "a" ? 7 : 0),
                ["a", "b"],
                reported.Add,
                shutdown.Token);
            return true;
        });

        Assert.True(run.Result);
        Assert.Empty(reported);
        Assert.Contains("cancel b 100", op!.Log);
        Assert.Contains("cancel a 107", op.Log);
        Assert.Equal(107, run.ElapsedMs);
    }

    [Fact]
    public void RunInBackground_AnOwnCancellation_IsReported()
    {
        var own = new OperationCanceledException("b");
        var reported = new List<Exception>();
        var run = Virtual.Run(async time =>
        {
            var op = new FakeOperation(time);
            using var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(50), time);
            await UnobservedFailuresStrategy.RunInBackgroundAsync(
                (string key, CancellationToken ct) => op.Call(key, 10, key, ct, own), ["b"], reported.Add, shutdown.Token);
            return true;
        });

        Assert.True(run.Result);
        Assert.Same(own, Assert.Single(reported));
    }

    [Fact]
    public void RunInBackground_AFailingHandler_ComesOutGroupedOnceEveryTaskHasStopped()
    {
        var fatal = new InvalidOperationException("b");
        var run = Virtual.Run(async time =>
        {
            var op = new FakeOperation(time);
            using var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(100), time);
            await UnobservedFailuresStrategy.RunInBackgroundAsync(
                (string key, CancellationToken ct) => key == "b" ? op.Call(key, 10, key, ct, fatal) : op.Call<string>(key, null, key, ct, cancelMs: 5),
                ["b", "c"],
                error => throw error,
                shutdown.Token);
            return true;
        });

        var group = Assert.IsType<AggregateException>(run.Error);
        Assert.Same(fatal, Assert.Single(group.InnerExceptions));
        Assert.Equal(105, run.ElapsedMs);
    }

    [Fact]
    public void RunInBackground_CallerCancels_ShutsDownThenPropagatesCancellation()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            async (time, ct) =>
            {
                op = new FakeOperation(time);
                await UnobservedFailuresStrategy.RunInBackgroundAsync(
                    (string key, CancellationToken token) => op.Call<string>(key, null, key, token), ["a", "b"], _ => { }, CancellationToken.None, ct);
                return true;
            },
            cancelAtMs: 15);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Contains("cancel a 15", op!.Log);
        Assert.Contains("cancel b 15", op.Log);
        Assert.Equal(15, run.ElapsedMs);
    }

    [Fact]
    public void Tracker_RefusesANullHandlerOrWork()
    {
        Assert.Throws<ArgumentNullException>(() => new BackgroundTaskTracker(null!));
        var tracker = new BackgroundTaskTracker(_ => { });
        Assert.Throws<ArgumentNullException>(() => tracker.Start(null!));
    }
}
