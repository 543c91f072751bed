"""Shared helpers for the project's own tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from asyncconf.paths import PATTERNS_DIR


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    """A writable copy of the real spec (spec/patterns + schema beside it is not needed)."""
    target = tmp_path / "patterns"
    shutil.copytree(PATTERNS_DIR, target)
    return target
