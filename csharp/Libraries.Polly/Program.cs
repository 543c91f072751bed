// Polly v8 (Polly.Core) as a candidate of retry-backoff and timeout, through the public seam only: each adapter
// translates the scenario's parameters into Polly's options and adds nothing (libraries/README.md, "The rules an adapter
// follows"). Polly waits on the run's virtual clock through ResiliencePipelineBuilder.TimeProvider, and draws its jitter
// through RetryStrategyOptions.Randomizer.
using AsyncConf.Runner.Candidates;
using Polly;
using Polly.Retry;
using Polly.Timeout;

var registry = new CandidateRegistry()
    .Add("retry-backoff", "polly", RetryAsync, RetryNotApplicable)
    .Add("timeout", "polly", TimeoutAsync);
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
