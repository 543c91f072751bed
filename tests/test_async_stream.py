"""The Python reference of async-stream at its edges, and why ``aclosing`` and not garbage
collection: the cleanup must have run when the outcome comes back (spec R3), deterministically."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator
from typing import Any

import pytest

import asyncpatterns
from asyncpatterns.antipatterns import async_stream as anti
from python_runner import ask as handle
from virtual_time import on_virtual_time as run


class Source:
    """An async generator of ``length`` items, 10 ms each, whose ``finally`` takes 5 ms; logs what it does."""

    def __init__(self, length: int = 5, fail_at: int | None = None) -> None:
        self.length = length
        self.fail_at = fail_at
        self.log: list[tuple[str, Any]] = []
        self.error = ConnectionError("item failed")

    async def items(self) -> AsyncGenerator[int, None]:
        self.log.append(("start", None))
        try:
            for n in range(1, self.length + 1):
                self.log.append(("pull", n))
                await asyncio.sleep(0.010)
                if n == self.fail_at:
                    raise self.error
                yield n
        except asyncio.CancelledError:
            self.log.append(("cancelled", None))
            raise
        finally:
            await asyncio.sleep(0.005)
            self.log.append(("cleaned", None))


async def use_5ms(_item: object) -> None:
    await asyncio.sleep(0.005)


def test_the_limit_closes_the_source_before_returning() -> None:
    source = Source()
    generator = source.items()  # held here: garbage collection cannot close it for the pattern
    snapshot: list[Any] = []

    async def body() -> list[int]:
        value = await asyncpatterns.consume_stream(generator, 2, use_5ms)
        snapshot.extend(source.log)  # what had happened when the outcome came back
        return value

    assert run(body) == ("ok", [1, 2], 35)
    assert snapshot == [("start", None), ("pull", 1), ("pull", 2), ("cleaned", None)]


def test_break_without_closing_leaves_the_cleanup_for_later_whatever_the_gc_does() -> None:
    # The anti-pattern's outcome comes back with the cleanup not done, with or without a collector:
    # the finalizer can only *schedule* aclose() (asyncio's asyncgen hook), after the outcome.
    for collect in (False, True):
        source = Source()
        snapshot: list[Any] = []

        async def body(source: Source = source, snapshot: list[Any] = snapshot, collect: bool = collect) -> list[int]:
            value = await anti.break_without_closing(source.items(), 2, use_5ms)
            if collect:
                gc.collect()
            snapshot.extend(source.log)
            return value

        assert run(body) == ("ok", [1, 2], 30)
        assert ("cleaned", None) not in snapshot


def test_take_zero_never_starts_the_source() -> None:
    source = Source()
    assert run(lambda: asyncpatterns.consume_stream(source.items(), 0, use_5ms)) == ("ok", [], 0)
    assert source.log == []


def test_take_above_the_length_ends_with_the_source() -> None:
    source = Source(length=2)
    assert run(lambda: asyncpatterns.consume_stream(source.items(), 5, use_5ms)) == ("ok", [1, 2], 35)
    assert source.log.count(("cleaned", None)) == 1


def test_a_failing_item_propagates_unchanged_after_one_cleanup() -> None:
    source = Source(fail_at=2)
    kind, error, ms = run(lambda: asyncpatterns.consume_stream(source.items(), 3, use_5ms))
    assert (kind, error, ms) == ("raised", source.error, 30)
    assert source.log.count(("cleaned", None)) == 1


def test_a_consumer_failure_closes_then_propagates_unchanged() -> None:
    source = Source()
    failure = PermissionError("use failed")

    async def use(item: int) -> None:
        await asyncio.sleep(0.005)
        if item == 2:
            raise failure

    assert run(lambda: asyncpatterns.consume_stream(source.items(), 5, use)) == ("raised", failure, 35)
    assert source.log[-1] == ("cleaned", None)
    assert ("pull", 3) not in source.log


def test_the_callers_cancellation_reaches_the_pending_pull() -> None:
    source = Source()
    kind, error, ms = run(lambda: asyncpatterns.consume_stream(source.items(), 5, use_5ms), cancel_at_ms=20)
    assert (kind, type(error), ms) == ("raised", asyncio.CancelledError, 25)
    assert source.log[-2:] == [("cancelled", None), ("cleaned", None)]


def test_an_own_cancellation_of_the_consumer_propagates_as_itself() -> None:
    source = Source()
    own = asyncio.CancelledError("the consumer gave up")

    async def use(_item: int) -> None:
        await asyncio.sleep(0.005)
        raise own

    assert run(lambda: asyncpatterns.consume_stream(source.items(), 5, use)) == ("raised", own, 20)
    assert source.log[-1] == ("cleaned", None)


@pytest.mark.parametrize("impl", ["reference", "break-without-closing", "manual-next-no-return"])
def test_the_runners_verdict_does_not_depend_on_the_collector(impl: str) -> None:
    request = {
        "pattern": "async-stream",
        "impl": impl,
        "params": {"take": 2},
        "plan": {"item": [{"after_ms": 10, "ok": "a"}], "use": [{"after_ms": 5, "ok": None}]},
    }
    answers = []
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            answers.append(handle(request))
        finally:
            gc.enable()
    assert answers[0]["outcome"] == answers[1]["outcome"] == {"ok": ["a", "a"]}
    assert answers[0]["elapsed_ms"] == answers[1]["elapsed_ms"] == (35 if impl == "reference" else 30)
    leaks = [] if impl == "reference" else ["resource source#1 not closed"]
    assert answers[0]["leaks"] == answers[1]["leaks"] == leaks


@pytest.mark.parametrize("take", [1, 5])
def test_a_cancellation_during_the_runners_source_cleanup_waits_for_it(take: int) -> None:
    # take 1: the limit's aclose() is cancelled at 17 (cleanup 15-20); take 5 of an empty source:
    # the source's own end is cancelled at 3 (cleanup 0-5). Either way the close completes, then
    # the cancellation comes out (spec R6): the runner's source completes a cleanup once started.
    request = {
        "pattern": "async-stream",
        "params": {"take": take, "length": 1 if take == 1 else 0, "close_ms": 5},
        "plan": {"item": [{"after_ms": 10, "ok": "a"}], "use": [{"after_ms": 5, "ok": None}]},
        "cancel_at_ms": 17 if take == 1 else 3,
    }
    answer = handle(request)
    closed = 20 if take == 1 else 5
    assert (answer["outcome"], answer["elapsed_ms"], answer["leaks"]) == ({"fail": "cancelled"}, closed, [])
    assert [e["t"] for e in answer["trace"] if e["ev"] == "close"] == [closed]


def test_an_empty_source_is_started_and_cleaned_up_once() -> None:
    source = Source(length=0)
    assert run(lambda: asyncpatterns.consume_stream(source.items(), 3, use_5ms)) == ("ok", [], 5)
    assert source.log == [("start", None), ("cleaned", None)]
