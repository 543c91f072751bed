"""stamina (``AsyncRetryingCaller``) as the spec's retry-backoff.

Adapted: ``max_attempts`` -> ``attempts``; the delays -> ``wait_initial=base_delay``,
``wait_exp_base=factor``, ``wait_max=max_delay``; ``on=(ConnectionError, TimeoutError)``.
stamina retries with tenacity, which sleeps with ``asyncio.sleep``: it runs on the virtual loop.
Its retry log (the ``stamina`` logger, a warning per retry) is silenced here.

``timeout=None``: stamina's default total limit of 45 s reads ``time.monotonic`` (the real
clock, through tenacity's ``stop_after_delay``), and the spec's retry has no overall limit.

n/a: every scenario with jitter. stamina's jitter adds ``uniform(0, wait_jitter)`` from the global
``random`` and has no hook to take the scenario's draws (its ``on=`` hook may return the whole
wait, but then the adapter, not stamina, would compute the backoff). So ``wait_jitter=0``, and
scenarios with ``jitter: proportional`` are refused.

    asyncconf check retry-backoff libraries.python.stamina_adapter:retry \\
        --not-applicable libraries.python.stamina_adapter:not_applicable
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import stamina

from asyncconf.libraries import Adapter, Scenario

if not logging.getLogger("stamina").handlers:  # else Python's last resort prints each retry to stderr
    logging.getLogger("stamina").addHandler(logging.NullHandler())


async def retry(
    operation: Callable[[], Awaitable[Any]],
    *,
    max_attempts: int,
    base_delay: float,
    factor: float,
    max_delay: float,
    jitter: str,
    random: Callable[[], float],
) -> Any:
    caller = stamina.AsyncRetryingCaller(
        attempts=max_attempts,
        timeout=None,
        wait_initial=base_delay,
        wait_exp_base=factor,
        wait_max=max_delay,
        wait_jitter=0,
    )
    return await caller((ConnectionError, TimeoutError), operation)


def not_applicable(scenario: Scenario) -> str | None:
    if scenario.params["jitter"] != "none":
        return "no hook for the random source: stamina's jitter adds uniform(0, wait_jitter) from the global `random`"
    return None


_NO_REFUSAL = "takes a value the spec refuses up front (PROTOCOL.md section 8) and retries with it"

ADAPTERS = [
    Adapter(
        library="stamina",
        distribution="stamina",
        pattern="retry-backoff",
        api="AsyncRetryingCaller",
        implementation=retry,
        not_applicable=not_applicable,
        why={
            "zero-attempts-is-invalid": "`attempts=0` still makes one attempt",
            "factor-below-one-is-invalid": _NO_REFUSAL,
            "delay-past-the-longest-timer-is-invalid": _NO_REFUSAL,
            "max-attempts-past-the-largest-is-invalid": _NO_REFUSAL,
            "fractional-max-attempts-is-invalid": _NO_REFUSAL,
            "negative-base-delay-ms-is-invalid": _NO_REFUSAL,
            "base-delay-ms-past-the-largest-is-invalid": _NO_REFUSAL,
            "negative-max-delay-ms-is-invalid": _NO_REFUSAL,
        },
    )
]
