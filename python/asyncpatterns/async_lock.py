"""Async lock: a read-await-write section made exclusive (spec: ``spec/patterns/async-lock.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class GuardedCounter:
    """A counter that concurrent callers update with an ``await`` between the read and the write.

    Guarantees (the spec's rules), all from ``asyncio.Lock`` used as ``async with``:
    - each ``increment`` reads, awaits its operation and writes the value read plus 1 under the
      lock, and returns the value it wrote: no update is lost (R1);
    - critical sections never overlap (R2);
    - waiters enter first-in-first-out, and an arrival queues behind the waiters (R3, R4):
      ``asyncio.Lock`` hands the lock to its first waiter and lets no newcomer past it;
    - a failure inside the section releases the lock and propagates unchanged; the counter is not
      written (R5);
    - a holder's cancellation releases the lock once its operation has stopped (R6);
    - a waiter cancelled while waiting never takes the lock -- not even one the lock was already
      handed to and that had not resumed yet: ``asyncio.Lock.acquire`` passes it on (R7).
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._value = 0

    @property
    def value(self) -> int:
        return self._value

    async def increment(self, operation: Callable[[], Awaitable[object]]) -> int:
        """One caller's critical section: read, ``await operation()``, write the value read + 1."""
        async with self._lock:
            current = self._value
            await operation()
            self._value = current + 1
            return self._value
