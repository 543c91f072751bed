"""The Python graceful-shutdown reference on a stock asyncio loop, beyond the spec's scenarios:
how a service refuses jobs before it runs and after it stopped, and that the refusal is its own error."""

from __future__ import annotations

import asyncio

import pytest

from asyncpatterns import JobService, ServiceStopped, ShutdownReport


class Resource:
    closed = 0

    async def aclose(self) -> None:
        Resource.closed += 1


async def open_resource() -> Resource:
    return Resource()


async def work(key: str) -> None:
    if key == "bad":
        raise PermissionError(key)
    await asyncio.sleep(0.001 if key != "slow" else 60)


def test_a_service_drains_refuses_and_reports_on_a_stock_loop() -> None:
    async def main() -> tuple[ShutdownReport, list[str]]:
        service = JobService(work, open_resource, drain=0.05)
        with pytest.raises(RuntimeError, match="not running"):
            service.submit("early")  # before run(): not a refusal of the shutdown
        running = asyncio.ensure_future(service.run())
        await asyncio.sleep(0)
        for key in ("a", "bad", "slow"):
            service.submit(key)
        service.shutdown()
        refused = []
        try:
            service.submit("late")
        except ServiceStopped:
            refused.append("late")
        report = await running
        with pytest.raises(ServiceStopped):
            service.submit("after")  # a stopped service still refuses
        return report, refused

    Resource.closed = 0
    report, refused = asyncio.run(main())
    assert report == ShutdownReport(completed=["a"], failed=["bad"], cancelled=["slow"])
    assert refused == ["late"]
    assert Resource.closed == 1


def test_the_refusal_is_a_runtime_error_of_its_own() -> None:
    assert issubclass(ServiceStopped, RuntimeError)
    assert not issubclass(ServiceStopped, (ValueError, PermissionError, ConnectionError, TimeoutError))


def test_a_job_arriving_while_a_cancelled_service_stops_is_refused() -> None:
    async def slow_to_stop(_key: str) -> None:
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.shield(asyncio.sleep(0.01))  # takes a while to stop once cancelled

    async def main() -> list[str]:
        service = JobService(slow_to_stop, open_resource)
        running = asyncio.ensure_future(service.run())
        await asyncio.sleep(0)
        service.submit("a")
        await asyncio.sleep(0)
        running.cancel()  # the caller's cancellation: a takes 10 ms to stop
        await asyncio.sleep(0.002)
        refused = []
        try:
            service.submit("b")  # not into a task group that is shutting down (a RuntimeError)
        except ServiceStopped:
            refused.append("b")
        with pytest.raises(asyncio.CancelledError):
            await running
        return refused

    assert asyncio.run(main()) == ["b"]
