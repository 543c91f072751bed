"""The mistakes cancellation-cleanup exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

OpenResource = Callable[[], Awaitable[Any]]
Operation = Callable[[Any], Awaitable[Any]]


async def no_finally(open_resource: OpenResource, operation: Operation) -> Any:
    """Cleans up on success only."""
    resource = await open_resource()
    result = await operation(resource)
    await resource.aclose()
    return result


async def cleanup_on_exception_only(open_resource: OpenResource, operation: Operation) -> Any:
    """Cleans up in ``except Exception``, which CancelledError (a BaseException) bypasses."""
    resource = await open_resource()
    try:
        result = await operation(resource)
    except Exception:
        await resource.aclose()
        raise
    await resource.aclose()
    return result


async def swallows_cancellation(open_resource: OpenResource, operation: Operation) -> Any:
    """Cleans up, then swallows the cancellation and returns None."""
    resource = await open_resource()
    try:
        return await operation(resource)
    except asyncio.CancelledError:
        return None
    finally:
        await resource.aclose()


async def cleanup_not_awaited(open_resource: OpenResource, operation: Operation) -> Any:
    """Starts the cleanup as a floating task and does not wait for it."""
    resource = await open_resource()
    try:
        return await operation(resource)
    finally:
        asyncio.ensure_future(resource.aclose())


async def missing_await(open_resource: OpenResource, operation: Operation) -> Any:
    """Calls the async cleanup without await: the coroutine is created and never runs."""
    resource = await open_resource()
    try:
        return await operation(resource)
    finally:
        resource.aclose()
