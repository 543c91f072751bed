"""``asyncconf bench --peers``: each reference against the best-known peers of its language, side by
side in one run on the real clock.

Each language measures itself in its own runtime and prints one JSON object per measurement:
``python -m asyncconf.peers.python_bench``, ``node --expose-gc javascript/bench/peers.js``, and the
console project ``csharp/AsyncPatterns.Bench`` (Release). A measurement is
``{"lang", "bench", "impl", "n", "per_s", "per_item_us" | "per_call_us"}`` or, for memory,
``{"lang", "bench", "impl", "n", "retained_bytes"}``; a peer that is not installed is
``{"lang", "bench", "impl", "missing"}``. The peers are bench-only dependencies, pinned: aiometer
and tenacity (the ``bench`` extra), p-limit, p-map, p-retry, p-timeout (``javascript/`` dev
dependencies), Polly.Core (the bench project).

The figures are ratios of one run, each the best of 3 repeats (as ``timeit``: noise only adds
time) -- never asserted in a test: a loaded machine shifts them all, so the report says how loaded
it was.
The targets the issue set are reported beside them: every reference at least 0.95x its best
peer's throughput, and its per-item cost flat from 10k to 100k items (at most 1.2x).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..paths import CSHARP_DIR, JAVASCRIPT_DIR
from ..transports.base import PrepareFailed, Unavailable

#: The issue's targets: throughput against the best peer, and per-item cost from 10k to 100k items.
MIN_RATIO = 0.95
MAX_FLATNESS = 1.2
BENCH_PROJECT = CSHARP_DIR / "AsyncPatterns.Bench" / "AsyncPatterns.Bench.csproj"
RUN_TIMEOUT_S = 1800


@dataclass(frozen=True)
class LanguageRun:
    lang: str
    rows: list[dict[str, Any]]
    error: str | None = None  # why the language could not be measured


def _run(command: list[str], cwd: Path, lang: str) -> LanguageRun:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    if result.returncode != 0:
        tail = " | ".join(result.stderr.strip().splitlines()[-4:])
        return LanguageRun(lang, [], f"`{' '.join(command[:3])} ...` exited {result.returncode}: {tail}")
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return LanguageRun(lang, rows)


def measure_python(quick: bool) -> LanguageRun:
    return _run(
        [sys.executable, "-m", "asyncconf.peers.python_bench", *(["--quick"] if quick else [])], Path.cwd(), "python"
    )


def measure_javascript(quick: bool) -> LanguageRun:
    from ..transports import node

    try:
        path, version = node.find_node()
        if version[:2] < node.MIN_NODE:
            return LanguageRun("javascript", [], f"Node {'.'.join(map(str, version))} is older than 20")
        node.prepare(path)
    except (Unavailable, PrepareFailed) as error:
        return LanguageRun("javascript", [], str(error))
    command = [path, "--expose-gc", "bench/peers.js", *(["--quick"] if quick else [])]
    return _run(command, JAVASCRIPT_DIR, "javascript")


def measure_csharp(quick: bool) -> LanguageRun:
    from ..transports import dotnet

    try:
        path = dotnet.find_dotnet()
        framework = dotnet.target_framework(path)
    except Unavailable as error:
        return LanguageRun("csharp", [], str(error))
    env = {**os.environ, **dotnet.QUIET}
    build = [
        path, "build", str(BENCH_PROJECT), "-c", "Release", f"-p:TargetFramework={framework}", "-nologo",
        "--disable-build-servers",
    ]  # fmt: skip
    with dotnet.build_lock():
        built = subprocess.run(
            build, cwd=CSHARP_DIR, env=env, capture_output=True, text=True, timeout=1800, check=False
        )
    if built.returncode != 0:
        errors = [line.strip() for line in built.stdout.splitlines() if ": error " in line]
        return LanguageRun("csharp", [], "dotnet build of the bench failed: " + " | ".join(errors[:3]))
    program = BENCH_PROJECT.parent / "bin" / "Release" / framework / "AsyncPatterns.Bench.dll"
    return _run([path, str(program), *(["--quick"] if quick else [])], CSHARP_DIR, "csharp")


MEASURE = {"python": measure_python, "javascript": measure_javascript, "csharp": measure_csharp}


@dataclass(frozen=True)
class Comparison:
    """One benchmark of one language: the reference against its best peer."""

    lang: str
    bench: str
    n: int
    reference: float  # per_s, or retained bytes for memory
    best_peer: str
    best_peer_value: float
    peers: dict[str, float]
    unit: str  # "items/s", "calls/s" or "bytes"
    flatness: float | None = None  # the reference's per-item cost at this n over at the smallest n

    @property
    def ratio(self) -> float:
        """Throughput: reference / best peer (higher is better); memory: best peer / reference."""
        if self.unit == "bytes":
            return self.best_peer_value / self.reference if self.reference else float("inf")
        return self.reference / self.best_peer_value if self.best_peer_value else float("inf")

    @property
    def meets_target(self) -> bool | None:
        if self.unit == "bytes":
            return None
        flat = self.flatness is None or self.flatness <= MAX_FLATNESS
        return self.ratio >= MIN_RATIO and flat


def compare(rows: Iterable[dict[str, Any]]) -> tuple[list[Comparison], list[str]]:
    """The comparisons, and the notes (missing peers, runtimes)."""
    notes: list[str] = []
    groups: dict[tuple[str, str, int], dict[str, dict[str, Any]]] = {}
    for row in rows:
        if row["bench"] == "runtime":
            notes.append(f"{row['lang']}: {row['impl']}")
        elif "missing" in row:
            notes.append(f"{row['lang']} {row['bench']}: {row['impl']} not measured: {row['missing']}")
        else:
            groups.setdefault((row["lang"], row["bench"], row["n"]), {})[row["impl"]] = row
    comparisons: list[Comparison] = []
    smallest: dict[tuple[str, str], float] = {}
    for (lang, bench, n), impls in sorted(groups.items()):
        if "reference" not in impls or len(impls) < 2:
            continue
        memory = bench.endswith("memory")
        key = "retained_bytes" if memory else "per_s"
        peers = {name: float(row[key]) for name, row in impls.items() if name != "reference"}
        # A yardstick (the reference's own former shape, a wait that leaves the operation running) is
        # shown beside the peers but is no peer: it is best peer only when there is no other.
        candidates = [name for name in peers if not impls[name].get("yardstick")] or list(peers)
        best = (min if memory else max)(candidates, key=peers.__getitem__)
        flatness = None
        if "per_item_us" in impls["reference"]:
            cost = float(impls["reference"]["per_item_us"])
            first = smallest.setdefault((lang, bench), cost)
            flatness = cost / first if first else None
        unit = "bytes" if memory else ("items/s" if "per_item_us" in impls["reference"] else "calls/s")
        comparisons.append(
            Comparison(lang, bench, n, float(impls["reference"][key]), best, peers[best], peers, unit, flatness)
        )
    return comparisons, notes


def _figure(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 1024:,.0f} KiB" if value >= 1024 else f"{value:.0f} B"
    return f"{value:,.0f} {unit}"


def table(comparisons: list[Comparison]) -> tuple[list[str], list[list[str]]]:
    header = ["language", "benchmark", "n", "reference", "peers", "reference / best peer", "flat 10k -> 100k", "target"]
    cells = []
    for c in comparisons:
        peers = ", ".join(f"{name}: {_figure(value, c.unit)}" for name, value in c.peers.items())
        # Retained bytes are no throughput: the figures say it all.
        ratio = "" if c.unit == "bytes" else f"{c.ratio:.2f}x {c.best_peer}"
        flat = "" if c.flatness is None or c.flatness == 1.0 else f"{c.flatness:.2f}x"
        target = {True: "met", False: "NOT met", None: ""}[c.meets_target]
        cells.append([c.lang, c.bench, f"{c.n:,}", _figure(c.reference, c.unit), peers, ratio, flat, target])
    return header, cells


def run_peers(langs: list[str], quick: bool = False) -> tuple[list[LanguageRun], list[Comparison], list[str]]:
    load = os.getloadavg()[0]
    runs = [MEASURE[lang](quick) for lang in langs]
    comparisons, notes = compare(row for run in runs for row in run.rows)
    # The figures mean little on a busy machine: say how busy it was.
    notes.append(f"load average at the start: {load:.1f} on {os.cpu_count()} cores; each figure the best of 3 runs")
    notes += [f"{run.lang}: not measured: {run.error}" for run in runs if run.error]
    return runs, comparisons, notes


def markdown_table(header: list[str], cells: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def report(langs: list[str], quick: bool, markdown: bool) -> int:
    """Measure, print the table (Markdown for the README, or a console table), return the exit code:
    0 when every language was measured, 1 when one could not be (the targets are reported, not
    enforced: a loaded machine shifts every figure)."""
    import click
    from rich.console import Console
    from rich.table import Table

    runs, comparisons, notes = run_peers(langs, quick)
    header, cells = table(comparisons)
    if markdown:
        click.echo(markdown_table(header, cells))
        click.echo("")
        for note in notes:
            click.echo(f"- {note}")
    else:
        console = Console()
        rich_table = Table(
            *header, title="asyncconf bench --peers (real clock, best of 3)" + (" -- quick" if quick else "")
        )
        for row in cells:
            rich_table.add_row(*row)
        console.print(rich_table)
        for note in notes:
            console.print(note, markup=False, highlight=False)
    return 1 if any(run.error for run in runs) else 0
