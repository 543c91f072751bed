"""Cancellation with cleanup (spec: ``spec/patterns/cancellation-cleanup.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class AsyncClosable(Protocol):
    """A resource released by ``await resource.aclose()``."""

    async def aclose(self) -> None: ...


R = TypeVar("R", bound=AsyncClosable)


async def run_with_resource(
    open_resource: Callable[[], Awaitable[R]],
    operation: Callable[[R], Awaitable[T]],
) -> T:
    """Open a resource, run ``operation(resource)``, and close the resource on every path.

    Guarantees (the spec's rules):
    - the resource is closed exactly once, after the operation ends, whether it succeeded,
      failed or was cancelled (R1);
    - the value or the operation's error comes out only after the cleanup has completed, the
      error unchanged (R2, R3, R5);
    - on cancellation the cleanup runs to completion and then ``asyncio.CancelledError``
      propagates: cancellation is never swallowed or turned into a value (R4) -- a further
      cancellation during the cleanup included: the close still completes, then it propagates.
    """
    resource = await open_resource()
    try:
        return await operation(resource)
    finally:
        await _aclose_shielded(resource)


async def _aclose_shielded(resource: AsyncClosable) -> None:
    """``await resource.aclose()``, finished even when the caller is cancelled again meanwhile.

    A cancellation during the close is held until the close has completed, then re-raised: the
    resource is never left half-closed, and the cancellation is never swallowed (trio and anyio
    shield cleanup the same way).
    """
    # ensure_future, not create_task: an async generator's aclose() is an awaitable, not a coroutine.
    closing = asyncio.ensure_future(resource.aclose())
    cancelled: asyncio.CancelledError | None = None
    while not closing.done():
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError as error:
            if closing.cancelled():
                raise  # the close cancelled itself: nothing left to wait for
            cancelled = error
    if cancelled is not None:
        raise cancelled
    closing.result()  # the close's own failure, if any
