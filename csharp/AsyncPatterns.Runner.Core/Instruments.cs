using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace AsyncConf.Runner;

/// <summary>One event of the trace (spec/PROTOCOL.md §4).</summary>
internal readonly record struct TraceEvent(long T, string Ev, string Key, int N, string? Kind = null)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["t"] = T, ["ev"] = Ev, ["key"] = Key, ["n"] = N };
        if (Kind is not null)
        {
            json["kind"] = Kind;
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
