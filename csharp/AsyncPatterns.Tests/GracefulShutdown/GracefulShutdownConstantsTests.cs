using AsyncPatterns.GracefulShutdown;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.GracefulShutdown;

/// <summary>Every default is the spec's: <c>spec/patterns/graceful-shutdown.yaml</c>, <c>params:</c>.</summary>
public class GracefulShutdownConstantsTests
{
    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        // jobs, shutdown_at_ms and close_ms are the caller's and the runner's resource's, not the service's options.
        Assert.Equal(["jobs", "shutdown_at_ms", "drain_ms", "close_ms"], Spec.Params("graceful-shutdown").Keys);
        Assert.Equal(TimeSpan.FromMilliseconds(Spec.Integer("graceful-shutdown", "drain_ms")), GracefulShutdownConstants.DefaultDrain);
        Assert.Equal(GracefulShutdownConstants.DefaultDrain, new GracefulShutdownOptions().Drain);
        Assert.Equal(TimeSpan.FromMilliseconds(int.MaxValue), GracefulShutdownConstants.MaxDrain);
    }

    [Fact]
    public void Validate_NegativeDrain_NamesTheOption()
    {
        var error = Assert.Throws<ArgumentException>(new GracefulShutdownOptions { Drain = TimeSpan.FromMilliseconds(-1) }.Validate);

        Assert.Equal("Invalid GracefulShutdownOptions: `Drain` must be from 00:00:00 to 24.20:31:23.6470000, got -00:00:00.0010000. (Parameter 'options')", error.Message);
    }
}
