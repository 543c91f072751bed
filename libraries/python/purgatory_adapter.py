"""purgatory (``AsyncCircuitBreakerFactory``) as the spec's circuit-breaker.

Adapted: one factory per instance (``invoked: many``: one breaker shared by every invocation),
``failure_threshold`` -> ``default_threshold``, ``break_duration`` -> ``default_ttl`` (seconds);
each invocation runs the operation inside ``async with await factory.get_breaker("op")``, which
is how purgatory's docs use it.

The clock: purgatory reads ``time.time()`` -- the real wall clock -- when it opens the circuit
and to decide whether the break is over, and there is no hook to give it another. On the virtual
clock a break of 50 ms never ends (a run takes a few real ms), so a scenario in which a call
comes after ``break_ms`` is n/a (not patched: patching ``time.time`` would test the patch).

Its refusal is the open state itself, raised: an ``OpenedState`` exception -- not pybreaker's
``CircuitBreakerError`` nor any name the runner knows as ``circuit-open`` (PROTOCOL.md section
6), so a refused call shows as ``{"fail": "other", "type": "OpenedState"}``.

Not adapted: pybreaker 1.4.1. Its ``call_async`` needs tornado (``tornado.gen``) and it reads the
wall clock too (``datetime.now``); it has no asyncio interface to check.

    asyncconf check circuit-breaker libraries.python.purgatory_adapter:CircuitBreaker
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import purgatory

from asyncconf.libraries import Adapter, Scenario


class CircuitBreaker:
    """The reference's shape (``asyncpatterns.CircuitBreaker``): built once, then ``call`` per invocation."""

    def __init__(self, failure_threshold: int = 5, break_duration: float = 30.0) -> None:
        self._factory = purgatory.AsyncCircuitBreakerFactory(
            default_threshold=failure_threshold, default_ttl=break_duration
        )

    async def call(self, operation: Callable[[], Awaitable[Any]]) -> Any:
        async with await self._factory.get_breaker("op"):
            return await operation()


def _break_ends_in_the_run(scenario: Scenario) -> str | None:
    """n/a when a call comes after the break could end: purgatory measures it on the wall clock."""
    break_ms = scenario.params["break_ms"]
    last = max(invocation["at_ms"] for invocation in scenario.invocations or ())
    if 0 <= break_ms < last:
        return "purgatory reads the wall clock (time.time) for the break, which a virtual run does not move"
    return None


_NO_REFUSAL = "takes a value the spec refuses up front (PROTOCOL.md section 8) and calls with it"
_OPENED_STATE = "refuses with its `OpenedState` exception, which no kind names: `other`, not `circuit-open`"

ADAPTERS = [
    Adapter(
        library="purgatory",
        distribution="purgatory",
        pattern="circuit-breaker",
        api="AsyncCircuitBreakerFactory.get_breaker",
        implementation=CircuitBreaker,
        not_applicable=_break_ends_in_the_run,
        why={
            "refuses-failure-threshold-past-the-largest": _NO_REFUSAL,
            "refuses-fractional-failure-threshold": _NO_REFUSAL,
            "refuses-break-ms-past-the-largest": _NO_REFUSAL,
            "opens-after-threshold": _OPENED_STATE,
            "counts-again-after-a-success": _OPENED_STATE,
            "every-failure-kind-counts": _OPENED_STATE,
            "own-cancellation-counts": _OPENED_STATE,
            "caller-cancellation-does-not-count": (
                "counts the caller's cancellation (the `CancelledError` through `__aexit__`) as a failure: the second"
                " one opens the circuit at 33, and the call at 70 is refused (with its `OpenedState`)"
            ),
            "refuses-zero-threshold": "`default_threshold=0` is taken: the call runs",
            "refuses-negative-break": "`default_ttl=-0.001` is taken: the call runs",
        },
    )
]
