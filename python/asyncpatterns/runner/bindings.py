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
    invoke: Invoke
    #: the pattern's value as the protocol's JSON form
    to_json: Callable[[Any, Instruments], Any] = lambda value, _: value


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


BINDINGS: dict[str, Binding] = {
    "retry-backoff": Binding(retry_backoff.retry, _retry),
    "timeout": Binding(
        timeout.run_with_timeout,
        lambda impl, ins, p: impl(ins.operation_for("op"), p["timeout_ms"] / 1000),
    ),
    "cancellation-cleanup": Binding(
        cancellation_cleanup.run_with_resource,
        lambda impl, ins, p: impl(lambda: ins.open_resource("conn"), lambda _resource: ins.operation("op")),
    ),
    "parallel-partial-failures": Binding(
        parallel_partial_failures.run_all,
        lambda impl, ins, p: impl(ins.operation, p["items"]),
        _partial_results_json,
    ),
    "bounded-concurrency": Binding(
        bounded_concurrency.map_bounded,
        lambda impl, ins, p: impl(ins.operation, p["items"], p["limit"]),
    ),
    "task-group": Binding(
        task_group.run_group,
        lambda impl, ins, p: impl(ins.operation, p["items"]),
    ),
}
