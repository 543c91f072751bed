"""Child processes that never outlive the harness.

Every child -- a runner, ``npm ci``, ``dotnet build`` -- starts in a process group of its own (a
new session), so that it and whatever it starts are killed together: when the harness is done
with it (``kill``), when the harness is interrupted while waiting for it (``run``), and at exit
(``kill_all``). Its own group also keeps a terminal's Ctrl-C from reaching it half-way: the
harness decides how it ends.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import PrepareFailed

_LIVE: set[subprocess.Popen[Any]] = set()


def spawn(argv: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(argv, **popen)`` in a new process group, killed at exit if still alive."""
    process: subprocess.Popen[Any] = subprocess.Popen(argv, start_new_session=True, **popen)
    _LIVE.add(process)
    return process


def kill(process: subprocess.Popen[Any]) -> None:
    """Kill the process and its group (when it is still running), and reap it. Safe to call twice."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    _LIVE.discard(process)


@atexit.register
def kill_all() -> None:
    """Kill every child still running (at exit, or when the harness is interrupted)."""
    for process in list(_LIVE):
        kill(process)


def exit_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into ``KeyboardInterrupt`` (call it from the main thread of a program).

    By default they end Python at once, skipping ``finally`` and ``atexit``: the children, in
    groups of their own, would live on. As ``KeyboardInterrupt`` they end the program as Ctrl-C
    does -- the CLI's INTERRUPTED and exit 130. Not ``SystemExit``: that is also what an
    implementation under test raises when it calls ``sys.exit()``, a crash to judge, and the
    Python runner cannot tell the two apart (it took such an implementation for an interrupt, and
    `asyncconf check` ended with exit 0 and no verdict).
    """

    def leave(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, leave)


def run(
    argv: Sequence[str], *, what: str, cwd: Path, env: dict[str, str], timeout_s: float, keep: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a tool to its end, its output captured; killed with its group if the harness is interrupted.

    A tool still running after ``timeout_s`` is killed and reported as ``PrepareFailed``. ``keep``:
    a file descriptor the tool inherits (a lock it holds as long as it runs).
    """
    with spawn(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=() if keep is None else (keep,),
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill(process)
            raise PrepareFailed(f"{what} did not finish within {timeout_s:.0f} s (killed)") from None
        except BaseException:  # Ctrl-C, SystemExit: the tool must not go on without us
            kill(process)
            raise
        finally:
            _LIVE.discard(process)
    return subprocess.CompletedProcess(list(argv), process.returncode, stdout, stderr)
