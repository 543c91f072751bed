using AsyncPatterns.Racing;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Racing;

/// <summary>Every default is the spec's: <c>spec/patterns/racing.yaml</c>, <c>params:</c>.</summary>
public class RacingConstantsTests
{
    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        Assert.Equal(["items", "hedge_ms"], Spec.Params("racing").Keys);
        Assert.Equal(TimeSpan.FromMilliseconds(Spec.Integer("racing", "hedge_ms")), RacingConstants.DefaultHedgeDelay);
        Assert.Equal(RacingConstants.DefaultHedgeDelay, new RacingOptions().HedgeDelay);
    }

    [Theory]
    [InlineData(0.4)]
    [InlineData(-1)]
    [InlineData(2147483648)]
    public void Validate_OutOfRange_NamesTheOption(double milliseconds)
    {
        var error = Assert.Throws<ArgumentException>(new RacingOptions { HedgeDelay = TimeSpan.FromMilliseconds(milliseconds) }.Validate);

        Assert.StartsWith("Invalid RacingOptions: `HedgeDelay` must be zero or from 00:00:00.0010000 to 24.20:31:23.6470000, got ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2147483647)]
    public void Validate_TheEdges_AreValid(double milliseconds) =>
        new RacingOptions { HedgeDelay = TimeSpan.FromMilliseconds(milliseconds) }.Validate();
}
