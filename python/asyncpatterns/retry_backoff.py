"""Retry with exponential backoff (spec: ``spec/patterns/retry-backoff.yaml``)."""

from __future__ import annotations

import asyncio
import itertools
import random as _random
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

T = TypeVar("T")

Jitter = Literal["none", "proportional"]


def backoff_delay(
    attempt: int,
    *,
    base_delay: float,
    factor: float,
    max_delay: float,
    jitter: Jitter = "none",
    random: Callable[[], float] = _random.random,
) -> float:
    """The wait, in seconds, before attempt ``attempt + 1``.

    ``min(base_delay * factor ** (attempt - 1), max_delay)``; with proportional jitter that capped
    delay is then multiplied by ``0.5 + u``, ``u`` drawn from ``random`` -- the cap comes first, so
    a jittered delay may exceed ``max_delay`` by up to half (R2, R3).
    """
    capped = min(base_delay * factor ** (attempt - 1), max_delay)
    if jitter == "proportional":
        return capped * (0.5 + random())
    return capped


async def retry(
    operation: Callable[[], Awaitable[T]],
    *,
    max_attempts: int = 3,
    base_delay: float = 1.0,
    factor: float = 2.0,
    max_delay: float = 60.0,
    jitter: Jitter = "none",
    retry_on: tuple[type[Exception], ...] = (ConnectionError, TimeoutError),
    random: Callable[[], float] = _random.random,
) -> T:
    """Await ``operation()`` until it succeeds, at most ``max_attempts`` times.

    Guarantees (the spec's rules):
    - the operation is attempted at most ``max_attempts`` times; a success returns at once (R1);
    - before attempt n+1 it waits ``backoff_delay(n, ...)`` (R2, R3);
    - when every attempt fails, the last attempt's exception propagates unchanged (R4);
    - only exceptions in ``retry_on`` (transient and timeout failures) are retried; any other
      propagates at once (R5);
    - cancellation is never retried: ``asyncio.CancelledError``, whether the caller cancels during
      an attempt or during a delay, or the operation raises it itself, propagates at once (R6, R7).
    """
    if max_attempts < 1:
        raise ValueError(f"`max_attempts` must be at least 1, got {max_attempts}")
    if base_delay < 0 or max_delay < 0:
        raise ValueError("`base_delay` and `max_delay` must be non-negative")
    if factor < 1:
        raise ValueError(f"`factor` must be at least 1, got {factor}")
    for attempt in itertools.count(1):
        try:
            return await operation()
        except retry_on:
            if attempt >= max_attempts:
                raise
        await asyncio.sleep(
            backoff_delay(
                attempt,
                base_delay=base_delay,
                factor=factor,
                max_delay=max_delay,
                jitter=jitter,
                random=random,
            )
        )
    raise AssertionError("unreachable")  # itertools.count never ends
