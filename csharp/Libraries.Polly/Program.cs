// Polly v8 (Polly.Core) as a candidate of retry-backoff, timeout and racing (its hedging), through the public seam only: each adapter
// translates the scenario's parameters into Polly's options and adds nothing (libraries/README.md, "The rules an adapter
// follows"). Polly waits on the run's virtual clock through ResiliencePipelineBuilder.TimeProvider, and draws its jitter
// through RetryStrategyOptions.Randomizer.
using AsyncConf.Runner.Candidates;
using Polly;
using Polly.Hedging;
using Polly.Retry;
using Polly.Timeout;

var registry = new CandidateRegistry()
    .Add("retry-backoff", "polly", RetryAsync, RetryNotApplicable)
    .Add("timeout", "polly", TimeoutAsync)
    .Add("racing", "polly", HedgingAsync, HedgingNotApplicable);
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

/// <summary>The alternative a hedged attempt calls: its attempt number, kept in its own context's properties.</summary>
internal static class Alternative
{
    public static readonly ResiliencePropertyKey<int> Key = new("asyncconf.racing.alternative");
}
