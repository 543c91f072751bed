"""Hypothesis drives the search: examples from a pattern's domain, every one on every transport.

Each kind of finding (its signature) raises an exception type of its own, so Hypothesis shrinks
each kind to its own minimal example and reports them all (``report_multiple_bugs``) rather than
the first. The run is deterministic for a seed: ``@seed`` fixes Hypothesis's choices and the
runners answer alike for alike requests. Interrupted (Ctrl-C), a campaign returns the smallest
example of each kind seen so far, marked as not shrunk.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from ..engine import request_for
from ..languages import LanguageSession
from ..spec import Pattern
from .differential import Differential, Verdict
from .domain import ALL_EDGES, Domain, Example

#: Examples the search runs as one batch, each transport taking them back to back
#: (``Differential.run_batch``); also the most examples one Hypothesis call draws (a call costs
#: Hypothesis about 1 ms of its own, whatever it draws). The shrinking runs one example at a time.
BATCH = 16


@dataclass(frozen=True)
class Finding:
    signature: str
    example: Example
    verdict: Verdict
    seed: int
    minimal: bool = True  # shrunk by Hypothesis; False: the smallest seen before an interrupt
    flaky: bool = False  # did not happen again when Hypothesis replayed it

    @property
    def size(self) -> int:
        return len(json.dumps(self.verdict.request, sort_keys=True))


@dataclass
class PatternResult:
    pattern: str
    seed: int
    examples: int  # the examples asked for
    runs: int = 0  # requests sent to every transport, shrinking included
    searched: int = 0  # examples of the search (before shrinking)
    phase: str = "search"  # or "shrink: <signature>"
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    interrupted: bool = False

    search_seconds: float = 0.0
    second_tries: int = 0  # answers that read a block, asked for again (Differential.run_batch)
    transports: list[str] = field(default_factory=list)  # the labels of those compared: a verdict covers only them

    @property
    def per_second(self) -> float:
        """Examples of the search per second, each run on every transport."""
        return self.searched / self.search_seconds if self.search_seconds else 0.0


class _Enough(Exception):
    """Raised inside the Hypothesis test once the search has taken every example asked for: a batch
    holds several, so Hypothesis's own count of calls cannot stop it at the right one."""


class FindingError(Exception):
    """Raised inside the Hypothesis test for a finding; one subclass per signature."""

    signature = ""

    def __init__(self, finding: Finding) -> None:
        super().__init__(f"{finding.signature}: {finding.verdict.detail}")
        self.finding = finding


_FINDING_TYPES: dict[str, type[FindingError]] = {}


def _finding_type(signature: str) -> type[FindingError]:
    """The exception type of one signature: Hypothesis tells bugs apart by their type."""
    if signature not in _FINDING_TYPES:
        _FINDING_TYPES[signature] = type(f"Finding[{signature}]", (FindingError,), {"signature": signature})
    return _FINDING_TYPES[signature]


def request_for_example(example: Example, domain: Domain, request_id: int) -> dict[str, Any]:
    """The run request for an example: the engine's, with the parameters the example sends."""
    request = request_for(example.scenario(domain.defaults), "reference", "virtual", request_id)
    request["params"] = dict(example.params)  # parameters left out stay out: the runner's default
    return request


def fuzz_pattern(
    pattern: Pattern,
    differential: Differential,
    *,
    examples: int,
    seed_value: int,
    edges: Iterable[str] = ALL_EDGES,
    shrink: bool = True,
    stop_at_first: bool = False,
    on_run: Callable[[PatternResult], None] = lambda result: None,
) -> PatternResult:
    """Fuzz one pattern with ``examples`` examples, then shrink each kind of finding to a minimal one.

    Two steps, so that one kind of finding found early does not end the search (Hypothesis stops
    generating soon after its first failure): the search runs every example and notes the first
    of each kind; then, for each kind, the same seed is run again failing on that kind alone --
    the same examples come in the same order up to it, run again only from it on -- and Hypothesis
    shrinks it. Each Hypothesis call draws 1 to ``BATCH`` examples (``_batches``), which the shrinker
    cuts down to the one that matters; the search runs them in batches of ``BATCH`` (it raises
    nothing, so an example's verdict can wait until its batch is full).
    ``shrink=False`` reports the first example of each kind as found; ``stop_at_first`` ends the
    search at the first finding (a quick "does it still diverge").
    """
    domain = Domain.of(pattern)
    single = domain.examples(edges)
    batched = not stop_at_first
    strategy = _batches(single) if batched else single
    result = PatternResult(pattern.id, seed_value, examples, transports=differential.labels)
    second_tries_before = differential.second_tries
    smallest: dict[str, Finding] = {}
    first_at: dict[str, int] = {}  # signature -> the number of the Hypothesis call that first found it
    ids = itertools.count(1)
    pending: list[tuple[Example, int]] = []  # examples of the search not run yet, with their call numbers
    drawn = [0]  # examples the search took so far (the shrinking's replay: counted again from 0)

    def judged(example: Example, verdict: Verdict, call: int, target: str | None) -> None:
        result.runs += 1
        result.searched += target is None
        signature = verdict.signature
        if signature is not None and target in (None, signature):  # shrinking one kind ignores the others
            first_at.setdefault(signature, call)
            finding = Finding(signature, example, verdict, seed_value, minimal=False)
            known = smallest.get(signature)
            if known is None or finding.size < known.size:
                smallest[signature] = finding
            on_run(result)
            if signature == target or (target is None and stop_at_first):
                raise _finding_type(signature)(finding)
        else:
            on_run(result)

    def run_pending() -> None:
        batch = pending[:]
        pending.clear()
        verdicts = differential.run_batch([request_for_example(example, domain, next(ids)) for example, _ in batch])
        for (example, call), verdict in zip(batch, verdicts, strict=True):
            judged(example, verdict, call, None)

    def search(drawn_now: Example | list[Example], call: int) -> None:
        batch = drawn_now if isinstance(drawn_now, list) else [drawn_now]
        left = examples - drawn[0]
        if left <= 0:  # Hypothesis's replay of the call that raised _Enough
            raise _Enough
        batch = batch[:left]
        drawn[0] += len(batch)
        pending.extend((example, call) for example in batch)
        # The search raises nothing (but with stop_at_first): an example's verdict can wait.
        if stop_at_first or len(pending) >= BATCH or drawn[0] == examples:
            run_pending()
        if drawn[0] == examples:
            raise _Enough

    def replay(drawn_now: Example | list[Example], call: int, target: str, shrinking: list[bool]) -> None:
        batch = drawn_now if isinstance(drawn_now, list) else [drawn_now]
        past_the_search = drawn[0] >= examples and not shrinking[0]  # its last call was cut at the count
        drawn[0] += len(batch)
        if call < first_at[target] or past_the_search:
            return  # the search's examples before the first of this kind (or after its end): not one
        for example in batch:  # one at a time: the first of this kind ends the call
            try:
                judged(example, differential.run(request_for_example(example, domain, next(ids))), call, target)
            except FindingError:
                shrinking[0] = True
                raise

    def hypothesis_run(max_examples: int, target: str | None) -> None:
        calls = [0]
        shrinking = [False]
        drawn[0] = 0

        def test(drawn_now: Example | list[Example]) -> None:
            calls[0] += 1
            if target is None:
                search(drawn_now, calls[0])
            else:
                replay(drawn_now, calls[0], target, shrinking)

        phases = (Phase.generate, Phase.shrink) if target else (Phase.generate,)
        probe = settings(
            max_examples=max_examples,
            database=None,
            deadline=None,
            phases=phases,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(seed(seed_value)(given(strategy)(test)))
        probe()

    reported: dict[str, Finding] = {}
    started = time.perf_counter()
    try:
        # _Enough: every example asked for has run; FindingError: stop_at_first's first finding.
        with contextlib.suppress(_Enough, FindingError):
            hypothesis_run(examples, None)
        run_pending()  # Hypothesis ran out of new examples before the count
        result.search_seconds = time.perf_counter() - started
        if shrink and not stop_at_first:
            for signature in list(first_at):
                result.phase = f"shrink: {signature}"
                try:  # the search's settings, so that its examples come again in its order
                    hypothesis_run(examples, signature)
                except (FindingError, BaseExceptionGroup) as error:
                    for found, flaky in _findings_in(error):
                        reported[found.signature] = Finding(
                            found.signature, found.example, found.verdict, seed_value, minimal=True, flaky=flaky
                        )
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        result.seconds = time.perf_counter() - started
        result.search_seconds = result.search_seconds or result.seconds
        result.second_tries = differential.second_tries - second_tries_before
    # A kind not shrunk (interrupted, or not found again) keeps the smallest example seen.
    result.findings = [reported.get(signature, found) for signature, found in smallest.items()]
    return result


@st.composite
def _batches(draw: st.DrawFn, single: st.SearchStrategy[Example]) -> list[Example]:
    """One to ``BATCH`` examples, about half of ``BATCH`` on average: the count first, then each
    example. ``st.lists(min_size=1, max_size=BATCH)`` gave about 5 a call, and a call costs
    Hypothesis about as much as drawing an example; lists also draw a choice per element. A/B on
    connection-pool's campaign (10,000 examples, ``-n 2``, runs alternated): 57 and 54 s with lists,
    48 and 45 s with this; ``BATCH = 32`` gained nothing more. The price is in shrinking: the
    shrinker lowers the count to the examples that matter (the choices past them go unused) and
    deletes the ones before, but needs more runs to do it (on the fake transports of the tests,
    seeds 1-8: about 460 runs a finding against 80 with lists, to examples as small)."""
    return [draw(single) for _ in range(draw(_BATCH_SIZE, label="batch size"))]


_BATCH_SIZE = st.integers(1, BATCH)


def _findings_in(error: BaseException, flaky: bool = False) -> Iterator[tuple[Finding, bool]]:
    """The findings in what Hypothesis raised; anything else is a bug of the harness: re-raised."""
    if isinstance(error, FindingError):
        yield error.finding, flaky
    elif isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _findings_in(inner, flaky or isinstance(error, Flaky))
    else:
        raise error


def throughput(
    patterns: Sequence[Pattern],
    sessions: Sequence[LanguageSession],
    *,
    examples: int = 300,
    seed_value: int = 0,
) -> list[PatternResult]:
    """Fuzz examples per second, per pattern: ``PatternResult.per_second`` -- the search alone,
    each example on every transport that can run the pattern, nothing shrunk. For ``asyncconf
    bench``; a pattern fewer than two transports can run is left out."""
    from .command import transports_for

    results = []
    for pattern in patterns:
        transports, _ = transports_for(pattern, sessions)
        if len(transports) >= 2:
            differential = Differential(transports)
            results.append(fuzz_pattern(pattern, differential, examples=examples, seed_value=seed_value, shrink=False))
    return results
