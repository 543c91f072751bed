using AsyncConf.Runner.VirtualTime;
using AsyncPatterns.RetryBackoff;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner.VirtualTime;

public class VirtualTimeProviderTests
{
    [Fact]
    public void FireNext_TimersDueAtTheSameTime_FireInTheOrderScheduled()
    {
        var time = new VirtualTimeProvider();
        var fired = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            var index = i;
            time.CreateTimer(_ => fired.Add(index), null, TimeSpan.FromMilliseconds(10), System.Threading.Timeout.InfiniteTimeSpan);
        }

        while (time.FireNext())
        {
        }

        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], fired);
        Assert.Equal(10, time.NowMs);
    }

    [Fact]
    public void FireNext_JumpsStraightToTheEarliestTimer()
    {
        var time = new VirtualTimeProvider();
        var fired = new List<long>();
        time.CreateTimer(_ => fired.Add(time.NowMs), null, TimeSpan.FromMinutes(5), System.Threading.Timeout.InfiniteTimeSpan);
        time.CreateTimer(_ => fired.Add(time.NowMs), null, TimeSpan.FromMilliseconds(330), System.Threading.Timeout.InfiniteTimeSpan);

        Assert.True(time.TryGetNextDue(out var due));
        Assert.Equal(330, due);
        Assert.True(time.FireNext());
        Assert.True(time.FireNext());
        Assert.False(time.FireNext());
        Assert.Equal([330, 300_000], fired);
    }

    [Fact]
    public void Clock_StartsAtZeroAndReadsWholeMilliseconds()
    {
        var time = new VirtualTimeProvider();
        var start = time.GetTimestamp();
        time.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(0.4), System.Threading.Timeout.InfiniteTimeSpan);
        time.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(2.5), System.Threading.Timeout.InfiniteTimeSpan);
        time.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(3.5), System.Threading.Timeout.InfiniteTimeSpan);
        var readings = new List<long>();
        while (time.FireNext())
        {
            readings.Add(time.NowMs);
        }

        Assert.Equal([0, 3, 4], readings);
        Assert.Equal(TimeSpan.FromMilliseconds(4), time.GetElapsedTime(start));
        Assert.Equal(VirtualTimeProvider.DefaultEpoch.AddMilliseconds(4), time.GetUtcNow());
    }

    [Theory]
    [InlineData(74.5, 75)]
    [InlineData(84.5, 85)]
    [InlineData(74.49, 74)]
    [InlineData(0.5, 1)]
    [InlineData(0.4999, 0)]
    [InlineData(0, 0)]
    [InlineData(-3, 0)]
    [InlineData(double.NaN, 0)]
    [InlineData(74.49999999999997, 75)] // (0.096 + 0.0745) s - 96 ms in binary floating point: a half, read as one
    public void RoundMilliseconds_HalvesUpWhateverTheFloatError(double milliseconds, long expected) =>
        Assert.Equal(expected, VirtualTimeProvider.RoundMilliseconds(milliseconds));

    [Fact]
    public void TaskDelay_CutsAFractionalDelayBeforeTheProviderSeesIt_SoReferencesRoundFirst()
    {
        // Runtime behaviour the references work around (spec/PROTOCOL.md §5): Task.Delay hands the provider whole
        // milliseconds, truncated; only a delay rounded before Task.Delay waits 75 ms.
        var run = Virtual.Run(async time =>
        {
            var start = time.GetTimestamp();
            await Task.Delay(TimeSpan.FromMilliseconds(74.5), time);
            var truncated = time.GetElapsedTime(start).TotalMilliseconds;
            await Task.Delay(RetryBackoffStrategy.GetDelay(1, new RetryBackoffOptions
            {
                BaseDelay = TimeSpan.FromMilliseconds(100),
                Jitter = RetryJitter.Proportional,
                Randomizer = () => 0.245,
            }), time);
            return (truncated, time.GetElapsedTime(start).TotalMilliseconds);
        });

        Assert.Equal((74.0, 149.0), run.Result);
    }

    [Fact]
    public void CreateTimer_Periodic_IsRearmedAfterEachFiring()
    {
        var time = new VirtualTimeProvider();
        var fired = new List<long>();
        using var timer = time.CreateTimer(_ => fired.Add(time.NowMs), null, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10));
        for (var i = 0; i < 3; i++)
        {
            time.FireNext();
        }

        Assert.Equal([5, 15, 25], fired);
    }

    [Fact]
    public void Dispose_ArmedTimer_NeverFires()
    {
        var time = new VirtualTimeProvider();
        var fired = false;
        var timer = time.CreateTimer(_ => fired = true, null, TimeSpan.FromMilliseconds(5), System.Threading.Timeout.InfiniteTimeSpan);

        timer.Dispose();

        Assert.False(time.FireNext());
        Assert.False(fired);
        Assert.False(timer.Change(TimeSpan.Zero, System.Threading.Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Change_Rearmed_FiresOnceAtTheNewTime()
    {
        var time = new VirtualTimeProvider();
        var fired = new List<long>();
        var timer = time.CreateTimer(_ => fired.Add(time.NowMs), null, TimeSpan.FromMilliseconds(5), System.Threading.Timeout.InfiniteTimeSpan);

        timer.Change(TimeSpan.FromMilliseconds(20), System.Threading.Timeout.InfiniteTimeSpan);
        while (time.FireNext())
        {
        }

        Assert.Equal([20], fired);
        Assert.Equal(0, time.ArmedTimerCount);
    }

    [Fact]
    public void CreateTimer_NegativeDueTime_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VirtualTimeProvider().CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(-2), System.Threading.Timeout.InfiniteTimeSpan));

    [Fact]
    public void TaskDelayAndCancellationTokenSource_TakeTheProvider()
    {
        var time = new VirtualTimeProvider();
        var delay = Task.Delay(TimeSpan.FromSeconds(1), time);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500), time);

        Assert.Equal(2, time.ArmedTimerCount);
        time.FireNext();
        Assert.True(cts.IsCancellationRequested);
        Assert.False(delay.IsCompleted);
        time.FireNext();
        Assert.True(delay.IsCompletedSuccessfully);
    }

    [Fact]
    public void ArmedImplementationTimerCount_LeavesOutTheRunnersTimersAndThoseNoLongerArmed()
    {
        var time = new VirtualTimeProvider();
        using var runners = time.CreateRunnerTimer(_ => { }, null, TimeSpan.FromMilliseconds(5), System.Threading.Timeout.InfiniteTimeSpan);
        var fires = time.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(1), System.Threading.Timeout.InfiniteTimeSpan);
        var disposed = time.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(9), System.Threading.Timeout.InfiniteTimeSpan);
        var disarmed = time.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(9), System.Threading.Timeout.InfiniteTimeSpan);
        using var periodic = time.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(2));

        Assert.Equal(4, time.ArmedImplementationTimerCount);
        time.FireNext();
        disposed.Dispose();
        disarmed.Change(System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
        Assert.Equal(1, time.ArmedImplementationTimerCount); // the periodic one, re-armed after each firing
        Assert.Equal(2, time.ArmedTimerCount);
        fires.Dispose();
        disarmed.Dispose();
    }

    [Fact]
    public void CancellationTokenSourceAndTaskDelay_CancelledOrDisposed_DisposeTheirTimers()
    {
        var time = new VirtualTimeProvider();
        var cancelled = new CancellationTokenSource(TimeSpan.FromHours(1), time);
        var disposed = new CancellationTokenSource(TimeSpan.FromHours(1), time);
        using var stop = new CancellationTokenSource();
        var delay = Task.Delay(TimeSpan.FromHours(1), time, stop.Token);
        Assert.Equal(3, time.ArmedImplementationTimerCount);

        cancelled.Cancel();
        disposed.Dispose();
        stop.Cancel();

        Assert.Equal(0, time.ArmedImplementationTimerCount);
        Assert.True(delay.IsCanceled);
        cancelled.Dispose();
    }

    [Fact]
    public async Task WaitAsync_TaskCompletedFirst_DisposesItsTimerOnlyAfterTheContinuationsItRunsInline()
    {
        // Why the runner reads pending work once the step that settled the pattern has returned (ScenarioRunner).
        var time = new VirtualTimeProvider();
        var source = new TaskCompletionSource();
        var waiting = source.Task.WaitAsync(TimeSpan.FromHours(1), time);
        var armedInContinuation = -1;
        var continuation = waiting.ContinueWith(_ => armedInContinuation = time.ArmedImplementationTimerCount, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        source.SetResult();

        await continuation;
        Assert.Equal(1, armedInContinuation);
        Assert.Equal(0, time.ArmedImplementationTimerCount);
    }
}
