"""How the runner calls each pattern, and how it turns what the pattern returns into JSON.

One ``Binding`` per spec pattern. The reference and every anti-pattern of a pattern share its
signature, so the same binding runs any of them. The JSON forms are fixed by spec/PROTOCOL.md
("Pattern contracts"); each language's runner produces the same ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .. import (
    bounded_concurrency,
    cancellation_cleanup,
    graceful_shutdown,
    parallel_partial_failures,
    retry_backoff,
    task_group,
    timeout,
)
from .errors import describe_error
from .instruments import Instruments

Invoke = Callable[[Callable[..., Any], Instruments, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Binding:
    reference: Callable[..., Any]
    invoke_with: Invoke
    #: the spec's `params`: what a parameter the request leaves out takes (a test pins them)
    defaults: dict[str, Any]
    #: the pattern's value as the protocol's JSON form
    to_json: Callable[[Any, Instruments], Any] = lambda value, _: value

    def invoke(self, impl: Callable[..., Any], ins: Instruments, params: dict[str, Any]) -> Awaitable[Any]:
        """Run ``impl`` with ``params``, a parameter left out taking the spec's default (PROTOCOL.md section 2)."""
        return self.invoke_with(impl, ins, {**self.defaults, **params})


def _retry(impl: Callable[..., Any], ins: Instruments, p: dict[str, Any]) -> Awaitable[Any]:
    return impl(  # type: ignore[no-any-return]
        ins.operation_for("op"),
        max_attempts=p["max_attempts"],
        base_delay=p["base_delay_ms"] / 1000,
        factor=p["factor"],
        max_delay=p["max_delay_ms"] / 1000,
        jitter=p["jitter"],
        random=ins.draw,
    )


def _partial_results_json(value: Any, ins: Instruments) -> Any:
    return {
        "succeeded": {str(key): v for key, v in value.succeeded.items()},
        "failed": {str(key): describe_error(e, ins.origin) for key, e in value.failed.items()},
    }


def _arrivals(jobs: Any, shutdown_at_ms: Any) -> list[tuple[str, int]]:
    """The jobs as (key, instant), refused with ``ValueError`` outside their domain (PROTOCOL.md section 8)."""
    for name, instant in [("shutdown_at_ms", shutdown_at_ms), *((f"jobs.{k}", v) for k, v in dict(jobs).items())]:
        if isinstance(instant, bool) or not isinstance(instant, int) or not 0 <= instant <= 2**31 - 1:
            raise ValueError(f"`{name}` must be an integer from 0 to {2**31 - 1}, got {instant!r}")
    return [(str(key), instant) for key, instant in jobs.items()]


async def _graceful_shutdown(impl: Callable[..., Any], ins: Instruments, p: dict[str, Any]) -> Any:
    """The service's caller: submits each job at its instant, asks for the shutdown at ``shutdown_at_ms``.

    The shutdown is armed before the arrivals, so a job due at the shutdown's instant comes after it
    (rejected, the spec's R2); the outcome comes once the service has returned and every job has arrived.
    """
    arrivals = _arrivals(p["jobs"], p["shutdown_at_ms"])
    service = impl(
        ins.operation, lambda: ins.open_resource("service", close_ms=p["close_ms"]), drain=p["drain_ms"] / 1000
    )
    loop = asyncio.get_running_loop()
    rejected: list[str] = []
    errors: list[BaseException] = []
    all_arrived = asyncio.Event()
    pending = len(arrivals)

    def arrive(key: str) -> None:
        nonlocal pending
        try:
            service.submit(key)
        except graceful_shutdown.ServiceStopped:
            rejected.append(key)
        except Exception as error:  # not the rejection error: the pattern's outcome
            errors.append(error)
        pending -= 1
        if pending == 0:
            all_arrived.set()

    timers = [loop.call_later(p["shutdown_at_ms"] / 1000, service.shutdown)]
    timers += [loop.call_later(instant / 1000, arrive, key) for key, instant in arrivals]
    if pending == 0:
        all_arrived.set()
    try:
        report = await service.run()
        await all_arrived.wait()
    finally:
        for timer in timers:
            timer.cancel()
    if errors:
        raise errors[0]
    return {
        "completed": sorted(report.completed),
        "failed": sorted(report.failed),
        "cancelled": sorted(report.cancelled),
        "rejected": sorted(rejected),
    }


ITEMS = ["a", "b", "c"]

BINDINGS: dict[str, Binding] = {
    "retry-backoff": Binding(
        retry_backoff.retry,
        _retry,
        {"max_attempts": 3, "base_delay_ms": 1000, "factor": 2, "max_delay_ms": 60000, "jitter": "none"},
    ),
    "timeout": Binding(
        timeout.run_with_timeout,
        lambda impl, ins, p: impl(ins.operation_for("op"), p["timeout_ms"] / 1000),
        {"timeout_ms": 1000},
    ),
    "cancellation-cleanup": Binding(
        cancellation_cleanup.run_with_resource,
        lambda impl, ins, p: impl(
            lambda: ins.open_resource("conn", close_ms=p["close_ms"]), lambda _resource: ins.operation("op")
        ),
        {"close_ms": 5},
    ),
    "parallel-partial-failures": Binding(
        parallel_partial_failures.run_all,
        lambda impl, ins, p: impl(ins.operation, p["items"]),
        {"items": ITEMS},
        _partial_results_json,
    ),
    "bounded-concurrency": Binding(
        bounded_concurrency.map_bounded,
        lambda impl, ins, p: impl(ins.operation, p["items"], p["limit"]),
        {"items": ["a", "b", "c", "d", "e"], "limit": 2},
    ),
    "task-group": Binding(
        task_group.run_group,
        lambda impl, ins, p: impl(ins.operation, p["items"]),
        {"items": ITEMS},
    ),
    "graceful-shutdown": Binding(
        graceful_shutdown.JobService,
        _graceful_shutdown,
        {"jobs": {"a": 0, "b": 10, "c": 30}, "shutdown_at_ms": 40, "drain_ms": 50, "close_ms": 5},
    ),
}
