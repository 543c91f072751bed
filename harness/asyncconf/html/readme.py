"""The README's measured tables, written by the tool between markers, never by hand.

``asyncconf readme`` runs the whole matrix and the benchmark and rewrites the text between
``<!-- asyncconf:matrix:begin -->`` / ``<!-- asyncconf:matrix:end -->`` and the ``bench`` pair;
``tests/test_html_report.py`` checks that the README's matrix is the one a fresh run gives
(its counts: timings are not compared).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import report
from ..engine import Run

BLOCKS = ("matrix", "bench")
_RUNTIME_NAMES = {"cpython": "CPython", "node": "Node", "dotnet": ".NET"}


class ReadmeError(Exception):
    pass


def markers(block: str) -> tuple[str, str]:
    return f"<!-- asyncconf:{block}:begin -->", f"<!-- asyncconf:{block}:end -->"


def _span(text: str, block: str) -> tuple[int, int]:
    begin, end = markers(block)
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ReadmeError(f"the README needs exactly one `{begin}` followed by one `{end}`")
    return text.index(begin) + len(begin), text.index(end)


def block(text: str, name: str) -> str:
    """The text between a block's markers."""
    start, stop = _span(text, name)
    return text[start:stop]


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the block's content replaced by ``body`` (markers kept, on lines of their own)."""
    start, stop = _span(text, name)
    return text[:start] + "\n" + body.strip("\n") + "\n" + text[stop:]


def table_cells(markdown: str) -> dict[tuple[str, str], str]:
    """(row label, column) -> cell of the first Markdown table in ``markdown``."""
    lines = [line.strip() for line in markdown.splitlines() if line.strip().startswith("|")]
    if len(lines) < 2:
        return {}
    split = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, rows = split[0], [row for row in split[2:] if row]
    return {(row[0], column): cell for row in rows for column, cell in zip(header[1:], row[1:], strict=False)}


def runtimes(runs: Sequence[Run]) -> str:
    """``CPython 3.11.7, Node 20.20.2, .NET 10.0.12``: the runtimes that answered, once each."""
    seen: dict[str, str] = {}
    for run in runs:
        runtime = (run.answer or {}).get("runtime")
        if isinstance(runtime, dict):
            name = str(runtime.get("name", ""))
            seen.setdefault(name, f"{_RUNTIME_NAMES.get(name, name)} {runtime.get('version', '')}".strip())
    return ", ".join(seen.values())


def matrix_block(runs: Sequence[Run], *, date: str, ready_s: float, wall_s: float) -> str:
    summary = report.summarize(runs, until_rejected=True)
    ref, anti, eq = summary["reference"], summary["antipatterns"], summary["equivalence"]
    verdict = "OK" if summary["ok"] else "NOT OK"
    intro = (
        f"`asyncconf run` on {date} ({runtimes(runs)}): {verdict}. `anti n/m`: n of the language's m anti-patterns "
        "rejected (each run until a scenario rejected it); equivalence: runs whose answer is the same as the "
        "first language's (and, for a second transport, as its own language's first). Written by `asyncconf readme`."
    )
    totals = (
        f"In all: reference {ref['pass']} pass, {ref['fail']} fail, {ref['error']} error, {ref['skip']} skip; "
        f"anti-patterns {anti['rejected']}/{anti['total']} rejected; equivalence {eq['pass']} same, "
        f"{eq['fail']} differ. The whole run, anti-patterns included, took {wall_s:.0f} s of wall time once the "
        f"languages were ready ({ready_s:.0f} s to get them ready)."
    )
    return "\n".join([_wrap(intro), "", report.render_markdown(runs), "", _wrap(totals)])


def _wrap(paragraph: str) -> str:
    """The README's prose, wrapped at 100 columns (Markdown joins the lines again)."""
    return textwrap.fill(paragraph, width=100, break_long_words=False, break_on_hyphens=False)


BENCH_HEADER = (
    "language/transport",
    "ready (s)",
    "scenarios",
    "median wall/scenario (ms)",
    "virtual : wall, all scenarios",
    "longest scenario: virtual -> wall",
)


def bench_cells(rows: Sequence[Any]) -> list[list[str]]:
    """The figures of ``asyncconf bench`` (BenchRow), one row per language/transport."""
    return [
        [
            f"{r.lang}/{r.transport}",
            f"{r.ready_s:.2f}",
            str(r.scenarios),
            f"{r.median_wall_ms:.2f}",
            f"{r.virtual_ms} ms : {r.wall_ms:.0f} ms = {r.speedup:.0f}x",
            f"{r.longest_virtual_ms} ms -> {r.longest_wall_ms:.1f} ms",
        ]
        for r in rows
    ]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def whole_matrix_line(matrix: Any) -> str:
    return f"Whole matrix (`asyncconf run`, warm, median of 3): {matrix.runs} runs in {matrix.wall_s:.2f} s" + (
        "" if matrix.ok else " -- NOT OK: the figures are of a failing run"
    )


def bench_block(rows: Sequence[Any], matrix: Any, *, date: str, repeats: int) -> str:
    longest = max(rows, key=lambda r: r.longest_virtual_ms, default=None)
    intro = (
        f"`asyncconf bench` on {date}, on this machine (2 cores), median of {repeats} runs per scenario. "
        '"ready" is the time to find, prepare and start a language\'s runners, including whatever had to be '
        "installed or built first (`npm ci`, the C# runner's `dotnet build`): on a fresh clone the first run "
        "pays for those. Written by `asyncconf readme`."
    )
    lines = [
        _wrap(intro),
        "",
        markdown_table(BENCH_HEADER, bench_cells(rows)),
        "",
        whole_matrix_line(matrix) + ".",
    ]
    if longest is not None:
        lines += [
            "",
            f"The longest scenario, `{longest.longest}`, covers {longest.longest_virtual_ms / 1000:g} s of delays.",
        ]
    return "\n".join(lines)


def matrix_differences(readme_text: str, runs: Sequence[Run]) -> list[str]:
    """How the README's matrix differs from the matrix of ``runs``; [] when they agree."""
    written = table_cells(block(readme_text, "matrix"))
    fresh = table_cells(report.render_markdown(runs))
    problems = []
    for key in sorted(set(written) | set(fresh)):
        if written.get(key) != fresh.get(key):
            problems.append(f"{key[0]} x {key[1]}: README says {written.get(key)!r}, a fresh run {fresh.get(key)!r}")
    return problems


#: The screenshots the README links: page of the report -> (file under the checkout, height in pixels).
SCREENSHOTS = {
    "index.html": ("docs/report-index.png", 900),
    "retry-backoff.html": ("docs/report-retry-backoff.png", 1800),
}


def refresh_screenshots(site: Path, root: Path) -> list[Path]:
    """Screenshots of the report in ``site`` for the README, taken in headless Chromium.
    BrowserError when there is no Chromium."""
    from .browser import Browser, BrowserError

    taken = []
    with Browser() as browser:
        for page, (target, height) in SCREENSHOTS.items():
            problems = browser.load((site / page).as_uri())
            if problems:
                raise BrowserError(f"{page}: {'; '.join(problems)}")
            taken.append(browser.screenshot(root / target, height=height))
    return taken
