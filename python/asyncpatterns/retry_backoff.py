"""Retry with exponential backoff (spec: ``spec/patterns/retry-backoff.yaml``)."""

from __future__ import annotations

import asyncio
import itertools
import math
import random as _random
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from ._limits import LONGEST_S, check_count, check_seconds

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
    a jittered delay may exceed ``max_delay`` by up to half (R2, R3). A delay is never longer than
    2147483.647 s (the spec's longest time; JavaScript and C# cut there too).
    """
    try:
        exponential = base_delay * factor ** (attempt - 1) if base_delay else 0.0
    except OverflowError:  # factor ** n past the largest float (JavaScript and C# get Infinity)
        exponential = math.inf
    capped = min(exponential, max_delay)
    delay = capped * (0.5 + random()) if jitter == "proportional" else capped
    return min(delay, LONGEST_S)


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
    # Refused up front, before the first attempt, with ValueError (spec: `invalid`).
    check_count("max_attempts", max_attempts)
    check_seconds("base_delay", base_delay)
    check_seconds("max_delay", max_delay)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 1 <= factor < math.inf:
        raise ValueError(f"`factor` must be a finite number of at least 1, got {factor!r}")
    if jitter not in ("none", "proportional"):
        raise ValueError(f"`jitter` must be 'none' or 'proportional', got {jitter!r}")
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
