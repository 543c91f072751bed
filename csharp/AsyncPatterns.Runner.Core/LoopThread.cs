namespace AsyncConf.Runner;

/// <summary>
/// The thread a run's loop runs on: one kept between runs, since starting a thread for each run cost the C# runner a sixth
/// of its CPU (4,000 fuzz runs: 6.1 s, and 5.2 s with the kept thread; the main thread had spent 1.1 s of wall time waiting
/// in <see cref="Thread.Start()"/>). A run gets the kept thread if it is idle, else a new one (runs at once, from several
/// callers); a thread whose run did not end in time (a loop blocked for good) is never used again, and a thread beyond the
/// one kept ends once its run is over.
/// </summary>
/// <remarks>
/// Each run executes in the execution context of its caller, as on a thread started for it (<see cref="Thread.Start()"/>
/// flows it), so that nothing a run leaves in the thread's context reaches the next run; the thread itself starts in the
/// default context (<see cref="Thread.UnsafeStart()"/>), not in that of the caller that happened to start it.
/// </remarks>
internal sealed class LoopThread
{
    private static readonly object Gate = new();
    private static LoopThread? _idle;

    private readonly object _jobGate = new();
    private Action? _job;
    private bool _retired;
    private readonly ManualResetEventSlim _done = new();

    private LoopThread()
    {
        new Thread(Serve) { IsBackground = true, Name = "asyncconf loop" }.UnsafeStart();
    }

    /// <summary>Runs <paramref name="work"/> on a loop thread; false when it is still running after <paramref name="timeout"/>.</summary>
    public static bool Run(Action work, TimeSpan timeout)
    {
        LoopThread thread;
        lock (Gate)
        {
            thread = _idle ?? new LoopThread();
            _idle = null;
        }

        var context = ExecutionContext.Capture();
        thread._done.Reset();
        thread.Give(context is null ? work : () => ExecutionContext.Run(context, static state => ((Action)state!)(), work));
        if (!thread._done.Wait(timeout))
        {
            thread.Retire(); // it ends after its run, if that ever ends
            return false;
        }

        lock (Gate)
        {
            if (_idle is null)
            {
                _idle = thread;
                return true;
            }
        }

        thread.Retire();
        return true;
    }

    private void Give(Action job)
    {
        lock (_jobGate)
        {
            _job = job;
            Monitor.Pulse(_jobGate);
        }
    }

    private void Retire()
    {
        lock (_jobGate)
        {
            _retired = true;
            Monitor.Pulse(_jobGate);
        }
    }

    private void Serve()
    {
        while (true)
        {
            Action job;
            lock (_jobGate)
            {
                while (_job is null && !_retired)
                {
                    Monitor.Wait(_jobGate);
                }

                if (_job is null)
                {
                    return;
                }

                job = _job;
                _job = null;
            }

            job();
            _done.Set();
        }
    }
}
