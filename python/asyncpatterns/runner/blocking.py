"""The injected *blocking work* and the heartbeat on the loop (spec/PROTOCOL.md section 5, "Blocking work").

The blocking work ``work(item)`` is a plain function: call ``n`` of a key plays the plan's step
like the operation does (``call``, then ``ok``/``fail`` after ``after_ms``), but it *blocks the
thread that calls it* for ``after_ms`` instead of awaiting a timer:

- real clock: the thread really blocks (an ``Event.wait``, i.e. a ``time.sleep`` the runner can cut
  short when the run ends);
- virtual clock, on the loop's own thread (work called inline): the loop's clock moves on by
  ``after_ms`` at once -- the loop was busy that long -- so every timer due meanwhile, the
  heartbeat's included, fires late, after the block;
- virtual clock, on another thread: the thread parks until the loop's clock reaches the end of
  its block, on a timer the loop arms for it; the loop goes on meanwhile, and counts a parked
  thread as waiting on a timer, not as executor work it cannot see.

The heartbeat: a timer on the loop, every ``heartbeat_ms`` from the last beat, records ``beat``
with its ``lag`` (how late it fired); it stops when the pattern settles.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from .instruments import Instruments
from .virtual_loop import VirtualTimeLoop, round_ms

#: How long, in real seconds, the end of a run waits for threads still in a block to come back.
DRAIN_S = 2.0


class BlockingWork:
    """The blocking work of one run: ``work(item)`` from any thread; ``release_all()`` ends every block."""

    def __init__(self, ins: Instruments, loop: asyncio.AbstractEventLoop) -> None:
        self._ins = ins
        self._loop = loop
        self._virtual = isinstance(loop, VirtualTimeLoop)
        self._loop_thread = threading.get_ident()  # made on the loop's thread, before it runs
        self._lock = threading.Lock()
        self._waiting: set[threading.Event] = set()
        self._released = False
        #: Blocks ``release_all`` ended early, or that ended at once because it had been called.
        self.cut_short = 0
        self._running = 0
        self._idle = threading.Condition(self._lock)
        self._stop_loop_when_idle = False

    def __call__(self, item: Any) -> Any:
        key = str(item)
        with self._lock:
            step, n = self._ins.start_call(key)
            self._running += 1
        try:
            if step.get("hang"):
                self._block(None)
            else:
                self._block(step.get("after_ms", 0))
        finally:
            with self._lock:
                self._running -= 1
                self._idle.notify_all()
                stop_loop = self._running == 0 and self._stop_loop_when_idle
            if stop_loop:
                self._loop.call_soon_threadsafe(self._loop.stop)
        with self._lock:
            return self._ins.end_call(key, n, step)

    def _block(self, ms: float | None) -> None:
        if self._virtual and ms is not None and threading.get_ident() == self._loop_thread:
            assert isinstance(self._loop, VirtualTimeLoop)
            self._loop.consume_ms(round_ms(ms))  # the loop itself was busy that long
            return
        event = threading.Event()
        with self._lock:
            if self._released:
                self.cut_short += 1
                return  # the run is over: nothing blocks any more
            self._waiting.add(event)
        try:
            if not self._virtual:
                event.wait(None if ms is None else ms / 1000)
            elif threading.get_ident() != self._loop_thread:
                # Parked until the clock reaches the end of the block -- a hang, until the run ends.
                order = VirtualTimeLoop.handed_over()
                self._loop.call_soon_threadsafe(self._park, None if ms is None else round_ms(ms), event, order)
                event.wait()
            else:
                event.wait()  # a hang on the loop itself: until the run ends
        finally:
            with self._lock:
                self._waiting.discard(event)

    def _park(self, ms: int | None, event: threading.Event, order: int | None) -> None:
        assert isinstance(self._loop, VirtualTimeLoop)
        self._loop.park(ms, event, order)

    def finish_on_loop(self, grace_s: float) -> None:
        """Run the loop until no thread is in the work (its end is recorded then, on the run's clock),
        for at most ``grace_s`` of it: work the pattern left running is let finish, not cut short."""
        with self._lock:
            if not self._running or self._released:
                return
            self._stop_loop_when_idle = True
        limit = self._loop.call_later(grace_s, self._loop.stop)
        try:
            self._loop.run_forever()
        finally:
            limit.cancel()
            self._stop_loop_when_idle = False

    def release_all(self) -> None:
        """End every block now, and let none start: the run is over (or its loop is stuck on one)."""
        with self._lock:
            self._released = True
            self.cut_short += len(self._waiting)
            for event in self._waiting:
                event.set()

    def drain(self, timeout_s: float = DRAIN_S) -> bool:
        """Release every block and wait until no thread is in the work; False if one stayed."""
        self.release_all()
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True


class Heartbeat:
    """A timer on the loop every ``period_ms`` after the last beat, recording ``beat`` with its lag."""

    def __init__(self, ins: Instruments, period_ms: float) -> None:
        self._ins = ins
        self._loop = asyncio.get_running_loop()
        self._period_s = period_ms / 1000
        self._n = 0
        self._handle: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._due = self._loop.time() + self._period_s
        self._due_ms = self._ins.clock_ms() + round_ms(self._period_s * 1000)
        self._handle = self._loop.call_at(self._due, self._beat)

    def _beat(self) -> None:
        self._n += 1
        now = self._ins.clock_ms()
        self._ins.record_beat(self._n, max(0, now - self._due_ms))
        self._arm()

    def stop(self) -> None:
        """Stops beating. A beat overdue now -- due, but the loop never got to it -- counts with its lag."""
        now = self._ins.clock_ms()
        if self._handle is not None and now > self._due_ms:
            self._ins.record_beat(self._n + 1, now - self._due_ms)
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
