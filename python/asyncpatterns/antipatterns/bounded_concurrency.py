"""The mistakes bounded-concurrency exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from .._limits import check_count

Operation = Callable[[Any], Coroutine[Any, Any, Any]]


async def unbounded(operation: Operation, items: Iterable[Any], limit: int) -> list[Any]:
    """Starts every item at once: the limit is ignored."""
    return list(await asyncio.gather(*(operation(item) for item in items)))


async def sequential(operation: Operation, items: Iterable[Any], limit: int) -> list[Any]:
    """One item at a time: the limit is never used."""
    return [await operation(item) for item in items]


async def batches(operation: Operation, items: Iterable[Any], limit: int) -> list[Any]:
    """Runs the items in batches of `limit`, each batch waiting for its slowest item."""
    check_count("limit", limit)  # as the reference: its mistake is the batches, not the arguments
    keys = list(items)
    results: list[Any] = []
    for start in range(0, len(keys), limit):
        results += await asyncio.gather(*(operation(item) for item in keys[start : start + limit]))
    return results


async def completion_order(operation: Operation, items: Iterable[Any], limit: int) -> list[Any]:
    """Returns the results in the order the operations finished."""
    slots = asyncio.Semaphore(limit)

    async def run_one(item: Any) -> Any:
        async with slots:
            return await operation(item)

    # Tasks made in input order first: as_completed makes its own from a set, which started the items
    # in an order of their ids -- another mistake, and one that came and went from run to run.
    started = [asyncio.ensure_future(run_one(item)) for item in items]
    return [await next_done for next_done in asyncio.as_completed(started)]


async def keeps_going_after_failure(operation: Operation, items: Iterable[Any], limit: int) -> list[Any]:
    """Raises the first failure but leaves the running items running and the rest starting."""
    slots = asyncio.Semaphore(limit)

    async def run_one(item: Any) -> Any:
        async with slots:
            return await operation(item)

    return list(await asyncio.gather(*(run_one(item) for item in items)))


async def wrapped_failure(operation: Operation, items: Iterable[Any], limit: int) -> list[Any]:
    """Lets the TaskGroup's ExceptionGroup escape instead of the failure itself."""
    slots = asyncio.Semaphore(limit)

    async def run_one(item: Any) -> Any:
        async with slots:
            return await operation(item)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(run_one(item)) for item in items]
    return [task.result() for task in tasks]
