using System.Runtime.CompilerServices;
using AsyncConf.Runner;

namespace AsyncPatterns.Tests.Runner;

/// <summary>
/// The run's own collection finds a faulted task nobody observed whichever generation it reached: a young collection when
/// the run saw no collection of generation 1, a full one otherwise (<see cref="ScenarioRunner.CollectRunGarbage"/>).
/// </summary>
public class RunGarbageTests
{
    [Fact]
    public void CollectRunGarbage_NoOlderCollectionDuringTheRun_FindsTheYoungTask()
    {
        var message = $"young {Guid.NewGuid()}";
        var seen = Watch(message, () =>
        {
            var atStart = GC.CollectionCount(1);
            DropFaultedTask(message, promote: false);
            return ScenarioRunner.CollectRunGarbage(atStart);
        });

        Assert.Equal((1, true), seen);
    }

    [Fact]
    public void CollectRunGarbage_TaskPromotedToTheOldestGeneration_FindsItWithAFullCollection()
    {
        var message = $"old {Guid.NewGuid()}";
        var seen = Watch(message, () =>
        {
            var atStart = GC.CollectionCount(1);
            DropFaultedTask(message, promote: true);
            return ScenarioRunner.CollectRunGarbage(atStart);
        });

        Assert.Equal((GC.MaxGeneration, true), seen);
    }

    private static (int Generation, bool Seen) Watch(string message, Func<int> run)
    {
        var seen = false;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.InnerExceptions.Any(error => error.Message == message))
            {
                seen = true;
                e.SetObserved();
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            return (run(), seen);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }

    // Not inlined, so that no reference to the task outlives the call on the caller's stack.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropFaultedTask(string message, bool promote)
    {
        var task = Task.FromException(new InvalidOperationException(message));
        if (promote)
        {
            GC.Collect();
            GC.Collect(); // survives two collections: generation 2, which a young collection never looks at
            Assert.Equal(GC.MaxGeneration, GC.GetGeneration(task));
        }

        GC.KeepAlive(task);
    }
}
