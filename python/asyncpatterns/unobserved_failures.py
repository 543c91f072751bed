"""Fire and forget, observed: background tasks whose failures reach an error handler
(spec: ``spec/patterns/unobserved-failures.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

from ._own_cancellation import cancel_requested

K = TypeVar("K")

ErrorHandler = Callable[[BaseException], object]


class BackgroundTasks:
    """Tasks that nobody awaits where they start, each failure reported once to ``on_error``.

    - a strong reference to every task is kept until it ends: the event loop keeps only weak
      ones, so a task nobody references may be garbage-collected mid-flight (asyncio docs,
      ``create_task``); a done callback drops it (R1, R4);
    - each task runs inside ``_observed``, which catches its failure and hands the very error to
      ``on_error`` -- so no task ever ends with an exception nobody retrieves (R2, R3);
    - an operation's own ``CancelledError`` is a failure, reported like any other; the one the
      shutdown asks for is not (``Task.cancelling``, PROTOCOL.md section 6; R5);
    - an error the handler raises is kept, once, and raised by ``shutdown`` as a group when every
      task has stopped (R7);
    - ``shutdown`` cancels every task still running and returns once each has stopped (R4).
    """

    def __init__(self, on_error: ErrorHandler) -> None:
        self._on_error = on_error
        self._tasks: set[asyncio.Task[None]] = set()
        self._handler_errors: list[BaseException] = []

    def start(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[None]:
        """Start ``work`` in the background and return at once."""
        task = asyncio.create_task(self._observed(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _observed(self, work: Awaitable[object]) -> None:
        try:
            await work
        except asyncio.CancelledError as error:
            if cancel_requested():
                raise  # the shutdown's: asked for, not a failure
            self._report(error)  # its own: a failure like any other
        except Exception as error:
            self._report(error)

    def _report(self, error: BaseException) -> None:
        try:
            self._on_error(error)
        except (Exception, asyncio.CancelledError) as handler_error:
            self._handler_errors.append(handler_error)

    async def shutdown(self) -> None:
        """Cancel every task still running and wait until each has stopped; then raise the error
        handler's own failures, if any, as one group."""
        running = list(self._tasks)
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
        if self._handler_errors:
            errors, self._handler_errors = self._handler_errors, []
            raise BaseExceptionGroup("the error handler failed", errors)


async def run_in_background(
    operation: Callable[[K], Coroutine[Any, Any, object]],
    items: Iterable[K],
    on_error: ErrorHandler,
    shutdown: asyncio.Event,
) -> None:
    """Start ``operation(item)`` for every item in the background, go on until ``shutdown`` is
    set, then shut the tasks down (R9: a caller's cancellation -- before or during the shutdown --
    shuts them down too, waits for them, then propagates)."""
    tasks = BackgroundTasks(on_error)
    for item in items:
        tasks.start(operation(item))
    try:
        await shutdown.wait()
    finally:
        await _finished(tasks.shutdown())


async def _finished(shutting_down: Coroutine[Any, Any, None]) -> None:
    """Await the shutdown to its end even when the caller cancels meanwhile: a cancellation never
    leaves a task running (R9). Then the handler's errors, if any (never lost, R7), else the
    cancellation that was held."""
    finishing = asyncio.ensure_future(shutting_down)
    cancelled: asyncio.CancelledError | None = None
    while not finishing.done():
        try:
            await asyncio.shield(finishing)
        except asyncio.CancelledError as error:
            cancelled = error
    finishing.result()
    if cancelled is not None:
        raise cancelled
