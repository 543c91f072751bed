"""The other languages' own test suites, run one after another in the background of a pytest session.

``dotnet test`` over csharp/, ``npm test`` and ``npm run typecheck`` in javascript/ are the longest
tests of the session (about 30, 25 and 10 s of their own on two cores, much more while the rest
runs), and each is one process the Python tests wait on. Started when the session's items are
collected -- those selected, in the order below -- they run one at a time beside the Python tests,
and each test only collects its suite's result (waiting for it if it has not ended).

Locks: the harness's Release runner is built first (what the C# tests wait for); the solution's
build then holds the harness's build lock (it builds the runner's projects too) while the tests
go on (a current runner needs no lock), and its tests run from their own output folder outside it;
node_modules is installed (or found current) under the install lock first, and the
scripts then run outside it -- the harness installs again only when package-lock.json changes,
which no test does to the real tree. The running step's process group is killed when the session
ends, however it ends: nothing outlives pytest.

Under pytest-xdist the suites run once, in the controller (started when the first worker has
collected), and each outcome is written to a folder the workers read (``publish`` / ``follow``):
run in every worker that collected them, they would run once per worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asyncconf.paths import CSHARP_DIR, JAVASCRIPT_DIR
from asyncconf.transports import dotnet, node
from asyncconf.transports.base import PrepareFailed, Unavailable


@dataclass
class Outcome:
    returncode: int
    output: str


@dataclass
class Step:
    command: list[str]
    cwd: Path | None = None
    locked: Callable[[], contextlib.AbstractContextManager[object]] | None = None


@dataclass
class Suite:
    """One test's suite: ``plan`` gives its steps (it may prepare, or raise Unavailable / PrepareFailed)."""

    node_id: str
    plan: Callable[[], list[Step]]
    outcome: Outcome | None = None
    refused: Unavailable | PrepareFailed | None = None  # what its plan raised instead of giving steps
    done: threading.Event = field(default_factory=threading.Event)


def _dotnet_plan() -> list[Step]:
    cli = dotnet.find_dotnet()
    # The harness's runner first: the tests' C# runs need it, and wait for the lock while a build
    # holds it; the whole solution's build then goes on beside them.
    dotnet.build(cli, dotnet.target_framework(cli))
    # In the harness's configuration: the solution's build then finds the runner's three projects
    # built and compiles the tests' project only (one compiler run of four, 4-5 s of CPU less).
    common = ["-c", dotnet.CONFIGURATION, "-nologo", "--disable-build-servers"]
    return [
        Step([cli, "build", str(CSHARP_DIR), *common], locked=dotnet.build_lock),
        Step([cli, "test", str(CSHARP_DIR), "--no-build", *common]),
    ]


def _npm_plan(script: str) -> Callable[[], list[Step]]:
    def plan() -> list[Step]:
        path, version = node.find_node()
        if version[:2] < node.MIN_NODE:
            raise Unavailable(f"the Node found is {version}, older than {node.MIN_NODE}")
        node.prepare(path)  # npm ci, under the install lock, unless node_modules is current
        return [Step([*node._npm_for(path), "run", script], cwd=JAVASCRIPT_DIR)]

    return plan


SUITES = [
    Suite("tests/test_csharp.py::test_dotnet_test_passes", _dotnet_plan),
    Suite("tests/test_javascript.py::test_npm_script_passes[test]", _npm_plan("test")),
    Suite("tests/test_javascript.py::test_npm_script_passes[typecheck]", _npm_plan("typecheck")),
]


class BackgroundSuites:
    def __init__(self, suites: list[Suite]) -> None:
        self._suites = {suite.node_id: suite for suite in suites}
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[str] | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._published: Path | None = None  # the xdist controller's: where each outcome is written
        self._followed: Path | None = None  # an xdist worker's: where it reads the controller's outcomes

    def files(self) -> set[str]:
        """The test files whose tests take a suite's result."""
        return {node_id.split("::", 1)[0] for node_id in self._suites}

    def publish(self) -> Path:
        """The folder this (controller) process writes each suite's outcome to, made on first call."""
        if self._published is None:
            self._published = Path(tempfile.mkdtemp(prefix="asyncconf-suites-"))
        return self._published

    def follow(self, folder: Path) -> None:
        """Take the suites' outcomes from the controller's ``folder`` instead of running them here."""
        self._followed = folder

    def start(self, node_ids: set[str]) -> None:
        """Start the suites of the collected tests among ``node_ids``, one after another, in a thread."""
        if self._followed is not None:
            return  # the controller runs them
        selected = [suite for node_id, suite in self._suites.items() if node_id in node_ids]
        if self._published is not None and self._thread is None:
            # Written before any test is handed out: a worker then knows which outcomes will come.
            (self._published / "planned.json").write_text(json.dumps([suite.node_id for suite in selected]))
        if selected and self._thread is None:
            self._thread = threading.Thread(target=self._run_all, args=(selected,), daemon=True, name="suites")
            self._thread.start()

    def result(self, node_id: str, timeout_s: float) -> Outcome:
        """The suite's outcome: the background run's if it was started, else one run now.

        Raises Unavailable or PrepareFailed as its plan did (the caller skips or fails, saying why).
        """
        suite = self._suites[node_id]
        if self._followed is not None and self._planned_by_controller(node_id):
            return self._outcome_from_controller(suite, timeout_s)
        if self._thread is None:
            self._run(suite)
        deadline = time.monotonic() + timeout_s
        while not suite.done.wait(0.1):  # short waits: a long one does not let Ctrl-C through
            if time.monotonic() > deadline:
                self.stop()
                return Outcome(1, f"{node_id}: its suite did not end within {timeout_s:.0f} s")
        if suite.refused is not None:
            raise suite.refused
        assert suite.outcome is not None
        return suite.outcome

    def _planned_by_controller(self, node_id: str) -> bool:
        assert self._followed is not None
        planned = self._followed / "planned.json"
        return planned.exists() and node_id in json.loads(planned.read_text())

    def _outcome_from_controller(self, suite: Suite, timeout_s: float) -> Outcome:
        assert self._followed is not None
        written = self._followed / _file_name(suite.node_id)
        deadline = time.monotonic() + timeout_s
        while not written.exists():
            if time.monotonic() > deadline:  # the controller kills it when the session ends
                return Outcome(1, f"{suite.node_id}: its suite did not end within {timeout_s:.0f} s")
            time.sleep(0.1)
        record = json.loads(written.read_text())
        if "refused" in record:
            raise _REFUSALS[record["refused"]](record["message"])
        return Outcome(record["returncode"], record["output"])

    def stop(self) -> None:
        """Kill the running step's whole process group (dotnet and its MSBuild nodes and test host, npm and node)."""
        with self._lock:
            self._stopped = True
            if self._process is not None and self._process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
        if self._published is not None:
            shutil.rmtree(self._published, ignore_errors=True)

    def _run_all(self, suites: list[Suite]) -> None:
        for suite in suites:
            self._run(suite)

    def _run(self, suite: Suite) -> None:
        try:
            try:
                steps = suite.plan()
            except (Unavailable, PrepareFailed) as error:
                suite.refused = error
                return
            # A suite that ran nothing has passed nothing.
            returncode, output = (0, "") if steps else (1, f"{suite.node_id}: its plan gave no step to run")
            for step in steps:
                with step.locked() if step.locked else contextlib.nullcontext():
                    outcome = self._step(step)
                returncode, output = outcome.returncode, output + outcome.output
                if returncode != 0:
                    break
            suite.outcome = Outcome(returncode, output)
        except Exception as error:  # a fault of this module is the test's failure, never a hang
            suite.outcome = Outcome(1, f"{type(error).__name__}: {error}")
        finally:
            self._write(suite)
            suite.done.set()

    def _write(self, suite: Suite) -> None:
        """The outcome to the workers, if this is an xdist controller (written whole, then renamed)."""
        if self._published is None:
            return
        if suite.refused is not None:
            record: dict[str, object] = {"refused": type(suite.refused).__name__, "message": str(suite.refused)}
        else:
            outcome = suite.outcome or Outcome(1, f"{suite.node_id}: its suite gave no outcome")
            record = {"returncode": outcome.returncode, "output": outcome.output}
        with contextlib.suppress(OSError):  # the folder is gone: the session has ended
            partial = self._published / (_file_name(suite.node_id) + ".partial")
            partial.write_text(json.dumps(record))
            partial.replace(self._published / _file_name(suite.node_id))

    def _step(self, step: Step) -> Outcome:
        with self._lock:
            if self._stopped:
                return Outcome(1, "stopped before it ran: the session ended")
            self._process = subprocess.Popen(
                step.command,
                cwd=step.cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # its own group, so that stop() ends every process it started
            )
        output, _ = self._process.communicate()
        return Outcome(self._process.returncode, output)


_REFUSALS: dict[str, type[Unavailable | PrepareFailed]] = {"Unavailable": Unavailable, "PrepareFailed": PrepareFailed}


def _file_name(node_id: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in node_id) + ".json"


BACKGROUND = BackgroundSuites(SUITES)
