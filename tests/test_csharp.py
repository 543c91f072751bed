"""The C# side: its xunit suite passes; a machine without dotnet skips it, saying how to install;
one transport that cannot start leaves the other running. (How the harness builds it: test_build_safety.py.)"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from asyncconf.pytest_plugin import skip_or_fail
from asyncconf.transports import dotnet
from asyncconf.transports.base import TransportError, Unavailable
from background_suites import BACKGROUND


@pytest.fixture(scope="module")
def dotnet_cli() -> str:
    try:
        return dotnet.find_dotnet()
    except Unavailable as error:
        skip_or_fail("csharp", str(error))
        raise


def test_dotnet_test_passes(dotnet_cli: str) -> None:
    # Started in the background when the session was collected (tests/background_suites.py); here its result.
    result = BACKGROUND.result("tests/test_csharp.py::test_dotnet_test_passes", timeout_s=1800)
    marks = (" error ", "[FAIL]", "Failed ")
    problems = [line for line in result.output.splitlines() if any(mark in line for mark in marks)]
    assert result.returncode == 0, "\n".join(problems[:40]) + "\n...\n" + result.output[-3000:]


def test_no_dotnet_is_a_skip_that_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from asyncconf.languages import open_language

    monkeypatch.setattr(dotnet.shutil, "which", lambda name: None)
    session = open_language("csharp", [])
    assert session.skip_reason == "no `dotnet` on PATH; install the .NET SDK 8 or newer (https://dot.net)"
    assert session.error is None


def test_a_transport_that_cannot_start_does_not_take_the_other_down(
    dotnet_cli: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asyncconf.engine import Engine
    from asyncconf.spec import load_spec

    def no_pythonnet(self: dotnet.DotnetInProcess) -> None:
        raise Unavailable("pythonnet is not installed")

    monkeypatch.setattr(dotnet.DotnetInProcess, "start", no_pythonnet)
    patterns = load_spec()
    with Engine(patterns, ["csharp"]) as engine:
        runs = engine.run_scenario(patterns[0].scenarios[0], "csharp")
    assert sorted((run.transport, run.status) for run in runs) == [("pythonnet", "skip"), ("subprocess", "pass")]
    assert next(run for run in runs if run.transport == "pythonnet").reason == "pythonnet is not installed"


def test_the_in_process_transport_answers_reports_a_throw_and_gives_up_on_a_hang_for_good() -> None:
    """Its request logic, with a Python stand-in for the CLR's Handle (no pythonnet needed)."""
    release = threading.Event()

    def handle(request: str) -> str:
        payload = json.loads(request)
        if payload["op"] == "throw":
            raise RuntimeError("System.InvalidOperationException: no")
        if payload["op"] == "hang":
            release.wait()
        return json.dumps({"id": payload["id"], "ok": True})

    transport = dotnet.DotnetInProcess(Path("unused"))
    transport._handle = handle
    try:
        batch = [{"id": 10, "op": "run"}, {"id": 11, "op": "throw"}, {"id": 12, "op": "run"}]
        answered = transport.request_batch(batch, timeouts_s=[30] * 3)  # in order, a throw costing its own
        assert [a if isinstance(a, dict) else type(a) for a in answered] == [
            {"id": 10, "ok": True},
            TransportError,
            {"id": 12, "ok": True},
        ]
        assert transport.request({"id": 1, "op": "run"}, timeout_s=30) == {"id": 1, "ok": True}
        threw = "the in-process C# runner threw: System.InvalidOperationException: no"
        with pytest.raises(TransportError, match=re.escape(threw)):
            transport.request({"id": 2, "op": "throw"}, timeout_s=30)
        assert transport.request({"id": 3, "op": "run"}, timeout_s=30) == {"id": 3, "ok": True}
        hung = "the in-process C# runner gave no answer within 0 s; it cannot be restarted"
        with pytest.raises(TransportError, match=re.escape(hung)):
            transport.request({"id": 4, "op": "hang"}, timeout_s=0.2)
        with pytest.raises(TransportError, match=re.escape(hung)):  # refused at once: the call may never return
            transport.request({"id": 5, "op": "run"}, timeout_s=30)
        refused = transport.request_batch([{"id": 6, "op": "run"}], timeouts_s=[30])
        assert [str(error) for error in refused] == [hung]
    finally:
        release.set()
        transport.close()


def test_the_runner_is_hosted_with_its_runtime_settings(dotnet_cli: str) -> None:
    """Both transports host the runner with the runtimeconfig.json its project writes (pythonnet too): optimized code
    from the first call, and idle thread-pool workers that block instead of spinning -- each cut a run's CPU by a
    third or more (AsyncPatterns.Runner.csproj says how each was measured)."""
    folder = dotnet.build(dotnet_cli, dotnet.target_framework(dotnet_cli))
    config = json.loads((folder / "AsyncPatterns.Runner.runtimeconfig.json").read_text())
    properties = config["runtimeOptions"]["configProperties"]
    assert properties["System.Runtime.TieredCompilation"] is False
    assert properties["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"] == 0
