"""A runner as a long-lived subprocess speaking JSON Lines (spec/PROTOCOL.md section 1).

A runner that hangs, dies or prints a line that is not JSON costs that one request an error; it
is then killed and started again for the next. Runners live in their own process group, killed
whole on close and at exit, so no child outlives the harness. Closing stdin is also a runner's
signal to exit, should the harness itself die.

Our own runners are ``pipelined``: a batch of requests goes to them in one write, and they read
the next while they answer one (each reads its stdin one line at a time, runs it, answers; the
protocol's "runs are sequential"). That costs each runner less per run than a request at a time
-- no wake-up per request -- about a fifth of its CPU on the Node and Python runners (the
fuzzer's batches). A runner of the user's own gets one request at a time: the protocol does not
ask it to read ahead.
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

#: The most a pipelined batch writes at once: well under a pipe's 64 KiB (Linux), so that the
#: write returns at once even when the runner is stuck on the batch's first request.
PIPELINE_BYTES = 32 * 1024


class JsonLinesProcess(Transport):
    def __init__(
        self,
        language: str,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: dict[str, str] | None = None,
        pipelined: bool = False,
    ):
        self.language = language
        self.pipelined = pipelined
        self.name = name
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=20)
        self.restarts = 0
        # Closed, it starts no runner again: a request still waiting in another thread when the
        # harness closes sees its runner end, and must not start a new one that outlives the
        # harness (one did: a Node runner spun at 100% CPU for 16 min after a SIGTERM).
        self._closed = False
        self._lifecycle = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        with self._lifecycle:
            self._closed = False
        self._launch()

    def _launch(self) -> None:
        with self._lifecycle:
            if self._closed:
                raise TransportError(f"the {self.label} transport is closed: no runner is started again")
            self._spawn()

    def _spawn(self) -> None:
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
        with self._lifecycle:
            self._closed = True
            self._stop()

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.stdin:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()
            processes.kill(self._process)
            self._process = None

    def _restart(self) -> None:
        with self._lifecycle:
            self._stop()
        self.restarts += 1
        self._launch()

    def stderr_tail(self, lines: int = 5) -> str:
        return " | ".join(list(self._stderr)[-lines:])

    # -- requests ------------------------------------------------------------------------------------
    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        process = self._running()
        self._send(process, [json.dumps(payload)])
        return self._answer(process, payload, timeout_s)

    def request_batch(
        self, payloads: Sequence[dict[str, Any]], *, timeouts_s: Sequence[float]
    ) -> list[dict[str, Any] | TransportError]:
        """Pipelined when ``pipelined``: the requests go in one write, up to ``PIPELINE_BYTES``
        at a time (less than the pipe holds, so the write never waits on a runner that hangs),
        and the answers are read in order. A request that gets no answer restarts the runner as
        ``request`` does; those written after it went to the old process and are sent again."""
        if not self.pipelined:
            return super().request_batch(payloads, timeouts_s=timeouts_s)
        results: list[dict[str, Any] | TransportError] = []
        pairs = zip(payloads, timeouts_s, strict=True)
        waiting = [(payload, json.dumps(payload), timeout_s) for payload, timeout_s in pairs]
        while waiting:
            size, count = len(waiting[0][1]), 1  # characters are bytes: json.dumps writes ASCII
            while count < len(waiting) and size + len(waiting[count][1]) < PIPELINE_BYTES:
                size += len(waiting[count][1])
                count += 1
            chunk, waiting = waiting[:count], waiting[count:]
            process = self._running()
            self._send(process, [line for _, line, _ in chunk])
            for index, (payload, _, timeout_s) in enumerate(chunk):
                try:
                    results.append(self._answer(process, payload, timeout_s))
                except TransportError as error:
                    results.append(error)
                    waiting = chunk[index + 1 :] + waiting
                    break
        return results

    def _running(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._restart()
        assert self._process is not None and self._process.stdin is not None
        return self._process

    def _send(self, process: subprocess.Popen[str], lines: list[str]) -> None:
        assert process.stdin is not None
        try:
            process.stdin.write("".join(line + "\n" for line in lines))
            process.stdin.flush()
        except OSError:
            pass  # it died; reading the answer reports how

    def _answer(self, process: subprocess.Popen[str], payload: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """The answer to ``payload``, the next line ``process`` prints; TransportError (and a
        restart) when there is none: no line in time, an exit, a line that is not JSON, another id."""
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
        # Same type too: JSON's true is Python's 1, and no answer to request 1.
        if not (isinstance(answer, dict) and _same_id(answer.get("id"), payload.get("id"))):
            self._restart()
            raise TransportError(f"the {self.label} runner answered out of turn: {line.strip()[:200]!r}")
        return answer


def _same_id(answered: Any, asked: Any) -> bool:
    return type(answered) is type(asked) and bool(answered == asked)
