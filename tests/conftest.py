"""Shared helpers for the project's own tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from asyncconf.paths import PATTERNS_DIR
from csharp_suite import NODE_ID, SUITE


def pytest_collection_finish(session: pytest.Session) -> None:
    # The C# suite runs beside the rest from now on (tests/csharp_suite.py); only when selected.
    if any(item.nodeid == NODE_ID for item in session.items):
        SUITE.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    SUITE.stop()  # an interrupted or failed session leaves no dotnet process behind


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    """A writable copy of the real spec (spec/patterns + schema beside it is not needed)."""
    target = tmp_path / "patterns"
    shutil.copytree(PATTERNS_DIR, target)
    return target
