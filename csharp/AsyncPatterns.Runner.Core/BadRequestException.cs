namespace AsyncConf.Runner;

/// <summary>A request the runner cannot run: answered with <c>{"error": {"kind", "message"}}</c> (spec/PROTOCOL.md §1).</summary>
internal sealed class BadRequestException(string kind, string message) : Exception(message)
{
    /// <summary>Gets the protocol's error kind: <c>bad-request</c>, <c>unknown-pattern</c>, <c>unknown-impl</c>, <c>unsupported</c>.</summary>
    public string Kind { get; } = kind;
}
