"""The README never lies: CI runs the README's own install and test commands."""

from __future__ import annotations

import re

from asyncconf.paths import ROOT


def test_ci_runs_the_readmes_install_and_test_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    commands = dict(
        (tag, command.strip()) for command, tag in re.findall(r"^([^#\n]+?)\s*# README: (\w+)$", ci, re.MULTILINE)
    )
    assert set(commands) == {"install", "test"}
    for tag, command in commands.items():
        assert re.search(rf"^{re.escape(command)}\s", readme, re.MULTILINE), (
            f"README lacks the {tag} command {command!r}"
        )
