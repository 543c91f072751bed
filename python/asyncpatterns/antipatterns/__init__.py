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
    bounded_concurrency,
    cancellation_cleanup,
    offload_blocking,
    parallel_partial_failures,
    retry_backoff,
    task_group,
    timeout,
)

_MODULES: dict[str, ModuleType] = {
    "bounded-concurrency": bounded_concurrency,
    "cancellation-cleanup": cancellation_cleanup,
    "offload-blocking": offload_blocking,
    "parallel-partial-failures": parallel_partial_failures,
    "retry-backoff": retry_backoff,
    "task-group": task_group,
    "timeout": timeout,
}


def _antipatterns(module: ModuleType) -> dict[str, Callable[..., Any]]:
    """The module's public coroutine functions, by spec id (``no_cap`` -> ``no-cap``)."""
    import inspect

    return {
        name.replace("_", "-"): function
        for name, function in vars(module).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(function) and function.__module__ == module.__name__
    }


REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {
    pattern: _antipatterns(module) for pattern, module in _MODULES.items()
}
