"""The mistakes timeout exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Operation = Callable[[], Awaitable[Any]]


async def leaves_running(operation: Operation, timeout: float) -> Any:
    """Stops waiting at the limit but never cancels the operation."""
    task = asyncio.ensure_future(operation())
    done, _ = await asyncio.wait({task}, timeout=timeout)
    return task.result() if done else None


async def raises_on_timeout(operation: Operation, timeout: float) -> Any:
    """Lets the TimeoutError escape instead of returning no result."""
    return await asyncio.wait_for(operation(), timeout)


async def swallows_own_timeout(operation: Operation, timeout: float) -> Any:
    """Turns every TimeoutError into no result, the operation's own included."""
    try:
        async with asyncio.timeout(timeout):
            return await operation()
    except TimeoutError:
        return None


async def none_on_any_error(operation: Operation, timeout: float) -> Any:
    """Turns every failure of the operation into no result."""
    try:
        async with asyncio.timeout(timeout):
            return await operation()
    except Exception:
        return None


async def polling(operation: Operation, timeout: float) -> Any:
    """Checks for completion every 25 ms instead of awaiting it."""
    task = asyncio.ensure_future(operation())
    deadline = asyncio.get_running_loop().time() + timeout
    while not task.done() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.025)
    if task.done():
        return task.result()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return None
    return None


async def cancel_as_timeout(operation: Operation, timeout: float) -> Any:
    """Treats the caller's cancellation as a timeout and returns no result."""
    try:
        async with asyncio.timeout(timeout):
            return await operation()
    except (TimeoutError, asyncio.CancelledError):
        return None


async def no_wait_after_cancel(operation: Operation, timeout: float) -> Any:
    """Cancels the operation at the limit but returns before it has stopped."""
    task = asyncio.ensure_future(operation())
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if done:
        return task.result()
    task.cancel()
    return None
