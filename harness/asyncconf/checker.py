"""The checker: the one place that turns a runner's answer into pass or fail, for every language.

It derives what a scenario expects to see (calls, call times, cancellations, closes, in-flight
count) from the answer's outcome and trace alone, like test262-harness's validator, and says what
differs as ``check: expected X, saw Y``.

On the virtual clock every time is exact. On the real clock a time passes when it lies within
``real_time_band`` of the expected one: never much earlier, up to half again plus 60 ms later.

Several invocations of one instance (``invoked: many``, spec/PROTOCOL.md section 2): the outcome
is ``{"each": [...]}``, matched invocation by invocation (an error inside it on the keys it
gives, as any); ``settled_at_ms`` checks when each settled (exact, or banded on the real clock);
a crash inside ``each`` is a crash of the run (``crash_reason``); the call limit allows a call per
invocation (``expected_calls``). The other checks read the one shared trace as always.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .paths import SPEC_DIR
from .spec import Scenario

#: Real-clock scenarios longer than this are skipped: minutes of real waiting prove nothing more.
REAL_TIME_BUDGET_MS = 2000

OPERATION_END = ("ok", "fail", "cancel")


@dataclass(frozen=True)
class Mismatch:
    check: str
    expected: Any
    seen: Any
    note: str = ""

    def __str__(self) -> str:
        expected, seen = compact(self.expected), compact(self.seen)
        text = f"{self.check}: expected {expected}, saw {seen}"
        if expected.endswith("…") or seen.endswith("…"):  # too long to read: say where they part
            text += f" (first difference: {first_difference(self.expected, self.seen)})"
        return f"{text} ({self.note})" if self.note else text


#: The longest value a reason shows; past it, the value is cut and the first difference named.
MAX_SHOWN = 160


def compact(value: Any) -> str:
    text = json.dumps(value, separators=(", ", ": "), sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def first_difference(expected: Any, seen: Any, at: str = "") -> str | None:
    """Where two JSON values first differ (``op[3]: expected 370, saw 420``), or None."""
    if isinstance(expected, dict) and isinstance(seen, dict):
        for key in sorted(set(expected) | set(seen), key=str):
            if key not in seen:
                return f"{at}{key}: missing"
            if key not in expected:
                return f"{at}{key}: not expected"
            found = first_difference(expected[key], seen[key], f"{at}{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(seen, list):
        for index, (e, s) in enumerate(zip(expected, seen, strict=False)):
            found = first_difference(e, s, f"{at}[{index}]")
            if found:
                return found
        if len(expected) != len(seen):
            return f"{at or 'list'}: {len(expected)} items expected, saw {len(seen)}"
        return None
    if expected != seen:
        return f"{at or 'value'}: expected {compact(expected)}, saw {compact(seen)}"
    return None


def real_time_band(expected_ms: int) -> tuple[int, int]:
    """The real-clock readings accepted for an expected time (generous: CI machines stall)."""
    return expected_ms - 5, expected_ms + expected_ms // 2 + 60


def _band_note(expected: Any) -> str:
    """The reason's note for a real-clock time outside what it allows (a failure: say the band)."""
    if isinstance(expected, int) and not isinstance(expected, bool):
        low, high = real_time_band(expected)
        return f"real clock: outside the band it allows, {low}..{high} ms for {expected}"
    return "real clock: outside the band it allows, t - 5 to t + t / 2 + 60 ms for each time t"


# -- what the trace shows ----------------------------------------------------------------------------


def times_by_key(trace: list[dict[str, Any]], event: str) -> dict[str, list[int]]:
    times: dict[str, list[int]] = {}
    for e in trace:
        if e["ev"] == event:
            times.setdefault(e["key"], []).append(e["t"])
    return times


def max_in_flight(trace: list[dict[str, Any]]) -> int:
    """Most operation calls pending at once, following the trace in recorded (causal) order."""
    running = peak = 0
    for e in trace:
        if e["ev"] == "call":
            running += 1
            peak = max(peak, running)
        elif e["ev"] in OPERATION_END:
            running -= 1
    return peak


def max_open(trace: list[dict[str, Any]]) -> int:
    """Most resources open at once (``open`` then ``close``), following the trace in recorded order."""
    opened = peak = 0
    for e in trace:
        if e["ev"] == "open":
            opened += 1
            peak = max(peak, opened)
        elif e["ev"] == "close":
            opened -= 1
    return peak


def times_by_resource(trace: list[dict[str, Any]], event: str) -> dict[str, list[int]]:
    """When ``event`` happened to each resource, by its tag ``name#n`` (a pool's ``acquire``)."""
    times: dict[str, list[int]] = {}
    for e in trace:
        if e["ev"] == event:
            times.setdefault(f"{e['key']}#{e['n']}", []).append(e["t"])
    return times


#: The key of a producer's calls: its call n produces the n-th item (spec/PROTOCOL.md section 4).
PRODUCER_KEY = "produce"


#: On the real clock, a consumer recorded up to this much after the producer's call counts as started
#: with it (the real band's "never much earlier", the other way round): continuations run late.
REAL_SAME_INSTANT_MS = 5


def max_queued(trace: list[dict[str, Any]], same_instant_ms: int = 0) -> int:
    """Most items queued when the producer starts producing an item (PROTOCOL.md section 4).

    A producer starts its call n+1 only once item n is in the queue, so at that instant the queue
    holds the n items produced less those a consumer has started (a call of any other key). A
    consumer started in the same millisecond counts as started: the order within one millisecond
    differs between runtimes (a queue handing an item straight to a waiting consumer, say).
    """
    starts = sorted(e["t"] for e in trace if e["ev"] == "call" and e["key"] != PRODUCER_KEY)
    produced = peak = 0
    for e in trace:
        if e["ev"] == "call" and e["key"] == PRODUCER_KEY:
            peak = max(peak, produced - bisect.bisect_right(starts, e["t"] + same_instant_ms))
            produced += 1
    return peak


# -- outcomes -------------------------------------------------------------------------------------------


def outcome_matches(expected: Any, seen: Any) -> bool:
    """Whether ``seen`` is what ``expected`` describes.

    An error outcome (a mapping with ``fail``) matches on the keys it gives -- ``from``, ``type``,
    ``message`` are checked only when written -- and a group's ``errors`` match in any order.
    Everything else must be equal.
    """
    if isinstance(expected, dict) and "fail" in expected:
        if not isinstance(seen, dict) or seen.get("fail") != expected["fail"]:
            return False
        for key in ("from", "type", "message"):
            if key in expected and seen.get(key) != expected[key]:
                return False
        if "errors" in expected:
            return _same_multiset(expected["errors"], seen.get("errors"))
        return True
    if isinstance(expected, dict):
        return (
            isinstance(seen, dict)
            and expected.keys() == seen.keys()
            and all(outcome_matches(v, seen[k]) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(seen, list)
            and len(expected) == len(seen)
            and all(outcome_matches(e, s) for e, s in zip(expected, seen, strict=True))
        )
    return bool((expected == seen and type(expected) is type(seen)) or _same_number(expected, seen))


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool)
    ) and a == b


def _same_multiset(expected: list[Any], seen: Any) -> bool:
    if not isinstance(seen, list) or len(seen) != len(expected):
        return False
    remaining = list(seen)
    for item in expected:
        match = next((i for i, s in enumerate(remaining) if outcome_matches(item, s)), None)
        if match is None:
            return False
        remaining.pop(match)
    return True


# -- the checks -------------------------------------------------------------------------------------------


def _time_ok(expected: Any, seen: int | None, real: bool) -> bool:
    if not isinstance(seen, int | float) or isinstance(seen, bool):  # JSON's true is no 1 ms
        return False
    if isinstance(expected, dict):
        low, high = expected.get("min"), expected.get("max")
        if real:
            low = None if low is None else real_time_band(low)[0]
            high = None if high is None else real_time_band(high)[1]
        return (low is None or seen >= low) and (high is None or seen <= high)
    if real:
        low, high = real_time_band(expected)
        return low <= seen <= high
    return bool(seen == expected)


def _count_ok(expected: Any, seen: int) -> bool:
    if isinstance(expected, dict):
        return bool(expected.get("min", seen) <= seen <= expected.get("max", seen))
    return bool(seen == expected)


def _times_ok(expected: dict[str, list[int]], seen: dict[str, list[int]], real: bool) -> bool:
    if expected.keys() != {k for k, v in seen.items() if v}:
        return False
    return all(
        len(times) == len(seen[key]) and all(_time_ok(e, s, real) for e, s in zip(times, seen[key], strict=True))
        for key, times in expected.items()
    )


CheckFn = Callable[[Any, dict[str, Any], bool], "Mismatch | None"]


def _check_outcome(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    seen = answer["outcome"]
    return None if outcome_matches(expected, seen) else Mismatch("outcome", expected, seen)


def _check_elapsed(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    seen = answer.get("elapsed_ms")
    note = _band_note(expected) if real else ""
    return None if _time_ok(expected, seen, real) else Mismatch("elapsed_ms", expected, seen, note)


def _check_calls(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    counts = Counter(e["key"] for e in answer["trace"] if e["ev"] == "call")
    if isinstance(expected, int):
        seen_total = sum(counts.values())
        return None if seen_total == expected else Mismatch("calls", expected, seen_total)
    seen = dict(sorted(counts.items()))
    return None if seen == dict(sorted(expected.items())) else Mismatch("calls", expected, seen)


def _times_check(name: str, event: str) -> CheckFn:
    def check(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
        seen = times_by_key(answer["trace"], event)
        note = _band_note(expected) if real else ""
        return None if _times_ok(expected, seen, real) else Mismatch(name, expected, seen, note)

    return check


def _check_settled_at(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    """When each invocation settled, in invocation order (exact on virtual time, banded on real)."""
    seen = answer.get("settled_at_ms")
    ok = (
        isinstance(seen, list)
        and len(seen) == len(expected)
        and all(_time_ok(e, s, real) for e, s in zip(expected, seen, strict=True))
    )
    return None if ok else Mismatch("settled_at_ms", expected, seen, _band_note(expected) if real else "")


def _check_random_draws(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    seen = answer.get("random_draws")
    if seen is None:
        return Mismatch("random_draws", expected, None, "the runner does not report its draws")
    return None if _count_ok(expected, seen) else Mismatch("random_draws", expected, seen)


def _random_ran_out(scenario: Scenario, answer: dict[str, Any]) -> Mismatch | None:
    """Unless the scenario says how many draws it allows: no more than its `random` values."""
    seen = answer.get("random_draws")
    supplied = len(scenario.random)
    if "random_draws" in scenario.expect or seen is None or seen <= supplied:
        return None
    return Mismatch(
        "random_draws",
        {"max": supplied},
        seen,
        "the scenario's random values ran out (a draw past them repeats the last one, PROTOCOL.md section 3)",
    )


def _check_max_in_flight(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    seen = max_in_flight(answer["trace"])
    return None if _count_ok(expected, seen) else Mismatch("max_in_flight", expected, seen)


def max_lag_ms(trace: list[dict[str, Any]]) -> int:
    """The worst lag of the runner's heartbeat (``beat`` events, PROTOCOL.md section 5); 0 if none."""
    return max((int(e.get("lag", 0)) for e in trace if e["ev"] == "beat"), default=0)


def _check_max_lag(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    seen = max_lag_ms(answer["trace"])
    note = "the heartbeat on the loop was late: the loop was blocked"
    if real:
        note += f"; {_band_note(expected)}"
    return None if _time_ok(expected, seen, real) else Mismatch("max_lag_ms", expected, seen, note)


def _check_max_queued(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    if not real:
        seen = max_queued(answer["trace"])
        return None if _count_ok(expected, seen) else Mismatch("max_queued", expected, seen)
    # Real clock: only the bound the queue guarantees; a stalled machine shifts the readings both ways.
    seen = max_queued(answer["trace"], REAL_SAME_INSTANT_MS)
    most = expected.get("max") if isinstance(expected, dict) else expected
    ok = most is None or seen <= most
    return None if ok else Mismatch("max_queued", {"max": most}, seen, "real clock: the upper bound only")


def _check_max_open(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    seen = max_open(answer["trace"])
    return None if _count_ok(expected, seen) else Mismatch("max_open", expected, seen)


def _check_acquired_at(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    seen = times_by_resource(answer["trace"], "acquire")
    note = _band_note(expected) if real else ""
    return None if _times_ok(expected, seen, real) else Mismatch("acquired_at_ms", expected, seen, note)


def _check_cancelled(expected: Any, answer: dict[str, Any], real: bool) -> Mismatch | None:
    seen = sorted(e["key"] for e in answer["trace"] if e["ev"] == "cancel")
    return None if seen == sorted(expected) else Mismatch("cancelled", sorted(expected), seen)


#: A run whose event loop or thread did not come back for this many real ms fails, whatever it
#: did otherwise (spec/PROTOCOL.md §5); the runners stop such a run at once. The one home of the
#: limit is spec/protocol.json, which the runners read too.
BLOCK_LIMIT_MS: int = json.loads((SPEC_DIR / "protocol.json").read_text(encoding="utf-8"))["defaults"]["block_limit_ms"]


def blocked_mismatch(answer: dict[str, Any], limit: float) -> Mismatch | None:
    """Always on, like leaks: the answer's ``blocked_ms`` (optional) must stay under the limit; and
    its ``named_block_ms`` (optional: a blocking sleep the runner replaced, exact) under the
    protocol's own limit, whatever allowance a transport's measured blocks get (``limit``)."""
    named = answer.get("named_block_ms")
    if isinstance(named, int | float) and not isinstance(named, bool) and named >= BLOCK_LIMIT_MS:
        return Mismatch(
            "named_block_ms", f"under {BLOCK_LIMIT_MS}", named, f"blocked the event loop for {named} ms by a sleep"
        )
    blocked = answer.get("blocked_ms")
    if not isinstance(blocked, int | float) or isinstance(blocked, bool) or blocked < limit:
        return None
    return Mismatch("blocked_ms", f"under {limit}", blocked, f"blocked the event loop for {blocked} ms")


#: What a runner says stopped a virtual run by a real-time budget (the answer's ``stopped_by``,
#: PROTOCOL.md section 2): readings of real time, which a stall of the host can make, as a block.
REAL_TIME_STOPS = frozenset({"wall_budget", "pool_busy"})


def stopped_in_real_time(answer: dict[str, Any]) -> str | None:
    """The real-time budget that stopped the run, if one did (``stopped_by``)."""
    stopped = answer.get("stopped_by")
    return stopped if isinstance(stopped, str) and stopped in REAL_TIME_STOPS else None


def read_in_real_time(block: Mismatch) -> bool:
    """Whether a block was a reading of real time (``blocked_ms``), which a stall of the host can
    make, and so earns a second try; a named block (``named_block_ms``) is the sleep the code
    called, exact, and stands as it is."""
    return block.check == "blocked_ms"


def _check_unobserved(answer: dict[str, Any]) -> Mismatch | None:
    """Always on, like leaks: a failure the runtime saw nobody observe (a task exception never
    retrieved, an unhandled rejection, an unobserved task exception, an async void failure) fails
    the run, in every pattern (spec/PROTOCOL.md section 2, `unobserved`)."""
    seen = answer.get("unobserved")
    if not seen:
        return None
    return Mismatch("unobserved", [], seen, "a failure reached the runtime's last resort")


CHECKS: dict[str, CheckFn] = {
    "outcome": _check_outcome,
    "elapsed_ms": _check_elapsed,
    "calls": _check_calls,
    "calls_at_ms": _times_check("calls_at_ms", "call"),
    "max_in_flight": _check_max_in_flight,
    "max_lag_ms": _check_max_lag,
    "max_queued": _check_max_queued,
    "cancelled": _check_cancelled,
    "cancelled_at_ms": _times_check("cancelled_at_ms", "cancel"),
    "closed_at_ms": _times_check("closed_at_ms", "close"),
    "reported_at_ms": _times_check("reported_at_ms", "report"),
    "max_open": _check_max_open,
    "acquired_at_ms": _check_acquired_at,
    "random_draws": _check_random_draws,
    "settled_at_ms": _check_settled_at,
}


def check(
    scenario: Scenario, answer: dict[str, Any], *, clock: str = "virtual", block_limit_ms: float | None = None
) -> list[Mismatch]:
    """Every way the answer differs from the scenario's expectations; [] when it passes.

    A pattern that never settled fails on that alone. A blocked event loop fails every scenario,
    and so do leaks unless it says ``leaks: any``.
    """
    outcome = answer.get("outcome")
    if not isinstance(outcome, dict) or not isinstance(answer.get("trace"), list):
        return [Mismatch("answer", "an outcome and a trace", answer, "malformed runner answer")]
    blocked = blocked_mismatch(answer, BLOCK_LIMIT_MS if block_limit_ms is None else block_limit_ms)
    if blocked:  # first: it is why the run ended, when it was stopped for it
        return [blocked]
    if outcome.get("unfinished"):
        return [
            Mismatch(
                "outcome",
                scenario.expect.get("outcome", "to settle"),
                "never settled",
                outcome.get("reason", ""),
            )
        ]
    if not isinstance(answer.get("leaks"), list):
        # PROTOCOL.md section 2: `[]` when nothing leaked. A missing one read as "no leak" passed the leak check.
        return [Mismatch("leaks", "a list ([] when nothing)", answer.get("leaks"), "malformed runner answer")]
    real = clock == "real"
    mismatches = [
        found
        for name, expected in scenario.expect.items()
        if name in CHECKS and (found := CHECKS[name](expected, answer, real)) is not None
    ]
    if scenario.expect.get("leaks", "none") == "none":
        leaks = answer.get("leaks") or _called_after(answer)
        if leaks:
            mismatches.append(Mismatch("leaks", [], leaks))
    unobserved = _check_unobserved(answer)
    if unobserved:
        mismatches.append(unobserved)
    ran_out = _random_ran_out(scenario, answer)
    if ran_out:
        mismatches.append(ran_out)
    return mismatches


def _called_after(answer: dict[str, Any]) -> list[str]:
    """An operation call recorded after the pattern settled (``trace_after``): work the pattern
    left pending that no runner saw at the settling instant (a `process.nextTick` or
    `loop.call_soon` chain is no timer or task) -- the runner's cleanup cancels, never calls."""
    calls = [e for e in answer.get("trace_after") or [] if isinstance(e, dict) and e.get("ev") == "call"]
    if not calls:
        return []
    first = calls[0]
    return [f"work still pending ({first.get('key')}#{first.get('n')} was called after the pattern settled)"]


#: Outcome types that mean the implementation could not run as written -- a programming error,
#: an API missing from this runtime, an interrupt -- rather than behaved one way or another. Such
#: a run is an error: it neither passes nor rejects anything. (JavaScript errors are kinds by their
#: `code`, PROTOCOL.md section 6, so a bare TypeError -- `x is not a function` -- lands here.) The
#: runners' own refusal of a key the plan does not have (LookupError, RangeError,
#: KeyNotFoundException) is here too: an implementation that calls the operation with something
#: that is not an item has a bug the plan cannot answer, not a behaviour to judge. Not here:
#: Python's RuntimeError, the idiomatic class to wrap a failure in (an anti-pattern's wrapping is
#: a behaviour), though asyncio raises it for misuse too (a coroutine awaited twice).
CRASH_TYPES = frozenset(
    {
        # Python
        "NameError", "UnboundLocalError", "AttributeError", "TypeError", "ImportError", "ModuleNotFoundError",
        "NotImplementedError", "RecursionError", "KeyboardInterrupt", "SystemExit",
        "LookupError", "KeyError", "IndexError", "AssertionError", "ZeroDivisionError",
        "StopIteration", "StopAsyncIteration", "InvalidStateError",
        # JavaScript
        "ReferenceError", "SyntaxError", "RangeError",
        # C#
        "MissingMethodException", "MissingMemberException", "MissingFieldException", "TypeLoadException",
        "NullReferenceException", "InvalidCastException", "NotImplementedException", "EntryPointNotFoundException",
        "KeyNotFoundException", "IndexOutOfRangeException", "DivideByZeroException",
    }
)  # fmt: skip


def crash_reason(answer: dict[str, Any]) -> str | None:
    """Why an answer is a crash rather than a behaviour (see CRASH_TYPES), or None. A crash of
    one invocation (inside ``each``) is a crash of the run; so is one reported anywhere inside the
    outcome -- a group's ``errors``, parallel-partial-failures' ``failed``, the errors a handler
    got: gathered into a report, a crash is still no behaviour. And ``invalid`` once the operation
    was called: a refusal of the arguments is up front (PROTOCOL.md section 8), so one after a call
    is the implementation's own ValueError, coded TypeError or ArgumentException (a bad index)."""
    outcome = answer.get("outcome")
    if isinstance(outcome, dict) and isinstance(outcome.get("each"), list):
        for index, each in enumerate(outcome["each"]):
            reason = crash_reason({"outcome": each, "trace": answer.get("trace")})
            if reason:
                return f"invocation {index + 1}: {reason}"
        return None
    crash = _nested_crash(outcome)
    if crash is not None:
        return (
            f"the implementation crashed with {crash['type']}: {crash.get('message', '')}"
            " (a programming error, a missing API or an interrupt: no verdict)"
        )
    called = any(isinstance(e, dict) and e.get("ev") == "call" for e in answer.get("trace") or [])
    if called and _nested_crash(outcome, kinds=("invalid",)) is not None:
        return (
            "the implementation failed with invalid after it called the operation: a refusal of the"
            " arguments is up front, so this is an error of its own code (no verdict)"
        )
    return None


def unasked_refusal(answer: dict[str, Any], scenario: Scenario) -> str | None:
    """For an anti-pattern: why an ``invalid`` before any call, where the scenario expects no
    refusal (every parameter in its domain: the lint makes a scenario outside one expect
    ``invalid``), is no rejection -- nothing tells it from its own ValueError, coded TypeError or
    ArgumentException raised before its first call (one unpacking a tuple wrongly was counted as
    rejected, and the run was OK). A reference or a candidate that refuses a valid value fails
    instead: that is a behaviour to report (a library validating a narrower range)."""
    if _nested_crash(answer.get("outcome"), kinds=("invalid",)) is None:
        return None
    if _nested_crash(scenario.expect.get("outcome"), kinds=("invalid",)) is not None:
        return None
    return (
        "the implementation failed with invalid where every parameter is valid (the scenario expects"
        " no refusal): an error of its own code as far as anyone can tell, not a rejection (no verdict)"
    )


def _nested_crash(found: Any, kinds: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The first ``{"fail": "other", "type": <a CRASH_TYPES name>}`` outcome in ``found`` -- or,
    with ``kinds``, the first ``{"fail": <one of kinds>}`` -- at any depth (an error outcome is a
    dict with ``fail``; values hold them in dicts and lists)."""
    if isinstance(found, dict):
        fail = found.get("fail")
        if (fail in kinds) if kinds else (fail == "other" and found.get("type") in CRASH_TYPES):
            return found
        children: Iterable[Any] = found.values()
    elif isinstance(found, list):
        children = found
    else:
        return None
    for child in children:
        crash = _nested_crash(child, kinds)
        if crash is not None:
            return crash
    return None


def expected_calls(scenario: Scenario) -> int:
    """How many operation calls a correct implementation makes at most, as far as the scenario says."""

    def bound(count: Any) -> int:  # a number, or {min, max}
        if isinstance(count, dict):
            return int(count.get("max") or count.get("min") or 0)
        return int(count or 0)

    calls: Any = scenario.expect.get("calls")
    if isinstance(calls, dict) and not {"min", "max"} & calls.keys():
        stated = sum(bound(count) for count in calls.values())  # per key
    else:
        stated = bound(calls)
    timed = sum(len(times) for times in scenario.expect.get("calls_at_ms", {}).values())
    items = max((len(v) for v in scenario.params.values() if isinstance(v, list)), default=0)
    attempts = max((v for k, v in scenario.params.items() if k.endswith("attempts") and isinstance(v, int)), default=1)
    invocations = len(scenario.invocations or ())  # each invocation may call once at least
    return max(stated, timed, items * attempts, invocations, 1)


def longest_expected_ms(scenario: Scenario) -> int:
    """The scenario's expected duration (the upper bound when a range), 0 when it gives none."""
    elapsed = scenario.expect.get("elapsed_ms")
    settled = int(max(scenario.expect.get("settled_at_ms") or [0]))  # the last invocation to settle
    if isinstance(elapsed, dict):
        return max(int(elapsed.get("max") or elapsed.get("min") or 0), settled)
    return max(int(elapsed or 0), settled)


def real_time_skip_reason(scenario: Scenario) -> str | None:
    """Why a scenario does not run on the real clock, or None when it does."""
    if scenario.clock == "virtual":
        return "its point is an order within one millisecond, which only virtual time gives (clock: virtual)"
    longest = longest_expected_ms(scenario)
    if longest > REAL_TIME_BUDGET_MS:
        return f"takes {longest} ms; real-clock runs are limited to {REAL_TIME_BUDGET_MS} ms (virtual time runs it)"
    return None
