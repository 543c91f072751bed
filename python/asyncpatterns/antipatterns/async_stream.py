"""The mistakes async-stream exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from .._limits import check_count

Use = Callable[[Any], Awaitable[object]]


async def break_without_closing(source: AsyncGenerator[Any, None], take: int, use: Use) -> list[Any]:
    """Breaks out of ``async for`` without ``aclosing``: the suspended generator's ``finally`` waits
    for garbage collection (asyncio's finalizer hook then schedules ``aclose()``), after the outcome."""
    check_count("take", take, least=0)
    consumed: list[Any] = []
    if take == 0:
        return consumed
    async for item in source:
        await use(item)
        consumed.append(item)
        if len(consumed) == take:
            break
    return consumed


async def manual_next_no_return(source: AsyncGenerator[Any, None], take: int, use: Use) -> list[Any]:
    """Pulls with ``anext()`` in a loop of its own and never calls ``aclose()`` (nor checks ``take``)."""
    consumed: list[Any] = []
    items = aiter(source)
    while len(consumed) < take:
        try:
            item = await anext(items)
        except StopAsyncIteration:
            break
        await use(item)
        consumed.append(item)
    return consumed


async def buffers_everything(source: AsyncGenerator[Any, None], take: int, use: Use) -> list[Any]:
    """Reads the whole sequence into a list first, then consumes the first ``take`` items."""
    check_count("take", take, least=0)
    async with contextlib.aclosing(source) as items:
        everything = [item async for item in items]
    consumed: list[Any] = []
    for item in everything[:take]:
        await use(item)
        consumed.append(item)
    return consumed


async def prefetches(source: AsyncGenerator[Any, None], take: int, use: Use) -> list[Any]:
    """Pulls the next item while ``use`` works on the current one: one pull past the limit, which it
    waits for before closing the source (a generator cannot be closed while a pull is running)."""
    check_count("take", take, least=0)
    consumed: list[Any] = []
    if take == 0:
        return consumed
    async with contextlib.aclosing(source) as items:
        pending: asyncio.Future[Any] = asyncio.ensure_future(anext(items))
        try:
            while True:
                try:
                    item = await pending
                except StopAsyncIteration:
                    break
                pending = asyncio.ensure_future(anext(items))  # the read-ahead
                await use(item)
                consumed.append(item)
                if len(consumed) == take:
                    break
        finally:
            with contextlib.suppress(BaseException):
                await pending
    return consumed
