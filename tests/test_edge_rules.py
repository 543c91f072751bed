"""The Python reference at the edges the spec fixes (spec/PROTOCOL.md sections 5 and 6): an
operation's own cancellation, parameter boundaries, defaults. Each test fails on the code before
the rule was fixed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import asyncpatterns
from virtual_time import on_virtual_time


def own_cancellation_at(ms: float, key: str) -> tuple[Callable[[str], Awaitable[str]], dict[str, Any]]:
    """An operation: ``key`` raises a CancelledError nobody asked for at ``ms``; others hang, cancellable."""
    seen: dict[str, Any] = {"cancelled": [], "raised": None}

    async def operation(item: str) -> str:
        try:
            if item == key:
                await asyncio.sleep(ms / 1000)
                seen["raised"] = asyncio.CancelledError(f"{item} gave up")
                raise seen["raised"]
            await asyncio.sleep(3600)
            return item
        except asyncio.CancelledError as error:
            if error is not seen["raised"]:
                seen["cancelled"].append(item)
            raise

    return operation, seen


def test_task_group_treats_an_own_cancellation_as_a_failure() -> None:
    operation, seen = own_cancellation_at(10, "b")
    status, error, elapsed = on_virtual_time(lambda: asyncpatterns.run_group(operation, ["a", "b", "c"]))
    assert status == "raised"
    assert isinstance(error, BaseExceptionGroup)
    assert list(error.exceptions) == [seen["raised"]]  # the very error, grouped
    assert sorted(seen["cancelled"]) == ["a", "c"]
    assert elapsed == 10


def test_bounded_map_stops_on_an_own_cancellation_and_raises_it() -> None:
    operation, seen = own_cancellation_at(15, "b")
    status, error, elapsed = on_virtual_time(lambda: asyncpatterns.map_bounded(operation, ["a", "b", "c"], 2))
    assert (status, error, elapsed) == ("raised", seen["raised"], 15)
    assert seen["cancelled"] == ["a"]


def test_parallel_run_reports_an_own_cancellation_as_that_very_failure() -> None:
    async def operation(item: str) -> str:
        await asyncio.sleep(0.010)
        if item == "b":
            raise own
        return item.upper()

    own = asyncio.CancelledError("b gave up")
    status, value, elapsed = on_virtual_time(lambda: asyncpatterns.run_all(operation, ["a", "b"]))
    assert status == "ok"
    assert value.succeeded == {"a": "A"}
    assert value.failed == {"b": own}
    assert value.failed["b"] is own
    assert elapsed == 10


@pytest.mark.parametrize("pattern", ["task-group", "bounded", "parallel"])
def test_a_cancellation_that_was_asked_for_stays_a_cancellation(pattern: str) -> None:
    async def operation(item: str) -> str:
        await asyncio.sleep(3600)
        return item

    async def body() -> Any:
        run = {
            "task-group": lambda: asyncpatterns.run_group(operation, ["a", "b"]),
            "bounded": lambda: asyncpatterns.map_bounded(operation, ["a", "b", "c"], 2),
            "parallel": lambda: asyncpatterns.run_all(operation, ["a", "b"]),
        }[pattern]
        task = asyncio.ensure_future(run())
        asyncio.get_running_loop().call_later(0.015, task.cancel)
        return await task

    status, error, elapsed = on_virtual_time(body)
    assert (status, type(error), elapsed) == ("raised", asyncio.CancelledError, 15)


def test_the_random_source_repeats_its_last_value_and_counts_every_draw() -> None:
    # spec/PROTOCOL.md section 3: never an error in the pattern's outcome, always counted.
    from python_runner import ask as handle

    answer = handle(
        {
            "id": 1,
            "pattern": "retry-backoff",
            "params": {
                "max_attempts": 3,
                "base_delay_ms": 100,
                "factor": 2,
                "max_delay_ms": 60000,
                "jitter": "proportional",
            },
            "plan": {"op": [{"after_ms": 10, "fail": "transient"}]},
            "random": [0.25],
        }
    )
    assert answer["outcome"] == {"fail": "transient", "from": "op#3"}  # not the runner's LookupError
    assert answer["random_draws"] == 2
    assert [e["t"] for e in answer["trace"] if e["ev"] == "call"] == [0, 85, 245]  # 0.25 again: 200 * 0.75


def test_an_empty_random_source_gives_the_neutral_value() -> None:
    from asyncpatterns.runner.instruments import Instruments

    source = Instruments({}, clock_ms=lambda: 0, params={}, random=[], max_calls=10)
    assert [source.draw(), source.draw()] == [0.5, 0.5]
    assert source.draws == 2


def test_a_refused_argument_is_invalid_and_no_longer_mistaken_for_fatal() -> None:
    # spec/PROTOCOL.md section 6: ValueError is what a pattern raises for a bad argument (invalid);
    # an operation's fatal failure is a PermissionError; a TypeError is no kind (a crash, say).
    from asyncpatterns.runner.errors import describe_error, kind_of, make_error

    assert isinstance(make_error("fatal", "denied"), PermissionError)
    assert kind_of(make_error("fatal", "denied")) == "fatal"
    assert kind_of(ValueError("`limit` must be an integer from 1 to 2147483647, got 0")) == "invalid"
    assert describe_error(TypeError("'NoneType' object is not callable"), lambda _: None)["fail"] == "other"


@pytest.mark.parametrize(
    ("run", "empty"),
    [
        (lambda op: asyncpatterns.map_bounded(op, []), []),
        (lambda op: asyncpatterns.run_group(op, []), []),
        (lambda op: asyncpatterns.run_all(op, []), asyncpatterns.PartialResults()),
    ],
)
def test_no_items_is_an_empty_result_at_once(run: Callable[[Any], Awaitable[Any]], empty: Any) -> None:
    # spec/PROTOCOL.md section 8 ("Parameters"): no call, no time.
    calls: list[str] = []

    async def operation(item: str) -> str:
        calls.append(item)
        return item

    assert on_virtual_time(lambda: run(operation)) == ("ok", empty, 0)
    assert calls == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: asyncpatterns.retry(lambda: None, factor=0.5), "`factor` must be a finite number of at least 1"),  # type: ignore[arg-type, return-value]
        (
            lambda: asyncpatterns.retry(lambda: None, max_delay=2**31 / 1000),
            "`max_delay` must be from 0.0 to 2147483.647",
        ),  # type: ignore[arg-type, return-value]
        (lambda: asyncpatterns.retry(lambda: None, jitter="full"), "`jitter` must be 'none' or 'proportional'"),  # type: ignore[arg-type, return-value]
        (lambda: asyncpatterns.run_with_timeout(lambda: None, 0), "`limit` must be from 0.001"),  # type: ignore[arg-type, return-value]
        (lambda: asyncpatterns.map_bounded(lambda _: None, [], 1.5), "`limit` must be an integer"),  # type: ignore[arg-type, return-value]
        (lambda: asyncpatterns.run_all(lambda _: None, ["a", "a"]), "`items` must be distinct"),  # type: ignore[arg-type, return-value]
    ],
)
def test_parameters_out_of_their_domain_are_refused_up_front(call: Any, message: str) -> None:
    status, error, elapsed = on_virtual_time(call)
    assert (status, type(error), elapsed) == ("raised", ValueError, 0)
    assert str(error).startswith(message)


def test_map_bounded_defaults_to_the_specs_limit() -> None:
    from asyncconf.spec import load_spec

    limit = next(p for p in load_spec() if p.id == "bounded-concurrency").params["limit"]
    running: list[int] = []
    peak = 0

    async def operation(item: int) -> int:
        nonlocal peak
        running.append(item)
        peak = max(peak, len(running))
        await asyncio.sleep(0.010)
        running.remove(item)
        return item

    assert on_virtual_time(lambda: asyncpatterns.map_bounded(operation, range(5))) == ("ok", list(range(5)), 30)
    assert peak == limit == 2


def test_every_binding_defaults_a_left_out_parameter_to_the_specs() -> None:
    # spec/PROTOCOL.md section 2: a parameter a request leaves out takes the spec's default.
    from asyncconf.spec import load_spec
    from asyncpatterns.runner.bindings import BINDINGS
    from python_runner import ask as handle

    for pattern in load_spec():
        assert BINDINGS[pattern.id].defaults == pattern.params, pattern.id
    # Not a test of the block limit: in this loaded test process a run once read 63 ms (CI's load).
    lenient = {"block_limit_ms": 1000}
    timeout = handle({"id": 1, "pattern": "timeout", "plan": {"op": [{"hang": True}]}, **lenient})
    assert (timeout["outcome"], timeout["elapsed_ms"]) == ({"ok": None}, 1000)
    cleanup = handle(
        {"id": 2, "pattern": "cancellation-cleanup", "plan": {"op": [{"after_ms": 20, "ok": "v"}]}, **lenient}
    )
    assert cleanup["elapsed_ms"] == 25


def test_a_second_cancellation_does_not_hurry_an_operation_that_is_stopping() -> None:
    # spec/PROTOCOL.md section 3: cancelled once, as in JavaScript and C#; the limit at 50 ms
    # cancels the task again while the operation takes its 10 ms to stop after the caller's cancel.
    from python_runner import ask as handle

    answer = handle(
        {
            "id": 1,
            "pattern": "timeout",
            "params": {"timeout_ms": 50},
            "plan": {"op": [{"hang": True, "cancel_ms": 10}]},
            "cancel_at_ms": 45,
        }
    )
    assert (answer["outcome"], answer["elapsed_ms"]) == ({"fail": "cancelled"}, 55)
