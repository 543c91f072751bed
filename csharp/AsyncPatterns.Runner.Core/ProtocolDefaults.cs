using System.Text.Json.Nodes;

namespace AsyncConf.Runner;

/// <summary>
/// The defaults of the optional <c>run</c> request fields (spec/PROTOCOL.md §2), read from their one home,
/// <c>spec/protocol.json</c>, which the build embeds in this assembly.
/// </summary>
internal static class ProtocolDefaults
{
    /// <summary>The name of the embedded copy of <c>spec/protocol.json</c>.</summary>
    public const string ResourceName = "AsyncConf.Runner.protocol.json";

    private static readonly JsonObject Defaults = Load();

    /// <summary>Gets the default <c>limit_ms</c> on virtual time.</summary>
    public static long VirtualLimitMs { get; } = (long)Defaults["limit_ms"]!["virtual"]!;

    /// <summary>Gets the default <c>limit_ms</c> on real time.</summary>
    public static long RealLimitMs { get; } = (long)Defaults["limit_ms"]!["real"]!;

    /// <summary>Gets the default <c>max_calls</c>.</summary>
    public static int MaxCalls { get; } = (int)Defaults["max_calls"]!;

    /// <summary>Gets the default real-time budget of a virtual run, <c>wall_budget_s</c>.</summary>
    public static double WallBudgetSeconds { get; } = (double)Defaults["wall_budget_s"]!;

    /// <summary>Gets the default <c>block_limit_ms</c>: a loop blocked this long stops the run (§5).</summary>
    public static double BlockLimitMs { get; } = (double)Defaults["block_limit_ms"]!;

    private static JsonObject Load()
    {
        using var stream = typeof(ProtocolDefaults).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the build did not embed spec/protocol.json as {ResourceName}");
        return JsonNode.Parse(stream)!["defaults"]!.AsObject();
    }
}
