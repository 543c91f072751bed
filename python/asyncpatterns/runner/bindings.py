"""How the runner calls each pattern, and how it turns what the pattern returns into JSON.

One ``Binding`` per spec pattern. The reference and every anti-pattern of a pattern share its
signature, so the same binding runs any of them. The JSON forms are fixed by spec/PROTOCOL.md
("Pattern contracts"); each language's runner produces the same ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .. import (
    bounded_concurrency,
    cancellation_cleanup,
    offload_blocking,
    parallel_partial_failures,
    retry_backoff,
    task_group,
    timeout,
)
from .blocking import Heartbeat
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


async def _offload(impl: Callable[..., Any], ins: Instruments, p: dict[str, Any]) -> Any:
    """The runner's heartbeat beats on the loop while the pattern runs (PROTOCOL.md section 5)."""
    period = p["heartbeat_ms"]
    if isinstance(period, bool) or not isinstance(period, int | float) or not 1 <= period <= 2**31 - 1:
        raise ValueError(f"`heartbeat_ms` must be a number from 1 to {2**31 - 1}, got {period!r}")
    heartbeat = Heartbeat(ins, period)
    try:
        return await impl(ins.blocking, p["items"], p["max_workers"])
    finally:
        heartbeat.stop()


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
    "offload-blocking": Binding(
        offload_blocking.offload_all,
        _offload,
        {"items": ["a", "b"], "max_workers": 2, "heartbeat_ms": 10},
    ),
    "task-group": Binding(
        task_group.run_group,
        lambda impl, ins, p: impl(ins.operation, p["items"]),
        {"items": ITEMS},
    ),
}
