"""The mistakes racing exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

Operation = Callable[[Any], Coroutine[Any, Any, Any]]


async def _first_success(tasks: list[asyncio.Task[Any]]) -> Any:
    """The first success among ``tasks``; when every one failed, a group of their errors (input order)."""
    pending = set(tasks)
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task in done and not task.cancelled() and task.exception() is None:
                return task.result()
    errors = [asyncio.CancelledError() if t.cancelled() else t.exception() for t in tasks]
    raise BaseExceptionGroup("every alternative failed", [e for e in errors if e is not None])


async def _stop(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def first_settled(operation: Operation, items: Iterable[Any], hedge_delay: float = 0.0) -> Any:
    """Promise.race-style: the first alternative to settle wins, a failure included. Like ``Promise.race([])``
    it refuses no empty ``items``: a race of no alternative never settles."""
    tasks = [asyncio.ensure_future(operation(item)) for item in items]
    try:
        if not tasks:  # asyncio.wait would refuse an empty set (ValueError): wait for a first that never comes
            await asyncio.get_running_loop().create_future()
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await _stop(tasks)
    return next(task for task in tasks if task in done).result()


async def losers_left_running(operation: Operation, items: Iterable[Any], hedge_delay: float = 0.0) -> Any:
    """Returns the first success and leaves the other alternatives running."""
    return await _first_success([asyncio.ensure_future(operation(item)) for item in items])


async def no_wait_for_losers(operation: Operation, items: Iterable[Any], hedge_delay: float = 0.0) -> Any:
    """Cancels the losers but returns before they have stopped."""
    tasks = [asyncio.ensure_future(operation(item)) for item in items]
    try:
        return await _first_success(tasks)
    finally:
        for task in tasks:
            task.cancel()


async def sequential(operation: Operation, items: Iterable[Any], hedge_delay: float = 0.0) -> Any:
    """Tries the alternatives one after another, each only once the previous one has failed."""
    errors: list[Exception] = []
    for item in items:
        try:
            return await operation(item)
        except Exception as error:
            errors.append(error)
    raise ExceptionGroup("every alternative failed", errors)


async def waits_for_all(operation: Operation, items: Iterable[Any], hedge_delay: float = 0.0) -> Any:
    """Waits for every alternative to settle, then takes the first success."""
    outcomes = await asyncio.gather(*(operation(item) for item in items), return_exceptions=True)
    for outcome in outcomes:
        if not isinstance(outcome, BaseException):
            return outcome
    raise BaseExceptionGroup("every alternative failed", list(outcomes))


async def hedges_on_timer_only(operation: Operation, items: Iterable[Any], hedge_delay: float = 0.0) -> Any:
    """Starts each next alternative only when the hedge delay ends, even when every running one failed already."""
    alternatives = list(items)

    async def delayed(index: int) -> Any:
        if index > 0:
            await asyncio.sleep(index * hedge_delay)
        return await operation(alternatives[index])

    tasks = [asyncio.ensure_future(delayed(index)) for index in range(len(alternatives))]
    try:
        return await _first_success(tasks)
    finally:
        await _stop(tasks)
