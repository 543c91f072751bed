using System.Runtime.Versioning;
using AsyncConf.Runner.Candidates;
using AsyncPatterns.Tests.TestSupport;

namespace AsyncPatterns.Tests.Candidates;

/// <summary>
/// The xunit helper: theory data from the spec, verdicts read from the harness's report. (The harness itself runs in
/// pytest: tests/test_csharp_seam.py; here a stand-in <c>asyncconf</c> writes a report, so no build waits on another.)
/// </summary>
public class SpecCheckTests
{
    private const string Report = """
        {"meta": {}, "summary": {}, "runs": [
          {"pattern": "timeout", "scenario": "completes-in-time", "transport": "custom", "impl": "mine", "status": "pass", "reason": "", "check": "spec", "role": "candidate", "answer": {"outcome": {"ok": "data"}}},
          {"pattern": "timeout", "scenario": "exceeds-limit", "transport": "custom", "impl": "mine", "status": "fail", "reason": "leaks: expected none, saw operation op#1 still running", "check": "spec", "role": "candidate", "answer": {"outcome": {"ok": null}}},
          {"pattern": "timeout", "scenario": "zero-limit-is-invalid", "transport": "custom", "impl": "mine", "status": "n/a", "reason": "my limit starts at 10 ms", "check": "spec", "role": "candidate"},
          {"pattern": "timeout", "scenario": "slow-to-stop", "transport": "custom", "impl": "mine", "status": "pass", "reason": "", "check": "spec", "role": "candidate"},
          {"pattern": "timeout", "scenario": "slow-to-stop", "transport": "custom", "impl": "mine", "status": "fail", "reason": "elapsed_ms: 40 vs 60", "check": "equivalence", "role": "candidate"},
          {"pattern": "timeout", "scenario": "negative-limit-is-invalid", "transport": "custom", "impl": "mine", "status": "skip", "reason": "not a C# scenario: a C# int cannot hold it", "check": "spec", "role": "candidate"},
          {"pattern": "timeout", "scenario": "caller-cancels", "transport": "subprocess", "impl": "reference", "status": "pass", "reason": "", "check": "spec", "role": "reference"}
        ]}
        """;

    [Fact]
    public void Scenarios_AreThePatternsScenarioIdsInSpecOrder()
    {
        var ids = SpecCheck.ScenarioIds("timeout", Spec.PatternsDirectory);

        Assert.Equal("completes-in-time", ids[0]);
        Assert.Contains("fractional-limit-rounds-half-up", ids);
        Assert.DoesNotContain("leaves-running", ids); // an anti-pattern's entry, not a scenario
        Assert.DoesNotContain("polling", ids);
        Assert.Equal(ids, SpecCheck.Scenarios("timeout", Spec.PatternsDirectory).Select(row => (string)row[0]));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void ReadVerdicts_PassFailAndNotApplicable_AsTheHarnessJudgedThem()
    {
        var verdicts = SpecCheck.ReadVerdicts(Report, "mine");

        Assert.True(verdicts["completes-in-time"].Ok);
        Assert.False(verdicts["exceeds-limit"].Ok);
        Assert.Equal("n/a", verdicts["zero-limit-is-invalid"].Status);
        Assert.True(verdicts["zero-limit-is-invalid"].NotApplicable);
        Assert.False(verdicts["zero-limit-is-invalid"].Ok); // never a pass: it checked nothing
        Assert.False(verdicts.ContainsKey("caller-cancels")); // the reference's row is not the candidate's
    }

    [Fact]
    public void ReadVerdicts_ADifferenceFromTheReferences_FailsTheScenario()
    {
        var verdict = SpecCheck.ReadVerdicts(Report, "mine")["slow-to-stop"];

        Assert.Equal("fail", verdict.Status);
        Assert.Equal("differs from the references: elapsed_ms: 40 vs 60", verdict.Reason);
    }

    [Fact]
    public void AssertOk_AFailure_ThrowsWithTheReasonAndTheAnswer()
    {
        var verdicts = SpecCheck.ReadVerdicts(Report, "mine");

        var error = Assert.Throws<SpecCheckException>(() => verdicts["exceeds-limit"].AssertOk());
        Assert.Contains("FAIL exceeds-limit: leaks: expected none, saw operation op#1 still running", error.Message, StringComparison.Ordinal);
        Assert.Contains("""{"outcome": {"ok": null}}""", error.Message, StringComparison.Ordinal);
        verdicts["completes-in-time"].AssertOk();
    }

    [Fact]
    public void AssertOk_NotApplicable_IsSkippedThroughTheFrameworksSkip_AndNeverReturnsAsAPass()
    {
        var notApplicable = SpecCheck.ReadVerdicts(Report, "mine")["zero-limit-is-invalid"];

        // It returned, and xunit showed the scenario as passed.
        var unskipped = Assert.Throws<SpecCheckException>(() => notApplicable.AssertOk());
        Assert.Contains("not a pass: it checked nothing", unskipped.Message, StringComparison.Ordinal);
        var skipped = Assert.Throws<SkippedForTest>(() => notApplicable.AssertOk(reason => throw new SkippedForTest(reason)));
        Assert.StartsWith("n/a: ", skipped.Message, StringComparison.Ordinal);
        Assert.Throws<SpecCheckException>(() => notApplicable.AssertOk(_ => { })); // a skip that returns skips nothing
    }

    [Fact]
    public void AssertOk_ASkip_NotACSharpScenario_IsSkippedThroughTheFrameworksSkip_AsAnNotApplicableIs()
    {
        var skip = SpecCheck.ReadVerdicts(Report, "mine")["negative-limit-is-invalid"];

        Assert.Equal("skip", skip.Status);
        Assert.False(skip.Ok); // never a pass: it checked nothing
        Assert.False(skip.NotApplicable);
        var skipped = Assert.Throws<SkippedForTest>(() => skip.AssertOk(reason => throw new SkippedForTest(reason)));
        Assert.Equal("skip: not a C# scenario: a C# int cannot hold it", skipped.Message);
        var unskipped = Assert.Throws<SpecCheckException>(() => skip.AssertOk()); // xunit 2: a failure, never a pass
        Assert.Contains("not a pass: it checked nothing", unskipped.Message, StringComparison.Ordinal);
        Assert.Throws<SpecCheckException>(() => skip.AssertOk(_ => { }));
        Assert.Throws<SpecCheckException>(() => SpecCheck.ReadVerdicts(Report, "mine")["exceeds-limit"].AssertOk(reason => throw new SkippedForTest(reason))); // a fail is no skip
    }

    [Fact]
    public void Skipped_TellsASkip_AndOkStaysAPassAlone()
    {
        var verdicts = SpecCheck.ReadVerdicts(Report, "mine");

        Assert.True(verdicts["negative-limit-is-invalid"].Skipped);
        Assert.False(verdicts["zero-limit-is-invalid"].Skipped);
        Assert.Equal(["completes-in-time"], verdicts.Values.Where(verdict => verdict.Ok).Select(verdict => verdict.Scenario));
    }

    private sealed class SkippedForTest(string reason) : Exception(reason);

    [Fact]
    public void Verdict_RunsAsyncconfOnceForThePattern_AndAScenarioItDidNotRunIsAnError()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in below is a shell script
        }

        var folder = Directory.CreateTempSubdirectory("speccheck");
        try
        {
            var fake = FakeAsyncconf(folder);
            var check = new SpecCheck("timeout", "mine", "dotnet MyChecks.dll") { Asyncconf = fake, WorkingDirectory = folder.FullName };

            Assert.Equal("fail", check.Verdict("exceeds-limit").Status);
            Assert.Equal("pass", check.Verdict("completes-in-time").Status);
            Assert.Equal("error", check.Verdict("longest-limit").Status); // not run: never a pass

            var arguments = File.ReadAllLines(Path.Combine(folder.FullName, "calls.txt"));
            Assert.Equal(["run", "--spec", Path.GetFullPath(Spec.PatternsDirectory), "--lang", "csharp", "--pattern", "timeout", "--impl", "mine", "--runner", "csharp=dotnet MyChecks.dll", "--json"], arguments[..12]);
            Assert.Equal(13, arguments.Length); // one run for every verdict
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Verdict_TheRunIsGivenTheSpecTheIdsCameFrom_AndAScenarioTheIdsDoNotListIsAnErrorOfEveryRow()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in below is a shell script
        }

        // The reviewer's case: ASYNCCONF_SPEC names a spec whose timeout lists 3 scenarios. The rows came from it; the run
        // used the checkout's spec, and its other scenarios (failures among them) were dropped unseen: 3 rows passed.
        var folder = Directory.CreateTempSubdirectory("speccheck");
        var saved = Environment.GetEnvironmentVariable("ASYNCCONF_SPEC");
        try
        {
            var subset = Directory.CreateDirectory(Path.Combine(folder.FullName, "subset"));
            File.WriteAllText(Path.Combine(subset.FullName, "timeout.yaml"), "id: timeout\nscenarios:\n  - id: completes-in-time\n  - id: exceeds-limit\n  - id: longest-limit\n");
            var fake = FakeAsyncconf(folder);
            Environment.SetEnvironmentVariable("ASYNCCONF_SPEC", subset.FullName);
            var rows = SpecCheck.Scenarios("timeout").Select(row => (string)row[0]).ToList();
            var check = new SpecCheck("timeout", "mine", "dotnet MyChecks.dll") { Asyncconf = fake, WorkingDirectory = folder.FullName };

            Assert.Equal(["completes-in-time", "exceeds-limit", "longest-limit"], rows);
            // The report has scenarios the ids do not list (zero-limit-is-invalid, slow-to-stop, ...): no row passes.
            var verdicts = rows.Select(check.Verdict).ToList();
            Assert.All(verdicts, verdict => Assert.Equal("error", verdict.Status));
            Assert.All(verdicts, verdict => Assert.Contains("slow-to-stop, zero-limit-is-invalid", verdict.Reason, StringComparison.Ordinal));
            Assert.Contains("this one's: pass", verdicts[0].Reason, StringComparison.Ordinal);
            Assert.Throws<SpecCheckException>(() => verdicts[0].AssertOk());

            var arguments = File.ReadAllLines(Path.Combine(folder.FullName, "calls.txt"));
            Assert.Equal(["run", "--spec", subset.FullName], arguments[..3]); // the very spec the rows came from
        }
        finally
        {
            Environment.SetEnvironmentVariable("ASYNCCONF_SPEC", saved);
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Verdict_SpecDirectory_IsTheSpecOfTheIdsAndTheRun_AndAnIdWithNoRunIsAnError()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in below is a shell script
        }

        var folder = Directory.CreateTempSubdirectory("speccheck");
        try
        {
            // The report's candidate scenarios, and one more the run did not run.
            var spec = Directory.CreateDirectory(Path.Combine(folder.FullName, "spec", "patterns"));
            File.WriteAllText(
                Path.Combine(spec.FullName, "timeout.yaml"),
                "id: timeout\nscenarios:\n  - id: completes-in-time\n  - id: exceeds-limit\n  - id: zero-limit-is-invalid\n  - id: slow-to-stop\n  - id: negative-limit-is-invalid\n  - id: longest-limit\n");
            var fake = FakeAsyncconf(folder);
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, spec.FullName); // from the current directory, not WorkingDirectory
            var check = new SpecCheck("timeout", "mine", "dotnet MyChecks.dll") { Asyncconf = fake, WorkingDirectory = folder.FullName, SpecDirectory = relative };

            Assert.Equal("pass", check.Verdict("completes-in-time").Status);
            Assert.Equal("fail", check.Verdict("exceeds-limit").Status);
            Assert.Equal("n/a", check.Verdict("zero-limit-is-invalid").Status);
            Assert.Equal("skip", check.Verdict("negative-limit-is-invalid").Status);
            var notRun = check.Verdict("longest-limit");
            Assert.Equal("error", notRun.Status);
            Assert.Contains("ran no scenario 'longest-limit'", notRun.Reason, StringComparison.Ordinal);
            var unknown = check.Verdict("caller-cancels"); // a row of another spec
            Assert.Equal("error", unknown.Status);
            Assert.Contains(spec.FullName, unknown.Reason, StringComparison.Ordinal);

            var arguments = File.ReadAllLines(Path.Combine(folder.FullName, "calls.txt"));
            Assert.Equal(["run", "--spec", spec.FullName], arguments[..3]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadVerdicts_WithTheIds_OneVerdictPerId()
    {
        var verdicts = SpecCheck.ReadVerdicts(Report, "mine", ["completes-in-time", "exceeds-limit", "zero-limit-is-invalid", "slow-to-stop", "negative-limit-is-invalid", "own-failure-propagates"]);

        Assert.Equal(6, verdicts.Count);
        Assert.True(verdicts["completes-in-time"].Ok);
        Assert.Equal("error", verdicts["own-failure-propagates"].Status); // an id with no run: never a pass
        Assert.All(SpecCheck.ReadVerdicts(Report, "mine", ["completes-in-time"]).Values, verdict => Assert.Equal("error", verdict.Status)); // a run the ids do not list
    }

    // A stand-in for asyncconf: records its arguments, writes the report where --json says, exits 1 (something failed).
    [UnsupportedOSPlatform("windows")]
    private static string FakeAsyncconf(DirectoryInfo folder)
    {
        var fake = Path.Combine(folder.FullName, "asyncconf");
        File.WriteAllText(Path.Combine(folder.FullName, "report.json"), Report);
        File.WriteAllText(fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> calls.txt\nwhile [ \"$1\" != --json ]; do shift; done\ncp report.json \"$2\"\nexit 1\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return fake;
    }

    [Fact]
    public void Verdict_AsyncconfFailingWithoutAReport_Throws()
    {
        var check = new SpecCheck("timeout", "mine", "dotnet MyChecks.dll") { Asyncconf = "false" }; // exits 1, writes nothing

        Assert.Throws<InvalidOperationException>(() => check.Verdict("completes-in-time"));
    }
}
