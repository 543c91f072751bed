"""Cancellation with cleanup (spec: ``spec/patterns/cancellation-cleanup.yaml``)."""

from __future__ import annotations

import contextlib
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
      propagates: cancellation is never swallowed or turned into a value (R4).
    """
    async with contextlib.aclosing(await open_resource()) as resource:
        return await operation(resource)
