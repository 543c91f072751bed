using AsyncPatterns.OffloadBlocking;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.OffloadBlocking;

/// <summary>Every default is the spec's: <c>spec/patterns/offload-blocking.yaml</c>, <c>params:</c>.</summary>
public class OffloadBlockingConstantsTests
{
    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        // `items` is the scenarios' input and `heartbeat_ms` the runner's heartbeat, not options of the algorithm.
        Assert.Equal(["heartbeat_ms", "items", "max_workers"], Spec.Params("offload-blocking").Keys.Order(StringComparer.Ordinal));
        Assert.Equal(OffloadBlockingConstants.DefaultMaxWorkers, Spec.Integer("offload-blocking", "max_workers"));
        Assert.Equal(OffloadBlockingConstants.DefaultMaxWorkers, new OffloadBlockingOptions().MaxWorkers);
    }
}
