"""The Python runner never gives a wrong time for work on a thread it cannot see (PROTOCOL.md section 5, rule 4).

The virtual loop waits for work handed over with ``loop.run_in_executor`` (``asyncio.to_thread`` too),
and for nothing else: a thread the implementation starts itself -- anyio's ``to_thread`` workers, a
``threading.Thread`` -- runs while the clock jumps ahead. Such a run is answered ``unsupported``. Found
checking anyio's ``to_thread.run_sync`` as an offload-blocking candidate: a 2 s block ended at 13,800 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
import pytest

from asyncpatterns.runner import protocol
from asyncpatterns.runner.candidates import registered

Operation = Callable[[], Awaitable[Any]]


def run(implementation: Callable[[Operation, float], Awaitable[Any]], clock: str = "virtual") -> dict[str, Any]:
    request = {
        "id": 1,
        "op": "run",
        "pattern": "timeout",
        "impl": "mine",
        "clock": clock,
        "params": {"timeout_ms": 1000},
        "plan": {"op": [{"after_ms": 10, "ok": "v"}]},
        "cancel_at_ms": None,
        # Not about blocks: on a loaded machine `Thread.start()`, which waits for the new thread to
        # run, read as an 86 ms block, and the run stopped before the thread was seen (ci-local).
        "block_limit_ms": 10**6,
    }
    with registered("timeout", "mine", implementation):
        return protocol.handle(request)


def blocking_work() -> str:
    time.sleep(0.05)
    return "done"


async def on_a_thread_of_its_own(operation: Operation, limit: float) -> Any:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()

    def work() -> None:
        value = blocking_work()
        with contextlib.suppress(RuntimeError):  # the virtual run did not wait: its loop may be closed
            loop.call_soon_threadsafe(done.set_result, value)

    threading.Thread(target=work).start()
    await done
    return await operation()


async def on_anyios_worker_thread(operation: Operation, limit: float) -> Any:
    await anyio.to_thread.run_sync(blocking_work)
    return await operation()


async def handed_over_to_the_loops_executor(operation: Operation, limit: float) -> Any:
    await asyncio.to_thread(blocking_work)
    return await operation()


@pytest.mark.parametrize("implementation", [on_a_thread_of_its_own, on_anyios_worker_thread])
def test_a_thread_the_virtual_loop_cannot_see_is_unsupported_never_a_wrong_time(
    implementation: Callable[[Operation, float], Awaitable[Any]],
) -> None:
    answer = run(implementation)
    assert answer.get("error", {}).get("kind") == "unsupported", answer
    assert "started a thread of its own" in answer["error"]["message"]
    assert "clock: real" in answer["error"]["message"]


def test_the_thread_is_named_in_the_answer() -> None:
    message = run(on_a_thread_of_its_own)["error"]["message"]
    assert "Thread 'Thread-" in message and "on_a_thread_of_its_own.<locals>.work" in message


def test_work_handed_to_the_loops_executor_is_waited_for_on_virtual_time() -> None:
    answer = run(handed_over_to_the_loops_executor)
    assert "error" not in answer, answer
    assert answer["outcome"] == {"ok": "v"} and answer["elapsed_ms"] == 10  # the block took no virtual time


def test_on_the_real_clock_a_thread_of_its_own_is_fine() -> None:
    answer = run(on_a_thread_of_its_own, clock="real")
    assert "error" not in answer, answer
    assert answer["outcome"] == {"ok": "v"} and answer["elapsed_ms"] >= 50


def test_threading_is_restored_after_the_run() -> None:
    start = threading.Thread.start
    run(on_a_thread_of_its_own)
    assert threading.Thread.start is start
