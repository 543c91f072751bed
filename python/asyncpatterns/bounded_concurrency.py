"""Bounded concurrency (spec: ``spec/patterns/bounded-concurrency.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, Final, TypeVar

from ._limits import check_count
from ._own_cancellation import cancel_requested

K = TypeVar("K")
T = TypeVar("T")

_DONE: Final = object()  # no item left (an item may itself be None)


class _Failed(Exception):
    """A worker stopped on a failure: the TaskGroup cancels the others; the failure itself is kept apart."""


async def map_bounded(
    operation: Callable[[K], Awaitable[T]],
    items: Iterable[K] | AsyncIterable[K],
    limit: int = 2,
) -> list[T]:
    """``[await operation(item) for item in items]``, with at most ``limit`` running at once.

    Guarantees (the spec's rules):
    - at most ``limit`` operations run at any time (R1);
    - items start in input order, each as soon as a slot is free -- the limit is fully used (R2);
    - results come back in input order, not completion order (R3);
    - on the first failure -- an operation's own ``CancelledError``, one nobody asked for,
      included -- no further item starts, the running ones are cancelled, and that failure
      propagates unchanged (the exception itself, its ``__cause__`` and ``__context__``
      intact) once they have stopped (R4);
    - the caller's cancellation cancels the running operations, starts no new one, and propagates
      as ``asyncio.CancelledError`` (R5).

    ``limit`` is an integer from 1 to 2147483647 (default 2, the spec's); anything else raises
    ``ValueError`` before an item starts. ``items`` may be any iterable or async iterable; it is
    consumed lazily, one item as a slot frees, and never past a failure. At most ``limit`` tasks
    run, each taking item after item (as aiometer does), rather than a task per item.
    """
    check_count("limit", limit)  # an integer from 1 to 2147483647, else ValueError (spec: invalid)
    iterator: Iterator[K] = iter(())
    take_async: Callable[[], Awaitable[Any]] | None = None
    if isinstance(items, AsyncIterable):
        take_async = _serialized_anext(aiter(items))
    else:
        iterator = iter(items)
    results: list[Any] = []
    first_failure: BaseException | None = None
    workers = 0

    async def work() -> None:
        nonlocal first_failure, workers
        while first_failure is None:  # no item starts after a failure, even in the same instant (R4)
            item: Any
            try:
                item = next(iterator, _DONE) if take_async is None else await take_async()
            except Exception as error:  # the input itself failed
                first_failure = error
                raise _Failed from None
            if item is _DONE or first_failure is not None:
                return
            if workers < limit:
                # Another worker takes the next item at once: the limit is filled (R2).
                workers += 1
                group.create_task(work())
            index = len(results)
            results.append(None)
            try:
                results[index] = await operation(item)
            except asyncio.CancelledError as error:
                if cancel_requested():
                    raise  # the caller, or the group after a failure, stopped this worker
                # The operation's own cancellation, one nobody asked for: a failure like any other.
                if first_failure is None:
                    first_failure = error
                raise _Failed from None
            except Exception as error:
                if first_failure is None:
                    first_failure = error
                raise _Failed from None

    try:
        async with asyncio.TaskGroup() as group:
            workers = 1
            group.create_task(work())
    except BaseExceptionGroup:
        if first_failure is None:
            raise
    if first_failure is not None:
        # Raised here, outside any handler: the failure keeps its own __cause__ and __context__,
        # unwrapped from the TaskGroup's group, as p-map and Parallel.ForEachAsync report it.
        raise first_failure
    return results


def _serialized_anext(iterator: AsyncIterator[K]) -> Callable[[], Awaitable[Any]]:
    """``anext`` for many workers: one at a time (an async generator refuses concurrent ``anext``)."""
    lock = asyncio.Lock()

    async def take() -> Any:
        async with lock:
            return await anext(iterator, _DONE)

    return take
