using AsyncPatterns.CircuitBreaker;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.CircuitBreaker;

public class CircuitBreakerStrategyTests
{
    [Fact]
    public void ExecuteAsync_ThresholdReached_OpensAndRefusesAtOnceWithoutCalling()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(async time =>
        {
            op = new FakeOperation(time);
            var breaker = new CircuitBreakerStrategy(new CircuitBreakerOptions { FailureThreshold = 2, BreakDuration = TimeSpan.FromMilliseconds(100) }, time);
            var outcomes = new List<string>();
            foreach (var at in new long[] { 0, 20, 40 })
            {
                await Task.Delay(TimeSpan.FromMilliseconds(at - (long)time.GetElapsedTime(0).TotalMilliseconds), time).ConfigureAwait(false);
                outcomes.Add(await Outcome(breaker, ct => op.Call("op", 10, "v", ct, new HttpRequestException("down"))).ConfigureAwait(false));
            }

            return outcomes;
        });

        Assert.Equal(["HttpRequestException", "HttpRequestException", "BrokenCircuitException"], run.Result);
        Assert.Equal([0L, 20L], op!.CallTimes("op"));
        Assert.Equal(40, run.ElapsedMs);
    }

    [Fact]
    public void ExecuteAsync_AtTheInstantTheBreakEnds_IsTheTrialAndItsSuccessCloses()
    {
        var run = Virtual.Run(async time =>
        {
            var op = new FakeOperation(time);
            var breaker = new CircuitBreakerStrategy(new CircuitBreakerOptions { FailureThreshold = 1, BreakDuration = TimeSpan.FromMilliseconds(30) }, time);
            var first = await Outcome(breaker, ct => op.Call("op", 10, "v", ct, new TimeoutException())).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(29), time).ConfigureAwait(false); // 39
            var early = await Outcome(breaker, ct => op.Call("op", 5, "T", ct)).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(1), time).ConfigureAwait(false); // 40: opened at 10 + 30
            var trial = breaker.ExecuteAsync(ct => op.Call("op", 5, "T", ct));
            var during = await Outcome(breaker, ct => op.Call("op", 5, "X", ct)).ConfigureAwait(false);
            var value = await trial.ConfigureAwait(false);
            return (first, early, during, value, breaker.State);
        });

        Assert.Equal(("TimeoutException", "BrokenCircuitException", "BrokenCircuitException", "T", CircuitState.Closed), run.Result);
    }

    [Fact]
    public void ExecuteAsync_TrialCancelledByItsCaller_DoesNotCountAndTheNextCallIsTheTrial()
    {
        var run = Virtual.Run(async time =>
        {
            var op = new FakeOperation(time);
            var breaker = new CircuitBreakerStrategy(new CircuitBreakerOptions { FailureThreshold = 1, BreakDuration = TimeSpan.FromMilliseconds(50) }, time);
            await Outcome(breaker, ct => op.Call("op", 10, "v", ct, new HttpRequestException())).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(50), time).ConfigureAwait(false);
            using var caller = new CancellationTokenSource();
            var cancelled = Outcome(breaker, ct => op.Call<string>("op", null, "v", ct), caller.Token);
            caller.Cancel();
            var first = await cancelled.ConfigureAwait(false);
            var next = await breaker.ExecuteAsync(ct => op.Call("op", 10, "T", ct)).ConfigureAwait(false);
            return (first, next);
        });

        Assert.Equal(("TaskCanceledException", "T"), run.Result); // the fake operation's Task.Delay, cancelled by the caller's token
    }

    [Fact]
    public void ExecuteAsync_OwnCancellation_CountsAsAFailure()
    {
        var run = Virtual.Run(async time =>
        {
            var op = new FakeOperation(time);
            var breaker = new CircuitBreakerStrategy(new CircuitBreakerOptions { FailureThreshold = 1 }, time);
            var own = new OperationCanceledException("the server cancelled it");
            var first = await Outcome(breaker, ct => op.Call("op", 10, "v", ct, own)).ConfigureAwait(false);
            return (first, breaker.State);
        });

        Assert.Equal(("OperationCanceledException", CircuitState.Open), run.Result);
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, -1)]
    [InlineData(1, 2147483648.0)]
    public void Constructor_OptionOutOfRange_IsRefusedNamingIt(int threshold, double breakMs)
    {
        var options = new CircuitBreakerOptions { FailureThreshold = threshold, BreakDuration = TimeSpan.FromMilliseconds(breakMs) };

        var error = Assert.Throws<ArgumentException>(() => new CircuitBreakerStrategy(options));

        Assert.StartsWith("Invalid CircuitBreakerOptions: `", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        Assert.Equal(["break_ms", "failure_threshold"], Spec.Params("circuit-breaker").Keys.Order(StringComparer.Ordinal));
        Assert.Equal(CircuitBreakerConstants.DefaultFailureThreshold, Spec.Integer("circuit-breaker", "failure_threshold"));
        Assert.Equal(TimeSpan.FromMilliseconds(Spec.Integer("circuit-breaker", "break_ms")), CircuitBreakerConstants.DefaultBreakDuration);
        var options = new CircuitBreakerOptions();
        Assert.Equal((CircuitBreakerConstants.DefaultFailureThreshold, CircuitBreakerConstants.DefaultBreakDuration), (options.FailureThreshold, options.BreakDuration));
    }

    private static async Task<string> Outcome(CircuitBreakerStrategy breaker, Func<CancellationToken, Task<string>> operation, CancellationToken cancellationToken = default)
    {
        try
        {
            return await breaker.ExecuteAsync(operation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            return error.GetType().Name;
        }
    }
}
