"""The Python async-lock reference beyond the spec's scenarios: what no timer order can reach."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from asyncpatterns import GuardedCounter


def test_a_waiter_cancelled_after_the_handover_never_enters() -> None:
    """R7: the lock handed to a waiter whose task is cancelled before it resumed goes on to the next one.

    No timer order reaches that window (everything a release makes ready runs before the next timer),
    so the test releases the lock and cancels the waiter in one step, holding the lock itself.
    """

    async def main() -> tuple[list[str], int]:
        counter = GuardedCounter()
        entered: list[str] = []

        def operation(name: str) -> Callable[[], Awaitable[None]]:
            def call() -> Awaitable[None]:
                entered.append(name)  # recorded when the section calls it, not when it is awaited
                return asyncio.sleep(0)

            return call

        lock = counter._lock  # the holder here is the test itself
        await lock.acquire()
        second = asyncio.create_task(counter.increment(operation("b")))
        third = asyncio.create_task(counter.increment(operation("c")))
        await asyncio.sleep(0)
        lock.release()  # hands the lock to the second caller, which has not resumed yet ...
        second.cancel()  # ... when its caller cancels it
        with pytest.raises(asyncio.CancelledError):
            await second
        return entered, await third

    entered, third_wrote = asyncio.run(main())
    assert entered == ["c"]
    assert third_wrote == 1


def test_a_failure_releases_and_propagates_the_very_error() -> None:
    """R5: the same exception object comes back, the counter is not written, the lock is free."""
    boom = PermissionError("boom")

    async def fail() -> None:
        raise boom

    async def nothing() -> None:
        return None

    async def main() -> int:
        counter = GuardedCounter()
        with pytest.raises(PermissionError) as raised:
            await counter.increment(fail)
        assert raised.value is boom
        assert counter.value == 0
        return await counter.increment(nothing)

    assert asyncio.run(main()) == 1


def test_callers_at_one_instant_enter_in_list_order_on_the_real_clock_too() -> None:
    # asyncio's timer heap does not keep the order of timers due at one instant: from four on, the
    # runner's starts came out of it on the real clock (entered 1, 2, 4, 3), never on virtual time.
    from python_runner import ask as handle

    for clock in ("virtual", "real"):
        answer = handle(
            {
                "id": 1,
                "pattern": "async-lock",
                "plan": {"a": [{"after_ms": 1, "ok": "x"}]},
                "invocations": [{"at_ms": 5, "key": "a"} for _ in range(6)],
                "clock": clock,
            }
        )
        assert answer["outcome"] == {"each": [{"ok": n} for n in range(1, 7)]}, clock
