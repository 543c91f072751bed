"""Graceful shutdown (spec: ``spec/patterns/graceful-shutdown.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from ._limits import check_seconds, whole_ms
from ._own_cancellation import cancel_requested
from .cancellation_cleanup import AsyncClosable, _aclose_shielded


class ServiceStopped(RuntimeError):
    """``submit()`` once the shutdown has begun: the job is refused, never started (R2)."""


@dataclass(frozen=True)
class ShutdownReport:
    """What became of every job the service accepted, each key in the order the jobs arrived."""

    completed: list[str]
    failed: list[str]
    cancelled: list[str]


class JobService:
    """A service that runs ``operation(key)`` for each job submitted, until it is shut down.

    ``run()`` opens the resource and serves; ``submit(key)`` starts a job; ``shutdown()`` asks
    for the shutdown, after which ``run()`` returns the report. ``drain`` is in seconds, from 0
    (no drain) to 2147483.647, rounded to whole milliseconds halves up.

    Guarantees (the spec's rules):
    - a job submitted before the shutdown starts at once, concurrently with the others (R1);
    - from the shutdown on, ``submit()`` raises ``ServiceStopped`` and starts nothing (R2);
    - the jobs in flight get up to ``drain`` seconds to finish, the service going on as soon as
      they have (R3); then the rest are cancelled, and the service waits for them to stop (R4);
      a ``drain`` under half a millisecond is no drain at all;
    - the resource is closed exactly once, after every job has ended or stopped, on every path,
      and ``run()`` returns only once it is closed (R5);
    - the report lists each accepted job once: completed, failed (its own cancellation included)
      or cancelled (R6);
    - cancelling ``run()`` cancels every job at once, waits for them, closes the resource and
      propagates ``asyncio.CancelledError`` (R7).
    """

    def __init__(
        self,
        operation: Callable[[str], Awaitable[object]],
        open_resource: Callable[[], Awaitable[AsyncClosable]],
        *,
        drain: float = 0.05,
    ) -> None:
        check_seconds("drain", drain)
        self._operation = operation
        self._open_resource = open_resource
        self._drain = whole_ms(drain) / 1000
        self._stopping = asyncio.Event()
        self._group: asyncio.TaskGroup | None = None
        self._jobs: dict[str, asyncio.Task[None]] = {}
        self._ended: dict[str, str] = {}  # key -> "completed" | "failed" | "cancelled"

    def submit(self, key: str) -> None:
        """Start job ``key`` now; ``ServiceStopped`` once the shutdown has begun (R2)."""
        if self._stopping.is_set():
            raise ServiceStopped(f"the service is shutting down: job {key!r} refused")
        self._jobs[key] = self._start(self._job(key))

    def shutdown(self) -> None:
        """Ask for the shutdown: no job is accepted from now on, and ``run()`` drains and returns."""
        self._stopping.set()

    async def run(self) -> ShutdownReport:
        """Serve until ``shutdown()``; then drain, cancel the rest, close, and report."""
        resource = await self._open_resource()
        try:
            await self._serve()
        finally:
            self._stopping.set()  # a stopped service accepts nothing either (R2)
            # Shielded: a cancellation during the close waits for it, then propagates (R5, R7).
            await _aclose_shielded(resource)
        return self._report()

    async def _serve(self) -> None:
        async with asyncio.TaskGroup() as group:
            self._group = group
            try:
                await self._stopping.wait()
                await self._drain_in_flight([job for job in self._jobs.values() if not job.done()])
            finally:
                # Accepting ends here on every path: a job arriving while the group waits for the
                # jobs to stop, after a caller's cancellation too, is refused (R2, R7).
                self._stopping.set()
        # Leaving the group waited for every cancelled job to stop (R4); a caller's cancellation
        # cancelled every job and waited for them too (R7).

    def _start(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        if self._group is None:
            job.close()
            raise RuntimeError("the service is not running: call run() first")
        return self._group.create_task(job)

    async def _drain_in_flight(self, in_flight: list[asyncio.Task[None]]) -> None:
        """Wait up to the drain for ``in_flight`` to end (R3), then cancel the rest (R4)."""
        if not in_flight:
            return
        try:
            async with asyncio.timeout(self._drain):  # 0: expired already, no drain
                await asyncio.wait(in_flight)
        except TimeoutError:
            for job in in_flight:
                job.cancel()

    async def _job(self, key: str) -> None:
        try:
            await self._operation(key)
        except asyncio.CancelledError:
            if cancel_requested():
                self._ended[key] = "cancelled"
                raise
            self._ended[key] = "failed"  # its own cancellation, nobody asked for it (R6)
        except Exception:
            self._ended[key] = "failed"  # a failure stops neither the service nor the others (R6)
        else:
            self._ended[key] = "completed"

    def _report(self) -> ShutdownReport:
        def having(ending: str) -> list[str]:
            return [key for key in self._jobs if self._ended.get(key) == ending]

        return ShutdownReport(having("completed"), having("failed"), having("cancelled"))
