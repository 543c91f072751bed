"""The mistakes graceful-shutdown exists to prevent. Each is a ``JobService`` with one flaw."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from ..graceful_shutdown import JobService


class ExitsAtOnce(JobService):
    """Stops at the shutdown at once: closes and reports without waiting for the jobs in flight."""

    def _start(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return asyncio.ensure_future(job)  # no group: nothing waits for them

    async def _serve(self) -> None:
        await self._stopping.wait()


class NoDeadline(JobService):
    """Waits for the jobs in flight with no deadline (so it takes no drain: any value is ignored)."""

    def __init__(self, operation: Any, open_resource: Any, *, drain: float = 0.05) -> None:
        super().__init__(operation, open_resource)

    async def _drain_in_flight(self, in_flight: list[asyncio.Task[None]]) -> None:
        if in_flight:
            await asyncio.wait(in_flight)


class AcceptsAfterShutdown(JobService):
    """Never refuses a job: it accepts them while it drains, and after it has stopped runs them unsupervised."""

    def submit(self, key: str) -> None:
        job = self._job(key)
        try:
            self._jobs[key] = self._start(job)
        except RuntimeError:  # its task group has finished
            self._jobs[key] = asyncio.ensure_future(job)


class SkipsCleanup(JobService):
    """Never closes its resource."""

    async def run(self) -> Any:
        await self._open_resource()
        await self._serve()
        return self._report()


class NoWaitAfterCancel(JobService):
    """Cancels the jobs left at the deadline, but closes without waiting for them to stop."""

    def _start(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return asyncio.ensure_future(job)  # no group: nothing waits for them

    async def _serve(self) -> None:
        await self._stopping.wait()
        await self._drain_in_flight([job for job in self._jobs.values() if not job.done()])
