"""The mistakes parallel-partial-failures exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from ..parallel_partial_failures import PartialResults

Operation = Callable[[Any], Coroutine[Any, Any, Any]]


async def sequential(operation: Operation, items: Iterable[Any]) -> PartialResults[Any, Any]:
    """Awaits each operation in turn: the total is the sum, not the longest."""
    results: PartialResults[Any, Any] = PartialResults()
    for item in items:
        try:
            results.succeeded[item] = await operation(item)
        except Exception as error:
            results.failed[item] = error
    return results


async def gather_fail_fast(operation: Operation, items: Iterable[Any]) -> PartialResults[Any, Any]:
    """Plain gather: the first failure raises and the other operations are left running."""
    keys = list(items)
    values = await asyncio.gather(*(operation(key) for key in keys))
    return PartialResults(succeeded=dict(zip(keys, values, strict=True)))


async def cancels_siblings(operation: Operation, items: Iterable[Any]) -> PartialResults[Any, Any]:
    """A TaskGroup: the first failure cancels all the others."""
    keys = list(items)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(operation(key)) for key in keys]
    return PartialResults(succeeded={key: task.result() for key, task in zip(keys, tasks, strict=True)})


async def drops_failures(operation: Operation, items: Iterable[Any]) -> PartialResults[Any, Any]:
    """Keeps the successes and silently drops the failures."""
    keys = list(items)
    outcomes = await asyncio.gather(*(operation(key) for key in keys), return_exceptions=True)
    return PartialResults(
        succeeded={k: v for k, v in zip(keys, outcomes, strict=True) if not isinstance(v, BaseException)}
    )


async def swallows_cancel(operation: Operation, items: Iterable[Any]) -> PartialResults[Any, Any]:
    """Returns the partial results when the caller cancels, instead of propagating."""
    keys = list(items)
    tasks = [asyncio.ensure_future(operation(key)) for key in keys]
    try:
        await asyncio.wait(tasks)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
    results: PartialResults[Any, Any] = PartialResults()
    for key, task in zip(keys, tasks, strict=True):
        if task.cancelled():
            results.failed[key] = asyncio.CancelledError()
        elif (error := task.exception()) is not None:
            results.failed[key] = error
        else:
            results.succeeded[key] = task.result()
    return results
