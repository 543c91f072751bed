using System.Text.Json.Nodes;
using AsyncConf.Runner;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Runner;

/// <summary>A parameter a request leaves out takes the spec's default (spec/PROTOCOL.md §2).</summary>
public class BindingDefaultsTests
{
    [Fact]
    public void Defaults_AreTheSpecParams_OfEveryPattern()
    {
        Assert.Equal(Spec.PatternIds, PatternBinding.Defaults.Keys.Order(StringComparer.Ordinal));
        foreach (var pattern in Spec.PatternIds)
        {
            var defaults = JsonNode.Parse(PatternBinding.Defaults[pattern])!.AsObject();
            var spec = Spec.Params(pattern);
            Assert.Equal(spec.Keys.Order(StringComparer.Ordinal), defaults.Select(entry => entry.Key).Order(StringComparer.Ordinal));
            foreach (var (name, value) in defaults)
            {
                // The spec writes `[a, b, c]`, `{a: 0, b: 10}` and `none`; JSON writes ["a","b","c"], {"a":0,"b":10} and "none".
                var written = value switch
                {
                    JsonArray list => $"[{string.Join(", ", list.Select(item => (string)item!))}]",
                    JsonObject map => $"{{{string.Join(", ", map.Select(entry => $"{entry.Key}: {entry.Value!.ToJsonString()}"))}}}",
                    _ => value!.ToString(),
                };
                Assert.Equal(spec[name], written);
            }
        }
    }

    [Fact]
    public void Run_ParametersLeftOut_TakeTheSpecDefaults()
    {
        var timeout = HostTimers.Ask("""{"id": 1, "pattern": "timeout", "plan": {"op": [{"hang": true}]}}""");
        var cleanup = HostTimers.Ask("""{"id": 2, "pattern": "cancellation-cleanup", "plan": {"op": [{"after_ms": 20, "ok": "v"}]}}""");

        Assert.Equal("""{"ok":null}""", timeout["outcome"]!.ToJsonString());
        Assert.Equal(1000, (long?)timeout["elapsed_ms"]);
        Assert.Equal(25, (long?)cleanup["elapsed_ms"]);
    }
}
