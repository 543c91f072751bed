"""The Python reference at the edges the spec fixes (spec/PROTOCOL.md sections 5 and 6): an
operation's own cancellation, parameter boundaries, defaults. Each test fails on the code before
the rule was fixed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import asyncpatterns
from asyncpatterns.runner.virtual_loop import VirtualTimeLoop


def on_virtual_time(body: Callable[[], Awaitable[Any]]) -> tuple[str, Any, float]:
    """Run ``body`` on a virtual loop: ("ok", value, ms) or ("raised", exception, ms)."""
    loop = VirtualTimeLoop(wall_budget_s=10)
    outcome: list[Any] = []

    async def main() -> None:
        try:
            outcome.extend(["ok", await body()])
        except BaseException as error:  # the pattern's outcome, cancellation included
            outcome.extend(["raised", error])
        outcome.append(loop.time() * 1000)
        loop.stop()

    try:
        loop.create_task(main())
        loop.run_forever()
    finally:
        loop.close()
    assert outcome, "the pattern never settled"
    return outcome[0], outcome[1], outcome[2]


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
    from asyncpatterns.runner.protocol import handle

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
