using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AsyncConf.Runner.VirtualTime;

namespace AsyncConf.Runner;

/// <summary>Runs one scenario of one implementation and reports outcome, trace, elapsed time and leaks (spec/PROTOCOL.md §2-§7).</summary>
internal static class ScenarioRunner
{
    /// <summary>After the pattern settles (or its limit passes), how long leftovers get to stop, on virtual time.</summary>
    public const long VirtualGraceMs = 3_600_000;

    /// <summary>The same on real time.</summary>
    public const long RealGraceMs = 500;

    /// <summary>The leak of work the implementation left scheduled when the pattern settled (spec/PROTOCOL.md §7).</summary>
    public const string WorkPending = "work still pending";

    /// <summary>How long a run waits, before it starts, for thread-pool work left over by earlier runs to finish.</summary>
    public static readonly TimeSpan SettleBeforeRun = TimeSpan.FromMilliseconds(100);

    /// <summary>How much longer than the wall budget the caller waits for a loop thread that is blocked.</summary>
    public static readonly TimeSpan LoopThreadGrace = TimeSpan.FromSeconds(2);

    /// <summary>What <see cref="WarmUp"/> runs: each pattern's reference once, through failures, timeouts and cancellation.</summary>
    internal static readonly string[] WarmUpRequests =
    [
        """{"pattern": "bounded-concurrency", "params": {"items": ["a", "b"], "limit": 1}, "plan": {"*": [{"after_ms": 1, "ok": 1}]}}""",
        """{"pattern": "cancellation-cleanup", "params": {"close_ms": 1}, "plan": {"op": [{"hang": true}]}, "cancel_at_ms": 1}""",
        """{"pattern": "parallel-partial-failures", "params": {"items": ["a", "b"]}, "plan": {"a": [{"after_ms": 1, "fail": "fatal"}], "*": [{"after_ms": 1, "ok": 1}]}}""",
        """{"pattern": "retry-backoff", "params": {"max_attempts": 2, "base_delay_ms": 1, "factor": 2, "max_delay_ms": 10, "jitter": "none"}, "plan": {"op": [{"after_ms": 1, "fail": "transient"}, {"after_ms": 1, "ok": 1}]}}""",
        """{"pattern": "task-group", "params": {"items": [1, 2]}, "plan": {"*": [{"after_ms": 1, "fail": "fatal"}]}, "cancel_at_ms": 1}""",
        """{"pattern": "timeout", "params": {"timeout_ms": 5}, "plan": {"op": [{"hang": true}]}}""",
        """{"pattern": "racing", "params": {"items": ["a", "b", "c"], "hedge_ms": 1}, "plan": {"a": [{"after_ms": 1, "fail": "fatal"}], "b": [{"after_ms": 2, "ok": 1}], "c": [{"hang": true}]}}""",
        """{"pattern": "circuit-breaker", "params": {"failure_threshold": 1, "break_ms": 10}, "plan": {"op": [{"after_ms": 1, "fail": "transient"}, {"hang": true}, {"after_ms": 1, "ok": 1}]}, "invocations": [{"at_ms": 0}, {"at_ms": 2}, {"at_ms": 11, "cancel_at_ms": 12}, {"at_ms": 13}]}""",
        // A threshold of 2 too: a candidate that cannot take 1 (Polly's MinimumThroughput) is warmed up by this one.
        """{"pattern": "circuit-breaker", "params": {"failure_threshold": 2, "break_ms": 10}, "plan": {"op": [{"after_ms": 1, "fail": "transient"}, {"after_ms": 1, "fail": "transient"}, {"after_ms": 1, "ok": 1}]}, "invocations": [{"at_ms": 0}, {"at_ms": 2}, {"at_ms": 4}, {"at_ms": 14}]}""",
        """{"pattern": "async-stream", "params": {"take": 1, "length": 2, "close_ms": 1}, "plan": {"item": [{"after_ms": 1, "ok": 1}], "use": [{"after_ms": 1, "fail": "fatal"}]}}""",
        """{"pattern": "unobserved-failures", "params": {"items": ["a", "b"], "shutdown_at_ms": 2}, "plan": {"a": [{"after_ms": 1, "fail": "fatal"}], "b": [{"hang": true}]}}""",
        """{"pattern": "async-lock", "plan": {"a": [{"after_ms": 2, "fail": "transient"}], "b": [{"hang": true}], "*": [{"after_ms": 1, "ok": 1}]}, "invocations": [{"at_ms": 0, "key": "a"}, {"at_ms": 1, "key": "b", "cancel_at_ms": 3}, {"at_ms": 1, "key": "c"}, {"at_ms": 2, "key": "d", "cancel_at_ms": 2}]}""",
        """{"pattern": "backpressure", "params": {"items": ["a", "b", "c"], "capacity": 1, "workers": 1}, "plan": {"produce": [{"ok": 1}], "a": [{"after_ms": 1, "ok": 1}], "*": [{"after_ms": 1, "fail": "fatal"}]}}""",
        """{"pattern": "graceful-shutdown", "params": {"jobs": {"a": 0, "b": 0, "c": 3}, "shutdown_at_ms": 2, "drain_ms": 1, "close_ms": 1}, "plan": {"a": [{"after_ms": 1, "fail": "fatal"}], "*": [{"hang": true}]}}""",
        """{"pattern": "offload-blocking", "params": {"items": ["a", "b"], "max_workers": 1, "heartbeat_ms": 1}, "plan": {"a": [{"after_ms": 2, "fail": "fatal"}], "*": [{"after_ms": 1, "ok": 1}]}}""",
        """{"pattern": "offload-blocking", "params": {"items": ["a"], "max_workers": 1}, "plan": {"*": [{"after_ms": 5, "ok": 1}]}, "cancel_at_ms": 1}""",
        """{"pattern": "connection-pool", "params": {"size": 1, "acquire_timeout_ms": 3, "close_ms": 1}, "plan": {"open": [{"after_ms": 1, "ok": "c"}], "a": [{"after_ms": 1, "fail": "fatal"}], "b": [{"after_ms": 1, "ok": 1}], "c": [{"hang": true}]}, "invocations": [{"at_ms": 0, "key": "a"}, {"at_ms": 0, "key": "b"}, {"at_ms": 0, "key": "c", "cancel_at_ms": 1}, {"at_ms": 6, "key": "b"}, {"at_ms": 7, "key": "c", "cancel_at_ms": 9}]}""",
    ];

    private static readonly object WarmUpGate = new();
    private static readonly HashSet<string> WarmPatterns = new(StringComparer.Ordinal);

    public static JsonObject Run(RunRequest request)
    {
        if (!PatternBinding.All.TryGetValue(request.Pattern, out var binding))
        {
            throw new BadRequestException("unknown-pattern", $"no C# implementation of pattern '{request.Pattern}'");
        }

        if (binding.Invoked != request.Invocations is not null)
        {
            throw new BadRequestException(
                "bad-request",
                $"pattern '{request.Pattern}' {(binding.Invoked ? "needs `invocations`" : "takes no `invocations` (it is called once)")}");
        }

        if (binding.Invoked)
        {
            var startMany = binding.PrepareMany(request.Impl, request.Params)
                ?? throw new BadRequestException(
                    "unknown-impl",
                    $"pattern '{request.Pattern}' has no implementation '{request.Impl}' here ({string.Join(", ", binding.Implementations)})");
            return Run(request, static _ => throw new UnreachableException(), startMany);
        }

        var start = binding.Prepare(request.Impl, request.Params)
            ?? throw new BadRequestException(
                "unknown-impl",
                $"pattern '{request.Pattern}' has no implementation '{request.Impl}' here ({string.Join(", ", binding.Implementations)})");

        return Run(request, start);
    }

    /// <summary>Runs <paramref name="start"/> as the pattern of <paramref name="request"/> (the seam the tests use).</summary>
    internal static JsonObject Run(RunRequest request, Func<ScenarioContext, PatternRun> start, Func<ScenarioContext, PatternBinding.Invoker>? startMany = null)
    {
        if (request.Invocations is not null && startMany is null)
        {
            throw new BadRequestException("unsupported", "this run takes one call of the pattern; the request has `invocations`");
        }

        WarmUp(request.Pattern);
        var run = new ScenarioRun(request, start, startMany);
        run.MeasureBaseline();
        if (!LoopThread.Run(run.Execute, request.WallBudget + LoopThreadGrace))
        {
            run.Abandon(
                $"the loop thread stayed blocked for more than {request.WallBudget.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s of real time " +
                "(a blocking wait on the loop thread, e.g. .Result/.Wait() on a task that needs the loop, or a long Thread.Sleep)");
        }

        return run.Answer();
    }

    /// <summary>
    /// The first runs of a process load and JIT the runner itself (its loop, instruments, exceptions, JSON): tens of ms of
    /// real time on one work item, over 200 ms on a busy machine, which the loop-lag watch would take for a block. So
    /// before its first run of a pattern a process runs that pattern's small scenarios of its own, and discards them --
    /// a pattern at a time, not all at once: a process that runs one pattern (a fuzz campaign's worker, a test) does not
    /// pay for the JIT of all of them (about 0.7 s).
    /// </summary>
    private static void WarmUp(string pattern)
    {
        lock (WarmUpGate)
        {
            if (!WarmPatterns.Add(pattern))
            {
                return;
            }

            foreach (var request in WarmUpRequests)
            {
                var parsed = JsonNode.Parse(request)!.AsObject();
                if ((string?)parsed["pattern"] == pattern)
                {
                    Run(RunRequest.Parse(parsed));
                }
            }
        }
    }

    /// <summary>
    /// Collects the garbage of a run that began when <see cref="GC.CollectionCount"/>(1) read <paramref name="gen1CollectionsAtStart"/>,
    /// and runs its finalizers, so that a faulted task nobody observed raises <see cref="TaskScheduler.UnobservedTaskException"/>
    /// with this run (spec/PROTOCOL.md §2, <c>unobserved</c>).
    /// </summary>
    /// <remarks>
    /// An object reaches generation 2 only through a collection of generation 1 or more, so while none happened since the run
    /// began, everything the run allocated is young and a collection of generations 0 and 1 finds it -- at a fraction of a full
    /// collection's cost (about 0.5 ms a run through pythonnet, whose process has the larger heap). Otherwise a full one.
    /// </remarks>
    /// <returns>The generation collected.</returns>
    internal static int CollectRunGarbage(int gen1CollectionsAtStart)
    {
        var generation = GC.CollectionCount(1) == gen1CollectionsAtStart ? 1 : GC.MaxGeneration;
        GC.Collect(generation);
        GC.WaitForPendingFinalizers();
        return generation;
    }

    /// <summary>The state of one run; <see cref="Execute"/> runs on the loop thread.</summary>
    private sealed class ScenarioRun
    {
        private readonly object _gate = new();
        private readonly RunRequest _request;
        private readonly Func<ScenarioContext, PatternRun> _start;
        private readonly Func<ScenarioContext, PatternBinding.Invoker>? _startMany;
        private JsonObject?[]? _each;
        private long?[]? _settledAt;
        private JsonArray? _settledAtMs;
        private readonly VirtualTimeProvider? _virtualTime;
        private readonly RunLoop _loop;
        private readonly RunClock _clock;
        private readonly Instruments _instruments;
        private readonly CancellationTokenSource _caller = new();
        private readonly long _wallStart = Stopwatch.GetTimestamp();
        private LoopWatch? _watch;
        private JsonObject? _outcome;
        private long? _elapsedMs;
        private IReadOnlyList<string>? _leaks;
        private int _traceLength;
        private bool _judged;
        private bool _stoppedForBlock;

        // The real-time budget that stopped a virtual run (spec/PROTOCOL.md §2, `stopped_by`): "wall_budget" or "pool_busy".
        private string? _stoppedBy;
        private volatile bool _settled;
        private volatile bool _limitPassed;
        private volatile bool _gracePassed;
        private BadRequestException? _refusal;
        private readonly List<string> _unobservedTasks = [];

        public ScenarioRun(RunRequest request, Func<ScenarioContext, PatternRun> start, Func<ScenarioContext, PatternBinding.Invoker>? startMany)
        {
            _request = request;
            _start = start;
            _startMany = startMany;
            _virtualTime = request.Virtual ? new VirtualTimeProvider() : null;
            _loop = new RunLoop(_virtualTime);
            _clock = _virtualTime is null ? new RealRunClock(_loop) : new VirtualRunClock(_loop, _virtualTime);
            var closeMs = request.Params["close_ms"] is { } close ? VirtualTimeProvider.RoundMilliseconds(Json.Number(close, "params.close_ms")) : 0;
            _instruments = new Instruments(request.Plan, _clock, request.Random, request.MaxCalls, closeMs);
        }

        private long WallDeadline => _wallStart + (long)(_request.WallBudget.TotalSeconds * Stopwatch.Frequency);

        /// <summary>
        /// Waits (briefly) for thread-pool work of earlier runs to finish, and counts the pool workers that stay busy
        /// (the calling thread, if it is a pool thread) so the loop ignores them. Said on stderr, not in the answer, so
        /// that the answer does not depend on the host process.
        /// </summary>
        public void MeasureBaseline()
        {
            if (_virtualTime is null)
            {
                return;
            }

            var (baseline, quiet) = RunLoop.MeasureBaselineBusyWorkers(SettleBeforeRun);
            _loop.BaselineBusyWorkers = baseline;
            if (!quiet)
            {
                Console.Error.WriteLine(
                    $"asyncconf runner: {baseline} thread-pool thread(s) stayed busy outside this run " +
                    "(blocked by an earlier run, or the host's own); the loop ignores them. Restart the runner if times look wrong.");
            }
        }

        public void Execute()
        {
            // A faulted task nobody observed raises this when it is finalized: the run collects its garbage at its end, so
            // that the failure is reported with this run, not a later one (spec/PROTOCOL.md §2, `unobserved`).
            TaskScheduler.UnobservedTaskException += OnUnobservedTaskException;
            var gen1Collections = GC.CollectionCount(1);
            try
            {
                ExecutePhases();
                // Blocks still going end first, so that a failure of work ending now is collected with this run; and the
                // loop's queue and timers, which will never run, let go of what they held (a faulted task whose awaiting
                // continuation was still queued was otherwise reported by a later run).
                _instruments.DrainBlocks(LoopThreadGrace);
                _loop.DropPending();
                _virtualTime?.DisarmAll();
                CollectRunGarbage(gen1Collections);
            }
            catch (Exception error)
            {
                lock (_gate)
                {
                    _refusal ??= new BadRequestException("internal", $"{error.GetType().Name}: {error.Message}");
                }
            }
            finally
            {
                // A thread still in a blocking call (work the pattern left running cannot be interrupted) ends now and is
                // waited for, also when the run failed: a pool thread left blocked would spoil the next run's readings
                // (spec/PROTOCOL.md §5).
                _instruments.DrainBlocks(LoopThreadGrace);
                TaskScheduler.UnobservedTaskException -= OnUnobservedTaskException;
            }
        }

        private void OnUnobservedTaskException(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            var error = e.Exception.InnerExceptions.Count == 1 ? e.Exception.InnerExceptions[0] : e.Exception;
            lock (_gate)
            {
                _unobservedTasks.Add($"unobserved task exception: {error.GetType().Name}: {error.Message}");
            }

            e.SetObserved();
        }

        public void Abandon(string reason)
        {
            lock (_gate)
            {
                if (!_judged)
                {
                    Unfinished(reason);
                    _stoppedBy = "wall_budget";
                }
            }
        }

        public JsonObject Answer()
        {
            lock (_gate)
            {
                if (_refusal is not null)
                {
                    throw _refusal;
                }

                var warnings = _loop.Warnings.Distinct().Order(StringComparer.Ordinal);
                var blockedMs = _watch?.BlockedMs ?? 0;
                var trace = _instruments.Trace();
                if (_stoppedForBlock)
                {
                    _outcome!["reason"] = BlockReason(blockedMs);
                }

                var answer = new JsonObject
                {
                    ["outcome"] = _outcome,
                    // The trace ends when the pattern settled (or the run was judged unfinished): what
                    // the cleanup of leftovers records afterwards is kept apart, as leaks already measured.
                    ["trace"] = new JsonArray([.. trace.Take(_traceLength).Select(e => (JsonNode)e.ToJson())]),
                    ["trace_after"] = new JsonArray([.. trace.Skip(_traceLength).Select(e => (JsonNode)e.ToJson())]),
                    ["elapsed_ms"] = _elapsedMs,
                    ["leaks"] = new JsonArray([.. _leaks!.Select(leak => (JsonNode?)leak)]),
                    ["random_draws"] = _instruments.Draws,
                    ["runtime"] = Protocol.RuntimeJson(),
                    ["warnings"] = new JsonArray([.. warnings.Select(warning => (JsonNode?)warning)]),
                    ["blocked_ms"] = blockedMs,
                    ["unobserved"] = new JsonArray([.. _loop.Unobserved.Concat(_unobservedTasks).Select(message => (JsonNode?)message)]),
                };
                if (_settledAtMs is not null)
                {
                    answer["settled_at_ms"] = _settledAtMs;
                }

                if (_stoppedBy is not null)
                {
                    answer["stopped_by"] = _stoppedBy;
                }

                return answer;
            }
        }

        private void ExecutePhases()
        {
            // Work that blocks the loop stops the run at the loop's first chance: the rest of the run's real sleeps are
            // not waited out, and the answer says how long the loop was blocked.
            using var watch = LoopWatch.Start(_loop, _request.BlockLimitMs);
            watch.OnStall = _instruments.ReleaseBlocks; // a loop stuck waiting on a parked blocking call (.Result)
            lock (_gate)
            {
                _watch = watch;
            }

            // Timers in the order the Python runner schedules them: the caller's cancellation, then the limit.
            using var cancelTimer = _request.CancelAtMs is { } cancelAt ? _clock.After(cancelAt, _caller.Cancel) : null;
            using var limitTimer = _clock.After(_request.LimitMs, () => _limitPassed = true);
            using var invocationTimers = _startMany is null ? null : ArmInvocations(_startMany, _request.Invocations!);
            if (_startMany is null)
            {
                _loop.Post(_ => StartPattern(), null);
            }

            var stop = _loop.RunUntil(() => Blocked(watch) || _settled || _limitPassed, WallDeadline);
            if (_instruments.BlocksCutShort > 0)
            {
                watch.CountTheStall(); // the stall's release changed the run
            }

            if (stop == LoopStop.Done && _settled)
            {
                NoteWorkPending();
            }

            lock (_gate)
            {
                if (!_judged)
                {
                    switch (stop)
                    {
                        case LoopStop.Done when watch.Blocks > 0:
                            Unfinished(BlockReason(watch.BlockedMs));
                            _stoppedForBlock = true; // the reason gets the final reading with the answer
                            break;
                        case LoopStop.Done or LoopStop.Idle:
                            Unfinished(_instruments.LimitReached
                                ? $"more than {_instruments.MaxCalls} operation calls"
                                : $"had not settled after {_request.LimitMs} ms of {(_virtualTime is null ? "real" : "virtual")} time");
                            break;
                        case LoopStop.WallBudget:
                            Unfinished($"used more than its wall-clock budget ({Stopwatch.GetElapsedTime(_wallStart).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s real time)");
                            _stoppedBy = "wall_budget";
                            break;
                        case LoopStop.PoolBusy:
                            _stoppedBy = "pool_busy";
                            Unfinished(
                                $"thread-pool work kept running for more than {_loop.QuiescenceBudget.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s of real time " +
                                "while virtual time waited for it (blocked or long-running work off the loop: .Result/.Wait(), Thread.Sleep, a busy loop)");
                            break;
                        case LoopStop.RealTimer:
                            _refusal = new BadRequestException(
                                "unsupported",
                                "the implementation started a real-time wait that virtual time cannot drive (a System.Threading.Timer: Task.Delay or " +
                                "Task.WaitAsync without a TimeProvider, CancelAfter on a CancellationTokenSource built without one, " +
                                "SemaphoreSlim.WaitAsync(TimeSpan) ...); run it with clock: real, or pass the TimeProvider");
                            _judged = true;
                            return;
                    }
                }
            }

            if (stop is not (LoopStop.Done or LoopStop.Idle))
            {
                return;
            }

            // Cancel what the pattern left running and give it a bounded time to stop: it must not affect the next run.
            _caller.Cancel();
            using var graceTimer = _clock.After(_virtualTime is null ? RealGraceMs : VirtualGraceMs, () => _gracePassed = true);
            var blocks = watch.Blocks;
            _loop.RunUntil(() => Blocked(watch, blocks) || _gracePassed || _instruments.Quiet, WallDeadline);
        }

        /// <summary>
        /// The pattern has settled with no operation running and no resource open: if a timer the implementation armed on
        /// the run's clock is still armed, it left work pending (spec/PROTOCOL.md §7). Read once the step that settled it
        /// has returned and the pool is quiet, still at the settling instant (the loop has run nothing since, the clock has
        /// not moved): .NET disposes the timer of a <see cref="Task.WaitAsync(TimeSpan, TimeProvider)"/> only after it has
        /// run the continuations that settled the pattern, and work on a pool thread may still be arming one. On real time,
        /// nothing: the System timers of the implementation cannot be told from the runner's.
        /// </summary>
        private void NoteWorkPending()
        {
            if (_virtualTime is null)
            {
                return;
            }

            lock (_gate)
            {
                if (_leaks is not { Count: 0 })
                {
                    return;
                }
            }

            _loop.WaitUntilQuiet(WallDeadline); // still busy: read what is armed now
            if (_virtualTime.ArmedImplementationTimerCount > 0)
            {
                lock (_gate)
                {
                    _leaks = [WorkPending];
                }
            }
        }

        private void StartPattern()
        {
            PatternRun run;
            try
            {
                run = _start(new ScenarioContext(_instruments, _clock.TimeProvider, _caller.Token));
            }
            catch (Exception error)
            {
                run = new PatternRun(Task.FromException(error), static () => null);
            }

            run.Task.ContinueWith(
                (task, state) => ((ScenarioRun)state!).Settle(task, run.Result),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        /// <summary>
        /// Several callers of one instance (spec/PROTOCOL.md §2, "Invocations"): builds the instance, then arms, in list order, each
        /// invocation's start and its caller's cancellation. A refusal to build it is the run's one outcome.
        /// </summary>
        private Timers ArmInvocations(Func<ScenarioContext, PatternBinding.Invoker> startMany, IReadOnlyList<Invocation> invocations)
        {
            var timers = new Timers();
            PatternBinding.Invoker invoker;
            try
            {
                invoker = startMany(new ScenarioContext(_instruments, _clock.TimeProvider, _caller.Token));
            }
            catch (Exception error)
            {
                Settle(Task.FromException(error), static () => null);
                return timers;
            }

            _each = new JsonObject?[invocations.Count];
            _settledAt = new long?[invocations.Count];
            var armed = new List<(long AtMs, Action Act)>(); // in list order
            for (var index = 0; index < invocations.Count; index++)
            {
                var (at, key, cancelAt) = invocations[index];
                var number = index;
                // Linked to the run's caller: the cleanup's cancellation reaches every invocation's leftovers.
                var caller = CancellationTokenSource.CreateLinkedTokenSource(_caller.Token);
                timers.Add(caller);
                armed.Add((at, () => StartInvocation(invoker, number, key, caller.Token)));
                if (cancelAt is { } cancel)
                {
                    armed.Add((cancel, caller.Cancel));
                }
            }

            if (_virtualTime is not null)
            {
                foreach (var (atMs, act) in armed)
                {
                    timers.Add(_clock.After(atMs, act)); // the virtual clock fires one instant's timers as armed
                }

                return timers;
            }

            // The system's timers fire the ones due together in the order of their queue, not of their times nor of
            // arming (six callers at one ms entered 6, 5, 4, 3, 2, 1): on the real clock one timer at a time runs what is
            // due, by time, and in list order within an instant.
            var due = armed.OrderBy(a => a.AtMs).ToList(); // a stable sort
            var next = 0;
            void RunDue()
            {
                var now = _clock.NowMs;
                while (next < due.Count && due[next].AtMs <= now)
                {
                    due[next++].Act();
                }

                if (next < due.Count)
                {
                    timers.Add(_clock.After(Math.Max(due[next].AtMs - now, 1), RunDue));
                }
            }

            timers.Add(_clock.After(due[0].AtMs, RunDue)); // a request has one invocation at least
            return timers;
        }

        private void StartInvocation(PatternBinding.Invoker invoker, int index, string key, CancellationToken cancellationToken)
        {
            PatternRun run;
            try
            {
                run = invoker(key, cancellationToken);
            }
            catch (Exception error)
            {
                run = new PatternRun(Task.FromException(error), static () => null);
            }

            run.Task.ContinueWith(
                (task, state) => ((ScenarioRun)state!).SettleInvocation(index, task, run.Result),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        /// <summary>Records one invocation's outcome when it settles; the run settles with the last.</summary>
        private void SettleInvocation(int index, Task task, Func<object?> result)
        {
            var outcome = Describe(task, result);
            lock (_gate)
            {
                if (_judged || _settledAt![index] is not null)
                {
                    return;
                }

                _each![index] = outcome;
                _settledAt[index] = _clock.NowMs;
                if (_settledAt.All(at => at is not null))
                {
                    _outcome = new JsonObject { ["each"] = new JsonArray([.. _each]) };
                    _settledAtMs = new JsonArray([.. _settledAt.Select(at => (JsonNode?)at)]);
                    _elapsedMs = _clock.NowMs;
                    _leaks = _instruments.Leaks();
                    _traceLength = _instruments.TraceLength;
                    _judged = true;
                    _settled = true;
                }
            }

            _loop.Wake();
        }

        private JsonObject Describe(Task task, Func<object?> result)
        {
            try
            {
                task.GetAwaiter().GetResult();
                return new JsonObject { ["ok"] = PatternBinding.ToJson(result(), _instruments.Origin) };
            }
            catch (Exception error)
            {
                return ErrorKinds.Describe(error, _instruments.Origin);
            }
        }

        /// <summary>Records the outcome at the moment the pattern settles (runs synchronously with its completion).</summary>
        private void Settle(Task task, Func<object?> result)
        {
            JsonObject outcome;
            try
            {
                task.GetAwaiter().GetResult();
                outcome = new JsonObject { ["ok"] = PatternBinding.ToJson(result(), _instruments.Origin) };
            }
            catch (Exception error)
            {
                outcome = ErrorKinds.Describe(error, _instruments.Origin);
            }

            lock (_gate)
            {
                if (!_judged)
                {
                    _outcome = outcome;
                    _elapsedMs = _clock.NowMs;
                    _leaks = _instruments.Leaks();
                    _traceLength = _instruments.TraceLength;
                    _judged = true;
                    _settled = true;
                }
            }

            _loop.Wake();
        }

        /// <summary>The loop's condition is asked: the loop thread is back. Whether it was blocked (more than <paramref name="before"/> times).</summary>
        private static bool Blocked(LoopWatch watch, int before = 0)
        {
            watch.CameBack();
            return watch.Blocks > before;
        }

        private static string BlockReason(long blockedMs) =>
            $"blocked the event loop for {blockedMs} ms of real time (work on the loop thread)";

        private void Unfinished(string reason)
        {
            _outcome = new JsonObject { ["unfinished"] = true, ["reason"] = reason };
            _elapsedMs = null;
            _leaks = _instruments.Leaks();
            _traceLength = _instruments.TraceLength;
            _judged = true;
        }
    }

    /// <summary>The timers and token sources of a run's invocations, disposed together.</summary>
    private sealed class Timers : IDisposable
    {
        private readonly List<IDisposable> _items = [];

        public void Add(IDisposable item) => _items.Add(item);

        public void Dispose()
        {
            foreach (var item in _items)
            {
                item.Dispose();
            }
        }
    }
}
