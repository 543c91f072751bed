"""The pytest plugin (entry point ``pytest11``): the spec's YAML files become test items.

For each pattern file pytest collects, per selected language:

- ``<scenario>[<lang>]`` -- the reference passes the scenario through every transport;
- ``antipattern:<id>[<lang>]`` -- the suite rejects that anti-pattern: at least one scenario fails it;
- ``<scenario>[equivalence]`` -- the languages give the same answer (virtual clock only).

A language whose runtime is not installed makes its items *skip* with the reason -- unless the
environment variable ``ASYNCCONF_REQUIRE`` names it (CI sets it): then they fail.
Options: ``--asyncconf-lang`` (or the ini ``asyncconf_langs``) and ``--asyncconf-clock``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import pytest

from . import report
from .engine import Engine, Interrupted, Run, compare_languages
from .languages import LanguageSession
from .spec import LANGUAGES, Pattern, Scenario, SpecError, language_list, load_pattern, load_spec
from .transports.base import Transport

_ENGINE = pytest.StashKey[Engine]()
_CACHE = pytest.StashKey[dict[tuple[str, str, str], list[Run]]]()
#: Runs of anti-pattern jobs left out on some transport, made until a scenario rejected it
#: (``Engine.run_jobs(until_rejected=True)``): enough for its item's verdict, never for a reader of
#: every scenario (the self-test), which makes them again.
_PARTIAL = pytest.StashKey[dict[tuple[str, str, str], list[Run]]]()
#: The spec files whose items' runs were made together (``_Item.setup``).
_MADE_TOGETHER = pytest.StashKey[set[pytest.Collector]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asyncconf")
    group.addoption(
        "--asyncconf-lang",
        default=None,
        help="Languages to run, comma-separated (default: the ini asyncconf_langs, or all).",
    )
    group.addoption(
        "--asyncconf-clock",
        default="virtual",
        choices=["virtual", "real"],
        help="The clock scenarios run on.",
    )
    parser.addini("asyncconf_langs", "Languages the spec items run in, comma-separated.", default=",".join(LANGUAGES))


def _langs(config: pytest.Config) -> list[str]:
    value = config.getoption("--asyncconf-lang") or config.getini("asyncconf_langs")
    langs, unknown = language_list(str(value))
    if unknown:
        raise pytest.UsageError(f"--asyncconf-lang: unknown language(s) {unknown}; expected {', '.join(LANGUAGES)}")
    return langs


def required_langs() -> set[str]:
    """Languages that must run: ASYNCCONF_REQUIRE, comma-separated (CI sets every language)."""
    return {lang.strip() for lang in os.environ.get("ASYNCCONF_REQUIRE", "").split(",") if lang.strip()}


def skip_or_fail(lang: str, reason: str) -> None:
    """Skip for a language this machine lacks -- or fail, when that language is required."""
    if lang in required_langs():
        pytest.fail(f"{lang} is required here (ASYNCCONF_REQUIRE) but cannot run: {reason}")
    pytest.skip(reason)


def fail_if_required_did_not_run(runs: list[Run]) -> None:
    """report.required_problems -- the CLI's rule for ``--require`` -- applied to a test item."""
    problems = report.required_problems(runs, required_langs() & {run.lang for run in runs})
    if problems:
        pytest.fail("required here (ASYNCCONF_REQUIRE): " + "; ".join(problems))


def fuzzed_transports(pattern: Pattern, sessions: Sequence[LanguageSession]) -> list[Transport]:
    """The transports a fuzz test compares on ``pattern`` -- a required language left out of it fails
    the test (``fuzz.command.required_left_out``, the rule of ``asyncconf fuzz --require``), and
    fewer than two to compare skip it."""
    from .fuzz.command import required_left_out, transports_for

    transports, left_out = transports_for(pattern, sessions)
    problems = required_left_out(pattern, left_out, required_langs())
    if problems:
        pytest.fail("required here (ASYNCCONF_REQUIRE): " + "; ".join(problems))
    if len(transports) < 2:
        pytest.skip(f"fewer than two transports can run {pattern.id}: {'; '.join(map(str, left_out))}")
    return transports


def ran_transports(lang: str, runs: list[Run]) -> list[Run]:
    """The runs of the transports that ran: a transport whose every run skipped (it could not
    start, say) is left out -- or fails the test, when the language is required."""
    fail_if_required_did_not_run(runs)
    kept = []
    for transport in dict.fromkeys(run.transport for run in runs):
        mine = [run for run in runs if run.transport == transport]
        if not all(run.status == "skip" for run in mine):
            kept += mine
    return kept


def _engine(config: pytest.Config) -> Engine:
    if _ENGINE not in config.stash:
        spec_dir = Path(str(config.rootpath)) / "spec" / "patterns"
        config.stash[_ENGINE] = Engine(load_spec(spec_dir), _langs(config), clock=config.getoption("--asyncconf-clock"))
        config.stash[_CACHE] = {}
        config.stash[_PARTIAL] = {}
    return config.stash[_ENGINE]


def pytest_configure(config: pytest.Config) -> None:
    langs = _langs(config)  # a bad --asyncconf-lang is a usage error up front, not a collection error
    outside = sorted(required_langs() - set(langs))
    if outside:
        raise pytest.UsageError(
            f"ASYNCCONF_REQUIRE names {', '.join(outside)}, which the run does not select ({', '.join(langs)})"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    if _ENGINE in config.stash:
        config.stash[_ENGINE].close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if (
        file_path.suffix == ".yaml"
        and file_path.parent.name == "patterns"
        and (file_path.parent.parent / "schema.json").exists()
    ):
        return SpecFile.from_parent(parent, path=file_path)
    return None


class SpecProblem(Exception):
    pass


class ScenarioFailed(Exception):
    pass


class SpecFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            pattern = load_pattern(self.path)
        except SpecError as error:
            raise SpecProblem(str(error)) from None
        langs = _langs(self.config)
        for scenario in pattern.scenarios:
            for lang in langs:
                yield ScenarioItem.from_parent(self, name=f"{scenario.id}[{lang}]", scenario=scenario, lang=lang)
        for anti in pattern.antipatterns:
            for lang in langs:
                if lang in anti.langs:
                    yield AntiPatternItem.from_parent(
                        self, name=f"antipattern:{anti.id}[{lang}]", pattern=pattern, impl=anti.id, lang=lang
                    )
        if len(langs) > 1 and self.config.getoption("--asyncconf-clock") == "virtual":
            for scenario in pattern.scenarios:
                yield EquivalenceItem.from_parent(self, name=f"{scenario.id}[equivalence]", scenario=scenario)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, SpecProblem):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


def cached_runs(config: pytest.Config, scenario: Scenario, lang: str, impl: str) -> list[Run]:
    """The runs of one scenario in one language (every transport), made once per test session."""
    return cached_runs_of(config, [(scenario, lang, impl)])[0]


def cached_runs_of(
    config: pytest.Config, jobs: Sequence[tuple[Scenario, str, str]], *, until_rejected: bool = False
) -> list[list[Run]]:
    """The runs of each job (a scenario, a language, an implementation), made once per test session;
    the ones not made yet are made together (``Engine.run_jobs``: every transport at once, each
    taking its share in batches), not one after another (the README's matrix: 50 -> 20 s).
    ``until_rejected``: an anti-pattern's jobs only until a scenario rejects it on a transport; the
    ones left out come back without that transport's run."""
    engine = _engine(config)
    cache, partial = config.stash[_CACHE], config.stash[_PARTIAL]

    def known(key: tuple[str, str, str]) -> bool:
        return key in cache or (until_rejected and key in partial)

    todo = list({_key(job): job for job in jobs if not known(_key(job))}.values())
    if todo:
        spared: set[int] = set()
        try:
            made = engine.run_jobs(todo, until_rejected=until_rejected, spared=spared)
        except Interrupted:
            raise KeyboardInterrupt from None  # pytest stops on Ctrl-C: an interrupt is not a failed test
        for index, (job, runs) in enumerate(zip(todo, made, strict=True)):
            (partial if index in spared else cache)[_key(job)] = runs
    return [cache[_key(job)] if _key(job) in cache else partial[_key(job)] for job in jobs]


def _key(job: tuple[Scenario, str, str]) -> tuple[str, str, str]:
    scenario, lang, impl = job
    return scenario.name, lang, impl


@pytest.fixture(scope="session")
def asyncconf_engine(pytestconfig: pytest.Config) -> Engine:
    """The session's engine: the selected languages, opened once, shared with the spec items."""
    return _engine(pytestconfig)


@pytest.fixture(scope="session")
def asyncconf_runs(pytestconfig: pytest.Config) -> Callable[[Scenario, str, str], list[Run]]:
    """``runs(scenario, lang, impl)``: cached runs, shared with the spec items."""
    return lambda scenario, lang, impl: cached_runs(pytestconfig, scenario, lang, impl)


class RunsOf(Protocol):
    """The ``asyncconf_runs_of`` fixture's function (``cached_runs_of`` of the session)."""

    def __call__(self, jobs: Sequence[tuple[Scenario, str, str]], until_rejected: bool = False) -> list[list[Run]]: ...


@pytest.fixture(scope="session")
def asyncconf_runs_of(
    pytestconfig: pytest.Config,
) -> RunsOf:
    """``runs_of(jobs, until_rejected=False)``: the cached runs of many (scenario, lang, impl) jobs, those not
    made yet made together; ``until_rejected``: as ``asyncconf run`` makes them (``cached_runs_of``)."""
    return lambda jobs, until_rejected=False: cached_runs_of(pytestconfig, jobs, until_rejected=until_rejected)


class _Item(pytest.Item):
    def jobs(self) -> list[tuple[Scenario, str, str]]:
        """The runs this item judges: (scenario, lang, impl) each."""
        raise NotImplementedError

    def setup(self) -> None:
        """The first item of a spec file to run makes the runs of every selected item of that file
        together (``cached_runs_of``), rather than each item its own, one after another."""
        made_together = self.config.stash.setdefault(_MADE_TOGETHER, set())
        if self.parent is None or self.parent in made_together:
            return
        made_together.add(self.parent)
        siblings = [item for item in self.session.items if item.parent is self.parent and isinstance(item, _Item)]
        cached_runs_of(self.config, [job for item in siblings for job in item.jobs()], until_rejected=True)

    def _runs(self, scenario: Scenario, lang: str, impl: str) -> list[Run]:
        # An anti-pattern's item needs a rejection, not every scenario (as ``asyncconf run``).
        return cached_runs_of(self.config, [(scenario, lang, impl)], until_rejected=True)[0]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class SecondTryWarning(UserWarning):
    """A run passed on a second try, after its first read a block (``Engine._confirm_blocks``)."""


def _verdict(runs: list[Run]) -> None:
    """Fail when a required language did not run; skip when every run skipped; fail with every
    problem; pass otherwise -- saying so (a warning) where a run passed on a second try."""
    fail_if_required_did_not_run(runs)
    if all(run.status == "skip" for run in runs):
        pytest.skip(runs[0].reason)
    bad = [run for run in runs if run.status in ("fail", "error")]
    if bad:
        raise ScenarioFailed("\n".join(f"{run.column} {run.status}: {run.reason}" for run in bad))
    for line in report.second_tries(runs):
        warnings.warn(SecondTryWarning(line), stacklevel=2)


class ScenarioItem(_Item):
    def __init__(self, *, scenario: Scenario, lang: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.lang = lang

    def jobs(self) -> list[tuple[Scenario, str, str]]:
        return [(self.scenario, self.lang, "reference")]

    def runtest(self) -> None:
        _verdict(self._runs(self.scenario, self.lang, "reference"))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"{self.scenario.name} [{self.lang}]"


class AntiPatternItem(_Item):
    def __init__(self, *, pattern: Pattern, impl: str, lang: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pattern = pattern
        self.impl = impl
        self.lang = lang

    def jobs(self) -> list[tuple[Scenario, str, str]]:
        return [(scenario, self.lang, impl) for impl in (self.impl, "reference") for scenario in self.pattern.scenarios]

    def runtest(self) -> None:
        mine = [run for scenario in self.pattern.scenarios for run in self._runs(scenario, self.lang, self.impl)]
        fail_if_required_did_not_run(mine)
        # Judged against the reference: only a scenario the reference passes can reject it.
        baseline = [run for scenario in self.pattern.scenarios for run in self._runs(scenario, self.lang, "reference")]
        verdicts = {
            transport: verdict
            for (_lang, transport, _pattern, _impl), verdict in report.antipattern_verdicts(baseline + mine).items()
        }
        problems = []
        for transport, verdict in verdicts.items():
            where = f"{self.lang}/{transport}: anti-pattern {self.impl!r}"
            if verdict == "missed":
                problems.append(
                    f"{where} passed every scenario of {self.pattern.id}: the spec does not catch this mistake"
                )
            elif verdict == "error":
                errors = [f"{r.scenario}: {r.reason}" for r in mine if r.transport == transport and r.status == "error"]
                problems.append(f"{where} could not be judged (not a rejection): " + "; ".join(errors[:3]))
        if problems:
            raise ScenarioFailed("\n".join(problems))
        if all(verdict == "skipped" for verdict in verdicts.values()):
            skipped = next((run for run in mine if run.status == "skip"), None)
            pytest.skip(skipped.reason if skipped else "the reference passed no scenario to judge it by")

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.pattern.id}: anti-pattern {self.impl} [{self.lang}]"


class EquivalenceItem(_Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def jobs(self) -> list[tuple[Scenario, str, str]]:
        return [(self.scenario, lang, "reference") for lang in _engine(self.config).langs]

    def runtest(self) -> None:
        engine = _engine(self.config)
        runs = [run for lang in engine.langs for run in self._runs(self.scenario, lang, "reference")]
        answered = [run for run in runs if run.answer is not None]
        if len({run.lang for run in answered}) < 2:
            pytest.skip("fewer than two languages answered this scenario")
        differing = [run for run in compare_languages(answered) if run.status == "fail"]
        if differing:
            raise ScenarioFailed("\n".join(f"{run.lang}/{run.transport} {run.reason}" for run in differing))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"{self.scenario.name} [equivalence]"
