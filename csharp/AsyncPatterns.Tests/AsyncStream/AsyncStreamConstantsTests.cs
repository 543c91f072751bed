using AsyncPatterns.AsyncStream;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.AsyncStream;

/// <summary>Every default is the spec's: <c>spec/patterns/async-stream.yaml</c>, <c>params:</c>.</summary>
public class AsyncStreamConstantsTests
{
    [Fact]
    public void Defaults_EqualTheSpecParams()
    {
        // `length` and `close_ms` describe the runner's source, not an option of the algorithm.
        Assert.Equal(["close_ms", "length", "take"], Spec.Params("async-stream").Keys.Order(StringComparer.Ordinal));
        Assert.Equal(AsyncStreamConstants.DefaultTake, Spec.Integer("async-stream", "take"));
        Assert.Equal(AsyncStreamConstants.DefaultTake, new AsyncStreamOptions().Take);
    }

    [Fact]
    public void Validate_NegativeTake_IsRefusedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new AsyncStreamOptions { Take = -1 }.Validate());
        Assert.Contains("`Take` must be at least 0, got -1", error.Message, StringComparison.Ordinal);
    }
}
