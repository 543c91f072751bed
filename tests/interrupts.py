"""Start a process that Ctrl-C reaches, whatever the test session was started from.

A shell without job control (a CI script, `cmd &`) starts its background commands with SIGINT
ignored, and an ignored signal stays ignored through fork and exec: a harness started by such a
session would never see the SIGINT a test sends, and Python installs its KeyboardInterrupt handler
only where SIGINT was not ignored at start. Seen in ci-local as a Ctrl-C test that timed out.
"""

from __future__ import annotations

import sys

# Sets SIGINT back to its default, then becomes the command (the default survives exec).
_RESET_THEN_EXEC = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


def ctrl_c_reaches(argv: list[str]) -> list[str]:
    """``argv``, run so that SIGINT does what Ctrl-C at a terminal does (the command is an absolute path)."""
    return [sys.executable, "-c", _RESET_THEN_EXEC, *argv]
