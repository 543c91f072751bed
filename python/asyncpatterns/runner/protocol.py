"""The Python runner: one request of spec/PROTOCOL.md in, one answer out.

``handle(request)`` is the in-process entry point the harness calls; ``python -m
asyncpatterns.runner`` wraps the same function in the JSON Lines loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import importlib
import json
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..antipatterns import REGISTRY as ANTIPATTERNS
from .bindings import BINDINGS, Binding, InvokedBinding
from .blocking import BlockingWork
from .candidates import CANDIDATES
from .errors import describe_error
from .instruments import Instruments
from .loop_watch import CutShortSleeps, LoopWatch, WatchedSelector
from .virtual_loop import VirtualTimeLoop, WallBudgetExceeded, round_ms

PROTOCOL_VERSION = 1
RUNTIME = {"name": "cpython", "version": platform.python_version()}

#: The defaults of the optional run-request fields, read from their one home (spec/PROTOCOL.md §2).
PROTOCOL_DEFAULTS_FILE = Path(__file__).resolve().parents[3] / "spec" / "protocol.json"
DEFAULTS: dict[str, Any] = json.loads(PROTOCOL_DEFAULTS_FILE.read_text(encoding="utf-8"))["defaults"]
#: After the pattern settles, how long leftover tasks get to finish their cancellation.
CLEANUP_GRACE_S = {"virtual": 3600.0, "real": 0.5}
#: The reason of a run stopped for blocking the loop, until the watch's final reading fills it in.
BLOCKED = "blocked the event loop"
#: The leak of work the implementation left scheduled when it settled (PROTOCOL.md section 7).
WORK_PENDING = "work still pending"


class BadRequest(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def implementations() -> dict[str, list[str]]:
    """Every pattern this runner knows, with its implementations: ``reference`` first, then the
    anti-patterns, then any candidates registered (``asyncconf.testing``)."""
    return {
        pattern: ["reference", *sorted(ANTIPATTERNS.get(pattern, {})), *sorted(CANDIDATES.get(pattern, {}))]
        for pattern in sorted(BINDINGS)
    }


def handle(request: Any) -> dict[str, Any]:
    """Answer one protocol request (a dict already parsed from JSON). Never raises."""
    request_id = request.get("id") if isinstance(request, dict) else None
    try:
        if not isinstance(request, dict):
            raise BadRequest("bad-request", "a request must be a JSON object")
        op = request.get("op", "run")
        if op == "describe":
            return {
                "id": request_id,
                "protocol": PROTOCOL_VERSION,
                "runtime": RUNTIME,
                "patterns": implementations(),
            }
        if op == "check_api":
            return {
                "id": request_id,
                "missing": [name for name in request.get("names", []) if not _api_exists(name)],
            }
        if op == "run":
            try:
                return {"id": request_id, **_run(request)}
            except SystemExit as error:
                # The implementation's sys.exit() from a loop callback (asyncio lets it out of the
                # loop; on the awaited path it is the outcome already): a crash, answered as the
                # run's outcome -- as an interrupt it ended `asyncconf check` with exit 0 and no verdict.
                message = f"the implementation called sys.exit({error.code!r})"
                outcome = {"fail": "other", "type": "SystemExit", "message": message}
                return {"id": request_id, "outcome": outcome, "trace": [], "leaks": [], "elapsed_ms": None}
            finally:
                # What the run's own collection found still referenced (by the run's frames: its
                # loop, its main task, the instruments) moved up a generation and is garbage only
                # now. Automatic collection never comes to it -- paused during runs, and each run's
                # own collection starts the count again -- so without this every run left its
                # tasks behind: run after run the process grew and each run got slower (4,000 runs:
                # 1.0 -> 1.7 ms). A failure freed here still lands in this answer's `unobserved`.
                gc.collect(1)
        raise BadRequest("bad-request", f"unknown op {op!r}; expected run, describe or check_api")
    except BadRequest as error:
        return {"id": request_id, "error": {"kind": error.kind, "message": str(error)}}
    except Exception as error:  # a runner bug: report it for this request, keep serving
        return {
            "id": request_id,
            "error": {"kind": "internal", "message": f"{type(error).__name__}: {error}"},
        }


def _api_exists(name: str) -> bool:
    """Whether a dotted name (``asyncio.timeout``, ``asyncio.Timeout.expired``) resolves."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def _field(request: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = request.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise BadRequest("bad-request", f"`{name}` must be {expected}, got {value!r}")
    return value


def _whole_numbers(value: Any) -> Any:
    """``value`` with every whole float an int, at any depth: JSON does not tell ``2.0`` from ``2``
    (PROTOCOL.md section 8), but Python's references take counts as ``int``, idiomatically -- a
    ``2.0`` reached them as a float and was refused, where JavaScript and C# took it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def _implementation(pattern: str, impl: str) -> Callable[..., Any]:
    if pattern not in BINDINGS:
        raise BadRequest("unknown-pattern", f"no Python implementation of pattern {pattern!r}")
    if impl == "reference":
        return BINDINGS[pattern].reference
    try:
        return {**CANDIDATES.get(pattern, {}), **ANTIPATTERNS.get(pattern, {})}[impl]
    except KeyError:
        known = ", ".join(implementations()[pattern])
        raise BadRequest("unknown-impl", f"pattern {pattern!r} has no implementation {impl!r} here ({known})") from None


def _run(request: dict[str, Any]) -> dict[str, Any]:
    pattern = _field(request, "pattern", str)
    if pattern is None:
        raise BadRequest("bad-request", "`pattern` is required")
    implementation = _implementation(pattern, _field(request, "impl", str, "reference"))
    clock = _field(request, "clock", str, "virtual")
    if clock not in ("virtual", "real"):
        raise BadRequest("bad-request", f"`clock` must be 'virtual' or 'real', got {clock!r}")
    params = _whole_numbers(_field(request, "params", dict, {}))
    plan = _field(request, "plan", dict, {})
    cancel_at_ms = _field(request, "cancel_at_ms", int)
    invocations = _invocations(request, BINDINGS[pattern], cancel_at_ms)
    limit_ms = _field(request, "limit_ms", int, DEFAULTS["limit_ms"][clock])
    block_limit_ms = _field(request, "block_limit_ms", (int, float), DEFAULTS["block_limit_ms"])
    loop: asyncio.AbstractEventLoop
    selector: WatchedSelector
    if clock == "virtual":
        loop = VirtualTimeLoop(wall_budget_s=_field(request, "wall_budget_s", (int, float), DEFAULTS["wall_budget_s"]))
        selector = loop.selector
    else:
        selector = WatchedSelector()  # what asyncio.new_event_loop() makes on Linux, its iterations timed
        loop = asyncio.SelectorEventLoop(selector)
    # What reaches the loop's exception handler is a failure nobody observed ("Task exception was
    # never retrieved", an exception in a callback): recorded as `unobserved`, which the checker
    # fails (PROTOCOL.md section 2). A pending task destroyed with the loop carries no exception:
    # leftovers are reported as leaks.
    unobserved: list[str] = []
    loop.set_exception_handler(lambda _loop, context: _record_unobserved(unobserved, context))
    clock_ms = _clock_ms(loop)
    instruments = Instruments(
        plan,
        clock_ms=clock_ms,
        params=params,
        random=_field(request, "random", list, []),
        max_calls=_field(request, "max_calls", int, DEFAULTS["max_calls"]),
    )
    instruments.blocking = blocking = BlockingWork(instruments, loop)
    try:
        threads = loop.threads_watched() if isinstance(loop, VirtualTimeLoop) else contextlib.nullcontext()
        with warnings.catch_warnings(record=True) as caught, threads:
            warnings.simplefilter("always")
            answer = _run_on_loop(
                loop,
                selector,
                clock_ms,
                clock,
                BINDINGS[pattern],
                implementation,
                instruments,
                params,
                cancel_at_ms,
                limit_ms,
                block_limit_ms,
                invocations,
            )
        if isinstance(loop, VirtualTimeLoop) and loop.foreign_threads:
            raise BadRequest(
                "unsupported",
                f"the implementation started a thread of its own ({', '.join(loop.foreign_threads)}): virtual time "
                "cannot see the work on it and would move on while it runs (PROTOCOL.md section 5, rule 4); hand "
                "the work over with loop.run_in_executor or asyncio.to_thread, or run it with clock: real",
            )
        answer["warnings"] = sorted({str(w.message) for w in caught})
        answer["unobserved"] = unobserved
        return answer
    finally:
        # A thread still in a block (work a pattern left running: it cannot be interrupted) ends now,
        # and is waited for, so that it never runs into the next run (PROTOCOL.md section 5).
        blocking.drain()
        loop.close()


def _invocations(
    request: dict[str, Any], binding: Binding | InvokedBinding, cancel_at_ms: int | None
) -> list[dict[str, Any]] | None:
    """The request's invocations, checked: present exactly for a pattern invoked many times."""
    raw = _field(request, "invocations", list)
    if isinstance(binding, InvokedBinding) != (raw is not None):
        need = "needs `invocations`" if raw is None else "takes no `invocations` (it is called once)"
        raise BadRequest("bad-request", f"pattern {request['pattern']!r} {need}")
    if raw is None:
        return None
    if cancel_at_ms is not None:
        raise BadRequest(
            "bad-request", "with `invocations`, `cancel_at_ms` must be null (each invocation cancels itself)"
        )
    if not raw:
        raise BadRequest("bad-request", "`invocations` must not be empty")
    checked = []
    for index, item in enumerate(raw):
        where = f"invocations[{index}]"
        if not isinstance(item, dict):
            raise BadRequest("bad-request", f"{where} must be an object")
        at_ms, key, cancel = item.get("at_ms"), item.get("key", "op"), item.get("cancel_at_ms")
        if isinstance(at_ms, bool) or not isinstance(at_ms, int) or at_ms < 0:
            raise BadRequest("bad-request", f"{where}.at_ms must be an integer from 0 and up, got {at_ms!r}")
        if not isinstance(key, str):
            raise BadRequest("bad-request", f"{where}.key must be a string, got {key!r}")
        if cancel is not None and (isinstance(cancel, bool) or not isinstance(cancel, int) or cancel < at_ms):
            raise BadRequest(
                "bad-request", f"{where}.cancel_at_ms must be an integer from at_ms ({at_ms}) up, got {cancel!r}"
            )
        checked.append({"at_ms": at_ms, "key": key, "cancel_at_ms": cancel})
    return checked


def _clock_ms(loop: asyncio.AbstractEventLoop) -> Callable[[], int]:
    start = loop.time()
    return lambda: round((loop.time() - start) * 1000)


def _run_on_loop(
    loop: asyncio.AbstractEventLoop,
    selector: WatchedSelector,
    clock_ms: Callable[[], int],
    clock: str,
    binding: Binding | InvokedBinding,
    implementation: Callable[..., Any],
    ins: Instruments,
    params: dict[str, Any],
    cancel_at_ms: int | None,
    limit_ms: int,
    block_limit_ms: float,
    invocations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    settled: dict[str, Any] = {}
    judged = False  # once the run is judged, the leftovers' cleanup must not change the outcome
    runner_tasks: set[asyncio.Task[Any]] = set()  # the run's own: the scenario's, each invocation's

    def leaks_now() -> list[str]:
        """The leaks at this instant (PROTOCOL.md section 7): the operations and resources, or,
        when there are none, whether the implementation left a task of its own running."""
        leaks = ins.leaks()
        if not leaks and any(task not in runner_tasks for task in asyncio.all_tasks(loop)):
            leaks = [WORK_PENDING]
        return leaks

    async def invoked(instance: Any, index: int, key: str, outcomes: list[Any], settled_at: list[Any]) -> None:
        assert isinstance(binding, InvokedBinding)
        try:
            value = await binding.invoke_one(instance, key, ins)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # this invocation's outcome, its caller's cancellation included
            outcome = describe_error(error, ins.origin)
        else:
            outcome = {"ok": _json_safe(binding.to_json(value, ins))}
        record(index, outcome, outcomes, settled_at)

    def record(index: int, outcome: dict[str, Any], outcomes: list[Any], settled_at: list[Any]) -> None:
        if settled_at[index] is not None:
            return
        outcomes[index], settled_at[index] = outcome, clock_ms()
        if not judged and all(at is not None for at in settled_at):  # the run settles with the last
            settled.update(
                outcome={"each": outcomes},
                settled_at_ms=settled_at,
                elapsed_ms=clock_ms(),
                leaks=leaks_now(),
                trace_len=len(ins.trace),
            )
            loop.stop()

    async def many(calls: list[dict[str, Any]]) -> None:
        """Builds the one instance, then arms, in list order, each invocation's start and its
        caller's cancellation (PROTOCOL.md section 2, "Invocations")."""
        assert isinstance(binding, InvokedBinding)
        try:
            instance = binding.create(implementation, params, ins)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # refused up front: the run's one outcome
            settled.update(
                outcome=describe_error(error, ins.origin), elapsed_ms=clock_ms(), leaks=ins.leaks(), trace_len=0
            )
            loop.stop()
            return
        outcomes: list[Any] = [None] * len(calls)
        settled_at: list[Any] = [None] * len(calls)
        tasks: dict[int, asyncio.Task[None]] = {}

        def start(index: int, key: str) -> None:
            task = loop.create_task(invoked(instance, index, key, outcomes, settled_at))

            # A task cancelled before its first step never enters its `try` (a real clock's two
            # timers of one instant): its caller's cancellation is still its outcome.
            def never_started(done: asyncio.Task[None]) -> None:
                if done.cancelled():
                    record(index, {"fail": "cancelled"}, outcomes, settled_at)

            task.add_done_callback(never_started)
            tasks[index] = task
            runner_tasks.add(task)

        def cancel(index: int) -> None:
            tasks[index].cancel()

        begin = loop.time() - clock_ms() / 1000
        armed: list[tuple[int, Callable[[], None]]] = []  # (at ms, what), in list order
        for index, call in enumerate(calls):
            armed.append((call["at_ms"], functools.partial(start, index, call["key"])))
            if call["cancel_at_ms"] is not None:
                armed.append((call["cancel_at_ms"], functools.partial(cancel, index)))
        if isinstance(loop, VirtualTimeLoop):  # its timers of one instant keep the order they were armed in
            for at_ms, action in armed:
                loop.call_at(begin + at_ms / 1000, action)
            return
        # asyncio's timer heap does not keep that order for timers due at one instant (from four on,
        # they come out of it: callers at one ms entered 1, 2, 4, 3): on the real clock one timer an
        # instant runs that instant's starts and cancellations in list order.
        at_instant: dict[int, list[Callable[[], None]]] = {}
        for at_ms, action in armed:
            at_instant.setdefault(at_ms, []).append(action)
        for at_ms, actions in at_instant.items():
            loop.call_at(begin + at_ms / 1000, _run_in_order, actions)

    async def scenario() -> None:
        assert isinstance(binding, Binding)
        try:
            value = await binding.invoke(implementation, ins, params)
        except KeyboardInterrupt:
            raise  # an interrupt is the user's, not the pattern's outcome: it ends the run (SystemExit is
            # the implementation's sys.exit(): a crash to judge, below -- the harness makes signals Ctrl-C)
        except BaseException as error:  # the pattern's outcome, cancellation included
            outcome = describe_error(error, ins.origin)
        else:
            outcome = {"ok": _json_safe(binding.to_json(value, ins))}
        if not judged:
            settled.update(outcome=outcome, elapsed_ms=clock_ms(), leaks=leaks_now(), trace_len=len(ins.trace))
            loop.stop()

    # A callback that blocks the loop stops the run at the loop's next chance: the rest of the
    # run's real sleeps are not waited out, and the answer says how long the loop was blocked.
    def slept(seconds: float) -> None:
        """Virtual clock: the loop's thread called time.sleep -- the loop was busy that long: its
        clock moves on at once, as for blocking work called inline, and the watch counts the block."""
        assert isinstance(loop, VirtualTimeLoop)
        ms = round_ms(seconds * 1000)
        loop.consume_ms(ms)
        watch.blocked_for(ms / 1000)

    sleeps = CutShortSleeps(slept if isinstance(loop, VirtualTimeLoop) else None)

    def stalled() -> None:  # the loop is stuck in a block: let it come back, to be stopped
        ins.blocking.release_all()
        sleeps.release()

    watch = LoopWatch(loop, block_limit_ms, on_block=loop.stop, selector=selector, on_stall=stalled)
    # No automatic collection during the run: a cycle's garbage (an async generator left open, a
    # failed task nobody holds) is then freed at one point, the run's end, whatever the allocation
    # counts of this process -- and what the run allocated stays young, so that collecting it is
    # cheap (run_garbage_generation). Reference counting frees everything else as it goes.
    collecting = gc.isenabled()
    gc.disable()
    collections_at_start = gc_collections()  # before the run allocates anything
    try:
        with watch, sleeps:
            main = loop.create_task(scenario() if invocations is None else many(invocations))
            runner_tasks.add(main)
            start = loop.time()
            if cancel_at_ms is not None:
                loop.call_at(start + cancel_at_ms / 1000, main.cancel)
            limit = loop.call_at(start + limit_ms / 1000, loop.stop)
            wall_start = time.monotonic()
            try:
                loop.run_forever()
            except WallBudgetExceeded:
                settled.setdefault(
                    "unfinished",
                    f"used more than its wall-clock budget ({time.monotonic() - wall_start:.1f} s real time)",
                )
            judged = True
            if ins.blocking.cut_short or sleeps.cut_short:  # the stall's release changed the run
                watch.count_the_stall()
            if "outcome" not in settled:
                if watch.blocked:
                    reason = BLOCKED  # with the final reading, below
                elif "unfinished" in settled:
                    reason = settled["unfinished"]
                    settled["stopped_by"] = "wall_budget"  # a reading of real time (PROTOCOL.md section 2)
                elif ins.limit_reached:
                    reason = f"more than {ins.max_calls} operation calls"
                else:
                    reason = f"had not settled after {limit_ms} ms of {clock} time"
                settled.update(
                    outcome={"unfinished": True, "reason": reason},
                    elapsed_ms=None,
                    leaks=ins.leaks(),
                    trace_len=len(ins.trace),
                )
            limit.cancel()
            _cancel_leftovers(loop, CLEANUP_GRACE_S[clock])
            if not watch.blocked:
                with contextlib.suppress(WallBudgetExceeded):
                    ins.blocking.finish_on_loop(CLEANUP_GRACE_S[clock])
            # A task that failed and that nobody references any more reports "never retrieved" when
            # it is freed: mostly at once (reference counting); one caught in a cycle is collected
            # here, so that it is reported with this run, not a later one.
            gc.collect(run_garbage_generation(collections_at_start))
    except BaseException:
        # An interrupt (KeyboardInterrupt; sys.exit() from a callback: `handle`) goes through; what
        # the pattern started is cancelled first, so nothing of it outlives the run.
        with contextlib.suppress(Exception):
            _cancel_leftovers(loop, CLEANUP_GRACE_S[clock])
        raise
    finally:
        if collecting:
            gc.enable()
    if settled["outcome"].get("reason") is BLOCKED:
        settled["outcome"]["reason"] = f"blocked the event loop for {watch.blocked_ms} ms of real time"
    # The trace ends when the pattern settled (or the run was judged unfinished): what the runner's
    # own cleanup of leftovers records afterwards is kept apart, and counts only as the leaks
    # already measured (PROTOCOL.md section 4).
    cut = settled["trace_len"]
    answer = {
        "outcome": settled["outcome"],
        "trace": ins.trace[:cut],
        "trace_after": ins.trace[cut:],
        "random_draws": ins.draws,
        "elapsed_ms": settled["elapsed_ms"],
        "leaks": settled["leaks"],
        "runtime": RUNTIME,
        "blocked_ms": watch.blocked_ms,
    }
    if watch.named_block_ms:  # exact: judged by the protocol's limit, not the transport's (PROTOCOL.md section 2)
        answer["named_block_ms"] = watch.named_block_ms
    if "settled_at_ms" in settled:
        answer["settled_at_ms"] = settled["settled_at_ms"]
    if "stopped_by" in settled:
        answer["stopped_by"] = settled["stopped_by"]
    return answer


def gc_collections() -> tuple[int, ...]:
    """How many collections of each generation the process has made so far."""
    return tuple(generation["collections"] for generation in gc.get_stats())


def run_garbage_generation(collections_at_start: tuple[int, ...]) -> int:
    """The youngest generation up to which a run's garbage lies, given ``collections_at_start``.

    A collection of generation g moves what survives of generations 0..g into g + 1 (and counts
    for g alone). So while no collection happened during the run, everything it allocated is in
    generation 0; after collections of generations up to g, in g + 1 at most. Collecting no
    further than that finds all of the run's garbage -- a full collection in the harness's own
    process (transport inprocess) takes about 0.2 s, one of generation 0 microseconds.
    """
    changed = [
        g
        for g, (before, after) in enumerate(zip(collections_at_start, gc_collections(), strict=True))
        if before != after
    ]
    oldest = len(collections_at_start) - 1
    return min(max(changed) + 1, oldest) if changed else 0


def _run_in_order(actions: list[Callable[[], None]]) -> None:
    for action in actions:
        action()


def _record_unobserved(unobserved: list[str], context: dict[str, Any]) -> None:
    error = context.get("exception")
    if isinstance(error, BaseException):
        unobserved.append(f"{context.get('message', 'unobserved')}: {type(error).__name__}: {error}")


def _cancel_leftovers(loop: asyncio.AbstractEventLoop, grace_s: float) -> None:
    """Cancel what the pattern left running and give it a bounded time to stop.

    The time is bounded on the run's clock, by the wall-clock budget, and by the loop-lag watch
    (a leftover that blocks the loop stops the wait).
    """
    leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in leftovers:
        task.cancel()
    if leftovers:
        waiter = asyncio.gather(*leftovers, return_exceptions=True)
        waiter.add_done_callback(lambda _: loop.stop())
        loop.call_at(loop.time() + grace_s, loop.stop)
        with contextlib.suppress(WallBudgetExceeded):
            loop.run_forever()
    with contextlib.suppress(RuntimeError):  # "stopped before Future completed": a blocking leftover
        loop.run_until_complete(loop.shutdown_asyncgens())


def _json_safe(value: Any) -> Any:
    """The value itself when JSON can carry it, else its repr (the checker will show it)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return {"unserializable": repr(value)}
    return value
