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
            // A stand-in for asyncconf: records its arguments, writes the report where --json says, exits 1 (something failed).
            var fake = Path.Combine(folder.FullName, "asyncconf");
            File.WriteAllText(Path.Combine(folder.FullName, "report.json"), Report);
            File.WriteAllText(fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> calls.txt\nwhile [ \"$1\" != --json ]; do shift; done\ncp report.json \"$2\"\nexit 1\n");
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var check = new SpecCheck("timeout", "mine", "dotnet MyChecks.dll") { Asyncconf = fake, WorkingDirectory = folder.FullName };

            Assert.Equal("fail", check.Verdict("exceeds-limit").Status);
            Assert.Equal("pass", check.Verdict("completes-in-time").Status);
            Assert.Equal("error", check.Verdict("longest-limit").Status); // not run: never a pass

            var arguments = File.ReadAllLines(Path.Combine(folder.FullName, "calls.txt"));
            Assert.Equal(["run", "--lang", "csharp", "--pattern", "timeout", "--impl", "mine", "--runner", "csharp=dotnet MyChecks.dll", "--json"], arguments[..10]);
            Assert.Equal(11, arguments.Length); // one run for every verdict
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Verdict_AsyncconfFailingWithoutAReport_Throws()
    {
        var check = new SpecCheck("timeout", "mine", "dotnet MyChecks.dll") { Asyncconf = "false" }; // exits 1, writes nothing

        Assert.Throws<InvalidOperationException>(() => check.Verdict("completes-in-time"));
    }
}
