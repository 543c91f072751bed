"""Running the spec: every (pattern, scenario, language, transport, implementation), checked.

``Engine`` opens the languages once and runs scenarios on demand (the CLI runs them all; the
pytest plugin one per test item). Each run becomes a ``Run`` record with its status:

- ``pass`` / ``fail`` -- the checker's verdict on the answer (for an anti-pattern, ``fail`` is
  the suite catching the mistake);
- ``error`` -- no verdict: the runner could not run it, or the language could not be prepared;
- ``skip`` -- not run, with the reason (runtime absent, API missing, real-clock budget).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from . import equivalence
from .checker import check, longest_expected_ms, real_time_skip_reason
from .languages import LanguageSession, open_language
from .spec import Pattern, Scenario
from .transports.base import Transport, TransportError

STATUSES = ("pass", "fail", "error", "skip")


@dataclass
class Run:
    pattern: str
    scenario: str
    lang: str
    transport: str
    impl: str
    status: str
    reason: str = ""
    virtual_ms: int | None = None
    wall_ms: float | None = None
    check: str = "spec"  # "spec": against the scenario's expectations; "equivalence": across languages
    answer: dict[str, Any] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record.pop("answer")
        return record


def request_for(scenario: Scenario, impl: str, clock: str, request_id: int) -> dict[str, Any]:
    """The protocol's run request for one scenario (spec/PROTOCOL.md section 2)."""
    longest = longest_expected_ms(scenario)
    # Long enough for any correct implementation; short enough that a runaway ends soon.
    limit_ms = max(10 * longest, 60_000) if clock == "virtual" else 2 * longest + 1000
    return {
        "id": request_id,
        "op": "run",
        "pattern": scenario.pattern,
        "impl": impl,
        "params": scenario.params,
        "plan": scenario.plan,
        "cancel_at_ms": scenario.cancel_at_ms,
        "random": list(scenario.random),
        "clock": clock,
        "limit_ms": limit_ms,
        "max_calls": 1000,
    }


def wall_timeout_s(request: dict[str, Any]) -> float:
    """How long the harness waits for one answer before calling the runner hung."""
    return 60.0 if request["clock"] == "virtual" else request["limit_ms"] / 1000 + 60.0


class Engine:
    """Opens the selected languages lazily and runs scenarios through all their transports."""

    def __init__(
        self,
        patterns: list[Pattern],
        langs: Iterable[str],
        *,
        clock: str = "virtual",
        runners: dict[str, list[str]] | None = None,
    ):
        self.patterns = patterns
        self.langs = list(langs)
        self.clock = clock
        self.runners = runners or {}  # language -> the command of a runner of the user's own
        self._sessions: dict[str, LanguageSession] = {}
        self._next_id = 0

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()

    def session(self, lang: str) -> LanguageSession:
        if lang not in self._sessions:
            self._sessions[lang] = open_language(lang, self.patterns, self.runners.get(lang))
        return self._sessions[lang]

    def transport_labels(self, lang: str) -> list[str]:
        """The transports a language runs through (known once the language is opened)."""
        session = self.session(lang)
        return [*session.broken, *(t.name for t in session.transports)] or ["-"]

    def implementations(self, pattern: Pattern, lang: str, which: str) -> list[str]:
        """The implementations to run: ``reference``, ``antipatterns`` or ``all``."""
        described = next(iter(self.session(lang).implementations.values()), {})
        antipatterns = [impl for impl in described.get(pattern.id, []) if impl != "reference"]
        return {
            "reference": ["reference"],
            "antipatterns": antipatterns,
            "all": ["reference", *antipatterns],
        }[which]

    # -- running ---------------------------------------------------------------------------------------
    def run_scenario(self, scenario: Scenario, lang: str, impl: str = "reference") -> list[Run]:
        """One scenario through every transport of one language."""
        session = self.session(lang)

        def record(transport: str, status: str, reason: str) -> Run:
            return Run(scenario.pattern, scenario.id, lang, transport, impl, status, reason)

        if session.skip_reason:
            return [record("-", "skip", session.skip_reason)]
        if session.error:
            return [record("-", "error", session.error)]
        # A transport that could not start answers for itself; the others run.
        runs = [record(transport, status, reason) for transport, (status, reason) in session.broken.items()]
        lacking = session.missing_api.get(scenario.pattern)
        if lacking:
            version = f"{session.runtime.get('name', lang)} {session.runtime.get('version', '?')}"
            needs = ", ".join(str(api) for api in lacking)
            return runs + [record(t.name, "skip", f"needs {needs}; missing in {version}") for t in session.transports]
        if self.clock == "real" and (why := real_time_skip_reason(scenario)):
            return runs + [record(t.name, "skip", why) for t in session.transports]
        for transport in session.transports:
            implemented = session.implementations.get(transport.label, {}).get(scenario.pattern)
            if implemented is None:
                runs.append(
                    record(
                        transport.name,
                        "error",
                        f"the {transport.label} runner does not implement {scenario.pattern}",
                    )
                )
            elif impl not in implemented:
                runs.append(
                    record(
                        transport.name,
                        "error",
                        f"the {transport.label} runner has no implementation {impl!r}",
                    )
                )
            else:
                runs.append(self._run_one(transport, scenario, lang, impl))
        return runs

    def _run_one(self, transport: Transport, scenario: Scenario, lang: str, impl: str) -> Run:
        self._next_id += 1
        request = request_for(scenario, impl, self.clock, self._next_id)
        started = time.perf_counter()
        run = Run(scenario.pattern, scenario.id, lang, transport.name, impl, "error")
        try:
            answer = transport.request(request, timeout_s=wall_timeout_s(request))
        except TransportError as error:
            run.reason = str(error)
            return run
        finally:
            run.wall_ms = round((time.perf_counter() - started) * 1000, 3)
        if "error" in answer:
            failure = answer["error"]
            run.reason = f"runner error ({failure.get('kind')}): {failure.get('message')}"
            return run
        run.answer = answer
        run.virtual_ms = answer.get("elapsed_ms") if self.clock == "virtual" else None
        mismatches = check(scenario, answer, clock=self.clock)
        run.status = "fail" if mismatches else "pass"
        run.reason = "; ".join(str(m) for m in mismatches)
        return run

    def run_all(
        self,
        which: str = "reference",
        on_run: Callable[[Run], None] = lambda run: None,
    ) -> list[Run]:
        """Every scenario of every selected pattern, in every language, plus equivalence."""
        runs: list[Run] = []
        for lang in self.langs:
            for pattern in self.patterns:
                for impl in self.implementations(pattern, lang, which) or ["reference"]:
                    for scenario in pattern.scenarios:
                        for run in self.run_scenario(scenario, lang, impl):
                            runs.append(run)
                            on_run(run)
        if self.clock == "virtual":
            for run in compare_languages(runs):
                runs.append(run)
                on_run(run)
        return runs

    def planned(self, which: str) -> int:
        """How many scenario runs ``run_all`` will make (for a progress display)."""
        return sum(
            len(pattern.scenarios)
            * len(self.implementations(pattern, lang, which) or ["reference"])
            * len(self.transport_labels(lang))
            for lang in self.langs
            for pattern in self.patterns
        )


def compare_languages(runs: Iterable[Run]) -> Iterator[Run]:
    """Equivalence records: each (language, transport) against a baseline, in canonical form.

    A second transport of a language is compared with that language's first (they run the same
    code); a language's first transport with the first language that answered. Even within one
    process the order of events at one instant is not fixed (asyncio.TaskGroup keeps its
    children in a set), so every comparison is canonical (equivalence.canonical).
    """
    by_scenario: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        if run.check == "spec" and run.impl == "reference" and run.answer is not None:
            by_scenario.setdefault((run.pattern, run.scenario), []).append(run)
    for (pattern, scenario), answered in by_scenario.items():
        first_of_lang: dict[str, Run] = {}
        for run in answered:
            first_of_lang.setdefault(run.lang, run)
        baseline = answered[0]
        for run in answered[1:]:
            against = first_of_lang[run.lang] if first_of_lang[run.lang] is not run else baseline
            difference = equivalence.first_difference(
                equivalence.canonical(against.answer or {}), equivalence.canonical(run.answer or {})
            )
            yield Run(
                pattern,
                scenario,
                run.lang,
                run.transport,
                "reference",
                "fail" if difference else "pass",
                f"differs from {against.lang}/{against.transport}: {difference}"
                if difference
                else f"same as {against.lang}/{against.transport}",
                check="equivalence",
            )
