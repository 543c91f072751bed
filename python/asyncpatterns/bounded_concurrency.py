"""Bounded concurrency (spec: ``spec/patterns/bounded-concurrency.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

K = TypeVar("K")
T = TypeVar("T")


async def map_bounded(operation: Callable[[K], Coroutine[Any, Any, T]], items: Iterable[K], limit: int) -> list[T]:
    """``[await operation(item) for item in items]``, with at most ``limit`` running at once.

    Guarantees (the spec's rules):
    - at most ``limit`` operations run at any time (R1);
    - items start in input order, each as soon as a slot is free -- the limit is fully used (R2);
    - results come back in input order, not completion order (R3);
    - on the first failure no further item starts, the running ones are cancelled, and that
      failure propagates unchanged once they have stopped (R4);
    - the caller's cancellation cancels the running operations, starts no new one, and propagates
      as ``asyncio.CancelledError`` (R5).
    """
    if limit < 1:
        raise ValueError(f"`limit` must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)  # its waiters are woken first-in, first-out
    failed = False

    async def run_one(item: K) -> T:
        nonlocal failed
        async with slots:
            # A failing item frees its slot before the TaskGroup's done-callback cancels the
            # waiters, so the next waiter would start in the same instant: R4 forbids it.
            if failed:
                raise asyncio.CancelledError
            try:
                return await operation(item)
            except Exception:
                failed = True
                raise

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run_one(item)) for item in items]
    except BaseExceptionGroup as failures:
        # TaskGroup groups the failures; a bounded map reports the first one itself, unchanged,
        # as p-map and Parallel.ForEachAsync do.
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
