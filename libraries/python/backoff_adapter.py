"""backoff (``on_exception`` with ``expo``) as the spec's retry-backoff.

Adapted: ``max_attempts`` -> ``max_tries``; the delays -> ``expo(base=factor, factor=base_delay,
max_value=max_delay)`` (backoff's ``base`` is the exponent's base and its ``factor`` the first
delay: the other way round from the spec's names); only ``ConnectionError`` and ``TimeoutError``
are retried; the last attempt's error is re-raised as it is (``raise_on_giveup``, the default).
backoff sleeps with ``asyncio.sleep``: it runs on the virtual loop.

Jitter: backoff's default ``full_jitter`` draws from the global ``random``, but ``jitter=`` takes
a function of the delay, which backoff calls with the capped delay: the spec's proportional
jitter (times ``0.5 + u``, ``u`` the scenario's draws) goes through that hook, and backoff, not
the adapter, decides the order "cap, then jitter" and when it draws (only before a delay it waits).

Left out: ``max_time`` reads ``datetime.now`` (the real clock); the spec's retry has no overall time
limit, so no scenario needs it. n/a: an unknown jitter name (backoff takes no name).

    asyncconf check retry-backoff libraries.python.backoff_adapter:retry \\
        --not-applicable libraries.python.backoff_adapter:not_applicable
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import backoff

from asyncconf.libraries import Adapter, Scenario


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
    def proportional(delay: float) -> float:
        return delay * (0.5 + random())

    @backoff.on_exception(
        backoff.expo,
        (ConnectionError, TimeoutError),
        max_tries=max_attempts,
        jitter=None if jitter == "none" else proportional,
        base=factor,
        factor=base_delay,
        max_value=max_delay,
    )
    async def attempt() -> Any:
        return await operation()

    return await attempt()


def not_applicable(scenario: Scenario) -> str | None:
    if scenario.params["jitter"] not in ("none", "proportional"):
        return "a jitter name is the spec's: backoff takes a callable (the adapter's), so no name to refuse"
    return None


_NO_REFUSAL = "takes a value the spec refuses up front (PROTOCOL.md section 8) and retries with it"

ADAPTERS = [
    Adapter(
        library="backoff",
        distribution="backoff",
        pattern="retry-backoff",
        api="on_exception(expo)",
        implementation=retry,
        not_applicable=not_applicable,
        why={
            "zero-attempts-is-invalid": (
                "`max_tries=0` is taken, and means no limit at all (`tries == max_tries` is never true)"
            ),
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
