namespace AsyncConf.Runner.VirtualTime;

/// <summary>
/// Makes room in the thread pool, before a run hands blocking calls to it, for every call it may run at once: the pool then
/// starts a thread at once for each, as the model of virtual time assumes (a blocking call runs as soon as it is handed
/// to a free worker, spec/PROTOCOL.md §5 "Blocking work").
/// </summary>
/// <remarks>
/// The pool starts threads without delay only up to its minimum (the core count); past it, at its starvation pace --
/// about one every 0.5 s, slower on a busy machine -- while the loop, seeing queued work, waits. offload-blocking with
/// four workers on two cores took 2.3 s of real time in a fresh process, and in the fuzz campaign one such run in the
/// harness's process outlived the loop's 2 s budget for a busy pool ("thread-pool work kept running"). Raising the
/// minimum when a thread parks did not help (measured: a new minimum starts no thread for work already queued), so the
/// room is made before the work is queued. The minimum is only ever raised, to at most <see cref="MostReserved"/> above
/// the core count; the process is the runner's.
/// </remarks>
public static class ParkedPoolThreads
{
    /// <summary>The most threads reserved above the core count, whatever a run asks.</summary>
    public const int MostReserved = 256;

    private static readonly Lock Gate = new();

    /// <summary>The pool's minimum that lets <paramref name="calls"/> blocking calls start at once.</summary>
    public static int MinimumFor(int calls) => Environment.ProcessorCount + Math.Clamp(calls, 0, MostReserved);

    /// <summary>Lets the pool start up to <paramref name="calls"/> more threads than the core count without delay.</summary>
    public static void Reserve(int calls)
    {
        var wanted = MinimumFor(calls);
        lock (Gate)
        {
            ThreadPool.GetMinThreads(out var workers, out var io);
            if (workers < wanted)
            {
                ThreadPool.SetMinThreads(wanted, io);
            }
        }
    }
}
