"""Shared helpers for the project's own tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from asyncconf.paths import PATTERNS_DIR
from background_suites import BACKGROUND


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
