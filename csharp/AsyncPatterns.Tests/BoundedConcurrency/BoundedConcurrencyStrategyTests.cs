using AsyncPatterns.BoundedConcurrency;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.BoundedConcurrency;

public class BoundedConcurrencyStrategyTests
{
    [Fact]
    public void MapAsync_FreeSlot_StartsTheNextItemAtOnceAndKeepsInputOrder()
    {
        FakeOperation? op = null;
        var delays = new Dictionary<string, long> { ["a"] = 30, ["b"] = 10, ["c"] = 10, ["d"] = 20, ["e"] = 10 };
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return BoundedConcurrencyStrategy.MapAsync((string key, CancellationToken ct) => op.Call(key, delays[key], key.ToUpperInvariant(), ct), delays.Keys, new BoundedConcurrencyOptions());
        });

        Assert.Equal(["A", "B", "C", "D", "E"], run.Result);
        Assert.Equal([0L, 0, 10, 20, 30], delays.Keys.Select(key => op!.CallTimes(key).Single()));
        Assert.Equal(40, run.ElapsedMs);
    }

    [Fact]
    public void MapAsync_ManyLongItems_UsesEverySlot()
    {
        var items = Enumerable.Range(1, 10).Select(i => $"i{i}").ToArray();
        var running = 0;
        var most = 0;
        var run = Virtual.Run(time => BoundedConcurrencyStrategy.MapAsync(
            async (string key, CancellationToken ct) =>
            {
                most = Math.Max(most, Interlocked.Increment(ref running));
                await Task.Delay(TimeSpan.FromSeconds(20), time, ct).ConfigureAwait(false);
                Interlocked.Decrement(ref running);
                return key;
            },
            items,
            new BoundedConcurrencyOptions { Limit = 3 }));

        Assert.Equal(items, run.Result);
        Assert.Equal(3, most);
        Assert.Equal(80_000, run.ElapsedMs);
    }

    [Fact]
    public void MapAsync_FirstFailure_StopsTheRestAndThrowsItUnchangedOnceTheyStopped()
    {
        FakeOperation? op = null;
        var fatal = new InvalidOperationException("b");
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return BoundedConcurrencyStrategy.MapAsync(
                (string key, CancellationToken ct) => key switch
                {
                    "a" => op.Call<string>(key, null, key, ct, cancelMs: 4),
                    "b" => op.Call(key, 15, key, ct, fatal),
                    _ => op.Call(key, 10, key, ct),
                },
                ["a", "b", "c", "d", "e"],
                new BoundedConcurrencyOptions());
        });

        Assert.Same(fatal, run.Error);
        Assert.Equal(2, op!.Calls);
        Assert.Equal("cancel a 19", op.Log[^1]);
        Assert.Equal(19, run.ElapsedMs);
    }

    [Fact]
    public void MapAsync_CallerCancels_CancelsTheRunningStartsNoMoreAndPropagates()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                return BoundedConcurrencyStrategy.MapAsync((string key, CancellationToken token) => op.Call<string>(key, null, key, token), ["a", "b", "c"], new BoundedConcurrencyOptions(), ct);
            },
            cancelAtMs: 10);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(2, op!.Calls);
        Assert.Equal(10, run.ElapsedMs);
    }

    [Fact]
    public void MapAsync_InvalidLimit_ThrowsBeforeTheFirstItem()
    {
        var error = Assert.Throws<ArgumentException>(() => { _ = BoundedConcurrencyStrategy.MapAsync((int i, CancellationToken _) => Task.FromResult(i), [1], new BoundedConcurrencyOptions { Limit = 0 }); });

        Assert.Equal("Invalid BoundedConcurrencyOptions: `Limit` must be at least 1, got 0. (Parameter 'options')", error.Message);
    }
}
