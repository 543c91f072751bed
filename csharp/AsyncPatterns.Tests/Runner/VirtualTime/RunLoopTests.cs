using System.Diagnostics;
using AsyncConf.Runner.VirtualTime;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner.VirtualTime;

public class RunLoopTests
{
    [Fact]
    public void RunUntil_MinutesOfDelays_TakeMillisecondsAndReadExactly()
    {
        var watch = Stopwatch.StartNew();
        var run = Virtual.Run(async time =>
        {
            await Task.Delay(TimeSpan.FromMinutes(5), time);
            await Task.Delay(TimeSpan.FromSeconds(30), time);
            return time.GetUtcNow() - VirtualTimeProvider.DefaultEpoch;
        });

        Assert.Equal(TimeSpan.FromMilliseconds(330_000), run.Result);
        Assert.Equal(330_000, run.ElapsedMs);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void PeriodicTimerAndWaitAsync_OnTheProvider_TickOnVirtualTime()
    {
        var run = Virtual.Run(async time =>
        {
            var ticks = new List<long>();
            using var periodic = new PeriodicTimer(TimeSpan.FromMilliseconds(10), time);
            for (var i = 0; i < 3 && await periodic.WaitForNextTickAsync(CancellationToken.None); i++)
            {
                ticks.Add((long)time.GetElapsedTime(0).TotalMilliseconds);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time).WaitAsync(TimeSpan.FromMilliseconds(45), time, CancellationToken.None);
            }
            catch (TimeoutException)
            {
                ticks.Add((long)time.GetElapsedTime(0).TotalMilliseconds);
            }

            return ticks;
        });

        Assert.Equal([10, 20, 30, 75], run.Result);
    }

    [Fact]
    public void RunUntil_TimersOfOneInstant_FireOneAtATimeEachAfterWhatThePreviousMadeReady()
    {
        // spec/PROTOCOL.md §5: what a timer makes ready runs to quiescence before the next timer, even of the same ms.
        var run = Virtual.Run(async time =>
        {
            var order = new List<string>();

            async Task Child(string name)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), time);
                order.Add($"{name} woken");
                await Task.Yield();
                order.Add($"{name} after a yield");
            }

            await Task.WhenAll(Child("a"), Child("b"));
            return order;
        });

        Assert.Equal(["a woken", "a after a yield", "b woken", "b after a yield"], run.Result);
        Assert.Equal(10, run.ElapsedMs);
    }

    [Fact]
    public void TimerCallback_ConfigureAwaitFalseContinuation_RunsInlineOnTheLoopThread()
    {
        // Runtime behaviour, not a documented contract: a timer callback run with no SynchronizationContext lets the
        // runtime run a ConfigureAwait(false) continuation of the task it completes inline. The loop relies on it.
        Thread? loopThread = null;
        var run = Virtual.Run(async time =>
        {
            loopThread = Thread.CurrentThread;
            await Task.Delay(TimeSpan.FromMilliseconds(10), time).ConfigureAwait(false);
            return (Thread.CurrentThread, SynchronizationContext.Current);
        });

        Assert.Same(loopThread, run.Result.Item1);
        Assert.Null(run.Result.Item2);
    }

    [Fact]
    public void Post_CapturedContextContinuation_RunsOnTheLoopWithItsContext()
    {
        var run = Virtual.Run(async time =>
        {
            var context = SynchronizationContext.Current;
            await Task.Delay(TimeSpan.FromMilliseconds(10), time);
            return ReferenceEquals(context, SynchronizationContext.Current) && context is not null;
        });

        Assert.True(run.Result);
    }

    [Fact]
    public void RunUntil_WorkOnTheThreadPool_IsWaitedForBeforeTimeAdvances()
    {
        var run = Virtual.Run(async time =>
        {
            var times = new List<long>();
            for (var i = 0; i < 20; i++)
            {
                await Task.Run(() => Thread.SpinWait(20_000)).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(7), time).ConfigureAwait(false);
                await Task.Yield();
                times.Add(time.GetUtcNow().ToUnixTimeMilliseconds() - VirtualTimeProvider.DefaultEpoch.ToUnixTimeMilliseconds());
            }

            return times;
        });

        Assert.Equal(Enumerable.Range(1, 20).Select(i => 7L * i), run.Result);
    }

    [Fact]
    public void RunUntil_CancelledDelayContinuesOnThePool_StillExact()
    {
        // Since .NET 8 a cancelled Task.Delay runs its continuations asynchronously (on the pool).
        var run = Virtual.Run(async time =>
        {
            var elapsed = new List<long>();
            for (var i = 0; i < 50; i++)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(3), time);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(10), time, cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    elapsed.Add(time.GetUtcNow().ToUnixTimeMilliseconds() - VirtualTimeProvider.DefaultEpoch.ToUnixTimeMilliseconds());
                }
            }

            return elapsed;
        });

        Assert.Equal(Enumerable.Range(1, 50).Select(i => 3L * i), run.Result);
    }

    [Fact]
    public void RunUntil_RealTimeTimerPending_StopsInsteadOfJumpingOverIt()
    {
        var run = Virtual.Run(async time =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), time);
            await Task.Delay(300); // the real clock: virtual time cannot drive it
            return true;
        });

        Assert.Equal(LoopStop.RealTimer, run.Stop);
        Thread.Sleep(400); // let the real timer go before the next test measures its baseline
    }

    [Fact]
    public async Task RunUntil_ThreadPoolBusyTooLong_StopsWithPoolBusy()
    {
        Task? blocker = null;
        var run = Virtual.Run(
            _ =>
            {
                blocker = Task.Run(() => Thread.Sleep(600));
                return blocker.ContinueWith(_ => true, TaskScheduler.Default);
            },
            (_, loop) => loop.QuiescenceBudget = TimeSpan.FromMilliseconds(100));

        Assert.Equal(LoopStop.PoolBusy, run.Stop);
        await blocker!;
    }

    [Fact]
    public async Task RunUntil_WallDeadlinePassesWhileThePoolIsBusy_StopsWithWallBudgetNotPoolBusy()
    {
        // A loaded machine can spend a short wall budget before the pool is seen quiet once: the budget is what ran out,
        // not the pool's QuiescenceBudget (the answer said "thread-pool work kept running for more than 2 s" after 0.3 s).
        var loop = new RunLoop(new VirtualTimeProvider());
        var blocker = Task.Run(() => Thread.Sleep(600));
        loop.Post(_ => { }, null);

        var stop = loop.RunUntil(() => false, Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 5));

        Assert.Equal(LoopStop.WallBudget, stop);
        await blocker;
    }

    [Fact]
    public void RunUntil_NothingLeftToRun_StopsIdle()
    {
        var run = Virtual.Run(_ => new TaskCompletionSource<bool>().Task);

        Assert.Equal(LoopStop.Idle, run.Stop);
    }

    [Fact]
    public void Post_AsyncVoidThrows_IsReportedAsAWarning()
    {
        RunLoop? theLoop = null;
        var run = Virtual.Run(
            async time =>
            {
                Fire(time);
                await Task.Delay(TimeSpan.FromMilliseconds(10), time);
                return true;
            },
            (_, loop) => theLoop = loop);

        Assert.True(run.Result);
        Assert.Contains(theLoop!.Warnings, warning => warning.Contains("boom", StringComparison.Ordinal));

        static async void Fire(TimeProvider time)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1), time);
            throw new InvalidOperationException("boom");
        }
    }

    [Fact]
    public void RunUntil_ManyRunsWithThreadPoolHops_AreExactEveryTime()
    {
        for (var i = 0; i < 300; i++)
        {
            var run = Virtual.Run(async time =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time).ConfigureAwait(false);
                await Task.Run(() => Task.Delay(TimeSpan.FromMilliseconds(200), time)).ConfigureAwait(false);
                using var semaphore = new SemaphoreSlim(0);
                _ = Task.Run(async () =>
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(30), time).ConfigureAwait(false);
                    semaphore.Release();
                });
                await semaphore.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                return time.GetTimestamp();
            });

            Assert.Equal(330 * TimeSpan.TicksPerMillisecond, run.Result);
        }
    }
}
