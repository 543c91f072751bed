using AsyncPatterns.AntiPatterns;
using AsyncPatterns.Backpressure;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.AntiPatterns;

/// <summary>The backpressure anti-patterns make their one mistake and otherwise hand items over as the reference does.</summary>
public class BackpressureAntiPatternsTests
{
    public static TheoryData<string> QueueMistakes => ["unbounded-queue", "drops-when-full"];

    [Theory]
    [MemberData(nameof(QueueMistakes))]
    public void QueueMistake_HandsAnItemToAWaitingConsumerBeforeTheProducerGoesOn_HoweverThreadsAreScheduled(string mistake)
    {
        // Consumers first (spec R8), as the reference: the consumer that takes `a` is held up (as a loaded machine may
        // preempt it) before it starts `a`. One that went on on a pool thread, not inside the producer's write, let the
        // producer call for the next item meanwhile -- which of two timers due at one instant fired first then came and
        // went with the thread schedule.
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            Func<IAsyncEnumerable<string>, Func<string, CancellationToken, Task<string>>, BackpressureOptions, TimeProvider?, CancellationToken, Task<IReadOnlyList<string>>> pipeline =
                mistake == "unbounded-queue" ? BackpressureAntiPatterns.UnboundedQueueAsync : BackpressureAntiPatterns.DropsWhenFullAsync;
            return pipeline(
                op.Produce(["a", "b"], 10),
                (key, ct) =>
                {
                    if (key == "a")
                    {
                        Thread.Sleep(200);
                    }

                    return op.Call(key, 10, key, ct);
                },
                new BackpressureOptions { Capacity = 2, Workers = 1 },
                time,
                CancellationToken.None);
        });

        Assert.Equal(["a", "b"], run.Result);
        var calls = op!.Log.Where(entry => entry.StartsWith("call ", StringComparison.Ordinal)).ToList();
        Assert.True(calls.IndexOf("call a 10") < calls.FindLastIndex(entry => entry.StartsWith("call produce", StringComparison.Ordinal)), string.Join(", ", calls));
    }

    [Fact]
    public void ConsumersNeverFinish_StartsTheItemOfAFreedSlotBeforeTheProducerGoesOn_HoweverThreadsAreScheduled()
    {
        // As the reference's test (RunAsync_ConsumerFreesTheSlot_...): the consumer that takes `b`, freeing the slot the
        // producer waits for, is held up before it starts `b`; a producer woken on the thread pool by the take itself
        // would produce `d` meanwhile. The mistake itself -- the consumers wait for ever -- ends with the caller's cancel.
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, cancellationToken) =>
            {
                op = new FakeOperation(time);
                return BackpressureAntiPatterns.ConsumersNeverFinishAsync(
                    op.Produce(["a", "b", "c", "d"], 0),
                    (string key, CancellationToken ct) =>
                    {
                        if (key == "b")
                        {
                            Thread.Sleep(200);
                        }

                        return op.Call(key, 10, key, ct);
                    },
                    new BackpressureOptions { Capacity = 1, Workers = 1 },
                    time,
                    cancellationToken);
            },
            cancelAtMs: 1000);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        var calls = op!.Log.Where(entry => entry.StartsWith("call ", StringComparison.Ordinal)).ToList();
        Assert.True(calls.IndexOf("call b 10") < calls.FindLastIndex(entry => entry.StartsWith("call produce", StringComparison.Ordinal)), string.Join(", ", calls));
    }
}
