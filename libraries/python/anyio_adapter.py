"""anyio (asyncio backend) as the spec's task-group (``create_task_group``), timeout
(``move_on_after``), backpressure (``create_memory_object_stream``) and async-lock (``Lock``).

backpressure: a memory object stream of ``max_buffer_size=capacity``; the producer sends each item
of the source and closes its end; ``workers`` consumers, each on a clone of the receiving end,
iterate it until it is closed and drained; all in one task group. anyio starts the consumers up
front (a task each), so the largest ``workers`` is n/a.

task-group: each item a child started with ``start_soon``; the results, in input order, collected
into a list the children fill in. anyio groups failures in an ``ExceptionGroup``, as the spec does.

timeout: ``with move_on_after(limit):`` -- leaving the block when the limit expires is the
spec's "no result" (None); a ``TimeoutError`` of the operation's own is not caught.

async-lock: one ``anyio.Lock()`` guarding the counter (the pattern's shared state, as the
reference's ``GuardedCounter``); each invocation reads, awaits its operation and writes the value
read plus 1 inside ``async with lock:``. A caller's cancellation is asyncio's (the runner cancels
the caller's task), not an anyio cancel scope: the re-cancelling below does not arise, and the
lock's scenarios with ``cancel_ms`` run.

Not adapted: offload-blocking (``anyio.to_thread.run_sync`` with a ``CapacityLimiter``). anyio runs
the work on worker threads of its own, not through ``loop.run_in_executor``, which is all the
virtual loop counts as work it cannot see: the clock moved on while those threads started and
returned (a 2 s block ended at 13.8 s), wrong times rather than ``unsupported`` -- a gap of the
harness (PROTOCOL.md section 5, rule 4), not the library's result. The runner now answers such a
run ``unsupported`` (it watches the threads a pattern starts), so it still cannot be checked on
virtual time.

anyio's timers use the loop's clock: it runs on the virtual loop.

Cancellation differs from plain asyncio: anyio's is level-triggered. While a task stays in a
cancelled scope, anyio cancels it again at every turn of the loop (``call_soon``). The runner's
operation, once stopping, takes its ``cancel_ms`` whatever further cancellations come (a call is
cancelled once, spec/PROTOCOL.md section 3), so anyio re-cancels it in a busy loop until it has
stopped: on a real clock that costs the CPU for the stop's length and the times are right
(measured: a 100 ms stop, ~5900 re-cancellations, 87 ms of CPU); on the virtual clock, which moves
only when nothing is ready, the loop is never idle again and the clock never reaches the stop's
end (the run is stopped as a blocked loop, after a second or so of real time). So the scenarios
where an operation takes time to stop (``cancel_ms``) cannot be run on virtual time: n/a.

    asyncconf check task-group libraries.python.anyio_adapter:run_group \
        --not-applicable libraries.python.anyio_adapter:not_applicable
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream

from asyncconf.libraries import Adapter, Scenario


async def run_group(operation: Callable[[Any], Awaitable[Any]], items: Iterable[Any]) -> list[Any]:
    inputs = list(items)
    results: list[Any] = [None] * len(inputs)

    async def child(index: int) -> None:
        results[index] = await operation(inputs[index])

    async with anyio.create_task_group() as group:
        for index in range(len(inputs)):
            group.start_soon(child, index)
    return results


async def run_with_timeout(operation: Callable[[], Awaitable[Any]], limit: float) -> Any:
    with anyio.move_on_after(limit):
        return await operation()
    return None


async def run_pipeline(
    source: AsyncIterable[Any], consume: Callable[[Any], Awaitable[Any]], capacity: int, workers: int
) -> list[Any]:
    send, receive = anyio.create_memory_object_stream[tuple[int, Any]](max_buffer_size=capacity)
    results: list[Any] = []

    async def producer() -> None:
        async with send:
            async for item in source:
                results.append(None)
                await send.send((len(results) - 1, item))

    async def consumer(stream: MemoryObjectReceiveStream[tuple[int, Any]]) -> None:
        async with stream:
            async for index, item in stream:
                results[index] = await consume(item)

    async with anyio.create_task_group() as group:
        group.start_soon(producer)
        for _ in range(workers):
            group.start_soon(consumer, receive.clone())
        receive.close()
    return results


class GuardedCounter:
    """The reference's shape (``asyncpatterns.GuardedCounter``): built once, ``increment`` per invocation."""

    def __init__(self) -> None:
        self._lock = anyio.Lock()
        self._value = 0

    async def increment(self, operation: Callable[[], Awaitable[object]]) -> int:
        async with self._lock:
            current = self._value
            await operation()
            self._value = current + 1
            return self._value


def pipeline_not_applicable(scenario: Scenario) -> str | None:
    workers = scenario.params.get("workers", 0)
    if workers > 1000:
        return "anyio's consumers are tasks started up front: 2147483647 of them is not a thing to start"
    if not float(workers).is_integer():
        return "`workers` is the adapter's count of consumer tasks (anyio has no such parameter): 2.5 is not a count"
    return not_applicable(scenario)


def not_applicable(scenario: Scenario) -> str | None:
    if any(step.get("cancel_ms") for steps in scenario.plan.values() for step in steps):
        return (
            "not on virtual time: anyio re-cancels an operation still stopping at every turn of the loop, so "
            "a clock that moves only when nothing is ready never reaches the end of its stop (on a real clock "
            "the times are right, at the cost of a busy CPU)"
        )
    return None


_WRAPPED = "the failure comes wrapped in the task group's ExceptionGroup, not unchanged (R4)"
_NO_REFUSAL = "takes a limit the spec refuses up front (PROTOCOL.md section 8)"

ADAPTERS = [
    Adapter(
        library="anyio",
        distribution="anyio",
        pattern="task-group",
        api="create_task_group",
        implementation=run_group,
        not_applicable=not_applicable,
        why={
            "own-cancellation-is-a-failure": (
                "returns normally, every result missing (`[None, None, None]`): a child's own `CancelledError` "
                "cancels the siblings but is taken for a cancellation, not a failure -- nothing is raised"
            ),
        },
    ),
    Adapter(
        library="anyio",
        distribution="anyio",
        pattern="timeout",
        api="move_on_after",
        implementation=run_with_timeout,
        not_applicable=not_applicable,
        why={
            "zero-limit-is-invalid": "`move_on_after(0)` is taken: expired at once, no result",
            "negative-limit-is-invalid": "`move_on_after(-0.005)` is taken: a deadline already past, no result",
            "limit-below-one-is-invalid": (
                "`move_on_after(0.0003)` is taken: it expires once the clock reaches it, with no result"
            ),
            "limit-past-the-longest-timer-is-invalid": _NO_REFUSAL,
        },
    ),
    Adapter(
        library="anyio",
        distribution="anyio",
        pattern="backpressure",
        api="create_memory_object_stream",
        implementation=run_pipeline,
        not_applicable=pipeline_not_applicable,
        why={
            "consumer-failure-stops-everything": _WRAPPED,
            "failure-cancels-pending-production": _WRAPPED,
            "producer-failure-stops-the-consumers": _WRAPPED,
            "failure-as-the-producer-is-unblocked": _WRAPPED,
            "freed-slot-consumer-starts-before-the-producer": _WRAPPED,
            "own-cancellation-is-a-failure": (
                "returns normally, every result missing: a consumer's own `CancelledError` cancels the group "
                "but is taken for a cancellation, not a failure -- nothing is raised"
            ),
            "zero-capacity-is-invalid": (
                "`max_buffer_size=0` is taken: a rendezvous stream, each send waiting for a receiver"
            ),
            "capacity-past-the-largest-is-invalid": "`max_buffer_size=2147483648` is taken",
            "zero-workers-is-invalid": (
                "no consumer: the first send finds every receiving end closed and fails with `BrokenResourceError`, "
                "in an ExceptionGroup"
            ),
            "handed-item-starts-before-the-next-production": (
                "the producer goes on before the consumer it handed the item to (R8: consumers first): the next "
                "production's timer fires first, b is started and then cancelled; and the failure comes in an "
                "ExceptionGroup"
            ),
        },
    ),
    Adapter(
        library="anyio",
        distribution="anyio",
        pattern="async-lock",
        api="Lock",
        implementation=GuardedCounter,
    ),
]
