"""Running the spec: every (pattern, scenario, language, transport, implementation), checked.

``Engine`` opens the languages once and runs scenarios on demand (the CLI runs them all; the
pytest plugin one per test item). Each run becomes a ``Run`` record with its status:

- ``pass`` / ``fail`` -- the checker's verdict on the answer (for an anti-pattern, ``fail`` is
  the suite catching the mistake);
- ``error`` -- no verdict: the runner could not run it, the language could not be prepared, or
  the implementation crashed (a programming error or a missing API is not a behaviour to judge);
- ``skip`` -- not run, with the reason and its cause (runtime absent, API missing, real-clock
  budget).

``run_all`` runs every transport in a thread of its own (each transport answers one request at a
time, so a transport's runs stay sequential); languages are opened concurrently too. An interrupt
(Ctrl-C) stops every runner and raises ``Interrupted``: no partial result is ever a verdict.
``asyncconf run`` runs each anti-pattern on a transport only until a scenario rejects it there
(``run_jobs(until_rejected=True)``); ``--every-scenario`` and the self-test run every one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from . import equivalence
from .checker import (
    BLOCK_LIMIT_MS,
    blocked_mismatch,
    check,
    crash_reason,
    expected_calls,
    longest_expected_ms,
    read_in_real_time,
    real_time_skip_reason,
    stopped_in_real_time,
    unasked_refusal,
)
from .languages import CUSTOM, LanguageSession, open_language
from .spec import Pattern, Scenario
from .transports.base import Transport, TransportError

#: ``n/a``: a candidate said it cannot take this scenario (a parameter it cannot express); never a
#: pass, never a fail -- and never allowed to our references or anti-patterns (an error there).
STATUSES = ("pass", "fail", "error", "skip", "n/a")

#: What an implementation is to the verdict: ``reference`` must pass everything; an
#: ``antipattern`` (an id of the spec's catalogue) must fail something; a ``candidate`` -- any
#: other implementation, and whatever a runner of the user's own runs -- must pass, is shown in
#: rows of its own and compared with the references.
ROLES = ("reference", "antipattern", "candidate")

#: What ``--impl`` may name besides implementation ids (``Engine.implementations``).
IMPL_GROUPS = ("reference", "antipatterns", "candidates", "all")

#: Why a run was skipped. ``unavailable`` and ``missing-api`` mean this machine could not run it,
#: which fails a language that is required (report.required_problems); the others are the suite's
#: own choices: for the real clock (too long to wait for; a mistake only virtual time can see), and
#: a scenario the spec does not run in a language (its ``not_in``: a value no implementation there
#: can be given, such as 2.5 for a C# ``int``).
SKIP_CAUSES = ("unavailable", "missing-api", "clock-budget", "virtual-only", "not-in-language")
CHOSEN_SKIPS = frozenset({"clock-budget", "virtual-only", "not-in-language"})

#: The error kind a runner answers for a scenario its candidate cannot take (PROTOCOL.md section 2).
NOT_APPLICABLE = "not-applicable"

#: Default seconds the harness waits for one answer on the virtual clock before calling the
#: runner hung. A correct run takes milliseconds; the runner's own wall budget (sent in each
#: request) ends a blocked run first, with an honest `unfinished` answer.
DEFAULT_HANG_TIMEOUT_S = 10.0


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
    skip_cause: str = ""  # one of SKIP_CAUSES when status is "skip"
    role: str = "reference"  # one of ROLES
    # Set when this is a second try (``Engine._confirm_blocks``): what the first try read.
    first_try: str = ""
    answer: dict[str, Any] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The record as saved by ``--json``: with the runner's whole answer (outcome, trace,
        leaks) when there was one, so that a failure can be understood from the file alone."""
        record = asdict(self)
        if record["answer"] is None:
            record.pop("answer")
        return record

    @property
    def column(self) -> str:
        return f"{self.lang}/{self.transport}"


class Interrupted(Exception):
    """The run was interrupted (Ctrl-C): ``done`` of ``planned`` runs had answered. No verdict."""

    def __init__(self, done: int, planned: int) -> None:
        super().__init__(f"interrupted after {done} of {planned} runs")
        self.done = done
        self.planned = planned


def max_calls_for(scenario: Scenario) -> int:
    """The call limit of a run: ten times what a correct implementation needs, and at least 1000."""
    return max(1000, 10 * expected_calls(scenario))


#: The longest timer every runtime arms as asked (Node's and the spec's bound, PROTOCOL.md section 8).
LONGEST_TIMER_MS = 2**31 - 1


def all_delays_ms(scenario: Scenario) -> int:
    """Every delay the scenario gives, added up: each step's ``after_ms`` and ``cancel_ms`` (a key's
    last step once more per item), each duration parameter (``*_ms``, in a list or mapping too),
    and the last instant it names."""

    def durations(name: str, value: Any) -> Iterator[float]:
        if isinstance(value, dict):
            for key, item in value.items():
                yield from durations(name, item) if name.endswith("_ms") else durations(str(key), item)
        elif isinstance(value, list):
            for item in value:
                yield from durations(name, item)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and name.endswith("_ms") and value > 0:
            yield value

    total = sum(
        float(step.get(field) or 0)
        for steps in scenario.plan.values()
        for step in steps
        for field in ("after_ms", "cancel_ms")
    )
    # A key's last step repeats for every further call (PROTOCOL.md section 3): one called once
    # per item -- a producer's -- may take it once more for each item.
    repeats = max((len(value) for value in scenario.params.values() if isinstance(value, list)), default=0)
    lasts = [steps[-1] for steps in scenario.plan.values() if steps]
    total += repeats * sum(float(step.get(field) or 0) for step in lasts for field in ("after_ms", "cancel_ms"))
    total += sum(v for name, value in scenario.params.items() for v in durations(name, value))
    instants = [scenario.cancel_at_ms or 0] + [
        max(invocation["at_ms"], invocation.get("cancel_at_ms") or 0) for invocation in scenario.invocations or ()
    ]
    return int(total + max(instants))


def request_for(
    scenario: Scenario,
    impl: str,
    clock: str,
    request_id: int,
    *,
    hang_timeout_s: float = DEFAULT_HANG_TIMEOUT_S,
) -> dict[str, Any]:
    """The protocol's run request for one scenario (spec/PROTOCOL.md section 2)."""
    longest = longest_expected_ms(scenario)
    # An invocation's start or cancellation is an instant the run must reach, expected end or not.
    for invocation in scenario.invocations or ():
        longest = max(longest, invocation["at_ms"], invocation.get("cancel_at_ms") or 0)
    # Long enough for any correct implementation; short enough that a runaway ends soon.
    # On virtual time also long enough for every delay the scenario gives done one after another
    # (a fuzzed example has no expected end, and its slow-to-stop job may take 65 s to stop).
    virtual_ms = max(10 * longest, 60_000, min(2 * all_delays_ms(scenario), LONGEST_TIMER_MS))
    limit_ms = virtual_ms if clock == "virtual" else 2 * longest + 1000
    request = {
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
        "max_calls": max_calls_for(scenario),
        # The runner ends a run that takes too long in real time itself, before the harness
        # gives up on it (a blocked loop answers `unfinished`; a hung runner is restarted).
        "wall_budget_s": round(0.75 * hang_timeout_s, 3),
    }
    if scenario.invocations is not None:  # several callers of one instance (PROTOCOL.md section 2)
        request["invocations"] = [dict(invocation) for invocation in scenario.invocations]
    return request


def block_limit_ms(transport: Transport) -> float:
    """The loop-lag limit a transport's runs are judged by: its own, or the protocol's."""
    return BLOCK_LIMIT_MS if transport.block_limit_ms is None else transport.block_limit_ms


def wall_timeout_s(request: dict[str, Any], hang_timeout_s: float = DEFAULT_HANG_TIMEOUT_S) -> float:
    """How long the harness waits for one answer before calling the runner hung."""
    if request["clock"] == "virtual":
        return hang_timeout_s
    return float(request["limit_ms"]) / 1000 + hang_timeout_s


@dataclass
class _Waiting:
    """What one transport is waiting for right now (shown when it takes long)."""

    what: str
    since: float


class Engine:
    """Opens the selected languages lazily and runs scenarios through all their transports."""

    def __init__(
        self,
        patterns: list[Pattern],
        langs: Iterable[str],
        *,
        clock: str = "virtual",
        runners: dict[str, list[str]] | None = None,
        hang_timeout_s: float = DEFAULT_HANG_TIMEOUT_S,
    ):
        self.patterns = patterns
        self.langs = list(langs)
        self.clock = clock
        self.runners = runners or {}  # language -> the command of a runner of the user's own
        self.hang_timeout_s = hang_timeout_s
        self._sessions: dict[str, LanguageSession] = {}
        self._opening = threading.Lock()
        self._ids = iter(range(1, 1 << 62))
        self._ids_lock = threading.Lock()
        self.waiting: dict[str, _Waiting] = {}  # transport label -> what it is waiting for
        self._virtual_only = {(p.id, a.id): a.virtual_only for p in patterns for a in p.antipatterns if a.virtual_only}
        self._antipatterns = {(p.id, a.id) for p in patterns for a in p.antipatterns}

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        for session in list(self._sessions.values()):
            session.close()
        self._sessions.clear()

    def session(self, lang: str) -> LanguageSession:
        with self._opening:
            if lang not in self._sessions:
                self._sessions[lang] = open_language(
                    lang, self.patterns, self.runners.get(lang), start_timeout_s=max(30.0, self.hang_timeout_s)
                )
            return self._sessions[lang]

    def open_all(self) -> dict[str, LanguageSession]:
        """Open every selected language at once (installs and builds run side by side)."""
        threads = [threading.Thread(target=self.session, args=(lang,), daemon=True) for lang in self.langs]
        for thread in threads:
            thread.start()
        _join(threads)
        return {lang: self.session(lang) for lang in self.langs}

    def transport_labels(self, lang: str) -> list[str]:
        """The transports a language runs through (known once the language is opened)."""
        session = self.session(lang)
        started = [t.name for t in session.transports]
        known = [name for name in session.tried if name in session.broken or name in started]
        return [*known, *(name for name in [*session.broken, *started] if name not in known)] or session.tried or ["-"]

    def role(self, pattern: str, impl: str, transport: str) -> str:
        """Whatever a runner of the user's own runs is a candidate: it runs no id of ours
        (``languages.ours_in_custom``)."""
        if transport == CUSTOM:
            return "candidate"
        if (pattern, impl) in self._antipatterns:
            return "antipattern"
        return "reference" if impl == "reference" else "candidate"

    def ours_in_custom(self) -> list[str]:
        """What the runners of the user's own described under ids of ours, which they do not run: a
        line per runner, for the selected patterns."""
        lines = []
        selected = [pattern.id for pattern in self.patterns]
        for lang in self.langs:
            for label, ours in self.session(lang).ours_described.items():
                named = [f"{pattern} ({', '.join(ours[pattern])})" for pattern in selected if pattern in ours]
                if named:
                    lines.append(
                        f"{label} describes ids of ours, not run there -- a runner of your own is checked on"
                        f" ids of its own: {'; '.join(named)}"
                    )
        return lines

    def implementations(self, pattern: Pattern, lang: str, which: str) -> list[str]:
        """The implementations to run: ``which`` is a comma-separated list of groups (IMPL_GROUPS:
        ``reference``, ``antipatterns``, ``candidates``, ``all``) and ids any runner of the language
        describes, and the union runs -- ``reference,antipatterns`` ran the reference alone when a
        list could hold ids only.

        The reference always runs: anti-patterns are judged where it passes, candidates compared with it.
        """
        described = self.session(lang).implementations.values()
        ids = list(dict.fromkeys(impl for patterns in described for impl in patterns.get(pattern.id, [])))
        # The language's catalogue, not only what our runners describe: one the runners leave out is
        # an error of theirs (``_prepared``), not an anti-pattern left out of the count without a word.
        catalogue = [antipattern.id for antipattern in pattern.antipatterns if lang in antipattern.langs]
        antipatterns = list(dict.fromkeys([*catalogue, *(i for i in ids if (pattern.id, i) in self._antipatterns)]))
        ids = list(dict.fromkeys([*ids, *catalogue]))
        candidates = [impl for impl in ids if impl != "reference" and impl not in antipatterns]
        groups = {"reference": [], "antipatterns": antipatterns, "candidates": candidates}
        groups["all"] = antipatterns + candidates
        chosen: list[str] = []
        for part in (part.strip() for part in which.split(",")):
            chosen += groups.get(part, [part] if part in ids and part != "reference" else [])
        return ["reference", *dict.fromkeys(chosen)]

    def selects_any(self, group: str) -> bool:
        """Whether ``group`` (``antipatterns``, ``candidates``) names an implementation of a selected
        pattern in a language that can run -- or no language can, and the run says so itself."""
        usable = [lang for lang in self.langs if self.session(lang).usable]
        return not usable or any(
            len(self.implementations(pattern, lang, group)) > 1 for lang in usable for pattern in self.patterns
        )

    def known_implementations(self) -> set[str]:
        """The implementation ids of the selected patterns, in the languages that can run (for checking
        ``--impl``): an id of another pattern only -- ``--pattern timeout --impl no-cap`` -- selected
        nothing, and the run passed on the reference alone."""
        usable = [lang for lang in self.langs if self.session(lang).usable]
        return {
            impl for lang in usable for pattern in self.patterns for impl in self.implementations(pattern, lang, "all")
        }

    # -- running ---------------------------------------------------------------------------------------
    def _prepared(self, scenario: Scenario, lang: str, impl: str) -> tuple[list[Run], list[Transport]]:
        """The records a scenario gets without running (skips, errors) and the transports to run."""
        session = self.session(lang)

        def record(transport: str, status: str, reason: str, cause: str = "") -> Run:
            role = self.role(scenario.pattern, impl, transport)
            return Run(
                scenario.pattern, scenario.id, lang, transport, impl, status, reason, skip_cause=cause, role=role
            )

        names = session.tried or ["-"]
        if session.skip_reason:
            return [record(name, "skip", session.skip_reason, "unavailable") for name in names], []
        if session.error:
            return [record(name, "error", session.error) for name in names], []
        # A transport that could not start answers for itself; the others run. A runner of the user's
        # own that could not start described nothing: it answers once per scenario, as `reference`
        # (its row `pattern [custom]`), not once per anti-pattern of ours.
        runs = [
            record(name, status, reason, "unavailable" if status == "skip" else "")
            for name, (status, reason) in session.broken.items()
            if name != CUSTOM or impl == "reference"
        ]

        def offers(transport: Transport) -> bool:
            """Ours have the whole catalogue (one missing is an error, below); a candidate is on the
            transports whose runner describes it, and only there can it be skipped."""
            implemented = session.implementations.get(transport.label, {}).get(scenario.pattern) or []
            if self.role(scenario.pattern, impl, transport.name) == "candidate":  # all a custom runner runs
                return impl in implemented
            return True

        # A skip is recorded only where the implementation is: a candidate's skip on a transport
        # without it would make a verdict ("nothing checked") about a run that could never be.
        offering = [transport for transport in session.transports if offers(transport)]
        if lang in scenario.not_in:
            why = f"not a {lang} scenario: {scenario.not_in[lang]}"
            return runs + [record(t.name, "skip", why, "not-in-language") for t in offering], []
        lacking = session.missing_api.get(scenario.pattern)
        if lacking:
            version = f"{session.runtime.get('name', lang)} {session.runtime.get('version', '?')}"
            needs = ", ".join(str(api) for api in lacking)
            why = f"needs {needs}; missing in {version}"
            return runs + [record(t.name, "skip", why, "missing-api") for t in offering], []
        budget = real_time_skip_reason(scenario) if self.clock == "real" else None
        if budget:
            return runs + [record(t.name, "skip", budget, "clock-budget") for t in offering], []
        virtual_only = self._virtual_only.get((scenario.pattern, impl)) if self.clock == "real" else None
        if virtual_only:
            why = f"virtual clock only: {virtual_only}"
            return runs + [record(t.name, "skip", why, "virtual-only") for t in offering], []
        runnable = []
        for transport in session.transports:
            implemented = session.implementations.get(transport.label, {}).get(scenario.pattern)
            if transport.name == CUSTOM:  # a runner of the user's own runs what it describes, no more
                if implemented and impl in implemented:
                    runnable.append(transport)
            elif implemented is None:
                runs.append(
                    record(
                        transport.name, "error", f"the {transport.label} runner does not implement {scenario.pattern}"
                    )
                )
            elif impl not in implemented:
                if self.role(scenario.pattern, impl, transport.name) != "candidate":  # ours have the catalogue
                    runs.append(
                        record(transport.name, "error", f"the {transport.label} runner has no implementation {impl!r}")
                    )
            else:
                runnable.append(transport)
        return runs, runnable

    def run_scenario(self, scenario: Scenario, lang: str, impl: str = "reference") -> list[Run]:
        """One scenario through every transport of one language, one after another."""
        runs, runnable = self._prepared(scenario, lang, impl)
        return runs + [self._run_one(transport, scenario, lang, impl) for transport in runnable]

    def _run_one(self, transport: Transport, scenario: Scenario, lang: str, impl: str) -> Run:
        return self._run_batch(transport, [(scenario, lang, impl)])[0]

    def _run_batch(self, transport: Transport, jobs: Sequence[tuple[Scenario, str, str]]) -> list[Run]:
        """Runs of ``jobs`` on one transport, their requests sent as one batch, each block that
        failed a run which must pass confirmed by a second try (``_confirm_blocks``)."""
        return self._confirm_blocks(transport, jobs, self._try_batch(transport, jobs))

    def _confirm_blocks(
        self, transport: Transport, jobs: Sequence[tuple[Scenario, str, str]], runs: list[Run]
    ) -> list[Run]:
        """A reference's or candidate's run failed for a block alone is tried once more, and the
        second try's verdict is the run's, saying so (``first_try``). Why: a block is read in real
        time, and this machine (a VM on 2 cores) now and then stalls a thread for tens of ms where
        the kernel's run-queue count, which the watches leave out, does not see it (a correct
        reference read 64 ms at t=0 of a run on virtual time). A block the code causes repeats on
        virtual time -- the same request runs the same way -- and fails the run; one that does not
        repeat is reported, not hidden (``report.second_tries``), and, after a clean second try, a
        third tells a block that comes and goes with the runner's state. An anti-pattern's block is not
        tried again here: blocking is what several of them do, each try costing the limit; one whose
        rejection rests on such blocks alone is confirmed once all its runs are in
        (``_confirm_rejections``). Nor is a named block (a sleep the runner replaced): it is exact,
        no stall makes it. On the real clock every failure is a reading of real time
        (``_reading_of_real_time``): it is tried once more too, and the second try's verdict is the
        run's (the real-clock tests of pytest allow three)."""
        confirmed = list(runs)
        for index, run in enumerate(runs):
            if run.role == "antipattern" or run.status != "fail" or run.answer is None:
                continue
            first = blocked_mismatch(run.answer, block_limit_ms(transport))
            if first is None or not read_in_real_time(first):
                reading = self._reading_of_real_time(run, transport)  # a real-time budget; the real clock
                if reading is not None:
                    confirmed[index] = self._tried_again(transport, jobs[index], reading)
                continue
            second = self._try_batch(transport, [jobs[index]])[0]
            second.first_try = str(first)
            again = blocked_mismatch(second.answer or {}, block_limit_ms(transport))
            if second.status == "fail" and again is not None:
                second.reason += "; so did a first try"
            elif second.status == "pass":
                # Once more: code that blocks every other call (its state carried from run to run in
                # one runner) passes a clean second try; a stall of the host seldom strikes twice.
                third = self._try_batch(transport, [jobs[index]])[0]
                if third.status == "fail" and blocked_mismatch(third.answer or {}, block_limit_ms(transport)):
                    third.first_try = str(first)
                    third.reason += (
                        "; so did the first try, not the second: a block that comes and goes with the"
                        " runner's state is the code's"
                    )
                    second = third
            confirmed[index] = second
        return confirmed

    def _confirm_rejections(
        self,
        jobs: Sequence[tuple[Scenario, str, str]],
        made: list[list[Run]],
        transports: dict[str, Transport],
    ) -> None:
        """An anti-pattern whose every failed run on a transport failed for a block read in real time
        alone is rejected only once a second try of one of them reads a block too (``made`` is changed
        in place; a second try records its ``first_try``). Why: ``_confirm_blocks`` leaves anti-patterns
        alone -- blocking is what several do, where each try costs the limit -- but a stall of the
        host on a scenario the anti-pattern passes was then its one rejection: an OK for a mistake no
        scenario catches. An anti-pattern that fails any run otherwise is rejected by that run, and
        its blocks are not tried again. (Whether the reference passed those scenarios is the report's
        business: a run whose reference failed is no OK anyway.)"""
        fails: dict[tuple[str, str, str, str], list[tuple[int, int, str]]] = {}
        rejected_otherwise: set[tuple[str, str, str, str]] = set()
        for job_index, runs in enumerate(made):
            for run_index, run in enumerate(runs):
                if run.role != "antipattern" or run.status != "fail" or run.answer is None:
                    continue
                key = (run.lang, run.transport, run.pattern, run.impl)
                transport = transports.get(f"{run.lang}/{run.transport}")
                block = None if transport is None else self._reading_of_real_time(run, transport)
                if block is not None and not run.first_try:
                    fails.setdefault(key, []).append((job_index, run_index, block))
                else:  # a failure no stall can explain, or already a second try's (``_note_rejections``)
                    rejected_otherwise.add(key)
        for key, blocked in fails.items():
            if key in rejected_otherwise:
                continue
            transport = transports[f"{key[0]}/{key[1]}"]
            for job_index, run_index, first in blocked:  # until one reads its block again
                second = self._tried_again(transport, jobs[job_index], first)
                made[job_index][run_index] = second
                if second.status == "fail":
                    break

    def _reading_of_real_time(self, run: Run, transport: Transport) -> str | None:
        """What a stall of the host may have made of a failed run, said as its ``first_try``; None
        when nothing: a block read in real time (``blocked_ms`` at the transport's limit), on either clock; a
        virtual run a real-time budget stopped (the answer's ``stopped_by``: seen, the C# pool kept
        busy by the host for 46 s in CI, every run stopped "pool busy"); on the real clock, the
        failure itself -- its times are readings of real time, and the order of two events 15 ms
        apart was seen to turn under load (async-stream/caller-cancels-a-pending-pull)."""
        block = blocked_mismatch(run.answer or {}, block_limit_ms(transport))
        if block is not None and read_in_real_time(block):
            return str(block)
        stopped = stopped_in_real_time(run.answer or {})
        if stopped is not None and run.status == "fail":
            return f"stopped by its {stopped.replace('_', ' ')} (real time): {run.reason}"
        return run.reason if self.clock == "real" and run.status == "fail" else None

    def _tried_again(self, transport: Transport, job: tuple[Scenario, str, str], first: str) -> Run:
        """A second try of a run whose failure ``first`` a stall may have made (``_reading_of_real_time``):
        an anti-pattern's rejects only if it fails too (``_confirm_rejections``); a reference's
        verdict is the second's (``_confirm_blocks``)."""
        second = self._try_batch(transport, [job])[0]
        second.first_try = first
        if second.status == "fail" and (
            self.clock == "real"
            or blocked_mismatch(second.answer or {}, block_limit_ms(transport)) is not None
            or stopped_in_real_time(second.answer or {}) is not None
        ):
            second.reason += "; so did a first try"
        return second

    def _try_batch(self, transport: Transport, jobs: Sequence[tuple[Scenario, str, str]]) -> list[Run]:
        """Runs of ``jobs`` on one transport, their requests sent as one batch (``request_batch``:
        a runner process of ours gets them in one write and answers them back to back). Each run's
        ``wall_ms`` is the batch's wall time shared evenly: alone in its batch, its own."""
        requests = []
        for scenario, _, impl in jobs:
            with self._ids_lock:
                request_id = next(self._ids)
            request = request_for(scenario, impl, self.clock, request_id, hang_timeout_s=self.hang_timeout_s)
            if transport.block_limit_ms is not None:  # a transport whose loop shares its thread's host (PROTOCOL §5)
                request["block_limit_ms"] = transport.block_limit_ms
            requests.append(request)
        first, _, first_impl = jobs[0]
        what = f"{transport.label} {first.name} [{first_impl}]"
        if len(jobs) > 1:  # which of them is the one it waits for, the batch cannot tell
            last, _, last_impl = jobs[-1]
            what = f"{transport.label}: {len(jobs)} runs, {first.name} [{first_impl}] to {last.name} [{last_impl}]"
        self.waiting[transport.label] = _Waiting(what, time.monotonic())
        started = time.perf_counter()
        try:
            timeouts = [wall_timeout_s(request, self.hang_timeout_s) for request in requests]
            answers = transport.request_batch(requests, timeouts_s=timeouts)
        finally:
            self.waiting.pop(transport.label, None)
        wall_ms = round((time.perf_counter() - started) * 1000 / len(jobs), 3)
        runs = []
        for (scenario, lang, impl), request, answer in zip(jobs, requests, answers, strict=True):
            try:
                runs.append(self._judge(transport, scenario, lang, impl, request, answer, wall_ms))
            except Exception as error:  # a harness bug costs its run, which says so: never a lost run
                runs.append(self._harness_error(transport, scenario, lang, impl, error))
        return runs

    def _harness_error(self, transport: Transport, scenario: Scenario, lang: str, impl: str, error: Exception) -> Run:
        reason = f"harness error: {type(error).__name__}: {error}"
        role = self.role(scenario.pattern, impl, transport.name)
        return Run(scenario.pattern, scenario.id, lang, transport.name, impl, "error", reason, role=role)

    def _judge(
        self,
        transport: Transport,
        scenario: Scenario,
        lang: str,
        impl: str,
        request: dict[str, Any],
        answer: dict[str, Any] | TransportError,
        wall_ms: float,
    ) -> Run:
        role = self.role(scenario.pattern, impl, transport.name)
        run = Run(scenario.pattern, scenario.id, lang, transport.name, impl, "error", role=role, wall_ms=wall_ms)
        if isinstance(answer, TransportError):
            run.reason = str(answer)
            return run
        if "error" in answer:
            failure = answer["error"]
            if failure.get("kind") == NOT_APPLICABLE and role == "candidate":
                run.status, run.reason = "n/a", str(failure.get("message") or "the candidate cannot take this scenario")
                return run
            run.reason = f"runner error ({failure.get('kind')}): {failure.get('message')}"
            return run
        run.answer = answer
        run.virtual_ms = answer.get("elapsed_ms") if self.clock == "virtual" else None
        crashed = crash_reason(answer) or (unasked_refusal(answer, scenario) if role == "antipattern" else None)
        if crashed:
            run.reason = crashed
            return run
        mismatches = check(scenario, answer, clock=self.clock, block_limit_ms=request.get("block_limit_ms"))
        run.status = "fail" if mismatches else "pass"
        run.reason = "; ".join(str(m) for m in mismatches)
        return run

    def run_all(
        self,
        which: str = "reference",
        on_run: Callable[[Run], None] = lambda run: None,
        on_tick: Callable[[], None] = lambda: None,
        *,
        until_rejected: bool = False,
        on_spared: Callable[[int], None] = lambda count: None,
    ) -> list[Run]:
        """Every scenario of every selected pattern, in every language, plus equivalence.

        ``on_run`` is called (from the calling thread) for each scenario run as it ends,
        ``on_tick`` about ten times a second while runs are going on. ``until_rejected``: each
        anti-pattern runs on a transport only until a scenario rejects it there (``run_jobs``),
        ``on_spared`` told how many runs that left out.
        """
        self.open_all()
        jobs = [
            (scenario, lang, impl)
            for lang in self.langs
            for pattern in self.patterns
            for impl in self.implementations(pattern, lang, which)
            for scenario in pattern.scenarios
        ]
        made = self.run_jobs(jobs, on_run, on_tick, until_rejected=until_rejected, on_spared=on_spared)
        runs = [run for runs_of_job in made for run in runs_of_job]
        if self.clock == "virtual":
            runs += compare_languages(runs)
        return runs

    def run_jobs(
        self,
        jobs: Sequence[tuple[Scenario, str, str]],
        on_run: Callable[[Run], None] = lambda run: None,
        on_tick: Callable[[], None] = lambda: None,
        *,
        until_rejected: bool = False,
        on_spared: Callable[[int], None] = lambda count: None,
        spared: set[int] | None = None,
    ) -> list[list[Run]]:
        """The runs of each job -- a scenario, a language, an implementation -- on every transport of
        its language, as ``run_scenario`` makes them, one list per job in order; but made together:
        each transport takes its share of the jobs in batches, every transport at once.

        ``on_run`` is called (from the calling thread) for each run as it ends, ``on_tick`` about
        ten times a second while runs are going on. Ctrl-C raises ``Interrupted``.

        ``until_rejected``: an anti-pattern's job is not run on a transport where a scenario already
        rejected it -- failed it where the reference passed, by a failure no stall of the host can
        have made, or one its second try repeats (``_note_rejections``) -- as mutation testers
        stop a mutant's tests at its first kill. The verdict is the same (one rejection is a
        rejection); what is lost is which other scenarios would have caught it. A transport's
        anti-pattern jobs go out interleaved, each one's first scenarios first, so that a batch
        holds few a rejection would spare -- and at most one of each, since its next waits for its
        verdict. ``on_spared`` is told (from the calling thread) how many runs were left out, and
        ``spared`` (when given) gets the index of every job left out on some transport: its runs
        there are missing, not passed.
        """
        made: list[list[Run]] = []
        queues: dict[str, tuple[Transport, list[tuple[Scenario, str, str]], list[int]]] = {}
        for index, (scenario, lang, impl) in enumerate(jobs):
            runs, runnable = self._prepared(scenario, lang, impl)
            made.append(runs)
            for transport in runnable:
                queue = queues.setdefault(transport.label, (transport, [], []))
                queue[1].append((scenario, lang, impl))
                queue[2].append(index)
        if until_rejected:
            queues = {label: (queue[0], *self._interleaved(queue[1], queue[2])) for label, queue in queues.items()}
        ready = [run for runs in made for run in runs]
        planned = len(ready) + sum(len(queued) for _, queued, _ in queues.values())
        finished: list[tuple[int, Run]] = []  # (the job's index, its run)
        lock = threading.Lock()
        stop = threading.Event()

        # Real-clock runs one at a time: they take real time anyway, and a run's wait is then its own.
        size = RUN_BATCH if self.clock == "virtual" else 1

        left_out: list[int] = []  # the jobs ``until_rejected`` spared, once per transport

        def work(transport: Transport, queued: list[tuple[Scenario, str, str]], indices: list[int]) -> None:
            passed: set[tuple[str, str]] = set()  # (pattern, scenario) the reference passed here
            rejected: set[tuple[str, str]] = set()  # (pattern, anti-pattern) a scenario rejected here
            start = 0
            while start < len(queued):
                if stop.is_set():
                    return
                batch: list[tuple[Scenario, str, str]] = []
                batch_indices: list[int] = []
                spared_here: list[int] = []
                in_batch: set[tuple[str, str]] = set()  # until_rejected: one run of an anti-pattern a batch
                while start < len(queued) and len(batch) < size:
                    (scenario, lang, impl), index = queued[start], indices[start]
                    key = (scenario.pattern, impl)
                    if until_rejected and key in rejected:
                        spared_here.append(index)
                    elif until_rejected and key in in_batch:
                        break  # its next scenario waits for this one's verdict
                    else:
                        batch.append((scenario, lang, impl))
                        batch_indices.append(index)
                        if key in self._antipatterns:
                            in_batch.add(key)
                    start += 1
                try:
                    runs = self._run_batch(transport, batch) if batch else []
                except Exception as error:  # the transport's bug: each run of the batch says so, none is lost
                    runs = [self._harness_error(transport, *job, error) for job in batch]
                if until_rejected:
                    self._note_rejections(transport, batch, runs, passed, rejected)
                with lock:
                    finished.extend(zip(batch_indices, runs, strict=True))
                    left_out.extend(spared_here)

        workers = [
            threading.Thread(target=work, args=queue, daemon=True, name=f"asyncconf-{label}")
            for label, queue in queues.items()
        ]
        for run in ready:
            on_run(run)
        reported = told_spared = 0
        try:
            for worker in workers:
                worker.start()
            while any(worker.is_alive() for worker in workers) or reported < len(finished):
                with lock:
                    fresh = finished[reported:]
                    newly_spared = len(left_out) - told_spared
                reported += len(fresh)
                told_spared += newly_spared
                for _, run in fresh:
                    on_run(run)
                if newly_spared:
                    on_spared(newly_spared)
                on_tick()
                if not fresh:
                    _join(workers, timeout_s=0.1)
            if spared is not None:
                spared.update(left_out)
            for index, run in finished:
                made[index].append(run)
            transports = {label: transport for label, (transport, _, _) in queues.items()}
            self._confirm_rejections(jobs, made, transports)
        except KeyboardInterrupt:
            stop.set()
            self.close()  # kills every runner process: the workers' requests end at once
            raise Interrupted(len(ready) + len(finished), planned - len(left_out)) from None
        # Each job's runs in the order of its language's transports (the matrix's columns).
        columns = {lang: self.transport_labels(lang) for lang in {lang for _, lang, _ in jobs}}

        def transport_order(run: Run) -> int:
            known = columns[run.lang]
            return known.index(run.transport) if run.transport in known else len(known)

        return [sorted(runs, key=transport_order) for runs in made]

    def _note_rejections(
        self,
        transport: Transport,
        batch: Sequence[tuple[Scenario, str, str]],
        runs: list[Run],
        passed: set[tuple[str, str]],
        rejected: set[tuple[str, str]],
    ) -> None:
        """After a batch of ``run_jobs(until_rejected=True)`` on one transport: adds to ``passed`` the
        (pattern, scenario) its reference passed, and to ``rejected`` the (pattern, anti-pattern) a
        run failed where the reference passed. A run whose failure a stall may have made (a block
        read in real time; on the real clock, any: ``_reading_of_real_time``) is tried again first,
        and rejects only if that fails too (``runs`` then holds the second try):
        the rule ``_confirm_rejections`` applies to a whole run, here for the run that stops it."""
        passed.update((run.pattern, run.scenario) for run in runs if run.role == "reference" and run.status == "pass")
        for at, first in enumerate(runs):
            key = (first.pattern, first.impl)
            if first.role != "antipattern" or first.status != "fail" or key in rejected:
                continue
            if (first.pattern, first.scenario) not in passed:
                continue
            reading = self._reading_of_real_time(first, transport)
            judged = first if reading is None else self._tried_again(transport, batch[at], reading)
            runs[at] = judged
            if judged.status == "fail":
                rejected.add(key)

    def _interleaved(
        self, queued: list[tuple[Scenario, str, str]], indices: list[int]
    ) -> tuple[list[tuple[Scenario, str, str]], list[int]]:
        """A transport's queue with each pattern's anti-pattern jobs interleaved by scenario -- every
        anti-pattern's first scenario, then every one's second ... -- after the pattern's other jobs
        (its reference first: an anti-pattern is judged where the reference passed). The order of
        the results is the jobs', not this."""
        position = {(p.id, s.id): i for p in self.patterns for i, s in enumerate(p.scenarios)}
        first_of_pattern: dict[str, int] = {}
        keys = []
        for at, (scenario, _, impl) in enumerate(queued):
            group = first_of_pattern.setdefault(scenario.pattern, at)
            anti = (scenario.pattern, impl) in self._antipatterns
            keys.append((group, anti, position.get((scenario.pattern, scenario.id), 0) if anti else at, at))
        order = sorted(range(len(queued)), key=keys.__getitem__)
        return [queued[at] for at in order], [indices[at] for at in order]

    def planned(self, which: str) -> int:
        """How many scenario runs ``run_all`` will make (for a progress display)."""
        return sum(
            len(pattern.scenarios) * len(self.implementations(pattern, lang, which)) * len(self.transport_labels(lang))
            for lang in self.langs
            for pattern in self.patterns
        )

    def longest_wait(self) -> _Waiting | None:
        """The run that has been waiting longest for its answer, if any."""
        waiting = list(self.waiting.values())
        return min(waiting, key=lambda w: w.since) if waiting else None


#: Runs a transport takes as one batch in ``run_all`` on virtual time (``Transport.request_batch``):
#: a runner process answers them back to back instead of waiting, between two runs, for the
#: harness to take an answer and send the next request.
RUN_BATCH = 16


def _join(threads: list[threading.Thread], timeout_s: float | None = None) -> None:
    """Join threads in short steps, so that Ctrl-C reaches the main thread at once."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    for thread in threads:
        while thread.is_alive():
            left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if left <= 0:
                return
            thread.join(left)


def compare_languages(runs: Iterable[Run]) -> Iterator[Run]:
    """Equivalence records: each answer against a baseline, in canonical form.

    The baseline of a scenario is the first language's reference. A language's reference on a
    second transport is compared with that language's first (they run the same code); a
    language's reference with the baseline; a candidate with the reference of its language
    (or the baseline) -- never the other way round: a candidate is never what the references are
    judged by. Even within one process the order of events at one instant is not fixed
    (asyncio.TaskGroup keeps its children in a set), so every comparison is canonical
    (equivalence.canonical).
    """
    by_scenario: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        if run.check == "spec" and run.role in ("reference", "candidate") and run.answer is not None:
            by_scenario.setdefault((run.pattern, run.scenario), []).append(run)
    for (pattern, scenario), answered in by_scenario.items():
        references = [run for run in answered if run.role == "reference"]
        if not references:
            continue
        first_of_lang: dict[str, Run] = {}
        for run in references:
            first_of_lang.setdefault(run.lang, run)
        baseline = references[0]
        for run in answered:
            if run is baseline:
                continue
            mine = first_of_lang.get(run.lang)
            against = mine if mine is not None and mine is not run else baseline
            difference = equivalence.first_difference(
                equivalence.canonical(against.answer or {}), equivalence.canonical(run.answer or {})
            )
            yield Run(
                pattern,
                scenario,
                run.lang,
                run.transport,
                run.impl,
                "fail" if difference else "pass",
                f"differs from {against.lang}/{against.transport}: {difference}"
                if difference
                else f"same as {against.lang}/{against.transport}",
                check="equivalence",
                role=run.role,
            )
