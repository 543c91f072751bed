"""The C# seam (``AsyncConf.Runner.Candidates``) as a user meets it: the README's few-line check,
built and run exactly as printed, is judged by the harness -- a failing candidate exits 1, in rows
of its own, never counted as an anti-pattern. (The seam's own tests are xunit's:
csharp/AsyncPatterns.Tests/Candidates/.)"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from asyncconf.paths import ROOT
from asyncconf.pytest_plugin import skip_or_fail
from asyncconf.transports import dotnet
from asyncconf.transports.base import Unavailable

# The README's C# block: its comment line says how to run it.
README_BLOCK = re.compile(r"```csharp\n(// Program\.cs -- (asyncconf run [^\n]+)\n.*?)```", re.DOTALL)

# A console app of the user's own: what the README's block needs around it (csharp/README.md says
# the same with a ProjectReference; here the runner's build output, so nothing of csharp/ is rebuilt).
PROJECT = """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>{framework}</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <AssemblyName>MyChecks</AssemblyName>
  </PropertyGroup>
  <ItemGroup>
    <Reference Include="AsyncPatterns.Runner.Core" HintPath="{folder}/AsyncPatterns.Runner.Core.dll" />
    <Reference Include="AsyncPatterns" HintPath="{folder}/AsyncPatterns.dll" />
  </ItemGroup>
</Project>
"""


def readme_check() -> tuple[str, str]:
    """The README's C# program and the command printed with it."""
    found = README_BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "the README has no C# check (```csharp starting `// Program.cs -- asyncconf run ...`)"
    return found[1], found[2]


@pytest.fixture(scope="module")
def readme_runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's program, built as a console app: the folder of MyChecks.dll."""
    try:
        cli = dotnet.find_dotnet()
    except Unavailable as error:
        skip_or_fail("csharp", str(error))
        raise
    framework = dotnet.target_framework(cli)
    folder = dotnet.build(cli, framework)
    project = tmp_path_factory.mktemp("mychecks")
    (project / "MyChecks.csproj").write_text(PROJECT.format(framework=framework, folder=folder), encoding="utf-8")
    (project / "Program.cs").write_text(readme_check()[0], encoding="utf-8")
    result = subprocess.run(
        [cli, "build", str(project), "-c", "Release", "-o", str(project / "out"), "-nologo", "--disable-build-servers"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return project / "out"


def test_the_readme_check_runs_as_printed_and_a_failing_candidate_exits_1(readme_runner: Path, tmp_path: Path) -> None:
    _, command = readme_check()
    argv = shlex.split(command)
    assert argv[:2] == ["asyncconf", "run"]
    # As printed, run in the folder holding MyChecks.dll.
    report = tmp_path / "runs.json"
    result = subprocess.run(
        [str(Path(sys.executable).with_name("asyncconf")), *argv[1:], "--json", str(report)],
        cwd=readme_runner,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CANDIDATE csharp/custom timeout:waitasync: did not pass" in result.stdout + result.stderr
    runs = json.loads(report.read_text(encoding="utf-8"))["runs"]
    mine = {r["scenario"]: r for r in runs if r["impl"] == "waitasync" and r["check"] == "spec"}
    assert {r["role"] for r in mine.values()} == {"candidate"}
    assert {r["transport"] for r in mine.values()} == {"custom"}
    # What the README says it catches: the operation left running, its own TimeoutException taken for the limit's.
    assert mine["exceeds-limit"]["status"] == "fail"
    assert "op#1" in " ".join(mine["exceeds-limit"]["answer"]["leaks"])
    assert mine["own-timeout-error-propagates"]["status"] == "fail"
    assert mine["completes-in-time"]["status"] == "pass"
