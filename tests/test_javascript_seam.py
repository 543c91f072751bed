"""The JavaScript seam (``asyncconf-javascript/testing``) as the README prints it: the few-line
``node:test`` check passes, the few-line runner serves ``asyncconf run --runner``, and a failing
candidate served the same way fails the run (exit 1) -- never counted as an anti-pattern."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from asyncconf.paths import JAVASCRIPT_DIR, ROOT
from asyncconf.pytest_plugin import skip_or_fail
from asyncconf.transports import node
from asyncconf.transports.base import Unavailable

README = ROOT / "README.md"


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


def readme_js_blocks() -> dict[str, str]:
    """The README's JavaScript blocks of "Checking your own implementation", by their first-line file name."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Checking your own implementation", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```js\n(.*?)```", section, flags=re.S)
    return {re.match(r"// (\S+)", block).group(1): block for block in blocks}  # type: ignore[union-attr]


@pytest.fixture
def in_package() -> Iterator[Path]:
    """A folder inside the JavaScript package: `asyncconf-javascript/...` resolves there as for a user of it."""
    folder = JAVASCRIPT_DIR / f".readme-check-{os.getpid()}"
    folder.mkdir()
    try:
        yield folder
    finally:
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()


def env_without_test_context() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "NODE_TEST_CONTEXT"} | {"ASYNCCONF_PYTHON": sys.executable}


def test_the_readme_shows_a_test_and_a_runner() -> None:
    assert set(readme_js_blocks()) == {"retry.test.js", "my-runner.js"}


def test_the_readme_node_test_check_runs_as_printed(node_path: str, in_package: Path) -> None:
    (in_package / "retry.test.js").write_text(readme_js_blocks()["retry.test.js"], encoding="utf-8")
    result = subprocess.run(
        [node_path, "--test", "--test-reporter=tap", "retry.test.js"],
        cwd=in_package,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env_without_test_context(),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # one subtest per scenario; those the check declares n/a are skipped with the reason, not passed
    assert re.search(r"ok \d+ - delay-is-capped # SKIP n/a: my factor is fixed at 2", result.stdout)
    assert re.search(r"ok \d+ - third-attempt-succeeds\n", result.stdout)


def run_with_runner(runner: Path, pattern: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asyncconf.cli", "run", "--lang", "javascript", "--pattern", pattern,
         "--runner", f"javascript=node {runner}", "--impl", "candidates"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_the_readme_runner_serves_asyncconf_run(node_path: str, in_package: Path) -> None:
    runner = in_package / "my-runner.js"
    runner.write_text(readme_js_blocks()["my-runner.js"], encoding="utf-8")
    result = run_with_runner(runner, "retry-backoff")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"retry-backoff \[mine\]\s+│ -\s+│ (\d+)/\1 pass", result.stdout), result.stdout


def test_a_failing_candidate_fails_the_run(node_path: str, in_package: Path) -> None:
    runner = in_package / "my-runner.js"
    runner.write_text(
        "import {serve} from 'asyncconf-javascript/testing';\n"
        "// a timeout that never times out\n"
        "const mine = (operation, _timeoutMs, {signal} = {}) => operation({signal});\n"
        "await serve({registry: {timeout: {mine}}});\n",
        encoding="utf-8",
    )
    result = run_with_runner(runner, "timeout")
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"timeout \[mine\]\s+│ -\s+│ \d+/\d+ pass, \d+ FAIL", result.stdout), result.stdout
    assert "CANDIDATE javascript/custom timeout:mine: did not pass" in result.stdout
    assert "candidates 0/1 pass" in result.stdout, result.stdout  # `mine` alone: the seam describes nothing of ours
    assert "anti-patterns 0/0" in result.stdout  # never counted as an anti-pattern


# -- the checker's side of the seam: python -m asyncconf.judge --------------------------------------------


def test_the_judge_gives_each_scenario_with_its_request() -> None:
    from asyncconf.judge import scenarios
    from asyncconf.spec import load_spec

    found = scenarios("timeout")["scenarios"]
    timeout = next(p for p in load_spec() if p.id == "timeout")
    assert [s["id"] for s in found] == [s.id for s in timeout.scenarios]
    assert all(s["request"]["pattern"] == "timeout" and s["request"]["clock"] == "virtual" for s in found)


def test_the_judge_passes_a_right_answer_and_fails_a_wrong_one() -> None:
    from asyncconf.judge import scenarios, verdicts
    from python_runner import ask as handle

    request = next(s for s in scenarios("timeout")["scenarios"] if s["id"] == "exceeds-limit")["request"]
    right = handle({**request, "impl": "reference"})
    wrong = {**right, "outcome": {"ok": "data"}}
    judged = verdicts(
        {
            "pattern": "timeout",
            "language": "Python",
            "results": [
                {"scenario": "exceeds-limit", "answer": right, "reference": right},
                {"scenario": "exceeds-limit", "answer": wrong, "reference": right},
                {"scenario": "exceeds-limit", "answer": {"id": 1, "error": {"kind": "internal", "message": "x"}}},
            ],
        }
    )["verdicts"]
    assert [v["status"] for v in judged] == ["pass", "fail", "error"]
    assert 'outcome: expected {"ok": null}, saw {"ok": "data"}' in judged[1]["reasons"]
    assert any(r.startswith("differs from the Python reference: outcome") for r in judged[1]["reasons"])


def test_the_judge_refuses_an_unknown_pattern() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "asyncconf.judge", "scenarios", "no-such-pattern"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "unknown pattern 'no-such-pattern'" in result.stderr
