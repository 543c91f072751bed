using AsyncPatterns.AntiPatterns;
using AsyncPatterns.AsyncLock;

namespace AsyncPatterns.Tests.AsyncLock;

public class GuardedCounterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task IncrementAsync_ConcurrentCallers_EnterInOrderAndLoseNoUpdate()
    {
        using var counter = new GuardedCounter();
        var firstMayFinish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new List<string>();
        Func<CancellationToken, Task> Section(string name, Task? until = null) => _ =>
        {
            lock (entered)
            {
                entered.Add(name);
            }

            return until ?? Task.Delay(1, CancellationToken.None);
        };

        var first = counter.IncrementAsync(Section("a", firstMayFinish.Task), CancellationToken.None);
        var rest = new[] { "b", "c", "d" }.Select(name => counter.IncrementAsync(Section(name), CancellationToken.None)).ToArray();
        firstMayFinish.SetResult();

        int[] written = [await first.WaitAsync(Patience, CancellationToken.None), .. await Task.WhenAll(rest).WaitAsync(Patience, CancellationToken.None)];
        Assert.Equal([1, 2, 3, 4], written);
        Assert.Equal(["a", "b", "c", "d"], entered);
        Assert.Equal(4, counter.Value);
    }

    [Fact]
    public async Task IncrementAsync_OperationFails_ReleasesAndThrowsTheVeryException()
    {
        using var counter = new GuardedCounter();
        var boom = new InvalidOperationException("boom");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => counter.IncrementAsync(_ => Task.FromException(boom), CancellationToken.None));

        Assert.Same(boom, thrown);
        Assert.Equal(0, counter.Value);
        Assert.Equal(1, await counter.IncrementAsync(_ => Task.CompletedTask, CancellationToken.None).WaitAsync(Patience, CancellationToken.None));
    }

    [Fact]
    public async Task IncrementAsync_WaiterCancelled_NeverEntersAndTheNextOneDoes()
    {
        using var counter = new GuardedCounter();
        var firstMayFinish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondEntered = false;
        using var secondCaller = new CancellationTokenSource();

        var first = counter.IncrementAsync(_ => firstMayFinish.Task, CancellationToken.None);
        var second = counter.IncrementAsync(_ => { secondEntered = true; return Task.CompletedTask; }, secondCaller.Token);
        var third = counter.IncrementAsync(_ => Task.CompletedTask, CancellationToken.None);
        await secondCaller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        firstMayFinish.SetResult();

        Assert.Equal(1, await first.WaitAsync(Patience, CancellationToken.None));
        Assert.Equal(2, await third.WaitAsync(Patience, CancellationToken.None));
        Assert.False(secondEntered);
    }

    [Fact]
    public async Task NoLock_ConcurrentCallers_LoseAnUpdate()
    {
        using var counter = AsyncLockAntiPatterns.NoLock(TimeProvider.System);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = counter.IncrementAsync(_ => gate.Task, CancellationToken.None);
        var second = counter.IncrementAsync(_ => gate.Task, CancellationToken.None);
        gate.SetResult();

        var written = await Task.WhenAll(first, second).WaitAsync(Patience, CancellationToken.None);
        Assert.Equal([1, 1], written);
    }
}
