"""The Python runner's answer to a request, in pytest's own process: the one helper the tests that
call it directly share."""

from __future__ import annotations

from typing import Any

from asyncconf.testing import _confirmed
from asyncpatterns.runner import handle


def ask(request: dict[str, Any]) -> dict[str, Any]:
    """The answer, asked again while it read a block in real time, by the rule of `asyncconf.testing`
    (and of `asyncconf run`): in pytest's loaded process a run can read tens of ms spent waiting for
    the GIL or a CPU (63 ms seen in CI); a block the code causes repeats."""
    return _confirmed(lambda: handle(request))[0]
