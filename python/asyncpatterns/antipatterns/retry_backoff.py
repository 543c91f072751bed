"""The mistakes retry-backoff exists to prevent. Each has the reference's signature."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from ..retry_backoff import backoff_delay

Operation = Callable[[], Awaitable[Any]]
RETRYABLE = (ConnectionError, TimeoutError)


def _attempts(max_attempts: float) -> Iterator[int]:
    """1, 2, ... while at most ``max_attempts`` -- which none of these checks: given 2.5 (out of its
    domain) they try twice and end, as a JavaScript loop would, rather than crash in ``range``."""
    return itertools.takewhile(lambda attempt: attempt <= max_attempts, itertools.count(1))


async def no_cap(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Retries until it succeeds: max_attempts is ignored."""
    for attempt in itertools.count(1):
        try:
            return await operation()
        except RETRYABLE:
            pass
        await asyncio.sleep(backoff_delay(attempt, **delays))


async def no_backoff(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Retries at once, with no delay between attempts."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except RETRYABLE:
            if attempt == max_attempts:
                raise


async def sleeps_before_first_attempt(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Waits a delay before every attempt, the first included."""
    for attempt in _attempts(max_attempts):
        await asyncio.sleep(backoff_delay(attempt, **delays))
        try:
            return await operation()
        except RETRYABLE:
            if attempt == max_attempts:
                raise


async def ignores_timeouts(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Retries ConnectionError only: a TimeoutError ends the retries."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except ConnectionError:
            if attempt == max_attempts:
                raise
        await asyncio.sleep(backoff_delay(attempt, **delays))


async def uncapped_delay(operation: Operation, *, max_attempts: int, max_delay: float, **delays: Any) -> Any:
    """Lets the delay grow past max_delay."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except RETRYABLE:
            if attempt == max_attempts:
                raise
        await asyncio.sleep(backoff_delay(attempt, max_delay=float("inf"), **delays))


async def jitter_before_cap(
    operation: Operation,
    *,
    max_attempts: int,
    base_delay: float,
    factor: float,
    max_delay: float,
    jitter: str,
    random: Callable[[], float],
) -> Any:
    """Applies the jitter first and caps the jittered delay."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except RETRYABLE:
            if attempt == max_attempts:
                raise
        delay = base_delay * factor ** (attempt - 1)
        if jitter == "proportional":
            delay *= 0.5 + random()
        await asyncio.sleep(min(delay, max_delay))


async def retries_everything(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Catches BaseException: retries fatal errors and cancellation alike."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except BaseException:
            if attempt == max_attempts:
                raise
        await asyncio.sleep(backoff_delay(attempt, **delays))


class RetryError(Exception):
    """What wraps_error raises instead of the last error (tenacity's default does the same)."""


async def wraps_error(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Gives up with an error of its own instead of the last attempt's error."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except RETRYABLE as error:
            if attempt == max_attempts:
                raise RetryError(f"gave up after {attempt} attempts") from error
        await asyncio.sleep(backoff_delay(attempt, **delays))


async def blocking_sleep(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Waits with time.sleep, blocking the event loop."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except RETRYABLE:
            if attempt == max_attempts:
                raise
        time.sleep(backoff_delay(attempt, **delays))


async def ignores_cancel_in_backoff(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Swallows a cancellation that arrives during the delay and goes on retrying."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except RETRYABLE:
            if attempt == max_attempts:
                raise
        try:
            await asyncio.sleep(backoff_delay(attempt, **delays))
        except asyncio.CancelledError:
            pass


async def draws_after_last_attempt(operation: Operation, *, max_attempts: int, **delays: Any) -> Any:
    """Computes the next delay, drawing its jitter, before it checks whether an attempt is left
    (as tenacity calls its wait): one draw more than it waits."""
    for attempt in _attempts(max_attempts):
        try:
            return await operation()
        except RETRYABLE:
            delay = backoff_delay(attempt, **delays)
            if attempt == max_attempts:
                raise
        await asyncio.sleep(delay)
