"""The Python reference: its defaults are the spec's, its public names are exported, and bad
arguments are refused naming the parameter."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator

import pytest

import asyncpatterns
from asyncconf.spec import load_spec

SPEC = {pattern.id: pattern for pattern in load_spec()}


def default(function: object, name: str) -> object:
    return inspect.signature(function).parameters[name].default  # type: ignore[arg-type]


def test_retry_defaults_are_the_specs() -> None:
    params = SPEC["retry-backoff"].params
    assert default(asyncpatterns.retry, "max_attempts") == params["max_attempts"]
    assert default(asyncpatterns.retry, "base_delay") * 1000 == params["base_delay_ms"]
    assert default(asyncpatterns.retry, "factor") == params["factor"]
    assert default(asyncpatterns.retry, "max_delay") * 1000 == params["max_delay_ms"]
    assert default(asyncpatterns.retry, "jitter") == params["jitter"]


def test_timeout_default_is_the_specs() -> None:
    assert default(asyncpatterns.run_with_timeout, "limit") * 1000 == SPEC["timeout"].params["timeout_ms"]


def test_circuit_breaker_defaults_are_the_specs() -> None:
    params = SPEC["circuit-breaker"].params
    assert default(asyncpatterns.CircuitBreaker, "failure_threshold") == params["failure_threshold"]
    assert default(asyncpatterns.CircuitBreaker, "break_duration") * 1000 == params["break_ms"]


def test_graceful_shutdown_default_is_the_specs() -> None:
    assert default(asyncpatterns.JobService, "drain") * 1000 == SPEC["graceful-shutdown"].params["drain_ms"]


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in vars(asyncpatterns) if not name.startswith("_")} - {
        "antipatterns", "runner", "bounded_concurrency", "cancellation_cleanup", "parallel_partial_failures",
        "retry_backoff", "task_group", "timeout", "racing", "circuit_breaker", "async_stream", "unobserved_failures",
        "async_lock", "backpressure", "graceful_shutdown", "connection_pool", "offload_blocking",
    }  # fmt: skip
    assert set(asyncpatterns.__all__) == public


MAX = 2**31 - 1


async def _no_items() -> AsyncIterator[str]:
    return
    yield  # an async generator that yields nothing


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: asyncpatterns.retry(lambda: None, max_attempts=0),  # type: ignore[arg-type, return-value]
            f"`max_attempts` must be an integer from 1 to {MAX}, got 0",
        ),
        (
            lambda: asyncpatterns.run_with_timeout(lambda: None, -1),  # type: ignore[arg-type, return-value]
            f"`limit` must be from 0.001 to {MAX / 1000} seconds, got -1",
        ),
        (
            lambda: asyncpatterns.map_bounded(lambda _: None, [], 0),  # type: ignore[arg-type, return-value]
            f"`limit` must be an integer from 1 to {MAX}, got 0",
        ),
        (
            lambda: asyncpatterns.consume_stream(None, -1, None),  # type: ignore[arg-type]
            f"`take` must be an integer from 0 to {MAX}, got -1",
        ),
        (
            lambda: asyncpatterns.run_pipeline(_no_items(), lambda _: None, 0),  # type: ignore[arg-type, return-value]
            f"`capacity` must be an integer from 1 to {MAX}, got 0",
        ),
        (
            lambda: asyncpatterns.run_pipeline(_no_items(), lambda _: None, 2, 2**31),  # type: ignore[arg-type, return-value]
            f"`workers` must be an integer from 1 to {MAX}, got {2**31}",
        ),
        (
            lambda: asyncpatterns.JobService(lambda _: None, lambda: None, drain=-1),  # type: ignore[arg-type, return-value]
            f"`drain` must be from 0.0 to {MAX / 1000} seconds, got -1",
        ),
        (
            lambda: asyncpatterns.offload_all(lambda _: None, [], 0),  # type: ignore[arg-type, return-value]
            f"`max_workers` must be an integer from 1 to {MAX}, got 0",
        ),
    ],
)
def test_bad_arguments_name_the_parameter(call, message) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    with pytest.raises(ValueError, match=message):
        asyncio.run(call())


def test_offload_default_is_the_specs() -> None:
    assert default(asyncpatterns.offload_all, "max_workers") == SPEC["offload-blocking"].params["max_workers"]


def test_offload_runs_the_work_off_the_loop_and_in_input_order() -> None:
    import asyncio
    import threading
    import time

    loop_thread: list[int] = []

    def work(item: str) -> tuple[str, bool]:
        time.sleep(0.01 if item == "a" else 0)  # a finishes last: the order is the input's
        return item, threading.get_ident() != loop_thread[0]

    async def main() -> list[tuple[str, bool]]:
        loop_thread.append(threading.get_ident())
        return await asyncpatterns.offload_all(work, ["a", "b", "c"], 2)

    assert asyncio.run(main()) == [("a", True), ("b", True), ("c", True)]


def test_offload_passes_the_very_error_through() -> None:
    import asyncio

    failure = PermissionError("no")

    def work(item: str) -> None:
        raise failure

    async def main() -> None:
        await asyncpatterns.offload_all(work, ["a"], 1)

    with pytest.raises(PermissionError) as caught:
        asyncio.run(main())
    assert caught.value is failure


def test_offload_with_no_items_is_empty_at_once_without_a_thread() -> None:
    import asyncio
    import threading

    before = set(threading.enumerate())
    assert asyncio.run(asyncpatterns.offload_all(lambda _: 1, [], 2)) == []
    # No thread started (one of the session's own may end meanwhile: tests/background_suites.py).
    assert set(threading.enumerate()) - before == set()
