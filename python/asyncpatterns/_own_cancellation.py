"""An operation's own cancellation: a failure, not a cancellation of the caller or of the pattern.

An operation may fail with ``asyncio.CancelledError`` although nobody cancelled it (a library
that turns a server's "request cancelled" into one, say). The spec treats that as a failure like
any other (spec/PROTOCOL.md section 6). asyncio cannot tell it apart by the exception: a task
whose coroutine raises ``CancelledError`` ends *cancelled*, and ``TaskGroup`` ignores a cancelled
child, ``gather`` replaces its error with a new one. What tells them apart is the task: a
cancellation that was asked for shows in ``Task.cancelling()`` (3.11+); an operation's own does not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class OwnCancellation(Exception):
    """Carries an operation's own ``CancelledError`` as an ``Exception``, so that a TaskGroup or
    ``gather`` handles it as the failure it is; ``unwrap`` gives the very error back."""

    def __init__(self, error: asyncio.CancelledError) -> None:
        super().__init__("the operation reported a cancellation that nobody asked for")
        self.error = error


def cancel_requested() -> bool:
    """Whether the current task was asked to cancel (by its caller, a task group, a timeout)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def as_failure(operation: Awaitable[T]) -> T:
    """``await operation``; its own ``CancelledError`` comes out as an ``OwnCancellation``."""
    try:
        return await operation
    except asyncio.CancelledError as error:
        if cancel_requested():
            raise  # a cancellation that was asked for stays one
        raise OwnCancellation(error) from None


def unwrap(error: BaseException) -> BaseException:
    """The operation's own error: the ``CancelledError`` an ``OwnCancellation`` carries, else ``error``."""
    return error.error if isinstance(error, OwnCancellation) else error
