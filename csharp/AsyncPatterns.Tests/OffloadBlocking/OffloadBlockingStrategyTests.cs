using System.Diagnostics;
using AsyncPatterns.OffloadBlocking;

namespace AsyncPatterns.Tests.OffloadBlocking;

/// <summary>The strategy on real threads, with short blocks (the virtual-time behaviour is the spec's scenarios').</summary>
public class OffloadBlockingStrategyTests
{
    [Fact]
    public async Task RunAsync_RunsTheWorkOffTheCallersThread_InInputOrder()
    {
        var running = 0;
        var most = 0;
        Task<IReadOnlyList<(string, bool)>>? run = null;
        // The caller is a thread of its own, held until the run ends: a pool thread, once the test awaited, goes back to
        // the pool, which may then run the offloaded work on it (seen: b, c and d "on the caller's thread").
        var callerThread = new Thread(() =>
        {
            var caller = Environment.CurrentManagedThreadId;
            run = OffloadBlockingStrategy.RunAsync(
                (string item) =>
                {
                    most = Math.Max(most, Interlocked.Increment(ref running));
                    Thread.Sleep(item == "a" ? 30 : 5); // a ends last: the order is still the input's
                    Interlocked.Decrement(ref running);
                    return (item, Environment.CurrentManagedThreadId != caller);
                },
                ["a", "b", "c", "d"],
                new OffloadBlockingOptions { MaxWorkers = 2 },
                CancellationToken.None);
            ((IAsyncResult)run).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));
        });
        callerThread.Start();
        callerThread.Join();
        Assert.NotNull(run);
        var values = await run;

        Assert.Equal([("a", true), ("b", true), ("c", true), ("d", true)], values);
        Assert.InRange(most, 1, 2);
    }

    [Fact]
    public async Task RunAsync_Failure_IsTheVeryException()
    {
        var failure = new InvalidOperationException("fatal");
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => OffloadBlockingStrategy.RunAsync<string, int>(
            _ => throw failure, ["a"], new OffloadBlockingOptions(), CancellationToken.None));

        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task RunAsync_CallerCancels_ReturnsAtOnceWithoutWaitingForTheBlock()
    {
        using var release = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        var started = Stopwatch.StartNew();
        var run = OffloadBlockingStrategy.RunAsync((string _) => release.Wait(TimeSpan.FromSeconds(10)), ["a", "b"], new OffloadBlockingOptions { MaxWorkers = 1 }, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), "did not wait for the block");
        release.Set(); // the thread still in the block ends now
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task RunAsync_MaxWorkersBelowOne_IsRefusedUpFront(int maxWorkers)
    {
        var called = false;
        await Assert.ThrowsAsync<ArgumentException>(() => OffloadBlockingStrategy.RunAsync(
            (string _) => called = true, ["a"], new OffloadBlockingOptions { MaxWorkers = maxWorkers }, CancellationToken.None));
        Assert.False(called);
    }
}
