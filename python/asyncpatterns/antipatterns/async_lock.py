"""The mistakes an async lock exists to prevent. Each has the reference's constructor and ``increment``.

Each is the reference with one decision changed, so that what a scenario catches is that decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ..async_lock import GuardedCounter


class NoLock(GuardedCounter):
    """No lock: two callers read the same value across the await and one update is lost."""

    async def increment(self, operation: Callable[[], Awaitable[object]]) -> int:
        current = self._value
        await operation()
        self._value = current + 1
        return self._value


class NotReleasedOnFailure(GuardedCounter):
    """Releases after the write, not in ``finally``: a failing operation leaves the lock held."""

    async def increment(self, operation: Callable[[], Awaitable[object]]) -> int:
        await self._lock.acquire()
        current = self._value
        await operation()
        self._value = current + 1
        self._lock.release()
        return self._value


class CancelledWaiterEnters(GuardedCounter):
    """Shields the acquire so that a cancellation would not "leave it half-taken": the cancelled
    caller's acquire still takes the lock when its turn comes, and nobody ever releases it."""

    async def increment(self, operation: Callable[[], Awaitable[object]]) -> int:
        await asyncio.shield(self._lock.acquire())
        try:
            current = self._value
            await operation()
            self._value = current + 1
            return self._value
        finally:
            self._lock.release()


ANTIPATTERNS: dict[str, type[GuardedCounter]] = {
    "no-lock": NoLock,
    "not-released-on-failure": NotReleasedOnFailure,
    "cancelled-waiter-enters": CancelledWaiterEnters,
}

__all__ = ["ANTIPATTERNS"]
