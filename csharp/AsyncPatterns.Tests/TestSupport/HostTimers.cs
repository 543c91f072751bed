using System.Text.Json.Nodes;
using AsyncConf.Runner;

namespace AsyncPatterns.Tests.TestSupport;

/// <summary>
/// Runner answers that a timer of the test host cannot spoil. The runner refuses a virtual-time run as soon as
/// <see cref="Timer.ActiveCount"/> rises during it (a real-time wait it cannot drive: <c>LoopStop.RealTimer</c>), and that
/// count is the whole process's: a timer the test host arms at that moment -- xUnit's, the test platform's -- reads as
/// the run's own. In the runner's own process nothing else arms timers; in a test it may (once seen in CI on a test's one
/// run), so a test that asks the runner asks through here, once more when refused so. A real timer of the run is refused twice and still fails the test.
/// </summary>
internal static class HostTimers
{
    /// <summary>How the runner's refusal of a real-time wait begins (ScenarioRunner, <c>LoopStop.RealTimer</c>).</summary>
    internal const string RefusalStart = "the implementation started a real-time wait";

    /// <summary>The runner's answer to <paramref name="request"/>, asked once more if refused for a real-time timer.</summary>
    /// <param name="request">One protocol request line.</param>
    /// <returns>The answer line that counts.</returns>
    public static string Handle(string request) => AskAgainIfRefusedForATimer(() => Protocol.Handle(request));

    /// <summary>The runner's answer to <paramref name="request"/> as JSON, asked once more if refused for a real-time timer.</summary>
    /// <param name="request">One protocol request line.</param>
    /// <returns>The answer that counts.</returns>
    public static JsonObject Ask(string request) => Parse(Handle(request));

    /// <summary>The answer of <paramref name="run"/> (a <see cref="ScenarioRunner"/> run), run once more if refused for a real-time timer.</summary>
    /// <param name="run">Runs one scenario in-process.</param>
    /// <returns>The answer that counts.</returns>
    public static JsonObject Run(Func<JsonObject> run)
    {
        try
        {
            return run();
        }
        catch (BadRequestException refusal) when (refusal.Kind == "unsupported" && refusal.Message.StartsWith(RefusalStart, StringComparison.Ordinal))
        {
            return run();
        }
    }

    private static JsonObject Parse(string answer) => JsonNode.Parse(answer)!.AsObject();

    /// <summary>The answer line of <paramref name="ask"/>, asked once more if the first was refused for a real-time timer.</summary>
    /// <param name="ask">Asks the runner for one run.</param>
    /// <returns>The answer line that counts.</returns>
    public static string AskAgainIfRefusedForATimer(Func<string> ask)
    {
        var answer = ask();
        return RefusedForATimer(Parse(answer)) ? ask() : answer;
    }

    /// <summary>Whether the runner refused the run for a real-time timer.</summary>
    /// <param name="answer">A runner answer.</param>
    /// <returns>True if so.</returns>
    public static bool RefusedForATimer(JsonObject answer) =>
        (string?)answer["error"]?["kind"] == "unsupported"
        && ((string?)answer["error"]?["message"])?.StartsWith(RefusalStart, StringComparison.Ordinal) == true;
}
