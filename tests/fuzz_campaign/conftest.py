"""Options of the fuzz campaign (campaign.py), and its throughput at the end of the run."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asyncconf fuzz campaign")
    group.addoption("--fuzz-examples", type=int, default=10_000, help="Examples per pattern (default 10000).")
    group.addoption("--fuzz-seed", type=int, default=0, help="The campaign's seed; shard k fuzzes with seed*1000+k.")
    group.addoption("--fuzz-shards", type=int, default=8, help="Shards per pattern, spread by pytest-xdist.")
    group.addoption("--fuzz-pattern", action="append", default=[], help="Only this pattern (repeatable).")


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The shards one by one to whichever worker is free (``--dist load``): the project's addopts
    hand out whole files (``loadfile``), which would give every shard of this file to one worker."""
    if config.getvalue("dist") not in ("loadfile", "loadscope", "loadgroup"):
        return None  # the scheduling asked for (load, worksteal, each)
    from xdist.scheduler import LoadScheduling

    return LoadScheduling(config, log)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Examples and examples per second per pattern, summed over its shards (and workers)."""
    examples: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        properties = dict(getattr(report, "user_properties", []))
        if "fuzz_pattern" in properties and report.when == "call":
            examples[properties["fuzz_pattern"]] += properties["fuzz_examples"]
            seconds[properties["fuzz_pattern"]] += properties["fuzz_seconds"]
    if examples:
        terminalreporter.section("asyncconf fuzz campaign")
        for pattern in sorted(examples):
            rate = examples[pattern] / seconds[pattern] if seconds[pattern] else 0.0
            terminalreporter.write_line(
                f"{pattern}: {examples[pattern]} examples, {rate:.0f} examples/s per worker (search only)"
            )
