"""JavaScript: find a Node.js, prepare ``javascript/`` (npm ci), and run its runner.

Which Node: ``node`` from PATH when it is new enough (>= 20, the version the reference targets);
else the Node of the ``nodejs-bin`` package (``pip install -e '.[node]'``); else an older
``node`` from PATH. On an older Node, the patterns whose spec APIs it lacks are skipped with the
API and its version -- ``check_api`` in the running Node decides, not a version table.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from contextlib import AbstractContextManager
from pathlib import Path

from ..paths import JAVASCRIPT_DIR
from . import processes
from .base import PrepareFailed, Transport, Unavailable
from .jsonl_process import JsonLinesProcess
from .prepare import STATE_DIR, exclusive, fingerprint, note, read_stamp, write_stamp

MIN_NODE = (20, 0)
RUNNER = JAVASCRIPT_DIR / "runner" / "main.js"
#: V8 collects garbage on the runner's one thread: with its parallel helper threads, the main thread
#: waits, asleep, for a helper that waits for a CPU -- a stretch the loop-lag watch cannot tell from
#: a block (the whole matrix on 2 cores: the references' largest `blocked_ms` 46-49 ms, and 2 runs in
#: 9 over the 50 ms limit; with this flag 12-22 ms and none in 11).
RUNNER_FLAGS = ("--single-threaded-gc",)
INSTALL_HINT = "install Node.js 20 or newer (https://nodejs.org), or: pip install -e '.[node]'"
NPM_TIMEOUT_S = 900


def _version(node: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", out.strip())
    return tuple(int(part) for part in match.groups()) if match else None


def _bundled_node() -> str | None:
    try:
        import nodejs  # the nodejs-bin package
    except ImportError:
        return None
    return str(nodejs.node.path)


def find_node() -> tuple[str, tuple[int, ...]]:
    """The node executable to use and its version; Unavailable when there is none."""
    candidates = [c for c in (shutil.which("node"), _bundled_node()) if c]
    found = [(c, v) for c in candidates if (v := _version(c)) is not None]
    for node, version in found:
        if version[:2] >= MIN_NODE:
            return node, version
    if found:
        return found[0]  # too old: run it, and let check_api skip what it lacks
    raise Unavailable(f"no Node.js found (looked for `node` on PATH and the nodejs-bin package); {INSTALL_HINT}")


def _npm_for(node: str) -> list[str]:
    """The npm that goes with ``node``: beside it, else the nodejs-bin package's, else on PATH."""
    beside = Path(node).with_name("npm")
    if os.access(beside, os.X_OK) and beside.stat().st_size:  # nodejs-bin has an empty placeholder there
        return [str(beside)]
    bundled = _bundled_node()
    cli = Path(node).parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if bundled and Path(bundled) == Path(node) and cli.is_file():
        return [node, str(cli)]
    on_path = shutil.which("npm")
    if on_path:
        return [on_path]
    raise PrepareFailed("no npm found next to node or on PATH to install javascript/'s dependencies")


def install_lock(directory: Path = JAVASCRIPT_DIR) -> AbstractContextManager[int]:
    """Held while the harness installs ``directory``; hold it to use node_modules meanwhile (``npm test``)."""
    return exclusive(directory / STATE_DIR / "npm-ci.lock", f"installing {directory.name}/ (npm ci)")


def prepare(node: str, directory: Path = JAVASCRIPT_DIR) -> None:
    """``npm ci`` unless the last one succeeded from the lockfile as it is now; its error, shortened.

    Safe to interrupt and to start twice: one install at a time (an ``flock``), and node_modules
    is trusted only as our last successful install left it -- an install interrupted or failed
    (ours, or one run by hand) is done again.
    """
    lockfile = directory / "package-lock.json"
    if not lockfile.exists():
        raise PrepareFailed(f"{lockfile} is missing: the JavaScript side cannot be installed reproducibly")
    installed = directory / "node_modules" / ".package-lock.json"  # npm writes it last, on every install
    stamp = directory / STATE_DIR / "npm-ci.done"
    with install_lock(directory) as lock:
        wanted = fingerprint([lockfile])
        recorded_lock, _, recorded_install = (read_stamp(stamp) or "").partition(" ")
        if installed.is_file() and recorded_lock == wanted and recorded_install == fingerprint([installed]):
            return
        if not installed.parent.is_dir():
            why = "node_modules missing"
        elif not installed.is_file():
            why = "node_modules incomplete"
        elif not recorded_lock:
            why = "no record of a finished install"
        elif recorded_lock != wanted:
            why = "package-lock.json changed"
        else:
            why = "node_modules changed since our install"
        note(f"preparing javascript: npm ci ({why})")
        stamp.unlink(missing_ok=True)
        env = {**os.environ, "PATH": f"{Path(node).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        result = processes.run(
            [*_npm_for(node), "ci", "--no-audit", "--no-fund"],
            what=f"npm ci in {directory}",
            cwd=directory,
            env=env,
            timeout_s=NPM_TIMEOUT_S,
            keep=lock,
        )
        if result.returncode != 0:
            tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-6:])
            raise PrepareFailed(f"npm ci failed in {directory}: {tail}")
        if not installed.is_file():
            raise PrepareFailed(f"npm ci in {directory} succeeded but wrote no {installed.relative_to(directory)}")
        write_stamp(stamp, f"{wanted} {fingerprint([installed])}")


def node_transports() -> list[Transport]:
    node, _version_found = find_node()
    if not RUNNER.exists():
        raise PrepareFailed(f"the JavaScript runner {RUNNER} is missing")
    prepare(node)
    argv = [node, *RUNNER_FLAGS, str(RUNNER)]
    return [JsonLinesProcess("javascript", "subprocess", argv, cwd=JAVASCRIPT_DIR, pipelined=True)]
