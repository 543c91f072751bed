"""The suite's own proof that its checks can fail, in every language that runs here:

- every anti-pattern a runner implements fails at least one scenario (it is *rejected*);
- every scenario is failed by at least one anti-pattern of that language (it *tests* something);
- a runner implements exactly the spec's anti-pattern catalogue for its language.

Languages come from the ``asyncconf_langs`` ini option / ``--asyncconf-lang``; one whose runtime
is absent is skipped with the reason -- never counted as passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from asyncconf.engine import Engine, Run
from asyncconf.pytest_plugin import ran_transports, skip_or_fail
from asyncconf.report import antipattern_verdicts
from asyncconf.spec import Pattern, Scenario, load_spec

PATTERNS = load_spec()
Runs = Callable[[Scenario, str, str], list[Run]]
RunsOf = Callable[[Sequence[tuple[Scenario, str, str]]], list[list[Run]]]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "lang" in metafunc.fixturenames:
        value = metafunc.config.getoption("--asyncconf-lang") or metafunc.config.getini("asyncconf_langs")
        metafunc.parametrize("lang", [lang.strip() for lang in str(value).split(",") if lang.strip()])


def _usable(engine: Engine, lang: str) -> None:
    session = engine.session(lang)
    if session.skip_reason:
        skip_or_fail(lang, session.skip_reason)
    assert session.error is None, session.error


@pytest.fixture(scope="module")
def made_together(request: pytest.FixtureRequest, asyncconf_engine: Engine, asyncconf_runs_of: RunsOf) -> None:
    """Every run this module's selected tests read -- each (language, pattern)'s reference and
    anti-patterns -- made at its first test, together (every transport at once, in batches, into
    the session's cache), rather than a language at a time as each test reads them."""
    jobs = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "module", None) is not request.module or callspec is None:
            continue
        lang, pattern = callspec.params.get("lang"), callspec.params.get("pattern")
        if isinstance(lang, str) and isinstance(pattern, Pattern):
            impls = asyncconf_engine.implementations(pattern, lang, "antipatterns")
            jobs += [(scenario, lang, impl) for impl in impls for scenario in pattern.scenarios]
    asyncconf_runs_of(jobs)


def _verdicts(runs: list[Run]) -> dict[str, set[str]]:
    by_transport: dict[str, set[str]] = {}
    for run in runs:
        by_transport.setdefault(run.transport, set()).add(run.status)
    return by_transport


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.id)
def test_the_runner_implements_the_catalogue(asyncconf_engine: Engine, lang: str, pattern: Pattern) -> None:
    _usable(asyncconf_engine, lang)
    expected = {a.id for a in pattern.antipatterns if lang in a.langs}
    for label, described in asyncconf_engine.session(lang).implementations.items():
        implemented = set(described.get(pattern.id, [])) - {"reference"}
        assert implemented == expected, f"{label}: implements {sorted(implemented)}, the spec lists {sorted(expected)}"


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.id)
def test_every_antipattern_is_rejected(
    asyncconf_engine: Engine, asyncconf_runs: Runs, made_together: None, lang: str, pattern: Pattern
) -> None:
    _usable(asyncconf_engine, lang)
    missed = []
    baseline = [run for scenario in pattern.scenarios for run in asyncconf_runs(scenario, lang, "reference")]
    for impl in asyncconf_engine.implementations(pattern, lang, "antipatterns"):
        if impl == "reference":
            continue
        runs = ran_transports(
            lang, [run for scenario in pattern.scenarios for run in asyncconf_runs(scenario, lang, impl)]
        )
        # Rejected means: failed a scenario the reference passes there -- never crashed, never skipped.
        for (_, transport, _, _), verdict in antipattern_verdicts(baseline + runs).items():
            if verdict != "rejected":
                missed.append(f"{transport}: {impl} ({verdict})")
    assert not missed, f"anti-patterns no scenario of {pattern.id} rejects: {missed}"


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.id)
def test_every_scenario_fails_some_antipattern(
    asyncconf_engine: Engine, asyncconf_runs: Runs, made_together: None, lang: str, pattern: Pattern
) -> None:
    _usable(asyncconf_engine, lang)
    antipatterns = [
        impl for impl in asyncconf_engine.implementations(pattern, lang, "antipatterns") if impl != "reference"
    ]
    untested = []
    for scenario in pattern.scenarios:
        runs = ran_transports(lang, [run for impl in antipatterns for run in asyncconf_runs(scenario, lang, impl)])
        for transport, statuses in _verdicts(runs).items():
            if "fail" not in statuses:
                untested.append(f"{transport}: {scenario.id}")
    assert not untested, f"scenarios of {pattern.id} that no {lang} anti-pattern fails: {untested}"


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.id)
def test_no_antipattern_crashes_on_any_scenario(
    asyncconf_engine: Engine, asyncconf_runs: Runs, made_together: None, lang: str, pattern: Pattern
) -> None:
    """An anti-pattern makes its one mistake and is otherwise the reference: a crash (a TypeError on a
    fractional parameter, an argument refused after the operation was called) is a second mistake,
    judged by nothing -- an ERROR in every `asyncconf run --every-scenario`, and a scenario whose
    verdict on it is lost."""
    _usable(asyncconf_engine, lang)
    crashed = [
        f"{run.transport} {scenario.id} [{impl}]: {run.reason}"
        for impl in asyncconf_engine.implementations(pattern, lang, "antipatterns")
        if impl != "reference"
        for scenario in pattern.scenarios
        for run in ran_transports(lang, asyncconf_runs(scenario, lang, impl))
        if run.status == "error"
    ]
    assert not crashed, f"{lang} anti-patterns of {pattern.id} that could not be judged:\n" + "\n".join(crashed)


def test_the_trace_ends_when_the_pattern_settles(asyncconf_engine: Engine, asyncconf_runs: Runs, lang: str) -> None:
    """What a runner does after the pattern settled -- cancelling the operation a timeout left
    running -- is not the pattern's: it is kept apart (``trace_after``) and counts only as a leak,
    so ``leaves-running`` fails ``cancelled_at_ms`` too (before the cut it passed that check on
    the runner's own cancel, and only the leak check caught it)."""
    _usable(asyncconf_engine, lang)
    timeout = next(p for p in PATTERNS if p.id == "timeout")
    scenario = next(s for s in timeout.scenarios if s.id == "exceeds-limit")
    runs = ran_transports(lang, asyncconf_runs(scenario, lang, "leaves-running"))
    assert runs
    for run in runs:
        assert run.answer is not None, run
        assert run.answer["elapsed_ms"] == 50
        assert [e["ev"] for e in run.answer["trace"]] == ["call"], run.answer["trace"]
        assert [e["ev"] for e in run.answer["trace_after"]] == ["cancel"], run.answer
        assert run.answer["leaks"] == ["operation op#1 still running"]
        assert "cancelled_at_ms: expected" in run.reason, run.reason
