"""Consuming an async stream (spec: ``spec/patterns/async-stream.yaml``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from typing import TypeVar

from ._limits import check_count

T = TypeVar("T")


async def consume_stream(source: AsyncGenerator[T, None], take: int, use: Callable[[T], Awaitable[object]]) -> list[T]:
    """Consume ``source`` lazily: ``await use(item)`` for each item, at most ``take`` of them.

    Guarantees (the spec's rules):
    - one pull at a time, the next only once ``use`` has finished with the previous item; never
      more than ``take`` pulls (R1); the items consumed come back in the source's order (R2);
    - on every way out -- the source's end, the limit, a failure, a cancellation -- the source is
      closed exactly once and the outcome comes only after its cleanup completed (R3): ``aclosing``
      closes it *now*. A bare ``async for`` that breaks leaves the suspended generator to garbage
      collection, which runs its ``finally`` some time after this function has returned;
    - a failure of ``use`` or of a pull propagates unchanged after the cleanup (R4, R5), an
      operation's own ``CancelledError`` included (R7): nothing here catches anything;
    - a caller's cancellation reaches the pending pull by itself: the generator runs in the
      caller's task, so the ``CancelledError`` is raised at its ``await`` (R6);
    - ``take`` is an integer from 0 to 2147483647, else ``ValueError`` before the source starts
      (R8); with 0 the source is never started.
    """
    check_count("take", take, least=0)
    consumed: list[T] = []
    async with aclosing(source) as items:  # closing a generator never started runs none of it
        if take == 0:
            return consumed  # not even one pull: `async for` would start the source
        async for item in items:
            await use(item)
            consumed.append(item)
            if len(consumed) == take:
                break  # no pull past the limit, not even to see the end
    return consumed
