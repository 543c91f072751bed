"""The Python virtual clock keeps the three rules of DESIGN.md ("Time")."""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

from asyncpatterns.runner.virtual_loop import SUPPORTED_PYTHON, VirtualTimeLoop, round_ms


def run(coro_factory, **kwargs):  # type: ignore[no-untyped-def]
    loop = VirtualTimeLoop(**kwargs)
    try:
        return loop.run_until_complete(coro_factory(loop))
    finally:
        loop.close()


def test_python_version_is_one_the_loop_was_checked_against() -> None:
    # The loop leans on asyncio's private `_scheduled`/`_ready`: a new minor version must be
    # checked (and added to SUPPORTED_PYTHON) before it is trusted.
    assert sys.version_info[:2] in SUPPORTED_PYTHON


def test_time_jumps_to_the_next_timer_exactly() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> list[float]:
        seen = []
        for delay in (0.33, 0.1, 60.0, 0.001):
            await asyncio.sleep(delay)
            seen.append(loop.time())
        return seen

    started = time.monotonic()
    assert run(scenario) == [0.33, 0.43, 60.43, 60.431]
    assert time.monotonic() - started < 30  # not a speed assertion: it must not wait 60 s of real time


def test_time_is_whole_milliseconds() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> float:
        await asyncio.sleep(0.1)
        await asyncio.sleep(0.2)  # 0.1 + 0.2 != 0.3 in floats; the clock must still read 300 ms
        return loop.time()

    assert run(scenario) == 0.3


def test_a_fractional_delay_rounds_half_up_whatever_the_float_error() -> None:
    # spec/PROTOCOL.md section 5: halves up (Python's round would give 74 and 84), and a delay
    # computed in seconds that lands a hair below the half (85.49999999999999) still rounds up.
    assert [round_ms(ms) for ms in (74.5, 84.5, 85.5, 0.5, 0.4999, 0.4, 0, -3, 74.49, 2**31 - 0.5)] == [
        75,
        85,
        86,
        1,
        0,
        0,
        0,
        0,
        74,
        2**31,
    ]
    assert (0.096 + 0.0745) * 1000 - 96 == 74.49999999999997
    assert round_ms((0.096 + 0.0745) * 1000 - 96) == 75
    assert round_ms(float("nan")) == 0

    async def scenario(loop: asyncio.AbstractEventLoop) -> list[float]:
        seen = []
        await asyncio.sleep(0.010)
        for u in (0.255, 0.245):  # a jittered retry delay: 100 ms * (0.5 + u)
            await asyncio.sleep(0.1 * (0.5 + u))
            seen.append(loop.time())
        await asyncio.sleep(0.0004)  # below half a millisecond: no time at all
        seen.append(loop.time())
        return seen

    assert run(scenario) == [0.086, 0.161, 0.161]


def test_timers_due_at_the_same_instant_fire_in_scheduling_order() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> list[int]:
        fired: list[int] = []
        for index in range(32):
            loop.call_later(0.005, fired.append, index)
        await asyncio.sleep(0.010)
        return fired

    assert run(scenario) == list(range(32))


def test_one_timer_at_a_time_everything_it_makes_ready_runs_before_the_next() -> None:
    # spec/PROTOCOL.md section 5: timers of one instant fire one by one, and what a timer makes
    # ready -- callbacks, task steps, their follow-ups -- runs to quiescence before the next.
    async def scenario(loop: asyncio.AbstractEventLoop) -> list[str]:
        seen: list[str] = []

        def first() -> None:
            seen.append("timer 1")
            loop.call_soon(lambda: (seen.append("soon of 1"), loop.call_soon(seen.append, "soon of soon of 1")))

        async def woken() -> None:
            await asyncio.sleep(0.005)
            seen.append("task woken by timer 2")
            await asyncio.sleep(0)
            seen.append("task step after timer 2")

        loop.call_later(0.005, first)
        task = loop.create_task(woken())
        await asyncio.sleep(0)  # the task arms its timer (timer 2)
        loop.call_later(0.005, seen.append, "timer 3")
        await asyncio.sleep(0.010)
        await task
        return seen

    assert run(scenario) == [
        "timer 1",
        "soon of 1",
        "soon of soon of 1",
        "task woken by timer 2",
        "task step after timer 2",
        "timer 3",
    ]


def test_a_failure_at_an_instant_cancels_a_sibling_due_at_that_same_instant() -> None:
    # What the rule is for: the first child's failure reaches the TaskGroup, which cancels the
    # second child before its own timer of the same millisecond fires (asyncio's `_run_once`
    # fires both timers first and reports both failures).
    async def scenario(loop: asyncio.AbstractEventLoop) -> tuple[list[str], bool]:
        async def child(name: str) -> None:
            await asyncio.sleep(0.010)
            raise ConnectionError(name)

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(child("a"))
                second = group.create_task(child("b"))
        except ExceptionGroup as failures:
            return [str(error) for error in failures.exceptions], second.cancelled()
        raise AssertionError("the group did not fail")

    assert run(scenario) == (["a"], True)


def test_a_timer_made_due_now_waits_for_what_is_ready() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> list[str]:
        seen: list[str] = []
        loop.call_later(0, seen.append, "timer due now")
        loop.call_soon(seen.append, "ready")
        await asyncio.sleep(0.001)
        return seen

    assert run(scenario) == ["ready", "timer due now"]


def test_cancelled_timers_never_fire_and_are_purged() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> tuple[list[int], int]:
        fired: list[int] = []
        handles = [loop.call_later(0.001 * (index + 1), fired.append, index) for index in range(300)]
        for index, handle in enumerate(handles):
            if index % 3:
                handle.cancel()
        await asyncio.sleep(1)
        return fired, len(loop._timers)  # type: ignore[attr-defined]

    fired, left = run(scenario)
    assert fired == list(range(0, 300, 3))
    assert left == 0


def test_clock_is_frozen_while_executor_work_runs() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> tuple[float, float]:
        timer_fired = loop.create_future()
        loop.call_later(0.001, timer_fired.set_result, loop.time)
        await loop.run_in_executor(None, time.sleep, 0.05)  # 50 ms of real blocking work
        return loop.time(), (await timer_fired)()

    during, after = run(scenario)
    assert during == 0.0  # the 1 ms timer did not fire while the executor ran
    assert after == 0.001


def test_blocks_ending_at_one_instant_end_in_hand_over_order() -> None:
    """PROTOCOL.md section 5, "Blocking work": the work handed over second parks first here, and
    still the first handed over comes back first, with what follows from it, before the second."""

    async def scenario(loop: VirtualTimeLoop) -> list[str]:
        second_parked = threading.Event()
        back: list[str] = []

        def block(name: str, wait_for: threading.Event | None) -> str:
            if wait_for is not None:
                wait_for.wait(5)
            released = threading.Event()
            loop.call_soon_threadsafe(loop.park, 10, released, VirtualTimeLoop.handed_over())
            if wait_for is None:
                loop.call_soon_threadsafe(second_parked.set)
            released.wait(5)
            return name

        async def offload(name: str, wait_for: threading.Event | None) -> None:
            back.append(await loop.run_in_executor(None, block, name, wait_for))

        await asyncio.gather(offload("first", second_parked), offload("second", None))
        assert loop.time() == 0.01
        return back

    assert run(scenario) == ["first", "second"]


def test_idle_loop_stops_instead_of_blocking_forever() -> None:
    loop = VirtualTimeLoop()
    try:
        loop.run_forever()  # nothing scheduled at all
        assert loop.idle
    finally:
        loop.close()


def test_wall_budget_stops_a_run_that_blocks() -> None:
    from asyncpatterns.runner.virtual_loop import WallBudgetExceeded

    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        while True:
            time.sleep(0.02)  # noqa: ASYNC251 - the blocking this test is about
            await asyncio.sleep(0)

    with pytest.raises(WallBudgetExceeded):
        run(scenario, wall_budget_s=0.1)


def test_a_loop_stopped_while_it_selects_does_not_move_the_clock_first() -> None:
    # The loop-lag watch stops a blocked run from inside select() (it times the iteration there):
    # asyncio had already asked the selector to wait, and the clock moved on to the next timer,
    # whose callback -- a blocking retry's next attempt -- then ran before the stop.
    loop = VirtualTimeLoop()
    fired: list[float] = []
    try:
        loop.call_later(1, lambda: fired.append(loop.time()))
        loop.stop()
        assert loop.selector.select(None) == []
        assert (loop.time(), fired) == (0, [])
        loop.run_forever()  # takes the stop: one pass, with nothing released
        assert (loop.time(), fired) == (0, [])
        loop.run_until_complete(asyncio.sleep(2))
        assert fired == [1]
    finally:
        loop.close()


def test_a_loop_that_spins_on_call_soon_lets_the_clock_move_on() -> None:
    """anyio's cancel scope re-schedules its delivery with call_soon until the cancelled task has
    stopped; with a stop that takes virtual time (cancel_ms), the clock never moved and the run
    spun until its wall budget (aiometer, a bounded map whose cancelled item takes 5 ms to stop)."""
    loop = VirtualTimeLoop(wall_budget_s=5)
    try:
        done: asyncio.Future[float] = loop.create_future()
        stopped: list[bool] = []
        loop.call_later(0.005, stopped.append, True)

        def spin() -> None:
            if stopped:
                done.set_result(loop.time())
            else:
                loop.call_soon(spin)

        loop.call_soon(spin)
        assert loop.run_until_complete(done) == 0.005
    finally:
        loop.close()


def test_a_deadline_re_armed_at_the_same_instant_lets_the_clock_move_on() -> None:
    """anyio re-arms a deadline until ``time()`` reaches it: 0.3 ms rounds to a timer due now, at
    0 ms, which fires and is re-armed again and again while the clock reads 0 (wall budget spent)."""
    loop = VirtualTimeLoop(wall_budget_s=5)
    try:
        done: asyncio.Future[float] = loop.create_future()
        deadline = 0.0003

        def check() -> None:
            if loop.time() >= deadline:
                done.set_result(loop.time())
            else:
                loop.call_at(deadline, check)

        loop.call_at(deadline, check)
        assert loop.run_until_complete(done) == 0.001
    finally:
        loop.close()


def test_a_spin_lets_timers_due_at_one_instant_fire_at_that_instant() -> None:
    """Two operations stop 5 ms after a cancellation, both at 15 ms, while anyio spins: the second
    stopped at 16 when a spin moved the clock a millisecond on (aiometer's caller-cancel)."""
    loop = VirtualTimeLoop(wall_budget_s=5)
    try:
        done: asyncio.Future[list[float]] = loop.create_future()
        stopped: list[float] = []
        loop.call_later(0.005, lambda: stopped.append(loop.time()))
        loop.call_later(0.005, lambda: stopped.append(loop.time()))

        def spin() -> None:
            if len(stopped) == 2:
                done.set_result(stopped)
            else:
                loop.call_soon(spin)

        loop.call_soon(spin)
        assert loop.run_until_complete(done) == [0.005, 0.005]
    finally:
        loop.close()


def test_a_spin_never_moves_the_clock_past_executor_work() -> None:
    """The clock does not move while work handed to an executor runs (it cannot see how long that
    takes), and a spinning loop is no exception."""
    loop = VirtualTimeLoop(wall_budget_s=5)
    try:
        order: list[str] = []
        work = loop.run_in_executor(None, time.sleep, 0.3)
        work.add_done_callback(lambda _: order.append("work"))
        loop.call_later(0.005, order.append, "timer")
        done: asyncio.Future[None] = loop.create_future()

        def spin() -> None:
            if len(order) == 2:
                done.set_result(None)
            else:
                loop.call_soon(spin)

        loop.call_soon(spin)
        loop.run_until_complete(done)
        assert order == ["work", "timer"]
    finally:
        loop.close()
