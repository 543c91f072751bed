"""Third-party libraries against the spec (asyncconf.libraries, libraries/): every adapter gives
its recorded result, every recorded file follows the format and the spec, the README's table is
the one the data renders -- and a changed result fails, naming the scenario and both statuses."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asyncconf import libraries
from asyncconf.cli import main
from asyncconf.html.readme import block
from asyncconf.libraries import (
    ADAPTERS_DIR,
    Adapter,
    Check,
    LibraryResults,
    Outcome,
    by_library,
    differences,
    load_adapters,
    read_results,
    render_markdown,
    run_adapter,
    stale_against_spec,
    unexplained,
)
from asyncconf.paths import ROOT

# Loaded at collection: a library that is not installed is an error here, never a skip.
ADAPTERS = load_adapters()
PATTERNS = libraries.spec_patterns()
RECORDED = {(r.language, r.library): r for r in read_results()}


def _only(recorded: LibraryResults | None, adapter: Adapter) -> LibraryResults | None:
    """The recorded results of the library, reduced to the one check ``adapter`` makes."""
    if recorded is None:
        return None
    return LibraryResults(
        recorded.language, recorded.library, recorded.version, [c for c in recorded.checks if c.api == adapter.api]
    )


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: f"{a.library}:{a.pattern}:{a.api}")
def test_each_library_gives_its_recorded_result(adapter: Adapter) -> None:
    fresh = run_adapter(adapter, PATTERNS[adapter.pattern])
    [library] = by_library([(adapter, fresh)])
    problems = unexplained(adapter, fresh) + differences(
        _only(RECORDED.get(("python", adapter.library)), adapter), library
    )
    assert not problems, "\n".join([*problems, f"if the change is understood: {libraries.RECORD}"])


def test_every_recorded_python_check_has_its_adapter() -> None:
    checked = {(a.library, a.pattern, a.api) for a in ADAPTERS}
    recorded = {(r.library, c.pattern, c.api) for r in RECORDED.values() if r.language == "python" for c in r.checks}
    assert recorded == checked, (
        f"recorded, no adapter: {recorded - checked}; adapter, not recorded: {checked - recorded}"
    )


def test_every_recorded_file_covers_exactly_the_spec_s_scenarios() -> None:
    assert RECORDED, "no results recorded in libraries/results/"
    assert stale_against_spec(RECORDED.values(), PATTERNS) == []


def test_the_readme_table_is_the_recorded_results_rendered() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert block(readme, "libraries").strip() == render_markdown(RECORDED.values()).strip(), (
        "the README's libraries table is not the recorded one: asyncconf libraries --readme README.md"
    )


# -- the checks themselves can fail ------------------------------------------------------------------------


def _results(status: str, reason: str = "", version: str = "1.0") -> LibraryResults:
    outcome = Outcome(status, reason, "outcome: expected X, saw Y" if status == "fail" else "")
    return LibraryResults(
        "python", "lib", version, [Check("timeout", "api", "a.py", {"s1": Outcome("pass"), "s2": outcome})]
    )


def test_a_changed_result_names_the_scenario_and_both_statuses() -> None:
    assert differences(_results("pass"), _results("pass")) == []
    [line] = differences(_results("pass"), _results("fail", "because"))
    assert "timeout/s2" in line and "recorded pass, now fail" in line and "expected X, saw Y" in line
    [line] = differences(_results("fail", "old cause"), _results("fail", "new cause"))
    assert "timeout/s2" in line and "'old cause'" in line and "'new cause'" in line
    elsewhere = _results("fail", "old cause")
    elsewhere.checks[0].scenarios["s2"] = Outcome("fail", "old cause", "blocked_ms: expected under 50, saw 60")
    [line] = differences(_results("fail", "old cause"), elsewhere)  # same status, failing on another check
    assert "timeout/s2: fail still, but recorded failing on 'outcome: expected X, saw Y', now on 'blocked_ms" in line
    reworded = _results("fail", "old cause")
    reworded.checks[0].scenarios["s2"] = Outcome("fail", "old cause", "outcome: expected X but saw Y")
    assert differences(_results("fail", "old cause"), reworded) == []  # the checker's wording is not the result
    [line] = differences(_results("pass", version="1.0"), _results("pass", version="2.0"))
    assert "recorded for version 1.0, now 2.0" in line
    gone = _results("pass")
    del gone.checks[0].scenarios["s2"]
    assert differences(_results("pass"), gone) == [
        "python lib [api] timeout/s2: recorded pass, no longer a scenario of the spec"
    ]
    assert differences(gone, _results("pass")) == ["python lib [api] timeout/s2: not recorded, now pass"]
    assert differences(None, _results("pass")) == ["python lib: nothing recorded (python-lib.json)"]


def test_a_failure_without_its_cause_and_a_stale_cause_are_problems() -> None:
    adapter = Adapter(
        "lib", "timeout", "api", implementation=print, why={"s1": "stale", "nope": "unknown"}, source="a.py"
    )
    problems = unexplained(adapter, _results("fail").checks[0])
    assert any("timeout/s2" in p and "no `why`" in p for p in problems)
    assert any("timeout/s1" in p and "is pass" in p for p in problems)
    assert any("timeout/nope" in p and "not a scenario" in p for p in problems)


def test_one_table_over_every_language(tmp_path: Path) -> None:
    csharp = LibraryResults(
        "csharp",
        "Polly",
        "8.9.1",
        [Check("retry-backoff", "Retry", "x.cs", {"s": Outcome("n/a", "factor fixed at 2")})],
    )
    javascript = LibraryResults(
        "javascript", "p-retry", "7.1.1", [Check("retry-backoff", "pRetry", "x.js", {"s": Outcome("fail", "a|b")})]
    )
    table = render_markdown([csharp, _results("pass"), javascript])
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| language")]
    assert [row.split(" | ")[0] for row in rows] == ["| python", "| javascript", "| csharp"]
    assert "n/a `s`: factor fixed at 2" in rows[2] and "fail `s`: a\\|b" in rows[1]  # a pipe cannot break the row
    libraries.write_results([csharp, javascript], tmp_path)
    assert {r.library for r in read_results(tmp_path)} == {"Polly", "p-retry"}  # the schema takes every language


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["checks"][0]["scenarios"]["s2"].pop("reason"), "'reason' is a required property"),
        (lambda d: d["checks"][0]["scenarios"]["s1"].update(reason="x"), "should not be valid"),
        (lambda d: d["checks"][0]["scenarios"]["s1"].update(status="ok"), "'ok' is not one of"),
        (lambda d: d.update(language="rust"), "'rust' is not one of"),
        (lambda d: d.update(library="other"), "name it python-other.json"),
    ],
)
def test_a_results_file_out_of_the_format_is_refused(tmp_path: Path, change: object, message: str) -> None:
    data = _results("fail", "because").to_json()
    change(data)  # type: ignore[operator]
    (tmp_path / "python-lib.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(libraries.ResultsError, match=r"python-lib\.json") as error:
        read_results(tmp_path)
    assert message in str(error.value)


# -- the command -----------------------------------------------------------------------------------------

_TIMEOUT_ADAPTER = '''
"""asyncio.timeout, naively: its TimeoutError becomes None -- the operation's own too."""
import asyncio
from asyncconf.libraries import Adapter

async def with_timeout(operation, limit):
    try:
        async with asyncio.timeout(limit):
            return await operation()
    except TimeoutError:
        return None

def two_scenarios_only(scenario):  # fewer runs, and a test that does not move with the spec's other scenarios
    return None if scenario.id in ("completes-in-time", "own-timeout-error-propagates") else "not this one"

ADAPTERS = [
    Adapter(
        library="naive",
        pattern="timeout",
        api="asyncio.timeout",
        implementation=with_timeout,
        not_applicable=two_scenarios_only,
        why=WHY,
    )
]
'''
_WHY = {"own-timeout-error-propagates": "the operation's TimeoutError is taken for the limit's"}


def _libraries(
    tmp_path: Path, *options: str, why: dict[str, str] = _WHY, readme: Path | None = None
) -> tuple[int, str, str]:
    adapters, results = tmp_path / "adapters", tmp_path / "results"
    adapters.mkdir(exist_ok=True)
    results.mkdir(exist_ok=True)
    (adapters / "naive_adapter.py").write_text(f"WHY = {why!r}\n" + _TIMEOUT_ADAPTER, encoding="utf-8")
    out: list[str] = []
    err: list[str] = []
    code = libraries.command(
        record="--record" in options,
        markdown="--markdown" in options,
        readme=readme,
        adapters_dir=adapters,
        results_dir=results,
        out=out.append,
        err=err.append,
    )
    return code, "\n".join(out), "\n".join(err)


def test_the_command_records_then_fails_on_a_changed_result(tmp_path: Path) -> None:
    code, _, err = _libraries(tmp_path)
    assert code == 1 and "nothing recorded (python-naive.json)" in err
    code, out, _ = _libraries(tmp_path, "--record")
    assert code == 0 and "python naive" in out
    assert _libraries(tmp_path)[0] == 0
    recorded = tmp_path / "results" / "python-naive.json"
    text = recorded.read_text(encoding="utf-8")
    assert '"completes-in-time": {"status": "pass"},' in text  # one line per scenario: a change is a one-line diff
    recorded.write_text(
        text.replace(
            '"completes-in-time": {"status": "pass"}', '"completes-in-time": {"status": "n/a", "reason": "x"}'
        ),
        encoding="utf-8",
    )
    code, _, err = _libraries(tmp_path)
    assert code == 1 and "timeout/completes-in-time: recorded n/a, now pass" in err


def test_the_command_records_nothing_while_a_failure_has_no_cause(tmp_path: Path) -> None:
    code, _, err = _libraries(tmp_path, "--record", why={})
    assert code == 1 and "timeout/own-timeout-error-propagates" in err and "no `why`" in err
    assert not (tmp_path / "results" / "python-naive.json").exists()


def test_the_command_rewrites_the_readme_only_when_current(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "# x\n<!-- asyncconf:libraries:begin -->\nold\n<!-- asyncconf:libraries:end -->\n", encoding="utf-8"
    )
    code, _, err = _libraries(tmp_path, readme=readme)
    assert code == 1 and "NOT rewritten" in err and "old" in readme.read_text(encoding="utf-8")
    assert _libraries(tmp_path, "--record", readme=readme)[0] == 0
    rewritten = block(readme.read_text(encoding="utf-8"), "libraries")
    assert "| python | naive 3.11 | timeout | `asyncio.timeout` | 1 pass, 1 fail, " in rewritten


def test_asyncconf_libraries_markdown_on_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command's own path -- compare, then print the table -- with each adapter's check as recorded:
    # the live checks are the test above, each adapter's. Run a second time here, in a worker that CI
    # loads (a C# build beside it), one of them read a wait of its loop's thread for the GIL as a block.
    recorded = {(r.library, c.pattern, c.api): c for r in RECORDED.values() if r.language == "python" for c in r.checks}

    def as_recorded(adapters: list[Adapter], patterns: object) -> list[tuple[Adapter, object]]:
        return [(a, recorded[a.library, a.pattern, a.api]) for a in adapters]

    monkeypatch.setattr(libraries, "run", as_recorded)
    result = CliRunner().invoke(main, ["libraries", "--markdown"])
    assert result.exit_code == 0, result.output
    assert render_markdown(RECORDED.values()).strip() in result.stdout


# -- the adapters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(ADAPTERS_DIR.glob("*_adapter.py")), ids=lambda p: p.name)
def test_an_adapter_uses_the_public_seam_only(path: Path) -> None:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    ours = {name for name in imported if name.split(".")[0] in ("asyncconf", "asyncpatterns")}
    assert ours <= {"asyncconf.libraries", "asyncconf.testing"}, f"{path.name} reaches past the seam: {ours}"
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{path.name}: say what was adapted"


def test_the_adapters_are_typed() -> None:
    # `mypy` alone checks the packages; the adapters are loose files, checked here with the same config.
    done = subprocess.run(
        [sys.executable, "-m", "mypy", str(ADAPTERS_DIR)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_csharp_libraries_solution_builds_every_library_and_only_them() -> None:
    """The libraries are built together (``runner_libraries.SOLUTION``): a library left out of it
    would be served from whatever output an older build left, or from none."""
    import xml.etree.ElementTree as ET

    from asyncconf import runner_libraries

    listed = {
        str((runner_libraries.SOLUTION.parent / project.attrib["Path"]).resolve().parent.relative_to(ROOT.resolve()))
        for project in ET.parse(runner_libraries.SOLUTION).getroot().iter("Project")
    }
    assert listed == {library.project for library in runner_libraries.LIBRARIES}


def test_the_csharp_libraries_give_their_recorded_results(capsys: pytest.CaptureFixture[str]) -> None:
    """Polly through its own runner (asyncconf.runner_libraries): a changed result fails here, as
    the Python and npm libraries' do in their own tests."""
    from asyncconf import runner_libraries
    from asyncconf.pytest_plugin import skip_or_fail
    from asyncconf.transports.base import Unavailable
    from asyncconf.transports.dotnet import find_dotnet

    try:
        find_dotnet()
    except Unavailable as missing:
        skip_or_fail("csharp", str(missing))
    status = runner_libraries.main([])
    assert status == 0, capsys.readouterr().err


def test_the_csharp_libraries_run_on_the_release_build_the_harness_checks() -> None:
    """Built from their own solution, which lists only them, the projects they reference were built in
    MSBuild's default configuration (Debug) -- a second build of the seam, not the one checked."""
    from asyncconf import runner_libraries
    from asyncconf.paths import CSHARP_DIR, ROOT
    from asyncconf.pytest_plugin import skip_or_fail
    from asyncconf.transports import dotnet
    from asyncconf.transports.base import Unavailable

    try:
        cli = dotnet.find_dotnet()
    except Unavailable as missing:
        skip_or_fail("csharp", str(missing))
    runner_libraries.build_all(cli)
    framework = dotnet.target_framework(cli)
    for library in runner_libraries.LIBRARIES:
        served = ROOT / library.project / "bin" / runner_libraries.CONFIGURATION / framework
        for project in ("AsyncPatterns", "AsyncPatterns.Runner.Core"):
            built = CSHARP_DIR / project / "bin" / dotnet.CONFIGURATION / framework / f"{project}.dll"
            copy = served / f"{project}.dll"
            assert copy.read_bytes() == built.read_bytes(), f"{library.project} runs another build of {project}"
