"""anyio (asyncio backend) as the spec's task-group (``create_task_group``) and timeout
(``move_on_after``).

task-group: each item a child started with ``start_soon``; the results, in input order, collected
into a list the children fill in. anyio groups failures in an ``ExceptionGroup``, as the spec does.

timeout: ``with move_on_after(limit) as scope`` -- leaving the block when the limit expires is the
spec's "no result" (None); a ``TimeoutError`` of the operation's own is not caught.

anyio's timers use the loop's clock: it runs on the virtual loop. Nothing is n/a.

Cancellation differs from plain asyncio: inside a cancelled anyio scope every await is cancelled
again (level-triggered), so an operation that takes a while to stop once cancelled -- the runner's
injected one sleeps its ``cancel_ms`` unshielded -- is cut short (../shared/RUNTIMES.md,
"anyio cancels again"; issue 11 item 5 calls it the harness's to fix).

    asyncconf check task-group libraries.python.anyio_adapter:run_group
    asyncconf check timeout libraries.python.anyio_adapter:run_with_timeout
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio

from asyncconf.libraries import Adapter


async def run_group(operation: Callable[[Any], Awaitable[Any]], items: Iterable[Any]) -> list[Any]:
    inputs = list(items)
    results: list[Any] = [None] * len(inputs)

    async def child(index: int) -> None:
        results[index] = await operation(inputs[index])

    async with anyio.create_task_group() as group:
        for index in range(len(inputs)):
            group.start_soon(child, index)
    return results


async def run_with_timeout(operation: Callable[[], Awaitable[Any]], limit: float) -> Any:
    with anyio.move_on_after(limit):
        return await operation()
    return None


_RECANCELLED = (
    "the operation's slow stop (cancel_ms) is cancelled again at once: anyio re-cancels every await in a "
    "cancelled scope, and the runner's injected operation does not shield its stop (harness: issue 11 item 5)"
)
_NO_REFUSAL = "takes a limit the spec refuses up front (PROTOCOL.md section 8)"

ADAPTERS = [
    Adapter(
        library="anyio",
        distribution="anyio",
        pattern="task-group",
        api="create_task_group",
        implementation=run_group,
        why={
            "waits-for-slow-sibling": _RECANCELLED,
            "own-cancellation-is-a-failure": (
                "returns normally, every result missing (`[None, None, None]`): a child's own `CancelledError` "
                "cancels the siblings but is taken for a cancellation, not a failure -- nothing is raised"
            ),
        },
    ),
    Adapter(
        library="anyio",
        distribution="anyio",
        pattern="timeout",
        api="move_on_after",
        implementation=run_with_timeout,
        why={
            "slow-to-stop": _RECANCELLED,
            "zero-limit-is-invalid": "`move_on_after(0)` is taken: expired at once, no result",
            "limit-past-the-longest-timer-is-invalid": _NO_REFUSAL,
        },
    ),
]
