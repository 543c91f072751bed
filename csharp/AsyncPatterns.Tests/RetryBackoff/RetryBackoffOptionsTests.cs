using AsyncPatterns.RetryBackoff;

namespace AsyncPatterns.Tests.RetryBackoff;

public class RetryBackoffOptionsTests
{
    [Fact]
    public void Validate_Defaults_Passes() => new RetryBackoffOptions().Validate();

    [Fact]
    public void Validate_EveryOptionInvalid_ReportsEachByName()
    {
        var options = new RetryBackoffOptions
        {
            MaxAttempts = 0,
            BaseDelay = TimeSpan.FromMilliseconds(-1),
            Factor = 0.5,
            MaxDelay = TimeSpan.FromDays(100),
            Jitter = (RetryJitter)7,
            Randomizer = null!,
            ShouldRetry = null!,
        };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal("options", error.ParamName);
        Assert.StartsWith("Invalid RetryBackoffOptions: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("`MaxAttempts` must be at least 1, got 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("`BaseDelay` must be between 0 and 24.20:31:23.6470000, got -00:00:00.0010000", error.Message, StringComparison.Ordinal);
        Assert.Contains("`Factor` must be a finite number of at least 1, got 0.5", error.Message, StringComparison.Ordinal);
        Assert.Contains("`MaxDelay` must be between 0 and", error.Message, StringComparison.Ordinal);
        Assert.Contains("`Jitter` must be None or Proportional, got 7", error.Message, StringComparison.Ordinal);
        Assert.Contains("`Randomizer` must not be null", error.Message, StringComparison.Ordinal);
        Assert.Contains("`ShouldRetry` must not be null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InfiniteFactor_IsRejected()
    {
        var error = Assert.Throws<ArgumentException>(new RetryBackoffOptions { Factor = double.PositiveInfinity }.Validate);

        Assert.Contains("`Factor`", error.Message, StringComparison.Ordinal);
    }
}
