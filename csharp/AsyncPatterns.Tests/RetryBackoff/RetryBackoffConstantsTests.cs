using AsyncPatterns.RetryBackoff;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.RetryBackoff;

/// <summary>Every default is the spec's: <c>spec/patterns/retry-backoff.yaml</c>, <c>params:</c>.</summary>
public class RetryBackoffConstantsTests
{
    private const string Pattern = "retry-backoff";

    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        Assert.Equal(RetryBackoffConstants.DefaultMaxAttempts, Spec.Integer(Pattern, "max_attempts"));
        Assert.Equal(TimeSpan.FromMilliseconds(Spec.Integer(Pattern, "base_delay_ms")), RetryBackoffConstants.DefaultBaseDelay);
        Assert.Equal(RetryBackoffConstants.DefaultFactor, Spec.Integer(Pattern, "factor"));
        Assert.Equal(TimeSpan.FromMilliseconds(Spec.Integer(Pattern, "max_delay_ms")), RetryBackoffConstants.DefaultMaxDelay);
        Assert.Equal(Spec.Params(Pattern)["jitter"], RetryBackoffConstants.DefaultJitter.ToString().ToLowerInvariant());
    }

    [Fact]
    public void SpecParams_AreAllPinned() =>
        Assert.Equal(["base_delay_ms", "factor", "jitter", "max_attempts", "max_delay_ms"], Spec.Params(Pattern).Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Options_StartAtTheDefaults()
    {
        var options = new RetryBackoffOptions();

        Assert.Equal(RetryBackoffConstants.DefaultMaxAttempts, options.MaxAttempts);
        Assert.Equal(RetryBackoffConstants.DefaultBaseDelay, options.BaseDelay);
        Assert.Equal(RetryBackoffConstants.DefaultFactor, options.Factor);
        Assert.Equal(RetryBackoffConstants.DefaultMaxDelay, options.MaxDelay);
        Assert.Equal(RetryBackoffConstants.DefaultJitter, options.Jitter);
        Assert.NotNull(options.Randomizer);
        Assert.Same(options.ShouldRetry.Method, ((Func<Exception, bool>)RetryBackoffConstants.IsTransientOrTimeout).Method);
    }

    [Theory]
    [InlineData(typeof(HttpRequestException), true)]
    [InlineData(typeof(TimeoutException), true)]
    [InlineData(typeof(InvalidOperationException), false)]
    [InlineData(typeof(OperationCanceledException), false)]
    public void IsTransientOrTimeout_ByType_RetriesTransientAndTimeoutOnly(Type type, bool retried) =>
        Assert.Equal(retried, RetryBackoffConstants.IsTransientOrTimeout((Exception)Activator.CreateInstance(type)!));
}
