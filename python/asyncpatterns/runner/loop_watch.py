"""The loop-lag watch: how long the run's event loop went without coming back.

While a run is watched, a watchdog thread hands the loop a no-op callback (a *beat*) every
``PERIOD_S`` of real time, one at a time, and the beat measures how long it waited to run. A
callback that blocks the loop -- ``time.sleep``, a busy loop, a blocking wait -- delays the beat by
as long as it blocks, on the virtual clock and the real one alike. It is sampling: a reading can
fall short of the true stretch by up to ``PERIOD_S``.

A busy machine delays a beat too, by the time the loop's thread waits for a CPU. On Linux the
kernel counts that wait (``/proc/self/task/TID/schedstat``, run-queue delay) and the watch leaves
it out: a loaded machine does not make a correct run "blocked".

A beat changes nothing the scenario sees: it runs between the scenario's callbacks, schedules
nothing, and a loop iteration that runs only a beat does not move the virtual clock. Runs shorter
than the period are never beaten at all, so the watch costs nearly nothing.

The beats need the watchdog thread to run while the loop is blocked. On a machine loaded enough
that the kernel does not schedule it for the whole stretch (seen: ten busy processes on two
cores, a 100 ms ``time.sleep`` unseen), no beat is in flight and the stretch would go unmeasured.
So the loop's own selector (``WatchedSelector``) times it too, on the loop's thread: the real time
from one ``select()`` to the next is what one loop iteration spent running callbacks, less the
run-queue delay since the last reading (taken at most every ``PERIOD_S``, so this too may fall
short by up to ``PERIOD_S``). The longer of the two readings counts.

On the virtual clock a blocking sleep on the loop's thread (``time.sleep``) is no measurement:
the run does not sleep it (``CutShortSleeps``), the loop's clock moves on by it at once, and the
watch is told of it (``blocked_for``) -- a block of exactly that length, added to the loop
iteration it happened in, whatever the machine's load.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import operator
import selectors
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import SupportsIndex

#: How often the watchdog beats a watched loop (real seconds).
PERIOD_S = 0.005


def run_queue_delay_s(thread_id: int) -> float:
    """The real seconds a thread (native id) has spent runnable, waiting for a CPU; 0 where the
    kernel does not say (not Linux)."""
    try:
        with open(f"/proc/self/task/{thread_id}/schedstat", encoding="ascii") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class LoopWatch:
    """The lag watch of one run's loop: ``with LoopWatch(loop, limit_ms, on_block): loop.run_...``.

    ``blocked_ms`` is the longest stretch measured; ``on_block`` is called on the loop's thread, at
    the loop's first chance, each time a stretch of ``limit_ms`` or more was measured. A block the
    runner knows of without measuring it (``blocked_for``: a sleep on the virtual clock) counts
    in the stretch it happened in, at its length.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        limit_ms: float,
        on_block: Callable[[], object],
        selector: WatchedSelector | None = None,
        on_stall: Callable[[], object] | None = None,
    ) -> None:
        self._loop = loop
        self._selector = selector
        # The loop iteration running now (perf_counter when its select() returned), and the loop
        # thread's latest run-queue reading with when it was taken.
        self._began: float | None = None
        self._queued_s = 0.0
        self._queued_at = float("-inf")
        self._limit_s = limit_ms / 1000
        self._on_block = on_block
        # Called once on the watchdog's thread when a beat has waited the limit and the loop is still
        # not back: what the loop may be waiting for on another thread (a parked blocking call) is
        # released, so that the loop can come back and the run be stopped. A run it changed (a block
        # or a sleep cut short) is judged blocked by the reading that called it: ``count_the_stall``.
        self._on_stall = on_stall
        self._stall_s = 0.0  # that reading
        self._longest_s = 0.0
        # Blocks the loop's thread was told of in the iteration running now (``blocked_for``).
        self._named_s = 0.0
        # The longest of those, alone: exact, so judged by the protocol's limit (``named_block_ms``).
        self._named_longest_s = 0.0
        self._thread_id = threading.get_native_id()  # the loop's thread: the watch is made on it
        # When the beat in flight was sent (perf_counter), and the loop thread's run-queue delay then.
        self._sent: tuple[float, float] | None = None
        self._lock = threading.Lock()

    @property
    def blocked_ms(self) -> int:
        return round(self._longest_s * 1000)

    @property
    def named_block_ms(self) -> int:
        """The longest block told of (``blocked_for``) in one loop iteration, in whole ms."""
        return round(self._named_longest_s * 1000)

    @property
    def blocked(self) -> bool:
        return self._longest_s >= self._limit_s

    def __enter__(self) -> LoopWatch:
        if self._selector is not None:
            self._selector.watch = self
        _WATCHDOG.watch(self)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        _WATCHDOG.unwatch(self)
        if self._selector is not None:
            self._selector.watch = None
        # The loop is back: a beat still in flight waited that long, and so did its last iteration.
        self._measure()
        self.iteration_done()

    def count_the_stall(self) -> None:
        """What the stall released cut a block or a sleep of the run short, which changed the run: it
        is judged blocked by the reading that called the stall, whatever the beat read when it
        arrived -- the kernel counts a wait for a CPU once the thread runs again, so the arrival can
        leave out a wait that the watchdog's reading could not see."""
        self._longest_s = max(self._longest_s, self._stall_s)

    def iteration_begins(self) -> None:
        """The loop's select() returned: its callbacks run now (loop thread)."""
        self._began = now = time.perf_counter()
        if now - self._queued_at >= PERIOD_S:
            self._queued_s, self._queued_at = run_queue_delay_s(self._thread_id), now

    def blocked_for(self, seconds: float) -> None:
        """The loop's thread was blocked ``seconds`` that real time did not see pass (loop thread): a
        blocking sleep on the virtual clock, which the run does not sleep. It counts in the stretch
        of the loop iteration running now, whole, at the loop's next chance (``iteration_done``)."""
        self._named_s += seconds

    def iteration_done(self) -> None:
        """The loop is back in select() (loop thread): how long did its callbacks keep it?"""
        began, self._began = self._began, None
        named, self._named_s = self._named_s, 0.0
        self._named_longest_s = max(self._named_longest_s, named)
        if began is None and not named:
            return
        raw = 0.0 if began is None else time.perf_counter() - began
        if raw + named <= self._longest_s:  # cannot be a new longest: spare the kernel read
            return
        # The run-queue delay is real time only; a block told of is not measured, so never reduced.
        lag = max(0.0, raw - (run_queue_delay_s(self._thread_id) - self._queued_s)) + named
        self._longest_s = max(self._longest_s, lag)
        if lag >= self._limit_s:
            self._on_block()

    def beat(self) -> None:
        """Called by the watchdog thread: send a beat unless one is still waiting for the loop."""
        stall: Callable[[], object] | None = None
        with self._lock:
            if self._sent is None:
                self._sent = (time.perf_counter(), run_queue_delay_s(self._thread_id))
                send = True
            else:
                send = False
                sent_at, delay_then = self._sent
                waited = time.perf_counter() - sent_at - (run_queue_delay_s(self._thread_id) - delay_then)
                if self._on_stall is not None and waited >= self._limit_s:
                    stall, self._on_stall = self._on_stall, None
                    self._stall_s = waited
        if stall is not None:
            stall()
        if send:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the run is over
                self._loop.call_soon_threadsafe(self._arrived)

    def _arrived(self) -> None:
        if self._measure() >= self._limit_s:
            self._on_block()

    def _measure(self) -> float:
        with self._lock:
            sent, self._sent = self._sent, None
        if sent is None:
            return 0.0
        sent_at, delay_then = sent
        lag = time.perf_counter() - sent_at - (run_queue_delay_s(self._thread_id) - delay_then)
        self._longest_s = max(self._longest_s, lag)
        return lag


#: ``time.sleep`` itself, whatever a run puts in its place.
_REAL_SLEEP = time.sleep


#: The longest sleep ``time.sleep`` takes: its nanoseconds must fit a C int64 (``_PyTime_t``).
_LONGEST_SLEEP_S = (2**63 - 1) / 1e9


class CutShortSleeps:
    """For one run, ``time.sleep`` on the loop's thread (the thread that makes this) is the run's;
    any other thread's ``time.sleep`` is left alone.

    - Real clock (``consume`` None): it sleeps as it always does -- the loop really blocked, which
      the watch measures -- until ``release()``, called once the run is judged blocked
      (``LoopWatch``'s ``on_stall``): then it returns at once, and the run stops at the loop's
      first chance instead of waiting out the rest of the sleep (a retry's blocking sleep of a
      second, say). The run's verdict is already "blocked" when a sleep is cut short, so it changes
      no verdict; what it changes is the real time a blocking anti-pattern costs.
    - Virtual clock: it does not sleep at all. ``consume(seconds)`` is called instead: the loop was
      busy that long, so its clock moves on by it at once and the watch counts a block of that
      length (``LoopWatch.blocked_for``) -- as the injected blocking work called inline does
      (spec/PROTOCOL.md section 5). A blocking sleep is so a block of its length, named and the
      same on every machine, not a reading of real time that a loaded machine may blur.

    A sleep it refuses, it refuses as ``time.sleep`` does (negative or NaN: ValueError; past what
    ``time.sleep`` can hold: OverflowError). A blind spot: a sleep imported before the run (``from
    time import sleep``) is not replaced -- it sleeps in real time, and the watch measures it.
    """

    def __init__(self, consume: Callable[[float], object] | None = None) -> None:
        self._thread = threading.get_ident()
        self._released = threading.Event()
        self._consume = consume
        self._cut_short = 0

    def __enter__(self) -> CutShortSleeps:
        time.sleep = self._sleep
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if time.sleep == self._sleep:
            time.sleep = _REAL_SLEEP

    def release(self) -> None:
        """The run is judged blocked: the loop thread's sleep now and later ones end at once."""
        self._released.set()

    @property
    def cut_short(self) -> int:
        """How many of the loop thread's sleeps ``release`` cut short (or ended at once)."""
        return self._cut_short

    def _sleep(self, seconds: float | SupportsIndex, /) -> None:
        if threading.get_ident() != self._thread:
            _REAL_SLEEP(seconds)
            return
        secs = float(seconds) if isinstance(seconds, float) else float(operator.index(seconds))
        if math.isnan(secs):
            raise ValueError("Invalid value NaN (not a number)")
        if secs < 0:
            raise ValueError("sleep length must be non-negative")
        if secs > _LONGEST_SLEEP_S:
            raise OverflowError("timestamp too large to convert to C _PyTime_t")
        if self._consume is not None:
            self._consume(secs)
            return
        if self._released.wait(secs):
            self._cut_short += 1


class WatchedSelector(selectors.DefaultSelector):
    """The selector of a watched loop: tells its ``LoopWatch`` when each loop iteration begins
    (``select()`` returned) and ends (the next ``select()``). A subclass changes how the loop waits
    by overriding ``wait``, never ``select``."""

    def __init__(self) -> None:
        super().__init__()
        self.watch: LoopWatch | None = None

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        watch = self.watch
        if watch is not None:
            watch.iteration_done()
        try:
            return self.wait(timeout)
        finally:
            if watch is not None and self.watch is watch:
                watch.iteration_begins()

    def wait(self, timeout: float | None) -> list[tuple[selectors.SelectorKey, int]]:
        return super().select(timeout)


class _Watchdog:
    """One daemon thread per process beats the loop being watched, and sleeps when there is none."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._current: LoopWatch | None = None
        self._thread: threading.Thread | None = None

    def watch(self, watch: LoopWatch) -> None:
        with self._wake:
            self._current = watch
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="asyncconf loop watch", daemon=True)
                self._thread.start()
            self._wake.notify()

    def unwatch(self, watch: LoopWatch) -> None:
        with self._wake:
            if self._current is watch:
                self._current = None

    def _serve(self) -> None:
        while True:
            with self._wake:
                while self._current is None:
                    self._wake.wait()
            time.sleep(PERIOD_S)
            current = self._current
            if current is not None:
                current.beat()
            # Idle, this thread must not hold the last run's watch -- and through it the run's
            # loop and tasks, which the run's collection then found referenced and moved to the
            # oldest generation (a tenth of the runs' tasks stayed until a full collection).
            del current


_WATCHDOG = _Watchdog()
