using System.Diagnostics;
using System.Globalization;
using AsyncConf.Runner.VirtualTime;

namespace AsyncConf.Runner;

/// <summary>
/// The loop-lag watch of one run (spec/PROTOCOL.md §5): how long the run's loop went without coming back.
/// </summary>
/// <remarks>
/// <para>While a run is watched, one watchdog thread per process posts the loop a no-op work item (a <em>beat</em>) every
/// <see cref="Period"/> of real time, one at a time, and measures how long the loop thread takes to come back: to run the
/// beat, or to look at its condition (<see cref="CameBack"/>), whichever is first. Work that blocks the loop thread
/// (<see cref="Thread.Sleep(TimeSpan)"/>, <c>.Wait()</c>, a busy loop) delays it by as long as it blocks. The beat wakes a
/// loop that waits for real time, so idling is not blocking; a virtual loop that waits for thread-pool work to finish
/// keeps looking at its condition, so that is not counted either (the loop's own quiescence budget bounds it). It is
/// sampling: a reading can fall short of the true stretch by up to <see cref="Period"/>. A stretch is measured when the
/// loop thread is back, on that thread, so the loop's condition stops the run at once after a block.</para>
/// <para>A beat changes nothing the scenario sees: it runs between the scenario's work items, queues nothing, and the
/// virtual clock fires a timer only when the loop's queue is empty, so the order of timers and work is the same. The
/// watchdog is a dedicated thread, not a pool thread or a <see cref="Timer"/>, which the loop would take for the
/// scenario's work. Runs shorter than the period are never beaten at all.</para>
/// <para>A busy machine delays a beat too, by the time the loop thread waits for a CPU. On Linux the kernel counts that
/// wait (<c>/proc/PID/task/TID/schedstat</c>, run-queue delay) and the watch leaves it out: a loaded machine does not make
/// a correct run "blocked". The kernel adds a wait to the count only once the thread runs again, which is why a stretch
/// is measured by the loop thread itself, never while it lasts. The JIT compiling code for the first time on the loop
/// thread is left out likewise (<see cref="LoopThreadJitMs"/>); the stall that releases parked blocking calls
/// (<see cref="OnStall"/>) is judged by the watchdog, which cannot read either, so without -- and a run it changed is
/// judged blocked by that reading (<see cref="CountTheStall"/>).</para>
/// <para>A blocking sleep on the loop thread stays a real one here, also on the virtual clock, where the Python and
/// JavaScript runners take it off the clock at once as a named block of its length (spec/PROTOCOL.md §5): .NET gives no
/// seam to replace <see cref="Thread.Sleep(int)"/>. Nor does this watch cut such a sleep short once the run is judged
/// blocked, as the Python runner does on the real clock. <see cref="Thread.Interrupt"/> looks like the way, and is not:
/// by its documentation it throws a <see cref="ThreadInterruptedException"/> in a thread blocked in a wait, sleep or join,
/// and "if this thread is not currently blocked in a wait, sleep, or join state, it will be interrupted when it next
/// begins to block". So (1) the watchdog cannot tell the pattern's <c>Thread.Sleep</c> from any other wait of the loop
/// thread (<c>.Result</c>, a <c>lock</c>, this watch's own gate, the pythonnet host's): reading
/// <see cref="Thread.ThreadState"/> first races with the thread leaving the sleep, and an interrupt that arrives late
/// stays pending and throws in the runner's next wait on that thread -- a crashed runner, or through pythonnet an
/// exception in the harness's own thread; (2) an interrupt in time is an exception in the pattern's own code: its
/// catch and finally blocks run, it may swallow it and go on, and one that escapes is the pattern's outcome -- a crash,
/// which the harness counts as an error, never as the anti-pattern rejected. The gain would be small: a run already
/// stops after its first block, so retry's <c>blocking-sleep</c> waits out one delay a run (75-1000 ms; its 24 runs
/// took 1.2-1.5 s a transport in a full matrix, December 2026) and is judged by what the watch measured of it.</para>
/// </remarks>
internal sealed class LoopWatch : IDisposable
{
    /// <summary>How often the watchdog beats a watched loop.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(5);

    private readonly object _gate = new();
    private readonly RunLoop _loop;
    private readonly double _limitMs;
    private readonly string? _schedstat; // the loop thread's, on Linux
    private long _sentAt; // Stopwatch timestamp of the beat in flight; 0 when none
    private double _delayAtSend; // the loop thread's run-queue delay then
    private double _jitAtBack = LoopThreadJitMs(); // the loop thread's compiling time when it was last back (Start: now)
    private double _longestMs;
    private double _stallMs; // the reading that called OnStall
    private int _blocks;

    private LoopWatch(RunLoop loop, double limitMs, string? schedstat)
    {
        _loop = loop;
        _limitMs = limitMs;
        _schedstat = schedstat;
    }

    /// <summary>Gets how many stretches reached the limit so far.</summary>
    public int Blocks => Volatile.Read(ref _blocks);

    /// <summary>
    /// Gets the longest stretch measured so far, in whole real milliseconds; while the loop thread is still away (a run
    /// answered without it), the stretch going on, as far as it can be told.
    /// </summary>
    public long BlockedMs
    {
        get
        {
            lock (_gate)
            {
                var longest = _sentAt == 0 ? _longestMs : Math.Max(_longestMs, Stopwatch.GetElapsedTime(_sentAt).TotalMilliseconds);
                return (long)Math.Round(longest, MidpointRounding.ToEven);
            }
        }
    }

    /// <summary>Starts watching <paramref name="loop"/>, which the calling thread runs; <see cref="Dispose"/> stops.</summary>
    /// <param name="loop">The run's loop.</param>
    /// <param name="limitMs">A stretch this long (real ms) is a block.</param>
    /// <returns>The watch.</returns>
    public static LoopWatch Start(RunLoop loop, double limitMs) => Start(loop, limitMs, SchedstatOfLoopThread());

    /// <summary>Gets or sets where a run's watch reads its loop thread's run-queue delay (a seam for the tests).</summary>
    internal static Func<string?> SchedstatOfLoopThread { get; set; } = SchedstatOfCurrentThread;

    /// <summary>Starts watching <paramref name="loop"/>, reading the loop thread's run-queue delay from <paramref name="schedstat"/>.</summary>
    /// <param name="loop">The run's loop.</param>
    /// <param name="limitMs">A stretch this long (real ms) is a block.</param>
    /// <param name="schedstat">The loop thread's kernel statistics file, or null (the seam the tests use).</param>
    /// <returns>The watch.</returns>
    internal static LoopWatch Start(RunLoop loop, double limitMs, string? schedstat)
    {
        var watch = new LoopWatch(loop, limitMs, schedstat);
        Watchdog.Watch(watch);
        return watch;
    }

    /// <summary>The loop thread is back at its condition: a beat in flight has waited until now. Cheap when none is.</summary>
    public void CameBack()
    {
        if (Volatile.Read(ref _sentAt) == 0)
        {
            return;
        }

        Arrived();
    }

    /// <summary>Stops watching: the loop is back, so a beat still in flight waited until now.</summary>
    public void Dispose()
    {
        Watchdog.Unwatch(this);
        lock (_gate)
        {
            Measure();
            _sentAt = 0;
        }
    }

    /// <summary>On the watchdog thread: sends a beat unless one is still on its way.</summary>
    /// <summary>
    /// Gets or sets what is called once, on the watchdog's thread, when a beat has waited the block limit and the loop is
    /// still not back: what the loop may be waiting for on another thread (a blocking call parked on the virtual clock,
    /// which only the loop can end) is released, so that the loop can come back and the run be stopped as blocked. A run
    /// it changed (a blocking call cut short) is judged blocked by the reading that called it: <see cref="CountTheStall"/>.
    /// </summary>
    public Action? OnStall { get; set; }

    /// <summary>
    /// What <see cref="OnStall"/> released cut a blocking call of the run short, which changed the run: it is judged blocked
    /// by the reading that called the stall, whatever the loop thread read when it was back -- the kernel counts a wait
    /// for a CPU once the thread runs again, and the JIT's time only the loop thread can read, so the watchdog's reading
    /// can take for a stall what the loop thread's own then leaves out.
    /// </summary>
    public void CountTheStall()
    {
        lock (_gate)
        {
            _longestMs = Math.Max(_longestMs, _stallMs);
            if (_stallMs >= _limitMs)
            {
                Interlocked.Increment(ref _blocks);
            }
        }
    }

    private void Tick()
    {
        Action? stall = null;
        lock (_gate)
        {
            if (_sentAt != 0)
            {
                var lagMs = Stopwatch.GetElapsedTime(_sentAt).TotalMilliseconds - (RunQueueDelayMs(_schedstat) - _delayAtSend);
                if (OnStall is not null && lagMs >= _limitMs)
                {
                    (stall, OnStall) = (OnStall, null);
                    _stallMs = lagMs;
                }
            }
        }

        if (stall is not null)
        {
            stall();
            return;
        }

        lock (_gate)
        {
            if (_sentAt != 0)
            {
                return;
            }

            _delayAtSend = RunQueueDelayMs(_schedstat);
            Volatile.Write(ref _sentAt, Stopwatch.GetTimestamp());
        }

        _loop.PostInternal(Arrived);
    }

    private void Arrived()
    {
        lock (_gate)
        {
            Measure();
            Volatile.Write(ref _sentAt, 0);
        }
    }

    /// <summary>On the loop thread, back: takes the wait of the beat in flight (under the lock).</summary>
    private void Measure()
    {
        if (_sentAt == 0)
        {
            return;
        }

        var jitMs = LoopThreadJitMs();
        var lagMs = Stopwatch.GetElapsedTime(_sentAt).TotalMilliseconds - (RunQueueDelayMs(_schedstat) - _delayAtSend) - (jitMs - _jitAtBack);
        _jitAtBack = jitMs;
        _longestMs = Math.Max(_longestMs, lagMs);
        if (lagMs >= _limitMs)
        {
            Interlocked.Increment(ref _blocks);
        }
    }

    /// <summary>
    /// The JIT's compiling time so far on the calling thread, which is the loop thread wherever a stretch is measured: a
    /// pattern's first run compiles its code there (fully optimised: the runner is not tiered) -- 20-80 ms for
    /// connection-pool's, seen as a block until this was left out. Compiling since the loop was last back is left out, which
    /// may include up to a beat's period before the beat was sent.
    /// </summary>
    /// <returns>Real ms.</returns>
    private static double LoopThreadJitMs() => System.Runtime.JitInfo.GetCompilationTime(currentThread: true).TotalMilliseconds;

    /// <summary>The kernel's statistics file of the calling thread (Linux: <c>/proc/PID/task/TID/schedstat</c>), or null.</summary>
    /// <returns>Its path.</returns>
    internal static string? SchedstatOfCurrentThread()
    {
        try
        {
            var task = new DirectoryInfo("/proc/thread-self").LinkTarget; // "PID/task/TID"
            return task is null ? null : Path.Combine("/proc", task, "schedstat");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The real ms a thread has spent runnable but waiting for a CPU, from its schedstat file; 0 when unknown.</summary>
    /// <param name="schedstat">The thread's file, or null.</param>
    /// <returns>The run-queue delay so far.</returns>
    internal static double RunQueueDelayMs(string? schedstat)
    {
        if (schedstat is null)
        {
            return 0;
        }

        try
        {
            var fields = File.ReadAllText(schedstat).Split(' ');
            return fields.Length > 1 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ns) ? ns / 1e6 : 0;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>One background thread per process beats the loop being watched, and sleeps when there is none.</summary>
    private static class Watchdog
    {
        private static readonly object Gate = new();
        private static LoopWatch? _current;
        private static Thread? _thread;

        public static void Watch(LoopWatch watch)
        {
            lock (Gate)
            {
                _current = watch;
                if (_thread is null)
                {
                    _thread = new Thread(Serve) { IsBackground = true, Name = "asyncconf loop watch" };
                    _thread.Start();
                }

                Monitor.PulseAll(Gate);
            }
        }

        public static void Unwatch(LoopWatch watch)
        {
            lock (Gate)
            {
                if (ReferenceEquals(_current, watch))
                {
                    _current = null;
                }
            }
        }

        private static void Serve()
        {
            while (true)
            {
                lock (Gate)
                {
                    while (_current is null)
                    {
                        Monitor.Wait(Gate);
                    }
                }

                Thread.Sleep(Period);
                LoopWatch? current;
                lock (Gate)
                {
                    current = _current;
                }

                current?.Tick();
            }
        }
    }
}
