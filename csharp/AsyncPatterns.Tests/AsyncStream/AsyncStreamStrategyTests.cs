using System.Runtime.CompilerServices;
using AsyncPatterns.AntiPatterns;
using AsyncPatterns.AsyncStream;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.AsyncStream;

public class AsyncStreamStrategyTests
{
    [Fact]
    public void ConsumeAsync_Take_PullsLazilyAndDisposesTheSourceBeforeReturning()
    {
        Source? source = null;
        var run = Virtual.Run(time =>
        {
            source = new Source(time);
            return AsyncStreamStrategy.ConsumeAsync(source.Items(), source.Use, new AsyncStreamOptions { Take = 2 });
        });

        Assert.Equal([1, 2], run.Result);
        Assert.Equal([0L, 15L], source!.Operation.CallTimes("item"));
        Assert.Equal("cleaned 35", source.Log[^1]);
        Assert.Equal(35, run.ElapsedMs);
    }

    [Fact]
    public void ManualNextNoReturn_Take_ReturnsWithTheSourceNotCleanedUp()
    {
        Source? source = null;
        var run = Virtual.Run(time =>
        {
            source = new Source(time);
            return AsyncStreamAntiPatterns.ManualNextNoReturnAsync(source.Items(), source.Use, new AsyncStreamOptions { Take = 2 }, CancellationToken.None);
        });

        Assert.Equal([1, 2], run.Result);
        Assert.DoesNotContain(source!.Log, entry => entry.StartsWith("cleaned", StringComparison.Ordinal));
        Assert.Equal(30, run.ElapsedMs);
    }

    [Fact]
    public void ConsumeAsync_TakeZero_NeverStartsTheSource()
    {
        Source? source = null;
        var run = Virtual.Run(time =>
        {
            source = new Source(time);
            return AsyncStreamStrategy.ConsumeAsync(source.Items(), source.Use, new AsyncStreamOptions { Take = 0 });
        });

        Assert.Empty(run.Result);
        Assert.Empty(source!.Log);
        Assert.Equal(0, run.ElapsedMs);
    }

    [Fact]
    public void ConsumeAsync_InvalidTake_ThrowsBeforeTheSourceStarts()
    {
        var source = new Source(TimeProvider.System);
        // Synchronously, from the call itself: the options are validated before anything starts.
        Assert.Throws<ArgumentException>(() => { _ = AsyncStreamStrategy.ConsumeAsync(source.Items(), source.Use, new AsyncStreamOptions { Take = -1 }); });
        Assert.Empty(source.Log);
    }

    [Fact]
    public void ConsumeAsync_CallerCancelsDuringAPull_TheTokenReachesThePullThenTheSourceCleansUp()
    {
        Source? source = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                source = new Source(time, secondItemMs: 30);
                return AsyncStreamStrategy.ConsumeAsync(source.Items(), source.Use, new AsyncStreamOptions { Take = 5 }, ct);
            },
            cancelAtMs: 30);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Contains("cancel item 30", source!.Operation.Log);
        Assert.Equal("cleaned 35", source.Log[^1]);
        Assert.Equal(35, run.ElapsedMs);
    }

    [Fact]
    public void ConsumeAsync_ConsumerFails_DisposesTheSourceThenRethrowsTheSameException()
    {
        Source? source = null;
        var failure = new InvalidOperationException("use failed");
        var run = Virtual.Run(time =>
        {
            source = new Source(time, useFailure: failure);
            return AsyncStreamStrategy.ConsumeAsync(source.Items(), source.Use, new AsyncStreamOptions { Take = 5 });
        });

        Assert.Same(failure, run.Error);
        Assert.Single(source!.Operation.CallTimes("item"));
        Assert.Equal("cleaned 20", source.Log[^1]);
    }

    [Fact]
    public void ConsumeAsync_ItemFails_PropagatesTheSameExceptionAfterOneCleanup()
    {
        Source? source = null;
        var failure = new HttpRequestException("item failed");
        var run = Virtual.Run(time =>
        {
            source = new Source(time, itemFailure: failure);
            return AsyncStreamStrategy.ConsumeAsync(source.Items(), source.Use, new AsyncStreamOptions { Take = 5 });
        });

        Assert.Same(failure, run.Error);
        Assert.Single(source!.Log, entry => entry.StartsWith("cleaned", StringComparison.Ordinal));
        Assert.Equal(30, run.ElapsedMs);
    }

    [Fact]
    public void ConsumeAsync_CallerCancelsDuringTheCleanupAfterTheLimit_CancellationPropagatesOnceItIsDone()
    {
        Source? source = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                source = new Source(time);
                return AsyncStreamStrategy.ConsumeAsync(source.Items(), source.Use, new AsyncStreamOptions { Take = 1 }, ct);
            },
            cancelAtMs: 17);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal("cleaned 20", source!.Log[^1]);
        Assert.Equal(20, run.ElapsedMs);
    }

    /// <summary>Five items, 10 ms each (the second <c>secondItemMs</c>, or failing), whose cleanup takes 5 ms; a consumer of 5 ms.</summary>
    private sealed class Source(TimeProvider time, long secondItemMs = 10, Exception? itemFailure = null, Exception? useFailure = null)
    {
        private readonly List<string> _log = [];

        public FakeOperation Operation { get; } = new(time);

        public IReadOnlyList<string> Log => [.. _log];

        public async IAsyncEnumerable<int> Items([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            _log.Add($"started {Now}");
            try
            {
                for (var n = 1; n <= 5; n++)
                {
                    yield return await Operation.Call("item", n == 2 ? secondItemMs : 10, n, cancellationToken, n == 2 ? itemFailure : null).ConfigureAwait(false);
                }
            }
            finally
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), time, CancellationToken.None).ConfigureAwait(false);
                _log.Add($"cleaned {Now}");
            }
        }

        public Task Use(int item, CancellationToken cancellationToken) => Operation.Call("use", 5, item, cancellationToken, useFailure);

        private long Now => (long)time.GetElapsedTime(0).TotalMilliseconds;
    }
}
