"""The Python reference under misuse and load: behaviours the spec's scenarios cannot see (a second
cancellation during cleanup, a failure's ``__cause__``, how many tasks run, lazy inputs)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator, AsyncIterator, Iterator

import pytest

from asyncpatterns import map_bounded, run_with_resource


class SlowToClose:
    """A resource whose close takes until ``release`` is set."""

    def __init__(self) -> None:
        self.closing = asyncio.Event()
        self.release = asyncio.Event()
        self.closed = False

    async def aclose(self) -> None:
        self.closing.set()
        await self.release.wait()
        self.closed = True


def test_cleanup_runs_to_completion_through_a_second_cancellation() -> None:
    async def main() -> None:
        resource = SlowToClose()

        async def open_resource() -> SlowToClose:
            return resource

        async def hang(_: SlowToClose) -> None:
            await asyncio.Event().wait()

        task = asyncio.create_task(run_with_resource(open_resource, hang))
        await asyncio.sleep(0)
        task.cancel()  # the first cancellation: the cleanup starts
        await resource.closing.wait()
        task.cancel()  # a second one, during the cleanup: it must not abandon the close
        for _ in range(3):
            await asyncio.sleep(0)
        assert not task.done()  # still closing
        resource.release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert resource.closed

    asyncio.run(main())


def test_cleanup_re_raises_a_cancellation_that_came_during_a_close_after_success() -> None:
    async def main() -> None:
        resource = SlowToClose()

        async def open_resource() -> SlowToClose:
            return resource

        async def succeed(_: SlowToClose) -> str:
            return "data"

        task = asyncio.create_task(run_with_resource(open_resource, succeed))
        await resource.closing.wait()
        task.cancel()  # cancelled during the cleanup of a success: never turned into the value
        await asyncio.sleep(0)
        resource.release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert resource.closed

    asyncio.run(main())


def test_bounded_failure_propagates_with_its_cause_and_context_intact() -> None:
    root = KeyError("root")

    async def operation(item: int) -> int:
        if item == 2:
            try:
                raise root
            except KeyError as error:
                raise ValueError("boom") from error
        await asyncio.sleep(0)
        return item

    async def main() -> None:
        with pytest.raises(ValueError, match="boom") as caught:
            await map_bounded(operation, [1, 2, 3], 2)
        assert caught.value.__cause__ is root
        assert caught.value.__context__ is root

    asyncio.run(main())


def test_bounded_runs_limit_tasks_not_one_per_item() -> None:
    most_tasks = 0

    async def operation(item: int) -> int:
        nonlocal most_tasks
        most_tasks = max(most_tasks, len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        return item * 2

    async def main() -> list[int]:
        return await map_bounded(operation, range(1000), 4)

    assert asyncio.run(main()) == [item * 2 for item in range(1000)]
    assert most_tasks <= 4 + 1  # the workers and main; not 1000 tasks up front


def test_bounded_takes_items_lazily_from_any_iterable() -> None:
    pulled: list[int] = []

    def items() -> Iterator[int]:
        for item in range(10):
            pulled.append(item)
            yield item

    started: list[int] = []

    async def operation(item: int) -> int:
        started.append(item)
        # when item 0 starts, at most the first `limit` items have been taken from the iterator
        if item == 0:
            assert len(pulled) <= 2
        await asyncio.sleep(0)
        return item

    assert asyncio.run(map_bounded(operation, items(), 2)) == list(range(10))
    assert started == list(range(10))


def test_bounded_takes_an_async_iterable() -> None:
    async def items() -> AsyncIterator[str]:
        for item in "abc":
            await asyncio.sleep(0)
            yield item

    async def upper(item: str) -> str:
        return item.upper()

    assert asyncio.run(map_bounded(upper, items(), 2)) == ["A", "B", "C"]


def test_bounded_stops_taking_items_after_a_failure() -> None:
    pulled: list[int] = []

    def items() -> Iterator[int]:
        for item in range(100):
            pulled.append(item)
            yield item

    async def operation(item: int) -> int:
        await asyncio.sleep(0)
        if item == 1:
            raise ConnectionError("down")
        return item

    with pytest.raises(ConnectionError):
        asyncio.run(map_bounded(operation, items(), 2))
    assert len(pulled) <= 3


def test_bounded_leaves_no_task_behind_on_the_callers_cancellation() -> None:
    async def main() -> None:
        async def hang(_: int) -> int:
            await asyncio.Event().wait()
            return 0

        task = asyncio.create_task(map_bounded(hang, range(10), 3))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())
    gc.collect()


def test_cleanup_closes_an_async_generator() -> None:
    closed = []

    async def numbers() -> AsyncGenerator[int, None]:
        try:
            yield 1
            yield 2
        finally:
            closed.append(True)

    async def open_resource() -> AsyncGenerator[int, None]:
        return numbers()

    async def first(resource: AsyncGenerator[int, None]) -> int:
        return await anext(resource)

    assert asyncio.run(run_with_resource(open_resource, first)) == 1
    assert closed == [True]


def test_circuit_breaker_states_and_its_refusal_type() -> None:
    """The breaker's state as a caller sees it, and pybreaker's error name (the circuit-open kind)."""
    from asyncpatterns import CircuitBreaker, CircuitBreakerError
    from asyncpatterns.runner.errors import kind_of

    async def main() -> None:
        breaker = CircuitBreaker(failure_threshold=1, break_duration=0.01)

        async def fail() -> None:
            raise ConnectionError("down")

        async def ok() -> str:
            return "up"

        with pytest.raises(ConnectionError):
            await breaker.call(fail)
        assert breaker.state == "open"
        with pytest.raises(CircuitBreakerError) as refused:
            await breaker.call(ok)
        assert kind_of(refused.value) == "circuit-open"
        await asyncio.sleep(0.02)
        assert await breaker.call(ok) == "up"
        assert breaker.state == "closed"

    asyncio.run(main())


@pytest.mark.parametrize(("threshold", "seconds"), [(0, 1.0), (1.5, 1.0), (True, 1.0), (1, -0.001), (1, 2**31 / 1000)])
def test_circuit_breaker_refuses_its_options_at_once(threshold: object, seconds: float) -> None:
    from asyncpatterns import CircuitBreaker

    with pytest.raises(ValueError, match="must be"):
        CircuitBreaker(failure_threshold=threshold, break_duration=seconds)  # type: ignore[arg-type]


def test_the_completion_order_antipattern_starts_its_items_in_input_order() -> None:
    # Its one mistake is the order of its results. asyncio.as_completed makes its tasks from a set,
    # so the items started in an order of their ids, which changed from run to run (a verdict that
    # came and went on limit-one-runs-one-at-a-time).
    from asyncpatterns.antipatterns.bounded_concurrency import completion_order
    from virtual_time import on_virtual_time

    started: list[int] = []

    async def operation(item: int) -> int:
        started.append(item)
        await asyncio.sleep(0.01 * (5 - item))
        return item

    for _ in range(20):
        started.clear()
        assert on_virtual_time(lambda: completion_order(operation, range(5), 1))[0] == "ok"
        assert started == [0, 1, 2, 3, 4]
