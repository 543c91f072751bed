"""Structured concurrency: a task group (spec: ``spec/patterns/task-group.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

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
      not reported as failures (R5);
    - the caller's cancellation cancels every child and propagates as ``asyncio.CancelledError``,
      not as a group (R6).
    """
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(operation(item)) for item in items]
    return [task.result() for task in tasks]
