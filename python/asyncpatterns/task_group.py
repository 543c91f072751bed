"""Structured concurrency: a task group (spec: ``spec/patterns/task-group.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from ._own_cancellation import OwnCancellation, as_failure, unwrap

K = TypeVar("K")
T = TypeVar("T")


async def run_group(operation: Callable[[K], Coroutine[Any, Any, T]], items: Iterable[K]) -> list[T]:
    """Run ``operation(item)`` for every item as children of one ``asyncio.TaskGroup``.

    Guarantees (the spec's rules):
    - every child starts at once; with no failure the results come back in input order when the
      last child finishes (R1, R2);
    - the first failure cancels every sibling still running (R3);
    - the group returns or raises only after every child has finished, including siblings that
      take time to handle their cancellation (R4);
    - failures come out together in an ``ExceptionGroup``, each unchanged; cancelled siblings are
      not reported as failures (R5) -- but a child's own ``CancelledError``, one nobody asked for,
      is a failure like any other: it cancels the siblings and comes out in the group (then a
      ``BaseExceptionGroup``);
    - the caller's cancellation cancels every child and propagates as ``asyncio.CancelledError``,
      not as a group (R6).
    """
    try:
        async with asyncio.TaskGroup() as group:
            # as_failure: TaskGroup ignores a child that ends cancelled, so an operation's own
            # CancelledError would neither cancel the siblings nor be reported.
            tasks = [group.create_task(as_failure(operation(item))) for item in items]
    except BaseExceptionGroup as failures:
        if any(isinstance(error, OwnCancellation) for error in failures.exceptions):
            raise BaseExceptionGroup(failures.message, [unwrap(error) for error in failures.exceptions]) from None
        raise
    return [task.result() for task in tasks]
