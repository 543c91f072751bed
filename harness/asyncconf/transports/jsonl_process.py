"""A runner as a long-lived subprocess speaking JSON Lines (spec/PROTOCOL.md section 1).

A runner that hangs, dies or prints a line that is not JSON costs that one request an error; it
is then killed and started again for the next. Runners live in their own process group, killed
whole on close and at exit, so no child outlives the harness. Closing stdin is also a runner's
signal to exit, should the harness itself die.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import processes
from .base import PrepareFailed, Transport, TransportError


class JsonLinesProcess(Transport):
    def __init__(self, language: str, name: str, argv: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None):
        self.language = language
        self.name = name
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=20)
        self.restarts = 0

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        self._launch()

    def _launch(self) -> None:
        try:
            process: subprocess.Popen[str] = processes.spawn(
                self.argv,
                cwd=self.cwd,
                env=None if self.env is None else {**os.environ, **self.env},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        except OSError as error:
            raise PrepareFailed(f"{self.label}: cannot start {self.argv[0]}: {error.strerror}") from None
        self._process = process
        self._lines = queue.Queue()
        self._stderr = deque(maxlen=20)  # this launch's words only: a restart starts a clean slate
        lines, said = self._lines, self._stderr
        assert process.stdout is not None and process.stderr is not None
        stdout, stderr = process.stdout, process.stderr

        def pump_stdout() -> None:
            for line in stdout:
                lines.put(line)
            lines.put(None)

        def pump_stderr() -> None:
            for line in stderr:
                said.append(line.rstrip())

        threading.Thread(target=pump_stdout, daemon=True, name=f"{self.label}-stdout").start()
        self._stderr_pump = threading.Thread(target=pump_stderr, daemon=True, name=f"{self.label}-stderr")
        self._stderr_pump.start()

    def close(self) -> None:
        if self._process is not None:
            if self._process.stdin:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()
            processes.kill(self._process)
            self._process = None

    def _restart(self) -> None:
        self.close()
        self.restarts += 1
        self._launch()

    def stderr_tail(self, lines: int = 5) -> str:
        return " | ".join(list(self._stderr)[-lines:])

    # -- requests ------------------------------------------------------------------------------------
    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        if self._process is None or self._process.poll() is not None:
            self._restart()
        process = self._process
        assert process is not None and process.stdin is not None
        try:
            process.stdin.write(json.dumps(payload) + "\n")
            process.stdin.flush()
        except OSError:
            pass  # it died; reading below reports how
        try:
            line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            self._restart()
            raise TransportError(
                f"the {self.label} runner gave no answer within {timeout_s:.0f} s (restarted)"
            ) from None
        if line is None:
            code = process.wait()
            self._stderr_pump.join(timeout=5)  # its last words explain the exit
            tail = self.stderr_tail()
            self._restart()
            raise TransportError(f"the {self.label} runner exited with code {code}" + (f": {tail}" if tail else ""))
        try:
            answer = json.loads(line)
        except json.JSONDecodeError:
            self._restart()
            raise TransportError(
                f"the {self.label} runner printed a line that is not JSON: {line.strip()[:200]!r}"
            ) from None
        if not isinstance(answer, dict) or answer.get("id") != payload.get("id"):
            self._restart()
            raise TransportError(f"the {self.label} runner answered out of turn: {line.strip()[:200]!r}")
        return answer
