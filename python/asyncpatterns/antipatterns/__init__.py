"""Anti-patterns: the mistakes each pattern exists to prevent, kept apart from the reference.

Each function has its pattern's reference signature, so the runner can run any of them in the
reference's place; the suite must reject every one (fail at least one scenario). ``REGISTRY``
maps a pattern id to its anti-patterns, by the ids the spec's ``antipatterns:`` list gives.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import (
    async_lock,
    async_stream,
    backpressure,
    bounded_concurrency,
    cancellation_cleanup,
    circuit_breaker,
    connection_pool,
    graceful_shutdown,
    offload_blocking,
    parallel_partial_failures,
    racing,
    retry_backoff,
    task_group,
    timeout,
    unobserved_failures,
)

_MODULES: dict[str, ModuleType] = {
    "async-stream": async_stream,
    "backpressure": backpressure,
    "bounded-concurrency": bounded_concurrency,
    "cancellation-cleanup": cancellation_cleanup,
    "graceful-shutdown": graceful_shutdown,
    "offload-blocking": offload_blocking,
    "parallel-partial-failures": parallel_partial_failures,
    "racing": racing,
    "retry-backoff": retry_backoff,
    "task-group": task_group,
    "timeout": timeout,
    "unobserved-failures": unobserved_failures,
}


def _antipatterns(module: ModuleType) -> dict[str, Callable[..., Any]]:
    """The module's public coroutine functions, by spec id (``no_cap`` -> ``no-cap``), and its
    public classes, but error types, for a pattern whose implementation is a class (``ExitsAtOnce`` ->
    ``exits-at-once``)."""
    import inspect
    import re

    found: dict[str, Callable[..., Any]] = {}
    for name, value in vars(module).items():
        if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.iscoroutinefunction(value):
            found[name.replace("_", "-")] = value
        elif inspect.isclass(value) and not issubclass(value, BaseException):  # an error type is no implementation
            found[re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()] = value
    return found


REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {
    pattern: _antipatterns(module) for pattern, module in _MODULES.items()
}
# A stateful pattern's anti-patterns are classes with the reference's constructor and methods.
REGISTRY["circuit-breaker"] = dict(circuit_breaker.ANTIPATTERNS)
REGISTRY["async-lock"] = dict(async_lock.ANTIPATTERNS)
REGISTRY["connection-pool"] = dict(connection_pool.ANTIPATTERNS)
