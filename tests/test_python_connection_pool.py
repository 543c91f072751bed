"""The Python connection-pool reference beyond the spec's scenarios: what no timer order can reach, and its defaults."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

import pytest

from asyncconf.spec import load_spec
from asyncpatterns import ConnectionPool


class Connection:
    """A connection that closes at once and says so."""

    def __init__(self, n: int, closed: list[int]) -> None:
        self.n = n
        self.broken = False
        self._closed = closed

    async def aclose(self) -> None:
        self._closed.append(self.n)


def opener(closed: list[int]) -> Callable[[], Awaitable[Connection]]:
    count = 0

    async def open_connection() -> Connection:
        nonlocal count
        count += 1
        return Connection(count, closed)

    return open_connection


def test_defaults_are_the_specs() -> None:
    params = next(p for p in load_spec() if p.id == "connection-pool").params
    defaults = inspect.signature(ConnectionPool).parameters
    assert defaults["size"].default == params["size"]
    assert defaults["acquire_timeout"].default * 1000 == params["acquire_timeout_ms"]
    assert defaults["close_timeout"].default * 1000 == params["close_timeout_ms"]


@pytest.mark.parametrize(
    "options",
    [
        {"size": 0},
        {"size": 1.5},
        {"size": True},
        {"acquire_timeout": 0},
        {"acquire_timeout": 0.0004},
        {"close_timeout": -1},
    ],
)
def test_options_outside_their_domain_are_refused_up_front(options: dict[str, float]) -> None:
    """R10: a ValueError (``invalid``) from the constructor, before anything is opened."""
    with pytest.raises(ValueError):
        ConnectionPool(opener([]), **options)  # type: ignore[arg-type]


def test_a_waiter_cancelled_after_the_handover_passes_the_connection_on() -> None:
    """R9: a connection handed to a waiter whose task is cancelled before it resumed goes on to the next one.

    No timer order reaches that window (everything a give-back makes ready runs before the next timer),
    so the test gives the connection back and cancels the waiter in one step, holding it itself.
    """

    async def main() -> tuple[list[str], str, list[int]]:
        closed: list[int] = []
        pool: ConnectionPool[Connection] = ConnectionPool(opener(closed), size=1)
        used: list[str] = []

        async def use(name: str, connection: Connection) -> str:
            used.append(f"{name} on #{connection.n}")
            return name

        borrowed = pool.connection()
        await borrowed.__aenter__()  # the holder is the test itself
        second = asyncio.create_task(pool.with_connection(lambda c: use("b", c)))
        third = asyncio.create_task(pool.with_connection(lambda c: use("c", c)))
        await asyncio.sleep(0)
        await borrowed.__aexit__(None, None, None)  # hands the connection to the second caller ...
        second.cancel()  # ... which is cancelled before it resumed
        with pytest.raises(asyncio.CancelledError):
            await second
        value = await third
        await pool.close()
        return used, value, closed

    used, value, closed = asyncio.run(main())
    assert used == ["c on #1"]
    assert value == "c"
    assert closed == [1]


def test_the_connection_comes_back_after_the_block_raises() -> None:
    """R6: ``async with pool.connection()`` gives it back on an error: the next caller gets the same one."""

    async def main() -> list[int]:
        closed: list[int] = []
        pool: ConnectionPool[Connection] = ConnectionPool(opener(closed), size=1, acquire_timeout=1)
        lent: list[int] = []
        with pytest.raises(ConnectionError):
            async with pool.connection() as connection:
                lent.append(connection.n)
                raise ConnectionError("reset")
        async with pool.connection() as connection:
            lent.append(connection.n)
        await pool.close()
        return lent

    assert asyncio.run(main()) == [1, 1]


def test_every_close_returns_once_every_connection_is_closed() -> None:
    """R8: two closes while a holder holds the connection both return once it is given back and closed."""

    async def main() -> tuple[list[int], list[str]]:
        closed: list[int] = []
        pool: ConnectionPool[Connection] = ConnectionPool(opener(closed), size=1)
        release = asyncio.Event()
        ended: list[str] = []

        async def hold(connection: Connection) -> None:
            await release.wait()

        holder = asyncio.create_task(pool.with_connection(hold))
        await asyncio.sleep(0)
        first = asyncio.create_task(pool.close())
        second = asyncio.create_task(pool.close())
        for close in (first, second):
            close.add_done_callback(lambda task: ended.append(f"{'first' if task is first else 'second'} at {closed}"))
        await asyncio.sleep(0)
        assert not first.done() and not second.done()
        release.set()
        await asyncio.gather(holder, first, second)
        return closed, sorted(ended)

    closed, ended = asyncio.run(main())
    assert closed == [1]
    assert ended == ["first at [1]", "second at [1]"]


def test_a_cancelled_close_comes_out_once_the_closes_it_began_completed() -> None:
    """R8, R11: a close cancelled while it closes an idle connection waits for that close, then raises
    CancelledError; the pool stays closing (it lends nothing: an acquire times out)."""

    async def main() -> tuple[list[str], bool]:
        log: list[str] = []
        may_close = asyncio.Event()

        class SlowToClose(Connection):
            async def aclose(self) -> None:
                log.append("closing")
                await may_close.wait()
                log.append("closed")

        async def open_connection() -> Connection:
            return SlowToClose(1, [])

        pool: ConnectionPool[Connection] = ConnectionPool(open_connection, size=1, acquire_timeout=0.01)
        await pool.with_connection(lambda connection: asyncio.sleep(0))
        close = asyncio.create_task(pool.close())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        close.cancel()
        await asyncio.sleep(0)
        log.append(f"done: {close.done()}")
        may_close.set()
        try:
            await close
        except asyncio.CancelledError:
            log.append("cancelled")
        try:
            await pool.with_connection(lambda connection: asyncio.sleep(0))
        except TimeoutError:
            lends = False
        else:
            lends = True
        return log, lends

    log, lends = asyncio.run(main())
    assert log == ["closing", "done: False", "closed", "cancelled"]
    assert not lends


def test_a_close_timeout_under_half_a_ms_cancels_the_holders_at_once() -> None:
    """R8, PROTOCOL.md section 5: 0.0004 s rounds to 0 ms; the holder is cancelled before its 0.2 ms use ends."""

    async def main() -> bool:
        pool: ConnectionPool[Connection] = ConnectionPool(opener([]), size=1, close_timeout=0.0004)

        async def use(connection: Connection) -> str:
            await asyncio.sleep(0.0002)
            return "finished"

        holder = asyncio.create_task(pool.with_connection(use))
        await asyncio.sleep(0)
        await pool.close()
        try:
            await holder
        except asyncio.CancelledError:
            return True
        return False

    assert asyncio.run(main())
