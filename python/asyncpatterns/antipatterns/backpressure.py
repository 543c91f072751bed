"""The mistakes backpressure exists to prevent. Each has the reference's signature.

Each is the reference's shape -- a consumer per item up to ``workers``, one end marker per
consumer, fail fast -- with the one mistake its name says, and, like the naive code it stands for,
no check of its parameters (a capacity of 0 is an unbounded ``asyncio.Queue``; no worker, no consumer).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

from .._limits import check_count

Consume = Callable[[Any], Awaitable[Any]]

#: How long busy-polling waits between two looks at the queue.
POLL_S = 0.010
#: How many consumers busy-polling starts up front (a pool of pollers; never 2147483647 tasks).
POLLERS = 64


class _Failed(Exception):
    pass


async def _pipeline(
    source: AsyncIterable[Any],
    consume: Consume,
    capacity: int,
    workers: int,
    put: Callable[[Any], Awaitable[None]],
    get: Callable[[], Awaitable[Any]],
    *,
    tell_the_end: bool = True,
    up_front: int = 0,
) -> list[Any]:
    end = object()
    results: list[Any] = []
    failures: list[BaseException] = []

    def own(error: BaseException) -> bool:
        task = asyncio.current_task()
        return not isinstance(error, asyncio.CancelledError) or (task is not None and task.cancelling() == 0)

    async def consumer() -> None:
        while (entry := await get()) is not end:
            index, item = entry
            try:
                results[index] = await consume(item)
            except BaseException as error:
                if not own(error):
                    raise
                failures.append(error)
                raise _Failed from None

    async def producer() -> None:
        started = up_front
        iterator = aiter(source)
        while True:
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                break
            except BaseException as error:
                if not own(error):
                    raise
                failures.append(error)
                raise _Failed from None
            if started < workers:
                started += 1
                group.create_task(consumer())
            results.append(None)
            await put((len(results) - 1, item))
        if tell_the_end:
            for _ in range(started):
                await put(end)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(up_front):
                group.create_task(consumer())
            group.create_task(producer())
    except BaseExceptionGroup:
        if not failures:
            raise
    if failures:
        raise failures[0]
    return results


async def unbounded_queue(source: AsyncIterable[Any], consume: Consume, capacity: int, workers: int) -> list[Any]:
    """A queue without a bound: the producer never waits and the queue grows with it."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    return await _pipeline(source, consume, capacity, workers, queue.put, queue.get)


async def drops_when_full(source: AsyncIterable[Any], consume: Consume, capacity: int, workers: int) -> list[Any]:
    """Drops the item when the queue is full instead of waiting for a free slot."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=capacity)

    async def put(entry: Any) -> None:
        try:
            queue.put_nowait(entry)
        except asyncio.QueueFull:
            pass  # the item is lost: it is never consumed (and an end marker too: a consumer waits on)

    return await _pipeline(source, consume, capacity, workers, put, queue.get)


async def busy_polling(source: AsyncIterable[Any], consume: Consume, capacity: int, workers: int) -> list[Any]:
    """Polls every 10 ms for a free slot or an item instead of waiting to be woken."""
    # As the reference: its mistake is the polling, not the arguments (a fractional count of pollers crashed).
    check_count("capacity", capacity)
    check_count("workers", workers)
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=capacity)

    async def put(entry: Any) -> None:
        while queue.full():
            await asyncio.sleep(POLL_S)
        queue.put_nowait(entry)

    async def get() -> Any:
        while queue.empty():
            await asyncio.sleep(POLL_S)
        return queue.get_nowait()

    pollers = min(max(workers, 0), POLLERS)
    return await _pipeline(source, consume, capacity, workers, put, get, up_front=pollers)


async def consumers_never_finish(
    source: AsyncIterable[Any], consume: Consume, capacity: int, workers: int
) -> list[Any]:
    """Never tells the consumers the producer has ended: they wait for another item forever."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=capacity)
    return await _pipeline(source, consume, capacity, workers, queue.put, queue.get, tell_the_end=False)
