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
