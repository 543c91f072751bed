// Polly v8 (Polly.Core) as a candidate of retry-backoff, timeout, racing (its hedging) and circuit-breaker, through the public seam only: each adapter
// translates the scenario's parameters into Polly's options and adds nothing (libraries/README.md, "The rules an adapter
// follows"). Polly waits on the run's virtual clock through ResiliencePipelineBuilder.TimeProvider, and draws its jitter
// through RetryStrategyOptions.Randomizer.
using AsyncConf.Runner.Candidates;
using Polly;
using Polly.CircuitBreaker;
using Polly.Hedging;
using Polly.Retry;
using Polly.Timeout;

var registry = new CandidateRegistry()
    .Add("retry-backoff", "polly", RetryAsync, RetryNotApplicable)
    .Add("timeout", "polly", TimeoutAsync)
    .Add("racing", "polly", HedgingAsync, HedgingNotApplicable)
    .Add("circuit-breaker", "polly", CreateCircuitBreaker, CircuitBreakerNotApplicable);
return CandidateRunner.Serve(registry);

// Retry: max_attempts counts every attempt, Polly's MaxRetryAttempts the retries. Retried: the spec's transient and
// timeout kinds (spec/PROTOCOL.md §6), as the reference's default predicate.
static async Task<object?> RetryAsync(CandidateContext ctx)
{
    var p = ctx.Parameters;
    var pipeline = new ResiliencePipelineBuilder { TimeProvider = ctx.TimeProvider }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>(),
            MaxRetryAttempts = p.Count("max_attempts") - 1,
            BackoffType = DelayBackoffType.Exponential,
            Delay = p.Time("base_delay_ms"),
            MaxDelay = p.Time("max_delay_ms"),
            Randomizer = ctx.Random,
        })
        .Build();
    return await pipeline.ExecuteAsync(static (ctx, ct) => new ValueTask<object?>(ctx.Operation("op", ct)), ctx, ctx.CancellationToken);
}

// What Polly cannot express: a single attempt (MaxRetryAttempts is validated from 1); its exponential backoff has the base 2 and no factor option; its only jitter (UseJitter) is
// decorrelated (DecorrelatedJitterBackoffV2), not the spec's proportional one, and no option takes another formula short
// of writing the delays ourselves (DelayGenerator), which would check the adapter, not Polly.
static string? RetryNotApplicable(CandidateParameters p) =>
    p.Number("max_attempts") == 1 ? "Polly retries at least once: MaxRetryAttempts is validated from 1, so one attempt alone cannot be asked for"
    : p.Number("factor") != 2 ? $"Polly's exponential backoff has the factor 2, fixed (DelayBackoffType.Exponential): no option takes {p.Number("factor")}"
    : p.String("jitter") != "none" ? "Polly's jitter (UseJitter) is decorrelated (DecorrelatedJitterBackoffV2), not the spec's proportional one: no option takes that formula"
    : null;

// Timeout: Polly's TimeoutRejectedException is the pattern's "no result" (null); anything else propagates as it is.
static async Task<object?> TimeoutAsync(CandidateContext ctx)
{
    var pipeline = new ResiliencePipelineBuilder { TimeProvider = ctx.TimeProvider }
        .AddTimeout(ctx.Parameters.Time("timeout_ms"))
        .Build();
    try
    {
        return await pipeline.ExecuteAsync(static (ctx, ct) => new ValueTask<object?>(ctx.Operation("op", ct)), ctx, ctx.CancellationToken);
    }
    catch (TimeoutRejectedException)
    {
        return null;
    }
}

// Racing: Polly's hedging. The callback Polly is given calls the first alternative; each hedged attempt's own context
// carries its attempt number, so the same callback calls that alternative (ActionGenerator, through Polly's own
// Callback). hedge_ms is Polly's Delay as it is (zero: Polly's parallel mode). Every failure is hedged on
// (ShouldHandle): the spec has no predicate, and an operation's own cancellation is a failure too (PROTOCOL.md §6).
static async Task<object?> HedgingAsync(CandidateContext ctx)
{
    var pipeline = new ResiliencePipelineBuilder<object?> { TimeProvider = ctx.TimeProvider }
        .AddHedging(new HedgingStrategyOptions<object?>
        {
            Delay = ctx.Parameters.Time("hedge_ms"),
            MaxHedgedAttempts = ctx.Parameters.Items.Count - 1,
            ShouldHandle = new PredicateBuilder<object?>().Handle<Exception>(),
            ActionGenerator = static args =>
            {
                args.ActionContext.Properties.Set(Alternative.Key, args.AttemptNumber);
                return () => args.Callback(args.ActionContext);
            },
        })
        .Build();
    var context = ResilienceContextPool.Shared.Get(ctx.CancellationToken);
    try
    {
        return await pipeline.ExecuteAsync(
            static async (context, ctx) => await ctx.Operation(ctx.Parameters.Items[context.Properties.GetValue(Alternative.Key, 0)], context.CancellationToken),
            context,
            ctx);
    }
    finally
    {
        ResilienceContextPool.Shared.Return(context);
    }
}

// What Polly cannot express: fewer than two alternatives or more than eleven (MaxHedgedAttempts, the hedged attempts
// besides the first, is validated from 1 to 10).
static string? HedgingNotApplicable(CandidateParameters p) =>
    p.Items.Count is < 2 or > 11
        ? $"Polly hedges 2 to 11 alternatives (MaxHedgedAttempts, the attempts besides the first, is validated from 1 to 10): {p.Items.Count} cannot be asked for"
        : null;

// Circuit breaker: one pipeline per run (the create step), each invocation one ExecuteAsync with its caller's token.
// Polly breaks on a failure ratio over a sampling window, the spec on a count of consecutive failures; what expresses the
// count: FailureRatio 1.0 (every sampled call failed) with MinimumThroughput = failure_threshold (at least that many), over
// the longest window Polly takes (SamplingDuration, validated up to 1 day; every scenario is shorter, and the spec's count has
// no window). That is the spec's count as long as no call succeeded in the window: a success does not start the count again,
// it stays in the window and keeps the ratio below 1 (until the circuit closes after a trial, which resets the window).
// break_ms goes through BreakDurationGenerator, Polly's hook for the break's length, as it is: BreakDuration itself is validated
// from 0.5 s, longer than most scenarios' breaks, and a value the spec refuses (negative) is Polly's to refuse or take.
// Which failures count is Polly's default ShouldHandle (every exception but OperationCanceledException): the adapter adds no
// predicate. A refused call throws Polly's BrokenCircuitException, the runner's circuit-open.
static CandidateInvoke CreateCircuitBreaker(CandidateContext ctx)
{
    var breakDuration = ctx.Parameters.Time("break_ms");
    var pipeline = new ResiliencePipelineBuilder { TimeProvider = ctx.TimeProvider }
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 1.0,
            MinimumThroughput = ctx.Parameters.Count("failure_threshold"),
            SamplingDuration = TimeSpan.FromDays(1),
            BreakDurationGenerator = _ => new ValueTask<TimeSpan>(breakDuration),
        })
        .Build();
    return (operation, ct) => pipeline.ExecuteAsync(static async (operation, token) => await operation(token), operation, ct).AsTask();
}

// What Polly cannot express: a circuit that opens on the first failure (MinimumThroughput is validated from 2). A threshold
// the spec refuses (0, negative) is not n/a: it runs, and Polly's refusal is recorded as it is.
static string? CircuitBreakerNotApplicable(CandidateParameters p) =>
    p.Number("failure_threshold") == 1
        ? "Polly's MinimumThroughput is validated from 2: a circuit that opens on the first failure (failure_threshold 1) cannot be asked for"
        : null;

/// <summary>The alternative a hedged attempt calls: its attempt number, kept in its own context's properties.</summary>
internal static class Alternative
{
    public static readonly ResiliencePropertyKey<int> Key = new("asyncconf.racing.alternative");
}
