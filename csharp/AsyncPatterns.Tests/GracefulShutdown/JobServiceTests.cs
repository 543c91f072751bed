using AsyncPatterns.GracefulShutdown;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.GracefulShutdown;

public class JobServiceTests
{
    [Fact]
    public void RunAsync_Shutdown_DrainsRefusesCancelsTheRestAndClosesAfterThem()
    {
        FakeOperation? op = null;
        Resource? resource = null;
        var refused = new List<string>();
        var fatal = new InvalidOperationException("b");
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            resource = new Resource(time);
            var service = new JobService(
                (key, ct) => key switch
                {
                    "a" => op.Call(key, 20, key, ct),
                    "b" => op.Call(key, 30, key, ct, fatal),
                    _ => op.Call<string>(key, null, key, ct, cancelMs: 3),
                },
                _ => ValueTask.FromResult<IAsyncDisposable>(resource),
                new GracefulShutdownOptions { Drain = TimeSpan.FromMilliseconds(30) },
                time);
            At(time, 0, () => service.Submit("a"));
            At(time, 0, () => service.Submit("b"));
            At(time, 10, () => service.Submit("c"));
            At(time, 20, service.Shutdown);
            At(time, 25, () =>
            {
                var error = Assert.Throws<ServiceStoppedException>(() => service.Submit("d"));
                Assert.IsAssignableFrom<InvalidOperationException>(error);
                refused.Add("d");
            });
            return service.RunAsync();
        });

        Assert.Equal(["a"], run.Result.Completed);
        Assert.Equal(["b"], run.Result.Failed);
        Assert.Equal(["c"], run.Result.Cancelled);
        Assert.Equal(["d"], refused);
        Assert.Contains("cancel c 53", op!.Log);
        Assert.Equal([53L], resource!.ClosedAt);
        Assert.Equal(53, run.ElapsedMs);
    }

    [Fact]
    public void RunAsync_CallerCancels_CancelsEveryJobAtOnceClosesAndPropagates()
    {
        FakeOperation? op = null;
        Resource? resource = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                resource = new Resource(time);
                var service = new JobService((key, token) => op.Call<string>(key, null, key, token), _ => ValueTask.FromResult<IAsyncDisposable>(resource), new GracefulShutdownOptions(), time);
                At(time, 0, () => service.Submit("a"));
                At(time, 5, () => service.Submit("b"));
                At(time, 50, service.Shutdown);
                return service.RunAsync(ct);
            },
            cancelAtMs: 15);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(["cancel a 15", "cancel b 15"], op!.Log.Where(e => e.StartsWith("cancel", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal([15L], resource!.ClosedAt);
    }

    [Fact]
    public void Submit_BeforeRunAsync_IsNotAShutdownRefusal()
    {
        var service = new JobService((_, _) => Task.CompletedTask, _ => ValueTask.FromResult<IAsyncDisposable>(new Resource(TimeProvider.System)), new GracefulShutdownOptions());

        var error = Assert.Throws<InvalidOperationException>(() => service.Submit("a"));

        Assert.IsNotType<ServiceStoppedException>(error);
    }

    [Fact]
    public void Create_InvalidDrain_IsRefusedAtOnce() =>
        Assert.Throws<ArgumentException>(() => JobService.Create(
            (_, _) => Task.CompletedTask,
            _ => ValueTask.FromResult<IAsyncDisposable>(new Resource(TimeProvider.System)),
            new GracefulShutdownOptions { Drain = TimeSpan.FromMilliseconds(-1) },
            null));

    private static void At(TimeProvider time, long ms, Action action) =>
        time.CreateTimer(_ => action(), null, TimeSpan.FromMilliseconds(ms), System.Threading.Timeout.InfiniteTimeSpan);

    private sealed class Resource(TimeProvider time) : IAsyncDisposable
    {
        public List<long> ClosedAt { get; } = [];

        public ValueTask DisposeAsync()
        {
            ClosedAt.Add((long)time.GetElapsedTime(0).TotalMilliseconds);
            return ValueTask.CompletedTask;
        }
    }
}
