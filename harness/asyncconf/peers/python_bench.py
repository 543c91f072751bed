"""The Python side of ``asyncconf bench --peers``: each reference against its peers, on the real
clock, in one fresh interpreter. Prints one JSON object per measurement (see ``peers/__init__.py``).

Run: ``python -m asyncconf.peers.python_bench [--quick]``. A peer that is not installed is
reported as missing (``pip install -e '.[bench]'``), never measured as something else.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib.util
import json
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

from asyncpatterns import map_bounded, retry, run_with_timeout

LIMIT = 100  # operations in flight in the bounded-concurrency runs


def emit(**row: Any) -> None:
    print(json.dumps({"lang": "python", **row}), flush=True)


def missing(bench: str, impl: str, package: str) -> None:
    emit(bench=bench, impl=impl, missing=f"{package} is not installed (pip install -e '.[bench]')")


async def step(item: int) -> int:
    await asyncio.sleep(0)  # one turn of the loop, as real I/O takes at least
    return item


# -- bounded concurrency -----------------------------------------------------------------------------


async def semaphore_gather(items: range) -> list[int]:
    slots = asyncio.Semaphore(LIMIT)

    async def one(item: int) -> int:
        async with slots:
            return await step(item)

    return await asyncio.gather(*(one(item) for item in items))


async def reference_bounded(items: range) -> list[int]:
    return await map_bounded(step, items, LIMIT)


def bounded_impls() -> dict[str, Callable[[range], Awaitable[list[int]]]]:
    impls: dict[str, Callable[[range], Awaitable[list[int]]]] = {
        "reference": reference_bounded,
        "asyncio.Semaphore + gather": semaphore_gather,
    }
    if importlib.util.find_spec("aiometer"):
        import aiometer

        async def aiometer_run_all(items: range) -> list[int]:
            return await aiometer.run_all([functools.partial(step, item) for item in items], max_at_once=LIMIT)

        impls["aiometer.run_all"] = aiometer_run_all
    else:
        missing("bounded-concurrency", "aiometer.run_all", "aiometer")
    return impls


def time_once(run: Callable[[], Awaitable[Any]]) -> float:
    gc.collect()
    started = time.perf_counter()
    asyncio.run(run())  # type: ignore[arg-type]
    return time.perf_counter() - started


def bench_bounded(sizes: list[int], repeats: int) -> None:
    impls = bounded_impls()
    for impl in impls.values():
        time_once(functools.partial(impl, range(1_000)))  # warm-up
    for size in sizes:
        items = range(size)
        samples: dict[str, list[float]] = {name: [] for name in impls}
        for _ in range(repeats):  # interleaved, so drift hits every implementation alike
            for name, impl in impls.items():
                samples[name].append(time_once(functools.partial(impl, items)))
        for name, walls in samples.items():
            wall = min(walls)  # best of the repeats, as timeit: noise only ever adds time
            emit(bench="bounded-concurrency", impl=name, n=size, per_item_us=wall / size * 1e6, per_s=size / wall)


# -- retry and timeout: the overhead around a first-attempt success -----------------------------------


async def succeed() -> int:
    return 1


async def calls(call: Callable[[], Awaitable[Any]], count: int) -> None:
    for _ in range(count):
        await call()


def bench_overhead(bench: str, impls: dict[str, Callable[[], Awaitable[Any]]], count: int, repeats: int) -> None:
    for call in impls.values():
        time_once(functools.partial(calls, call, 1_000))  # warm-up
    samples: dict[str, list[float]] = {name: [] for name in impls}
    for _ in range(repeats):
        for name, call in impls.items():
            samples[name].append(time_once(functools.partial(calls, call, count)))
    for name, walls in samples.items():
        wall = min(walls)  # best of the repeats, as timeit: noise only ever adds time
        emit(bench=bench, impl=name, n=count, per_call_us=wall / count * 1e6, per_s=count / wall)


def retry_impls() -> dict[str, Callable[[], Awaitable[Any]]]:
    impls: dict[str, Callable[[], Awaitable[Any]]] = {"reference": functools.partial(retry, succeed)}
    if importlib.util.find_spec("tenacity"):
        import tenacity

        impls["tenacity"] = tenacity.retry(
            stop=tenacity.stop_after_attempt(3),
            wait=tenacity.wait_exponential(multiplier=1, max=60),
            retry=tenacity.retry_if_exception_type((ConnectionError, TimeoutError)),
            reraise=True,
        )(succeed)
    else:
        missing("retry", "tenacity", "tenacity")
    return impls


async def wait_for() -> int:
    return await asyncio.wait_for(succeed(), 1.0)


def timeout_impls() -> dict[str, Callable[[], Awaitable[Any]]]:
    return {"reference": functools.partial(run_with_timeout, succeed, 1.0), "asyncio.wait_for": wait_for}


# -- memory: what 50k finished timeouts leave behind ------------------------------------------------


def bench_memory(count: int) -> None:
    for name, call in timeout_impls().items():
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        asyncio.run(calls(call, count))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        emit(bench="timeout-memory", impl=name, n=count, retained_bytes=max(retained, 0))


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    repeats = 1 if quick else 3
    bench_bounded([1_000, 10_000] if quick else [10_000, 100_000], repeats)
    bench_overhead("retry", retry_impls(), 2_000 if quick else 50_000, repeats)
    bench_overhead("timeout", timeout_impls(), 2_000 if quick else 50_000, repeats)
    bench_memory(2_000 if quick else 50_000)
    emit(bench="runtime", impl=f"CPython {sys.version.split()[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
