"""The Python racing reference beyond what the spec's scenarios see: its defaults, the very errors it
groups, refusals that name the parameter, a value of None, and an alternative that fails while the
caller's cancellation is being handled."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from asyncconf.spec import load_spec
from asyncpatterns import race
from virtual_time import on_virtual_time

SPEC = {pattern.id: pattern for pattern in load_spec()}
MAX_S = (2**31 - 1) / 1000


def test_the_default_hedge_delay_is_the_specs() -> None:
    default = inspect.signature(race).parameters["hedge_delay"].default
    assert default * 1000 == SPEC["racing"].params["hedge_ms"] == 0


@pytest.mark.parametrize(
    ("items", "hedge_delay", "message"),
    [
        ([], 0.0, "`items` must hold at least one alternative"),
        (["a"], 0.0004, f"`hedge_delay` must be 0 or from 0.001 to {MAX_S} seconds, got 0.0004"),
        (["a"], -1, f"`hedge_delay` must be 0 or from 0.001 to {MAX_S} seconds, got -1"),
        (["a"], True, f"`hedge_delay` must be 0 or from 0.001 to {MAX_S} seconds, got True"),
        (["a"], MAX_S + 0.001, "`hedge_delay` must be 0 or from 0.001"),
    ],
)
def test_bad_arguments_are_refused_before_any_call(items: list[str], hedge_delay: float, message: str) -> None:
    calls: list[str] = []

    async def operation(item: str) -> str:
        calls.append(item)
        return item

    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        asyncio.run(race(operation, items, hedge_delay))
    assert calls == []


def test_every_failure_comes_out_as_the_very_error_in_input_order() -> None:
    errors = {"a": ConnectionError("a"), "b": PermissionError("b")}

    async def operation(item: str) -> str:
        await asyncio.sleep(0.030 if item == "a" else 0.010)
        raise errors[item]

    status, group, elapsed = on_virtual_time(lambda: race(operation, ["a", "b"]))
    assert (status, type(group), elapsed) == ("raised", ExceptionGroup, 30)
    assert group.exceptions[0] is errors["a"] and group.exceptions[1] is errors["b"]


def test_an_own_cancellation_is_grouped_as_the_very_error() -> None:
    own = asyncio.CancelledError("a gave up")

    async def operation(item: str) -> str:
        await asyncio.sleep(0.010)
        raise own

    status, group, elapsed = on_virtual_time(lambda: race(operation, ["a"]))
    assert (status, type(group), elapsed) == ("raised", BaseExceptionGroup, 10)
    assert list(group.exceptions) == [own]


def test_a_winner_may_be_none() -> None:
    async def operation(item: str) -> str | None:
        await asyncio.sleep(0.010 if item == "b" else 0.020)
        return None if item == "b" else item

    assert on_virtual_time(lambda: race(operation, ["a", "b"])) == ("ok", None, 10)


def test_no_alternative_starts_after_the_callers_cancellation() -> None:
    # a takes 5 ms to stop once cancelled, then fails instead: the failure of the last one running
    # would start the next alternative -- not while the caller's cancellation is under way.
    calls: list[str] = []

    async def operation(item: str) -> str:
        calls.append(item)
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(0.005)
            raise ConnectionError(item) from None
        return item

    async def body() -> Any:
        task = asyncio.ensure_future(race(operation, ["a", "b"], 1.0))
        asyncio.get_running_loop().call_later(0.015, task.cancel)
        return await task

    status, error, elapsed = on_virtual_time(body)
    assert (status, type(error), elapsed) == ("raised", asyncio.CancelledError, 20)
    assert calls == ["a"]
