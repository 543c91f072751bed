namespace AsyncPatterns.Tests.TestSupport;

/// <summary>The virtual-time helper's own guarantees: the other tests' runs read their pool work, not the host's.</summary>
public class VirtualTests
{
    [Fact]
    public async Task Run_APoolThreadOutsideTheRunStaysBusyPastTheBudget_RunsAgainOnANewBaseline()
    {
        // CI once had every later run stop with PoolBusy (20 tests, 2 s each): the host kept one more pool thread busy
        // than the baseline the helper had seen. Here that thread is this test's own.
        Assert.True(Virtual.Run(_ => Task.FromResult(true)).Result);
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var outside = Task.Run(() =>
        {
            started.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        });
        started.Wait(TimeSpan.FromSeconds(10));
        try
        {
            var run = Virtual.Run(async time =>
            {
                await Task.Run(() => { }).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(10), time).ConfigureAwait(false);
                return true;
            });

            Assert.True(run.Result);
            Assert.Equal(10, run.ElapsedMs);
            Assert.StartsWith("the first run stopped with PoolBusy", run.Why, StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
            await outside;
        }
    }

    [Fact]
    public void Run_ATimerArmedElsewhereInTheProcessDuringTheRun_RunsAgain()
    {
        // The loop stops with RealTimer when the process's timer count rises: a timer of the test host does that too.
        Timer? hosts = null;
        var runs = 0;
        try
        {
            var run = Virtual.Run(async time =>
            {
                if (Interlocked.Increment(ref runs) == 1)
                {
                    var host = new Thread(() => hosts = new Timer(_ => { }, null, TimeSpan.FromMinutes(1), System.Threading.Timeout.InfiniteTimeSpan));
                    host.Start();
                    host.Join();
                }

                await Task.Delay(TimeSpan.FromMilliseconds(10), time).ConfigureAwait(false);
                return true;
            });

            Assert.True(run.Result);
            Assert.Equal(10, run.ElapsedMs);
            Assert.Equal(2, runs);
            Assert.StartsWith("the first run stopped with RealTimer", run.Why, StringComparison.Ordinal);
        }
        finally
        {
            hosts?.Dispose();
        }
    }
}
