"""Python's two transports: the runner called in-process, and ``python -m asyncpatterns.runner``."""

from __future__ import annotations

import json
import sys
from typing import Any

from ..paths import ROOT
from .base import Transport
from .jsonl_process import JsonLinesProcess


class PythonInProcess(Transport):
    """Calls ``asyncpatterns.runner.handle`` directly; requests and answers still go through JSON,
    so the in-process answer is the very one the subprocess would print."""

    language = "python"
    name = "inprocess"

    def start(self) -> None:
        from asyncpatterns import runner

        self._handle = runner.handle

    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        answer = self._handle(json.loads(json.dumps(payload)))
        return json.loads(json.dumps(answer))  # type: ignore[no-any-return]


def python_subprocess() -> JsonLinesProcess:
    return JsonLinesProcess("python", "subprocess", [sys.executable, "-m", "asyncpatterns.runner"], cwd=ROOT)
