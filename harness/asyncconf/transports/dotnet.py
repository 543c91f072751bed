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
import queue
import re
import shutil
import subprocess
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..paths import CSHARP_DIR
from . import processes
from .base import PrepareFailed, Transport, TransportError, Unavailable
from .jsonl_process import JsonLinesProcess
from .prepare import STATE_DIR, exclusive, fingerprint, note, read_stamp, write_stamp

INSTALL_HINT = "install the .NET SDK 8 or newer (https://dot.net)"
CONFIGURATION = "Release"
RUNNER_PROJECT = Path("AsyncPatterns.Runner") / "AsyncPatterns.Runner.csproj"  # in csharp/
RUNNER_ASSEMBLY = "AsyncPatterns.Runner"
CORE_ASSEMBLY = "AsyncPatterns.Runner.Core"
ENTRY_TYPE = ("AsyncConf.Runner", "Protocol")  # namespace, class holding Handle(string)
SOURCE_SUFFIXES = {".cs", ".csproj", ".props", ".targets", ".json", ".slnx"}
QUIET = {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1"}
#: The compiler's words for a reference assembly left empty or cut short by an interrupted build.
BROKEN_OUTPUT = re.compile(r"error CS0009:|error CS0006:")
BUILD_TIMEOUT_S = 1800


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


def output_dir(framework: str, directory: Path = CSHARP_DIR) -> Path:
    return directory / RUNNER_PROJECT.parent / "bin" / CONFIGURATION / framework


def _sources(directory: Path, projects: list[Path]) -> set[Path]:
    """The runner's inputs: every source under csharp/ but build output, the test project and dot
    folders -- and the files its projects include by name from elsewhere (``spec/protocol.json``)."""
    found = set()
    for folder, subfolders, files in os.walk(directory):
        subfolders[:] = [
            name for name in subfolders if name not in {"bin", "obj"} and not name.endswith(".Tests") and name[0] != "."
        ]
        found |= {Path(folder, name).resolve() for name in files if Path(name).suffix in SOURCE_SUFFIXES}
    for project in projects:
        for item in ElementTree.parse(project).iter():
            if include := item.get("Include"):
                path = (project.parent / include.replace("\\", "/")).resolve()
                if path.is_file():
                    found.add(path)
    return found


def _projects(project: Path) -> list[Path]:
    """The project and every project it references, transitively."""
    found = [project.resolve()]
    for current in found:
        for reference in ElementTree.parse(current).iter("ProjectReference"):
            include = reference.get("Include", "").replace("\\", "/")
            referenced = (current.parent / include).resolve()
            if include and referenced not in found:
                found.append(referenced)
    return found


def build_lock(directory: Path = CSHARP_DIR) -> AbstractContextManager[int]:
    """Held while the harness builds ``directory``; hold it to build there yourself (``dotnet test``)."""
    return exclusive(directory / STATE_DIR / "build.lock", f"building {directory.name}/")


def build(dotnet: str, framework: str, directory: Path = CSHARP_DIR) -> Path:
    """``dotnet build`` the runner unless our last build succeeded from the sources as they are now,
    and its output is as that build left it.

    Safe to interrupt and to start twice: one build at a time (``build_lock``); a build that left
    no stamp (interrupted, or not ours) is redone from clean -- ``obj/`` and ``bin/`` of the runner's
    projects removed first -- and so is one that fails on a broken reference assembly.
    """
    project = directory / RUNNER_PROJECT
    if not project.exists():
        raise PrepareFailed(f"the C# runner project {project} is missing")
    folder = output_dir(framework, directory)
    stamp = directory / STATE_DIR / f"build-{CONFIGURATION}-{framework}.done"
    projects = _projects(project)

    def state() -> tuple[str, str, bool, bool]:
        """(the inputs now, the recorded ones, whether the output is there, whether all is current)."""
        inputs = fingerprint(_sources(directory, projects), CONFIGURATION, framework)
        recorded_inputs, _, recorded_output = (read_stamp(stamp) or "").partition(" ")
        built = (folder / f"{CORE_ASSEMBLY}.dll").exists() and (folder / f"{RUNNER_ASSEMBLY}.dll").exists()
        current = built and recorded_inputs == inputs and recorded_output == _output_fingerprint(folder)
        return inputs, recorded_inputs, built, current

    # Current: no need to wait for the lock, which a build of the whole solution (`dotnet test`
    # beside pytest) holds for tens of seconds. The stamp is written last and removed before any
    # build starts, so a stamp matching the inputs and the output is a finished build's.
    if state()[3]:
        return folder
    with build_lock(directory) as lock:
        inputs, recorded_inputs, built, current = state()
        if current:  # built by the holder we waited for
            return folder
        leftovers = [p.parent / name for p in projects for name in ("obj", "bin") if (p.parent / name).exists()]
        if not recorded_inputs:
            why = "no record of a finished build: cleaning obj/ and bin/ first" if leftovers else "first build"
        elif recorded_inputs != inputs:
            why = "sources changed"
        else:
            why = "output changed since our build" if built else "output missing"
        note(f"building csharp: dotnet build ({why})")
        stamp.unlink(missing_ok=True)
        if not recorded_inputs:
            _clean(projects)
        result = _dotnet_build(dotnet, directory, framework, lock)
        if result.returncode != 0 and BROKEN_OUTPUT.search(result.stdout + result.stderr):
            note("building csharp: a reference assembly was broken: cleaning obj/ and bin/, building again")
            _clean(projects)
            result = _dotnet_build(dotnet, directory, framework, lock)
        if result.returncode != 0:
            lines = (result.stdout + result.stderr).splitlines()
            errors = list(dict.fromkeys(line.strip() for line in lines if ": error " in line)) or lines[-6:]
            raise PrepareFailed("dotnet build failed: " + " | ".join(errors[:6]))
        write_stamp(stamp, f"{inputs} {_output_fingerprint(folder)}")
    return folder


def _output_fingerprint(folder: Path) -> str:
    """The runner's output as it is (a build by hand may have changed it, or left it half written)."""
    return fingerprint(path for path in folder.iterdir() if path.is_file()) if folder.is_dir() else ""


def _clean(projects: list[Path]) -> None:
    for project in projects:
        for name in ("obj", "bin"):
            shutil.rmtree(project.parent / name, ignore_errors=True)


def _dotnet_build(dotnet: str, directory: Path, framework: str, lock: int) -> subprocess.CompletedProcess[str]:
    # --disable-build-servers: no MSBuild node or compiler server may outlive the harness.
    command = [
        dotnet,
        "build",
        str(directory / RUNNER_PROJECT),
        "-c",
        CONFIGURATION,
        f"-p:TargetFramework={framework}",
        "-nologo",
        "--disable-build-servers",
    ]
    env = {**os.environ, **QUIET}
    return processes.run(command, what="dotnet build", cwd=directory, env=env, timeout_s=BUILD_TIMEOUT_S, keep=lock)


class DotnetInProcess(Transport):
    """The runner's ``Handle`` called through pythonnet, CoreCLR hosted in this process.

    Requests are served, one at a time, by one long-lived thread, so that the harness can give
    up on a call that does not return; a batch is handed to it at once, and it runs the requests
    back to back (about a tenth less of the harness's CPU per fuzz example than one at a time).
    A CLR cannot be unloaded or restarted: a call that never returns leaves this transport
    refusing further requests (the subprocess transport is restarted instead).
    """

    language = "csharp"
    name = "pythonnet"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._handle: Any = None
        self._broken: str | None = None
        #: requests for the worker thread (None: stop), and its answers, one per request
        self._calls: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._answers: queue.SimpleQueue[str | Exception] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

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
        self._send([payload])
        return self._answer(timeout_s)

    def request_batch(
        self, payloads: Sequence[dict[str, Any]], *, timeouts_s: Sequence[float]
    ) -> list[dict[str, Any] | TransportError]:
        """The whole batch goes to the worker thread at once, which runs it back to back."""
        self._send(payloads)
        results: list[dict[str, Any] | TransportError] = []
        for timeout_s in timeouts_s:
            try:
                results.append(self._answer(timeout_s))
            except TransportError as error:
                results.append(error)
        return results

    def _send(self, payloads: Sequence[dict[str, Any]]) -> None:
        if self._broken:
            return  # _answer says why
        if self._worker is None:
            self._worker = threading.Thread(target=self._serve, daemon=True, name="pythonnet-requests")
            self._worker.start()
        for payload in payloads:
            self._calls.put(json.dumps(payload))

    def _answer(self, timeout_s: float) -> dict[str, Any]:
        """The next answer of the worker thread, in the order the requests were sent."""
        if self._broken:
            raise TransportError(self._broken)
        try:
            result = self._answers.get(timeout=timeout_s)  # the GIL is released while .NET runs
        except queue.Empty:
            self._broken = f"the in-process C# runner gave no answer within {timeout_s:.0f} s; it cannot be restarted"
            raise TransportError(self._broken) from None
        if isinstance(result, Exception):
            raise TransportError(f"the in-process C# runner threw: {result}")
        try:
            answer = json.loads(result)
        except json.JSONDecodeError:
            raise TransportError(
                f"the in-process C# runner returned something that is not JSON: {result[:200]!r}"
            ) from None
        if not isinstance(answer, dict):
            raise TransportError(f"the in-process C# runner returned {result[:200]!r}")
        return answer

    def _serve(self) -> None:
        """The one thread that calls into .NET, for every request (a thread per request costs ~0.1 ms)."""
        while (request := self._calls.get()) is not None:
            try:
                self._answers.put(str(self._handle(request)))
            except Exception as error:  # a .NET exception arrives as a Python one
                self._answers.put(error)

    def close(self) -> None:
        if self._worker is not None:
            self._calls.put(None)  # a worker stuck in a call that never returns stays stuck (a daemon)
            self._worker = None


def dotnet_transports() -> list[Transport]:
    dotnet = find_dotnet()
    framework = target_framework(dotnet)
    folder = build(dotnet, framework)
    subprocess_transport = JsonLinesProcess(
        "csharp",
        "subprocess",
        [dotnet, str(folder / f"{RUNNER_ASSEMBLY}.dll")],
        cwd=CSHARP_DIR,
        env=QUIET,
        pipelined=True,
    )
    return [subprocess_transport, DotnetInProcess(folder)]
