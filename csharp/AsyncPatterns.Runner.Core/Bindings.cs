using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using AsyncPatterns.AntiPatterns;
using AsyncPatterns.BoundedConcurrency;
using AsyncPatterns.CancellationCleanup;
using AsyncPatterns.OffloadBlocking;
using AsyncPatterns.ParallelPartialFailures;
using AsyncPatterns.RetryBackoff;
using AsyncPatterns.TaskGroup;
using AsyncPatterns.Timeout;

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

    private PatternBinding(string id, IEnumerable<string> antiPatterns, Func<string, JsonObject, Func<ScenarioContext, PatternRun>?> prepare)
    {
        Id = id;
        Implementations = ["reference", .. antiPatterns.Order(StringComparer.Ordinal)];
        _prepare = prepare;
    }

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
        Bind("task-group", AntiPatternRegistry.TaskGroup<string, object?>(), TaskGroupStrategy.RunAsync, (impl, p) =>
        {
            var items = Param.Items(p);
            return ctx => PatternRun.Of(impl(ctx.Instruments.Operation, items, ctx.CancellationToken));
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

        return _prepare(impl, parameters);
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
        ["offload-blocking"] = """{"items": ["a", "b"], "max_workers": 2, "heartbeat_ms": 10}""",
    };

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
        IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(item => ToJson(item, origin))]),
        _ => JsonSerializer.SerializeToNode(value, value.GetType()),
    };

    private static PatternBinding Bind<TImplementation>(
        string id,
        IReadOnlyDictionary<string, TImplementation> antiPatterns,
        TImplementation reference,
        Func<TImplementation, JsonObject, Func<ScenarioContext, PatternRun>> prepare) =>
        new(id, antiPatterns.Keys, (impl, parameters) =>
            impl == "reference" ? Refusing(prepare, reference, parameters)
            : antiPatterns.TryGetValue(impl, out var antiPattern) ? Refusing(prepare, antiPattern, parameters)
            : null);

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
        public static TimeSpan Milliseconds(JsonObject parameters, string name) =>
            TimeSpan.FromMilliseconds(Math.Clamp(Number(parameters, name), -1e12, 1e12));

        public static string String(JsonObject parameters, string name) => Json.String(Required(parameters, name), $"params.{name}");

        public static IReadOnlyList<string> Items(JsonObject parameters) =>
            Required(parameters, "items") is JsonArray items ? items.Select(Json.Key).ToArray()
            : throw new BadRequestException("bad-request", "params.items must be a list");
    }
}
