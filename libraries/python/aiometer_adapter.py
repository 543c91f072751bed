"""aiometer (``run_all``) as the spec's bounded-concurrency.

Adapted: ``map_bounded(operation, items, limit)`` -> ``run_all([partial(operation, item) ...],
max_at_once=limit)``, which returns the results in input order. aiometer runs on anyio (asyncio
backend) and reads the loop's clock: it runs on the virtual loop.

Not adapted: parallel-partial-failures -- aiometer has no mode that collects failures beside the
results (the first failure cancels the rest), so the adapter would be the pattern itself.
Nothing is n/a.

    asyncconf check bounded-concurrency libraries.python.aiometer_adapter:map_bounded
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiometer

from asyncconf.libraries import Adapter


async def map_bounded(operation: Callable[[Any], Awaitable[Any]], items: Iterable[Any], limit: int) -> list[Any]:
    return await aiometer.run_all([functools.partial(operation, item) for item in items], max_at_once=limit)


ADAPTERS = [
    Adapter(
        library="aiometer",
        distribution="aiometer",
        pattern="bounded-concurrency",
        api="run_all(max_at_once)",
        implementation=map_bounded,
        why={
            "limit-past-the-largest-is-invalid": "takes a limit the spec refuses up front (PROTOCOL.md section 8)",
            "fractional-limit-is-invalid": (
                "refuses 2.5 up front, but with a `TypeError` (anyio's semaphore: `initial_value must be an integer`),"
                " which is a crash to the spec, not the `ValueError` of a refused argument (PROTOCOL.md section 6)"
            ),
            "own-cancellation-stops-the-rest": (
                "returns normally with the results it has (here `[]`): anyio's task group takes the operation's own "
                "`CancelledError` for a cancellation, not a failure -- it cancels the rest and raises nothing"
            ),
        },
    )
]
