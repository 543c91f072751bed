using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AsyncConf.Runner.Candidates;

/// <summary>
/// Checks a candidate served by your runner against the spec from a test: one xunit theory case per scenario, the
/// verdict the harness's checker gives (<c>asyncconf run --runner</c>) -- the same for every language, never a second
/// checker in C#.
/// <code>
/// public class MyTimeoutTests
/// {
///     private static readonly SpecCheck Check = new("timeout", "mine", "dotnet MyChecks.dll");
///     public static IEnumerable&lt;object[]&gt; Scenarios => SpecCheck.Scenarios("timeout");
///
///     [Theory, MemberData(nameof(Scenarios))]
///     public void Passes(string scenario) => Check.Verdict(scenario).AssertOk(Assert.Skip); // xunit v3: n/a is skipped
/// }
/// </code>
/// The first verdict runs the whole pattern once (<c>asyncconf run --spec DIR --lang csharp --pattern P --impl C --runner
/// 'csharp=COMMAND' --json</c>); the others read that run. <c>asyncconf</c> is found as <c>ASYNCCONF</c> names it, else on
/// the PATH; the spec in <c>spec/patterns</c> of the checkout above the current directory, or as <c>ASYNCCONF_SPEC</c> names it.
/// The run is given the very spec folder its scenario ids are read from (<see cref="SpecDirectory"/>), and its report is
/// checked against those ids: an id the run has no verdict for is an error, and a scenario the run has that the ids do not
/// list makes every verdict an error -- a row of the run is never dropped unseen.
/// </summary>
public sealed partial class SpecCheck
{
    private readonly object _gate = new();
    private IReadOnlyDictionary<string, ScenarioVerdict>? _verdicts;
    private string? _specUsed;

    /// <summary>Initializes a new instance of the <see cref="SpecCheck"/> class.</summary>
    /// <param name="pattern">The pattern's spec id (<c>timeout</c>).</param>
    /// <param name="candidate">The candidate's id in your registry (<c>mine</c>).</param>
    /// <param name="runnerCommand">The command that serves your registry (<c>dotnet MyChecks.dll</c>), run in <see cref="WorkingDirectory"/>.</param>
    public SpecCheck(string pattern, string candidate, string runnerCommand)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentException.ThrowIfNullOrEmpty(candidate);
        ArgumentException.ThrowIfNullOrEmpty(runnerCommand);
        Pattern = pattern;
        Candidate = candidate;
        RunnerCommand = runnerCommand;
    }

    /// <summary>Gets the pattern's spec id.</summary>
    public string Pattern { get; }

    /// <summary>Gets the candidate's id.</summary>
    public string Candidate { get; }

    /// <summary>Gets the command that serves the candidate.</summary>
    public string RunnerCommand { get; }

    /// <summary>Gets the <c>asyncconf</c> command: <c>ASYNCCONF</c>, else <c>asyncconf</c> on the PATH.</summary>
    public string Asyncconf { get; init; } = Environment.GetEnvironmentVariable("ASYNCCONF") is { Length: > 0 } named ? named : "asyncconf";

    /// <summary>Gets the folder <c>asyncconf</c> runs in (where <see cref="RunnerCommand"/>'s relative paths start).</summary>
    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>
    /// Gets the spec's <c>patterns</c> folder the scenario ids are read from and the run is given (<c>--spec</c>): null (the
    /// default) finds it as <see cref="Scenarios"/> does with no folder -- <c>ASYNCCONF_SPEC</c>, else <c>spec/patterns</c>
    /// above the current directory. A folder given to <see cref="Scenarios"/> must be given here too. A relative path is
    /// taken from the current directory, not <see cref="WorkingDirectory"/>.
    /// </summary>
    public string? SpecDirectory { get; init; }

    /// <summary>Gets how long the run may take before the check gives up (10 minutes).</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The scenario ids of <paramref name="pattern"/>, in spec order, as xunit's <c>MemberData</c> takes them.</summary>
    /// <param name="pattern">The pattern's spec id.</param>
    /// <param name="specDirectory">The spec's <c>patterns</c> folder; null: <c>ASYNCCONF_SPEC</c>, else found above the current directory.</param>
    /// <returns>One row per scenario: its id.</returns>
    public static IEnumerable<object[]> Scenarios(string pattern, string? specDirectory = null) =>
        ScenarioIds(pattern, specDirectory).Select(id => new object[] { id });

    /// <summary>The scenario ids of <paramref name="pattern"/>, in spec order (the ids of its <c>scenarios:</c> list).</summary>
    /// <param name="pattern">The pattern's spec id.</param>
    /// <param name="specDirectory">The spec's <c>patterns</c> folder; null: <c>ASYNCCONF_SPEC</c>, else found above the current directory.</param>
    /// <returns>The ids.</returns>
    public static IReadOnlyList<string> ScenarioIds(string pattern, string? specDirectory = null)
    {
        var folder = specDirectory ?? FindSpec();
        var file = Path.Combine(folder, $"{pattern}.yaml");
        if (!File.Exists(file))
        {
            throw new ArgumentException($"no pattern '{pattern}' in {folder}", nameof(pattern));
        }

        // Only the ids are read here (the harness reads the rest): the `- id:` entries of the top-level `scenarios:` list.
        var ids = new List<string>();
        var inScenarios = false;
        foreach (var line in File.ReadLines(file))
        {
            if (TopLevelKey().Match(line) is { Success: true } key)
            {
                inScenarios = key.Groups[1].Value == "scenarios";
            }
            else if (inScenarios && ScenarioId().Match(line) is { Success: true } id)
            {
                ids.Add(id.Groups[1].Value);
            }
        }

        return ids.Count > 0 ? ids : throw new InvalidOperationException($"{file}: no scenarios found");
    }

    /// <summary>The harness's verdict on <paramref name="scenario"/> (the first call runs the whole pattern).</summary>
    /// <param name="scenario">The scenario's id.</param>
    /// <returns>The verdict: pass, fail, error, skip or n/a, and why.</returns>
    public ScenarioVerdict Verdict(string scenario)
    {
        lock (_gate)
        {
            _verdicts ??= RunPattern();
        }

        // Every id of the spec the run used has a verdict (ReadVerdicts with the ids): one without is not the run's scenario.
        return _verdicts.TryGetValue(scenario, out var verdict) ? verdict
            : new ScenarioVerdict(scenario, "error", $"'{scenario}' is not a scenario of {Pattern} in the spec the run used ({_specUsed}): were the rows read from another spec? (give Scenarios and SpecDirectory one folder)");
    }

    /// <summary>Reads the verdicts from a file written by <c>asyncconf run --json</c>.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="candidate">The candidate's id.</param>
    /// <returns>The verdict of each scenario run, by id.</returns>
    public static IReadOnlyDictionary<string, ScenarioVerdict> ReadVerdicts(string json, string candidate)
    {
        using var document = JsonDocument.Parse(json);
        var verdicts = new Dictionary<string, ScenarioVerdict>(StringComparer.Ordinal);
        var differences = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var run in document.RootElement.GetProperty("runs").EnumerateArray())
        {
            if (run.GetProperty("impl").GetString() != candidate || run.GetProperty("role").GetString() != "candidate")
            {
                continue;
            }

            var scenario = run.GetProperty("scenario").GetString()!;
            var status = run.GetProperty("status").GetString()!;
            var reason = run.GetProperty("reason").GetString() ?? string.Empty;
            if (run.GetProperty("check").GetString() == "equivalence")
            {
                if (status != "pass")
                {
                    differences[scenario] = reason;
                }
            }
            else
            {
                var answer = run.TryGetProperty("answer", out var found) ? found.GetRawText() : null;
                verdicts[scenario] = new ScenarioVerdict(scenario, status, reason, answer);
            }
        }

        // A candidate that differs from the references on virtual time fails the run: so does its verdict.
        foreach (var (scenario, reason) in differences)
        {
            if (verdicts.TryGetValue(scenario, out var verdict) && verdict.Status == "pass")
            {
                verdicts[scenario] = verdict with { Status = "fail", Reason = $"differs from the references: {reason}" };
            }
        }

        return verdicts;
    }

    /// <summary>
    /// Reads the verdicts from a file written by <c>asyncconf run --json</c> and checks them against the scenario ids of
    /// the spec the run was given: one verdict per id. An id the run has no verdict for is an error; a
    /// scenario the run has that the ids do not list makes every verdict an error (the run and the ids came from two
    /// specs, or read one differently: a row would be lost).
    /// </summary>
    /// <param name="json">The file's text.</param>
    /// <param name="candidate">The candidate's id.</param>
    /// <param name="scenarioIds">The pattern's scenario ids (<see cref="ScenarioIds"/> of the spec the run was given).</param>
    /// <returns>The verdict of each id.</returns>
    public static IReadOnlyDictionary<string, ScenarioVerdict> ReadVerdicts(string json, string candidate, IReadOnlyCollection<string> scenarioIds)
    {
        ArgumentNullException.ThrowIfNull(scenarioIds);
        var run = ReadVerdicts(json, candidate);
        var listed = scenarioIds.ToHashSet(StringComparer.Ordinal);
        var unlisted = run.Keys.Where(scenario => !listed.Contains(scenario)).Order(StringComparer.Ordinal).ToList();
        var verdicts = new Dictionary<string, ScenarioVerdict>(StringComparer.Ordinal);
        foreach (var id in scenarioIds)
        {
            var found = run.TryGetValue(id, out var verdict);
            verdicts[id] = unlisted.Count > 0
                ? new ScenarioVerdict(id, "error", $"the run has scenarios of candidate '{candidate}' the spec's ids do not list ({string.Join(", ", unlisted)}): "
                    + $"the ids and the run must come from one spec, so no verdict of it counts (this one's: {(found ? verdict!.Status : "none")})", verdict?.Answer)
                : found ? verdict!
                : new ScenarioVerdict(id, "error", $"asyncconf ran no scenario '{id}' for candidate '{candidate}' (does the runner describe it?)");
        }

        return verdicts;
    }

    private IReadOnlyDictionary<string, ScenarioVerdict> RunPattern()
    {
        // One folder, full path (asyncconf runs in WorkingDirectory): the ids are read from it, and the run is given it.
        var spec = Path.GetFullPath(SpecDirectory ?? FindSpec());
        _specUsed = spec;
        var ids = ScenarioIds(Pattern, spec);
        var report = Path.Combine(Path.GetTempPath(), $"asyncconf-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo(Asyncconf)
        {
            WorkingDirectory = WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "run", "--spec", spec, "--lang", "csharp", "--pattern", Pattern, "--impl", Candidate, "--runner", $"csharp={RunnerCommand}", "--json", report })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Asyncconf}");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, line) => output.AppendLine(line.Data);
            process.ErrorDataReceived += (_, line) => output.AppendLine(line.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(RunTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"asyncconf run took more than {RunTimeout}: {output}");
            }

            process.WaitForExit();
            // 0: everything passed, 1: something did not; anything else (or no report) is asyncconf's own trouble.
            return process.ExitCode is 0 or 1 && File.Exists(report) ? ReadVerdicts(File.ReadAllText(report), Candidate, ids)
                : throw new InvalidOperationException($"asyncconf run exited {process.ExitCode} with no report:\n{output}");
        }
        finally
        {
            File.Delete(report);
        }
    }

    private static string FindSpec()
    {
        if (Environment.GetEnvironmentVariable("ASYNCCONF_SPEC") is { Length: > 0 } named)
        {
            return named;
        }

        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            var patterns = Path.Combine(folder.FullName, "spec", "patterns");
            if (Directory.Exists(patterns))
            {
                return patterns;
            }
        }

        throw new InvalidOperationException("no spec/patterns above the current directory: set ASYNCCONF_SPEC to the spec's patterns folder");
    }

    [GeneratedRegex(@"^([A-Za-z_][\w-]*):")]
    private static partial Regex TopLevelKey();

    [GeneratedRegex(@"^  - id:\s*([\w-]+)\s*(#.*)?$")]
    private static partial Regex ScenarioId();
}

/// <summary>The harness's verdict on one scenario of a candidate.</summary>
/// <param name="Scenario">The scenario's id.</param>
/// <param name="Status">
/// <c>pass</c>, <c>fail</c>, <c>error</c>, <c>skip</c> (not run: the spec says it is no C# scenario, <c>not_in: csharp</c>,
/// or the language could not run) or <c>n/a</c>.
/// </param>
/// <param name="Reason">Why it is not a pass: the checker's reasons, why it was skipped, or the candidate's n/a reason.</param>
/// <param name="Answer">The runner's answer (outcome, trace, leaks) as JSON, when there was one.</param>
public sealed record ScenarioVerdict(string Scenario, string Status, string Reason, string? Answer = null)
{
    /// <summary>Gets a value indicating whether the scenario passed. An n/a or a skip is not: it checked nothing.</summary>
    public bool Ok => Status == "pass";

    /// <summary>Gets a value indicating whether your candidate declared the scenario one it cannot take (n/a: never a pass, never a fail).</summary>
    public bool NotApplicable => Status == "n/a";

    /// <summary>Gets a value indicating whether the harness did not run the scenario (skip: not a C# scenario, <c>not_in: csharp</c>, or the language could not run) -- never a pass, never a fail.</summary>
    public bool Skipped => Status == "skip";

    /// <summary>
    /// Returns when the scenario passed. An n/a or skipped one is handed to <paramref name="skip"/>, your test framework's
    /// skip, which throws (xunit v3's <c>Assert.Skip</c>, NUnit's <c>Assert.Ignore</c>, MSTest's <c>Assert.Inconclusive</c>);
    /// without one -- xunit 2 cannot skip at run time -- or when it returns, it fails as anything else does: returning
    /// would show a scenario that checked nothing as passed.
    /// </summary>
    /// <param name="skip">Skips the current test with the reason given (<c>n/a: ...</c>, <c>skip: ...</c>).</param>
    /// <exception cref="SpecCheckException">The scenario failed, could not run, or is n/a or skipped and was not skipped here.</exception>
    public void AssertOk(Action<string>? skip = null)
    {
        if (Ok)
        {
            return;
        }

        if (NotApplicable || Skipped)
        {
            skip?.Invoke($"{Status}: {Reason}");
        }

        throw new SpecCheckException(this);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Status.ToUpperInvariant()} {Scenario}" + (Reason.Length > 0 ? $": {Reason}" : string.Empty) + (Answer is null ? string.Empty : $"\n  answer: {Answer}");
}

/// <summary>A scenario the harness did not pass: the test framework shows the verdict as the failure's message.</summary>
public sealed class SpecCheckException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SpecCheckException"/> class.</summary>
    /// <param name="verdict">The verdict.</param>
    public SpecCheckException(ScenarioVerdict verdict)
        : base(verdict is { NotApplicable: true } or { Skipped: true }
            ? $"{verdict} -- not a pass: it checked nothing (give AssertOk your test framework's skip, as xunit v3's Assert.Skip)"
            : verdict?.ToString())
    {
        Verdict = verdict;
    }

    /// <summary>Gets the verdict.</summary>
    public ScenarioVerdict? Verdict { get; }
}
