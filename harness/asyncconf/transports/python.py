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
    block_limit_ms = 250.0  # see request()

    def start(self) -> None:
        from asyncpatterns import runner

        self._handle = runner.handle

    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        request = json.loads(json.dumps(payload))
        if request.get("op", "run") == "run":
            # In the harness's process the loop thread shares the GIL with the harness's own
            # threads (other transports' workers, pythonnet): a wait for the GIL reads as a block
            # of tens of ms that the pattern did not cause (seen in CI at 54 ms). The loop-lag
            # verdict for Python is the subprocess transport's; here only a gross block counts:
            # 250 ms, over four times the worst GIL wait seen (1000 ms cost the matrix 9 s of
            # real blocking in offload-blocking's blocking-wait and retry's blocking-sleep).
            request.setdefault("block_limit_ms", self.block_limit_ms)
        return json.loads(json.dumps(self._handle(request)))  # type: ignore[no-any-return]


def python_subprocess() -> JsonLinesProcess:
    return JsonLinesProcess(
        "python", "subprocess", [sys.executable, "-m", "asyncpatterns.runner"], cwd=ROOT, pipelined=True
    )
