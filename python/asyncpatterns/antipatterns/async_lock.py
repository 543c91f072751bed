"""The mistakes an async lock exists to prevent. Each has the reference's constructor and ``increment``.

Each is the reference with one decision changed, so that what a scenario catches is that decision.
"""

from __future__ import annotations

import asyncio
import threading
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


#: The unrelated wait of ``holds-across-unrelated-wait``: long enough that the real clock's band
#: (up to half again plus 60 ms late) cannot take it for scheduling noise.
UNRELATED_WAIT_S = 0.1


class HoldsAcrossUnrelatedWait(GuardedCounter):
    """Writes, then awaits a notification that has nothing to do with the counter (a delay on the
    loop's clock) before leaving the ``async with``: every caller behind it waits for it too."""

    async def increment(self, operation: Callable[[], Awaitable[object]]) -> int:
        async with self._lock:
            current = self._value
            await operation()
            self._value = current + 1
            await asyncio.sleep(UNRELATED_WAIT_S)  # belongs after the release
            return self._value


class ThreadLock(GuardedCounter):
    """A thread lock around the section. Re-entrant (``threading.RLock``), it is owned by the loop's one
    thread, which every task shares: the second caller enters at once, the sections overlap and
    updates are lost. (A plain ``threading.Lock`` would block that thread for good instead.)"""

    def __init__(self) -> None:
        super().__init__()
        self._thread_lock = threading.RLock()

    async def increment(self, operation: Callable[[], Awaitable[object]]) -> int:
        with self._thread_lock:
            current = self._value
            await operation()
            self._value = current + 1
            return self._value


ANTIPATTERNS: dict[str, type[GuardedCounter]] = {
    "no-lock": NoLock,
    "not-released-on-failure": NotReleasedOnFailure,
    "cancelled-waiter-enters": CancelledWaiterEnters,
    "holds-across-unrelated-wait": HoldsAcrossUnrelatedWait,
    "thread-lock": ThreadLock,
}

__all__ = ["ANTIPATTERNS"]
