"""The differential fuzzer (asyncconf.fuzz): what it draws, how it judges, how it shrinks and reports
-- and, on the real runners, a fixed-seed sample of about 100 examples per pattern.

The sample leaves out the edge classes still known to diverge in a pattern (``KNOWN_DIVERGENCES``,
issue 9); each of those is a test of its own, marked xfail(strict=True): when the rule that
settles it lands, the test passes, strict xfail turns that into a failure, and the entry must go
-- so the sample then covers that class too.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, find, given, settings

from asyncconf.cli import main
from asyncconf.engine import request_for
from asyncconf.fuzz import ALL_EDGES, EDGES, Differential, Domain, Example, fuzz_pattern, throughput
from asyncconf.fuzz import command as fuzz_cli
from asyncconf.fuzz.campaign import BATCH, Finding, PatternResult
from asyncconf.fuzz.differential import judge, read_a_block
from asyncconf.fuzz.domain import ENOUGH_DRAWS, KINDS
from asyncconf.fuzz.render import finding_text, scenario_yaml
from asyncconf.languages import LanguageSession
from asyncconf.paths import ROOT
from asyncconf.pytest_plugin import fuzzed_transports
from asyncconf.spec import Api, Pattern, SpecError, load_pattern, load_spec
from asyncconf.transports.base import Transport

PATTERNS = {pattern.id: pattern for pattern in load_spec()}
QUICK = settings(max_examples=30, database=None, deadline=None, suppress_health_check=list(HealthCheck))
#: Finding a witness needs no shrinking.
FIRST = settings(max_examples=500, database=None, phases=(Phase.generate,), suppress_health_check=list(HealthCheck))


def delays(example: Example) -> list[int]:
    return [step[k] for step in steps(example) for k in ("after_ms", "cancel_ms") if k in step]


def steps(example: Example) -> Iterator[dict[str, Any]]:
    return (step for plan in example.plan.values() for step in plan)


# -- the domain: derived from the spec ------------------------------------------------------------------


def test_the_domain_comes_from_each_patterns_spec() -> None:
    for pattern in PATTERNS.values():
        domain = Domain.of(pattern)
        assert {p.name for p in domain.params} == set(pattern.params)
        if "items" in pattern.params:
            assert domain.items_param == "items" and domain.steps_per_key == 1
        else:  # the keys its scenarios' plans name (async-lock's callers, graceful-shutdown's jobs: keys of their own)
            expected = {
                "async-stream": ("item", "use"),
                "async-lock": ("a", "b", "c"),
                "connection-pool": ("a", "b", "open"),
                "graceful-shutdown": ("a", "b", "c", "d"),
            }.get(pattern.id, ("op",))
            assert domain.keys == expected, pattern.id
    assert Domain.of(PATTERNS["retry-backoff"]).draws_random
    assert not Domain.of(PATTERNS["task-group"]).draws_random
    assert Domain.of(PATTERNS["timeout"]).hangs_end
    jitter = next(p for p in Domain.of(PATTERNS["retry-backoff"]).params if p.name == "jitter")
    assert jitter.values == ("none", "proportional")  # declared under fuzz: params


def test_an_undeclared_parameter_takes_its_domain_from_its_default() -> None:
    pattern = Pattern(
        id="demo",
        title="t",
        summary="s",
        params={"count": 3, "ratio": 0.5, "flag": True, "mode": "x", "names": ["p", "q"], "numbers": [1, 2]},
        rules={},
        api={},
        antipatterns=(),
    )
    by_name = {p.name: p for p in Domain.of(pattern).params}
    assert (by_name["count"].low, by_name["count"].high, by_name["count"].fractional) == (0, 6, False)
    assert (by_name["ratio"].high, by_name["ratio"].fractional) == (1, True)
    assert by_name["names"].pool == ("p", "q", "x1", "x2")
    assert by_name["numbers"].pool == (1, 2, 3, 4)

    @QUICK
    @given(Domain.of(pattern).examples())
    def check(example: Example) -> None:
        assert example.params.get("mode", "x") == "x"  # a string's alternatives must be declared
        assert isinstance(example.params.get("flag", True), bool)

    check()


@pytest.mark.parametrize("pattern_id", sorted(PATTERNS))
def test_a_tame_example_cannot_tie_and_uses_no_edge(pattern_id: str) -> None:
    """No edge class: delays are distinct powers of two, a cancellation is at an odd millisecond,
    durations are 4k+2; nothing left out, no self-cancel, enough random draws of 0.5."""
    domain = Domain.of(PATTERNS[pattern_id])

    @QUICK
    @given(domain.examples(()))
    def check(example: Example) -> None:
        assert example.edges == frozenset() and example.omitted == ()
        times = delays(example)
        assert len(set(times)) == len(times)
        assert all(t >= 2 and t & (t - 1) == 0 for t in times), times
        assert example.cancel_at_ms is None or example.cancel_at_ms % 2 == 1
        for name, value in example.params.items():
            assert not isinstance(value, float) or value.is_integer(), name
            if name.endswith("_ms"):
                assert value % 4 == 2 and value > 2, (name, value)
        assert all(step.get("fail") in (None, *KINDS) for step in steps(example))
        if domain.draws_random:
            assert example.random == (0.5,) * ENOUGH_DRAWS
        if not domain.hangs_end and any("hang" in step for step in steps(example)):
            # a correct implementation must settle: the caller cancels, or every invocation's caller does
            assert example.cancel_at_ms is not None or (
                example.invocations is not None and all(i["cancel_at_ms"] is not None for i in example.invocations)
            )
        if example.invocations is not None:  # alone in its window, cancelled at an odd offset from its start
            assert example.cancel_at_ms is None
            starts = [i["at_ms"] for i in example.invocations]
            assert starts == sorted(set(starts)) and all(t % 2 == 1 for t in starts)
            busy = sum(t for t in times) + 2 * 400
            assert all(later - earlier > busy for earlier, later in itertools.pairwise(starts))
            assert all((i["cancel_at_ms"] - i["at_ms"]) % 2 == 1 for i in example.invocations if i["cancel_at_ms"])

    check()


def test_an_invoked_pattern_draws_invocations_and_a_classic_one_none() -> None:
    invoked = Domain.of(PATTERNS["circuit-breaker"])
    assert invoked.invoked and not Domain.of(PATTERNS["timeout"]).invoked

    @QUICK
    @given(invoked.examples())
    def check(example: Example) -> None:
        assert example.invocations is not None and example.cancel_at_ms is None
        assert all(i["key"] in example.plan for i in example.invocations)
        scenario = example.scenario(invoked.defaults)
        assert scenario.invocations == example.invocations

    check()
    # The ties class lets invocations meet at one instant.
    found = find(
        invoked.examples(("ties",)),
        lambda e: len({i["at_ms"] for i in e.invocations or ()}) < len(e.invocations or ()),
        settings=FIRST,
    )
    assert "ties" in found.edges


def test_an_invocation_that_is_no_operation_is_drawn_when_declared() -> None:
    """A pool's `close` is an invocation no plan names: drawn from the plans' keys alone, the fuzzer
    never closed a pool, and three divergences in closing went unseen (two closes at once, a
    close's own cancellation, a zero close deadline at a completion instant)."""
    pool = Domain.of(PATTERNS["connection-pool"])
    assert pool.invocation_keys == ("close",)
    found = find(pool.examples(), lambda e: any(i["key"] == "close" for i in e.invocations or ()), settings=FIRST)
    assert "close" not in found.plan  # no operation: no steps


def _two_equal_delays(example: Example) -> bool:
    return len(set(delays(example))) < len(delays(example))


def _fractional_param(example: Example) -> bool:
    return any(isinstance(v, float) and not v.is_integer() for v in example.params.values())


EDGE_WITNESS: dict[str, tuple[str, Callable[[Example], bool]]] = {
    "ties": ("task-group", _two_equal_delays),
    "fractional": ("retry-backoff", _fractional_param),
    "boundaries": ("bounded-concurrency", lambda e: e.params.get("items") == [] or 0 in delays(e)),
    "defaults": ("timeout", lambda e: e.omitted == ("timeout_ms",)),
    "self-cancel": ("task-group", lambda e: any(step.get("fail") == "cancelled" for step in steps(e))),
    "random-exhaustion": ("retry-backoff", lambda e: len(e.random) < ENOUGH_DRAWS),
}


@pytest.mark.parametrize("edge", sorted(EDGES))
def test_each_edge_class_draws_what_it_names_and_only_when_enabled(edge: str) -> None:
    pattern_id, witness = EDGE_WITNESS[edge]
    domain = Domain.of(PATTERNS[pattern_id])
    found = find(domain.examples({edge}), witness, settings=FIRST)
    assert edge in found.edges
    others = ALL_EDGES - {edge}

    @QUICK
    @given(domain.examples(others))
    def never_without_it(example: Example) -> None:
        if edge != "ties":  # without `ties`, zero delays (boundaries) are distinct too
            assert not witness(example)
        else:
            assert not _two_equal_delays(example)

    never_without_it()


@pytest.mark.parametrize(
    ("pattern_id", "name"), [("async-stream", "length"), ("retry-backoff", "jitter"), ("racing", "hedge_ms")]
)
def test_the_boundaries_class_draws_a_parameter_just_outside_its_spec_domain(pattern_id: str, name: str) -> None:
    # The runners must refuse alike what the spec refuses (PROTOCOL.md section 8): the fuzzer found
    # async-stream's length 1.5 crash Python, run in JavaScript and be refused by C#.
    from asyncconf.domains import outside

    pattern = PATTERNS[pattern_id]
    domain = Domain.of(pattern)

    def out(example: Example) -> bool:
        return name in example.params and outside(pattern.domains[name], example.params[name]) is not None

    assert "boundaries" in find(domain.examples({"boundaries"}), out, settings=FIRST).edges

    @QUICK
    @given(domain.examples(ALL_EDGES - {"boundaries"}))
    def never_without_it(example: Example) -> None:
        assert not out(example)

    never_without_it()


def test_a_tie_on_purpose_cancels_at_a_completion_instant() -> None:
    domain = Domain.of(PATTERNS["timeout"])
    found = find(
        domain.examples({"ties"}),
        lambda e: e.cancel_at_ms is not None and e.cancel_at_ms in {s.get("after_ms") for s in steps(e)},
        settings=FIRST,
    )
    assert found.cancel_at_ms is not None


def test_an_unknown_edge_class_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown edge class"):
        Domain.of(PATTERNS["timeout"]).examples({"tie"})


# -- the spec's fuzz: section is checked -------------------------------------------------------------------


def test_a_fuzz_domain_of_an_unknown_parameter_is_a_spec_problem(spec_copy: Path) -> None:
    path = spec_copy / "timeout.yaml"
    path.write_text(path.read_text().replace("    timeout_ms: {min: 0, max: 500", "    timeout: {min: 0, max: 500"))
    with pytest.raises(SpecError) as caught:
        load_pattern(path)
    (problem,) = caught.value.problems
    assert "`timeout` is not a parameter of timeout" in problem.message
    assert path.read_text().splitlines()[problem.line - 1].strip().startswith("timeout:")


def test_a_fuzz_domain_with_bounds_out_of_order_is_a_spec_problem(spec_copy: Path) -> None:
    path = spec_copy / "timeout.yaml"
    path.write_text(path.read_text().replace("timeout_ms: {min: 0, max: 500", "timeout_ms: {min: 600, max: 500"))
    with pytest.raises(SpecError, match="min 600 > max 500"):
        load_pattern(path)


# -- judging the answers of one request ---------------------------------------------------------------------


def answer(outcome: dict[str, Any], elapsed: int | None = 10, trace: list[Any] | None = None) -> dict[str, Any]:
    return {"outcome": outcome, "elapsed_ms": elapsed, "leaks": [], "trace": trace or []}


LABELS = ("python/inprocess", "python/subprocess", "javascript/subprocess", "csharp/subprocess", "csharp/pythonnet")


def test_alike_answers_are_no_finding_whatever_their_order_within_an_instant() -> None:
    events = [{"t": 0, "ev": "call", "key": k, "n": 1} for k in "ab"]
    answers = {label: answer({"ok": 1}, trace=events if i % 2 else events[::-1]) for i, label in enumerate(LABELS)}
    assert judge({}, answers).signature is None


def test_a_divergence_names_what_differs_and_how_the_transports_split() -> None:
    group_of_two = {"fail": "group", "errors": [{"fail": "fatal"}, {"fail": "transient"}]}
    answers = {label: answer(group_of_two) for label in LABELS[:3]}
    answers |= {label: answer({"fail": "group", "errors": [{"fail": "fatal"}]}) for label in LABELS[3:]}
    verdict = judge({}, answers)
    assert verdict.signature == "outcome differs: python, javascript group | csharp group"
    assert verdict.groups == (LABELS[:3], LABELS[3:])

    answers = {label: answer({"ok": 1}, elapsed=85 if label == "csharp/pythonnet" else 86) for label in LABELS}
    split = "python, javascript, csharp/subprocess | csharp/pythonnet"  # a transport apart from its language
    assert judge({}, answers).signature == f"elapsed_ms differs: {split}"


def test_a_runner_error_or_a_run_that_never_settles_is_a_finding() -> None:
    answers = {label: answer({"ok": 1}) for label in LABELS}
    answers["javascript/subprocess"] = {"error": {"kind": "bad-request", "message": "`params` lacks `items`"}}
    verdict = judge({}, answers)
    assert verdict.signature == "runner error on javascript (bad-request)"
    assert verdict.detail == "`params` lacks `items`"

    unfinished = {label: answer({"unfinished": True, "reason": "had not settled"}, elapsed=None) for label in LABELS}
    assert judge({}, unfinished).signature == "unfinished everywhere"


# -- the campaign: shrinking, determinism, an interrupt -----------------------------------------------------


class FakeTransport(Transport):
    """Answers from a little model of a task group; ``tie_bug`` makes one that mishandles ties."""

    def __init__(self, label: str, *, tie_bug: bool = False, interrupt_at: int | None = None) -> None:
        self.language, self.name = label.split("/")
        self.tie_bug = tie_bug
        self.interrupt_at = interrupt_at
        self.requests = 0

    def start(self) -> None:
        pass

    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        self.requests += 1
        if self.requests == self.interrupt_at:
            raise KeyboardInterrupt
        ends = _first_ends(payload["plan"])
        elapsed = ends[-1] if ends else 0
        if self.tie_bug and _two_equal_delays_in(payload["plan"]):
            elapsed += 1
        return answer({"ok": len(ends)}, elapsed=elapsed)


def _first_ends(plan: dict[str, list[dict[str, Any]]]) -> list[Any]:
    return sorted(steps[0].get("after_ms", 0) for steps in plan.values() if "hang" not in steps[0])


def _two_equal_delays_in(plan: dict[str, list[dict[str, Any]]]) -> bool:
    """What FakeTransport's tie bug trips on."""
    ends = _first_ends(plan)
    return len(set(ends)) < len(ends)


class StallingTransport(FakeTransport):
    """A FakeTransport whose first ``stalls`` answers read a block of the protocol's limit: the
    host stalling the loop's thread, as a correct runner's first run read 64 ms once here."""

    def __init__(self, label: str, stalls: int, budget: bool = False) -> None:
        """``budget``: the stall spends a real-time budget (``stopped_by``) rather than reading a block."""
        super().__init__(label)
        self.stalls, self.budget = stalls, budget

    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        settled = super().request(payload, timeout_s=timeout_s)
        if self.requests > self.stalls:
            return settled
        if self.budget:
            reason = "used more than its wall-clock budget (20.1 s real time)"
            return {**settled, "outcome": {"unfinished": True, "reason": reason}, "stopped_by": "wall_budget"}
        return {
            **settled,
            "outcome": {"unfinished": True, "reason": "blocked the event loop for 64 ms"},
            "blocked_ms": 64,
        }


@pytest.mark.parametrize("budget", [False, True])
@pytest.mark.parametrize("stalls", [1, 2])
def test_a_block_is_a_finding_only_if_a_second_try_reads_it_too(stalls: int, budget: bool) -> None:
    pattern = PATTERNS["parallel-partial-failures"]
    stalling = StallingTransport("javascript/subprocess", stalls, budget)
    differential = Differential([FakeTransport("python/inprocess"), stalling])
    verdict = differential.run(request_for(pattern.scenarios[0], "reference", "virtual", 1))
    assert stalling.requests == 2 and differential.second_tries == 1
    if stalls == 1:
        assert verdict.signature is None, verdict.detail
    else:
        assert verdict.signature == "outcome differs: python ok | javascript unfinished"


def test_the_answers_asked_for_again_are_said() -> None:
    from rich.console import Console

    out = Console(record=True, width=200)
    result = PatternResult("timeout", seed=1, examples=10, searched=10, second_tries=2)
    fuzz_cli._print_result(out, result, PATTERNS["timeout"])
    assert "0 finding(s); 2 answer(s) that read a block asked for again" in out.export_text()


def test_a_divergence_is_shrunk_to_a_minimal_example_the_same_for_a_seed() -> None:
    pattern = PATTERNS["parallel-partial-failures"]

    def campaign() -> list[Finding]:
        transports = [FakeTransport("python/inprocess"), FakeTransport("javascript/subprocess", tie_bug=True)]
        return fuzz_pattern(pattern, Differential(transports), examples=100, seed_value=7).findings

    findings = campaign()
    (finding,) = findings
    assert finding.minimal and finding.signature == "elapsed_ms differs: python | javascript"
    assert "ties" in finding.example.edges
    assert _two_equal_delays(finding.example) and len(finding.example.plan) <= 3  # small: two calls end at once
    assert [f.verdict.request for f in campaign()] == [finding.verdict.request]  # deterministic


def test_an_interrupt_returns_what_was_found_so_far() -> None:
    pattern = PATTERNS["parallel-partial-failures"]
    transports = [
        FakeTransport("python/inprocess", interrupt_at=150),
        FakeTransport("javascript/subprocess", tie_bug=True),
    ]
    result = fuzz_pattern(pattern, Differential(transports), examples=1000, seed_value=7)
    assert result.interrupted
    (finding,) = result.findings
    assert not finding.minimal and finding.signature == "elapsed_ms differs: python | javascript"


class LoggingTransport(FakeTransport):
    """A FakeTransport that notes every request it is sent, in one log shared by all of them."""

    def __init__(self, label: str, log: list[tuple[str, dict[str, Any]]], **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.log = log

    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        self.log.append((self.language, payload))
        return super().request(payload, timeout_s=timeout_s)


def test_the_search_runs_each_batch_back_to_back_on_every_transport() -> None:
    # A runner that waits for the others' turns between two runs costs about twice the CPU a run.
    log: list[tuple[str, dict[str, Any]]] = []
    transports = [LoggingTransport("python/inprocess", log), LoggingTransport("javascript/subprocess", log)]
    result = fuzz_pattern(PATTERNS["task-group"], Differential(transports), examples=BATCH + 3, seed_value=7)
    assert result.searched == BATCH + 3 and not result.findings
    turns = [(language, len(list(group))) for language, group in itertools.groupby(lang for lang, _ in log)]
    assert [language for language, _ in turns] == ["python", "javascript"] * (len(turns) // 2)
    assert all(length >= BATCH for _, length in turns[:-2])  # every batch but the last is full
    assert sum(length for language, length in turns if language == "python") == BATCH + 3
    assert [p for lang, p in log if lang == "python"] == [p for lang, p in log if lang == "javascript"]


def test_shrinking_replays_the_search_without_running_it_again_up_to_the_finding() -> None:
    log: list[tuple[str, dict[str, Any]]] = []
    transports = [
        LoggingTransport("python/inprocess", log),
        LoggingTransport("javascript/subprocess", log, tie_bug=True),
    ]
    examples = 3 * BATCH
    pattern = PATTERNS["parallel-partial-failures"]
    result = fuzz_pattern(pattern, Differential(transports), examples=examples, seed_value=7)
    sent = [payload for language, payload in log if language == "python"]
    search, shrink = sent[:examples], sent[examples:]
    first = next(n for n, p in enumerate(search) if _two_equal_delays_in(p["plan"]))
    assert first > 0 and result.findings  # else this checks nothing
    # The replay runs nothing before the Hypothesis call of the first finding: it starts with that
    # call's examples up to the finding (a call draws up to BATCH examples).
    plans = [p["plan"] for p in search]
    assert any(
        [p["plan"] for p in shrink[: k + 1]] == plans[first - k : first + 1] for k in range(min(first + 1, BATCH))
    )
    assert result.runs == len(sent)


def test_a_finding_prints_as_a_scenario_that_pastes_into_the_spec(spec_copy: Path) -> None:
    pattern = PATTERNS["task-group"]
    example = Example(
        "task-group",
        {"items": ["a", "b"]},
        (),
        {"a": [{"after_ms": 10, "fail": "fatal"}], "b": [{"after_ms": 10, "fail": "transient"}]},
        None,
        (),
    )
    both = {"fail": "group", "errors": [{"fail": "fatal", "from": "a#1"}, {"fail": "transient", "from": "b#1"}]}
    answers = {
        "python/inprocess": answer(both),
        "javascript/subprocess": answer({"fail": "group", "errors": [{"fail": "fatal", "from": "a#1"}]}),
    }
    verdict = judge({"pattern": "task-group", "params": example.params, "plan": example.plan}, answers)
    finding = Finding(str(verdict.signature), example, verdict, seed=3)
    text = scenario_yaml(finding, pattern.params)
    path = spec_copy / "task-group.yaml"
    path.write_text(path.read_text().replace("\nscenarios:\n", "\nscenarios:\n" + text + "\n", 1))
    with pytest.raises(SpecError) as caught:  # it loads; only its rule is left to decide
        load_pattern(path)
    assert [p.message for p in caught.value.problems] == [
        "scenario `fuzz-task-group-1` covers unknown rule `TODO` (rules: R1, R2, R3, R4, R5, R6)"
    ]
    path.write_text(path.read_text().replace("covers: [TODO]", "covers: [R3]"))
    loaded = load_pattern(path).scenario("fuzz-task-group-1")
    assert loaded.plan == example.plan and loaded.expect["outcome"] == both
    printed = finding_text(finding, pattern.params)
    assert "javascript/subprocess:" in printed and '"fail":"fatal"' in printed.replace(" ", "")
    assert json.loads(printed.splitlines()[-1])["plan"] == example.plan  # the request, replayable


# -- the command line --------------------------------------------------------------------------------------


NO_DOTNET = "no `dotnet` on PATH"


def fake_sessions(monkeypatch: pytest.MonkeyPatch, **javascript: Any) -> None:
    """Python and JavaScript as fake transports; C# as on a machine without .NET."""

    def fake_open(name: str, patterns: Any, command: Any = None) -> LanguageSession:
        if name == "csharp":
            return LanguageSession(name, skip_reason=NO_DOTNET)
        label = {"python": "python/inprocess", "javascript": "javascript/subprocess"}[name]
        transport = FakeTransport(label, **(javascript if name == "javascript" else {}))
        implemented = {pattern.id: ["reference"] for pattern in PATTERNS.values()}
        return LanguageSession(name, transports=[transport], implementations={label: implemented})

    monkeypatch.setattr(fuzz_cli, "open_language", fake_open)


def fuzz(*args: str) -> Any:
    return CliRunner().invoke(main, ["fuzz", "--lang", "python,javascript", *args])


def test_fuzz_exits_0_when_clean_and_names_its_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sessions(monkeypatch)
    result = fuzz("--pattern", "task-group", "--examples", "30", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert "seed 5 (--seed 5 repeats this run), 30 examples per pattern" in result.output
    assert "task-group: 30 examples on 2 transports (python/inprocess, javascript/subprocess)" in result.output
    assert "OK: 0 finding(s) in 1 pattern(s), seed 5, 30 examples" in result.output


def test_fuzz_exits_1_with_each_finding_as_a_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sessions(monkeypatch, tie_bug=True)
    result = fuzz("--pattern", "task-group", "--examples", "100", "--seed", "5")
    assert result.exit_code == 1, result.output
    assert "finding 1 in task-group: elapsed_ms differs: python | javascript [minimal]" in result.output
    assert "  - id: fuzz-task-group-1" in result.output
    assert "NOT OK: 1 finding(s) in 1 pattern(s), seed 5" in result.output


def test_fuzz_interrupted_prints_what_it_found_and_exits_non_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sessions(monkeypatch, tie_bug=True, interrupt_at=120)
    result = fuzz("--examples", "1000", "--seed", "5")
    assert result.exit_code == 130, result.output
    assert "(interrupted: what was found so far)" in result.output
    assert "[not shrunk: the smallest seen]" in result.output
    assert "INTERRUPTED: 1 finding(s) in 1 pattern(s)" in result.output  # no pattern after the interrupt


def test_fuzz_names_a_language_it_left_out_in_its_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    # A language that cannot run is not fuzzed: the OK says so, not only a line above it.
    fake_sessions(monkeypatch)
    result = CliRunner().invoke(main, ["fuzz", "--pattern", "task-group", "--examples", "5", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert f"task-group: left out csharp: {NO_DOTNET}" in result.output
    assert "OK: 0 finding(s) in 1 pattern(s), seed 5, 5 examples; left out: csharp (1 pattern)" in result.output


def test_fuzz_fails_when_a_required_language_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # --require, as `asyncconf run` takes it: a required language that cannot be fuzzed fails the run.
    fake_sessions(monkeypatch)
    args = ["fuzz", "--pattern", "task-group", "--examples", "5", "--seed", "5", "--require", "python,csharp"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert f"REQUIRED csharp: required but not fuzzed in task-group: {NO_DOTNET}" in result.output
    assert "NOT OK: 0 finding(s) in 1 pattern(s), seed 5, 5 examples; left out: csharp (1 pattern)" in result.output
    assert CliRunner().invoke(main, [*args[:-1], "python"]).exit_code == 0
    outside = CliRunner().invoke(main, [*args[:-2], "--lang", "python,javascript", "--require", "csharp"])
    assert outside.exit_code == 2 and "csharp must run but is not among --lang python,javascript" in outside.output


def test_a_required_language_left_out_of_a_pattern_is_a_problem_and_another_is_not() -> None:
    # The one rule of the fuzz CLI, the fixed-seed sample and the campaign.
    pattern = PATTERNS["timeout"]
    python = FakeTransport("python/inprocess")
    sessions = [
        LanguageSession("python", transports=[python], implementations={python.label: {"timeout": ["reference"]}}),
        LanguageSession("csharp", skip_reason=NO_DOTNET),
        LanguageSession(
            "javascript",
            transports=[FakeTransport("javascript/subprocess")],
            missing_api={"timeout": [Api("AbortSignal.any")]},
        ),
    ]
    transports, left_out = fuzz_cli.transports_for(pattern, sessions)
    assert transports == [python]
    assert [str(left) for left in left_out] == [f"csharp: {NO_DOTNET}", "javascript/subprocess: lacks AbortSignal.any"]
    assert fuzz_cli.required_left_out(pattern, left_out, ["python"]) == []
    assert fuzz_cli.required_left_out(pattern, left_out, ["javascript", "csharp"]) == [
        f"csharp: required but not fuzzed in timeout: {NO_DOTNET}",
        "javascript/subprocess: required but not fuzzed in timeout: lacks AbortSignal.any",
    ]


def test_a_fuzz_test_fails_when_a_required_language_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample and the campaign: ASYNCCONF_REQUIRE (CI's) decides, by the rule of --require.
    implemented = {pattern_id: ["reference"] for pattern_id in PATTERNS}
    sessions = [
        LanguageSession(name, transports=[FakeTransport(label)], implementations={label: implemented})
        for name, label in (("python", "python/inprocess"), ("javascript", "javascript/subprocess"))
    ]
    sessions.append(LanguageSession("csharp", skip_reason=NO_DOTNET))
    monkeypatch.setenv("ASYNCCONF_REQUIRE", "python,javascript")
    assert len(fuzzed_transports(PATTERNS["timeout"], sessions)) == 2
    monkeypatch.setenv("ASYNCCONF_REQUIRE", "python,csharp")
    with pytest.raises(pytest.fail.Exception, match=f"csharp: required but not fuzzed in timeout: {NO_DOTNET}"):
        fuzzed_transports(PATTERNS["timeout"], sessions)
    monkeypatch.delenv("ASYNCCONF_REQUIRE")
    with pytest.raises(pytest.skip.Exception, match="fewer than two transports can run timeout"):
        fuzzed_transports(PATTERNS["timeout"], sessions[:1] + sessions[2:])


def test_throughput_counts_the_examples_per_second_of_each_pattern() -> None:
    implemented = {pattern.id: ["reference"] for pattern in PATTERNS.values()}
    sessions = [
        LanguageSession(label.split("/")[0], transports=[FakeTransport(label)], implementations={label: implemented})
        for label in ("python/inprocess", "javascript/subprocess")
    ]
    results = throughput([PATTERNS["timeout"], PATTERNS["task-group"]], sessions, examples=20)
    assert [(r.pattern, r.searched) for r in results] == [("timeout", 20), ("task-group", 20)]
    assert all(r.per_second > 0 and not r.findings for r in results)


# -- the fixed-seed sample on the real runners -----------------------------------------------------------

SAMPLE_SEED = 9
SAMPLE_EXAMPLES = 100
#: Where the languages still disagree, as this sample finds: (pattern, edge classes joined by "+"),
#: or (pattern, "tame") for a divergence that needs no edge class. Each is an xfail(strict) test of
#: its own (those classes alone, or none); the first of its classes leaves the pattern's sample,
#: and a pattern whose tame domain diverges has its sample xfail (not strict: it may or may not
#: meet that divergence). When the rule that settles one lands, its test passes, strict xfail
#: fails it: remove the entry.
KNOWN_DIVERGENCES: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def sessions(asyncconf_engine: Any) -> list[LanguageSession]:
    """The languages the run selects, opened once and shared with the spec items."""
    # One that cannot run is left out -- unless it is required: each test's fuzzed_transports says.
    return [asyncconf_engine.session(lang) for lang in asyncconf_engine.langs]


def sample(
    pattern_id: str, sessions: list[LanguageSession], edges: Iterable[str], *, stop_at_first: bool = False
) -> list[Finding]:
    pattern = PATTERNS[pattern_id]
    differential = Differential(fuzzed_transports(pattern, sessions))
    result = fuzz_pattern(
        pattern,
        differential,
        examples=SAMPLE_EXAMPLES,
        seed_value=SAMPLE_SEED,
        edges=edges,
        stop_at_first=stop_at_first,
    )
    assert result.searched == SAMPLE_EXAMPLES or result.findings, "the sample ran fewer examples than asked"
    return result.findings


def report(findings: list[Finding]) -> str:
    return "\n\n".join(finding_text(f, PATTERNS[f.example.pattern].params, n) for n, f in enumerate(findings, 1))


def _sample_param(pattern_id: str) -> Any:
    if (pattern_id, "tame") not in KNOWN_DIVERGENCES:
        return pattern_id
    why = f"its tame domain diverges: {KNOWN_DIVERGENCES[pattern_id, 'tame']}"
    return pytest.param(pattern_id, marks=pytest.mark.xfail(strict=False, reason=why))


@pytest.mark.parametrize("pattern_id", [_sample_param(pattern_id) for pattern_id in sorted(PATTERNS)])
def test_a_fixed_seed_sample_finds_no_divergence(pattern_id: str, sessions: list[LanguageSession]) -> None:
    """About 100 examples of every edge class not known to diverge (KNOWN_DIVERGENCES), on every
    transport: no divergence, no runner error, no unfinished run -- each finding shrunk and shown."""
    known = {edge.split("+")[0] for (pattern, edge) in KNOWN_DIVERGENCES if pattern == pattern_id}
    tame_diverges = "tame" in known  # xfail: the first finding is enough, shrinking it is not needed
    findings = sample(pattern_id, sessions, ALL_EDGES - known, stop_at_first=tame_diverges)
    assert not findings, report(findings)


@pytest.mark.parametrize(
    ("pattern_id", "edge"),
    [pytest.param(*key, marks=pytest.mark.xfail(strict=True, reason=why)) for key, why in KNOWN_DIVERGENCES.items()],
)
def test_a_known_divergence_is_still_there(pattern_id: str, edge: str, sessions: list[LanguageSession]) -> None:
    """Fails (xfail) while the languages disagree on this class; passing, it fails as XPASS(strict):
    its rule has landed, so its entry leaves KNOWN_DIVERGENCES and the sample covers it."""
    findings = sample(pattern_id, sessions, frozenset() if edge == "tame" else edge.split("+"), stop_at_first=True)
    assert not findings, report(findings)


class Recorder(Transport):
    """Keeps every request it is sent; answers alike."""

    def __init__(self, label: str) -> None:
        self.language, self.name = label.split("/")
        self.sent: list[dict[str, Any]] = []

    def start(self) -> None:
        pass

    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        self.sent.append(payload)
        return answer({"ok": None})


@pytest.mark.parametrize("pattern_id", sorted(PATTERNS))
def test_our_runners_answer_a_pipelined_batch_as_they_answer_one_request_at_a_time(
    pattern_id: str, sessions: list[LanguageSession]
) -> None:
    # The fuzzer sends each runner process its batch in one write; the runner reads the next
    # request while it runs one, which must change nothing it answers.
    pattern = PATTERNS[pattern_id]
    recorder = Recorder("fake/one")
    fuzz_pattern(pattern, Differential([recorder, Recorder("fake/two")]), examples=BATCH, seed_value=5)
    pipelined = [t for t in fuzzed_transports(pattern, sessions) if getattr(t, "pipelined", False)]
    assert pipelined, "none of our runner processes takes a batch in one write"
    timeouts = [30.0] * len(recorder.sent)
    for transport in pipelined:
        one_by_one = [transport.request(request, timeout_s=30) for request in recorder.sent]
        together = transport.request_batch(recorder.sent, timeouts_s=timeouts)
        for request, first_alone, first_batched in zip(recorder.sent, one_by_one, together, strict=True):
            assert isinstance(first_batched, dict), f"{transport.label}: {first_batched}"
            # As the fuzzer does: a block read in real time is asked again -- a loaded CI host's
            # stall made one of these answers `unfinished` (JavaScript, async-lock).
            alone, batched = first_alone, first_batched
            if read_a_block(alone, transport):
                alone = transport.request(request, timeout_s=30)
            if read_a_block(batched, transport):
                again = transport.request_batch([request], timeouts_s=[30.0])[0]
                assert isinstance(again, dict), f"{transport.label}: {again}"
                batched = again
            verdict = judge(request, {"alone": alone, "batched": batched})
            reasons = [answer["outcome"].get("reason") for answer in (alone, batched) if "outcome" in answer]
            assert verdict.signature is None, f"{transport.label}: {verdict.signature}: {verdict.detail} {reasons}"


def test_a_campaign_shard_passes_only_a_whole_clean_search() -> None:
    # An interrupted shard used to pass when it had found nothing yet: an interrupt is no result.
    from fuzz_campaign.campaign import shard_verdict

    pattern = PATTERNS["timeout"]
    clean = PatternResult("timeout", 1, examples=10, searched=10)
    shard_verdict(clean, pattern, "repeat")
    with pytest.raises(KeyboardInterrupt):
        shard_verdict(PatternResult("timeout", 1, examples=10, searched=4, interrupted=True), pattern, "repeat")
    with pytest.raises(AssertionError, match="searched 9 of 10"):
        shard_verdict(PatternResult("timeout", 1, examples=10, searched=9), pattern, "repeat")
    request = {"pattern": "timeout", "params": {}, "plan": {"op": [{"after_ms": 1, "ok": 1}]}}
    verdict = judge(request, {"python/inprocess": answer({"ok": 1}), "javascript/subprocess": answer({"ok": 2})})
    finding = Finding(str(verdict.signature), Example("timeout", {}, (), request["plan"], None, ()), verdict, 1)
    with pytest.raises(AssertionError, match="repeat with: repeat"):
        shard_verdict(PatternResult("timeout", 1, examples=10, searched=10, findings=[finding]), pattern, "repeat")


def test_a_finding_in_the_searchs_last_call_is_shrunk_too() -> None:
    # The search cuts its last call's list at the count asked for; the replay must still run that
    # call (it counted the whole list and took the call for one past the search's end). With seed 2,
    # counts 5 to 9 each put the first finding in that call (found by running the code before the
    # fix on counts 5 to 39 and seeds 1 to 11; the draws of a batch decide which -- recount after
    # changing them); one of them here, as each costs a shrink (2-3 s).
    pattern = PATTERNS["parallel-partial-failures"]
    transports = [FakeTransport("python/inprocess"), FakeTransport("javascript/subprocess", tie_bug=True)]
    result = fuzz_pattern(pattern, Differential(transports), examples=8, seed_value=2)
    assert result.findings and all(finding.minimal for finding in result.findings)


def test_a_campaign_has_no_shard_without_an_example() -> None:
    # --fuzz-examples 4 with the 8 default shards gave four shards nothing to search, each an error.
    from fuzz_campaign.campaign import shard_count

    class Options:
        def __init__(self, examples: int, shards: int) -> None:
            self.values = {"--fuzz-examples": examples, "--fuzz-shards": shards}

        def getoption(self, name: str) -> int:
            return self.values[name]

    assert shard_count(Options(4, 8)) == 4  # type: ignore[arg-type]
    assert shard_count(Options(10_000, 8)) == 8  # type: ignore[arg-type]
    for examples, shards in ((0, 8), (5, 0)):
        with pytest.raises(pytest.UsageError, match="must be at least 1"):
            shard_count(Options(examples, shards))  # type: ignore[arg-type]


def test_the_campaign_spreads_its_shards_over_the_workers() -> None:
    """pyproject's addopts hand out whole files (``--dist loadfile``); the campaign is one file, and
    its shards must still go to every worker (with loadfile, one worker ran all of them)."""
    env = {key: value for key, value in os.environ.items() if key != "ASYNCCONF_REQUIRE"}
    command = [sys.executable, "-m", "pytest", "tests/fuzz_campaign/campaign.py", "-n", "2", "-v"]
    command += ["-p", "no:cacheprovider"]
    command += ["--asyncconf-lang", "python", "--fuzz-pattern", "timeout", "--fuzz-examples", "8", "--fuzz-shards", "8"]
    result = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    workers = {line.split("]", 1)[0] for line in result.stdout.splitlines() if " PASSED " in line}
    assert workers == {"[gw0", "[gw1"}, result.stdout[-3000:]
