using AsyncPatterns.RetryBackoff;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.RetryBackoff;

public class RetryBackoffStrategyTests
{
    private static readonly RetryBackoffOptions Fast = new() { BaseDelay = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public void ExecuteAsync_FirstAttemptSucceeds_ReturnsAtOnce()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RetryBackoffStrategy.ExecuteAsync(ct => op.Call("op", 10, "data", ct), Fast, time);
        });

        Assert.Equal("data", run.Result);
        Assert.Equal(10, run.ElapsedMs);
        Assert.Equal(1, op!.Calls);
    }

    [Fact]
    public void ExecuteAsync_TransientFailures_RetriesAfterGrowingDelays()
    {
        FakeOperation? op = null;
        var attempt = 0;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RetryBackoffStrategy.ExecuteAsync(
                ct => ++attempt < 3 ? op.Call("op", 10, "", ct, new HttpRequestException("down")) : op.Call("op", 10, "data", ct),
                Fast,
                time);
        });

        Assert.Equal("data", run.Result);
        Assert.Equal([0, 110, 320], op!.CallTimes("op"));
        Assert.Equal(330, run.ElapsedMs);
    }

    [Fact]
    public void ExecuteAsync_EveryAttemptFails_ThrowsTheLastErrorUnchanged()
    {
        var errors = new List<Exception>();
        var run = Virtual.Run(time =>
        {
            var op = new FakeOperation(time);
            return RetryBackoffStrategy.ExecuteAsync(
                ct =>
                {
                    var error = new HttpRequestException($"down {errors.Count + 1}");
                    errors.Add(error);
                    return op.Call("op", 10, "", ct, error);
                },
                Fast,
                time);
        });

        Assert.Equal(3, errors.Count);
        Assert.Same(errors[^1], run.Error);
        Assert.Equal(330, run.ElapsedMs);
    }

    [Fact]
    public void ExecuteAsync_DelayGrowsPastMaxDelay_WaitsTheCap()
    {
        FakeOperation? op = null;
        var options = new RetryBackoffOptions { MaxAttempts = 5, BaseDelay = TimeSpan.FromMilliseconds(100), Factor = 3, MaxDelay = TimeSpan.FromMilliseconds(250) };
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RetryBackoffStrategy.ExecuteAsync(ct => op.Call("op", 10, "", ct, new HttpRequestException()), options, time);
        });

        Assert.IsType<HttpRequestException>(run.Error);
        Assert.Equal([0, 110, 370, 630, 890], op!.CallTimes("op"));
        Assert.Equal(900, run.ElapsedMs);
    }

    [Fact]
    public void ExecuteAsync_ProportionalJitter_AppliesAfterTheCap()
    {
        FakeOperation? op = null;
        var draws = new Queue<double>([0.25, 0.75, 0.5]);
        var options = new RetryBackoffOptions
        {
            MaxAttempts = 4,
            BaseDelay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromMilliseconds(160),
            Jitter = RetryJitter.Proportional,
            Randomizer = draws.Dequeue,
        };
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RetryBackoffStrategy.ExecuteAsync(ct => op.Call("op", 10, "", ct, new HttpRequestException()), options, time);
        });

        Assert.IsType<HttpRequestException>(run.Error);
        Assert.Equal([0, 85, 295, 465], op!.CallTimes("op"));
        Assert.Empty(draws);
    }

    [Fact]
    public void ExecuteAsync_FatalFailure_PropagatesAtOnceWithoutRetry()
    {
        FakeOperation? op = null;
        var fatal = new InvalidOperationException("bad");
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RetryBackoffStrategy.ExecuteAsync(ct => op.Call("op", 10, "", ct, fatal), Fast, time);
        });

        Assert.Same(fatal, run.Error);
        Assert.Equal(1, op!.Calls);
        Assert.Equal(10, run.ElapsedMs);
    }

    [Fact]
    public void ExecuteAsync_TimeoutFailure_IsRetried()
    {
        FakeOperation? op = null;
        var attempt = 0;
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RetryBackoffStrategy.ExecuteAsync(
                ct => ++attempt == 1 ? op.Call("op", 10, "", ct, new TimeoutException()) : op.Call("op", 10, "data", ct),
                Fast,
                time);
        });

        Assert.Equal("data", run.Result);
        Assert.Equal([0, 110], op!.CallTimes("op"));
    }

    [Fact]
    public void ExecuteAsync_OperationThrowsCancellation_PropagatesWithoutRetry()
    {
        FakeOperation? op = null;
        var cancelled = new OperationCanceledException("own");
        var options = new RetryBackoffOptions { BaseDelay = TimeSpan.FromMilliseconds(100), ShouldRetry = _ => true };
        var run = Virtual.Run(time =>
        {
            op = new FakeOperation(time);
            return RetryBackoffStrategy.ExecuteAsync(ct => op.Call("op", 10, "", ct, cancelled), options, time);
        });

        Assert.Same(cancelled, run.Error);
        Assert.Equal(1, op!.Calls);
    }

    [Fact]
    public void ExecuteAsync_CanceledDuringAttempt_PropagatesCancellation()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                return RetryBackoffStrategy.ExecuteAsync(token => op.Call<string>("op", null, "", token), Fast, time, ct);
            },
            cancelAtMs: 50);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(50, run.ElapsedMs);
        Assert.Equal(["call op 0", "cancel op 50"], op!.Log);
    }

    [Fact]
    public void ExecuteAsync_CanceledDuringDelay_EnsureNotExecutedAgain()
    {
        FakeOperation? op = null;
        var run = Virtual.Run(
            (time, ct) =>
            {
                op = new FakeOperation(time);
                return RetryBackoffStrategy.ExecuteAsync(token => op.Call("op", 10, "", token, new HttpRequestException()), Fast, time, ct);
            },
            cancelAtMs: 50);

        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(50, run.ElapsedMs);
        Assert.Equal(1, op!.Calls);
    }

    [Fact]
    public void ExecuteAsync_InvalidOptions_ThrowsBeforeTheFirstAttempt()
    {
        var calls = 0;
        var options = new RetryBackoffOptions { MaxAttempts = 0 };

        var error = Assert.Throws<ArgumentException>(() => { _ = RetryBackoffStrategy.ExecuteAsync(_ => Task.FromResult(++calls), options); });

        Assert.Contains("`MaxAttempts` must be at least 1, got 0", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, calls);
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(30, 60000)]
    public void GetDelay_Defaults_GrowsByFactorUpToMaxDelay(int attempt, double expectedMs)
    {
        var options = new RetryBackoffOptions { BaseDelay = TimeSpan.FromMilliseconds(100) };

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), RetryBackoffStrategy.GetDelay(attempt, options));
    }

    [Fact]
    public void GetDelay_HugeExponent_StaysAtMaxDelay()
    {
        var options = new RetryBackoffOptions { Factor = 10 };

        Assert.Equal(options.MaxDelay, RetryBackoffStrategy.GetDelay(1000, options));
    }

    [Fact]
    public void GetDelay_JitteredPastMaxSupportedDelay_IsClampedToIt()
    {
        var options = new RetryBackoffOptions
        {
            BaseDelay = RetryBackoffConstants.MaxSupportedDelay,
            MaxDelay = RetryBackoffConstants.MaxSupportedDelay,
            Jitter = RetryJitter.Proportional,
            Randomizer = () => 0.99,
        };

        Assert.Equal(RetryBackoffConstants.MaxSupportedDelay, RetryBackoffStrategy.GetDelay(1, options));
    }

    [Fact]
    public void GetDelay_ZeroBaseDelayOnceTheFactorOverflows_IsZero()
    {
        // Factor^(attempt - 1) is infinite by attempt 1100, and 0 * infinity is NaN.
        var options = new RetryBackoffOptions { BaseDelay = TimeSpan.Zero, Factor = 2 };

        Assert.Equal(TimeSpan.Zero, RetryBackoffStrategy.GetDelay(1100, options));
    }

    [Fact]
    public void ExecuteAsync_ValidOptionsNearMaxSupportedDelay_WaitTheDelayInsteadOfThrowing()
    {
        var options = new RetryBackoffOptions
        {
            MaxAttempts = 2,
            BaseDelay = RetryBackoffConstants.MaxSupportedDelay,
            MaxDelay = RetryBackoffConstants.MaxSupportedDelay,
            Jitter = RetryJitter.Proportional,
            Randomizer = () => 0.99,
        };
        var run = Virtual.Run(
            (time, ct) => RetryBackoffStrategy.ExecuteAsync(token => new FakeOperation(time).Call("op", 10, "", token, new HttpRequestException("down")), options, time, ct),
            cancelAtMs: 1000);

        // Cancelled during the (clamped) delay, not ArgumentOutOfRangeException from Task.Delay after the first attempt.
        Assert.IsAssignableFrom<OperationCanceledException>(run.Error);
        Assert.Equal(1000, run.ElapsedMs);
    }
}

