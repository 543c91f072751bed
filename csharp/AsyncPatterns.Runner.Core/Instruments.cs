using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace AsyncConf.Runner;

/// <summary>One event of the trace (spec/PROTOCOL.md §4).</summary>
internal readonly record struct TraceEvent(long T, string Ev, string Key, int N, string? Kind = null, long? Lag = null)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["t"] = T, ["ev"] = Ev, ["key"] = Key, ["n"] = N };
        if (Kind is not null)
        {
            json["kind"] = Kind;
        }

        if (Lag is not null)
        {
            json["lag"] = Lag;
        }

        return json;
    }
}

/// <summary>
/// What the runner injects into a pattern: the planned operation and instrumented resources, and the trace they record
/// (spec/PROTOCOL.md §3, §4, §7). Thread-safe: a pattern may call in from thread-pool threads.
/// </summary>
internal sealed class Instruments
{
    private readonly object _gate = new();
    private readonly Plan _plan;
    private readonly IReadOnlyList<double> _random;
    private readonly long _closeMs;
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _opens = new(StringComparer.Ordinal);
    private readonly List<TraceEvent> _trace = [];
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly HashSet<string> _openResources = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<Exception, string> _raised = [];
    private readonly HashSet<ManualResetEventSlim> _waitingBlocks = [];
    private readonly List<Park> _parks = [];
    private long _unorderedParks = (long)int.MaxValue + 1;
    private bool _blocksReleased;
    private int _blocksCutShort;
    private int _blocking;
    private int _draws;
    private int _totalCalls;
    private int _closing;

    public Instruments(Plan plan, RunClock clock, IReadOnlyList<double> random, int maxCalls, long closeMs)
    {
        _plan = plan;
        Clock = clock;
        _random = random;
        MaxCalls = maxCalls;
        _closeMs = closeMs;
    }

    public RunClock Clock { get; }

    public int MaxCalls { get; }

    /// <summary>Gets a value indicating whether a call beyond <see cref="MaxCalls"/> was made.</summary>
    public bool LimitReached { get; private set; }

    /// <summary>Gets a value indicating whether nothing is in flight: no operation call running, no close under way.</summary>
    public bool Quiet
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count == 0 && _closing == 0;
            }
        }
    }

    /// <summary>A copy of the trace so far.</summary>
    public IReadOnlyList<TraceEvent> Trace()
    {
        lock (_gate)
        {
            return [.. _trace];
        }
    }

    /// <summary>How many events are recorded so far: where the pattern's trace ends when it settles.</summary>
    public int TraceLength
    {
        get
        {
            lock (_gate)
            {
                return _trace.Count;
            }
        }
    }

    /// <summary>
    /// The error handler got <paramref name="error"/>: records <c>report</c> under the call that threw this very object
    /// (key <c>?</c>, n 0, when it came from no call: a wrapped or re-created exception).
    /// </summary>
    public void Report(Exception error)
    {
        var origin = Origin(error);
        var at = origin?.LastIndexOf('#') ?? -1;
        lock (_gate)
        {
            if (origin is null)
            {
                Record("report", "?", 0);
            }
            else
            {
                Record("report", origin[..at], int.Parse(origin[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary><c>"key#n"</c> when <paramref name="error"/> is the very object an operation call threw.</summary>
    public string? Origin(Exception error) => _raised.TryGetValue(error, out var tag) ? tag : null;

    /// <summary>What is still going on now: operation calls in flight and resources not closed (§7), sorted.</summary>
    public IReadOnlyList<string> Leaks()
    {
        lock (_gate)
        {
            return
            [
                .. _inFlight.Select(tag => $"operation {tag} still running").Order(StringComparer.Ordinal),
                .. _openResources.Select(tag => $"resource {tag} not closed").Order(StringComparer.Ordinal),
            ];
        }
    }

    /// <summary>Gets how many values the pattern drew from the random source (the answer's <c>random_draws</c>).</summary>
    public int Draws
    {
        get
        {
            lock (_gate)
            {
                return _draws;
            }
        }
    }

    /// <summary>
    /// The scenario's <c>random</c> values, in order; past them the last one again (0.5 if none). Never throws: a draw past
    /// the supplied values is the runner's to report (<see cref="Draws"/>) and the checker's to judge, not an outcome of
    /// the pattern (spec/PROTOCOL.md §3).
    /// </summary>
    public double Draw()
    {
        lock (_gate)
        {
            _draws++;
            return _random.Count == 0 ? 0.5 : _random[Math.Min(_draws, _random.Count) - 1];
        }
    }

    /// <summary>
    /// The injected operation: call number n of <paramref name="key"/> plays the plan's n-th step for that key (the last
    /// repeats). It records <c>call</c>, then <c>ok</c>/<c>fail</c> when it completes, or <c>cancel</c> once it has
    /// stopped after <paramref name="cancellationToken"/> was cancelled (<c>cancel_ms</c> later).
    /// </summary>
    public Task<object?> Operation(string key, CancellationToken cancellationToken)
    {
        Call call;
        lock (_gate)
        {
            var steps = _plan.StepsOf(key);
            if (steps is null)
            {
                return Task.FromException<object?>(new KeyNotFoundException($"the plan has no steps for key '{key}' and no '*' entry"));
            }

            var n = _calls[key] = _calls.GetValueOrDefault(key) + 1;
            if (++_totalCalls > MaxCalls)
            {
                // Park the caller for good: the run ends at its time limit as "unfinished". Throwing instead would feed
                // a retry loop that catches everything.
                LimitReached = true;
                return new TaskCompletionSource<object?>().Task;
            }

            call = new Call(this, key, n, steps[Math.Min(n, steps.Count) - 1], cancellationToken);
            Record("call", key, n);
            _inFlight.Add(call.Tag);
        }

        return call.Start();
    }

    /// <summary>
    /// The injected blocking work (spec/PROTOCOL.md §5, "Blocking work"): call number n of <paramref name="key"/> plays the
    /// plan's step like <see cref="Operation"/>, but blocks the calling thread for <c>after_ms</c> and returns (or throws)
    /// synchronously. On the virtual clock, on the loop's thread the clock moves on at once (the loop was busy); on
    /// another thread, the thread parks until the clock reaches the end of its block, on a timer the loop fires.
    /// </summary>
    public object? Block(string key)
    {
        Step step;
        int n;
        lock (_gate)
        {
            var steps = _plan.StepsOf(key) ?? throw new KeyNotFoundException($"the plan has no steps for key '{key}' and no '*' entry");
            n = _calls[key] = _calls.GetValueOrDefault(key) + 1;
            _totalCalls++;
            step = steps[Math.Min(n, steps.Count) - 1];
            Record("call", key, n);
            _inFlight.Add($"{key}#{n}");
            _blocking++;
        }

        try
        {
            BlockThread(step);
        }
        finally
        {
            lock (_gate)
            {
                _blocking--;
                Monitor.PulseAll(_gate);
            }
        }

        lock (_gate)
        {
            var tag = $"{key}#{n}";
            _inFlight.Remove(tag);
            if (step.Fail is { } kind)
            {
                var error = ErrorKinds.Create(kind, step.Message ?? $"{kind} failure of {tag}");
                _raised.AddOrUpdate(error, tag);
                Record("fail", key, n, kind);
                throw error;
            }

            Record("ok", key, n);
            return step.Ok?.DeepClone();
        }
    }

    /// <summary>Ends every block now, and lets none start: the run is over, or its loop is stuck waiting on one.</summary>
    public void ReleaseBlocks()
    {
        lock (_gate)
        {
            _blocksReleased = true;
            _blocksCutShort += _waitingBlocks.Count;
            foreach (var waiting in _waitingBlocks)
            {
                waiting.Set();
            }
        }
    }

    /// <summary>Gets how many blocks <see cref="ReleaseBlocks"/> ended early, or that ended at once because it had been called.</summary>
    public int BlocksCutShort
    {
        get
        {
            lock (_gate)
            {
                return _blocksCutShort;
            }
        }
    }

    /// <summary>Releases every block, and waits (up to <paramref name="timeout"/>) until no thread is in one.</summary>
    /// <returns><see langword="false"/> when a thread stayed.</returns>
    public bool DrainBlocks(TimeSpan timeout)
    {
        ReleaseBlocks();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            while (_blocking > 0)
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                Monitor.Wait(_gate, left);
            }
        }

        return true;
    }

    /// <summary>Records a beat of the runner's heartbeat on the loop, <paramref name="lagMs"/> late.</summary>
    public void RecordBeat(int n, long lagMs)
    {
        lock (_gate)
        {
            _trace.Add(new TraceEvent(Clock.NowMs, "beat", "heartbeat", n, Lag: lagMs));
        }
    }

    private void BlockThread(Step step)
    {
        var loop = Clock.Loop;
        var onLoop = Thread.CurrentThread == loop.LoopThread;
        if (Clock is VirtualRunClock virtualClock && onLoop && !step.Hang)
        {
            virtualClock.Consume(step.AfterMs); // the loop itself was busy that long
            return;
        }

        using var released = new ManualResetEventSlim();
        lock (_gate)
        {
            if (_blocksReleased)
            {
                _blocksCutShort++;
                return; // the run is over: nothing blocks any more
            }

            _waitingBlocks.Add(released);
        }

        try
        {
            if (Clock is not VirtualRunClock)
            {
                released.Wait(step.Hang ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(step.AfterMs));
            }
            else if (onLoop)
            {
                released.Wait(); // a hang on the loop itself: until the run ends
            }
            else if (step.Hang)
            {
                // A hang: parked until the run ends (it waits for no timer of the loop, and is not work to wait for).
                var parked = Thread.CurrentThread.IsThreadPoolThread;
                if (parked)
                {
                    loop.Park();
                }

                released.Wait();
                if (parked)
                {
                    loop.Unpark();
                }
            }
            else
            {
                // Parked: the timer is armed before the loop is told, so it never sees a parked thread without its timer.
                // Work handed over other than as a task ranks after all of it, as it parks.
                var park = new Park(
                    Clock.NowMs + step.AfterMs,
                    HandOverOrder.OfCurrentWork ?? Interlocked.Increment(ref _unorderedParks),
                    released,
                    Thread.CurrentThread.IsThreadPoolThread);
                lock (_gate)
                {
                    _parks.Add(park);
                    park.Timer = Clock.After(step.AfterMs, () => UnparkNextDue(park));
                }

                if (park.PoolThread)
                {
                    loop.Park();
                }

                released.Wait();
                lock (_gate)
                {
                    _parks.Remove(park);
                    park.Timer?.Dispose(); // the timer it holds now: its own, or the spent one of the park it released
                }

                if (park.PoolThread && Interlocked.Exchange(ref park.Unparked, 1) == 0)
                {
                    loop.Unpark(); // released by the end of the run, not by a timer
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _waitingBlocks.Remove(released);
            }
        }
    }

    /// <summary>
    /// A park's timer fired (on the loop): of the threads whose block has ended, the one whose work was handed over first
    /// goes on -- not the one that happened to park first (threads reach the loop in the order they are scheduled), so
    /// blocks ending at one instant end in hand-over order, each with all that follows from it before the next
    /// (spec/PROTOCOL.md §5, "Blocking work").
    /// </summary>
    private void UnparkNextDue(Park fired)
    {
        lock (_gate)
        {
            var now = Clock.NowMs;
            Park? first = null;
            foreach (var park in _parks)
            {
                if (park.DueMs <= now && !park.Released.IsSet &&
                    (first is null || park.DueMs < first.DueMs || (park.DueMs == first.DueMs && park.Order < first.Order)))
                {
                    first = park;
                }
            }

            if (first is null)
            {
                return;
            }

            // The timer that fired was the fired park's; the park going on now hands it its own, still armed.
            (fired.Timer, first.Timer) = (first.Timer, fired.Timer);
            if (first.PoolThread && Interlocked.Exchange(ref first.Unparked, 1) == 0)
            {
                Clock.Loop.Unpark();
            }

            first.Released.Set(); // under the gate: its thread disposes of it only after leaving _parks
        }
    }

    /// <summary>A thread parked on the virtual clock until <see cref="DueMs"/>; <see cref="Order"/>: its work's hand-over.</summary>
    private sealed class Park(long dueMs, long order, ManualResetEventSlim released, bool poolThread)
    {
        public int Unparked;

        public IDisposable? Timer { get; set; }

        public long DueMs { get; } = dueMs;

        public long Order { get; } = order;

        public ManualResetEventSlim Released { get; } = released;

        public bool PoolThread { get; } = poolThread;
    }

    /// <summary>Opens the resource <paramref name="name"/> (records <c>open</c>); its <see cref="IAsyncDisposable.DisposeAsync"/> takes <c>close_ms</c>, then records <c>close</c>.</summary>
    public ValueTask<IAsyncDisposable> OpenResourceAsync(string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var n = _opens[name] = _opens.GetValueOrDefault(name) + 1;
            Record("open", name, n);
            _openResources.Add($"{name}#{n}");
            return ValueTask.FromResult<IAsyncDisposable>(new Resource(this, name, n));
        }
    }

    /// <summary>Records <paramref name="ev"/> (a pool's <c>acquire</c> / <c>release</c>) under the name and number of <paramref name="resource"/>, one this instance opened.</summary>
    public void Mark(string ev, IAsyncDisposable resource)
    {
        var opened = (Resource)resource;
        lock (_gate)
        {
            Record(ev, opened.Name, opened.N);
        }
    }

    private void Record(string ev, string key, int n, string? kind = null) => _trace.Add(new TraceEvent(Clock.NowMs, ev, key, n, kind));

    /// <summary>One pending operation call. Its task completes on the loop, with no synchronization context.</summary>
    private sealed class Call(Instruments instruments, string key, int n, Step step, CancellationToken token)
    {
        private readonly TaskCompletionSource<object?> _completion = new();
        private IDisposable? _timer;
        private CancellationTokenRegistration _registration;
        private bool _settling;

        public string Tag { get; } = $"{key}#{n}";

        public Task<object?> Start()
        {
            if (!step.Hang)
            {
                // On a timer even for after_ms 0: calls that settle at one instant settle one at a time, in the order
                // they started (spec/PROTOCOL.md §3 and §5).
                _timer = instruments.Clock.After(step.AfterMs, Complete);
            }

            if (token.CanBeCanceled)
            {
                _registration = token.UnsafeRegister(static call => ((Call)call!).OnCancel(), this);
            }

            return _completion.Task;
        }

        private void Complete()
        {
            Exception? error = null;
            lock (instruments._gate)
            {
                if (_settling)
                {
                    return;
                }

                _settling = true;
                instruments._inFlight.Remove(Tag);
                if (step.Fail is { } kind)
                {
                    error = ErrorKinds.Create(kind, step.Message ?? $"{kind} failure of {Tag}");
                    instruments._raised.AddOrUpdate(error, Tag);
                    instruments.Record("fail", key, n, kind);
                }
                else
                {
                    instruments.Record("ok", key, n);
                }
            }

            _registration.Unregister();
            if (error is null)
            {
                _completion.TrySetResult(step.Ok);
            }
            else
            {
                _completion.TrySetException(error);
            }
        }

        private void OnCancel()
        {
            lock (instruments._gate)
            {
                if (_settling)
                {
                    return;
                }

                _settling = true;
            }

            _timer?.Dispose();
            if (step.CancelMs > 0)
            {
                // An operation that takes a while to stop once cancelled.
                instruments.Clock.After(step.CancelMs, Stop);
            }
            else
            {
                instruments.Clock.Soon(Stop);
            }
        }

        private void Stop()
        {
            lock (instruments._gate)
            {
                instruments._inFlight.Remove(Tag);
                instruments.Record("cancel", key, n);
            }

            _completion.TrySetCanceled(token);
        }
    }

    /// <summary>A resource whose <see cref="DisposeAsync"/> takes <c>close_ms</c> and records <c>close</c> when it completes.</summary>
    private sealed class Resource(Instruments instruments, string name, int n) : IAsyncDisposable
    {
        public string Name => name;

        public int N => n;

        public ValueTask DisposeAsync()
        {
            var closed = new TaskCompletionSource();
            lock (instruments._gate)
            {
                instruments._closing++;
            }

            void Close()
            {
                lock (instruments._gate)
                {
                    instruments._closing--;
                    instruments._openResources.Remove($"{name}#{n}");
                    instruments.Record("close", name, n);
                }

                closed.TrySetResult();
            }

            if (instruments._closeMs == 0)
            {
                instruments.Clock.Soon(Close);
            }
            else
            {
                instruments.Clock.After(instruments._closeMs, Close);
            }

            return new ValueTask(closed.Task);
        }
    }
}
