"""How the runner calls each pattern, and how it turns what the pattern returns into JSON.

One ``Binding`` per spec pattern. The reference and every anti-pattern of a pattern share its
signature, so the same binding runs any of them. The JSON forms are fixed by spec/PROTOCOL.md
("Pattern contracts"); each language's runner produces the same ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .. import (
    async_lock,
    async_stream,
    backpressure,
    bounded_concurrency,
    cancellation_cleanup,
    circuit_breaker,
    connection_pool,
    graceful_shutdown,
    offload_blocking,
    parallel_partial_failures,
    racing,
    retry_backoff,
    task_group,
    timeout,
    unobserved_failures,
)
from .blocking import Heartbeat
from .errors import describe_error
from .instruments import Instruments

Invoke = Callable[[Callable[..., Any], Instruments, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Binding:
    reference: Callable[..., Any]
    invoke_with: Invoke
    #: the spec's `params`: what a parameter the request leaves out takes (a test pins them)
    defaults: dict[str, Any]
    #: the pattern's value as the protocol's JSON form
    to_json: Callable[[Any, Instruments], Any] = lambda value, _: value

    def invoke(self, impl: Callable[..., Any], ins: Instruments, params: dict[str, Any]) -> Awaitable[Any]:
        """Run ``impl`` with ``params``, a parameter left out taking the spec's default (PROTOCOL.md section 2)."""
        merged = {**self.defaults, **params}
        check_runner_params(merged)
        return self.invoke_with(impl, ins, merged)


Create = Callable[[Callable[..., Any], dict[str, Any]], Any]
Call = Callable[[Any, Callable[[], Awaitable[Any]]], Awaitable[Any]]


@dataclass(frozen=True)
class InvokedBinding:
    """A pattern invoked many times (``invoked: many``, PROTOCOL.md section 2, "Invocations"): one
    instance built from the parameters, then called once per invocation."""

    reference: Callable[..., Any]
    #: the instance, from the implementation (a class or a factory) and the parameters
    create_with: Create
    #: one caller's invocation: the instance called with the operation for the invocation's key
    call: Call
    defaults: dict[str, Any]
    to_json: Callable[[Any, Instruments], Any] = lambda value, _: value
    #: a pattern whose instance needs the run's instruments (a pool's connections), or whose
    #: invocation depends on its key (a pool's ``close``): these replace ``create_with`` / ``call``
    create_in: Callable[[Callable[..., Any], dict[str, Any], Instruments], Any] | None = None
    call_keyed: Callable[[Any, str, Instruments], Awaitable[Any]] | None = None

    def create(self, impl: Callable[..., Any], params: dict[str, Any], ins: Instruments | None = None) -> Any:
        """The instance, a parameter left out taking the spec's default."""
        merged = {**self.defaults, **params}
        check_runner_params(merged)
        if self.create_in is not None:
            assert ins is not None
            return self.create_in(impl, merged, ins)
        return self.create_with(impl, merged)

    def invoke_one(self, instance: Any, key: str, ins: Instruments) -> Awaitable[Any]:
        """One caller's invocation of ``instance`` with the operation of ``key``."""
        if self.call_keyed is not None:
            return self.call_keyed(instance, key, ins)
        return self.call(instance, ins.operation_for(key))


#: The runner's own parameters that several patterns share, and whether each must be whole: its
#: resource's or source's close time, the source's length (PROTOCOL.md section 8, "Parameters").
RUNNER_PARAMS = {"close_ms": False, "length": True}


def check_runner_params(p: dict[str, Any]) -> None:
    """A runner's own parameter outside its domain is refused up front with ``ValueError`` (invalid),
    like one of the implementation's, before anything starts: 0 to 2147483647, whole for a count."""
    for name, whole in RUNNER_PARAMS.items():
        if name not in p:
            continue
        value = p[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not 0 <= value <= 2**31 - 1 or (whole and not float(value).is_integer()):
            kind = "an integer" if whole else "a number"
            raise ValueError(f"`{name}` must be {kind} from 0 to {2**31 - 1}, got {value!r}")


def _retry(impl: Callable[..., Any], ins: Instruments, p: dict[str, Any]) -> Awaitable[Any]:
    return impl(  # type: ignore[no-any-return]
        ins.operation_for("op"),
        max_attempts=p["max_attempts"],
        base_delay=p["base_delay_ms"] / 1000,
        factor=p["factor"],
        max_delay=p["max_delay_ms"] / 1000,
        jitter=p["jitter"],
        random=ins.draw,
    )


def _partial_results_json(value: Any, ins: Instruments) -> Any:
    return {
        "succeeded": {str(key): v for key, v in value.succeeded.items()},
        "failed": {str(key): describe_error(e, ins.origin) for key, e in value.failed.items()},
    }


async def _offload(impl: Callable[..., Any], ins: Instruments, p: dict[str, Any]) -> Any:
    """The runner's heartbeat beats on the loop while the pattern runs (PROTOCOL.md section 5)."""
    period = p["heartbeat_ms"]
    if isinstance(period, bool) or not isinstance(period, int | float) or not 1 <= period <= 2**31 - 1:
        raise ValueError(f"`heartbeat_ms` must be a number from 1 to {2**31 - 1}, got {period!r}")
    heartbeat = Heartbeat(ins, period)
    try:
        return await impl(ins.blocking, p["items"], p["max_workers"])
    finally:
        heartbeat.stop()


async def _source(ins: Instruments, length: int, close_ms: float) -> AsyncGenerator[Any, None]:
    """The async-stream source (spec/PROTOCOL.md section 8): opens ``source`` on the first pull,
    yields ``length`` items, the n-th the value of call ``item#n``, and closes ``source`` in its
    ``finally`` -- at its end, on a failure, or when it is closed or cancelled; that cleanup, once
    started, completes."""
    resource = await ins.open_resource("source", close_ms=close_ms)
    try:
        for _ in range(length):
            yield await ins.operation("item")
    finally:
        # Once started, the cleanup completes, as the JavaScript and C# sources' do (their close takes
        # no signal): a cancellation meanwhile is raised when it is done, not in its middle.
        closing = asyncio.ensure_future(resource.aclose())
        cancelled: asyncio.CancelledError | None = None
        while not closing.done():
            try:
                await asyncio.shield(closing)
            except asyncio.CancelledError as error:
                cancelled = error
        if cancelled is not None:
            raise cancelled


def _arrivals(jobs: Any, shutdown_at_ms: Any) -> list[tuple[str, int]]:
    """The jobs as (key, instant), refused with ``ValueError`` outside their domain (PROTOCOL.md section 8)."""
    for name, instant in [("shutdown_at_ms", shutdown_at_ms), *((f"jobs.{k}", v) for k, v in dict(jobs).items())]:
        if isinstance(instant, bool) or not isinstance(instant, int) or not 0 <= instant <= 2**31 - 1:
            raise ValueError(f"`{name}` must be an integer from 0 to {2**31 - 1}, got {instant!r}")
    return [(str(key), instant) for key, instant in jobs.items()]


async def _graceful_shutdown(impl: Callable[..., Any], ins: Instruments, p: dict[str, Any]) -> Any:
    """The service's caller: submits each job at its instant, asks for the shutdown at ``shutdown_at_ms``.

    The shutdown is armed before the arrivals, so a job due at the shutdown's instant comes after it
    (rejected, the spec's R2); the outcome comes once the service has returned and every job has arrived.
    """
    arrivals = _arrivals(p["jobs"], p["shutdown_at_ms"])
    service = impl(
        ins.operation, lambda: ins.open_resource("service", close_ms=p["close_ms"]), drain=p["drain_ms"] / 1000
    )
    loop = asyncio.get_running_loop()
    rejected: list[str] = []
    errors: list[BaseException] = []
    all_arrived = asyncio.Event()
    pending = len(arrivals)

    def arrive(key: str) -> None:
        nonlocal pending
        try:
            service.submit(key)
        except graceful_shutdown.ServiceStopped:
            rejected.append(key)
        except Exception as error:  # not the rejection error: the pattern's outcome
            errors.append(error)
        pending -= 1
        if pending == 0:
            all_arrived.set()

    timers = [loop.call_later(p["shutdown_at_ms"] / 1000, service.shutdown)]
    timers += [loop.call_later(instant / 1000, arrive, key) for key, instant in arrivals]
    if pending == 0:
        all_arrived.set()
    try:
        report = await service.run()
        await all_arrived.wait()
    finally:
        for timer in timers:
            timer.cancel()
    if errors:
        raise errors[0]
    return {
        "completed": sorted(report.completed),
        "failed": sorted(report.failed),
        "cancelled": sorted(report.cancelled),
        "rejected": sorted(rejected),
    }


async def produced(ins: Instruments, items: list[Any]) -> AsyncIterator[Any]:
    """The runner's producer (PROTOCOL.md section 8): its n-th item is produced by operation call ``produce#n``."""
    for item in items:
        await ins.operation("produce")
        yield item


def _stream(impl: Callable[..., Any], ins: Instruments, p: dict[str, Any]) -> Awaitable[Any]:
    async def use(_item: Any) -> Any:
        return await ins.operation("use")

    source = _source(ins, int(p["length"]), p["close_ms"])
    ins.keep_alive.append(source)
    return impl(source, p["take"], use)  # type: ignore[no-any-return]


async def _in_background(impl: Callable[..., Any], ins: Instruments, p: dict[str, Any]) -> list[BaseException]:
    """The owner of the background tasks (spec/PROTOCOL.md section 8): its shutdown comes at
    ``shutdown_at_ms`` on a timer armed before the tasks start (so a failure due at that instant
    comes after it); its error handler records each error it gets (trace event ``report``) and,
    with ``handler_fails``, throws it back. The value: the errors reported, in order."""
    shutdown_at_ms = p["shutdown_at_ms"]
    number = isinstance(shutdown_at_ms, int | float) and not isinstance(shutdown_at_ms, bool)
    if not number or not 0 <= shutdown_at_ms <= MAX_MS:
        raise ValueError(f"shutdown_at_ms must be a number from 0 to {MAX_MS}, got {shutdown_at_ms!r}")
    if not isinstance(p["handler_fails"], bool):
        raise ValueError(f"handler_fails must be true or false, got {p['handler_fails']!r}")
    reported: list[BaseException] = []

    def on_error(error: BaseException) -> None:
        ins.report(error)
        reported.append(error)
        if p["handler_fails"]:
            raise error

    shutdown = asyncio.Event()
    timer = asyncio.get_running_loop().call_later(shutdown_at_ms / 1000, shutdown.set)
    try:
        await impl(ins.operation, p["items"], on_error, shutdown)
    finally:
        timer.cancel()
    return reported


def _reported_json(value: Any, ins: Instruments) -> Any:
    return [describe_error(error, ins.origin) for error in value]


def _keyed_only(*_: Any) -> Any:
    raise AssertionError("connection-pool is built with `create_in` and invoked with `call_keyed`")


async def _open_connection(ins: Instruments, close_ms: float) -> Any:
    """The runner's connection: the call ``open`` (its time, its failure), then the resource ``conn``."""
    await ins.operation("open")
    return await ins.open_resource("conn", close_ms=close_ms)


async def _pool_call(pool: Any, key: str, ins: Instruments) -> Any:
    """An invocation of key ``close`` closes the pool; any other borrows a connection for the call of its key."""
    if key == "close":
        await pool.close()
        return None

    async def use(connection: Any) -> Any:
        connection.record("acquire")
        try:
            return await ins.operation(key)
        except PermissionError:  # a fatal failure: the connection is lost, as a driver marks it
            connection.broken = True
            raise
        finally:
            connection.record("release")

    return await pool.with_connection(use)


ITEMS = ["a", "b", "c"]
#: The longest time a parameter may give (spec/PROTOCOL.md section 8, "Parameters").
MAX_MS = 2147483647

BINDINGS: dict[str, Binding | InvokedBinding] = {
    "retry-backoff": Binding(
        retry_backoff.retry,
        _retry,
        {"max_attempts": 3, "base_delay_ms": 1000, "factor": 2, "max_delay_ms": 60000, "jitter": "none"},
    ),
    "timeout": Binding(
        timeout.run_with_timeout,
        lambda impl, ins, p: impl(ins.operation_for("op"), p["timeout_ms"] / 1000),
        {"timeout_ms": 1000},
    ),
    "cancellation-cleanup": Binding(
        cancellation_cleanup.run_with_resource,
        lambda impl, ins, p: impl(
            lambda: ins.open_resource("conn", close_ms=p["close_ms"]), lambda _resource: ins.operation("op")
        ),
        {"close_ms": 5},
    ),
    "parallel-partial-failures": Binding(
        parallel_partial_failures.run_all,
        lambda impl, ins, p: impl(ins.operation, p["items"]),
        {"items": ITEMS},
        _partial_results_json,
    ),
    "bounded-concurrency": Binding(
        bounded_concurrency.map_bounded,
        lambda impl, ins, p: impl(ins.operation, p["items"], p["limit"]),
        {"items": ["a", "b", "c", "d", "e"], "limit": 2},
    ),
    "async-stream": Binding(
        async_stream.consume_stream,
        _stream,
        {"take": 3, "length": 5, "close_ms": 5},
    ),
    "offload-blocking": Binding(
        offload_blocking.offload_all,
        _offload,
        {"items": ["a", "b"], "max_workers": 2, "heartbeat_ms": 10},
    ),
    "task-group": Binding(
        task_group.run_group,
        lambda impl, ins, p: impl(ins.operation, p["items"]),
        {"items": ITEMS},
    ),
    "racing": Binding(
        racing.race,
        lambda impl, ins, p: impl(ins.operation, p["items"], p["hedge_ms"] / 1000),
        {"items": ITEMS, "hedge_ms": 0},
    ),
    "circuit-breaker": InvokedBinding(
        circuit_breaker.CircuitBreaker,
        lambda impl, p: impl(failure_threshold=p["failure_threshold"], break_duration=p["break_ms"] / 1000),
        lambda breaker, operation: breaker.call(operation),
        {"failure_threshold": 5, "break_ms": 30000},
    ),
    "unobserved-failures": Binding(
        unobserved_failures.run_in_background,
        _in_background,
        {"items": ITEMS, "shutdown_at_ms": 100, "handler_fails": False},
        _reported_json,
    ),
    "async-lock": InvokedBinding(
        async_lock.GuardedCounter,
        lambda impl, p: impl(),
        lambda counter, operation: counter.increment(operation),
        {},
    ),
    "connection-pool": InvokedBinding(
        connection_pool.ConnectionPool,
        _keyed_only,
        _keyed_only,
        {"size": 10, "acquire_timeout_ms": 30000, "close_timeout_ms": 10000, "close_ms": 0},
        create_in=lambda impl, p, ins: impl(
            lambda: _open_connection(ins, p["close_ms"]),
            size=p["size"],
            acquire_timeout=p["acquire_timeout_ms"] / 1000,
            close_timeout=p["close_timeout_ms"] / 1000,
        ),
        call_keyed=_pool_call,
    ),
    "backpressure": Binding(
        backpressure.run_pipeline,
        lambda impl, ins, p: impl(produced(ins, p["items"]), ins.operation, p["capacity"], p["workers"]),
        {"items": ["a", "b", "c", "d", "e"], "capacity": 2, "workers": 2},
    ),
    "graceful-shutdown": Binding(
        graceful_shutdown.JobService,
        _graceful_shutdown,
        {"jobs": {"a": 0, "b": 10, "c": 30}, "shutdown_at_ms": 40, "drain_ms": 50, "close_ms": 5},
    ),
}
