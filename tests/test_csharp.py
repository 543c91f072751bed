"""The C# side: its xunit suite passes; a machine without dotnet skips it, saying how to install;
one transport that cannot start leaves the other running. (How the harness builds it: test_build_safety.py.)"""

from __future__ import annotations

import subprocess

import pytest

from asyncconf.paths import CSHARP_DIR
from asyncconf.pytest_plugin import skip_or_fail
from asyncconf.transports import dotnet
from asyncconf.transports.base import Unavailable


@pytest.fixture(scope="module")
def dotnet_cli() -> str:
    try:
        return dotnet.find_dotnet()
    except Unavailable as error:
        skip_or_fail("csharp", str(error))
        raise


def test_dotnet_test_passes(dotnet_cli: str) -> None:
    with dotnet.build_lock():  # it builds the runner's projects too: not while the harness does
        result = subprocess.run(
            [dotnet_cli, "test", str(CSHARP_DIR), "-nologo", "--disable-build-servers"],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    output = result.stdout + result.stderr
    problems = [line for line in output.splitlines() if " error " in line or "[FAIL]" in line or "Failed " in line]
    assert result.returncode == 0, "\n".join(problems[:40]) + "\n...\n" + output[-3000:]


def test_no_dotnet_is_a_skip_that_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from asyncconf.languages import open_language

    monkeypatch.setattr(dotnet.shutil, "which", lambda name: None)
    session = open_language("csharp", [])
    assert session.skip_reason == "no `dotnet` on PATH; install the .NET SDK 8 or newer (https://dot.net)"
    assert session.error is None


def test_a_transport_that_cannot_start_does_not_take_the_other_down(
    dotnet_cli: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asyncconf.engine import Engine
    from asyncconf.spec import load_spec

    def no_pythonnet(self: dotnet.DotnetInProcess) -> None:
        raise Unavailable("pythonnet is not installed")

    monkeypatch.setattr(dotnet.DotnetInProcess, "start", no_pythonnet)
    patterns = load_spec()
    with Engine(patterns, ["csharp"]) as engine:
        runs = engine.run_scenario(patterns[0].scenarios[0], "csharp")
    assert sorted((run.transport, run.status) for run in runs) == [("pythonnet", "skip"), ("subprocess", "pass")]
    assert next(run for run in runs if run.transport == "pythonnet").reason == "pythonnet is not installed"
