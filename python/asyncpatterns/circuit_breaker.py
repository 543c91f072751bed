"""Circuit breaker: closed, open, half-open (spec: ``spec/patterns/circuit-breaker.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from ._limits import check_count, check_seconds

T = TypeVar("T")

State = Literal["closed", "open", "half-open"]


class CircuitBreakerError(Exception):
    """The circuit is open (or its one trial is running): the call was refused at once and the
    operation was not called -- pybreaker's name, the ``circuit-open`` kind of the spec."""


class CircuitBreaker:
    """One circuit shared by every caller of ``call``.

    Guarantees (the spec's rules):
    - while closed, every call runs the operation; its value comes back and its failure
      propagates unchanged (R1);
    - ``failure_threshold`` consecutive counted failures open the circuit at the instant the last
      of them fails; a success while closed starts the count again (R2);
    - while open, a call fails at once with ``CircuitBreakerError`` and the operation is not
      called (R3);
    - from ``break_duration`` after the circuit opened -- that very instant included -- the next
      call is the one trial; a call made while the trial runs is refused like one while open (R4);
    - the trial's success closes the circuit, its counted failure opens it again for another
      ``break_duration`` (R5);
    - every failure of the operation counts, its own cancellation too; the caller's cancellation
      never counts, and a trial cancelled by its caller makes the next call the trial (R6, R7);
    - an outcome counts only in the state its call was let through in (R8).

    ``failure_threshold`` is an integer from 1 to 2147483647 and ``break_duration`` from 0 to
    2147483.647 s; anything else raises ``ValueError`` at once (R9).
    """

    def __init__(self, failure_threshold: int = 5, break_duration: float = 30.0) -> None:
        check_count("failure_threshold", failure_threshold)
        check_seconds("break_duration", break_duration)
        self._threshold = failure_threshold
        self._break = break_duration
        self._state: State = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False
        #: bumped at every change of state: an outcome of an older one changes nothing (R8)
        self._generation = 0

    @property
    def state(self) -> State:
        return self._state

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run ``operation()`` through the circuit (see the class's guarantees)."""
        loop = asyncio.get_running_loop()
        if self._state == "open" and self._break_over(loop.time()):
            self._change("half-open")
        if self._state == "open" or (self._state == "half-open" and self._trial_running):
            raise CircuitBreakerError(f"the circuit is {self._state}: call refused")
        trial = self._state == "half-open"
        generation = self._generation
        if trial:
            self._trial_running = True
        task = asyncio.current_task()
        asked_before = task.cancelling() if task is not None else 0
        try:
            result = await operation()
        except BaseException as error:
            if isinstance(error, asyncio.CancelledError) and task is not None and task.cancelling() > asked_before:
                # The caller's cancellation: neither a failure nor a success (R6); a trial's slot is freed.
                if trial and generation == self._generation:
                    self._trial_running = False
                raise
            if isinstance(error, Exception | asyncio.CancelledError) and generation == self._generation:
                self._failed(loop.time())
            raise
        if generation == self._generation:
            self._succeeded()
        return result

    def _break_over(self, now: float) -> bool:
        # Whole microseconds: loop.time() is a float, and 0.04 - 0.01 is not 0.03 in binary.
        return round((now - self._opened_at) * 1_000_000) >= round(self._break * 1_000_000)

    def _failed(self, now: float) -> None:
        if self._state == "half-open":
            self._open(now)
        else:
            self._failures += 1
            if self._failures >= self._threshold:
                self._open(now)

    def _succeeded(self) -> None:
        if self._state == "half-open":
            self._change("closed")
        self._failures = 0

    def _open(self, now: float) -> None:
        self._opened_at = now
        self._change("open")

    def _change(self, state: State) -> None:
        self._state = state
        self._failures = 0
        self._trial_running = False
        self._generation += 1
