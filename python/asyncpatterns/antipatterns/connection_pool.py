"""The mistakes a connection pool exists to prevent. Each has the reference's constructor and methods.

Each is the reference with one decision changed, so that what a scenario catches is that decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .._limits import LONGEST_S
from ..connection_pool import C, ConnectionPool

T = TypeVar("T")


class LeakOnFailure(ConnectionPool[C]):
    """Gives the connection back after the use's value only, not in ``finally``: a failing use keeps its slot."""

    async def with_connection(self, use: Callable[[C], Awaitable[T]]) -> T:
        connection = await self._borrow()
        value = await use(connection)
        await self._release(connection)
        return value


class NoUpperBound(ConnectionPool[C]):
    """Opens a new connection whenever none is idle, whatever ``size`` says -- and so takes any size: it reads none."""

    def __init__(
        self,
        open_connection: Callable[[], Awaitable[C]],
        *,
        size: int = 10,
        acquire_timeout: float = 30.0,
        close_timeout: float = 10.0,
    ) -> None:
        # ``size`` is never read: the reference's default stands in for it, and ``_can_open`` ignores that too.
        super().__init__(open_connection, acquire_timeout=acquire_timeout, close_timeout=close_timeout)

    def _can_open(self) -> bool:
        return True


class LifoWaiters(ConnectionPool[C]):
    """Serves the waiters last-in-first-out: the one that waited longest is served last."""

    def _next_waiter(self) -> asyncio.Future[C | None]:
        return self._waiters.pop()


class NoAcquireTimeout(ConnectionPool[C]):
    """Waits for a connection without a deadline -- and so takes any acquire timeout, 0 included."""

    def __init__(
        self,
        open_connection: Callable[[], Awaitable[C]],
        *,
        size: int = 10,
        acquire_timeout: float = 30.0,
        close_timeout: float = 10.0,
    ) -> None:
        super().__init__(open_connection, size=size, acquire_timeout=LONGEST_S, close_timeout=close_timeout)

    def _acquire_deadline(self) -> float | None:
        return None


class NoCloseDeadline(ConnectionPool[C]):
    """Closes without a deadline: the close waits for every holder however long it takes, never cancelling
    one -- and so takes any close timeout, a negative one included."""

    def __init__(
        self,
        open_connection: Callable[[], Awaitable[C]],
        *,
        size: int = 10,
        acquire_timeout: float = 30.0,
        close_timeout: float = 10.0,
    ) -> None:
        super().__init__(open_connection, size=size, acquire_timeout=acquire_timeout, close_timeout=LONGEST_S)

    def _close_deadline(self) -> float | None:
        return None


class ReturnsBroken(ConnectionPool[C]):
    """Gives a connection whose use failed fatally back to the idle ones."""

    def _is_broken(self, connection: C) -> bool:
        return False


ANTIPATTERNS: dict[str, type[ConnectionPool[Any]]] = {
    "leak-on-failure": LeakOnFailure,
    "no-upper-bound": NoUpperBound,
    "lifo-waiters": LifoWaiters,
    "no-acquire-timeout": NoAcquireTimeout,
    "no-close-deadline": NoCloseDeadline,
    "returns-broken": ReturnsBroken,
}

__all__ = ["ANTIPATTERNS"]
