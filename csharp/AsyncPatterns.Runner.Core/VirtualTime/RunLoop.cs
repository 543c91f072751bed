using System.Diagnostics;

namespace AsyncConf.Runner.VirtualTime;

/// <summary>Why <see cref="RunLoop.RunUntil"/> returned.</summary>
public enum LoopStop
{
    /// <summary>The condition became true.</summary>
    Done,

    /// <summary>Nothing can ever run again: no work queued, none in flight, no timer armed.</summary>
    Idle,

    /// <summary>The wall-clock deadline passed.</summary>
    WallBudget,

    /// <summary>Thread-pool work kept running past <see cref="RunLoop.QuiescenceBudget"/>: virtual time cannot advance past it.</summary>
    PoolBusy,

    /// <summary>A real-time <see cref="Timer"/> is pending (<see cref="Timer.ActiveCount"/> rose): virtual time cannot drive it.</summary>
    RealTimer,
}

/// <summary>
/// A single-threaded event loop: a <see cref="SynchronizationContext"/> whose posted continuations run in order on the
/// thread that calls <see cref="RunUntil"/>, and which — on virtual time — advances the clock to the next timer only when
/// the scenario is quiescent.
/// </summary>
/// <remarks>
/// <para>Quiescent means: the loop's queue is empty, <see cref="ThreadPool.PendingWorkItemCount"/> is 0, no thread-pool
/// worker is busy beyond <see cref="BaselineBusyWorkers"/>, and <see cref="ThreadPool.CompletedWorkItemCount"/> did not
/// move — over three readings in a row, yielding (then sleeping 1 ms) between them. Work the loop cannot see
/// (continuations sent to the thread pool by <c>ConfigureAwait(false)</c> after a cancelled <c>Task.Delay</c> or a
/// <c>SemaphoreSlim</c> wait, <c>Task.Run</c>) is thus waited for, never jumped over. The loop also lets the pool go quiet
/// before each queued item, so that what happens within one millisecond does not depend on thread scheduling. Past
/// <see cref="QuiescenceBudget"/> of busy pool, or when a real-time <see cref="Timer"/> is pending, the loop stops and
/// says so: it never advances virtual time past invisible work.</para>
/// <para>Timer callbacks and <see cref="PostInternal"/> actions run with no <see cref="SynchronizationContext"/>, so the
/// runtime runs <c>ConfigureAwait(false)</c> continuations of the tasks they complete inline, on the loop thread, in
/// order; continuations that captured the loop's context are posted back to it.</para>
/// <para>The pool readings are process-wide: run one loop at a time per process.</para>
/// </remarks>
public sealed class RunLoop
{
    private readonly object _gate = new();
    private readonly Queue<WorkItem> _queue = new();
    private readonly VirtualTimeProvider? _virtualTime;
    private readonly LoopContext _context;
    private readonly List<string> _warnings = [];
    private readonly List<string> _unobserved = [];
    private long _timerBaseline;

    /// <summary>Initializes a new instance of the <see cref="RunLoop"/> class.</summary>
    /// <param name="virtualTime">The virtual clock the loop advances; <see langword="null"/> for a loop on real time.</param>
    public RunLoop(VirtualTimeProvider? virtualTime)
    {
        _virtualTime = virtualTime;
        _context = new LoopContext(this);
    }

    /// <summary>Gets the loop's <see cref="SynchronizationContext"/>: what it is posted runs on the loop thread.</summary>
    public SynchronizationContext Context => _context;

    /// <summary>Gets or sets how many thread-pool workers are busy with work that is not the scenario's (e.g. a pool
    /// thread blocked waiting for this loop); the loop counts only the ones above.</summary>
    public int BaselineBusyWorkers { get; set; }

    /// <summary>
    /// Gets how many thread-pool threads are parked on a timer of the virtual clock (a blocking call, spec/PROTOCOL.md §5
    /// "Blocking work"): busy to the pool, but waiting for the loop, so the loop does not count them as work it must wait for.
    /// </summary>
    public int ParkedWorkers => Volatile.Read(ref _parkedWorkers);

    private int _parkedWorkers;

    /// <summary>A thread-pool thread parks on a virtual timer (call it after the timer is armed).</summary>
    public void Park() => Interlocked.Increment(ref _parkedWorkers);

    /// <summary>A parked thread is released (call it before it runs on).</summary>
    public void Unpark() => Interlocked.Decrement(ref _parkedWorkers);

    /// <summary>Gets or sets how long, in real time, the loop waits for thread-pool work to finish before it gives up.</summary>
    public TimeSpan QuiescenceBudget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets the exceptions that reached the loop with nobody to catch them (an <c>async void</c> method's, a timer
    /// callback's): failures nobody observed, which the checker fails (spec/PROTOCOL.md §2, <c>unobserved</c>).
    /// </summary>
    public IReadOnlyList<string> Unobserved
    {
        get
        {
            lock (_warnings)
            {
                return [.. _unobserved];
            }
        }
    }

    /// <summary>Gets the diagnostics collected so far (exceptions thrown by posted work, e.g. an <c>async void</c> method's).</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_warnings)
            {
                return [.. _warnings];
            }
        }
    }

    /// <summary>Gets the thread running the loop, while it runs.</summary>
    public Thread? LoopThread { get; private set; }

    /// <summary>The number of thread-pool workers processing work right now, process-wide.</summary>
    /// <returns>Busy workers (max minus available worker threads).</returns>
    public static int BusyWorkers()
    {
        ThreadPool.GetMaxThreads(out var max, out _);
        ThreadPool.GetAvailableThreads(out var available, out _);
        return max - available;
    }

    /// <summary>
    /// How many thread-pool workers are busy with work that is not a new scenario's: 0 (or 1 when the calling thread is
    /// itself a pool thread, blocked on the run) once the pool is quiet; else, when it does not get quiet, the fewest busy
    /// workers seen within <paramref name="window"/> (threads blocked for good by earlier work, a test host's own ...).
    /// </summary>
    /// <param name="window">How long to look for the quiet pool.</param>
    /// <returns>The baseline for <see cref="BaselineBusyWorkers"/>, and whether the pool was quiet.</returns>
    public static (int Baseline, bool Quiet) MeasureBaselineBusyWorkers(TimeSpan window)
    {
        var expected = Thread.CurrentThread.IsThreadPoolThread ? 1 : 0;
        var fewest = int.MaxValue;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var busy = BusyWorkers();
            if (busy <= expected && ThreadPool.PendingWorkItemCount == 0)
            {
                return (expected, true);
            }

            fewest = Math.Min(fewest, busy);
            if (Stopwatch.GetElapsedTime(started) > window)
            {
                return (Math.Max(fewest, expected), false);
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Queues <paramref name="callback"/> to run on the loop with the loop's context current.</summary>
    /// <param name="callback">The work.</param>
    /// <param name="state">Its argument.</param>
    public void Post(SendOrPostCallback callback, object? state) => Enqueue(new WorkItem(callback, state, WithContext: true));

    /// <summary>Queues <paramref name="action"/> to run on the loop with no <see cref="SynchronizationContext"/> current (as a timer callback).</summary>
    /// <param name="action">The work.</param>
    public void PostInternal(Action action) => Enqueue(new WorkItem(static a => ((Action)a!)(), action, WithContext: false));

    /// <summary>Wakes the loop so that it re-evaluates its condition (call it when the condition may have changed on another thread).</summary>
    public void Wake()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Runs the loop on the calling thread until <paramref name="done"/> returns true, or it must stop.</summary>
    /// <param name="done">The condition; evaluated between work items, so it may be set from any thread (then call <see cref="Wake"/>).</param>
    /// <param name="wallDeadline">The <see cref="Stopwatch.GetTimestamp"/> reading past which the loop gives up.</param>
    /// <returns>Why the loop stopped.</returns>
    public LoopStop RunUntil(Func<bool> done, long wallDeadline)
    {
        ArgumentNullException.ThrowIfNull(done);
        var previous = SynchronizationContext.Current;
        LoopThread = Thread.CurrentThread;
        _timerBaseline = Timer.ActiveCount;
        SynchronizationContext.SetSynchronizationContext(_context);
        try
        {
            while (true)
            {
                if (done())
                {
                    return LoopStop.Done;
                }

                if (Stopwatch.GetTimestamp() > wallDeadline)
                {
                    return LoopStop.WallBudget;
                }

                if (_virtualTime is null)
                {
                    if (TryDequeue(out var realItem))
                    {
                        Execute(realItem);
                    }
                    else
                    {
                        WaitForWork(done, wallDeadline);
                    }

                    continue;
                }

                // Thread-pool work started by the previous item finishes before the next item runs, so the order of
                // what happens within one millisecond does not depend on thread scheduling.
                switch (WaitForQuiescence(done, wallDeadline))
                {
                    case Quiescence.Done:
                        return LoopStop.Done;
                    case Quiescence.PoolBusy:
                        return LoopStop.PoolBusy;
                    case Quiescence.WallBudget:
                        return LoopStop.WallBudget;
                }

                if (TryDequeue(out var item))
                {
                    Execute(item);
                    continue;
                }

                if (Timer.ActiveCount > _timerBaseline)
                {
                    return LoopStop.RealTimer;
                }

                if (!FireNextTimer())
                {
                    return LoopStop.Idle;
                }
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
            LoopThread = null;
        }
    }

    /// <summary>
    /// Waits, running nothing of the loop's, until thread-pool work in flight has finished (as <see cref="RunUntil"/> does
    /// before each item), for at most <see cref="QuiescenceBudget"/>.
    /// </summary>
    /// <param name="wallDeadline">The <see cref="Stopwatch.GetTimestamp"/> reading past which it gives up.</param>
    /// <returns><see langword="false"/> when the pool was still busy.</returns>
    public bool WaitUntilQuiet(long wallDeadline) => WaitForQuiescence(static () => false, wallDeadline) == Quiescence.Quiescent;

    /// <summary>
    /// Drops the work still queued, for good: the run is over, and it would never run. What only that work kept alive -- a
    /// faulted task whose awaiting continuation was queued when the run ended -- is then garbage of this run, found by its
    /// collection and reported with it, not with whichever later run's collection finds it.
    /// </summary>
    public void DropPending()
    {
        lock (_gate)
        {
            _queue.Clear();
        }
    }

    private void Enqueue(WorkItem item)
    {
        lock (_gate)
        {
            _queue.Enqueue(item);
            Monitor.PulseAll(_gate);
        }
    }

    private bool TryDequeue(out WorkItem item)
    {
        lock (_gate)
        {
            return _queue.TryDequeue(out item);
        }
    }

    private void Execute(WorkItem item)
    {
        SynchronizationContext.SetSynchronizationContext(item.WithContext ? _context : null);
        try
        {
            item.Callback(item.State);
        }
        catch (Exception error)
        {
            Warn($"unhandled exception on the loop: {error.GetType().Name}: {error.Message}", unobserved: true);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(_context);
        }
    }

    private bool FireNextTimer()
    {
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return _virtualTime!.FireNext();
        }
        catch (Exception error)
        {
            Warn($"unhandled exception in a timer callback: {error.GetType().Name}: {error.Message}", unobserved: true);
            return true;
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(_context);
        }
    }

    private void WaitForWork(Func<bool> done, long wallDeadline)
    {
        lock (_gate)
        {
            if (_queue.Count == 0 && !done())
            {
                var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), wallDeadline);
                var wait = remaining < TimeSpan.FromMilliseconds(50) ? remaining : TimeSpan.FromMilliseconds(50);
                Monitor.Wait(_gate, wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
            }
        }
    }

    /// <summary>Waits until no thread-pool work is pending or running (two unchanged readings in a row).</summary>
    private Quiescence WaitForQuiescence(Func<bool> done, long wallDeadline)
    {
        var started = Stopwatch.GetTimestamp();
        long lastCompleted = -1;
        var clean = 0;
        var tries = 0;
        while (true)
        {
            if (done())
            {
                return Quiescence.Done;
            }

            var idle = ThreadPool.PendingWorkItemCount == 0 && BusyWorkers() <= BaselineBusyWorkers + ParkedWorkers;
            var completed = ThreadPool.CompletedWorkItemCount;
            clean = idle && completed == lastCompleted ? clean + 1 : 0;
            lastCompleted = completed;
            if (clean >= 2)
            {
                return Quiescence.Quiescent;
            }

            var now = Stopwatch.GetTimestamp();
            if (now > wallDeadline)
            {
                // The run's own budget ran out first: said as such, not as a pool busy for QuiescenceBudget (a loaded
                // machine can spend a short budget before the pool is seen quiet once).
                return Quiescence.WallBudget;
            }

            if (Stopwatch.GetElapsedTime(started, now) > QuiescenceBudget)
            {
                return Quiescence.PoolBusy;
            }

            if (idle || ++tries < 20)
            {
                Thread.Yield();
            }
            else
            {
                lock (_gate)
                {
                    Monitor.Wait(_gate, 1);
                }
            }
        }
    }

    private void Warn(string message, bool unobserved = false)
    {
        lock (_warnings)
        {
            _warnings.Add(message);
            if (unobserved)
            {
                _unobserved.Add(message);
            }
        }
    }

    private enum Quiescence
    {
        Quiescent,
        Done,
        PoolBusy,
        WallBudget,
    }

    private readonly record struct WorkItem(SendOrPostCallback Callback, object? State, bool WithContext);

    private sealed class LoopContext(RunLoop loop) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) => loop.Post(d, state);

        public override void Send(SendOrPostCallback d, object? state)
        {
            if (Thread.CurrentThread == loop.LoopThread)
            {
                d(state);
                return;
            }

            using var finished = new ManualResetEventSlim();
            Exception? failure = null;
            loop.Post(
                _ =>
                {
                    try
                    {
                        d(state);
                    }
                    catch (Exception error)
                    {
                        failure = error;
                    }
                    finally
                    {
                        finished.Set();
                    }
                },
                null);
            finished.Wait();
            if (failure is not null)
            {
                throw new InvalidOperationException("The work sent to the loop failed.", failure);
            }
        }

        public override SynchronizationContext CreateCopy() => this;
    }
}
