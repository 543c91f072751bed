using System.Text.Json;
using System.Text.Json.Nodes;

namespace AsyncConf.Runner;

/// <summary>One step of the injected operation's plan (spec/PROTOCOL.md §3).</summary>
internal sealed record Step(bool Hang, long AfterMs, long CancelMs, string? Fail, string? Message, JsonNode? Ok)
{
    /// <summary>Parses and checks one step; a malformed step is a bad request.</summary>
    public static Step Parse(JsonNode? node, string where)
    {
        if (node is not JsonObject step)
        {
            throw new BadRequestException("bad-request", $"{where} must be an object");
        }

        var fail = step["fail"] is { } failNode ? Json.String(failNode, $"{where}.fail") : null;
        if (fail is not null && !ErrorKinds.Kinds.Contains(fail))
        {
            throw new BadRequestException("bad-request", $"{where}.fail must be one of {string.Join(", ", ErrorKinds.Kinds)}, got '{fail}'");
        }

        return new Step(
            Hang: step["hang"] is { } hang && Json.Bool(hang, $"{where}.hang"),
            AfterMs: Milliseconds(step["after_ms"], $"{where}.after_ms"),
            CancelMs: Milliseconds(step["cancel_ms"], $"{where}.cancel_ms"),
            Fail: fail,
            Message: step["message"] is { } message ? Json.String(message, $"{where}.message") : null,
            Ok: step["ok"]);
    }

    private static long Milliseconds(JsonNode? node, string where)
    {
        if (node is null)
        {
            return 0;
        }

        var value = Json.Number(node, where);
        if (value < 0)
        {
            throw new BadRequestException("bad-request", $"{where} must be non-negative, got {value}");
        }

        return VirtualTime.VirtualTimeProvider.RoundMilliseconds(value);
    }
}

/// <summary>The injected operation's steps by key; <c>"*"</c> gives the steps of every key the plan does not name.</summary>
internal sealed class Plan
{
    private readonly Dictionary<string, IReadOnlyList<Step>> _steps = new(StringComparer.Ordinal);

    public Plan(JsonObject plan)
    {
        foreach (var (key, value) in plan)
        {
            if (value is not JsonArray steps)
            {
                throw new BadRequestException("bad-request", $"plan.{key} must be a list of steps");
            }

            _steps[key] = steps.Select((step, index) => Step.Parse(step, $"plan.{key}[{index}]")).ToArray();
        }
    }

    /// <summary>The steps of <paramref name="key"/>, or null when neither it nor <c>"*"</c> has any.</summary>
    public IReadOnlyList<Step>? StepsOf(string key) =>
        _steps.TryGetValue(key, out var steps) && steps.Count > 0 ? steps
        : _steps.TryGetValue("*", out var fallback) && fallback.Count > 0 ? fallback
        : null;
}

/// <summary>Reading JSON request fields, with bad-request errors that name the field.</summary>
internal static class Json
{
    public static string String(JsonNode node, string where) =>
        node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>()
        : throw new BadRequestException("bad-request", $"{where} must be a string, got {node.ToJsonString()}");

    public static bool Bool(JsonNode node, string where) => node.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new BadRequestException("bad-request", $"{where} must be true or false, got {node.ToJsonString()}"),
    };

    public static double Number(JsonNode node, string where) =>
        node.GetValueKind() == JsonValueKind.Number ? node.GetValue<double>()
        : throw new BadRequestException("bad-request", $"{where} must be a number, got {node.ToJsonString()}");

    public static long Integer(JsonNode node, string where) =>
        node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<long>(out var value) ? value
        : throw new BadRequestException("bad-request", $"{where} must be an integer, got {node.ToJsonString()}");

    /// <summary>An item as the operation's key: a string as itself, anything else as its JSON text.</summary>
    public static string Key(JsonNode? item) =>
        item is not null && item.GetValueKind() == JsonValueKind.String ? item.GetValue<string>() : item?.ToJsonString() ?? "null";
}
