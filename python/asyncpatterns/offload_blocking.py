"""Offloading blocking work (spec: ``spec/patterns/offload-blocking.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ._limits import check_count

K = TypeVar("K")
T = TypeVar("T")


def _outcome_of(work: Callable[[K], T], item: K) -> tuple[bool, Any]:
    """``(True, value)`` or ``(False, the very exception)``: run on the executor's thread."""
    try:
        return True, work(item)
    except BaseException as error:  # handed back unchanged, raised on the loop
        return False, error


async def offload_all(work: Callable[[K], T], items: Iterable[K], max_workers: int = 2) -> list[T]:
    """``[work(item) for item in items]``, each call on a thread of its own executor, so the loop
    stays responsive while ``work`` blocks.

    Guarantees (the spec's rules):
    - ``work`` never runs on the event loop's thread: ``loop.run_in_executor`` on a
      ``ThreadPoolExecutor`` of this call's own (R1);
    - at most ``max_workers`` calls run at once, started in input order as a thread frees: one
      task per worker takes item after item, so the executor never queues work (R2);
    - the values come back unchanged, in input order, once the last call finished (R3);
    - the first failure propagates unchanged, at once -- the exception itself (not the copy
      ``run_in_executor`` makes of a ``TimeoutError``), a ``CancelledError`` the work raised on its
      own included (a failure, not a cancellation anyone asked for: spec/PROTOCOL.md section 6) --
      and no further item starts; a call already
      running cannot be interrupted -- a thread runs to the end -- so it is left to finish on its
      own and its result is dropped (R4);
    - the caller's cancellation returns at once, as ``asyncio.CancelledError``, with the same
      treatment of the calls already running (R5).

    ``max_workers`` is an integer from 1 to 2147483647 (default 2, the spec's); anything else
    raises ``ValueError`` before any thread starts. No items: ``[]`` at once, no thread (R6).
    Why not ``asyncio.to_thread``: it uses the loop's default executor, whose size depends on the
    machine (``min(32, cpu + 4)``), shared with everything else on the loop.
    """
    check_count("max_workers", max_workers)  # an integer from 1 to 2147483647, else ValueError (invalid)
    todo = list(items)
    if not todo:
        return []
    loop = asyncio.get_running_loop()
    workers = min(max_workers, len(todo))
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="offload")
    results: list[Any] = [None] * len(todo)
    first_failure: asyncio.Future[BaseException] = loop.create_future()
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(todo) and not first_failure.done():
            index = next_index
            next_index += 1
            # The thread hands back what happened rather than raising it: asyncio re-creates a
            # TimeoutError crossing from an executor (the error would come back changed), and an own
            # CancelledError would end this task as if it had been cancelled.
            ok, outcome = await loop.run_in_executor(executor, _outcome_of, work, todo[index])
            if not ok:
                if not first_failure.done():
                    first_failure.set_result(outcome)
                return
            results[index] = outcome

    tasks = [asyncio.ensure_future(worker()) for _ in range(workers)]
    # A worker hands a failure over through `first_failure` and never raises: the cancellation it
    # ends with on a way out is collected here, never left unobserved (a cancelled gather would
    # hold a CancelledError nobody retrieves).
    all_done: asyncio.Future[Any] = asyncio.gather(*tasks, return_exceptions=True)
    try:
        waiting: list[asyncio.Future[Any]] = [all_done, first_failure]
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        # On a failure or a cancellation: no item starts any more; a thread still running its
        # call is not waited for (the loop must not block on it) -- it ends on its own.
        for task in tasks:
            task.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
    if first_failure.done():
        raise first_failure.result()
    return results
