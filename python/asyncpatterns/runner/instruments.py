"""What the runner injects into a pattern: the planned operation and instrumented resources.

Both record a trace (``call``/``ok``/``fail``/``cancel``, ``open``/``close``) stamped with the
loop's clock in whole milliseconds; the reference code is never asked to log anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .errors import make_error

Event = dict[str, Any]


async def _on_a_timer(ms: float) -> None:
    """Wait ``ms`` on a timer -- 0 included, where ``asyncio.sleep(0)`` would only yield.

    A step that settles "at once" settles on a timer due at that millisecond (spec/PROTOCOL.md
    section 3), so that calls settling at one instant settle one at a time, in the order they
    started, each with its consequences before the next (section 5) -- as in every language.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()

    def fire() -> None:
        if not future.done():
            future.set_result(None)

    handle = loop.call_later(ms / 1000, fire)
    try:
        await future
    finally:
        handle.cancel()


async def _stopping(ms: float) -> None:
    """Take ``ms`` to stop, through further cancellations: once stopping, a second cancellation does
    not hurry the operation (as an aborted AbortSignal or a cancelled CancellationToken is cancelled
    once, in JavaScript and C#; spec/PROTOCOL.md section 3). The first cancellation is re-raised by
    the caller once this returns."""
    loop = asyncio.get_running_loop()
    stopped: asyncio.Future[None] = loop.create_future()

    def fire() -> None:
        if not stopped.done():
            stopped.set_result(None)

    handle = loop.call_later(ms / 1000, fire)
    try:
        while not stopped.done():
            try:
                await asyncio.shield(stopped)
            except asyncio.CancelledError:
                continue  # already stopping: the first cancellation is what propagates
    finally:
        handle.cancel()


class RunLimitReached(Exception):
    """The scenario made more operation calls than the runner allows (a retry that never stops)."""


class Instruments:
    """The injected operation and resources of one scenario run, and the trace they record."""

    def __init__(
        self,
        plan: dict[str, list[dict[str, Any]]],
        *,
        clock_ms: Callable[[], int],
        params: dict[str, Any],
        random: list[float],
        max_calls: int,
    ) -> None:
        self._plan = plan
        self._clock_ms = clock_ms
        self._params = params
        self._random = list(random)
        #: how many values the pattern drew from the random source (the answer's `random_draws`)
        self.draws = 0
        self.max_calls = max_calls
        self._calls: dict[str, int] = {}
        self._opens: dict[str, int] = {}
        self._total_calls = 0
        self.trace: list[Event] = []
        self.in_flight: set[str] = set()
        self.open_resources: set[str] = set()
        self._raised: dict[int, tuple[BaseException, str]] = {}
        self.limit_reached = False
        #: the injected blocking work (runner/blocking.py), set by the runner for the run
        self.blocking: Any = None
        #: what the injected objects of the run must outlive it: an async generator the pattern
        #: drops is then closed by the runner when the run ends (``loop.shutdown_asyncgens``), never by
        #: the collector's finalizer hook at a moment that depends on reference counts
        self.keep_alive: list[object] = []

    # -- recording ---------------------------------------------------------------------------------
    def _record(self, ev: str, key: str, n: int, **extra: Any) -> None:
        self.trace.append({"t": self._clock_ms(), "ev": ev, "key": key, "n": n, **extra})

    def origin(self, error: BaseException) -> str | None:
        """``"key#n"`` when ``error`` is the very object an operation call raised."""
        found = self._raised.get(id(error))
        return found[1] if found is not None and found[0] is error else None

    def report(self, error: BaseException) -> None:
        """The error handler got ``error``: record ``report`` under the call that raised this very
        object (key ``?``, n 0, when it came from no call: a wrapped or re-created error)."""
        origin = self.origin(error)
        key, _, n = origin.rpartition("#") if origin is not None else ("?", "", "0")
        self._record("report", key, int(n))

    def leaks(self) -> list[str]:
        """What is still running or open now: operations in flight and resources not closed."""
        return sorted(f"operation {tag} still running" for tag in self.in_flight) + sorted(
            f"resource {tag} not closed" for tag in self.open_resources
        )

    # -- the injected operation --------------------------------------------------------------------
    def _steps(self, key: str) -> list[dict[str, Any]]:
        steps = self._plan.get(key) or self._plan.get("*")
        if not steps:
            raise LookupError(f"the plan has no steps for key {key!r} and no '*' entry")
        return steps

    async def operation(self, key: Any) -> Any:
        """Call number n of ``key`` plays the plan's n-th step for that key (the last repeats)."""
        key = str(key)
        steps = self._steps(key)
        n = self._calls[key] = self._calls.get(key, 0) + 1
        self._total_calls += 1
        if self._total_calls > self.max_calls:
            # Park the caller for good: the run ends at its time limit as "unfinished". Raising
            # instead would feed a retry loop that catches everything.
            self.limit_reached = True
            await asyncio.get_running_loop().create_future()
        step = steps[min(n, len(steps)) - 1]
        tag = f"{key}#{n}"
        self._record("call", key, n)
        self.in_flight.add(tag)
        try:
            if step.get("hang"):
                await asyncio.get_running_loop().create_future()
            await _on_a_timer(step.get("after_ms", 0))
        except asyncio.CancelledError:
            try:
                if step.get("cancel_ms"):
                    # An operation that takes a while to stop once cancelled.
                    await _stopping(step["cancel_ms"])
            finally:
                self.in_flight.discard(tag)
                self._record("cancel", key, n)
            raise
        return self.end_call(key, n, step)

    # -- the injected blocking work (runner/blocking.py blocks; this plays the plan) -----------------
    def start_call(self, key: str) -> tuple[dict[str, Any], int]:
        """A blocking call of ``key`` starts: records ``call``; its step and call number."""
        steps = self._steps(key)
        n = self._calls[key] = self._calls.get(key, 0) + 1
        self._total_calls += 1
        self._record("call", key, n)
        self.in_flight.add(f"{key}#{n}")
        return steps[min(n, len(steps)) - 1], n

    def end_call(self, key: str, n: int, step: dict[str, Any]) -> Any:
        """A call ends as its step says (an operation's or a blocking one's): records ``ok`` and returns the
        value, or records ``fail`` and raises."""
        tag = f"{key}#{n}"
        self.in_flight.discard(tag)
        if "fail" in step:
            error = make_error(step["fail"], step.get("message", f"{step['fail']} failure of {tag}"))
            self._raised[id(error)] = (error, tag)
            self._record("fail", key, n, kind=step["fail"])
            raise error
        self._record("ok", key, n)
        return step.get("ok")

    def clock_ms(self) -> int:
        return self._clock_ms()

    def record_beat(self, n: int, lag_ms: int) -> None:
        """The runner's heartbeat on the loop beat (``lag``: how late, in ms)."""
        self._record("beat", "heartbeat", n, lag=lag_ms)

    def operation_for(self, key: str) -> Callable[[], Any]:
        """The single-operation form the patterns over one operation take."""

        async def call() -> Any:
            return await self.operation(key)

        return call

    # -- instrumented resources --------------------------------------------------------------------
    async def open_resource(self, name: str = "resource", *, close_ms: float | None = None) -> Resource:
        """Open ``name``; its close takes ``close_ms`` (by default the run's ``params.close_ms``, else 0)."""
        n = self._opens[name] = self._opens.get(name, 0) + 1
        self._record("open", name, n)
        self.open_resources.add(f"{name}#{n}")
        if close_ms is None:
            close_ms = self._params.get("close_ms", 0)
        # As a float: the loop rounds a fractional close_ms like every delay (halves up).
        return Resource(self, name, n, close_ms=float(close_ms))

    # -- injected randomness -----------------------------------------------------------------------
    def draw(self) -> float:
        """The scenario's ``random`` values, in order; past them the last one again (0.5 if none).

        Never raises: a draw past the supplied values is the runner's to report (``draws``, the
        answer's ``random_draws``) and the checker's to judge, not an outcome of the pattern
        (spec/PROTOCOL.md section 3).
        """
        self.draws += 1
        if not self._random:
            return 0.5
        return self._random[min(self.draws, len(self._random)) - 1]


class Resource:
    """A resource whose ``aclose()`` takes ``close_ms`` and records ``close`` when it completes."""

    def __init__(self, instruments: Instruments, name: str, n: int, *, close_ms: float) -> None:
        self._instruments = instruments
        self._name = name
        self._n = n
        self._close_ms = close_ms
        #: a connection's last use failed fatally (connection-pool): it must not be used again
        self.broken = False

    def record(self, ev: str) -> None:
        """Record ``ev`` (a pool's ``acquire`` / ``release``) under this resource's name and number."""
        self._instruments._record(ev, self._name, self._n)

    async def aclose(self) -> None:
        await asyncio.sleep(self._close_ms / 1000)
        self._instruments.open_resources.discard(f"{self._name}#{self._n}")
        self._instruments._record("close", self._name, self._n)
