"""``asyncconf bench``: what virtual time buys, measured in one run on this machine.

For each language and transport: the wall time to get ready (find, install or build, start),
and for the reference scenarios the virtual time they cover against the wall time they take --
reported as ratios of one run, never asserted in a test.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from .checker import longest_expected_ms
from .engine import Engine
from .spec import Pattern, Scenario


@dataclass
class BenchRow:
    lang: str
    transport: str
    ready_s: float
    scenarios: int
    median_wall_ms: float
    virtual_ms: int
    wall_ms: float
    longest: str
    longest_virtual_ms: int
    longest_wall_ms: float

    @property
    def speedup(self) -> float:
        return self.virtual_ms / self.wall_ms if self.wall_ms else float("inf")


def _longest(patterns: list[Pattern]) -> Scenario:
    return max((s for p in patterns for s in p.scenarios), key=longest_expected_ms)


def bench(patterns: list[Pattern], langs: list[str], repeats: int = 5) -> list[BenchRow]:
    """Run every reference scenario ``repeats`` times per transport; keep each one's median."""
    rows = []
    longest = _longest(patterns)
    with Engine(patterns, langs) as engine:
        for lang in langs:
            session = engine.session(lang)
            if not session.usable:
                continue
            medians: dict[tuple[str, str], tuple[float, int]] = {}
            for pattern in patterns:
                for scenario in pattern.scenarios:
                    samples: dict[str, list[float]] = {}
                    virtual: dict[str, int] = {}
                    for _ in range(repeats):
                        for run in engine.run_scenario(scenario, lang):
                            if run.wall_ms is not None and run.status == "pass":
                                samples.setdefault(run.transport, []).append(run.wall_ms)
                                virtual[run.transport] = run.virtual_ms or 0
                    for transport, walls in samples.items():
                        medians[(transport, scenario.name)] = (statistics.median(walls), virtual[transport])
            for transport in [t.name for t in session.transports]:
                mine = {name: m for (t, name), m in medians.items() if t == transport}
                if not mine:
                    continue
                long_wall, long_virtual = mine.get(longest.name, (0.0, 0))
                rows.append(
                    BenchRow(
                        lang=lang,
                        transport=transport,
                        ready_s=session.open_s,
                        scenarios=len(mine),
                        median_wall_ms=statistics.median(wall for wall, _ in mine.values()),
                        virtual_ms=sum(v for _, v in mine.values()),
                        wall_ms=sum(wall for wall, _ in mine.values()),
                        longest=longest.name,
                        longest_virtual_ms=long_virtual,
                        longest_wall_ms=long_wall,
                    )
                )
    return rows


@dataclass
class MatrixTiming:
    runs: int
    wall_s: float
    ok: bool
    problems: tuple[str, ...] = ()  # what failed, when a timed run was not OK (first ones only)


MAX_PROBLEMS = 20  # lines of what failed kept from timed matrix runs that were not OK


def matrix_wall_s(patterns: list[Pattern], langs: list[str], repeats: int = 3) -> MatrixTiming:
    """The whole matrix -- references, anti-patterns, equivalence -- as ``asyncconf run`` runs it,
    languages already open (warm): the median wall time of ``repeats`` runs."""
    from .report import problem_lines, summarize

    walls, count, problems = [], 0, []
    with Engine(patterns, langs) as engine:
        engine.open_all()
        for _ in range(repeats):
            started = time.perf_counter()
            runs = engine.run_all("all", until_rejected=True)
            walls.append(time.perf_counter() - started)
            count, summary = len(runs), summarize(runs, until_rejected=True)
            if not summary["ok"]:
                problems += problem_lines(runs, summary) or ["the run was not OK"]
    return MatrixTiming(count, statistics.median(walls), not problems, tuple(problems[:MAX_PROBLEMS]))
