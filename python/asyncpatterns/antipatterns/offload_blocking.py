"""The mistakes offload-blocking exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Work = Callable[[Any], Any]


async def inline(work: Work, items: Iterable[Any], max_workers: int) -> list[Any]:
    """Calls the blocking work on the loop's thread, as if it were async: the loop stalls for every block."""
    return [work(item) for item in items]


async def unbounded(work: Work, items: Iterable[Any], max_workers: int) -> list[Any]:
    """Offloads every item at once (a thread per item): max_workers is ignored."""
    return list(await asyncio.gather(*(asyncio.to_thread(work, item) for item in items)))


async def blocking_wait(work: Work, items: Iterable[Any], max_workers: int) -> list[Any]:
    """Offloads the work, then waits for each result with Future.result(): the loop's thread blocks."""
    with ThreadPoolExecutor(max_workers=max_workers) as executor:
        futures = [executor.submit(work, item) for item in items]
        return [future.result() for future in futures]
