using AsyncPatterns.Backpressure;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Backpressure;

/// <summary>Every default is the spec's: <c>spec/patterns/backpressure.yaml</c>, <c>params:</c>.</summary>
public class BackpressureConstantsTests
{
    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        // `items` is the scenarios' input (the runner's producer yields them), not an option of the algorithm.
        Assert.Equal(["capacity", "items", "workers"], Spec.Params("backpressure").Keys.Order(StringComparer.Ordinal));
        Assert.Equal(BackpressureConstants.DefaultCapacity, Spec.Integer("backpressure", "capacity"));
        Assert.Equal(BackpressureConstants.DefaultWorkers, Spec.Integer("backpressure", "workers"));
        Assert.Equal(BackpressureConstants.DefaultCapacity, new BackpressureOptions().Capacity);
        Assert.Equal(BackpressureConstants.DefaultWorkers, new BackpressureOptions().Workers);
    }
}
