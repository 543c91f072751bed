using System.Text.Json.Nodes;

namespace AsyncConf.Runner.Candidates;

/// <summary>
/// A scenario's <c>params</c> (spec/PROTOCOL.md §8, "Parameters"), read in C# units: times as <see cref="TimeSpan"/>
/// (the <c>_ms</c> parameters, named without the suffix or with it), counts as <see cref="int"/>, items as strings.
/// A parameter outside its domain is handed over as it is: refusing it up front is your implementation's job.
/// </summary>
public sealed class CandidateParameters
{
    private readonly JsonObject _json;

    internal CandidateParameters(JsonObject json) => _json = json;

    /// <summary>Gets the parameters as the request gave them.</summary>
    public JsonObject Json => (JsonObject)_json.DeepClone();

    /// <summary>Whether the scenario sets <paramref name="name"/> (as the spec names it, e.g. <c>max_delay_ms</c>).</summary>
    /// <param name="name">The parameter's spec name.</param>
    /// <returns>True when it is set.</returns>
    public bool Has(string name) => _json[name] is not null;

    /// <summary>A number parameter (<c>factor</c>).</summary>
    /// <param name="name">The parameter's spec name.</param>
    /// <returns>Its value.</returns>
    public double Number(string name) => Runner.Json.Number(Required(name), $"params.{name}");

    /// <summary>A count (<c>max_attempts</c>, <c>limit</c>); a fractional or too large one throws <see cref="ArgumentException"/> (the <c>invalid</c> outcome).</summary>
    /// <param name="name">The parameter's spec name.</param>
    /// <returns>Its value.</returns>
    public int Count(string name)
    {
        var value = Number(name);
        return double.IsInteger(value) && value is >= int.MinValue and <= int.MaxValue ? (int)value
            : throw new ArgumentException($"`{name}` must be an integer from 1 to {int.MaxValue}, got {value}", name);
    }

    /// <summary>A time parameter given in milliseconds (<c>base_delay_ms</c>, <c>timeout_ms</c>) as a <see cref="TimeSpan"/>; past what a <see cref="TimeSpan"/> holds it is cut to ±10^12 ms.</summary>
    /// <param name="name">The parameter's spec name, with its <c>_ms</c>.</param>
    /// <returns>Its value.</returns>
    public TimeSpan Time(string name) => TimeParameter.FromMilliseconds(Number(name));

    /// <summary>A string parameter (<c>jitter</c>: <c>none</c> or <c>proportional</c>).</summary>
    /// <param name="name">The parameter's spec name.</param>
    /// <returns>Its value.</returns>
    public string String(string name) => Runner.Json.String(Required(name), $"params.{name}");

    /// <summary>Gets the <c>items</c> of the patterns over items, each as the key of its call (a non-string item as its JSON text).</summary>
    public IReadOnlyList<string> Items => Required("items") is JsonArray items ? [.. items.Select(Runner.Json.Key)]
        : throw new BadRequestException("bad-request", "params.items must be a list");

    private JsonNode Required(string name) =>
        _json[name] ?? throw new BadRequestException("bad-request", $"params.{name} is required");
}
