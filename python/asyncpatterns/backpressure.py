"""Backpressure: a producer and consumers joined by a bounded queue (spec: ``spec/patterns/backpressure.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any, Final, TypeVar

from ._limits import check_count
from ._own_cancellation import cancel_requested

K = TypeVar("K")
T = TypeVar("T")

#: What each consumer takes last: the producer has ended. Python 3.11's ``asyncio.Queue`` has no
#: ``shutdown()`` (3.13), so the end travels through the queue, behind the last item, one per consumer.
_END: Final = object()


class _Failed(Exception):
    """A producer or consumer stopped on a failure: the TaskGroup cancels the rest; the failure is kept apart."""


async def run_pipeline(
    source: AsyncIterable[K],
    consume: Callable[[K], Awaitable[T]],
    capacity: int = 2,
    workers: int = 2,
) -> list[T]:
    """Consume every item of ``source`` with at most ``workers`` consumers, through a queue of ``capacity``.

    Guarantees (the spec's rules):
    - the queue (``asyncio.Queue(maxsize=capacity)``) holds at most ``capacity`` items: when it is
      full the producer waits for a free slot before it takes the next item from ``source`` --
      it never drops one and never lets the queue grow (R1);
    - each item is consumed exactly once, by one of at most ``workers`` consumers; items start in
      production order, each as soon as a consumer is free; waiting consumers and a waiting
      producer are woken, never poll (R2);
    - when ``source`` ends, the consumers drain the queue and finish; the values come back in
      production order (R3);
    - the first failure of a consumer -- an operation's own ``CancelledError``, one nobody asked
      for, included -- or of ``source`` stops the producer, cancels the other consumers and
      propagates unchanged once they have stopped; queued items are never consumed (R4);
    - the caller's cancellation stops everything and propagates as ``asyncio.CancelledError`` (R5);
    - consumers first: within one instant, a consumer that takes an item starts it before the
      producer starts producing its next one (R8) -- hence the ``sleep(0)`` after a put that did
      not wait, so the consumer it woke (asyncio wakes it with ``call_soon``) goes first, as it does
      in .NET's channel and the JavaScript reference.

    ``capacity`` and ``workers`` are integers from 1 to 2147483647 (default 2 each, the spec's);
    anything else raises ``ValueError`` before ``source`` is read. A consumer is started with each
    of the first ``workers`` items, so a huge ``workers`` costs nothing and no consumer waits for
    an item that never comes. ``source`` is closed (``aclose()``, when it has one) on every exit,
    as ``async for`` would not on a failure elsewhere.
    """
    check_count("capacity", capacity)  # asyncio.Queue takes 0 or less as "unbounded": refused (spec: invalid)
    check_count("workers", workers)
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=capacity)
    results: list[Any] = []
    first_failure: BaseException | None = None
    started = 0

    def fail(error: BaseException) -> _Failed:
        nonlocal first_failure
        if first_failure is None:
            first_failure = error
        return _Failed()

    async def consumer() -> None:
        while (entry := await queue.get()) is not _END:
            index, item = entry
            try:
                results[index] = await consume(item)
            except asyncio.CancelledError as error:
                if cancel_requested():
                    raise  # the caller, or the group after a failure, stopped this consumer
                raise fail(error) from None  # the operation's own cancellation: a failure (R4)
            except Exception as error:
                raise fail(error) from None

    async def producer() -> None:
        nonlocal started
        iterator = aiter(source)
        try:
            while True:
                try:
                    item = await anext(iterator)
                except StopAsyncIteration:
                    break
                except asyncio.CancelledError as error:
                    if cancel_requested():
                        raise
                    raise fail(error) from None
                except Exception as error:
                    raise fail(error) from None
                if started < workers:  # one more consumer, up to `workers`, for this item
                    started += 1
                    group.create_task(consumer())
                results.append(None)
                waits = queue.full()
                await queue.put((len(results) - 1, item))  # waits while the queue is full (R1)
                if not waits:
                    # Consumers first (R2): a consumer this put woke, or one just started, takes the item before
                    # the producer starts its next one (put() wakes a waiting get() with call_soon).
                    await asyncio.sleep(0)
            for _ in range(started):
                await queue.put(_END)  # behind the last item: the consumers drain the queue first (R3)
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(producer())
    except BaseExceptionGroup:
        if first_failure is None:
            raise
    if first_failure is not None:
        # Raised here, outside any handler: the failure keeps its own __cause__ and __context__ (R4).
        raise first_failure
    return results
