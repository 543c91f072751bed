"""tenacity (``AsyncRetrying``) as the spec's retry-backoff.

Adapted: ``max_attempts`` -> ``stop_after_attempt``; the delays -> ``wait_exponential(multiplier=
base_delay, exp_base=factor, max=max_delay)``; only ``ConnectionError`` and ``TimeoutError``
(transient, timeout) are retried; ``reraise=True`` lets the last attempt's own error out instead
of tenacity's ``RetryError``. tenacity sleeps with ``asyncio.sleep``: it runs on the virtual loop.

Jitter: tenacity's own jitters draw from the global ``random`` with other formulas
(``wait_random_exponential`` is uniform in [0, delay], ``wait_exponential_jitter`` adds a
uniform term), but ``wait=`` takes any callable: the spec's proportional jitter, the capped
delay times ``0.5 + u`` with ``u`` the scenario's draws, is given through that hook. The order
"cap, then jitter" is therefore the adapter's; what the jitter scenarios check of tenacity is
when and how often it calls its wait. It calls it once more than it waits -- after the last
attempt too, before it checks ``stop`` -- and the adapter does not hide that draw.

Left out: ``stop_after_delay`` reads ``time.monotonic`` (the real clock); the spec's retry has no
overall time limit, so no scenario needs it. n/a: an unknown jitter name (tenacity takes no name).

    asyncconf check retry-backoff libraries.python.tenacity_adapter:retry \\
        --not-applicable libraries.python.tenacity_adapter:not_applicable
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import tenacity

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
    capped = tenacity.wait_exponential(multiplier=base_delay, exp_base=factor, max=max_delay)

    def jittered(state: tenacity.RetryCallState) -> float:
        return capped(state) * (0.5 + random())

    retrying = tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(max_attempts),
        wait=capped if jitter == "none" else jittered,
        retry=tenacity.retry_if_exception_type((ConnectionError, TimeoutError)),
        reraise=True,
    )
    return await retrying(operation)


def not_applicable(scenario: Scenario) -> str | None:
    if scenario.params["jitter"] not in ("none", "proportional"):
        return "a jitter name is the spec's: tenacity takes a callable (the adapter's), so no name to refuse"
    return None


_EXTRA_DRAW = (
    "tenacity calls its wait function after the last attempt too, before it checks `stop`: "
    "one draw more than it waits (the times are right)"
)
_NO_REFUSAL = "takes a value the spec refuses up front (PROTOCOL.md section 8) and retries with it"

ADAPTERS = [
    Adapter(
        library="tenacity",
        distribution="tenacity",
        pattern="retry-backoff",
        api="AsyncRetrying(stop_after_attempt, wait_exponential)",
        implementation=retry,
        not_applicable=not_applicable,
        why={
            "jitter-after-cap": _EXTRA_DRAW,
            "jitter-rounds-half-up": _EXTRA_DRAW,
            "one-draw-per-delay": _EXTRA_DRAW,
            "one-attempt-waits-nothing": _EXTRA_DRAW,
            "zero-attempts-is-invalid": "`stop_after_attempt(0)` still makes one attempt",
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
