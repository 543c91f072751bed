"""The JavaScript side: its own test suite and type check pass, and the harness finds a Node --
falling back to an older one, on which the patterns whose APIs it lacks are skipped by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from asyncconf.engine import Engine
from asyncconf.languages import open_language
from asyncconf.pytest_plugin import skip_or_fail
from asyncconf.spec import load_spec
from asyncconf.transports import node
from asyncconf.transports.base import Unavailable
from asyncconf.transports.jsonl_process import JsonLinesProcess
from background_suites import BACKGROUND


@pytest.fixture(scope="module")
def node_path() -> str:
    try:
        path, version = node.find_node()
    except Unavailable as error:
        skip_or_fail("javascript", str(error))
    if version[:2] < node.MIN_NODE:
        skip_or_fail("javascript", f"the Node found is {version}, older than {node.MIN_NODE}")
    node.prepare(path)
    return path


@pytest.mark.parametrize("script", ["test", "typecheck"])
def test_npm_script_passes(node_path: str, script: str) -> None:
    # Started in the background when the session was collected (tests/background_suites.py); here its result.
    result = BACKGROUND.result(f"tests/test_javascript.py::test_npm_script_passes[{script}]", timeout_s=600)
    assert result.returncode == 0, "\n".join(failed_subtests(result.output)[:3]) + "\n...\n" + result.output[-3000:]


def failed_subtests(tap: str) -> list[str]:
    """node:test's report of each failing test: its `not ok` line and the indented block after it
    (the error, expected and actual), innermost first. The output's tail alone shows only the last
    suites, which passed."""
    lines = tap.splitlines()
    found = []
    for at, line in enumerate(lines):
        if line.lstrip().startswith("not ok"):
            indent = len(line) - len(line.lstrip())
            end = at + 1
            while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
                end += 1
            found.append("\n".join(lines[at : min(end, at + 60)]))
    return found


def test_failed_subtests_are_found_in_node_tests_report() -> None:
    tap = "\n".join(
        [
            "# Subtest: suite",
            "    # Subtest: works",
            "    ok 1 - works",
            "    # Subtest: breaks",
            "    not ok 2 - breaks",
            "      ---",
            "      error: 'boom'",
            "      ...",
            "    1..2",
            "not ok 1 - suite",
            "  ---",
            "  error: '1 subtest failed'",
            "  ...",
            "# pass 1",
        ]
    )
    assert failed_subtests(tap) == [
        "    not ok 2 - breaks\n      ---\n      error: 'boom'\n      ...",
        "not ok 1 - suite\n  ---\n  error: '1 subtest failed'\n  ...",
    ]


def test_an_old_node_skips_the_patterns_whose_apis_it_lacks(node_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    nodejs = pytest.importorskip("nodejs", reason="the nodejs-bin package (a dev dependency) is not installed")
    monkeypatch.setattr(node.shutil, "which", lambda name: None)  # no node on PATH: the bundled one
    patterns = load_spec()
    session = open_language("javascript", patterns)
    try:
        assert session.usable, session.error or session.skip_reason
        assert session.runtime == {"name": "node", "version": nodejs.node_version}
        assert {p: [api.name for api in apis] for p, apis in session.missing_api.items()} == {
            "cancellation-cleanup": ["Symbol.asyncDispose"],
            "connection-pool": ["Symbol.asyncDispose"],
            "graceful-shutdown": ["Symbol.asyncDispose"],
            "offload-blocking": ["os.availableParallelism"],  # since 18.14: the pool's size
        }
    finally:
        session.close()
    with Engine(patterns, ["javascript"]) as engine:
        cleanup = next(p for p in patterns if p.id == "cancellation-cleanup")
        [run] = engine.run_scenario(cleanup.scenarios[0], "javascript")
        assert run.status == "skip"
        assert run.reason == f"needs Symbol.asyncDispose (since 20.4); missing in node {nodejs.node_version}"
        retry = next(p for p in patterns if p.id == "retry-backoff")
        [run] = engine.run_scenario(retry.scenarios[1], "javascript")
        assert run.status == "pass", run.reason  # what the old Node has, still runs and passes


def test_npm_is_the_one_that_goes_with_the_node_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The nodejs-bin package's layout: bin/npm is an empty placeholder, npm is lib/.../npm-cli.js.
    bundled = tmp_path / "nodejs" / "bin" / "node"
    bundled.parent.mkdir(parents=True)
    bundled.write_text("")
    (bundled.parent / "npm").write_text("")
    cli = tmp_path / "nodejs" / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    cli.parent.mkdir(parents=True)
    cli.write_text("")
    monkeypatch.setattr(node, "_bundled_node", lambda: str(bundled))
    assert node._npm_for(str(bundled)) == [str(bundled), str(cli)]
    # A node with its npm beside it (a Node.js install): that npm.
    installed = tmp_path / "usr" / "bin" / "node"
    installed.parent.mkdir(parents=True)
    (installed.parent / "npm").write_text("#!/bin/sh\n")
    (installed.parent / "npm").chmod(0o755)
    assert node._npm_for(str(installed)) == [str(installed.parent / "npm")]


def test_the_runner_collects_garbage_on_its_own_thread(node_path: str) -> None:
    # Parallel GC helper threads made correct runs read as blocked on a busy machine (transports/node.py).
    [transport] = node.node_transports()
    assert isinstance(transport, JsonLinesProcess)
    assert "--single-threaded-gc" in transport.argv[1:-1]
