using AsyncConf.Runner;

namespace AsyncPatterns.Tests.Runner;

/// <summary>The thread a run's loop runs on is kept between runs, and nothing a run leaves on it reaches the next.</summary>
public class LoopThreadTests
{
    private static readonly TimeSpan Enough = TimeSpan.FromSeconds(30);
    private static readonly AsyncLocal<string?> LeftBehind = new();

    [Fact]
    public void Run_TakesTheKeptThread_InTheCallersContextEachTime()
    {
        int first = 0, second = 0;
        string? seen = "not read";

        Assert.True(LoopThread.Run(() =>
        {
            first = Environment.CurrentManagedThreadId;
            LeftBehind.Value = "set by the first run";
        }, Enough));
        Assert.True(LoopThread.Run(() =>
        {
            second = Environment.CurrentManagedThreadId;
            seen = LeftBehind.Value;
        }, Enough));

        Assert.NotEqual(Environment.CurrentManagedThreadId, first);
        Assert.Equal(first, second);
        Assert.Null(seen);
    }

    [Fact]
    public void Run_StillRunningAfterItsTimeout_ItsThreadIsNeverUsedAgain()
    {
        // Not disposed: the stuck run may still be in Wait when the test ends.
        var release = new ManualResetEventSlim();
        int stuck = 0, next = 0;

        Assert.False(LoopThread.Run(() =>
        {
            stuck = Environment.CurrentManagedThreadId;
            release.Wait();
        }, TimeSpan.FromMilliseconds(50)));
        Assert.True(LoopThread.Run(() => next = Environment.CurrentManagedThreadId, Enough));
        release.Set();

        Assert.NotEqual(0, stuck);
        Assert.NotEqual(stuck, next);
    }

    [Fact]
    public async Task Run_FromTwoCallersAtOnce_GivesEachItsOwnThread()
    {
        using var bothIn = new Barrier(2);
        var threads = new int[2];
        var met = new bool[2];

        var ended = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(() => LoopThread.Run(() =>
        {
            threads[i] = Environment.CurrentManagedThreadId;
            met[i] = bothIn.SignalAndWait(Enough); // each run waits for the other: they run at once
        }, Enough))));

        Assert.Equal([true, true], ended);
        Assert.Equal([true, true], met);
        Assert.NotEqual(threads[0], threads[1]);
    }
}
