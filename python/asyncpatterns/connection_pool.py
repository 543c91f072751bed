"""Connection pool: at most ``size`` connections, lent first-in-first-out (spec: ``connection-pool.yaml``)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Generic, Protocol, TypeVar

from ._limits import check_count, check_seconds, whole_ms
from .cancellation_cleanup import _aclose_shielded


class PooledConnection(Protocol):
    """What the pool needs of a connection: whether its last use broke it, and its close."""

    @property
    def broken(self) -> bool: ...

    async def aclose(self) -> None: ...


C = TypeVar("C", bound=PooledConnection)
T = TypeVar("T")


class ConnectionPool(Generic[C]):
    """At most ``size`` connections, opened lazily by ``open_connection`` and lent one caller at a time.

    Guarantees (the spec's rules):
    - a connection is opened only when an acquire finds none idle and fewer than ``size`` open or
      opening; an idle one is lent again (R1, R2);
    - callers wait first-in-first-out; a connection given back, or a slot freed, goes straight to
      the first waiter, so no newcomer gets past the queue (R3);
    - ``acquire_timeout`` bounds the whole acquire, the wait and the open: past it the acquire
      raises ``TimeoutError`` and an open still running is cancelled (R4);
    - a failed open raises its very error and frees its slot for the next waiter (R5);
    - ``connection()`` is an async context manager (psycopg_pool's name): the connection is given back on every path,
      failure and cancellation included (R6);
    - a connection its use broke is closed and never lent again; its slot is freed once it is
      closed (R7);
    - ``close()`` closes the idle connections at once and each borrowed one when it comes back;
      after ``close_timeout`` (whole ms, halves up; 0: at once) it cancels the callers still holding
      one, and returns once every connection is closed. A closing pool lends nothing: a caller
      waiting then times out (R8). Each ``close()`` call returns so, however many there are; one
      whose task is cancelled stops waiting (the pool stays closing, and its deadline cancels no
      one), once the idle connections it is closing are closed (R8, R11);
    - a caller cancelled while waiting leaves the queue; one handed a connection that had not
      resumed yet passes it on (R9).

    ``size`` is an integer from 1 to 2147483647, ``acquire_timeout`` from 0.001 and
    ``close_timeout`` from 0 to 2147483.647 s; anything else raises ``ValueError`` at once (R10).
    """

    def __init__(
        self,
        open_connection: Callable[[], Awaitable[C]],
        *,
        size: int = 10,
        acquire_timeout: float = 30.0,
        close_timeout: float = 10.0,
    ) -> None:
        check_count("size", size)
        check_seconds("acquire_timeout", acquire_timeout, least=0.001)
        check_seconds("close_timeout", close_timeout)
        self._open_connection = open_connection
        self._size = size
        self._acquire_timeout = acquire_timeout
        # Whole milliseconds, halves up (spec/PROTOCOL.md section 5): 0.4 ms is 0, which cancels the
        # holders at once, where asyncio.timeout(0.0004) would let a use ending in that ms finish.
        self._close_timeout = whole_ms(close_timeout) / 1000
        self._idle: deque[C] = deque()
        #: connections open or being opened: each holds one of the ``size`` slots
        self._slots_taken = 0
        #: waiting callers: a connection handed over, or None for a free slot to open one in
        self._waiters: deque[asyncio.Future[C | None]] = deque()
        #: the tasks holding a slot (opening or borrowing), which the close's deadline cancels
        self._holders: list[asyncio.Task[object]] = []
        self._closing = False
        self._emptied = asyncio.Event()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[C]:
        """Borrow a connection for the ``async with`` block; it comes back on every path."""
        connection = await self._borrow()
        try:
            yield connection
        finally:
            await self._release(connection)

    async def with_connection(self, use: Callable[[C], Awaitable[T]]) -> T:
        """``use`` a borrowed connection and return its value."""
        async with self.connection() as connection:
            return await use(connection)

    async def close(self) -> None:
        """Close every connection: the idle ones at once, the borrowed ones as they come back, the
        holders cancelled after ``close_timeout``.

        Cancelled, the call stops waiting and raises ``CancelledError`` -- once the idle connections
        it closes are closed (never cut short, R11); the pool stays closing, and the call's deadline
        goes with it: no holder is cancelled by it afterwards."""
        self._closing = True
        idle, self._idle = list(self._idle), deque()
        async with asyncio.TaskGroup() as closing:
            for connection in idle:
                closing.create_task(self._discard(connection))
            if self._slots_taken:
                try:
                    async with asyncio.timeout(self._close_deadline()):
                        await self._emptied.wait()
                except TimeoutError:
                    for holder in list(self._holders):
                        holder.cancel()
                    await self._emptied.wait()

    # -- the decisions an anti-pattern changes ------------------------------------------------------
    def _acquire_deadline(self) -> float | None:
        """The acquire's time limit in seconds (``None``: none)."""
        return self._acquire_timeout

    def _close_deadline(self) -> float | None:
        """How long the close waits for the holders before it cancels them, in seconds (``None``: for ever)."""
        return self._close_timeout

    def _can_open(self) -> bool:
        return self._slots_taken < self._size

    def _is_broken(self, connection: C) -> bool:
        return connection.broken

    def _next_waiter(self) -> asyncio.Future[C | None]:
        """The waiter served next: the first (first-in-first-out)."""
        return self._waiters.popleft()

    # -- the slots --------------------------------------------------------------------------------
    async def _borrow(self) -> C:
        holder = asyncio.current_task()
        assert holder is not None
        async with asyncio.timeout(self._acquire_deadline()):
            if not self._closing and not self._waiters and self._idle:
                got: C | None = self._idle.popleft()
            elif not self._closing and not self._waiters and self._can_open():
                self._slots_taken += 1
                got = None
            else:
                got = await self._wait()
            self._holders.append(holder)
            if got is not None:
                return got
            try:
                return await self._open_connection()
            except BaseException:
                self._holders.remove(holder)
                self._free_slot()
                raise

    async def _wait(self) -> C | None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[C | None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # Handed a connection or a slot, but cancelled before resuming: pass it on (R9).
                handed = waiter.result()
                if handed is None:
                    self._free_slot()
                elif self._closing:
                    await self._discard(handed)
                else:
                    self._give_back(handed)
            else:
                self._waiters.remove(waiter)
            raise

    async def _release(self, connection: C) -> None:
        holder = asyncio.current_task()
        assert holder is not None
        self._holders.remove(holder)
        if self._is_broken(connection) or self._closing:
            await self._discard(connection)
        else:
            self._give_back(connection)

    async def _discard(self, connection: C) -> None:
        """Close ``connection``, then free its slot: never more than ``size`` open at once (R2, R7).
        The close is never cut short: a cancellation that lands meanwhile comes out once it is done (R11)."""
        try:
            await _aclose_shielded(connection)
        finally:
            self._free_slot()

    def _give_back(self, connection: C) -> None:
        """A healthy connection, to the first waiter or the idle ones (the pool is not closing)."""
        if self._waiters:
            self._next_waiter().set_result(connection)
        else:
            self._idle.append(connection)

    def _free_slot(self) -> None:
        if self._waiters and not self._closing:
            self._next_waiter().set_result(None)  # the slot passes to the first waiter: it opens
            return
        self._slots_taken -= 1
        if self._closing and self._slots_taken == 0:
            self._emptied.set()
