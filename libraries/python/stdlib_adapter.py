"""The standard library (asyncio, contextlib) as the spec's patterns, each through its obvious API.

timeout, ``asyncio.timeout``: the scope's own expiry (``Timeout.expired()``) is "no result" (None);
any other ``TimeoutError`` is the operation's and propagates.
timeout, ``asyncio.wait_for``: its ``TimeoutError`` becomes None. Nothing documented tells it apart
from a ``TimeoutError`` the operation raised itself, so both become None.
task-group, ``asyncio.TaskGroup``: a child per item, the results in input order.
parallel-partial-failures, ``asyncio.gather(..., return_exceptions=True)``: an exception among the
results is that item's failure.
cancellation-cleanup, ``contextlib.aclosing``: the resource is closed on leaving the block.

All run on the loop's timers, virtual here. Recorded for Python's major.minor: their behaviour
changes between minors (3.12 rewrote ``wait_for`` on ``asyncio.timeout``). Nothing is n/a.

    asyncconf check timeout libraries.python.stdlib_adapter:with_asyncio_timeout
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from asyncconf.libraries import Adapter


async def with_asyncio_timeout(operation: Callable[[], Awaitable[Any]], limit: float) -> Any:
    scope = asyncio.timeout(limit)
    try:
        async with scope:
            return await operation()
    except TimeoutError:
        if scope.expired():
            return None
        raise


async def with_wait_for(operation: Callable[[], Awaitable[Any]], limit: float) -> Any:
    try:
        return await asyncio.wait_for(operation(), limit)
    except TimeoutError:
        return None


async def task_group(operation: Callable[[Any], Coroutine[Any, Any, Any]], items: Iterable[Any]) -> list[Any]:
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(operation(item)) for item in items]
    return [task.result() for task in tasks]


@dataclass
class Partial:
    """The pattern's value: ``succeeded`` and ``failed`` by item (spec/PROTOCOL.md section 8)."""

    succeeded: dict[Any, Any] = field(default_factory=dict)
    failed: dict[Any, BaseException] = field(default_factory=dict)


async def gather_partial(operation: Callable[[Any], Awaitable[Any]], items: Iterable[Any]) -> Partial:
    keys = list(items)
    outcomes = await asyncio.gather(*(operation(key) for key in keys), return_exceptions=True)
    partial = Partial()
    for key, outcome in zip(keys, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            partial.failed[key] = outcome
        else:
            partial.succeeded[key] = outcome
    return partial


async def with_aclosing(open_resource: Callable[[], Awaitable[Any]], operation: Callable[[Any], Awaitable[Any]]) -> Any:
    async with contextlib.aclosing(await open_resource()) as resource:
        return await operation(resource)


_NO_REFUSAL = "takes a limit the spec refuses up front (PROTOCOL.md section 8)"
_CLOSE_CUT_SHORT = (
    "a cancellation during `aclose()` cuts the close short: the resource is never closed (a leak), "
    "the cancellation propagates at once"
)

ADAPTERS = [
    Adapter(
        library="stdlib",
        pattern="timeout",
        api="asyncio.timeout",
        implementation=with_asyncio_timeout,
        why={
            "zero-limit-is-invalid": "`asyncio.timeout(0)` is taken: expired at once, no result",
            "negative-limit-is-invalid": "`asyncio.timeout(-0.005)` is taken: a deadline already past, no result",
            "limit-below-one-is-invalid": (
                "`asyncio.timeout(0.0003)` is taken: a deadline within the millisecond, expired at once, no result"
            ),
            "limit-past-the-longest-timer-is-invalid": _NO_REFUSAL,
        },
    ),
    Adapter(
        library="stdlib",
        pattern="timeout",
        api="asyncio.wait_for",
        implementation=with_wait_for,
        why={
            "own-timeout-error-propagates": (
                "the operation's own `TimeoutError` is taken for the limit's: `wait_for` raises the same type, and "
                "nothing documented tells them apart"
            ),
            "zero-limit-is-invalid": "`wait_for(..., 0)` is taken: expired at once, no result",
            "negative-limit-is-invalid": "`wait_for(..., -0.005)` is taken: expired at once, no result",
            "limit-below-one-is-invalid": "`wait_for(..., 0.0003)` is taken: expired within the millisecond, no result",
            "limit-past-the-longest-timer-is-invalid": _NO_REFUSAL,
        },
    ),
    Adapter(
        library="stdlib",
        pattern="task-group",
        api="asyncio.TaskGroup",
        implementation=task_group,
        why={
            "own-cancellation-is-a-failure": (
                "never returns: a child that ends cancelled is taken for one cancelled on purpose -- no sibling is "
                "cancelled, nothing reported -- so the group waits for a hanging sibling for ever"
            ),
        },
    ),
    Adapter(
        library="stdlib",
        pattern="parallel-partial-failures",
        api="asyncio.gather(return_exceptions=True)",
        implementation=gather_partial,
        why={
            "own-cancellation-is-a-failure": (
                "an operation's own `CancelledError` comes back as a new `CancelledError` of gather's, not the "
                "operation's error unchanged"
            ),
            "equal-items-are-invalid": (
                "takes an item given twice and runs it twice (its results are a list): keyed by item, one "
                "result is lost -- the spec refuses equal items up front"
            ),
        },
    ),
    Adapter(
        library="stdlib",
        pattern="cancellation-cleanup",
        api="contextlib.aclosing",
        implementation=with_aclosing,
        why={
            "cancelled-during-the-cleanup-of-a-failure": _CLOSE_CUT_SHORT,
            "cancelled-during-the-cleanup-of-a-success": _CLOSE_CUT_SHORT,
        },
    ),
]
