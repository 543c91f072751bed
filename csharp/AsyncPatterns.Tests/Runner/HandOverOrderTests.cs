using AsyncConf.Runner;

namespace AsyncPatterns.Tests.Runner;

/// <summary>
/// Pins the runtime behaviour <see cref="HandOverOrder"/> relies on: with the TPL event source enabled, a task's id is
/// drawn when it is queued, so ids follow the hand-over even when the second task reads its id first.
/// </summary>
public class HandOverOrderTests
{
    [Fact]
    public async Task TaskIds_FollowTheHandOver_NotTheOrderTheTasksRun()
    {
        HandOverOrder.Ensure();
        using var secondRead = new ManualResetEventSlim();
        int? first = null;
        int? second = null;
        // Handed over from a thread of its own, first then second; the second reads its id before the first does.
        var handOver = new Thread(() =>
        {
            var one = Task.Run(() =>
            {
                secondRead.Wait(TimeSpan.FromSeconds(10));
                first = HandOverOrder.OfCurrentWork;
            });
            var two = Task.Run(() =>
            {
                second = HandOverOrder.OfCurrentWork;
                secondRead.Set();
            });
            Task.WaitAll([one, two], TimeSpan.FromSeconds(20));
        });
        handOver.Start();
        handOver.Join();
        await Task.Yield();

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.True(first < second, $"ids {first} then {second}: the second task's id was drawn first");
    }
}
