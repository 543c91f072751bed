using System.Text.Json;
using System.Text.Json.Nodes;

namespace AsyncConf.Runner;

/// <summary>A checked <c>run</c> request (spec/PROTOCOL.md §2).</summary>
internal sealed record RunRequest(
    string Pattern,
    string Impl,
    JsonObject Params,
    Plan Plan,
    long? CancelAtMs,
    IReadOnlyList<double> Random,
    bool Virtual,
    long LimitMs,
    int MaxCalls,
    TimeSpan WallBudget,
    double BlockLimitMs,
    IReadOnlyList<Invocation>? Invocations = null)
{
    public static RunRequest Parse(JsonObject request)
    {
        var pattern = Field(request, "pattern", JsonValueKind.String)?.GetValue<string>()
            ?? throw new BadRequestException("bad-request", "`pattern` is required");
        var impl = Field(request, "impl", JsonValueKind.String)?.GetValue<string>() ?? "reference";
        var clock = Field(request, "clock", JsonValueKind.String)?.GetValue<string>() ?? "virtual";
        if (clock is not ("virtual" or "real"))
        {
            throw new BadRequestException("bad-request", $"`clock` must be 'virtual' or 'real', got '{clock}'");
        }

        var isVirtual = clock == "virtual";
        var parameters = (JsonObject?)Field(request, "params", JsonValueKind.Object) ?? [];
        var plan = new Plan((JsonObject?)Field(request, "plan", JsonValueKind.Object) ?? []);
        var random = ((JsonArray?)Field(request, "random", JsonValueKind.Array) ?? [])
            .Select((value, index) => value is null ? throw new BadRequestException("bad-request", $"random[{index}] must be a number") : Json.Number(value, $"random[{index}]"))
            .ToArray();
        var maxCalls = Integer(request, "max_calls") ?? ProtocolDefaults.MaxCalls;
        var wallBudget = TimeSpan.FromSeconds(Field(request, "wall_budget_s", JsonValueKind.Number)?.GetValue<double>() ?? ProtocolDefaults.WallBudgetSeconds);
        var blockLimitMs = Field(request, "block_limit_ms", JsonValueKind.Number)?.GetValue<double>() ?? ProtocolDefaults.BlockLimitMs;
        var cancelAtMs = Integer(request, "cancel_at_ms");
        var invocations = ParseInvocations(request, cancelAtMs);
        return new RunRequest(
            pattern,
            impl,
            parameters,
            plan,
            cancelAtMs,
            random,
            isVirtual,
            Integer(request, "limit_ms") ?? (isVirtual ? ProtocolDefaults.VirtualLimitMs : ProtocolDefaults.RealLimitMs),
            (int)Math.Clamp(maxCalls, 0, int.MaxValue),
            wallBudget,
            blockLimitMs,
            invocations);
    }

    /// <summary>The request's invocations (spec/PROTOCOL.md §2, "Invocations"), checked; null when absent.</summary>
    private static IReadOnlyList<Invocation>? ParseInvocations(JsonObject request, long? cancelAtMs)
    {
        if (Field(request, "invocations", JsonValueKind.Array) is not JsonArray raw)
        {
            return null;
        }

        if (cancelAtMs is not null)
        {
            throw new BadRequestException("bad-request", "with `invocations`, `cancel_at_ms` must be null (each invocation cancels itself)");
        }

        if (raw.Count == 0)
        {
            throw new BadRequestException("bad-request", "`invocations` must not be empty");
        }

        return raw.Select((node, index) =>
        {
            var where = $"invocations[{index}]";
            if (node is not JsonObject item)
            {
                throw new BadRequestException("bad-request", $"{where} must be an object");
            }

            var atMs = Integer(item, "at_ms") is { } at && at >= 0 ? at
                : throw new BadRequestException("bad-request", $"{where}.at_ms must be an integer from 0 and up");
            var key = Field(item, "key", JsonValueKind.String)?.GetValue<string>() ?? "op";
            var cancel = Integer(item, "cancel_at_ms");
            if (cancel < atMs)
            {
                throw new BadRequestException("bad-request", $"{where}.cancel_at_ms must be an integer from at_ms ({atMs}) up, got {cancel}");
            }

            return new Invocation(atMs, key, cancel);
        }).ToArray();
    }

    private static JsonNode? Field(JsonObject request, string name, JsonValueKind kind)
    {
        var value = request[name];
        if (value is null)
        {
            return null;
        }

        return value.GetValueKind() == kind ? value
            : throw new BadRequestException("bad-request", $"`{name}` must be {Describe(kind)}, got {value.ToJsonString()}");
    }

    private static long? Integer(JsonObject request, string name)
    {
        var value = request[name];
        if (value is null)
        {
            return null;
        }

        return value.GetValueKind() == JsonValueKind.Number && value.AsValue().TryGetValue<long>(out var integer) ? integer
            : throw new BadRequestException("bad-request", $"`{name}` must be an integer, got {value.ToJsonString()}");
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.Number => "a number",
        _ => kind.ToString(),
    };
}

/// <summary>One caller's invocation of a pattern's instance: at <paramref name="AtMs"/>, with the operation of <paramref name="Key"/>,
/// cancelled by its caller at <paramref name="CancelAtMs"/> (absolute run time) if given.</summary>
internal sealed record Invocation(long AtMs, string Key, long? CancelAtMs);
