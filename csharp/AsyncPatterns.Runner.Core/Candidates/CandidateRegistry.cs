using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AsyncConf.Runner.Candidates;

/// <summary>Runs one scenario of a candidate: returns the pattern's value (spec/PROTOCOL.md §8) or throws its failure.</summary>
/// <param name="context">The run's operation, clock, cancellation, random draws and parameters.</param>
/// <returns>The pattern's value: a JSON node, a string, a list, <c>PartialResults</c> or null ("no result").</returns>
public delegate Task<object?> CandidateRun(CandidateContext context);

/// <summary>
/// The create step of a pattern invoked many times (<c>invoked: many</c>, spec/PROTOCOL.md §2, "Invocations": a circuit
/// breaker, an async lock): builds the run's <em>one</em> instance from the parameters, on the run's clock, before any
/// invocation, and returns what each caller's invocation calls on it. What it throws -- a parameter refused up front -- is
/// the run's outcome, at 0 ms, and no invocation starts.
/// </summary>
/// <param name="context">The run's clock, random draws and parameters; its <see cref="CandidateContext.CancellationToken"/> is the run's, cancelled when the run ends.</param>
/// <returns>One invocation of the instance.</returns>
public delegate CandidateInvoke CandidateCreate(CandidateContext context);

/// <summary>One caller's invocation of the instance <see cref="CandidateCreate"/> built (<c>breaker.ExecuteAsync(operation, ct)</c>).</summary>
/// <param name="operation">The injected operation with the invocation's key; call it with the token it must honour.</param>
/// <param name="cancellationToken">This caller's own cancellation (its <c>cancel_at_ms</c>).</param>
/// <returns>The invocation's value (spec/PROTOCOL.md §8), or its failure.</returns>
public delegate Task<object?> CandidateInvoke(Func<CancellationToken, Task<object?>> operation, CancellationToken cancellationToken);

/// <summary>
/// Your own implementations of the spec's patterns -- <em>candidates</em> (spec/PROTOCOL.md §2) -- served by a runner of
/// your own on the project's virtual time, fault plans and instruments:
/// <code>
/// var registry = new CandidateRegistry()
///     .Add("timeout", "mine", ctx => MyTimeout.RunAsync(ct => ctx.Operation("op", ct), ctx.Parameters.Time("timeout_ms"), ctx.TimeProvider, ctx.CancellationToken));
/// return CandidateRunner.Serve(registry);
/// </code>
/// The harness checks them (<c>asyncconf run --runner 'csharp=dotnet My.dll' --impl candidates</c>): the checker is the
/// harness's, the same for every language; this runner only runs and reports.
/// </summary>
public sealed class CandidateRegistry
{
    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Dictionary<string, SortedDictionary<string, Candidate>> _patterns = new(StringComparer.Ordinal);
    // Runs are sequential in a process, every registry's alike: the virtual loop reads process-wide thread-pool counters.
    private static readonly object RunGate = new();
    private bool _warm;

    /// <summary>
    /// Registers <paramref name="run"/> as the candidate <paramref name="id"/> of <paramref name="pattern"/>, a pattern
    /// called once per run (for one invoked many times, register a <see cref="CandidateCreate"/>).
    /// </summary>
    /// <param name="pattern">A pattern of the spec (<c>retry-backoff</c>, <c>timeout</c>, ...).</param>
    /// <param name="id">The candidate's id, its rows' name (<c>polly</c>, <c>mine</c>); not <c>reference</c> nor an anti-pattern's id.</param>
    /// <param name="run">Runs one scenario.</param>
    /// <param name="notApplicable">
    /// For a scenario whose parameters the implementation cannot express (a fixed cap, no factor option, no hook for the
    /// random source): the reason, and the harness reports the scenario <c>n/a</c> -- never a pass, never a fail. Null:
    /// the implementation can take it.
    /// </param>
    /// <returns>This registry.</returns>
    public CandidateRegistry Add(string pattern, string id, CandidateRun run, Func<CandidateParameters, string?>? notApplicable = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Add(pattern, id, new Candidate(run, null, notApplicable));
    }

    /// <summary>
    /// Registers the candidate <paramref name="id"/> of <paramref name="pattern"/>, a pattern invoked many times
    /// (<c>invoked: many</c>: circuit-breaker, async-lock): <paramref name="create"/> builds one instance per run, and each
    /// of the scenario's invocations calls what it returned, with its own key and cancellation.
    /// <code>
    /// registry.Add("circuit-breaker", "mine", ctx =>
    /// {
    ///     var breaker = new MyBreaker(ctx.Parameters.Count("failure_threshold"), ctx.Parameters.Time("break_ms"), ctx.TimeProvider);
    ///     return (operation, ct) => breaker.ExecuteAsync(operation, ct);
    /// });
    /// </code>
    /// </summary>
    /// <param name="pattern">A pattern of the spec invoked many times.</param>
    /// <param name="id">The candidate's id; not <c>reference</c> nor an anti-pattern's id.</param>
    /// <param name="create">Builds the run's one instance.</param>
    /// <param name="notApplicable">As for a pattern called once: the reason the implementation cannot take a scenario, or null.</param>
    /// <returns>This registry.</returns>
    public CandidateRegistry Add(string pattern, string id, CandidateCreate create, Func<CandidateParameters, string?>? notApplicable = null)
    {
        ArgumentNullException.ThrowIfNull(create);
        return Add(pattern, id, new Candidate(null, create, notApplicable));
    }

    private CandidateRegistry Add(string pattern, string id, Candidate candidate)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (!PatternBinding.All.TryGetValue(pattern, out var binding))
        {
            throw new ArgumentException($"unknown pattern '{pattern}' (known: {string.Join(", ", PatternBinding.All.Keys.Order(StringComparer.Ordinal))})", nameof(pattern));
        }

        if (binding.Invoked != candidate.Invoked)
        {
            throw new ArgumentException(
                binding.Invoked
                    ? $"pattern '{pattern}' is invoked many times (spec/PROTOCOL.md §2, \"Invocations\"): register a create step (CandidateCreate) that builds its one instance"
                    : $"pattern '{pattern}' is called once: register a run (CandidateRun), not a create step",
                nameof(pattern));
        }

        if (binding.Implementations.Contains(id, StringComparer.Ordinal))
        {
            throw new ArgumentException($"'{id}' is ours ({(id == "reference" ? "the reference" : "an anti-pattern")}): give your implementation an id of its own", nameof(id));
        }

        var candidates = _patterns.TryGetValue(pattern, out var found) ? found : _patterns[pattern] = new(StringComparer.Ordinal);
        if (!candidates.TryAdd(id, candidate))
        {
            throw new ArgumentException($"'{id}' is already a candidate of {pattern}", nameof(id));
        }

        return this;
    }

    /// <summary>The candidates by pattern, as <c>describe</c> lists them: patterns and ids sorted.</summary>
    /// <returns>Candidate ids by pattern id.</returns>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Implementations() =>
        _patterns.OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .ToDictionary(entry => entry.Key, entry => (IReadOnlyList<string>)[.. entry.Value.Keys], StringComparer.Ordinal);

    /// <summary>
    /// Answers one request of the runner protocol (spec/PROTOCOL.md §2) for these candidates: <c>describe</c> lists them
    /// (and only them), <c>run</c> runs one on the scenario's virtual time, <c>check_api</c> as our runner does. Never throws.
    /// </summary>
    /// <param name="requestJson">The request, a JSON object.</param>
    /// <returns>The answer, compact JSON on one line.</returns>
    public string Handle(string requestJson)
    {
        JsonObject answer;
        try
        {
            answer = HandleRequest(JsonNode.Parse(requestJson ?? string.Empty));
        }
        catch (JsonException error)
        {
            answer = ErrorAnswer(null, "bad-request", $"not JSON: {error.Message}");
        }

        return answer.ToJsonString(WriteOptions);
    }

    private JsonObject HandleRequest(JsonNode? request)
    {
        if (request is not JsonObject fields || (fields["op"] is { } op && !(op.GetValueKind() == JsonValueKind.String && op.GetValue<string>() == "run")))
        {
            var answer = Protocol.HandleRequest(request); // bad requests, check_api, describe: as our runner answers them
            if (answer["patterns"] is JsonObject)
            {
                answer["patterns"] = new JsonObject(Implementations().Select(entry =>
                    KeyValuePair.Create(entry.Key, (JsonNode?)new JsonArray([.. entry.Value.Select(id => (JsonNode?)id)]))));
            }

            return answer;
        }

        var id = fields["id"]?.DeepClone();
        try
        {
            var run = RunRequest.Parse(fields);
            if (!PatternBinding.All.ContainsKey(run.Pattern) || !_patterns.TryGetValue(run.Pattern, out var candidates))
            {
                throw new BadRequestException("unknown-pattern", $"no candidate of pattern '{run.Pattern}' here");
            }

            if (!candidates.TryGetValue(run.Impl, out var candidate))
            {
                throw new BadRequestException("unknown-impl", $"pattern '{run.Pattern}' has no candidate '{run.Impl}' here ({string.Join(", ", candidates.Keys)})");
            }

            if (candidate.Invoked != run.Invocations is not null)
            {
                throw new BadRequestException(
                    "bad-request",
                    $"pattern '{run.Pattern}' {(candidate.Invoked ? "needs `invocations`" : "takes no `invocations` (it is called once)")}");
            }

            var parameters = new CandidateParameters(run.Params);
            if (candidate.NotApplicable?.Invoke(parameters) is { } reason)
            {
                throw new BadRequestException("not-applicable", reason);
            }

            JsonObject result;
            lock (RunGate)
            {
                WarmUp();
                result = Run(run, candidate);
            }

            var answer = new JsonObject { ["id"] = id };
            foreach (var (key, value) in result.ToArray())
            {
                result.Remove(key);
                answer[key] = value;
            }

            return answer;
        }
        catch (BadRequestException error)
        {
            return ErrorAnswer(id, error.Kind, error.Message);
        }
        catch (Exception error)
        {
            return ErrorAnswer(id, "internal", $"{error.GetType().Name}: {error.Message}");
        }
    }

    private static JsonObject Run(RunRequest run, Candidate candidate)
    {
        var parameters = new CandidateParameters(run.Params);
        if (candidate.Create is { } create)
        {
            // As the bindings' create step (Bindings.cs, BindMany): one instance per run, each invocation its own call.
            return ScenarioRunner.Run(run, static _ => throw new UnreachableException(), context =>
            {
                var invoke = create(new CandidateContext(context, parameters));
                return (key, token) => PatternRun.Of(invoke(ct => context.Instruments.Operation(key, ct), token));
            });
        }

        return ScenarioRunner.Run(run, context => PatternRun.Of(candidate.Run!(new CandidateContext(context, parameters))));
    }

    /// <summary>
    /// Before the first run, each candidate runs its pattern's warm-up scenario once, discarded: the first call JITs the
    /// library (over 100 ms of real time for Polly), which the loop-lag watch would take for a blocked loop (PROTOCOL.md §5).
    /// </summary>
    private void WarmUp()
    {
        if (_warm)
        {
            return;
        }

        _warm = true;
        foreach (var request in ScenarioRunner.WarmUpRequests)
        {
            var fields = JsonNode.Parse(request)!.AsObject();
            var pattern = fields["pattern"]!.GetValue<string>();
            foreach (var (id, candidate) in _patterns.GetValueOrDefault(pattern) ?? [])
            {
                fields["impl"] = id;
                var run = RunRequest.Parse(fields);
                try
                {
                    if (candidate.NotApplicable?.Invoke(new CandidateParameters(run.Params)) is null)
                    {
                        Run(run, candidate);
                    }
                }
                catch (Exception error) when (error is not OutOfMemoryException)
                {
                    // A warm-up only loads code: what it answers, or throws, is not a run of the scenario.
                }
            }
        }
    }

    private static JsonObject ErrorAnswer(JsonNode? id, string kind, string message) =>
        new() { ["id"] = id?.DeepClone(), ["error"] = new JsonObject { ["kind"] = kind, ["message"] = message } };

    /// <summary>A candidate: a <see cref="Run"/> for a pattern called once, a <see cref="Create"/> step for one invoked many times.</summary>
    private sealed record Candidate(CandidateRun? Run, CandidateCreate? Create, Func<CandidateParameters, string?>? NotApplicable)
    {
        public bool Invoked => Create is not null;
    }
}
