"""Racing alternatives, first success wins, with optional hedging (spec: ``spec/patterns/racing.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from ._limits import LONGEST_S
from ._own_cancellation import as_failure, unwrap

K = TypeVar("K")
T = TypeVar("T")


async def race(
    operation: Callable[[K], Coroutine[Any, Any, T]],
    items: Iterable[K],
    hedge_delay: float = 0.0,
) -> T:
    """Run ``operation(item)`` for the alternatives ``items``; the first success wins.

    Guarantees (the spec's rules):
    - with ``hedge_delay`` 0 (the default) every alternative starts at once, in input order (R1);
    - the first success wins; a failure never wins while another alternative is running or has
      yet to start (R2);
    - once one has won, the others are cancelled, no further one starts, and the value comes back
      only after they have stopped (R3);
    - with ``hedge_delay`` above 0 the alternatives start one at a time: the next one
      ``hedge_delay`` seconds after the latest one started, or at once when every one started so
      far has failed (R4, Polly's hedging);
    - when every alternative has failed, one ``ExceptionGroup`` holds every failure unchanged, in
      input order (R5) -- a ``BaseExceptionGroup`` when one of them is an alternative's own
      ``CancelledError``, which is a failure like any other (R7);
    - the caller's cancellation cancels every running alternative, starts no further one, and
      propagates as ``asyncio.CancelledError`` once they have stopped -- also one that comes after
      an alternative has won, while the losers are stopping (R8).

    ``items`` must hold at least one alternative; ``hedge_delay`` is 0 or from 0.001 s (1 ms) to
    2147483.647 s. Anything else raises ``ValueError`` before any call (R9): a delay under 1 ms
    would be a 0 ms timer in one runtime and no timer at all in another.
    """
    alternatives = list(items)
    if not alternatives:
        raise ValueError("`items` must hold at least one alternative")
    if (
        isinstance(hedge_delay, bool)
        or not isinstance(hedge_delay, int | float)
        or not (hedge_delay == 0 or 0.001 <= hedge_delay <= LONGEST_S)
    ):
        raise ValueError(f"`hedge_delay` must be 0 or from 0.001 to {LONGEST_S} seconds, got {hedge_delay!r}")

    attempts: list[asyncio.Task[None]] = []
    failures: dict[int, BaseException] = {}
    won: list[T] = []  # the winner's value, once there is one (a value may itself be None)
    hedge_timer: asyncio.Task[None] | None = None
    caller = asyncio.current_task()

    async with asyncio.TaskGroup() as group:

        def start_next() -> None:
            """Start the next alternative -- every one, with no hedge delay -- then arm the hedge timer."""
            nonlocal hedge_timer
            if caller is not None and caller.cancelling() > 0:
                return  # the caller cancelled: no further alternative starts (R8)
            if hedge_timer is not None:
                hedge_timer.cancel()  # started early: every running one failed (R4)
                hedge_timer = None
            while True:
                attempts.append(group.create_task(attempt(len(attempts))))
                if hedge_delay > 0 or len(attempts) == len(alternatives):
                    break
            if len(attempts) < len(alternatives):
                # A task created after the attempt's: its timer is armed once the operation has
                # started, so a settlement due at the same instant comes first (R4).
                hedge_timer = group.create_task(hedge())

        async def hedge() -> None:
            nonlocal hedge_timer
            await asyncio.sleep(hedge_delay)
            hedge_timer = None
            start_next()

        async def attempt(index: int) -> None:
            try:
                # as_failure: an operation's own CancelledError is a failure (R7), not a loser's.
                value = await as_failure(operation(alternatives[index]))
            except Exception as error:
                failures[index] = unwrap(error)
                if len(failures) == len(attempts) and len(attempts) < len(alternatives):
                    start_next()  # every one started so far has failed: no wait for the delay (R4)
                return
            if won:
                return  # a later success of the same instant (cannot happen once the others are cancelled)
            won.append(value)
            for other in attempts:
                if other is not asyncio.current_task():
                    other.cancel()  # the losers (R3); the TaskGroup waits for them to stop
            if hedge_timer is not None:
                hedge_timer.cancel()  # no further alternative starts

        start_next()

    if won:
        return won[0]
    raise BaseExceptionGroup(
        f"all {len(alternatives)} alternatives failed", [failures[index] for index in sorted(failures)]
    )
