using System.Runtime.CompilerServices;
using AsyncPatterns.Backpressure;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Backpressure;

public class BackpressureStrategyTests
{
    [Fact]
    public void RunAsync_FastProducer_WaitsForEachFreeSlotAndKeepsProductionOrder()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return BackpressureStrategy.RunAsync(
                op.Produce(["a", "b", "c", "d", "e"], 0),
                (string key, CancellationToken ct) => op.Call(key, 10, key.ToUpperInvariant(), ct),
                new BackpressureOptions { Capacity = 2, Workers = 1 });
        });

        Assert.Equal(["A", "B", "C", "D", "E"], run.Result);
        Assert.Equal([0L, 0, 0, 0, 10], op!.CallTimes("produce"));
        Assert.Equal([0L, 10, 20, 30, 40], new[] { "a", "b", "c", "d", "e" }.Select(key => op.CallTimes(key).Single()));
        Assert.Equal(50, run.ElapsedMs);
    }

    [Fact]
    public void RunAsync_ConsumerFails_StopsTheProducerCancelsTheOthersAndThrowsItUnchanged()
    {
        FakeOperation? op = null;
        var fatal = new InvalidOperationException("a");
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return BackpressureStrategy.RunAsync(
                op.Produce(["a", "b", "c"], 10),
                (string key, CancellationToken ct) => key == "a" ? op.Call(key, 5, key, ct, fatal) : op.Call<string>(key, null, key, ct),
                new BackpressureOptions());
        });

        Assert.Same(fatal, run.Error);
        Assert.Equal("cancel produce 15", op!.Log[^1]);
        Assert.Equal(15, run.ElapsedMs);
    }

    [Fact]
    public void RunAsync_CallerCancels_StopsEverythingAndPropagates()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                return BackpressureStrategy.RunAsync(
                    op.Produce(["a", "b"], 10), (string key, CancellationToken token) => op.Call<string>(key, null, key, token), new BackpressureOptions(), cancellationToken: ct);
            },
            cancelAtMs: 15);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(["cancel a 15", "cancel produce 15"], op!.Log.Where(entry => entry.StartsWith("cancel", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RunAsync_ConsumerFreesTheSlot_StartsItsItemBeforeTheProducerGoesOn_HoweverThreadsAreScheduled()
    {
        // Consumers first (spec R8), on every thread schedule: the consumer that takes `b` -- freeing the slot the
        // producer waits for -- is held up (as a loaded machine may preempt it) before it starts `b`. A producer woken
        // on the thread pool by the take itself (the bounded channel's own wake-up) would produce `d` meanwhile.
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return BackpressureStrategy.RunAsync(
                op.Produce(["a", "b", "c", "d"], 0),
                (string key, CancellationToken ct) =>
                {
                    if (key == "b")
                    {
                        Thread.Sleep(200);
                    }

                    return op.Call(key, 10, key, ct);
                },
                new BackpressureOptions { Capacity = 1, Workers = 1 });
        });

        Assert.Equal(["a", "b", "c", "d"], run.Result);
        var calls = op!.Log.Where(entry => entry.StartsWith("call ", StringComparison.Ordinal)).ToList();
        Assert.True(calls.IndexOf("call b 10") < calls.FindLastIndex(entry => entry.StartsWith("call produce", StringComparison.Ordinal)), string.Join(", ", calls));
    }

    [Fact]
    public void RunAsync_MoreWorkersThanItems_StartsOneConsumerPerItem()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return BackpressureStrategy.RunAsync(
                op.Produce(["a", "b"], 0), (string key, CancellationToken ct) => op.Call(key, 10, key, ct), new BackpressureOptions { Capacity = 1, Workers = int.MaxValue });
        });

        Assert.Equal(["a", "b"], run.Result);
        Assert.Equal(10, run.ElapsedMs);
    }

    [Theory]
    [InlineData(0, 2, "Capacity")]
    [InlineData(2, 0, "Workers")]
    public void RunAsync_InvalidOption_ThrowsBeforeAnythingIsProduced(int capacity, int workers, string named)
    {
        var produced = false;
        // Thrown by the call itself, not by the task it would return: refused up front (spec R6).
        var error = Assert.Throws<ArgumentException>(() =>
        {
            _ = BackpressureStrategy.RunAsync(
                Items(() => produced = true), (string key, CancellationToken ct) => Task.FromResult(key), new BackpressureOptions { Capacity = capacity, Workers = workers });
        });

        Assert.Contains($"`{named}`", error.Message, StringComparison.Ordinal);
        Assert.False(produced);
    }

    private static async IAsyncEnumerable<string> Items(Action onFirst, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        onFirst();
        await Task.CompletedTask.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        yield return "a";
    }
}
