using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using AsyncPatterns.AntiPatterns;
using AsyncPatterns.AsyncStream;
using AsyncPatterns.AsyncLock;
using AsyncPatterns.Backpressure;
using AsyncPatterns.BoundedConcurrency;
using AsyncPatterns.CancellationCleanup;
using AsyncPatterns.CircuitBreaker;
using AsyncPatterns.ConnectionPool;
using AsyncPatterns.GracefulShutdown;
using AsyncPatterns.OffloadBlocking;
using AsyncPatterns.ParallelPartialFailures;
using AsyncPatterns.Racing;
using AsyncPatterns.RetryBackoff;
using AsyncPatterns.TaskGroup;
using AsyncPatterns.Timeout;
using AsyncPatterns.UnobservedFailures;
using AsyncConf.Runner.VirtualTime;

namespace AsyncConf.Runner;

/// <summary>What a run of the pattern gives the runner: the task to watch, and how to read its value once it succeeded.</summary>
internal readonly record struct PatternRun(Task Task, Func<object?> Result)
{
    public static PatternRun Of<T>(Task<T> task) => new(task, () => task.Result);
}

/// <summary>What a pattern is given: the instruments, the clock and the caller's cancellation.</summary>
internal sealed record ScenarioContext(Instruments Instruments, TimeProvider TimeProvider, CancellationToken CancellationToken);

/// <summary>
/// How the runner calls each pattern (spec/PROTOCOL.md §8), and how it turns the pattern's value into JSON. The reference
/// and every anti-pattern of a pattern share its signature, so one binding runs any of them.
/// </summary>
internal sealed class PatternBinding
{
    private readonly Func<string, JsonObject, Func<ScenarioContext, PatternRun>?> _prepare;
    private readonly Func<string, JsonObject, Func<ScenarioContext, Invoker>?>? _prepareMany;

    private PatternBinding(
        string id,
        IEnumerable<string> antiPatterns,
        Func<string, JsonObject, Func<ScenarioContext, PatternRun>?> prepare,
        Func<string, JsonObject, Func<ScenarioContext, Invoker>?>? prepareMany = null)
    {
        Id = id;
        Implementations = ["reference", .. antiPatterns.Order(StringComparer.Ordinal)];
        _prepare = prepare;
        _prepareMany = prepareMany;
    }

    /// <summary>One caller's invocation of a pattern's instance, with the operation of <paramref name="key"/>.</summary>
    /// <param name="key">The operation key of the invocation.</param>
    /// <param name="cancellationToken">The invocation's caller's cancellation.</param>
    /// <returns>The run of that invocation.</returns>
    public delegate PatternRun Invoker(string key, CancellationToken cancellationToken);

    /// <summary>Gets a value indicating whether the pattern is invoked many times (<c>invoked: many</c>, spec/PROTOCOL.md §2, "Invocations").</summary>
    public bool Invoked => _prepareMany is not null;

    /// <summary>Gets every pattern this runner implements, by spec id.</summary>
    public static IReadOnlyDictionary<string, PatternBinding> All { get; } = new[]
    {
        Bind("retry-backoff", AntiPatternRegistry.RetryBackoff<object?>(), RetryBackoffStrategy.ExecuteAsync, (impl, p) =>
        {
            var options = new RetryBackoffOptions
            {
                MaxAttempts = Param.Count(p, "max_attempts"),
                BaseDelay = Param.Milliseconds(p, "base_delay_ms"),
                Factor = Param.Number(p, "factor"),
                MaxDelay = Param.Milliseconds(p, "max_delay_ms"),
                Jitter = Param.String(p, "jitter") switch
                {
                    "none" => RetryJitter.None,
                    "proportional" => RetryJitter.Proportional,
                    var other => throw new ArgumentException($"`Jitter` must be None or Proportional, got '{other}'", "jitter"),
                },
            };
            return ctx =>
            {
                options.Randomizer = ctx.Instruments.Draw;
                return PatternRun.Of(impl(ct => ctx.Instruments.Operation("op", ct), options, ctx.TimeProvider, ctx.CancellationToken));
            };
        }),
        Bind("timeout", AntiPatternRegistry.Timeout<object?>(), TimeoutStrategy.ExecuteAsync, (impl, p) =>
        {
            var options = new TimeoutOptions { Timeout = Param.Milliseconds(p, "timeout_ms") };
            return ctx =>
            {
                var task = impl(ct => ctx.Instruments.Operation("op", ct), options, ctx.TimeProvider, ctx.CancellationToken);
                return new PatternRun(task, () => task.Result.TryGetValue(out var value) ? value : null); // no result: null
            };
        }),
        Bind(
            "cancellation-cleanup",
            AntiPatternRegistry.CancellationCleanup<IAsyncDisposable, object?>(),
            CancellationCleanupStrategy.UseResourceAsync,
            (impl, _) => ctx => PatternRun.Of(impl(
                ct => ctx.Instruments.OpenResourceAsync("conn", ct),
                (_, ct) => ctx.Instruments.Operation("op", ct),
                ctx.CancellationToken))),
        Bind("parallel-partial-failures", AntiPatternRegistry.ParallelPartialFailures<string, object?>(), ParallelPartialFailuresStrategy.RunAllAsync, (impl, p) =>
        {
            var items = Param.Items(p);
            return ctx => PatternRun.Of(impl(ctx.Instruments.Operation, items, ctx.CancellationToken));
        }),
        Bind("bounded-concurrency", AntiPatternRegistry.BoundedConcurrency<string, object?>(), BoundedConcurrencyStrategy.MapAsync, (impl, p) =>
        {
            var items = Param.Items(p);
            var options = new BoundedConcurrencyOptions { Limit = Param.Count(p, "limit") };
            return ctx => PatternRun.Of(impl(ctx.Instruments.Operation, items, options, ctx.CancellationToken));
        }),
        Bind("async-stream", AntiPatternRegistry.AsyncStream<object?>(), AsyncStreamStrategy.ConsumeAsync, (impl, p) =>
        {
            var options = new AsyncStreamOptions { Take = Param.Count(p, "take") };
            var length = Param.Count(p, "length");
            return ctx => PatternRun.Of(impl(
                StreamSource(ctx.Instruments, length),
                (_, ct) => ctx.Instruments.Operation("use", ct),
                options,
                ctx.CancellationToken));
        }),
        Bind("task-group", AntiPatternRegistry.TaskGroup<string, object?>(), TaskGroupStrategy.RunAsync, (impl, p) =>
        {
            var items = Param.Items(p);
            return ctx => PatternRun.Of(impl(ctx.Instruments.Operation, items, ctx.CancellationToken));
        }),
        Bind("racing", AntiPatternRegistry.Racing<string, object?>(), RacingStrategy.RaceAsync, (impl, p) =>
        {
            var items = Param.Items(p);
            var options = new RacingOptions { HedgeDelay = Param.Milliseconds(p, "hedge_ms") };
            return ctx => PatternRun.Of(impl(ctx.Instruments.Operation, items, options, ctx.TimeProvider, ctx.CancellationToken));
        }),
        BindMany(
            "circuit-breaker",
            AntiPatternRegistry.CircuitBreaker(),
            (options, timeProvider) => new CircuitBreakerStrategy(options, timeProvider),
            (factory, p) =>
            {
                var options = new CircuitBreakerOptions
                {
                    FailureThreshold = Param.Count(p, "failure_threshold"),
                    BreakDuration = Param.Milliseconds(p, "break_ms"),
                };
                return ctx =>
                {
                    var breaker = factory(options, ctx.TimeProvider);
                    return (key, ct) => PatternRun.Of(breaker.ExecuteAsync(token => ctx.Instruments.Operation(key, token), ct));
                };
            }),
        Bind("unobserved-failures", AntiPatternRegistry.UnobservedFailures<string>(), UnobservedFailuresStrategy.RunInBackgroundAsync, (impl, p) =>
        {
            var items = Param.Items(p);
            var shutdownAtMs = Param.Number(p, "shutdown_at_ms");
            if (!(shutdownAtMs is >= 0 and <= int.MaxValue))
            {
                throw new ArgumentOutOfRangeException("shutdown_at_ms", shutdownAtMs, $"`shutdown_at_ms` must be a number from 0 to {int.MaxValue}");
            }

            var handlerFails = Param.Required(p, "handler_fails").GetValueKind() switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new ArgumentException("`handler_fails` must be true or false", "handler_fails"),
            };
            return ctx => PatternRun.Of(InBackgroundAsync(impl, ctx, items, VirtualTimeProvider.RoundMilliseconds(shutdownAtMs), handlerFails));
        }),
        BindMany<ConnectionPoolFactory<PoolConnection>>(
            "connection-pool",
            AntiPatternRegistry.ConnectionPool<PoolConnection>(),
            (open, options, timeProvider) => new AsyncConnectionPool<PoolConnection>(open, options, timeProvider),
            (factory, p) =>
            {
                var options = new ConnectionPoolOptions
                {
                    Size = Param.Count(p, "size"),
                    AcquireTimeout = Param.Milliseconds(p, "acquire_timeout_ms"),
                    CloseTimeout = Param.Milliseconds(p, "close_timeout_ms"),
                };
                return ctx =>
                {
                    var pool = factory(
                        async ct =>
                        {
                            await ctx.Instruments.Operation("open", ct).ConfigureAwait(false); // the open's time and failure come from the plan
                            return new PoolConnection(await ctx.Instruments.OpenResourceAsync("conn", ct).ConfigureAwait(false));
                        },
                        options,
                        ctx.TimeProvider);
                    return (key, ct) => key == "close"
                        ? PatternRun.Of(CloseAsync(pool, ct))
                        : PatternRun.Of(pool.WithConnectionAsync((connection, token) => UseAsync(ctx.Instruments, connection, key, token), ct));
                };
            }),
        BindMany<GuardedCounterFactory>(
            "async-lock",
            AntiPatternRegistry.AsyncLock(),
            _ => new GuardedCounter(),
            (factory, _) => ctx =>
            {
                var counter = factory(ctx.TimeProvider);
                return (key, ct) => PatternRun.Of(counter.IncrementAsync(token => ctx.Instruments.Operation(key, token), ct));
            }),
        Bind("backpressure", AntiPatternRegistry.Backpressure<string, object?>(), BackpressureStrategy.RunAsync, (impl, p) =>
        {
            var items = Param.Items(p);
            var options = new BackpressureOptions { Capacity = Param.Count(p, "capacity"), Workers = Param.Count(p, "workers") };
            return ctx => PatternRun.Of(impl(Produced(ctx.Instruments, items), ctx.Instruments.Operation, options, ctx.TimeProvider, ctx.CancellationToken));
        }),
        Bind("graceful-shutdown", AntiPatternRegistry.GracefulShutdown(), JobService.Create, (impl, p) =>
        {
            var jobs = Param.Jobs(p);
            var shutdownAt = Param.Instant(p, "shutdown_at_ms");
            var options = new GracefulShutdownOptions { Drain = Param.Milliseconds(p, "drain_ms") };
            return ctx => PatternRun.Of(ServeJobsAsync(impl, options, shutdownAt, jobs, ctx));
        }),
        Bind("offload-blocking", AntiPatternRegistry.OffloadBlocking<string, object?>(), OffloadBlockingStrategy.RunAsync, (impl, p) =>
        {
            var items = Param.Items(p);
            var options = new OffloadBlockingOptions { MaxWorkers = Param.Count(p, "max_workers") };
            var period = Param.Number(p, "heartbeat_ms");
            if (!(period is >= 1 and <= int.MaxValue))
            {
                throw new ArgumentException($"`heartbeat_ms` must be a number from 1 to {int.MaxValue}, got {period}", "heartbeat_ms");
            }

            return ctx =>
            {
                HandOverOrder.Ensure(); // blocks ending at one instant end in the order their work was handed over
                VirtualTime.ParkedPoolThreads.Reserve(items.Count); // each item's call starts at once, however many workers
                // The runner's heartbeat beats on the loop while the pattern runs (spec/PROTOCOL.md §5, "Blocking work").
                var heartbeat = new Heartbeat(ctx.Instruments, VirtualTime.VirtualTimeProvider.RoundMilliseconds(period));
                return PatternRun.Of(heartbeat.Around(impl(ctx.Instruments.Block, items, options, ctx.CancellationToken)));
            };
        }),
    }.ToDictionary(binding => binding.Id, StringComparer.Ordinal);

    /// <summary>Gets the pattern's spec id.</summary>
    public string Id { get; }

    /// <summary>Gets <c>reference</c>, then the anti-pattern ids, sorted.</summary>
    public IReadOnlyList<string> Implementations { get; }

    /// <summary>
    /// Checks the parameters and returns what starts a run of <paramref name="impl"/>; null when the pattern has no such
    /// implementation. A parameter of the wrong JSON type throws <see cref="BadRequestException"/>; one the C# API cannot
    /// take (a fractional count) gives a run that fails with <see cref="ArgumentException"/>, as the options would.
    /// </summary>
    public Func<ScenarioContext, PatternRun>? Prepare(string impl, JsonObject parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);

        // A parameter the request leaves out takes the spec's default (spec/PROTOCOL.md §2); filled in here, so the
        // rest of the run (the resource's close_ms) sees it too.
        foreach (var (name, value) in JsonNode.Parse(Defaults[Id])!.AsObject())
        {
            if (!parameters.ContainsKey(name))
            {
                parameters[name] = value?.DeepClone();
            }
        }

        return RunnerParameterRefused(parameters) is { } refused
            ? _ => new PatternRun(Task.FromException(refused), static () => null)
            : _prepare(impl, parameters);
    }

    /// <summary>
    /// For a pattern invoked many times: checks the parameters and returns what builds the one instance of <paramref name="impl"/>
    /// (which may throw <see cref="ArgumentException"/>: refused up front) and gives its invoker; null when there is no such
    /// implementation.
    /// </summary>
    public Func<ScenarioContext, Invoker>? PrepareMany(string impl, JsonObject parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var (name, value) in JsonNode.Parse(Defaults[Id])!.AsObject())
        {
            if (!parameters.ContainsKey(name))
            {
                parameters[name] = value?.DeepClone();
            }
        }

        var prepared = _prepareMany?.Invoke(impl, parameters);
        return prepared is not null && RunnerParameterRefused(parameters) is { } refused ? _ => throw refused : prepared;
    }

    /// <summary>
    /// The runner's own parameters that several patterns share -- its resource's or source's <c>close_ms</c>, the source's
    /// <c>length</c> (whole) -- are refused up front like the implementation's when outside 0 to <see cref="int.MaxValue"/>
    /// (spec/PROTOCOL.md §8, "Parameters"): the refusal, or null.
    /// </summary>
    private static ArgumentException? RunnerParameterRefused(JsonObject parameters)
    {
        foreach (var (name, whole) in (ReadOnlySpan<(string, bool)>)[("close_ms", false), ("length", true)])
        {
            if (parameters[name] is not { } node)
            {
                continue;
            }

            var value = Json.Number(node, $"params.{name}");
            if (!(value >= 0 && value <= int.MaxValue) || (whole && !double.IsInteger(value)))
            {
                return new ArgumentException($"`{name}` must be {(whole ? "an integer" : "a number")} from 0 to {int.MaxValue}, got {value}", name);
            }
        }

        return null;
    }

    /// <summary>
    /// Gets the spec's <c>params</c> of each pattern, as JSON: what a parameter a request leaves out takes (spec/PROTOCOL.md
    /// §2). A test pins them to <c>spec/patterns/*.yaml</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["retry-backoff"] = """{"max_attempts": 3, "base_delay_ms": 1000, "factor": 2, "max_delay_ms": 60000, "jitter": "none"}""",
        ["timeout"] = """{"timeout_ms": 1000}""",
        ["cancellation-cleanup"] = """{"close_ms": 5}""",
        ["parallel-partial-failures"] = """{"items": ["a", "b", "c"]}""",
        ["bounded-concurrency"] = """{"items": ["a", "b", "c", "d", "e"], "limit": 2}""",
        ["task-group"] = """{"items": ["a", "b", "c"]}""",
        ["racing"] = """{"items": ["a", "b", "c"], "hedge_ms": 0}""",
        ["circuit-breaker"] = """{"failure_threshold": 5, "break_ms": 30000}""",
        ["async-stream"] = """{"take": 3, "length": 5, "close_ms": 5}""",
        ["unobserved-failures"] = """{"items": ["a", "b", "c"], "shutdown_at_ms": 100, "handler_fails": false}""",
        ["async-lock"] = "{}",
        ["connection-pool"] = """{"size": 10, "acquire_timeout_ms": 30000, "close_timeout_ms": 10000, "close_ms": 0}""",
        ["backpressure"] = """{"items": ["a", "b", "c", "d", "e"], "capacity": 2, "workers": 2}""",
        ["graceful-shutdown"] = """{"jobs": {"a": 0, "b": 10, "c": 30}, "shutdown_at_ms": 40, "drain_ms": 50, "close_ms": 5}""",
        ["offload-blocking"] = """{"items": ["a", "b"], "max_workers": 2, "heartbeat_ms": 10}""",
    };

    /// <summary>connection-pool: an invocation of key <c>close</c> closes the pool.</summary>
    private static async Task<object?> CloseAsync(AsyncConnectionPool<PoolConnection> pool, CancellationToken cancellationToken)
    {
        await pool.CloseAsync(cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>connection-pool: the call of <paramref name="key"/> on a borrowed connection, between its <c>acquire</c> and <c>release</c>.</summary>
    private static async Task<object?> UseAsync(Instruments instruments, PoolConnection connection, string key, CancellationToken cancellationToken)
    {
        instruments.Mark("acquire", connection.Resource);
        try
        {
            return await instruments.Operation(key, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            connection.IsBroken = true; // a fatal failure: the connection is lost, as a driver marks it
            throw;
        }
        finally
        {
            instruments.Mark("release", connection.Resource);
        }
    }

    /// <summary>The pattern's value in the protocol's JSON form.</summary>
    public static JsonNode? ToJson(object? value, Func<Exception, string?> origin) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        PartialResults<string, object?> partial => new JsonObject
        {
            ["succeeded"] = new JsonObject(partial.Succeeded.Select(entry => KeyValuePair.Create(entry.Key, ToJson(entry.Value, origin)))),
            ["failed"] = new JsonObject(partial.Failed.Select(entry => KeyValuePair.Create(entry.Key, (JsonNode?)ErrorKinds.Describe(entry.Value, origin)))),
        },
        string text => JsonValue.Create(text),
        Exception error => ErrorKinds.Describe(error, origin),
        IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(item => ToJson(item, origin))]),
        _ => JsonSerializer.SerializeToNode(value, value.GetType()),
    };

    /// <summary>
    /// The async-stream source (spec/PROTOCOL.md §8): opens <c>source</c> on the first pull, yields
    /// <paramref name="length"/> items, the n-th the value of call <c>item#n</c> (given the enumerator's token), and closes
    /// <c>source</c> in its <c>finally</c> — at its end, on a failure, or when the enumerator is disposed.
    /// </summary>
    internal static async IAsyncEnumerable<object?> StreamSource(
        Instruments instruments, int length, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var resource = await instruments.OpenResourceAsync("source", cancellationToken).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < length; i++)
            {
                yield return await instruments.Operation("item", cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await resource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The owner of the background work (spec/PROTOCOL.md §8): its shutdown comes at <paramref name="shutdownAtMs"/> on a
    /// timer armed before the work starts (so a failure due at that instant comes after it); its error handler records each
    /// exception it gets (trace event <c>report</c>) and, with <paramref name="handlerFails"/>, throws it back. The value:
    /// the exceptions reported, in order.
    /// </summary>
    private static async Task<IReadOnlyList<Exception>> InBackgroundAsync(
        UnobservedFailuresImplementation<string> impl, ScenarioContext ctx, IReadOnlyList<string> items, long shutdownAtMs, bool handlerFails)
    {
        var reported = new List<Exception>();
        void OnError(Exception error)
        {
            ctx.Instruments.Report(error);
            lock (reported)
            {
                reported.Add(error);
            }

            if (handlerFails)
            {
                throw error;
            }
        }

        using var shutdown = new CancellationTokenSource();
        using (ctx.Instruments.Clock.After(shutdownAtMs, shutdown.Cancel))
        {
            await impl(ctx.Instruments.Operation, items, OnError, shutdown.Token, ctx.CancellationToken).ConfigureAwait(false);
        }

        lock (reported)
        {
            return [.. reported];
        }
    }

    /// <summary>The runner's producer (spec/PROTOCOL.md §8): its n-th item is produced by the operation call <c>produce#n</c>.</summary>
    private static async IAsyncEnumerable<string> Produced(
        Instruments instruments, IReadOnlyList<string> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            await instruments.Operation("produce", cancellationToken).ConfigureAwait(false);
            yield return item;
        }
    }

    /// <summary>
    /// The service's caller (graceful-shutdown): submits each job at its instant and asks for the shutdown at
    /// <c>shutdown_at_ms</c>, on the run's loop. The shutdown is armed before the arrivals, so a job due at the shutdown's
    /// instant comes after it (rejected, the spec's R2); the result comes once the service has returned and every job has
    /// arrived.
    /// </summary>
    private static async Task<JsonObject> ServeJobsAsync(
        GracefulShutdownImplementation impl, GracefulShutdownOptions options, long shutdownAt, IReadOnlyList<(string Key, long At)> jobs, ScenarioContext ctx)
    {
        var service = impl(ctx.Instruments.Operation, ct => ctx.Instruments.OpenResourceAsync("service", ct), options, ctx.TimeProvider);
        var rejected = new List<string>();
        var errors = new List<Exception>();
        var allArrived = new TaskCompletionSource();
        var pending = jobs.Count;
        if (pending == 0)
        {
            allArrived.SetResult();
        }

        var clock = ctx.Instruments.Clock;
        var timers = new List<IDisposable> { clock.After(shutdownAt, service.Shutdown) };
        foreach (var (key, at) in jobs)
        {
            timers.Add(clock.After(at, () =>
            {
                try
                {
                    service.Submit(key);
                }
                catch (ServiceStoppedException)
                {
                    rejected.Add(key);
                }
                catch (Exception error)
                {
                    errors.Add(error); // not the rejection error: the pattern's outcome
                }

                if (--pending == 0)
                {
                    allArrived.SetResult();
                }
            }));
        }

        try
        {
            var report = await service.RunAsync(ctx.CancellationToken).ConfigureAwait(false);
            await allArrived.Task.WaitAsync(ctx.CancellationToken).ConfigureAwait(false);
            if (errors.Count > 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(errors[0]);
            }

            JsonArray Sorted(IEnumerable<string>? keys) =>
                new([.. (keys ?? []).Order(CodePointOrder.Instance).Select(key => (JsonNode?)key)]);
            return new JsonObject
            {
                ["completed"] = Sorted(report?.Completed),
                ["failed"] = Sorted(report?.Failed),
                ["cancelled"] = Sorted(report?.Cancelled),
                ["rejected"] = Sorted(rejected),
            };
        }
        finally
        {
            foreach (var timer in timers)
            {
                timer.Dispose();
            }
        }
    }

    /// <summary>Strings by Unicode code point, as Python's <c>sorted</c> orders them (not by UTF-16 unit).</summary>
    private sealed class CodePointOrder : IComparer<string>
    {
        public static readonly CodePointOrder Instance = new();

        public int Compare(string? x, string? y) =>
            ((x ?? string.Empty).EnumerateRunes().Select(rune => rune.Value).ToArray().AsSpan())
                .SequenceCompareTo((y ?? string.Empty).EnumerateRunes().Select(rune => rune.Value).ToArray());
    }

    private static PatternBinding Bind<TImplementation>(
        string id,
        IReadOnlyDictionary<string, TImplementation> antiPatterns,
        TImplementation reference,
        Func<TImplementation, JsonObject, Func<ScenarioContext, PatternRun>> prepare) =>
        new(id, antiPatterns.Keys, (impl, parameters) =>
            impl == "reference" ? Refusing(prepare, reference, parameters)
            : antiPatterns.TryGetValue(impl, out var antiPattern) ? Refusing(prepare, antiPattern, parameters)
            : null);

    private static PatternBinding BindMany<TFactory>(
        string id,
        IReadOnlyDictionary<string, TFactory> antiPatterns,
        TFactory reference,
        Func<TFactory, JsonObject, Func<ScenarioContext, Invoker>> prepare) =>
        new(
            id,
            antiPatterns.Keys,
            static (_, _) => null,
            (impl, parameters) =>
            {
                var factory = impl == "reference" ? reference : antiPatterns.TryGetValue(impl, out var antiPattern) ? antiPattern : default;
                if (factory is null)
                {
                    return null;
                }

                try
                {
                    return prepare(factory, parameters);
                }
                catch (ArgumentException refused)
                {
                    return _ => throw refused; // refused up front, when the instance is built
                }
            });

    /// <summary>
    /// <paramref name="prepare"/>, or — for a parameter the C# API cannot even take (a fractional count, a jitter it has no
    /// value for) — a run that fails at once with that <see cref="ArgumentException"/>: refused up front like one the
    /// options validate, the <c>invalid</c> kind of spec/PROTOCOL.md §6.
    /// </summary>
    private static Func<ScenarioContext, PatternRun> Refusing<TImplementation>(
        Func<TImplementation, JsonObject, Func<ScenarioContext, PatternRun>> prepare, TImplementation implementation, JsonObject parameters)
    {
        try
        {
            return prepare(implementation, parameters);
        }
        catch (ArgumentException refused)
        {
            return _ => new PatternRun(Task.FromException(refused), static () => null);
        }
    }

    /// <summary>Reading the pattern's parameters from <c>params</c>.</summary>
    private static class Param
    {
        public static JsonNode Required(JsonObject parameters, string name) =>
            parameters[name] ?? throw new BadRequestException("bad-request", $"params.{name} is required");

        public static double Number(JsonObject parameters, string name) => Json.Number(Required(parameters, name), $"params.{name}");

        /// <summary>A count the options take as an <see cref="int"/>: any other number is refused (<c>invalid</c>), not a bad request.</summary>
        public static int Count(JsonObject parameters, string name)
        {
            var value = Number(parameters, name);
            return double.IsInteger(value) && value is >= int.MinValue and <= int.MaxValue ? (int)value
                : throw new ArgumentException($"`{name}` must be an integer from 1 to {int.MaxValue}, got {value}", name);
        }

        /// <summary>A time in milliseconds; past what a <see cref="TimeSpan"/> holds it is cut to a value the options refuse.</summary>
        public static TimeSpan Milliseconds(JsonObject parameters, string name) => TimeParameter.FromMilliseconds(Number(parameters, name));

        public static string String(JsonObject parameters, string name) => Json.String(Required(parameters, name), $"params.{name}");

        /// <summary>An instant of the caller's (ms): an integer from 0 to <see cref="int.MaxValue"/>, else refused (<c>invalid</c>).</summary>
        public static long Instant(JsonObject parameters, string name) => Instant(Number(parameters, name), name);

        /// <summary>graceful-shutdown's <c>jobs</c>: each job's key and its arrival instant, in the order given.</summary>
        public static IReadOnlyList<(string Key, long At)> Jobs(JsonObject parameters) =>
            Required(parameters, "jobs") is JsonObject jobs
                ? [.. jobs.Select(job => (job.Key, Instant(Json.Number(job.Value ?? throw new BadRequestException("bad-request", $"params.jobs.{job.Key} is required"), $"params.jobs.{job.Key}"), $"jobs.{job.Key}")))]
                : throw new BadRequestException("bad-request", "params.jobs must be an object");

        private static long Instant(double value, string name) =>
            double.IsInteger(value) && value is >= 0 and <= int.MaxValue ? (long)value
            : throw new ArgumentException($"`{name}` must be an integer from 0 to {int.MaxValue}, got {value}", name);

        public static IReadOnlyList<string> Items(JsonObject parameters) =>
            Required(parameters, "items") is JsonArray items ? items.Select(Json.Key).ToArray()
            : throw new BadRequestException("bad-request", "params.items must be a list");
    }
}
