"""The C# xunit suite, run in the background from the start of a pytest session.

``dotnet test`` over csharp/ is the longest single test of the suite (about 30 s of its own on two
cores, more while the rest runs), and most of it is waiting on one process. Started when the
session's items are collected, it runs beside the Python tests, and ``test_dotnet_test_passes``
only collects its result. Its build holds the harness's build lock (it builds the runner's
projects too); its tests run from their own output folder, outside the lock, so the harness can
build its Release runner meanwhile. The process group is killed when the session ends, however it
ends: nothing outlives pytest.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from asyncconf.paths import CSHARP_DIR
from asyncconf.transports import dotnet
from asyncconf.transports.base import Unavailable

#: The test that reads the result; the suite starts only when it is collected.
NODE_ID = "tests/test_csharp.py::test_dotnet_test_passes"


@dataclass
class Outcome:
    returncode: int
    output: str


class BackgroundSuite:
    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[str] | None = None
        self._outcome: Outcome | None = None
        self._stopped = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start ``dotnet build`` then ``dotnet test --no-build`` in a thread (once; no-op without dotnet)."""
        try:
            cli = dotnet.find_dotnet()
        except Unavailable:
            return  # the test itself skips (or fails in CI), saying why
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, args=(cli,), daemon=True, name="dotnet-test")
            self._thread.start()

    def result(self, cli: str, timeout_s: float) -> Outcome:
        """The suite's outcome: the background run's if it was started, else one run now."""
        if self._thread is None:
            self._run(cli)
        else:
            deadline = time.monotonic() + timeout_s
            while self._thread.is_alive() and time.monotonic() < deadline:
                self._thread.join(0.1)  # short steps: a long join does not let Ctrl-C through
            if self._thread.is_alive():
                self.stop()
                self._thread.join(30)
                return Outcome(1, f"dotnet test did not end within {timeout_s:.0f} s")
        assert self._outcome is not None
        return self._outcome

    def stop(self) -> None:
        """Kill the running step's whole process group (dotnet, MSBuild nodes, the test host)."""
        with self._lock:
            self._stopped = True
            if self._process is not None and self._process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)

    def _run(self, cli: str) -> None:
        common = ["-nologo", "--disable-build-servers"]
        with dotnet.build_lock():  # it builds the runner's projects too: not while the harness does
            outcome = self._step([cli, "build", str(CSHARP_DIR), *common])
        if outcome.returncode == 0:
            tested = self._step([cli, "test", str(CSHARP_DIR), "--no-build", *common])
            outcome = Outcome(tested.returncode, outcome.output + tested.output)
        self._outcome = outcome

    def _step(self, command: list[str]) -> Outcome:
        with self._lock:
            if self._stopped:
                return Outcome(1, "stopped before it ran: the session ended")
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # its own group, so that stop() ends every process it started
            )
        output, _ = self._process.communicate()
        return Outcome(self._process.returncode, output)


SUITE = BackgroundSuite()
