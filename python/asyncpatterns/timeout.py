"""Timeout yielding "no result" (spec: ``spec/patterns/timeout.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ._limits import check_seconds

T = TypeVar("T")


async def run_with_timeout(operation: Callable[[], Awaitable[T]], limit: float = 1.0) -> T | None:
    """Await ``operation()`` for at most ``limit`` seconds; None if it did not finish in time.

    Guarantees (the spec's rules):
    - an operation that completes within the limit returns its value (R1);
    - an operation still running at the limit is cancelled, and None is returned once it has
      stopped -- it is never left running (R2, R3);
    - a failure of the operation itself, even a ``TimeoutError`` of its own, propagates unchanged:
      only the expiry of *this* limit becomes None (R4);
    - the caller's cancellation propagates as ``asyncio.CancelledError``, never as None (R5).

    ``limit`` is from 0.001 s (1 ms) to 2147483.647 s; anything else raises ``ValueError`` before
    the operation starts (0 would mean "expired already" to asyncio and "no limit" to others).
    """
    check_seconds("limit", limit, least=0.001)
    scope = asyncio.timeout(limit)
    try:
        async with scope:
            return await operation()
    except TimeoutError:
        # asyncio.timeout turns only its own cancellation into TimeoutError; expired() tells that
        # apart from a TimeoutError the operation raised itself.
        if scope.expired():
            return None
        raise
