"""The engine: a runner that hangs, crashes or prints garbage costs only that scenario, which is
reported with the reason; the runner is restarted and the run goes on."""

from __future__ import annotations

import json
import sys
import textwrap
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from asyncconf import engine as engine_module
from asyncconf import languages, report
from asyncconf.cli import _print_problems
from asyncconf.engine import RUN_BATCH, Engine, Run
from asyncconf.spec import Pattern, Scenario, load_spec
from asyncconf.transports.base import TransportError
from asyncconf.transports.jsonl_process import JsonLinesProcess
from asyncconf.transports.python import PythonInProcess

# A "javascript" runner that delegates to the Python runner, except for three scenarios.
FLAKY_RUNNER = textwrap.dedent(
    """
    import json, sys, time
    from asyncpatterns.runner import handle
    for line in sys.stdin:
        request = json.loads(line)
        delay = request.get("params", {}).get("base_delay_ms")
        plan = json.dumps(request.get("plan"))
        if request.get("op") == "run" and request["pattern"] == "timeout" and '"after_ms": 30' in plan:
            time.sleep(3600)                      # completes-in-time: hangs
        if request.get("op") == "run" and request["pattern"] == "timeout" and '"after_ms": 80' in plan:
            sys.exit(9)                           # exceeds-limit: crashes
        if request.get("op") == "run" and request["pattern"] == "timeout" and '"cancel_ms": 5' in plan:
            print("Segmentation fault (not really)", flush=True)   # slow-to-stop: garbage
            continue
        print(json.dumps(handle(request)), flush=True)
    """
)


def test_bad_runner_answers_cost_only_their_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "flaky_runner.py"
    script.write_text(FLAKY_RUNNER)
    monkeypatch.setitem(
        languages.TRANSPORT_FACTORIES,
        "javascript",
        lambda: [JsonLinesProcess("javascript", "subprocess", [sys.executable, str(script)], cwd=tmp_path)],
    )
    monkeypatch.setattr("asyncconf.engine.wall_timeout_s", lambda request, hang_timeout_s: 2.0)
    # It answers check_api as Python would: the JavaScript names would all be "missing".
    timeout = [replace(p, api={"javascript": ()}) for p in load_spec() if p.id == "timeout"]
    with Engine(timeout, ["javascript"]) as engine:
        runs = {run.scenario: run for run in engine.run_all("reference")}
        restarts = engine.session("javascript").transports[0].restarts  # type: ignore[attr-defined]
    assert runs["completes-in-time"].status == "error"
    assert "gave no answer within 2 s (restarted)" in runs["completes-in-time"].reason
    assert runs["exceeds-limit"].status == "error"
    assert "exited with code 9" in runs["exceeds-limit"].reason
    assert runs["slow-to-stop"].status == "error"
    assert "not JSON: 'Segmentation fault (not really)'" in runs["slow-to-stop"].reason
    for name in ("own-failure-propagates", "own-timeout-error-propagates", "caller-cancels"):
        assert runs[name].status == "pass", runs[name].reason  # the run went on
    # One restart per run that hung, crashed or printed garbage (a new timeout scenario may match a trigger too).
    assert restarts == sum(run.status == "error" for run in runs.values()) >= 3
    assert json.dumps([r.to_json() for r in runs.values()])  # every record serializes


def _answer(trace: list[dict[str, object]], outcome: object = None) -> dict[str, object]:
    return {"outcome": outcome or {"ok": "data"}, "trace": trace, "elapsed_ms": 20, "leaks": []}


def test_a_divergence_between_languages_fails_naming_the_first_differing_event() -> None:
    from asyncconf.engine import Run, compare_languages

    base = [
        {"t": 0, "ev": "call", "key": "a", "n": 1},
        {"t": 0, "ev": "call", "key": "b", "n": 1},
        {"t": 20, "ev": "ok", "key": "a", "n": 1},
    ]
    reordered = [base[1], base[0], base[2]]  # the same instant in another order: not a divergence
    late = [base[0], base[1], {"t": 21, "ev": "ok", "key": "a", "n": 1}]

    def run(lang: str, transport: str, trace: list[dict[str, object]]) -> Run:
        return Run("p", "s", lang, transport, "reference", "pass", answer=_answer(trace))

    records = list(
        compare_languages(
            [
                run("python", "inprocess", base),
                run("python", "subprocess", reordered),
                run("javascript", "subprocess", late),
            ]
        )
    )
    assert [(r.lang, r.transport, r.status) for r in records] == [
        ("python", "subprocess", "pass"),
        ("javascript", "subprocess", "fail"),
    ]
    assert records[1].reason == "differs from python/inprocess: trace event 3: t=20 ok a#1 vs t=21 ok a#1"
    assert records[1].check == "equivalence"


def test_a_transport_that_did_not_run_is_left_out_unless_its_language_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from asyncconf.engine import Run
    from asyncconf.pytest_plugin import ran_transports

    runs = [
        Run("p", "s1", "csharp", "pythonnet", "no-cap", "skip", "pythonnet is not installed"),
        Run("p", "s1", "csharp", "subprocess", "no-cap", "pass"),
        Run("p", "s2", "csharp", "pythonnet", "no-cap", "skip", "pythonnet is not installed"),
        Run("p", "s2", "csharp", "subprocess", "no-cap", "fail", "calls: ..."),
    ]
    monkeypatch.delenv("ASYNCCONF_REQUIRE", raising=False)
    # Left out: an anti-pattern is judged by the transports that ran, not called "missed" by one that could not.
    assert [run.transport for run in ran_transports("csharp", runs)] == ["subprocess", "subprocess"]
    monkeypatch.setenv("ASYNCCONF_REQUIRE", "python,csharp")
    expected = r"\(ASYNCCONF_REQUIRE\): csharp/pythonnet: required but did not run: pythonnet is not installed"
    with pytest.raises(pytest.fail.Exception, match=expected):
        ran_transports("csharp", runs)


def test_invocations_are_sent_and_their_settle_times_compared_across_languages() -> None:
    from asyncconf import equivalence
    from asyncconf.engine import request_for

    pattern = next(p for p in load_spec() if p.invoked == "many")
    scenario = next(s for s in pattern.scenarios if any(i["cancel_at_ms"] is not None for i in s.invocations or ()))
    request = request_for(scenario, "reference", "virtual", 1)
    assert request["invocations"] == [dict(i) for i in scenario.invocations or ()]
    assert request["cancel_at_ms"] is None
    assert "invocations" not in request_for(
        next(p for p in load_spec() if p.id == "timeout").scenarios[0], "reference", "virtual", 2
    )

    answer = {"outcome": {"each": [{"ok": 1}, {"ok": 2}]}, "elapsed_ms": 30, "trace": [], "settled_at_ms": [30, 10]}
    swapped = {**answer, "settled_at_ms": [10, 30]}  # the same outcomes and end, but who settled when differs
    assert equivalence.first_difference(equivalence.canonical(answer), equivalence.canonical(swapped)) == (
        "settled_at_ms: [30, 10] vs [10, 30]"
    )


def test_the_limit_of_a_run_with_invocations_counts_from_its_last_caller() -> None:
    """A caller that starts after 60 s of virtual time (the fuzzer spaces tame invocations that far
    apart) is still inside the run's limit: the limit is ten times the latest instant a scenario
    names, not only its expected end."""
    from dataclasses import replace

    from asyncconf.engine import request_for

    pattern = next(p for p in load_spec() if p.id == "async-lock")
    scenario = replace(
        pattern.scenarios[0],
        expect={},
        invocations=(
            {"at_ms": 1, "key": "a", "cancel_at_ms": None},
            {"at_ms": 63_993, "key": "a", "cancel_at_ms": 64_001},
        ),
    )
    assert request_for(scenario, "reference", "virtual", 1)["limit_ms"] >= 10 * 64_001


def test_the_limit_covers_every_delay_of_a_scenario_without_an_expected_end() -> None:
    """A fuzzed example names no end: a job that takes 65 s to stop after its cancellation must
    still be waited for on virtual time (found by ``asyncconf fuzz --seed 2026``: unfinished
    everywhere under a 60 s limit)."""
    from dataclasses import replace

    from asyncconf.engine import request_for

    pattern = next(p for p in load_spec() if p.id == "graceful-shutdown")
    scenario = replace(
        pattern.scenarios[0],
        expect={},
        params={"jobs": {"a": 0, "b": 10, "c": 30}, "drain_ms": 0, "close_ms": 0},
        plan={
            "a": [{"after_ms": 0, "ok": "v"}],
            "b": [{"after_ms": 4, "ok": "v"}, {"after_ms": 8, "ok": "v"}],
            "c": [{"after_ms": 16, "ok": "v", "cancel_ms": 65536}],
            "d": [{"after_ms": 32, "ok": "v"}],
        },
        cancel_at_ms=None,
    )
    request = request_for(scenario, "reference", "virtual", 1)
    assert request["limit_ms"] >= 65536 + 16
    from asyncpatterns.runner import handle

    assert "unfinished" not in handle(request)["outcome"]


def test_the_limit_covers_a_last_step_repeated_once_per_item() -> None:
    """A key's last step repeats for every further call (PROTOCOL.md section 3): a producer called
    once per item takes its one 16,384 ms step five times (found by the fuzz campaign, backpressure
    seed 1: unfinished everywhere under a 60 s limit)."""
    from dataclasses import replace

    from asyncconf.engine import request_for

    pattern = next(p for p in load_spec() if p.id == "backpressure")
    scenario = replace(
        pattern.scenarios[0],
        expect={},
        params={"items": ["a", "b", "c", "d", "e"], "capacity": 2, "workers": 2},
        plan={key: [{"after_ms": 0, "ok": "v"}] for key in "abcde"} | {"produce": [{"after_ms": 16384, "ok": "v"}]},
        cancel_at_ms=None,
    )
    request = request_for(scenario, "reference", "virtual", 1)
    assert request["limit_ms"] >= 5 * 16384
    from asyncpatterns.runner import handle

    assert "unfinished" not in handle(request)["outcome"]


def test_the_limit_from_the_delays_stays_a_timer_every_runtime_arms() -> None:
    from dataclasses import replace

    from asyncconf.engine import LONGEST_TIMER_MS, request_for

    pattern = next(p for p in load_spec() if p.id == "timeout")
    scenario = replace(pattern.scenarios[0], expect={"elapsed_ms": 10}, params={"timeout_ms": LONGEST_TIMER_MS})
    assert request_for(scenario, "reference", "virtual", 1)["limit_ms"] == LONGEST_TIMER_MS


class _Recording(PythonInProcess):
    """The in-process Python runner, noting the size of each batch it is handed."""

    def __init__(self, batches: list[int]) -> None:
        self.batches = batches

    def request_batch(
        self, payloads: Sequence[dict[str, Any]], *, timeouts_s: Sequence[float]
    ) -> list[dict[str, Any] | TransportError]:
        self.batches.append(len(payloads))
        return super().request_batch(payloads, timeouts_s=timeouts_s)


def test_run_all_hands_each_transport_its_runs_in_batches_on_virtual_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # A runner process answers a batch back to back; one request at a time, it waited between two
    # runs for the harness to take the answer and send the next (the matrix's CPU: 11.3 -> 8.1 s).
    batches: list[int] = []
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [_Recording(batches)])
    retry = [p for p in load_spec() if p.id == "retry-backoff"]
    with Engine(retry, ["python"]) as engine:
        runs = [run for run in engine.run_all("reference") if run.check == "spec"]
    assert len(runs) == len(retry[0].scenarios) > RUN_BATCH  # else one batch proves nothing
    assert batches == [RUN_BATCH, len(runs) - RUN_BATCH]
    assert all(run.status == "pass" and run.wall_ms for run in runs), [(r.scenario, r.reason) for r in runs]


def test_a_scenario_the_spec_does_not_run_in_a_language_is_a_skip_there_never_a_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A value no implementation of a language can be given (2.5 for a C# int) is refused by its
    # runner's binding: a "pass" there would pass every implementation of it on what none of them saw.
    batches: list[int] = []
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [_Recording(batches)])
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    scenario = replace(retry.scenario("fractional-max-attempts-is-invalid"), not_in={"python": "it cannot hold 2.5"})
    with Engine([replace(retry, scenarios=(scenario,))], ["python"]) as engine:
        runs = [run for run in engine.run_all("reference") if run.check == "spec"]
    assert batches == []  # nothing was sent
    assert [(run.status, run.skip_cause, run.reason) for run in runs] == [
        ("skip", "not-in-language", "not a python scenario: it cannot hold 2.5")
    ]
    assert report.required_problems(runs, ["python"]) == []  # the spec's choice, not a missing runtime
    candidate = [replace(run, impl="mine", role="candidate") for run in runs]
    assert report.candidate_verdicts(candidate) == {"python/inprocess retry-backoff:mine": "nothing checked"}


def test_run_all_runs_one_at_a_time_on_the_real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real-clock runs take real time anyway; one at a time, the run the harness waits for is known.
    batches: list[int] = []
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [_Recording(batches)])
    real_request = PythonInProcess.request

    def request(self: PythonInProcess, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        if payload.get("op", "run") == "run":  # not run: the real clock would take seconds
            return {"id": payload["id"], "error": {"kind": "internal", "message": "not run"}}
        return real_request(self, payload, timeout_s=timeout_s)

    monkeypatch.setattr(PythonInProcess, "request", request)
    retry = [p for p in load_spec() if p.id == "retry-backoff"]
    with Engine(retry, ["python"], clock="real") as engine:
        runs = [run for run in engine.run_all("reference") if run.check == "spec" and run.status != "skip"]
    assert len(runs) > 1 and batches == [1] * len(runs)


def test_a_harness_bug_judging_one_run_costs_that_run_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_check = engine_module.check

    def check(scenario: Any, answer: Any, **kwargs: Any) -> Any:
        if scenario.id == "third-attempt-succeeds":
            raise ValueError("a checker bug")
        return real_check(scenario, answer, **kwargs)

    monkeypatch.setattr(engine_module, "check", check)
    retry = [p for p in load_spec() if p.id == "retry-backoff"]
    with Engine(retry, ["python"]) as engine:
        runs = {(run.scenario, run.transport): run for run in engine.run_all("reference") if run.check == "spec"}
    broken = {key: run for key, run in runs.items() if run.status != "pass"}
    assert set(broken) == {("third-attempt-succeeds", "inprocess"), ("third-attempt-succeeds", "subprocess")}
    assert all(run.reason == "harness error: ValueError: a checker bug" for run in broken.values())


def test_a_closed_transport_starts_no_runner_again(tmp_path: Path) -> None:
    # The harness closes its transports while a request of another thread still waits: that thread
    # sees its runner end, and used to start a new one -- which outlived the harness.
    transport = JsonLinesProcess(
        "python",
        "subprocess",
        [sys.executable, "-c", "import sys, time\nfor _ in sys.stdin: time.sleep(30)"],
        cwd=tmp_path,
    )
    transport.start()
    errors: list[str] = []

    def ask() -> None:
        try:
            transport.request({"id": 1, "op": "run"}, timeout_s=20)
        except TransportError as error:
            errors.append(str(error))

    waiting = threading.Thread(target=ask)
    waiting.start()
    time.sleep(0.5)  # the request is written and waits for its answer
    transport.close()
    waiting.join(timeout=10)
    assert not waiting.is_alive()
    assert transport._process is None, "a runner was started after close"
    assert errors and "closed" in errors[0]


class _Stalling(PythonInProcess):
    """The in-process Python runner, whose answers to one scenario's runs of one implementation
    read a block of the limit as long as ``stalls`` lasts: the host stalling the loop's thread
    (seen: python/subprocess read 64 ms at t=0 of a reference run in a full matrix run)."""

    def __init__(self, plan: dict[str, Any], impl: str, stalls: int | list[bool], field: str = "blocked_ms") -> None:
        """``stalls``: how many tries in a row read a block, or for each try whether it does;
        ``field``: the answer's field that says it (``named_block_ms``: a sleep the runner replaced;
        ``stopped_by``: the C# runner's pool-busy budget, which a host keeping the pool busy spends)."""
        self.plan, self.impl, self.sent, self.field = plan, impl, 0, field
        self.stalls = stalls if isinstance(stalls, list) else [True] * stalls

    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        answer = super().request(payload, timeout_s=timeout_s)
        if payload.get("plan") != self.plan or payload.get("impl") != self.impl:
            return answer
        self.sent += 1
        if not (self.stalls and self.stalls.pop(0)):
            return answer
        if self.field == "stopped_by":
            reason = "thread-pool work kept running for more than 2 s of real time while virtual time waited for it"
            return {**answer, "outcome": {"unfinished": True, "reason": reason}, "stopped_by": "pool_busy"}
        blocked = int(self.block_limit_ms or 0) + 14
        reason = f"blocked the event loop for {blocked} ms of real time"
        return {**answer, "outcome": {"unfinished": True, "reason": reason}, self.field: blocked}


@pytest.mark.parametrize("stalls", [1, 2])
def test_a_block_that_fails_a_reference_run_counts_only_if_a_second_try_reads_it_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stalls: int
) -> None:
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    scenario = retry.scenarios[0]
    stalling = _Stalling(scenario.plan, "reference", stalls)
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [stalling])
    with Engine([replace(retry, scenarios=[scenario])], ["python"]) as engine:
        runs = [run for run in engine.run_all("reference") if run.check == "spec"]
    assert stalling.sent == (3 if stalls == 1 else 2) and len(runs) == 1  # tried again, counted once
    run = runs[0]
    assert run.first_try == "blocked_ms: expected under 250.0, saw 264 (blocked the event loop for 264 ms)"
    if stalls == 1:  # the host stalled once: the second try's verdict stands, and says it is one
        assert run.status == "pass", run.reason
        assert report.summarize(runs)["second_tries"] == [
            f"python/inprocess retry-backoff/{scenario.id} [reference]: passed on a second try; the first failed "
            "blocked_ms: expected under 250.0, saw 264 (blocked the event loop for 264 ms)"
        ]
        _print_problems(runs, report.summarize(runs), verbose=False)
        printed = capsys.readouterr().out
        assert f"note: python/inprocess retry-backoff/{scenario.id} [reference]: passed on a second try" in printed
        assert "; 1 passed only on a second try (see the notes)" in printed  # in the verdict line too
    else:  # a block that repeats is the run's
        assert run.status == "fail"
        assert (
            run.reason
            == "blocked_ms: expected under 250.0, saw 264 (blocked the event loop for 264 ms); so did a first try"
        )
        assert report.summarize(runs)["second_tries"] == []


def test_a_block_that_comes_back_on_a_third_try_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A block on the first try and not on the second is tried a third time: code that blocks every
    other call (its state carried from run to run in one runner) passed on the clean second try."""
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    scenario = retry.scenarios[0]
    stalling = _Stalling(scenario.plan, "reference", [True, False, True])
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [stalling])
    with Engine([replace(retry, scenarios=[scenario])], ["python"]) as engine:
        runs = [run for run in engine.run_all("reference") if run.check == "spec"]
    assert stalling.sent == 3 and [run.status for run in runs] == ["fail"]
    assert runs[0].reason.endswith(
        "; so did the first try, not the second: a block that comes and goes with the runner's state is the code's"
    )


def test_a_named_block_is_not_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A sleep the runner replaced is exact, no stall of the host: code that sleeps on its first
    # call only (a warm-up) would pass a second try.
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    scenario = retry.scenarios[0]
    stalling = _Stalling(scenario.plan, "reference", 1, field="named_block_ms")
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [stalling])
    with Engine([replace(retry, scenarios=[scenario])], ["python"]) as engine:
        runs = [run for run in engine.run_all("reference") if run.check == "spec"]
    assert stalling.sent == 1 and [(run.status, run.first_try) for run in runs] == [("fail", "")]
    assert runs[0].reason.startswith("named_block_ms: expected under 50, saw 264"), runs[0].reason


def _no_cap_stalling_where_it_passes(
    monkeypatch: pytest.MonkeyPatch, stalls: int, field: str = "blocked_ms"
) -> tuple[Pattern, Scenario, _Stalling]:
    """retry-backoff; first-attempt-succeeds, which no-cap passes; and the Python runner, whose first
    ``stalls`` runs of no-cap there read a block of the limit (or say ``field``)."""
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    scenario = next(s for s in retry.scenarios if s.id == "first-attempt-succeeds")
    stalling = _Stalling(scenario.plan, "no-cap", stalls, field)
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [stalling])
    return retry, scenario, stalling


@pytest.mark.parametrize("stalls", [1, 2])
def test_an_antipattern_rejected_by_a_block_alone_is_rejected_only_if_a_second_try_reads_it_too(
    monkeypatch: pytest.MonkeyPatch, stalls: int
) -> None:
    # no-cap passes first-attempt-succeeds: a stall of the host there was its only "rejection" --
    # an OK for a mistake the scenario does not catch.
    retry, scenario, stalling = _no_cap_stalling_where_it_passes(monkeypatch, stalls)
    with Engine([replace(retry, scenarios=[scenario])], ["python"]) as engine:
        runs = [run for run in engine.run_all("all") if run.check == "spec"]
    mine = [run for run in runs if run.impl == "no-cap"]
    assert stalling.sent == 2 and len(mine) == 1  # tried again, counted once
    assert mine[0].first_try.startswith("blocked_ms: expected under 250.0, saw 264")
    verdict = report.antipattern_verdicts(runs)["python", "inprocess", "retry-backoff", "no-cap"]
    if stalls == 1:  # the host stalled once: not a rejection, and said so
        assert (mine[0].status, verdict) == ("pass", "missed")
        assert report.summarize(runs)["second_tries"] == [
            "python/inprocess retry-backoff/first-attempt-succeeds [no-cap]: passed on a second try; the first "
            "failed blocked_ms: expected under 250.0, saw 264 (blocked the event loop for 264 ms)"
        ]
    else:  # a block that repeats is the anti-pattern's
        assert (mine[0].status, verdict) == ("fail", "rejected")
        assert mine[0].reason.endswith("; so did a first try")


def test_an_antipattern_rejected_otherwise_is_not_tried_again_for_a_block(monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocking is what several anti-patterns do: where another scenario rejects it for what it does,
    # a block's second try would tell nothing and cost the limit again.
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    stalled, rejecting = (
        next(s for s in retry.scenarios if s.id == i) for i in ("third-attempt-succeeds", "delay-is-capped")
    )
    stalling = _Stalling(stalled.plan, "no-cap", 2)
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [stalling])
    with Engine([replace(retry, scenarios=[stalled, rejecting])], ["python"]) as engine:
        runs = [run for run in engine.run_all("no-cap") if run.check == "spec" and run.role == "antipattern"]
    assert stalling.sent == 1 and [(run.status, run.first_try) for run in runs] == [("fail", ""), ("fail", "")]
    assert "blocked" not in runs[1].reason, runs[1].reason


def _antipattern_runs(runs: list[Run], impl: str) -> dict[str, list[tuple[str, str]]]:
    """Each transport's (scenario, status) of ``impl``, in the spec's order."""
    by_transport: dict[str, list[tuple[str, str]]] = {}
    for run in runs:
        if run.check == "spec" and run.impl == impl:
            by_transport.setdefault(run.transport, []).append((run.scenario, run.status))
    return by_transport


def test_until_rejected_an_antipattern_runs_on_a_transport_until_a_scenario_rejects_it() -> None:
    # As a mutation tester stops a mutant's tests at its first kill: the verdict is the same, and
    # most of the matrix's runs were anti-patterns' after their rejection (7,144 of 9,234).
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    with Engine([retry], ["python"]) as engine:
        # No block reading, which is real time: no-cap rejected otherwise, a block it read by a stall
        # of the host on a scenario it passes stands as a failure of its own (_confirm_rejections),
        # and a loaded CI host once failed it on the first scenario, leaving nothing to spare.
        for transport in engine.session("python").transports:
            transport.block_limit_ms = 60_000
        every = engine.run_all("no-cap")
        spared_counts: list[int] = []
        until = engine.run_all("no-cap", until_rejected=True, on_spared=spared_counts.append)
        planned = engine.planned("no-cap")
    full, short = _antipattern_runs(every, "no-cap"), _antipattern_runs(until, "no-cap")
    assert set(short) == {"inprocess", "subprocess"}
    for transport, made in short.items():
        first_failure = next(at for at, (_, status) in enumerate(full[transport]) if status == "fail")
        assert 0 < first_failure < len(full[transport]) - 1, full[transport]  # else there is nothing to spare
        assert made == full[transport][: first_failure + 1]  # the spec's order, up to its rejection
    spec_runs = [run for run in until if run.check == "spec"]
    assert sum(spared_counts) == planned - len(spec_runs) > 0  # the progress display's total comes down
    assert report.antipattern_verdicts(until) == report.antipattern_verdicts(every)
    assert set(report.antipattern_verdicts(until).values()) == {"rejected"}
    # The references and the equivalence records are the same either way.
    assert [(r.scenario, r.transport, r.status) for r in until if r.impl == "reference"] == [
        (r.scenario, r.transport, r.status) for r in every if r.impl == "reference"
    ]


def test_until_rejected_a_failure_where_the_reference_failed_too_rejects_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only a scenario the reference passes on that transport judges an anti-pattern; stopped by
    # another, it would be "missed" for want of the scenario that rejects it.
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    broken = retry.scenarios[0].id
    real_check = engine_module.check

    def check(scenario: Any, answer: Any, **kwargs: Any) -> Any:
        from asyncconf.checker import Mismatch

        found = real_check(scenario, answer, **kwargs)
        return [*found, Mismatch("outcome", "x", "y", "a checker that fails it")] if scenario.id == broken else found

    monkeypatch.setattr(engine_module, "check", check)
    with Engine([retry], ["python"]) as engine:
        runs = engine.run_all("no-cap", until_rejected=True)
    for transport, made in _antipattern_runs(runs, "no-cap").items():
        assert made[0] == (broken, "fail") and len(made) > 1, (transport, made)
        assert made[-1][1] == "fail" and all(status == "pass" for _, status in made[1:-1]), made
    assert set(report.antipattern_verdicts(runs).values()) == {"rejected"}


@pytest.mark.parametrize("field", ["blocked_ms", "stopped_by"])
@pytest.mark.parametrize("stalls", [1, 2])
def test_until_rejected_a_block_alone_rejects_only_once_a_second_try_reads_it_too(
    monkeypatch: pytest.MonkeyPatch, stalls: int, field: str
) -> None:
    # no-cap passes first-attempt-succeeds: a stall of the host there is no rejection to stop at --
    # nor is a real-time budget a host's stall spent (stopped_by).
    retry, first, stalling = _no_cap_stalling_where_it_passes(monkeypatch, stalls, field)
    with Engine([retry], ["python"]) as engine:
        runs = engine.run_all("no-cap", until_rejected=True)
    made = _antipattern_runs(runs, "no-cap")["inprocess"]
    mine = next(r for r in runs if r.impl == "no-cap" and r.scenario == first.id)
    said = "blocked_ms: expected under 250.0, saw 264" if field == "blocked_ms" else "stopped by its pool busy"
    assert stalling.sent == 2 and mine.first_try.startswith(said), mine.first_try
    if stalls == 1:  # passed on its second try: it goes on to the scenario that rejects it
        assert mine.status == "pass" and len(made) > 1 and made[-1][1] == "fail", made
    else:  # read again: a rejection, and the last of its runs
        assert made[-1] == (first.id, "fail") and mine.reason.endswith("; so did a first try"), made
    assert report.antipattern_verdicts(runs)["python", "inprocess", "retry-backoff", "no-cap"] == "rejected"


@pytest.mark.parametrize("stalls", [1, 2])
def test_a_reference_run_a_real_time_budget_stopped_counts_only_if_a_second_try_is_stopped_too(
    monkeypatch: pytest.MonkeyPatch, stalls: int
) -> None:
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    scenario = retry.scenarios[0]
    stalling = _Stalling(scenario.plan, "reference", stalls, "stopped_by")
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [stalling])
    with Engine([replace(retry, scenarios=[scenario])], ["python"]) as engine:
        [run] = [run for run in engine.run_all("reference") if run.check == "spec"]
    assert stalling.sent == 2 and run.first_try.startswith("stopped by its pool busy (real time): outcome:")
    assert run.status == ("pass" if stalls == 1 else "fail"), run.reason
    if stalls == 2:
        assert run.reason.endswith("; so did a first try")


def _failing_first_tries(monkeypatch: pytest.MonkeyPatch, impl: str, tries: int) -> list[str]:
    """The checker fails the first ``tries`` runs of ``impl`` as a late reading of the real clock
    would, and passes every other run; returns the log of every run of ``impl`` it judged.

    Every other run passes whatever its answer: on the real clock a failure is itself a reading of
    real time, and these tests are about the engine's second tries, not the runners' times (CI, on
    a loaded host, once saw the reference fail both of its tries: the anti-pattern was then not
    judged, ``skipped``, where the test asked for ``missed``)."""
    seen: list[str] = []

    def check(scenario: Any, answer: Any, **kwargs: Any) -> Any:
        from asyncconf.checker import Mismatch

        if answer.get("id") in ids:
            seen.append(scenario.id)
            if len(seen) <= tries:
                return [Mismatch("elapsed_ms", 30, 120, "real clock: outside the band it allows")]
        return []

    ids: set[int] = set()  # the requests of ``impl``
    real_request_for = engine_module.request_for

    def request_for(scenario: Any, asked: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        request = real_request_for(scenario, asked, *args, **kwargs)
        if asked == impl:
            ids.add(request["id"])
        return request

    monkeypatch.setattr(engine_module, "check", check)
    monkeypatch.setattr(engine_module, "request_for", request_for)
    monkeypatch.setitem(languages.TRANSPORT_FACTORIES, "python", lambda: [PythonInProcess()])  # one transport
    return seen


@pytest.mark.parametrize("tries", [1, 2])
def test_on_the_real_clock_a_failed_reference_run_is_tried_again(monkeypatch: pytest.MonkeyPatch, tries: int) -> None:
    # Its times are readings of real time: a stall of the host turned async-stream's order of two
    # events 15 ms apart in `asyncconf run --clock real`, a false FAIL the real-clock tests (three
    # tries) never showed.
    timeout = next(p for p in load_spec() if p.id == "timeout")
    scenario = next(s for s in timeout.scenarios if s.id == "completes-in-time")
    seen = _failing_first_tries(monkeypatch, "reference", tries)
    with Engine([replace(timeout, scenarios=[scenario])], ["python"], clock="real") as engine:
        runs = engine.run_scenario(scenario, "python")
    assert len(seen) == 2 and [run.first_try for run in runs] == [
        "elapsed_ms: expected 30, saw 120 (real clock: outside the band it allows)"
    ]
    assert runs[0].status == ("pass" if tries == 1 else "fail"), runs[0].reason
    if tries == 2:
        assert runs[0].reason.endswith("; so did a first try")


@pytest.mark.parametrize("until_rejected", [False, True])
def test_on_the_real_clock_an_antipattern_is_rejected_only_by_a_failure_a_second_try_repeats(
    monkeypatch: pytest.MonkeyPatch, until_rejected: bool
) -> None:
    # Seen: `sequential` failed parallel-partial-failures/all-fail's band on a slow first try (120 ms
    # for 30) and passed it on the next (90 ms is inside the band): a rejection by a stall.
    timeout = next(p for p in load_spec() if p.id == "timeout")
    scenario = next(s for s in timeout.scenarios if s.id == "completes-in-time")  # raises-on-timeout passes it
    seen = _failing_first_tries(monkeypatch, "raises-on-timeout", 1)
    with Engine([replace(timeout, scenarios=[scenario])], ["python"], clock="real") as engine:
        runs = engine.run_all("raises-on-timeout", until_rejected=until_rejected)
    mine = [run for run in runs if run.impl == "raises-on-timeout"]
    assert len(seen) == 2 and [run.status for run in mine] == ["pass"] and mine[0].first_try
    verdicts = report.antipattern_verdicts(runs)
    assert set(verdicts.values()) == {"missed"}, verdicts


def test_run_jobs_gives_each_job_its_runs_in_the_order_run_scenario_does() -> None:
    retry = next(p for p in load_spec() if p.id == "retry-backoff")
    jobs = [(scenario, "python", impl) for impl in ("reference", "no-cap") for scenario in retry.scenarios[:3]]
    with Engine([retry], ["python"]) as engine:
        together = engine.run_jobs(jobs)
        alone = [engine.run_scenario(*job) for job in jobs]
    assert len(together) == len(jobs)
    for (scenario, lang, impl), made, expected in zip(jobs, together, alone, strict=True):
        assert [(r.scenario, r.lang, r.impl, r.transport, r.status) for r in made] == [
            (r.scenario, r.lang, r.impl, r.transport, r.status) for r in expected
        ]
        assert [(r.scenario, r.lang, r.impl, r.transport) for r in made] == [
            (scenario.id, lang, impl, "inprocess"),
            (scenario.id, lang, impl, "subprocess"),
        ]


def test_an_interrupt_while_pytest_makes_runs_stops_pytest_instead_of_failing_a_test() -> None:
    from asyncconf import pytest_plugin
    from asyncconf.engine import Interrupted

    class Interrupting:
        def run_jobs(self, jobs: Any, **options: Any) -> Any:
            raise Interrupted(0, len(jobs))

    config = SimpleNamespace(stash=pytest.Stash())
    config.stash[pytest_plugin._ENGINE] = Interrupting()  # type: ignore[assignment]
    config.stash[pytest_plugin._CACHE] = {}
    config.stash[pytest_plugin._PARTIAL] = {}
    scenario = next(p for p in load_spec() if p.id == "timeout").scenarios[0]
    with pytest.raises(KeyboardInterrupt):
        pytest_plugin.cached_runs_of(config, [(scenario, "python", "reference")])  # type: ignore[arg-type]


def test_a_spec_item_that_passed_on_a_second_try_says_so() -> None:
    from asyncconf.pytest_plugin import SecondTryWarning, _verdict

    first = "blocked_ms: expected under 50, saw 64 (blocked the event loop for 64 ms)"
    runs = [
        Run("timeout", "exceeds-limit", "python", "inprocess", "reference", "pass"),
        Run("timeout", "exceeds-limit", "python", "subprocess", "reference", "pass", first_try=first),
    ]
    with pytest.warns(SecondTryWarning, match=r"python/subprocess timeout/exceeds-limit \[reference\]: passed on a"):
        _verdict(runs)


def test_equivalence_tells_a_boolean_from_a_number() -> None:
    """Python's ``==`` takes ``true`` for ``1``: two languages answering ``{"ok": true}`` and
    ``{"ok": 1}`` were "the same"."""
    from asyncconf import equivalence

    a = equivalence.canonical({"outcome": {"ok": True}, "elapsed_ms": 10})
    b = equivalence.canonical({"outcome": {"ok": 1}, "elapsed_ms": 10})
    assert equivalence.first_difference(a, b) == 'outcome: {"ok": true} vs {"ok": 1}'
    c = equivalence.canonical({"outcome": {"ok": [1.0, {"x": False}]}, "elapsed_ms": 10})
    d = equivalence.canonical({"outcome": {"ok": [1, {"x": False}]}, "elapsed_ms": 10.0})
    assert equivalence.first_difference(c, d) is None  # one JSON number
