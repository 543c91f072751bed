"""Preparing a language's side (``npm ci``, ``dotnet build``): one at a time, never trusted half done.

- ``exclusive``: one preparation of a folder at a time, across processes (an ``flock``, held by
  the tool too); a second harness waits, says so, and then finds the work done.
- A *stamp* records that the tool succeeded, with a fingerprint of its inputs: the work is fresh
  when the stamp matches the inputs as they are now. The stamp is removed before the tool runs
  and written only after it succeeded, so a run that was interrupted or failed leaves none.

Locks and stamps live in a git-ignored ``.asyncconf/`` folder inside the prepared folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

STATE_DIR = ".asyncconf"


def note(message: str) -> None:
    """One line to the user about what the harness does on its own (building, installing)."""
    print(f"asyncconf: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def exclusive(lock_file: Path, what: str) -> Iterator[int]:
    """Hold ``lock_file`` exclusively: other processes (and threads) wait here, told why in one line.

    Yields the lock's file descriptor: a tool given it (``processes.run(..., keep=fd)``) holds
    the lock too, until it exits -- so a tool left running by a harness that was killed outright
    still keeps the next harness from building under it.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:  # "a": never truncate what another holder opened
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            note(f"waiting for another asyncconf to finish {what}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle.fileno()
    # Closed, not unlocked: an unlock would also free it for a tool still holding the descriptor.


def fingerprint(files: Iterable[Path], *extra: str) -> str:
    """A digest of the files' names and contents (and ``extra``): equal iff the inputs are."""
    digest = hashlib.sha256()
    for part in extra:
        digest.update(f"{part}\0".encode())
    for path in sorted(files):
        digest.update(f"{path}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_stamp(stamp: Path) -> str | None:
    try:
        return stamp.read_text().strip()
    except FileNotFoundError:
        return None


def write_stamp(stamp: Path, value: str) -> None:
    """Write the stamp whole or not at all (an interrupted write leaves the old state)."""
    stamp.parent.mkdir(parents=True, exist_ok=True)
    partial = stamp.with_name(f"{stamp.name}.{os.getpid()}.tmp")
    partial.write_text(value + "\n")
    os.replace(partial, stamp)
