"""The mistakes unobserved-failures exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

Operation = Callable[[Any], Coroutine[Any, Any, object]]
ErrorHandler = Callable[[BaseException], object]


async def _cancel_and_wait(tasks: Iterable[asyncio.Task[Any]]) -> None:
    running = [task for task in tasks if not task.done()]
    for task in running:
        task.cancel()
    if running:
        await asyncio.wait(running)


async def _until_shutdown(shutdown: asyncio.Event, tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Waits for the shutdown, then cancels the tasks still running and waits for them to stop."""
    try:
        await shutdown.wait()
    finally:
        await _cancel_and_wait(tasks)


async def fire_and_forget(
    operation: Operation, items: Iterable[Any], on_error: ErrorHandler, shutdown: asyncio.Event
) -> None:
    """create_task without keeping or observing it: nothing reports a failure, nothing can cancel it."""
    for item in items:
        asyncio.create_task(operation(item))  # the mistake itself
    await shutdown.wait()


async def untracked(
    operation: Operation, items: Iterable[Any], on_error: ErrorHandler, shutdown: asyncio.Event
) -> None:
    """Reports every failure, but keeps no track of the tasks: the shutdown cannot cancel them."""

    async def observed(item: Any) -> None:
        try:
            await operation(item)
        except Exception as error:
            on_error(error)

    keep: set[asyncio.Task[None]] = set()  # kept from the garbage collector only, never shut down
    for item in items:
        task = asyncio.create_task(observed(item))
        keep.add(task)
        task.add_done_callback(keep.discard)
    await shutdown.wait()


def _tracked(items: Iterable[Any], observed: Callable[[Any], Coroutine[Any, Any, None]]) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(observed(item)) for item in items]


async def reports_twice(
    operation: Operation, items: Iterable[Any], on_error: ErrorHandler, shutdown: asyncio.Event
) -> None:
    """Reports each failure where it is caught, and again in a done callback."""

    def report_again(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            with contextlib.suppress(Exception):
                on_error(task.exception())  # type: ignore[arg-type]

    async def observed(item: Any) -> None:
        try:
            await operation(item)
        except Exception as error:
            on_error(error)
            raise

    tasks = _tracked(items, observed)
    for task in tasks:
        task.add_done_callback(report_again)
    await _until_shutdown(shutdown, tasks)


async def swallows(operation: Operation, items: Iterable[Any], on_error: ErrorHandler, shutdown: asyncio.Event) -> None:
    """Catches every failure and drops it silently."""

    async def observed(item: Any) -> None:
        with contextlib.suppress(Exception):
            await operation(item)

    tasks = _tracked(items, observed)
    await _until_shutdown(shutdown, tasks)


async def reports_wrapped(
    operation: Operation, items: Iterable[Any], on_error: ErrorHandler, shutdown: asyncio.Event
) -> None:
    """Reports a new error wrapping the original, not the very error."""

    async def observed(item: Any) -> None:
        try:
            await operation(item)
        except Exception as error:
            on_error(RuntimeError(f"background task {item!r} failed: {error}"))

    tasks = _tracked(items, observed)
    await _until_shutdown(shutdown, tasks)


async def unguarded_handler(
    operation: Operation, items: Iterable[Any], on_error: ErrorHandler, shutdown: asyncio.Event
) -> None:
    """Reports in a done callback: a handler that raises there goes to the loop's exception handler."""

    def report(task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            on_error(error)

    tasks = [asyncio.create_task(operation(item)) for item in items]
    for task in tasks:
        task.add_done_callback(report)
    await _until_shutdown(shutdown, tasks)


async def awaits_in_starter(
    operation: Operation, items: Iterable[Any], on_error: ErrorHandler, shutdown: asyncio.Event
) -> None:
    """Awaits the tasks where it starts them: reports the failures only once all have ended, and
    returns then, without waiting for its shutdown."""
    outcomes = await asyncio.gather(*(operation(item) for item in items), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            on_error(outcome)
