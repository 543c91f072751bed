using System.Diagnostics.Tracing;

namespace AsyncConf.Runner;

/// <summary>
/// The order in which work was handed to the thread pool (spec/PROTOCOL.md §5, "Blocking work": blocks ending at one
/// instant end in hand-over order). A task's <see cref="Task.Id"/> is drawn when first read, so inside
/// <c>Task.Run(work)</c> <see cref="Task.CurrentId"/> follows the order the pool threads happen to run; but while the
/// runtime's TPL event source is enabled, the scheduler reads each task's id when it queues it
/// (<c>TaskScheduler.InternalQueueTask</c> fires <c>TaskScheduled</c> with it) -- on the thread that hands the work
/// over, in hand-over order. This listener enables that source at a level none of its events has, so nothing is
/// written. Runtime behaviour, not a documented contract: <c>HandOverOrderTests</c> pins it.
/// </summary>
internal sealed class HandOverOrder : EventListener
{
    private const string TplEventSource = "System.Threading.Tasks.TplEventSource";
    private static readonly Lazy<HandOverOrder> Listener = new(() => new HandOverOrder());

    /// <summary>Makes task ids follow the hand-over order from now on, in this process.</summary>
    public static void Ensure() => _ = Listener.Value;

    /// <summary>
    /// Gets the hand-over order of the work the calling thread runs: the id of the pool task running it (<see cref="Ensure"/>
    /// first), or null on a thread that runs no task.
    /// </summary>
    public static int? OfCurrentWork => Task.CurrentId;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor too, for every source that exists already.
        if (eventSource.Name == TplEventSource)
        {
            EnableEvents(eventSource, EventLevel.Critical);
        }
    }
}
