"""Shared helpers for the project's own tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from asyncconf.paths import PATTERNS_DIR
from background_suites import BACKGROUND


def pytest_configure(config: pytest.Config) -> None:
    folder = getattr(config, "workerinput", {}).get("asyncconf_suites")
    if folder:  # an xdist worker: the controller runs the background suites
        BACKGROUND.follow(Path(folder))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:  # xdist, in the controller: one per worker
    node.workerinput["asyncconf_suites"] = str(BACKGROUND.publish())


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    BACKGROUND.start(set(ids))  # the first worker's collection; the others' are the same


# pytest-xdist hands out files in collection order (--no-loadscope-reorder, pyproject.toml): the
# slowest first -- C# builds, Chromium, real clocks -- so that none is left running alone at the
# end, and last the files whose tests wait for a background suite's result. A hint: a file it
# misplaces costs time, never a result.
SLOWEST_FIRST = (
    "tests/test_build_safety.py",
    "tests/test_html_report.py",
    "tests/test_real_clock.py",
    "tests/test_fuzz.py",
    "tests/test_async_lock_antipatterns.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    waiting = BACKGROUND.files()

    def rank(item: pytest.Item) -> tuple[int, int]:
        file = item.nodeid.split("::", 1)[0]
        if file in SLOWEST_FIRST:
            return 0, SLOWEST_FIRST.index(file)
        return (2 if file in waiting else 1), 0

    items.sort(key=rank)  # stable: within a file, the order stays


def pytest_collection_finish(session: pytest.Session) -> None:
    # The C# and JavaScript suites selected run beside the rest from now on (tests/background_suites.py).
    BACKGROUND.start({item.nodeid for item in session.items})


def pytest_sessionfinish(session: pytest.Session) -> None:
    BACKGROUND.stop()  # an interrupted or failed session leaves no dotnet or node process behind


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    """A writable copy of the real spec (spec/patterns + schema beside it is not needed)."""
    target = tmp_path / "patterns"
    shutil.copytree(PATTERNS_DIR, target)
    return target
