using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AsyncConf.Runner;

/// <summary>
/// The asyncconf runner protocol, version 1 (spec/PROTOCOL.md): one JSON request in, one JSON answer out. The console
/// runner (<c>AsyncPatterns.Runner</c>) serves it as JSON Lines on stdin/stdout; the harness calls <see cref="Handle"/>
/// in-process through pythonnet. Both go through <see cref="Handle"/>, so they give byte-identical answers.
/// </summary>
public static class Protocol
{
    /// <summary>The protocol version this runner speaks.</summary>
    public const int Version = 1;

    private static readonly object RunGate = new();

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Gets the runtime that runs the scenarios: <c>{"name": "dotnet", "version": Environment.Version}</c>.</summary>
    public static string RuntimeVersion => Environment.Version.ToString();

    /// <summary>Answers one request: a JSON object, as one line of JSON Lines (without the newline). Never throws.</summary>
    /// <param name="requestJson">The request.</param>
    /// <returns>The answer, compact JSON on one line.</returns>
    public static string Handle(string requestJson)
    {
        JsonObject answer;
        try
        {
            answer = HandleRequest(JsonNode.Parse(requestJson ?? string.Empty));
        }
        catch (JsonException error)
        {
            answer = ErrorAnswer(null, "bad-request", $"not JSON: {error.Message}");
        }

        return answer.ToJsonString(WriteOptions);
    }

    /// <summary>Every pattern this runner implements, with its implementations: <c>reference</c> first, then the anti-patterns' ids, sorted.</summary>
    /// <returns>Implementations by pattern id, the patterns sorted.</returns>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Implementations() =>
        PatternBinding.All.Values
            .OrderBy(binding => binding.Id, StringComparer.Ordinal)
            .ToDictionary(binding => binding.Id, binding => binding.Implementations, StringComparer.Ordinal);

    internal static JsonObject RuntimeJson() => new() { ["name"] = "dotnet", ["version"] = RuntimeVersion };

    internal static JsonObject HandleRequest(JsonNode? request)
    {
        if (request is not JsonObject fields)
        {
            return ErrorAnswer(null, "bad-request", "a request must be a JSON object");
        }

        var id = fields["id"]?.DeepClone();
        try
        {
            var op = fields["op"] is { } opNode ? Json.String(opNode, "`op`") : "run";
            switch (op)
            {
                case "describe":
                    var patterns = new JsonObject();
                    foreach (var (pattern, impls) in Implementations())
                    {
                        patterns[pattern] = new JsonArray([.. impls.Select(impl => (JsonNode?)impl)]);
                    }

                    return new JsonObject { ["id"] = id, ["protocol"] = Version, ["runtime"] = RuntimeJson(), ["patterns"] = patterns };
                case "check_api":
                    var names = fields["names"] as JsonArray
                        ?? throw new BadRequestException("bad-request", "`names` must be a list of strings");
                    var missing = names.Select((name, index) => name is null ? throw new BadRequestException("bad-request", $"names[{index}] must be a string") : Json.String(name, $"names[{index}]"))
                        .Where(name => !ApiChecker.Exists(name))
                        .ToArray();
                    return new JsonObject { ["id"] = id, ["missing"] = new JsonArray([.. missing.Select(name => (JsonNode?)name)]) };
                case "run":
                    var run = RunRequest.Parse(fields);
                    JsonObject result;
                    lock (RunGate)
                    {
                        // Runs are sequential: the virtual loop reads process-wide thread-pool counters.
                        result = ScenarioRunner.Run(run);
                    }

                    var answer = new JsonObject { ["id"] = id };
                    foreach (var (key, value) in result.ToArray())
                    {
                        result.Remove(key);
                        answer[key] = value;
                    }

                    return answer;
                default:
                    throw new BadRequestException("bad-request", $"unknown op '{op}'; expected run, describe or check_api");
            }
        }
        catch (BadRequestException error)
        {
            return ErrorAnswer(id, error.Kind, error.Message);
        }
        catch (Exception error)
        {
            // A runner bug: report it for this request and keep serving.
            return ErrorAnswer(id, "internal", $"{error.GetType().Name}: {error.Message}");
        }
    }

    private static JsonObject ErrorAnswer(JsonNode? id, string kind, string message) =>
        new() { ["id"] = id?.DeepClone(), ["error"] = new JsonObject { ["kind"] = kind, ["message"] = message } };
}
