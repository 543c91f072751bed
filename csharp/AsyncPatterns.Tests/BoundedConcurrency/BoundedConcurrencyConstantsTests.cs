using AsyncPatterns.BoundedConcurrency;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.BoundedConcurrency;

/// <summary>Every default is the spec's: <c>spec/patterns/bounded-concurrency.yaml</c>, <c>params:</c>.</summary>
public class BoundedConcurrencyConstantsTests
{
    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        // `items` is the scenarios' input, not an option of the algorithm.
        Assert.Equal(["items", "limit"], Spec.Params("bounded-concurrency").Keys.Order(StringComparer.Ordinal));
        Assert.Equal(BoundedConcurrencyConstants.DefaultLimit, Spec.Integer("bounded-concurrency", "limit"));
        Assert.Equal(BoundedConcurrencyConstants.DefaultLimit, new BoundedConcurrencyOptions().Limit);
    }
}
