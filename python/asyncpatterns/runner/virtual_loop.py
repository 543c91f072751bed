"""A virtual-time asyncio event loop: the clock jumps to the next timer when nothing can run.

Why our own loop rather than looptime (which is in the wheels and was measured on this machine,
see ../shared/RUNTIMES.md): the suite needs three guarantees that looptime 0.9 does not give --

* timers due at the same instant fire one at a time, in the order they were scheduled (FIFO), and
  everything a timer makes ready runs before the next one fires (spec/PROTOCOL.md section 5);
  stock asyncio's heap does not keep that order, and its ``_run_once`` moves every due timer to
  the ready queue at once, so two timers of one instant both fire before either's effects run;
* the clock never moves while executor work (``run_in_executor`` / ``asyncio.to_thread``) is
  pending: looptime lets real time leak into the clock then;
* time is an integer number of milliseconds, so readings are exact (looptime's 1 ms resolution
  turns a 1 ms sleep into 2 ms), and a delay is rounded to it by the protocol's one rule
  (``round_ms``: halves up, where ``round`` rounds halves to even).

It is also ~15x faster on the same scenario. The price: it keeps its timers in a heap of its own
and leans on asyncio's private ``_ready`` queue and ``_timer_handle_cancelled`` hook, and on
``_run_once`` asking the selector to wait (``select(None)``) exactly when nothing is ready and
asyncio's own ``_scheduled`` heap is empty. ``tests/test_virtual_loop.py`` pins the Python minor
version and checks each guarantee, so an asyncio change fails a test rather than a time reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import selectors
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future as ConcurrentFuture
from contextvars import Context
from typing import Any, TypeVar

from .loop_watch import WatchedSelector

_T = TypeVar("_T")

#: Python minor versions whose asyncio internals this loop was checked against.
SUPPORTED_PYTHON = ((3, 11), (3, 12), (3, 13))


def round_ms(ms: float) -> int:
    """A delay in whole milliseconds, by the protocol's rule (spec/PROTOCOL.md section 5).

    To the nearest millisecond, halves up (74.5 -> 75, 0.4 -> 0); the value is first rounded to
    a millionth of a millisecond, so binary floating point cannot flip a half: 10 ms + 75.5 ms,
    computed in seconds, is 85.49999999999999 ms and lands on 86. A negative delay is 0.
    """
    if not ms > 0:  # negative, zero, NaN
        return 0
    return math.floor(round(ms, 6) + 0.5)


class WallBudgetExceeded(RuntimeError):
    """The scenario used more real time than its budget (a blocking call, a busy loop ...)."""


class _SeqTimerHandle(asyncio.TimerHandle):
    """A timer handle ordered by (due time, scheduling sequence): FIFO among equal due times."""

    __slots__ = ("_seq",)

    def __init__(
        self,
        when: float,
        seq: int,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: asyncio.AbstractEventLoop,
        context: Context | None,
    ) -> None:
        super().__init__(when, callback, args, loop, context)
        self._seq = seq

    def _key(self) -> tuple[float, int]:
        return (self.when(), self._seq)

    def __lt__(self, other: object) -> bool:
        if isinstance(other, _SeqTimerHandle):
            return self._key() < other._key()
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, _SeqTimerHandle):
            return self._key() <= other._key()
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, _SeqTimerHandle):
            return self._key() > other._key()
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, _SeqTimerHandle):
            return self._key() >= other._key()
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__


#: Loop iterations at one instant after which the clock moves on anyway: a loop spinning on
#: call_soon (anyio's cancellation delivery), or on a timer re-armed at the same instant, must not
#: freeze virtual time. Far above what any scenario does at one instant (hundreds), and a count,
#: not a reading of real time: the same run spins the same way.
SPIN_LIMIT = 10_000


class _VirtualSelector(WatchedSelector):
    """The loop's selector: instead of sleeping until the next timer, move the clock to it."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def wait(self, timeout: float | None) -> list[tuple[selectors.SelectorKey, int]]:
        # asyncio asks for a wait (timeout None: its own timer heap is always empty here) exactly
        # when no callback is ready; any other timeout is 0 (ready callbacks, or stopping).
        loop = self.loop
        assert loop is not None
        loop.check_wall_budget()
        # Stopped meanwhile -- the loop-lag watch stops a blocked run from inside select(), after
        # asyncio chose to wait -- the clock stays: the stop comes before the next timer.
        if loop.stopping:
            return super().wait(0)
        if timeout is not None:
            # Callbacks are ready. One that re-schedules itself with call_soon until another task
            # has moved on (anyio's cancel scope does, while a cancelled task takes its time to
            # stop) would keep the clock at this instant for ever: after SPIN_LIMIT iterations the
            # earliest timer is released anyway -- at this instant when one is due now (none is
            # late: no millisecond is added), else the clock goes to it; never past executor work.
            loop.spins += 1
            if loop.spins >= SPIN_LIMIT and not loop.pending_executor_work:
                loop.spins = 0
                loop.release_next_timer()
            return super().wait(0)
        if loop.pending_executor_work:
            # Work the loop cannot see is running on another thread: wait for it (in real time,
            # with the clock frozen) rather than jump the clock past it.
            return super().wait(0.05)
        events = super().wait(0)
        if events:
            return events
        loop.spins += 1  # a timer re-armed at this instant, released again and again, spins too
        if loop.spins >= SPIN_LIMIT:
            loop.spin_on()
            return []
        if not loop.release_next_timer():
            # Nothing ready, no timer, no executor work: nothing can ever run again.
            loop.on_idle()
        return []


#: On an executor thread, the hand-over order of the work it runs (``VirtualTimeLoop.handed_over``).
_HAND_OVER = threading.local()


def _handed_over_as(order: int, func: Callable[..., _T], *args: Any) -> _T:
    _HAND_OVER.order = order
    try:
        return func(*args)
    finally:
        _HAND_OVER.order = None


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time.

    Guarantees: ``time()`` reads whole milliseconds, starting at 0; a delay is rounded to whole
    milliseconds by ``round_ms`` (halves up); the clock advances only when
    no callback is ready and no executor work is pending, and then straight to the earliest timer
    -- or, a loop that keeps itself busy, after ``SPIN_LIMIT`` iterations at one instant;
    timers fire one at a time -- by due time, then in the order they were scheduled -- each only
    once everything the previous one made ready has run (to quiescence). When nothing at all can
    run any more, the loop calls ``on_idle`` (by default: stop).
    """

    def __init__(self, *, wall_budget_s: float | None = None) -> None:
        selector = _VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        #: the loop's selector, which the loop-lag watch times iterations by
        self.selector: WatchedSelector = selector
        self._now_ms = 0
        self._seq = itertools.count()
        # Our own timer heap: asyncio's `_scheduled` stays empty, so `_run_once` never moves all
        # due timers to the ready queue at once; `release_next_timer` hands it one at a time.
        self._timers: list[_SeqTimerHandle] = []
        self._cancelled_timers = 0
        self._executor_pending = 0
        # Threads parked in a virtual block (runner/blocking.py): waiting on a timer, not running;
        # and those with an end, as (due ms, hand-over order, event).
        self._parked: set[threading.Event] = set()
        self._parks_due: list[tuple[int, int, threading.Event]] = []
        self._wall_deadline = None if wall_budget_s is None else time.monotonic() + wall_budget_s
        self.idle = False
        #: threads started on the loop's thread other than by handing work to an executor
        #: (``threads_watched``) and alive when the clock moved on, each as "Class 'name' running target"
        self.foreign_threads: list[str] = []
        self._foreign: list[tuple[threading.Thread, str]] = []  # started so, not yet seen ended
        self._handing_over = False
        #: loop iterations at this instant (SPIN_LIMIT): 0 again when the clock moves
        self.spins = 0

    # -- the clock -------------------------------------------------------------------------------
    def time(self) -> float:
        return self._now_ms / 1000

    @property
    def now_ms(self) -> int:
        return self._now_ms

    def call_at(  # type: ignore[override]  # same parameters; typeshed spells them with a TypeVarTuple
        self,
        when: float,
        callback: Callable[..., object],
        *args: Any,
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        if when is None:
            raise TypeError("when cannot be None")
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        # Timers are due on whole milliseconds: the delay from now is rounded (round_ms), so
        # 0.33 + 0.1 lands on 430 ms, not 431, and 10 ms + 75.5 ms on 86, not 85.
        due_ms = self._now_ms + round_ms(when * 1000 - self._now_ms)
        timer = _SeqTimerHandle(due_ms / 1000, next(self._seq), callback, args, self, context)
        heapq.heappush(self._timers, timer)
        timer._scheduled = True  # type: ignore[attr-defined]
        return timer

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        # asyncio's hook (TimerHandle.cancel): count, so the heap is purged when mostly dead.
        if handle._scheduled:  # type: ignore[attr-defined]
            self._cancelled_timers += 1
            if self._cancelled_timers > 64 and self._cancelled_timers * 2 > len(self._timers):
                # `handle` is not marked cancelled yet: asyncio calls this hook first.
                live = []
                for timer in self._timers:
                    if timer.cancelled() or timer is handle:
                        timer._scheduled = False  # type: ignore[attr-defined]
                    else:
                        live.append(timer)
                heapq.heapify(live)
                self._timers = live
                self._cancelled_timers = 0

    def close(self) -> None:
        # asyncio's close() clears its own `_scheduled` heap; ours must go too. A timer left in it
        # holds its callback -- a task's `cancel`, say -- and so the task and, through it, this
        # loop: a cycle that waited for a collection of the oldest generation whenever anything
        # still held the loop at the run's own collection (a tenth of a run's tasks, in 300 runs).
        super().close()  # raises while running, as asyncio's does
        self._timers.clear()
        self._cancelled_timers = 0

    @property
    def stopping(self) -> bool:
        """``stop()`` was called and the loop has not stopped yet (asyncio's own flag)."""
        return bool(self._stopping)  # type: ignore[attr-defined]

    def release_next_timer(self) -> bool:
        """Move the clock to the earliest live timer and make that one timer ready; False if none."""
        if self._foreign:
            self._note_foreign_threads()
        while self._timers:
            timer = heapq.heappop(self._timers)
            timer._scheduled = False  # type: ignore[attr-defined]
            if timer.cancelled():
                self._cancelled_timers -= 1
                continue
            now_ms = max(self._now_ms, round(timer.when() * 1000))
            if now_ms != self._now_ms:
                self._now_ms, self.spins = now_ms, 0
            self._ready.append(timer)  # type: ignore[attr-defined]
            return True
        return False

    def spin_on(self) -> None:
        """SPIN_LIMIT timers released at one instant with nothing else to run: one re-armed at this
        very instant, again and again -- anyio re-arms a deadline of 0.3 ms, which rounds to now,
        until ``time()`` reaches it. Real time would have passed: the clock moves a millisecond
        on, and the earliest timer is released (the clock goes to it if later)."""
        self._now_ms += 1
        self.spins = 0
        self.release_next_timer()

    # -- work the loop cannot see ------------------------------------------------------------------
    @property
    def pending_executor_work(self) -> bool:
        # A thread parked on a virtual block waits for a timer of this loop: it is not running.
        parked = sum(1 for event in self._parked if not event.is_set())
        return self._executor_pending > parked

    def consume_ms(self, ms: int) -> None:
        """The loop's own thread was busy for ``ms`` (a blocking call on the loop): the clock moves on
        at once, and every timer due meanwhile fires late, after it, in its order."""
        self._now_ms += ms
        self.spins = 0

    def park(self, ms: int | None, event: threading.Event, order: int | None = None) -> None:
        """A thread blocks for ``ms`` of virtual time (called on the loop, for it): ``event`` is set
        when the clock gets there; until then the thread counts as waiting, not as running work.
        ``None``: it waits for something else to set ``event`` (the end of the run). ``order``: when
        its work was handed over (``handed_over()``); work handed over otherwise ranks as it parks."""
        self._parked.add(event)
        if ms is None:
            return
        self._parks_due.append((self._now_ms + ms, next(self._seq) if order is None else order, event))
        self.call_later(ms / 1000, self._unpark_next)

    def _unpark_next(self) -> None:
        """A park's timer fired: of the threads whose block has ended, the one whose work was handed
        over first goes on -- not the one that happened to park first (threads reach the loop in the
        order they are scheduled): blocks ending at one instant end in hand-over order, each with
        all that follows from it before the next (PROTOCOL.md section 5, "Blocking work")."""
        due = [park for park in self._parks_due if park[0] <= self._now_ms and not park[2].is_set()]
        if not due:
            return
        first = min(due, key=lambda park: (park[0], park[1]))
        self._parks_due.remove(first)
        self._parked.discard(first[2])
        first[2].set()

    @staticmethod
    def handed_over() -> int | None:
        """On an executor thread: when the loop handed over the work it runs (its place in
        ``run_in_executor`` calls), None elsewhere."""
        return getattr(_HAND_OVER, "order", None)

    def run_in_executor(  # type: ignore[override]
        self, executor: Any, func: Callable[..., _T], *args: Any
    ) -> asyncio.Future[_T]:
        self._handing_over = True  # a thread the executor starts now is its own: seen (threads_watched)
        try:
            future = super().run_in_executor(executor, _handed_over_as, next(self._seq), func, *args)
        finally:
            self._handing_over = False
        self._executor_pending += 1

        def _done(_: asyncio.Future[_T] | ConcurrentFuture[_T]) -> None:
            self._executor_pending -= 1

        future.add_done_callback(_done)
        return future

    @contextlib.contextmanager
    def threads_watched(self) -> Iterator[None]:
        """For a run on this thread: watch every thread started on it other than by handing work to
        an executor (``run_in_executor``, which ``asyncio.to_thread`` uses) -- a ``threading.Thread``
        of the pattern's own, anyio's ``to_thread`` workers, a pool's ``submit``. The clock cannot
        see their work: one still alive when the clock moves on (``foreign_threads``) makes the run
        ``unsupported`` (PROTOCOL.md section 5, rule 4: never a wrong time). ``threading.Thread.start`` is replaced
        while it lasts, as the JavaScript runner replaces ``Worker``; threads started on other
        threads (the harness's own, in-process) pass through."""
        original = threading.Thread.start
        loop_thread = threading.get_ident()

        def start(thread: threading.Thread) -> None:
            ours = self._handing_over or thread.name.startswith("asyncconf")  # an executor's; the runner's
            if threading.get_ident() == loop_thread and not ours:
                target = getattr(thread, "_target", None)
                running = f" running {getattr(target, '__qualname__', repr(target))}" if target is not None else ""
                self._foreign.append((thread, f"{type(thread).__name__} {thread.name!r}{running}"))
            original(thread)

        threading.Thread.start = start  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            threading.Thread.start = original  # type: ignore[method-assign]

    def _note_foreign_threads(self) -> None:
        """The clock is about to move on: a thread of the pattern's own still alive may be running
        work the loop cannot see (a pool's idle thread cannot be told from a busy one: noted too).
        One that ended before -- a pool shut down while the loop's thread waited for it -- is not."""
        alive = [(thread, what) for thread, what in self._foreign if thread.is_alive()]
        self.foreign_threads += [what for _, what in alive if what not in self.foreign_threads]
        self._foreign = alive

    # -- guards ------------------------------------------------------------------------------------
    def check_wall_budget(self) -> None:
        if self._wall_deadline is not None and time.monotonic() > self._wall_deadline:
            self._wall_deadline = None  # report once; the caller decides what to do next
            raise WallBudgetExceeded("the scenario exceeded its wall-clock budget")

    def on_idle(self) -> None:
        self.idle = True
        self.stop()
