"""A verdict says only what was checked (issue 8): an anti-pattern that crashed is not rejected, an
interrupt is not a result, a required language that did not run fails, an error is not a FAIL, and
what the run says on the terminal is complete, short and said once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from asyncconf import languages, report
from asyncconf.cli import main
from asyncconf.engine import Engine, Run, request_for
from asyncconf.paths import ROOT
from asyncconf.spec import load_spec
from asyncconf.transports.base import Unavailable
from interrupts import ctrl_c_reaches

[TIMEOUT] = [pattern for pattern in load_spec() if pattern.id == "timeout"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _runner(tmp_path: Path, body: str) -> str:
    """A protocol runner of our own: the Python runner, with ``body`` deciding some answers."""
    script = tmp_path / "runner.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, os, sys, time
            from asyncpatterns.runner import handle
            open(os.environ.get("PID_FILE", os.devnull), "a").write(f"{os.getpid()}\\n")
            for line in sys.stdin:
                request = json.loads(line)
                answer = handle(request)
            """
        )
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "    print(json.dumps(answer), flush=True)\n"
    )
    return f"{sys.executable} {script}"


# -- anti-patterns: rejected only by behaving wrongly ----------------------------------------------------


def _as_our_python(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    """Our Python runner, replaced for the test by ``command`` (a runner of ``_runner``'s): its
    anti-patterns are ours, judged as ours -- a runner of the user's own runs none of our ids."""
    from asyncconf.transports.jsonl_process import JsonLinesProcess

    monkeypatch.setitem(
        languages.TRANSPORT_FACTORIES,
        "python",
        lambda: [JsonLinesProcess("python", "subprocess", command.split(), cwd=ROOT)],
    )


def test_an_antipattern_that_crashes_is_not_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _runner(
        tmp_path,
        """
        if request.get("op") == "run" and request.get("impl") != "reference":
            answer["outcome"] = {"fail": "other", "type": "TypeError", "message": "AbortSignal.any is not a function"}
        """,
    )
    _as_our_python(monkeypatch, runner)
    out = tmp_path / "run.json"
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout", "--json", str(out))
    assert code == 1, output
    n = len(TIMEOUT.antipatterns)  # none rejected: each crashed
    assert "NOT OK" in output and f"anti-patterns 0/{n} rejected" in output
    assert "ERROR anti-pattern python/subprocess timeout:leaves-running: could not be judged" in output
    assert "crashed with TypeError: AbortSignal.any is not a function" in output
    summary = json.loads(out.read_text())["summary"]
    assert summary["ok"] is False and len(summary["antipatterns"]["error"]) == n


def test_an_antipattern_refusing_valid_arguments_is_not_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`invalid` before any call was taken for an up-front refusal: an anti-pattern that raised a
    ValueError of its own (a bad unpacking) on every scenario counted as rejected, and the run was OK.
    Where the scenario's parameters are all valid, that is a crash of its code."""
    runner = _runner(
        tmp_path,
        """
        if request.get("op") == "run" and request.get("impl") != "reference":
            refused = {"fail": "invalid", "message": "too many values to unpack"}
            answer.update(outcome=refused, trace=[], elapsed_ms=0, leaks=[])
        """,
    )
    _as_our_python(monkeypatch, runner)
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout")
    assert code == 1, output
    assert "anti-patterns 0/" in output and "NOT OK" in output
    assert "failed with invalid where every parameter is valid" in output


def test_an_antipattern_of_the_catalogue_that_no_runner_describes_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The anti-patterns came from what the runners describe: one a runner left out (a regression in
    its bindings, or a new catalogue entry) was left out of the count, and the run said N/N rejected."""
    runner = _runner(
        tmp_path,
        """
        if request.get("op") == "describe":
            answer["patterns"]["timeout"].remove("leaves-running")
        """,
    )
    _as_our_python(monkeypatch, runner)
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout")
    assert code == 1, output
    assert "the python/subprocess runner has no implementation 'leaves-running'" in output
    assert "ERROR anti-pattern python/subprocess timeout:leaves-running" in output


def test_an_antipattern_is_judged_only_where_the_reference_passes() -> None:
    def run(impl: str, scenario: str, status: str) -> Run:
        role = "reference" if impl == "reference" else "antipattern"
        return Run("p", scenario, "python", "inprocess", impl, status, role=role)

    # The reference fails s2 itself: the anti-pattern failing s2 too proves nothing.
    runs = [
        run("reference", "s1", "pass"),
        run("reference", "s2", "fail"),
        run("x", "s1", "pass"),
        run("x", "s2", "fail"),
    ]
    assert report.antipattern_verdicts(runs) == {("python", "inprocess", "p", "x"): "missed"}
    runs[2] = run("x", "s1", "error")
    assert report.antipattern_verdicts(runs) == {("python", "inprocess", "p", "x"): "error"}
    runs[2] = run("x", "s1", "fail")
    assert report.antipattern_verdicts(runs) == {("python", "inprocess", "p", "x"): "rejected"}
    summary = report.summarize(runs)
    assert summary["ok"] is False  # the reference failed s2


def test_a_run_with_nothing_checked_is_not_ok() -> None:
    skipped = [Run("p", "s", "python", "inprocess", "reference", "skip", "no python", skip_cause="unavailable")]
    assert report.summarize(skipped)["ok"] is False


# -- an interrupt is not a result --------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its parent is not running
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


def test_ctrl_c_ends_any_command_with_130_and_says_so() -> None:
    # click's own "Aborted!" exited 1: for `asyncconf libraries`, a changed result.
    command = [sys.executable, "-m", "asyncconf.cli", "bench", "--lang", "python", "--repeats", "1000"]
    process = subprocess.Popen(
        ctrl_c_reaches(command), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    time.sleep(3.0)  # started, measuring
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "INTERRUPTED: asyncconf bench stopped; no result." in output and "Aborted!" not in output


def test_ctrl_c_stops_the_run_says_so_and_leaves_no_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    # A "javascript" runner that is Python's, claims every API, and takes a while per answer: a long run.
    slow = _runner(
        tmp_path,
        """
        if request.get("op") == "check_api":
            answer = {"id": request["id"], "missing": []}
        time.sleep(0.05)
        """,
    )
    command = [sys.executable, "-m", "asyncconf.cli", "run", "--lang", "python,javascript"]
    command += ["--runner", f"javascript={slow}"]
    process = subprocess.Popen(
        ctrl_c_reaches(command),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PID_FILE": str(pid_file)},
    )
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # well into the runs, Python in-process ones included
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 130, output
    assert "INTERRUPTED" in output and "No verdict" in output
    assert "OK:" not in output and "conformance matrix" not in output
    pids = [int(line) for line in pid_file.read_text().split()]
    time.sleep(0.2)
    assert pids and not [pid for pid in pids if _alive(pid)], "a runner outlived the harness"


# -- required languages: one rule ---------------------------------------------------------------------------


def test_require_outside_the_selected_languages_is_a_usage_error() -> None:
    code, output = invoke("run", "--lang", "python", "--require", "javascript,csharp")
    assert code == 2 and "javascript, csharp must run but is not among --lang python" in output


def test_a_required_language_with_a_transport_that_did_not_run_fails() -> None:
    runs = [
        Run("p", "s", "csharp", "subprocess", "reference", "pass"),
        Run(
            "p", "s", "csharp", "pythonnet", "reference", "skip", "pythonnet is not installed", skip_cause="unavailable"
        ),
        Run("p", "t", "csharp", "subprocess", "reference", "skip", "takes 9000 ms", skip_cause="clock-budget"),
    ]
    assert report.required_problems(runs, ["csharp"]) == [
        "csharp/pythonnet: required but did not run: pythonnet is not installed"
    ]
    assert report.required_problems(runs, ["python"]) == []
    assert report.summarize(runs, required=["csharp"])["ok"] is False
    assert report.summarize(runs)["ok"] is True


# -- the matrix: an error is not a fail, a custom runner keeps its name -------------------------------------


def test_errors_show_as_errors_and_a_custom_runner_that_cannot_start_keeps_its_column(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    code, _ = invoke(
        "run", "--lang", "python", "--pattern", "timeout", "--runner", f"python={tmp_path / 'absent'}",
        "--json", str(out),
    )  # fmt: skip
    assert code == 1
    code, markdown = invoke("report", str(out), "--markdown")
    header = "| pattern | python/inprocess | python/subprocess | python/custom | equivalence |"
    assert markdown.splitlines()[0] == header
    n = len(TIMEOUT.scenarios)
    assert f"| timeout [custom] | - | - | 0/{n} pass, {n} ERROR | - |" in markdown
    assert "FAIL" not in markdown


# -- outputs checked before running; bad saved runs are one line ------------------------------------------


def test_an_unwritable_output_is_refused_before_running(tmp_path: Path) -> None:
    started = time.monotonic()
    for option in ("--json", "--junit"):
        code, output = invoke("run", "--lang", "python", option, str(tmp_path / "no" / "dir" / "a.json"))
        assert code == 2 and "does not exist" in output and "conformance matrix" not in output
    assert time.monotonic() - started < 30  # nothing ran


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json at all", "not JSON"),
        ('{"x": 1}', "JSON without a `runs` list"),
        ('{"runs": [{"pattern": "p"}]}', "runs[0] is not a run record"),
    ],
)
def test_report_on_a_bad_file_says_what_is_wrong_in_one_line(tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = CliRunner().invoke(main, ["report", str(bad)])
    assert result.exit_code == 1
    assert expected in result.output and len(result.output.strip().splitlines()) == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_report_judges_the_runs_again_rather_than_trust_the_saved_verdict(tmp_path: Path) -> None:
    # A file whose runs show a failing reference (edited, merged, or written by an older harness) was
    # shown with its saved summary: "OK: reference 30 pass, 0 fail".
    saved = tmp_path / "run.json"
    code, output = invoke(
        "run", "--lang", "python", "--pattern", "timeout", "--require", "python", "--json", str(saved)
    )
    assert code == 0, output
    data = json.loads(saved.read_text())
    [first] = [r for r in data["runs"] if r["role"] == "reference" and r["check"] == "spec"][:1]
    first.update(status="fail", reason="changed by hand")
    saved.write_text(json.dumps(data))
    code, output = invoke("report", str(saved))
    assert code == 1, output  # the exit status is the runs' verdict: a CI gate on a saved run
    verdict = output.strip().splitlines()[-1]
    assert verdict.startswith("NOT OK: reference 29 pass, 1 fail"), output
    assert "the file's own summary says OK; its runs do not" in output
    # What the runs cannot say by themselves -- a required language that did not run -- comes from the file.
    data["runs"] = [dict(r, status="pass", reason="") if r is first else r for r in data["runs"]]
    data["summary"]["required_problems"] = ["javascript: required but not run (not selected)"]
    data["summary"]["ok"] = False
    saved.write_text(json.dumps(data))
    code, output = invoke("report", str(saved))
    assert "REQUIRED javascript: required but not run" in output and output.strip().splitlines()[-1].startswith(
        "NOT OK"
    )
    assert code == 1
    for form in (["--markdown"], ["--html", str(tmp_path / "site")]):  # every form: no verdict printed, still 1
        assert invoke("report", str(saved), *form)[0] == 1
    data["summary"]["required_problems"] = []
    saved.write_text(json.dumps(data))
    assert invoke("report", str(saved))[0] == 0
    # A record without its role (a file from before roles) was taken for a reference's: a candidate's
    # n/a, counted nowhere under that role, vanished, and a saved NOT OK showed as OK. Refused now.
    del data["runs"][0]["role"]
    saved.write_text(json.dumps(data))
    code, output = invoke("report", str(saved))
    assert code == 1 and "runs[0] is not a run record" in output and "role" in output


# -- hangs: an option, and short reasons ----------------------------------------------------------------------


def test_the_hang_timeout_is_an_option(tmp_path: Path) -> None:
    hanging = _runner(
        tmp_path,
        """
        if request.get("op") == "describe":
            answer["patterns"] = {"timeout": ["mine"]}
        if request.get("op") == "run" and '"after_ms": 30' in json.dumps(request.get("plan")):
            time.sleep(3600)
        if request.get("op") == "run" and request.get("impl") == "mine":
            answer = handle({**request, "impl": "reference"})
        """,
    )
    started = time.monotonic()
    code, output = invoke(
        "run", "--lang", "python", "--pattern", "timeout", "--impl", "mine", "--runner", f"python={hanging}",
        "--hang-timeout", "1",
    )  # fmt: skip
    assert code == 1
    assert "gave no answer within 1 s (restarted)" in output
    assert time.monotonic() - started < 30


def test_the_call_limit_comes_from_the_scenario_and_reasons_stay_short() -> None:
    [bounded] = [p for p in load_spec() if p.id == "bounded-concurrency"]
    scenario = bounded.scenarios[0]
    many = replace(
        scenario, params={**scenario.params, "items": list(range(3000))}, plan={"*": [{"after_ms": 1, "ok": 1}]}
    )
    assert request_for(many, "reference", "virtual", 1)["max_calls"] >= 3000
    with Engine([bounded], ["python"]) as engine:
        [run, *_] = engine.run_scenario(many, "python")
    assert run.status == "fail"  # its expectations are the 10-item scenario's, so it fails -- but it settled
    assert "never settled" not in run.reason
    assert len(run.reason) < 1000 and "first difference" in run.reason


# -- the terminal: a true count, every column whole, each skip reason once --------------------------------


def test_progress_counts_exactly_the_planned_runs() -> None:
    patterns = [p for p in load_spec() if p.id == "task-group"]
    seen: list[Run] = []
    with Engine(patterns, ["python"]) as engine:
        planned = engine.planned("all")
        engine.run_all("all", seen.append)
    assert len(seen) == planned


def test_piped_output_is_not_cut_and_skip_reasons_are_said_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def absent() -> list[object]:
        raise Unavailable("no Node.js found; install Node.js 20 or newer")

    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "javascript", absent)
    code, output = invoke("run", "--lang", "python,javascript", "--pattern", "timeout", "--impl", "reference")
    assert code == 0, output
    assert "python/subprocess" in output and "…" not in output
    assert output.count("no Node.js found") == 2  # the start line, and the skip line
    assert f"skip  {len(TIMEOUT.scenarios)} runs (javascript/- timeout): no Node.js found" in output


def test_a_virtual_only_antipattern_is_skipped_on_the_real_clock_with_its_reason() -> None:
    [timeout] = [p for p in load_spec() if p.id == "timeout"]
    [polling] = [a for a in timeout.antipatterns if a.id == "polling"]
    assert polling.virtual_only and "tolerance band" in polling.virtual_only
    scenario = next(s for s in timeout.scenarios if s.id == "completes-in-time")
    with Engine([timeout], ["python"], clock="real") as engine:
        runs = engine.run_scenario(scenario, "python", "polling")
    assert runs and all(r.status == "skip" and r.skip_cause == "virtual-only" for r in runs)
    assert runs[0].reason == f"virtual clock only: {polling.virtual_only}"
    assert report.required_problems(runs, ["python"]) == []  # the suite's choice, not a missing runtime
    with Engine([timeout], ["python"]) as engine:  # on virtual time it runs, and is caught
        assert {r.status for r in engine.run_scenario(scenario, "python", "polling")} == {"fail"}


def test_the_start_line_says_when_node_is_older_than_the_references_target() -> None:
    from asyncconf.cli import _session_state
    from asyncconf.languages import LanguageSession

    old = LanguageSession("javascript", runtime={"name": "node", "version": "18.4.0"})
    assert "node 18.4.0 — older than the Node.js 20 the references target" in _session_state("javascript", old)
    new = LanguageSession("javascript", runtime={"name": "node", "version": "20.20.2"})
    assert _session_state("javascript", new) == "node 20.20.2"


def test_a_failing_candidate_fails_the_run_and_is_never_counted_as_an_antipattern(tmp_path: Path) -> None:
    runner = _runner(
        tmp_path,
        """
        if request.get("op") == "describe":
            answer["patterns"] = {"timeout": ["mine"]}
        if request.get("op") == "run" and request.get("impl") == "mine":
            if request.get("cancel_at_ms") is not None:
                why = "cannot be cancelled by its caller"
                answer = {"id": request["id"], "error": {"kind": "not-applicable", "message": why}}
            else:
                answer = handle({**request, "impl": "reference"})
                if answer.get("outcome") == {"ok": None}:
                    answer["outcome"] = {"ok": "too late"}  # a wrong answer on the scenarios that time out
        """,
    )
    out = tmp_path / "run.json"
    code, output = invoke(
        "run", "--lang", "python", "--pattern", "timeout", "--impl", "mine", "--runner", f"python={runner}",
        "--json", str(out),
    )  # fmt: skip
    assert code == 1, output
    assert "CANDIDATE python/custom timeout:mine: did not pass: a scenario failed" in output
    assert "anti-patterns 0/0 rejected" in output  # the candidate is not an anti-pattern
    runs = [run for run in json.loads(out.read_text())["runs"] if run["impl"] == "mine" and run["check"] == "spec"]
    assert {run["role"] for run in runs} == {"candidate"}
    statuses = {run["status"] for run in runs}
    assert statuses == {"pass", "fail", "n/a"}, statuses
    assert any(run["reason"] == "cannot be cancelled by its caller" for run in runs if run["status"] == "n/a")


def test_a_runner_of_your_own_that_implements_nothing_selected_is_not_an_ok(tmp_path: Path) -> None:
    """Ours passing beside it is no verdict on it: a --runner whose describe lists none of the selected
    patterns checked nothing of the user's, and a pattern it leaves out is said, not passed over."""
    empty = _runner(
        tmp_path,
        """
        if request.get("op") == "describe":
            answer["patterns"] = {}
        """,
    )
    code, output = invoke(
        "run", "--lang", "python", "--pattern", "timeout", "--impl", "reference", "--runner", f"python={empty}"
    )  # fmt: skip
    assert code == 1, output
    said = "CUSTOM python/custom: implements none of the selected patterns (timeout); nothing of it was checked"
    assert said in output
    assert "NOT OK" in output
    timeout_only = _runner(
        tmp_path,
        """
        if request.get("op") == "describe":
            answer["patterns"] = {"timeout": ["mine"]}
        if request.get("op") == "run" and request.get("impl") == "mine":
            answer = handle({**request, "impl": "reference"})
        """,
    )
    code, output = invoke(
        "run", "--lang", "python", "--pattern", "timeout", "--pattern", "task-group", "--impl", "mine",
        "--runner", f"python={timeout_only}",
    )  # fmt: skip
    assert code == 0, output
    assert "note: python/custom implements no task-group: not checked" in output


@pytest.mark.parametrize(
    ("described", "impl"),
    [
        (["no-cap"], "all"),  # the user's correct code under an anti-pattern's id: never judged, and OK
        (["reference"], "candidates"),  # ours, as a runner built on ours describes it, counted as yours
    ],
)
def test_a_runner_of_your_own_runs_no_id_of_ours(tmp_path: Path, described: list[str], impl: str) -> None:
    """A runner of the user's own described ids of ours: the harness cannot tell a copy of ours from
    the user's code under our name. As an anti-pattern it had no reference on its transport, so it
    was never judged -- "skipped", JUnit "not run" -- and the run was OK; as `reference`, our
    reference (the JavaScript seam's `serve` and Python's runner describe it) counted as the user's
    passing candidate. Ids of ours are not run there, and the run says so."""
    runner = _runner(
        tmp_path,
        f"""
        if request.get("op") == "describe":
            answer["patterns"] = {{"retry-backoff": {described!r}, "timeout": ["mine"]}}
        if request.get("op") == "run" and request.get("impl") != "reference":
            answer = handle({{**request, "impl": "reference"}})
        """,
    )
    code, output = invoke(
        "run", "--lang", "python", "--pattern", "retry-backoff", "--impl", impl, "--runner", f"python={runner}"
    )  # fmt: skip
    assert code == 1, output
    assert "CUSTOM python/custom: implements none of the selected patterns (retry-backoff)" in output
    ours = ", ".join(i for i in described if i != "mine")
    said = "python/custom describes ids of ours, not run there -- a runner of your own is checked on ids of its own"
    assert f"{said}: retry-backoff ({ours})" in output
    assert "python/custom" not in output.split("CUSTOM")[0]  # no column: it ran nothing


def test_an_id_of_another_pattern_only_is_refused(tmp_path: Path) -> None:
    """`--pattern timeout --impl no-cap` (retry-backoff's) selected nothing, ran the reference alone and said OK."""
    code, output = invoke("run", "--lang", "python", "--pattern", "timeout", "--impl", "no-cap")
    assert code == 2, output
    assert "no runner implements no-cap for the selected patterns" in output


def test_a_candidates_skip_is_recorded_only_where_it_is(tmp_path: Path) -> None:
    """On the real clock a virtual-only scenario is skipped; a candidate only the user's runner has
    was recorded as skipped on ours too, which made it "nothing checked" there: NOT OK for a pass."""
    mine = _runner(
        tmp_path,
        """
        if request.get("op") == "describe":
            answer["patterns"] = {"timeout": ["mine"]}
        if request.get("op") == "run" and request.get("impl") == "mine":
            answer = handle({**request, "impl": "reference"})
        """,
    )
    out = tmp_path / "run.json"
    for attempt in range(3):  # real time on a loaded machine can miss a band (as tests/test_real_clock.py allows)
        code, output = invoke(
            "run", "--clock", "real", "--lang", "python", "--pattern", "timeout", "--impl", "mine",
            "--runner", f"python={mine}", "--json", str(out),
        )  # fmt: skip
        if code == 0:
            break
        time.sleep(0.2 * (attempt + 1))  # seen: own-cancellation-propagates's 20 ms failure behind its 50 ms limit
    assert code == 0, output
    runs = json.loads(out.read_text())["runs"]
    assert {run["transport"] for run in runs if run["impl"] == "mine"} == {"custom"}
    assert "candidates 1/1 pass" in output


def test_the_junit_report_fails_exactly_when_the_run_is_not_ok(tmp_path: Path) -> None:
    """A CI reading only the XML must see what the terminal says: a candidate that checked nothing,
    a required language that did not run, a run that checked nothing -- each NOT OK, each a failure."""
    from xml.etree import ElementTree

    def failures(runs: list[Run], **given: Any) -> list[str]:
        path = tmp_path / "run.xml"
        report.write_junit(path, runs, report.summarize(runs, **given))
        root = ElementTree.parse(path).getroot()
        return [f.get("message") or "" for f in root.iter() if f.tag in ("failure", "error")]

    passed = Run("p", "s1", "python", "inprocess", "reference", "pass")
    assert failures([passed]) == []
    not_applicable = Run("p", "s1", "python", "custom", "mine", "n/a", "no factor option", role="candidate")
    assert any("python/custom p:mine" in m for m in failures([passed, not_applicable]))
    skipped = Run("p", "s1", "csharp", "subprocess", "reference", "skip", "no dotnet", skip_cause="unavailable")
    assert any(
        "csharp/subprocess: required but did not run" in m for m in failures([passed, skipped], required=["csharp"])
    )
    assert failures([replace(passed, status="skip", reason="not built")]) != []  # nothing was checked


def test_a_candidate_whose_every_scenario_is_not_applicable_does_not_pass() -> None:
    runs = [
        Run("p", "s1", "python", "custom", "mine", "n/a", "no factor option", role="candidate"),
        Run("p", "s1", "python", "inprocess", "reference", "pass"),
    ]
    assert report.candidate_verdicts(runs) == {"python/custom p:mine": "nothing checked"}
    assert report.summarize(runs)["ok"] is False


def test_the_in_process_python_run_is_judged_by_its_own_block_limit() -> None:
    from asyncconf.checker import BLOCK_LIMIT_MS, check
    from asyncconf.transports.python import PythonInProcess

    scenario = TIMEOUT.scenarios[0]
    transport = PythonInProcess()
    assert transport.block_limit_ms is not None and transport.block_limit_ms > BLOCK_LIMIT_MS
    transport.start()
    answer = transport.request(request_for(scenario, "reference", "virtual", 1), timeout_s=30)
    waited_for_the_gil = {**answer, "blocked_ms": BLOCK_LIMIT_MS + 4}
    assert check(scenario, waited_for_the_gil, block_limit_ms=transport.block_limit_ms) == []
    assert [m.check for m in check(scenario, waited_for_the_gil)] == ["blocked_ms"]  # the protocol's 50 ms
    blocked = {**answer, "blocked_ms": transport.block_limit_ms}
    assert [m.check for m in check(scenario, blocked, block_limit_ms=transport.block_limit_ms)] == ["blocked_ms"]
