"""The C# side: its xunit suite passes; the harness builds it itself -- when its output is missing
or stale, saying so -- and a build that fails is reported with the compiler's error, not a skip."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from asyncconf.paths import CSHARP_DIR
from asyncconf.pytest_plugin import skip_or_fail
from asyncconf.transports import dotnet
from asyncconf.transports.base import PrepareFailed, Unavailable


@pytest.fixture(scope="module")
def dotnet_cli() -> str:
    try:
        return dotnet.find_dotnet()
    except Unavailable as error:
        skip_or_fail("csharp", str(error))
        raise


def test_dotnet_test_passes(dotnet_cli: str) -> None:
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


def _copy_csharp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "csharp"
    shutil.copytree(CSHARP_DIR, copy, ignore=shutil.ignore_patterns("bin", "obj", "*.Tests"))
    monkeypatch.setattr(dotnet, "CSHARP_DIR", copy)
    monkeypatch.setattr(dotnet, "RUNNER_PROJECT", copy / dotnet.RUNNER_PROJECT.relative_to(CSHARP_DIR))
    return copy


def test_the_harness_builds_when_missing_or_stale_and_says_so(
    dotnet_cli: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy_csharp(tmp_path, monkeypatch)
    framework = dotnet.target_framework(dotnet_cli)
    folder = dotnet.build(dotnet_cli, framework)
    assert (folder / f"{dotnet.CORE_ASSEMBLY}.dll").exists()
    assert "building csharp: dotnet build (first build)" in capsys.readouterr().err
    dotnet.build(dotnet_cli, framework)
    assert capsys.readouterr().err == ""  # up to date: no build
    # An edit after the build (set explicitly: file times are only as fine as the kernel's tick).
    built = (folder / f"{dotnet.CORE_ASSEMBLY}.dll").stat().st_mtime
    os.utime(copy / "AsyncPatterns" / "Timeout" / "TimeoutStrategy.cs", (built + 2, built + 2))
    dotnet.build(dotnet_cli, framework)
    assert "building csharp: dotnet build (sources changed)" in capsys.readouterr().err


def test_a_failed_build_is_an_error_with_the_compilers_words(
    dotnet_cli: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _copy_csharp(tmp_path, monkeypatch)
    source = copy / "AsyncPatterns" / "Timeout" / "TimeoutStrategy.cs"
    source.write_text(source.read_text() + "\nthis is not C#\n")
    with pytest.raises(PrepareFailed, match=r"dotnet build failed: .*TimeoutStrategy\.cs.*error CS"):
        dotnet.build(dotnet_cli, dotnet.target_framework(dotnet_cli))


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
