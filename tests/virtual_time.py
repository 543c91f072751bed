"""Run a piece of async code on the runner's virtual loop: the one helper the reference tests share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asyncpatterns.runner.virtual_loop import VirtualTimeLoop


def on_virtual_time(body: Callable[[], Awaitable[Any]], cancel_at_ms: float | None = None) -> tuple[str, Any, int]:
    """Run ``body`` on a virtual loop, its caller cancelling it at ``cancel_at_ms`` if given:
    ("ok", value, ms) or ("raised", exception, ms), ms the virtual time it settled at."""
    loop = VirtualTimeLoop(wall_budget_s=10)
    outcome: list[Any] = []

    async def main() -> None:
        try:
            outcome.extend(["ok", await body()])
        except BaseException as error:  # the pattern's outcome, cancellation included
            outcome.extend(["raised", error])
        outcome.append(round(loop.time() * 1000))
        loop.stop()

    try:
        task = loop.create_task(main())
        if cancel_at_ms is not None:
            loop.call_later(cancel_at_ms / 1000, task.cancel)
        loop.run_forever()
    finally:
        loop.close()
    assert outcome, "the pattern never settled"
    return outcome[0], outcome[1], outcome[2]
