using AsyncPatterns.Tests.TestSupport;
using AsyncPatterns.Timeout;

namespace AsyncPatterns.Tests.Timeout;

/// <summary>Every default is the spec's: <c>spec/patterns/timeout.yaml</c>, <c>params:</c>.</summary>
public class TimeoutConstantsTests
{
    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        Assert.Equal(["timeout_ms"], Spec.Params("timeout").Keys);
        Assert.Equal(TimeSpan.FromMilliseconds(Spec.Integer("timeout", "timeout_ms")), TimeoutConstants.DefaultTimeout);
        Assert.Equal(TimeoutConstants.DefaultTimeout, new TimeoutOptions().Timeout);
    }

    [Fact]
    public void Validate_TooLong_NamesTheOption()
    {
        var error = Assert.Throws<ArgumentException>(new TimeoutOptions { Timeout = TimeSpan.FromDays(50) }.Validate);

        Assert.Equal("Invalid TimeoutOptions: `Timeout` must be from 00:00:00.0010000 to 24.20:31:23.6470000, got 50.00:00:00. (Parameter 'options')", error.Message);
    }
}
