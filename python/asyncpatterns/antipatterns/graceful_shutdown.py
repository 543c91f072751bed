"""The mistakes graceful-shutdown exists to prevent. Each is a ``JobService`` with one flaw."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from ..graceful_shutdown import JobService, ServiceStopped


class ExitsAtOnce(JobService):
    """Stops at the shutdown at once: closes and reports without waiting for the jobs in flight."""

    def _start(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return asyncio.ensure_future(job)  # no group: nothing waits for them

    async def _serve(self) -> None:
        await self._stopping.wait()


class NoDeadline(JobService):
    """Waits for the jobs in flight with no deadline."""

    async def _drain_in_flight(self, in_flight: list[asyncio.Task[None]]) -> None:
        if in_flight:
            await asyncio.wait(in_flight)


class AcceptsAfterShutdown(JobService):
    """Keeps accepting jobs while it drains (refuses them only once it has returned)."""

    _returned = False

    def submit(self, key: str) -> None:
        if self._returned:
            raise ServiceStopped(f"the service has stopped: job {key!r} refused")
        self._jobs[key] = self._start(self._job(key))

    async def run(self) -> Any:
        try:
            return await super().run()
        finally:
            self._returned = True


class SkipsCleanup(JobService):
    """Closes its resource on the graceful path only: a caller's cancellation skips the close."""

    async def run(self) -> Any:
        resource = await self._open_resource()
        await self._serve()
        self._stopping.set()
        await resource.aclose()
        return self._report()


class NoWaitAfterCancel(JobService):
    """Cancels the jobs left at the deadline, but closes without waiting for them to stop."""

    def _start(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return asyncio.ensure_future(job)  # no group: nothing waits for them

    async def _serve(self) -> None:
        await self._stopping.wait()
        await self._drain_in_flight([job for job in self._jobs.values() if not job.done()])
