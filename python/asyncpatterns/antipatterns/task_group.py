"""The mistakes task-group exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

Operation = Callable[[Any], Coroutine[Any, Any, Any]]


async def sequential(operation: Operation, items: Iterable[Any]) -> list[Any]:
    """Awaits each child in turn instead of running them together."""
    return [await operation(item) for item in items]


async def gather_fail_fast(operation: Operation, items: Iterable[Any]) -> list[Any]:
    """Plain gather: the first failure escapes alone and the siblings are left running."""
    return list(await asyncio.gather(*(operation(item) for item in items)))


async def no_sibling_cancel(operation: Operation, items: Iterable[Any]) -> list[Any]:
    """Waits for every child to finish on its own, then groups the failures."""
    outcomes = await asyncio.gather(*(operation(item) for item in items), return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, Exception)]
    if failures:
        raise ExceptionGroup("children failed", failures)
    return list(outcomes)


async def _first_failure(operation: Operation, items: Iterable[Any]) -> tuple[list[asyncio.Task[Any]], bool]:
    tasks = [asyncio.ensure_future(operation(item)) for item in items]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    failed = any(t.done() and not t.cancelled() and t.exception() is not None for t in tasks)
    return tasks, failed


async def returns_before_children_finish(operation: Operation, items: Iterable[Any]) -> list[Any]:
    """Cancels the siblings on failure but does not wait for them to stop (nor for the caller)."""
    tasks, failed = await _first_failure(operation, items)
    if failed:
        for task in tasks:
            task.cancel()
        failures = [e for t in tasks if t.done() and not t.cancelled() and isinstance(e := t.exception(), Exception)]
        raise ExceptionGroup("children failed", failures)
    return [task.result() for task in tasks]


async def reports_cancellations(operation: Operation, items: Iterable[Any]) -> list[Any]:
    """Reports the cancelled siblings as failures of the group."""
    tasks, failed = await _first_failure(operation, items)
    if failed:
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        raise BaseExceptionGroup("children failed", [o for o in outcomes if isinstance(o, BaseException)])
    return [task.result() for task in tasks]
