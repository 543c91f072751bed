using System.Text.Json.Nodes;

namespace AsyncConf.Runner;

/// <summary>
/// The one table that maps the spec's canonical error kinds to .NET exceptions (spec/PROTOCOL.md §6).
/// </summary>
/// <remarks>
/// <code>
/// kind        thrown by the injected operation        recognised in an outcome as
/// transient   System.Net.Http.HttpRequestException    exactly that type
/// fatal       System.InvalidOperationException        exactly that type (not e.g. ObjectDisposedException)
/// timeout     System.TimeoutException                 exactly that type
/// cancelled   System.OperationCanceledException       that type and its subclasses (TaskCanceledException)
/// invalid     (never thrown by an operation)          System.ArgumentException and subclasses: a pattern refused its arguments
/// group       (never thrown by an operation)          System.AggregateException and subclasses: its InnerExceptions
/// circuit-open (never thrown by an operation)         a type named BrokenCircuitException (ours, Polly's) or a subclass of one
/// other       (never thrown by an operation)          anything else: {"fail": "other", "type": short type name, "message"}
/// </code>
/// </remarks>
internal static class ErrorKinds
{
    /// <summary>The kinds an injected operation throws (a plan step's <c>fail</c>).</summary>
    public static readonly IReadOnlyList<string> Kinds = ["transient", "fatal", "timeout", "cancelled"];

    /// <summary>A new exception of <paramref name="kind"/>.</summary>
    public static Exception Create(string kind, string message) => kind switch
    {
        "transient" => new HttpRequestException(message),
        "fatal" => new InvalidOperationException(message),
        "timeout" => new TimeoutException(message),
        "cancelled" => new OperationCanceledException(message),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown error kind; expected one of {string.Join(", ", Kinds)}"),
    };

    /// <summary>The canonical kind of <paramref name="error"/>.</summary>
    public static string KindOf(Exception error) => error switch
    {
        _ when IsBrokenCircuit(error.GetType()) => "circuit-open",
        OperationCanceledException => "cancelled",
        AggregateException => "group",
        ArgumentException => "invalid",
        _ when error.GetType() == typeof(HttpRequestException) => "transient",
        _ when error.GetType() == typeof(InvalidOperationException) => "fatal",
        _ when error.GetType() == typeof(TimeoutException) => "timeout",
        _ => "other",
    };

    /// <summary>A circuit breaker's refusal, by its type's name (Polly's <c>BrokenCircuitException</c> as well as ours), through the hierarchy.</summary>
    private static bool IsBrokenCircuit(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.Name == "BrokenCircuitException")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="error"/> as a protocol outcome; <c>from</c> names the operation call that threw this very object
    /// (by reference), so an exception re-created or wrapped by the pattern has none.
    /// </summary>
    public static JsonObject Describe(Exception error, Func<Exception, string?> origin)
    {
        if (error is AggregateException group)
        {
            var errors = new JsonArray();
            foreach (var inner in group.InnerExceptions)
            {
                errors.Add(Describe(inner, origin));
            }

            return new JsonObject { ["fail"] = "group", ["errors"] = errors };
        }

        var kind = KindOf(error);
        var described = new JsonObject { ["fail"] = kind };
        if (origin(error) is { } source)
        {
            described["from"] = source;
        }

        if (kind == "other")
        {
            described["type"] = error.GetType().Name;
            described["message"] = error.Message;
        }

        return described;
    }
}
