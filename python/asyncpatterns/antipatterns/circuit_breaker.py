"""The mistakes a circuit breaker exists to prevent. Each has the reference's constructor and ``call``.

Each is the reference with one decision changed, so that what a scenario catches is that decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..circuit_breaker import CircuitBreaker, CircuitBreakerError

T = TypeVar("T")


class NeverOpens(CircuitBreaker):
    """Counts nothing: every call goes through, however often the operation fails."""

    def _failed(self, now: float) -> None:
        pass


class NeverCloses(CircuitBreaker):
    """Once open stays open: no half-open trial after the break."""

    def _break_over(self, now: float) -> bool:
        return False


class HalfOpenLetsAllThrough(CircuitBreaker):
    """After the break lets every call through instead of one trial at a time."""

    @property
    def _trial_running(self) -> bool:
        return False

    @_trial_running.setter
    def _trial_running(self, value: bool) -> None:
        pass


class CountsCancellations(CircuitBreaker):
    """Counts the caller's cancellation as a failure of the operation."""

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        generation = self._generation
        try:
            return await super().call(operation)
        except asyncio.CancelledError:
            if generation == self._generation and self._state != "open":
                self._failed(asyncio.get_running_loop().time())
            raise


class NeverResetsCount(CircuitBreaker):
    """Counts every failure since the circuit closed, not consecutive ones: a success resets nothing."""

    def _succeeded(self) -> None:
        if self._state == "half-open":
            self._change("closed")


class CancelledTrialSticks(CircuitBreaker):
    """Forgets a trial its caller cancelled: the trial slot stays taken and every later call is refused."""

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        trial = self._state == "half-open" or (
            self._state == "open" and self._break_over(asyncio.get_running_loop().time())
        )
        try:
            return await super().call(operation)
        except asyncio.CancelledError:
            if trial and self._state == "half-open":
                self._trial_running = True  # the slot the reference frees stays taken
            raise


class WrapsFailure(CircuitBreaker):
    """Reports the operation's failure wrapped in an error of its own instead of unchanged."""

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        try:
            return await super().call(operation)
        except CircuitBreakerError:
            raise
        except Exception as error:
            raise RuntimeError(f"the call through the circuit failed: {error}") from error


class AcceptsInvalidOptions(CircuitBreaker):
    """Takes a threshold below 1 or a negative break without refusing it."""

    def __init__(self, failure_threshold: int = 5, break_duration: float = 30.0) -> None:
        super().__init__()
        self._threshold = failure_threshold
        self._break = break_duration


ANTIPATTERNS: dict[str, type[CircuitBreaker]] = {
    "never-opens": NeverOpens,
    "never-closes": NeverCloses,
    "half-open-lets-all-through": HalfOpenLetsAllThrough,
    "counts-cancellations": CountsCancellations,
    "never-resets-count": NeverResetsCount,
    "cancelled-trial-sticks": CancelledTrialSticks,
    "wraps-failure": WrapsFailure,
    "accepts-invalid-options": AcceptsInvalidOptions,
}

__all__ = ["ANTIPATTERNS", "CircuitBreakerError"]
