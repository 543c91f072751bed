"""The CLI's main job: `asyncconf run` prints the matrix, writes JSON/JUnit, and its exit code
is 0 only when every reference scenario passes and every anti-pattern is rejected."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from asyncconf import languages
from asyncconf.cli import main
from asyncconf.spec import load_spec
from asyncconf.transports.base import Unavailable

[TIMEOUT] = [pattern for pattern in load_spec() if pattern.id == "timeout"]
[TASK_GROUP] = [pattern for pattern in load_spec() if pattern.id == "task-group"]
RUN_KEYS = {
    "pattern", "scenario", "lang", "transport", "impl", "status", "reason",
    "virtual_ms", "wall_ms", "check", "skip_cause", "role", "first_try",
}  # fmt: skip


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_run_passes_and_writes_json_and_junit(tmp_path: Path) -> None:
    out, junit = tmp_path / "run.json", tmp_path / "run.xml"
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout", "--json", str(out), "--junit", str(junit))
    assert code == 0, output
    assert "conformance matrix" in output and f"OK: reference {2 * len(TIMEOUT.scenarios)} pass" in output
    data = json.loads(out.read_text())
    # Every run carries the runner's answer (outcome, trace, leaks) when there was one.
    assert {tuple(sorted(set(run) - {"answer"})) for run in data["runs"]} == {tuple(sorted(RUN_KEYS))}
    answered = [run for run in data["runs"] if run["check"] == "spec"]
    assert all({"outcome", "trace", "leaks"} <= run["answer"].keys() for run in answered)
    assert data["summary"]["ok"] is True
    antipatterns = len(TIMEOUT.antipatterns)
    assert data["summary"]["antipatterns"]["rejected"] == data["summary"]["antipatterns"]["total"] == 2 * antipatterns
    statuses = {(r["impl"] == "reference", r["check"], r["status"]) for r in data["runs"]}
    assert (
        (True, "spec", "pass") in statuses
        and (False, "spec", "fail") in statuses
        and (True, "equivalence", "pass") in statuses
    )
    assert "<testsuites" in junit.read_text()


def test_each_antipattern_runs_until_rejected_and_every_scenario_runs_them_all(tmp_path: Path) -> None:
    # The verdict is the same; what only --every-scenario can say is which scenarios no anti-pattern
    # fails -- never said from a run that stopped each at its rejection (it would name scenarios
    # an anti-pattern stopped before would have failed).
    runs_of: dict[str, dict[str, Any]] = {}
    printed: dict[str, str] = {}
    for mode in ("until", "every"):
        out = tmp_path / f"{mode}.json"
        args = ["run", "--lang", "python", "--pattern", "timeout", "--impl", "leaves-running", "--json", str(out)]
        code, printed[mode] = invoke(*args, *(["--every-scenario"] if mode == "every" else []))
        assert code == 0, printed[mode]
        runs_of[mode] = json.loads(out.read_text())
    until, every = runs_of["until"], runs_of["every"]
    assert until["meta"]["antipatterns_ran"] == "until rejected"
    assert every["meta"]["antipatterns_ran"] == "on every scenario"
    mine = {mode: [r for r in data["runs"] if r["impl"] == "leaves-running"] for mode, data in runs_of.items()}
    assert len(mine["every"]) == 2 * len(TIMEOUT.scenarios) > len(mine["until"]) > 0
    assert until["summary"]["antipatterns"] == {**every["summary"]["antipatterns"], "ran": "until rejected"}
    assert until["summary"]["scenarios_no_antipattern_fails"] is None
    assert "python/inprocess timeout/completes-in-time" in every["summary"]["scenarios_no_antipattern_fails"]
    assert "note: no anti-pattern fails python/inprocess timeout/completes-in-time" in printed["every"]
    assert "no anti-pattern fails" not in printed["until"]
    assert "anti-patterns 2/2 rejected (each run until a scenario rejected it);" in printed["until"]
    assert "anti-patterns 2/2 rejected;" in printed["every"]
    # A saved run without its summary is judged again as it was run.
    for mode, data in runs_of.items():
        bare = tmp_path / f"{mode}-bare.json"
        bare.write_text(json.dumps({**data, "summary": {}}))
        code, output = invoke("report", str(bare))
        assert code == 0 and ("no anti-pattern fails" in output) == (mode == "every"), output


def test_an_antipattern_no_scenario_catches_fails_the_run(spec_copy: Path) -> None:
    # Keep only the scenario where the operation completes in time: most mistakes go unseen.
    path = spec_copy / "timeout.yaml"
    text = path.read_text()
    cut = text.index("  - id: exceeds-limit")
    kept = text[:cut].replace("covers: [R1]", "covers: [R1, R2, R3, R4, R5, R6]")
    # and no bound, which the lint would ask a refusal scenario for
    path.write_text(kept.replace("timeout_ms: {type: number, min: 1, max: 2147483647}", "timeout_ms: {type: number}"))
    code, output = invoke("run", "--spec", str(spec_copy), "--lang", "python", "--pattern", "timeout")
    assert code == 1
    assert "MISSED anti-pattern python/inprocess timeout:leaves-running: no scenario failed it" in output


def test_a_failing_reference_scenario_fails_the_run(spec_copy: Path) -> None:
    path = spec_copy / "retry-backoff.yaml"
    path.write_text(path.read_text().replace("elapsed_ms: 330", "elapsed_ms: 331", 1))
    code, output = invoke(
        "run", "--spec", str(spec_copy), "--lang", "python", "--pattern", "retry-backoff", "--impl", "reference"
    )
    assert code == 1
    assert (
        "FAIL  python/inprocess retry-backoff/third-attempt-succeeds [reference]: elapsed_ms: expected 331, saw 330"
        in output
    )


def test_a_missing_runtime_is_a_skip_with_its_reason_never_a_pass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def absent() -> list[object]:
        raise Unavailable("no Node.js found; install Node.js 20 or newer")

    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "javascript", absent)
    out = tmp_path / "run.json"
    code, output = invoke(
        "run", "--lang", "python,javascript", "--pattern", "timeout", "--impl", "reference", "--json", str(out)
    )
    assert code == 0, output
    skipped = [r for r in json.loads(out.read_text())["runs"] if r["lang"] == "javascript"]
    assert skipped and all(r["status"] == "skip" and "no Node.js found" in r["reason"] for r in skipped)
    code, output = invoke("run", "--lang", "python,javascript", "--pattern", "timeout", "--require", "javascript")
    assert code == 1


def test_list_shows_rules_and_scenarios() -> None:
    code, output = invoke("list")
    assert code == 0
    assert "retry-backoff" in output and "R7" in output and "cancelled-during-backoff" in output


def test_unknown_options_are_clear_errors() -> None:
    code, output = invoke("run", "--lang", "cobol")
    assert code == 2 and "expected a comma-separated subset of python,javascript,csharp" in output
    code, output = invoke("run", "--pattern", "nope")
    assert code == 2 and "unknown pattern nope" in output


def test_report_renders_a_saved_run_as_markdown(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    invoke("run", "--lang", "python", "--pattern", "task-group", "--json", str(out))
    code, output = invoke("report", str(out), "--markdown")
    assert code == 0
    assert output.splitlines()[0] == "| pattern | python/inprocess | python/subprocess | equivalence |"
    n, anti = len(TASK_GROUP.scenarios), len(TASK_GROUP.antipatterns)
    # Which run failed and why, if one did (CI once showed only "7/8 pass, 1 FAIL" here).
    failed = [
        f"{r['lang']}/{r['transport']} {r['scenario']}: {r['reason']}"
        for r in json.loads(out.read_text())["runs"]
        if r["role"] != "antipattern" and r["status"] not in ("pass", "same")
    ]
    assert (
        f"| task-group | {n}/{n} pass; anti {anti}/{anti} | {n}/{n} pass; anti {anti}/{anti} | same ({n}) |" in output
    ), failed


def test_a_pattern_whose_api_is_missing_is_skipped_naming_the_api(spec_copy: Path, tmp_path: Path) -> None:
    path = spec_copy / "timeout.yaml"
    text = path.read_text()
    path.write_text(
        text.replace('    - {name: asyncio.timeout, since: "3.11"}', '    - {name: asyncio.nonexistent, since: "3.99"}')
    )
    out = tmp_path / "run.json"
    code, output = invoke(
        "run", "--spec", str(spec_copy), "--lang", "python", "--pattern", "timeout", "--json", str(out)
    )
    assert code == 1, output  # skipped is not failed -- but a run that checked nothing is not OK either
    assert "NOT OK: reference 0 pass" in output and "nothing was checked" in output
    runs = json.loads(out.read_text())["runs"]
    assert runs and all(run["status"] == "skip" for run in runs if run["check"] == "spec")
    assert runs[0]["reason"].startswith("needs asyncio.nonexistent (since 3.99); missing in cpython 3.")


def test_a_language_that_cannot_run_still_has_its_column(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def absent() -> list[object]:
        raise Unavailable("no Node.js found")

    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "javascript", absent)
    out = tmp_path / "run.json"
    invoke("run", "--lang", "python,javascript", "--pattern", "task-group", "--json", str(out))
    code, output = invoke("report", str(out), "--markdown")
    assert code == 0
    assert output.splitlines()[0] == "| pattern | python/inprocess | python/subprocess | javascript/- | equivalence |"
    n, anti = len(TASK_GROUP.scenarios), len(TASK_GROUP.antipatterns)
    cells = f"{n}/{n} pass; anti {anti}/{anti}"
    assert f"| task-group | {cells} | {cells} | skip | same ({n}) |" in output


@pytest.mark.parametrize(
    "args",
    [["fuzz", "--examples", "0"], ["bench", "--repeats", "0"], ["readme", "--repeats", "0"], ["bench", "--fuzz", "0"]],
)
def test_a_count_below_one_is_refused_in_one_line(args: list[str]) -> None:
    # `fuzz --examples 0` ended in Hypothesis's traceback; `bench --repeats 0` printed an empty table.
    code, output = invoke(*args)
    assert code == 2 and "0 is not in the range x>=1" in output and "Traceback" not in output


def test_json_and_junit_cannot_share_a_file(tmp_path: Path) -> None:
    # The JUnit report replaced the JSON one, which was lost without a word.
    same = tmp_path / "run.out"
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout", "--json", str(same), "--junit", str(same))
    assert code == 2 and "--json's file too" in output and not same.exists()


def test_a_language_named_twice_runs_once() -> None:
    # `--lang python,python` ran every scenario twice and counted 60 passes for 30 runs.
    once = invoke("run", "--lang", "python", "--pattern", "timeout", "--impl", "reference")[1].splitlines()[-1]
    code, output = invoke("run", "--lang", "python,python", "--pattern", "timeout", "--impl", "reference")
    assert code == 0 and output.splitlines()[-1] == once, output


def test_impl_candidates_with_no_candidate_is_refused_up_front() -> None:
    # It ran the references alone and said OK: a run asked to check candidates that had none to check.
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout", "--impl", "candidates")
    assert code == 2, output
    assert "no runner describes a candidate" in output and "--runner LANG=COMMAND" in output
    assert "OK" not in output.replace("NOT OK", "")


def test_impl_takes_a_list_of_groups_and_ids_and_runs_their_union(tmp_path: Path) -> None:
    # `--impl reference,antipatterns` ran the reference alone and said "anti-patterns 0/0 rejected", OK.
    out = tmp_path / "run.json"
    code, output = invoke(
        "run", "--lang", "python", "--pattern", "timeout", "--impl", "reference,antipatterns", "--json", str(out)
    )
    assert code == 0, output
    ran = {run["impl"] for run in json.loads(out.read_text())["runs"] if run["check"] == "spec"}
    assert ran == {"reference", *(a.id for a in TIMEOUT.antipatterns)}
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout", "--impl", "leaves-running,candidates")
    assert code == 2 and "no runner describes a candidate" in output
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout", "--impl", "antipatterns,nonesuch")
    assert code == 2 and "no runner implements nonesuch" in output


def test_a_runner_of_your_own_runs_beside_ours_as_a_candidate(tmp_path: Path) -> None:
    # Any program that speaks spec/PROTOCOL.md will do; here, our Python runner with an implementation
    # of the user's registered (README, "Checking your own implementation").
    script = tmp_path / "my_runner.py"
    script.write_text(
        "from asyncpatterns.retry_backoff import retry as my_retry\n"
        "from asyncpatterns.runner.__main__ import main\n"
        "from asyncpatterns.runner.candidates import registered\n"
        "with registered('retry-backoff', 'mine', my_retry):\n"
        "    main()\n"
    )
    out = tmp_path / "run.json"
    runner = f"python={sys.executable} {script}"
    code, output = invoke(
        "run", "--lang", "python", "--pattern", "retry-backoff", "--impl", "mine", "--runner", runner,
        "--json", str(out),
    )  # fmt: skip
    assert code == 0, output
    runs = json.loads(out.read_text())["runs"]
    # Beside ours, which give the reference; what it runs is a candidate, compared with the references.
    assert {run["transport"] for run in runs if run["check"] == "spec"} == {"inprocess", "subprocess", "custom"}
    custom = [run for run in runs if run["transport"] == "custom"]
    assert custom and {(run["impl"], run["role"]) for run in custom} == {("mine", "candidate")}
    assert "candidates 1/1 pass" in output
    assert "python/custom describes ids of ours, not run there" in output  # our reference and anti-patterns
    code, output = invoke("run", "--lang", "python", "--runner", "python")
    assert code == 2 and "expected LANG=COMMAND" in output
    code, output = invoke("run", "--lang", "python", "--runner", runner, "--runner", runner)
    assert code == 2 and "given twice" in output
    missing = f"python={tmp_path / 'no-such-runner'}"
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout", "--impl", "reference", "--runner", missing)
    assert code == 1 and "cannot start" in output
