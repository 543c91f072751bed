"""Check your own Python implementation of a pattern against the spec, in a few lines.

    from asyncconf.testing import check_pattern

    report = check_pattern("retry-backoff", my_retry)   # my_retry: the reference's signature
    assert report.ok, report.explain()

Your callable takes what the Python reference takes (``asyncpatterns.<pattern>``; spec/PROTOCOL.md
section 8 lists every pattern's signature) and runs on the project's virtual time, fault plans
and instruments, exactly as the reference does. Each scenario is checked against the spec and
compared with the reference's answer; ``report.explain()`` shows, for each failure, the checker's
reasons, the outcome and the trace next to the reference's.

A scenario your implementation cannot express (a fixed cap, no factor, no injectable random) is
``n/a`` when ``not_applicable(scenario)`` returns the reason: never a pass, never a fail. A report
with no scenario passed is not ``ok``.

In pytest, one test per scenario::

    @pytest.mark.parametrize("scenario", scenarios("retry-backoff"))
    def test_my_retry(scenario):
        check_scenario(scenario, my_retry).assert_ok()   # an n/a scenario is a skip

It works inside an asyncio test too (pytest-asyncio, ``asyncio_mode`` auto or strict): with a
loop already running in the thread, the check runs on a thread of its own -- or ``await
acheck_scenario(...)``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import equivalence
from .checker import BLOCK_LIMIT_MS, blocked_mismatch, check, crash_reason, read_in_real_time
from .engine import request_for
from .paths import PATTERNS_DIR
from .spec import Scenario, load_spec

__all__ = [
    "PatternReport",
    "ScenarioResult",
    "acheck_pattern",
    "acheck_scenario",
    "check_pattern",
    "check_scenario",
    "scenarios",
]

NotApplicable = Callable[[Scenario], "str | None"]
_ids = itertools.count(1)
#: One check runs at a time in a process: the runner's candidate registry, its loop watch and the
#: ``time.sleep`` it replaces during a run are the process's, so two checks at once (``acheck_*``
#: gathered) could run each other's implementation, or one of them unwatched.
_ONE_RUN_AT_A_TIME = threading.Lock()


@dataclass
class ScenarioResult:
    """One scenario's verdict on your implementation, with everything needed to see why."""

    scenario: Scenario
    status: str  # pass | fail | error | n/a
    reasons: list[str] = field(default_factory=list)
    answer: dict[str, Any] | None = None
    reference: dict[str, Any] | None = None
    first_try: str = ""  # set when your implementation's run was tried twice: what its first try read

    @property
    def ok(self) -> bool:
        """Passed. ``n/a`` is not ok: it checked nothing (``assert_ok`` skips it under pytest)."""
        return self.status == "pass"

    def explain(self) -> str:
        head = f"{self.status.upper()} {self.scenario.name}" + (
            f" -- {self.scenario.summary}" if self.scenario.summary else ""
        )
        lines = [head, *(f"  {reason}" for reason in self.reasons)]
        if self.first_try:
            lines.append(f"  a second try: the first failed {self.first_try}")
        if self.status in ("fail", "error") and self.answer is not None:
            lines.append(f"  outcome: {json.dumps(self.answer.get('outcome'), sort_keys=True)}")
            if self.reference is not None:
                lines.append(f"  the reference's: {json.dumps(self.reference.get('outcome'), sort_keys=True)}")
            lines.append("  trace (yours | the reference's):")
            mine = equivalence.canonical(self.answer)["trace"]
            theirs = equivalence.canonical(self.reference or {})["trace"]
            for index in range(max(len(mine), len(theirs))):
                left = _event(mine[index]) if index < len(mine) else ""
                right = _event(theirs[index]) if index < len(theirs) else ""
                lines.append(f"    {'!' if left != right else ' '} {left:<28} | {right}")
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Fail (AssertionError) with the explanation unless it passed; an ``n/a`` is skipped
        (``pytest.skip``, with your reason) -- never a pass: it checked nothing."""
        if self.status == "n/a":
            import pytest

            pytest.skip(f"n/a: {'; '.join(self.reasons)}")
        assert self.ok, self.explain()


@dataclass
class PatternReport:
    pattern: str
    results: list[ScenarioResult]

    @property
    def ok(self) -> bool:
        """Every scenario passed or is n/a -- and at least one passed: n/a alone checks nothing."""
        return not self.failures and any(r.ok for r in self.results)

    @property
    def failures(self) -> list[ScenarioResult]:
        """The scenarios that failed or could not be judged (not the n/a ones: they are reported apart)."""
        return [r for r in self.results if r.status in ("fail", "error")]

    def explain(self) -> str:
        counts = {status: sum(r.status == status for r in self.results) for status in ("pass", "fail", "error", "n/a")}
        summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        lines = [f"{self.pattern}: {summary}" + ("" if self.ok else " -- NOT OK")]
        lines += [r.explain() for r in self.results if r.status != "pass" or r.first_try]
        return "\n".join(lines)


def scenarios(pattern: str, spec_dir: Path = PATTERNS_DIR) -> list[Any]:
    """The pattern's scenarios as ``pytest.param``s named by scenario id (for parametrize)."""
    import pytest

    return [pytest.param(s, id=s.id) for s in _pattern(pattern, spec_dir).scenarios]


def check_pattern(
    pattern: str,
    implementation: Callable[..., Any],
    *,
    not_applicable: NotApplicable | None = None,
    spec_dir: Path = PATTERNS_DIR,
) -> PatternReport:
    """Every scenario of ``pattern`` run against ``implementation``, checked and compared."""
    spec = _pattern(pattern, spec_dir)
    return PatternReport(
        pattern, [check_scenario(s, implementation, not_applicable=not_applicable) for s in spec.scenarios]
    )


def check_scenario(
    scenario: Scenario, implementation: Callable[..., Any], *, not_applicable: NotApplicable | None = None
) -> ScenarioResult:
    """One scenario against ``implementation``; safe to call with an event loop running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _check(scenario, implementation, not_applicable)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # the runner needs a thread without a loop
        return pool.submit(_check, scenario, implementation, not_applicable).result()


async def acheck_scenario(
    scenario: Scenario, implementation: Callable[..., Any], *, not_applicable: NotApplicable | None = None
) -> ScenarioResult:
    """``check_scenario`` for async code: the check runs on a thread, your loop stays free."""
    return await asyncio.to_thread(_check, scenario, implementation, not_applicable)


async def acheck_pattern(
    pattern: str,
    implementation: Callable[..., Any],
    *,
    not_applicable: NotApplicable | None = None,
    spec_dir: Path = PATTERNS_DIR,
) -> PatternReport:
    return await asyncio.to_thread(
        check_pattern, pattern, implementation, not_applicable=not_applicable, spec_dir=spec_dir
    )


# -- running ------------------------------------------------------------------------------------------


def _pattern(pattern: str, spec_dir: Path) -> Any:
    patterns = {p.id: p for p in load_spec(spec_dir)}
    if pattern not in patterns:
        raise ValueError(f"unknown pattern {pattern!r} (known: {', '.join(sorted(patterns))})")
    return patterns[pattern]


def _check(
    scenario: Scenario, implementation: Callable[..., Any], not_applicable: NotApplicable | None
) -> ScenarioResult:
    from asyncpatterns.runner import handle
    from asyncpatterns.runner.candidates import registered

    why = not_applicable(scenario) if not_applicable else None
    if why:
        return ScenarioResult(scenario, "n/a", [why])
    name = "candidate"
    with _ONE_RUN_AT_A_TIME, registered(scenario.pattern, name, implementation):
        answer, first_try = _confirmed(lambda: handle(request_for(scenario, name, "virtual", next(_ids))))
        reference, _ = _confirmed(lambda: handle(request_for(scenario, "reference", "virtual", next(_ids))))
    if "error" in answer:
        return ScenarioResult(scenario, "error", [f"runner error: {answer['error'].get('message')}"])
    crashed = crash_reason(answer)
    if crashed:
        return ScenarioResult(scenario, "error", [crashed], answer, reference, first_try)
    reasons = [str(mismatch) for mismatch in check(scenario, answer)]
    if "error" not in reference:
        difference = equivalence.first_difference(equivalence.canonical(reference), equivalence.canonical(answer))
        if difference:
            reasons.append(f"differs from the Python reference: {difference}")
    return ScenarioResult(scenario, "fail" if reasons else "pass", reasons, answer, reference, first_try)


def _confirmed(run: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """An answer, and what a first try read when it read a block and was run again: the second
    counts. A block is measured in real time, and your test process's other threads or a busy
    machine can stall the loop's thread where the run-queue count does not see it; a block the
    code causes repeats; after a clean second try, a third tells a block that comes and goes with
    the implementation's state (every other call). As ``asyncconf run`` does (``Engine._confirm_blocks``)."""
    first = run()
    blocked = blocked_mismatch(first, BLOCK_LIMIT_MS) if "error" not in first else None
    if blocked is None or not read_in_real_time(blocked):  # a named block is exact: no stall made it
        return first, ""
    second = run()
    if "error" in second or blocked_mismatch(second, BLOCK_LIMIT_MS) is not None:
        return second, str(blocked)
    third = run()
    if "error" not in third and blocked_mismatch(third, BLOCK_LIMIT_MS) is not None:
        return third, f"{blocked}; the second try did not block, the third did: the code's block, every other time"
    return second, str(blocked)


def _event(event: dict[str, Any]) -> str:
    kind = f" {event['kind']}" if "kind" in event else ""
    return f"{event['t']:>6} {event['ev']:<6} {event['key']}#{event['n']}{kind}"
