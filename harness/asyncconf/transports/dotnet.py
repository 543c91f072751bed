"""C#: find the .NET SDK, build ``csharp/`` when stale, and reach its runner two ways.

- ``subprocess``: ``dotnet AsyncPatterns.Runner.dll``, speaking JSON Lines;
- ``pythonnet``: the CoreCLR loaded into this process (pythonnet), calling the runner's
  ``AsyncConf.Runner.Protocol.Handle(string) -> string`` -- the same code path, no process
  boundary. The two must give the same answers (the engine compares them).

One build of the runner project serves both: its output folder holds the console runner, the
class library with ``Handle``, and the runtimeconfig.json that pythonnet needs to host CoreCLR.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from ..paths import CSHARP_DIR
from .base import PrepareFailed, Transport, TransportError, Unavailable
from .jsonl_process import JsonLinesProcess

INSTALL_HINT = "install the .NET SDK 8 or newer (https://dot.net)"
CONFIGURATION = "Release"
RUNNER_PROJECT = CSHARP_DIR / "AsyncPatterns.Runner" / "AsyncPatterns.Runner.csproj"
RUNNER_ASSEMBLY = "AsyncPatterns.Runner"
CORE_ASSEMBLY = "AsyncPatterns.Runner.Core"
ENTRY_TYPE = ("AsyncConf.Runner", "Protocol")  # namespace, class holding Handle(string)
SOURCE_SUFFIXES = {".cs", ".csproj", ".props", ".targets", ".json", ".slnx"}
QUIET = {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1"}


def find_dotnet() -> str:
    dotnet = shutil.which("dotnet")
    if dotnet is None:
        raise Unavailable(f"no `dotnet` on PATH; {INSTALL_HINT}")
    return dotnet


def target_framework(dotnet: str) -> str:
    """``net<major>.0`` of the newest runtime installed: build for what is here (DESIGN.md)."""
    try:
        out = subprocess.run([dotnet, "--list-runtimes"], capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise Unavailable(f"`dotnet --list-runtimes` failed ({error}); {INSTALL_HINT}") from None
    majors = [int(m) for m in re.findall(r"^Microsoft\.NETCore\.App (\d+)\.", out, re.MULTILINE)]
    if not majors or max(majors) < 8:
        raise Unavailable(f"no .NET runtime 8 or newer found by `dotnet --list-runtimes`; {INSTALL_HINT}")
    return f"net{max(majors)}.0"


def output_dir(framework: str) -> Path:
    return RUNNER_PROJECT.parent / "bin" / CONFIGURATION / framework


def _sources() -> list[Path]:
    """The runner's inputs: every source under csharp/ but build output and the test project."""
    return [
        path
        for path in CSHARP_DIR.rglob("*")
        if path.suffix in SOURCE_SUFFIXES
        and not {"bin", "obj"} & set(parts := path.relative_to(CSHARP_DIR).parts)
        and not parts[0].endswith(".Tests")
    ]


def build(dotnet: str, framework: str) -> Path:
    """``dotnet build`` the runner when its output is missing or older than any source."""
    from ..languages import note

    if not RUNNER_PROJECT.exists():
        raise PrepareFailed(f"the C# runner project {RUNNER_PROJECT} is missing")
    built = output_dir(framework) / f"{CORE_ASSEMBLY}.dll"
    newest = max((p.stat().st_mtime for p in _sources()), default=0.0)
    if built.exists() and built.stat().st_mtime >= newest:
        return built.parent
    note(f"building csharp: dotnet build ({'first build' if not built.exists() else 'sources changed'})")
    # --disable-build-servers: no MSBuild node or compiler server may outlive the harness.
    command = [
        dotnet,
        "build",
        str(RUNNER_PROJECT),
        "-c",
        CONFIGURATION,
        f"-p:TargetFramework={framework}",
        "-nologo",
        "--disable-build-servers",
    ]
    env = {**os.environ, **QUIET}
    result = subprocess.run(command, capture_output=True, text=True, cwd=CSHARP_DIR, env=env, timeout=1800, check=False)
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).splitlines()
        errors = list(dict.fromkeys(line.strip() for line in lines if ": error " in line)) or lines[-6:]
        raise PrepareFailed("dotnet build failed: " + " | ".join(errors[:6]))
    built.touch()  # an up-to-date build that copied nothing still counts as fresh
    return built.parent


class DotnetInProcess(Transport):
    """The runner's ``Handle`` called through pythonnet, CoreCLR hosted in this process.

    A CLR cannot be unloaded or restarted: a call that never returns leaves this transport
    refusing further requests (the subprocess transport is restarted instead).
    """

    language = "csharp"
    name = "pythonnet"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._handle: Any = None
        self._broken: str | None = None

    def start(self) -> None:
        try:
            import pythonnet
        except ImportError:
            raise Unavailable("pythonnet is not installed (it comes with `pip install -e .`)") from None
        config = self.folder / f"{RUNNER_ASSEMBLY}.runtimeconfig.json"
        try:
            pythonnet.load("coreclr", runtime_config=str(config))  # ignored when already loaded
            import clr

            clr.AddReference(str(self.folder / f"{CORE_ASSEMBLY}.dll"))
            namespace, cls = ENTRY_TYPE
            module = __import__(namespace, fromlist=[cls])
            self._handle = getattr(module, cls).Handle
        except Exception as error:  # pythonnet raises plain Exceptions for CLR trouble
            raise PrepareFailed(f"{self.label}: cannot host the C# runner in-process: {error}") from None

    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        if self._broken:
            raise TransportError(self._broken)
        result: list[Any] = []

        def call() -> None:
            try:
                result.append(str(self._handle(json.dumps(payload))))
            except Exception as error:  # a .NET exception arrives as a Python one
                result.append(error)

        worker = threading.Thread(target=call, daemon=True, name="pythonnet-request")
        worker.start()
        worker.join(timeout_s)  # the GIL is released while .NET runs
        if worker.is_alive():
            self._broken = f"the in-process C# runner gave no answer within {timeout_s:.0f} s; it cannot be restarted"
            raise TransportError(self._broken)
        if isinstance(result[0], Exception):
            raise TransportError(f"the in-process C# runner threw: {result[0]}")
        try:
            answer = json.loads(result[0])
        except json.JSONDecodeError:
            raise TransportError(
                f"the in-process C# runner returned something that is not JSON: {result[0][:200]!r}"
            ) from None
        if not isinstance(answer, dict):
            raise TransportError(f"the in-process C# runner returned {result[0][:200]!r}")
        return answer


def dotnet_transports() -> list[Transport]:
    dotnet = find_dotnet()
    framework = target_framework(dotnet)
    folder = build(dotnet, framework)
    subprocess_transport = JsonLinesProcess(
        "csharp", "subprocess", [dotnet, str(folder / f"{RUNNER_ASSEMBLY}.dll")], cwd=CSHARP_DIR, env=QUIET
    )
    return [subprocess_transport, DotnetInProcess(folder)]
