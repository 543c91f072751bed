"""The checker: each check passes what it should and fails, readably, what it should not."""

from __future__ import annotations

from typing import Any

import pytest

from asyncconf.checker import (
    CHECKS,
    check,
    crash_reason,
    expected_calls,
    longest_expected_ms,
    max_in_flight,
    max_queued,
    outcome_matches,
    real_time_band,
)
from asyncconf.spec import Scenario


def scenario(**expect: Any) -> Scenario:
    return Scenario(pattern="p", id="s", covers=("R1",), params={}, plan={"op": [{"ok": 1}]}, expect=expect)


def ev(t: int, ev: str, key: str = "op", n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"t": t, "ev": ev, "key": key, "n": n, **extra}


RETRY_TRACE = [ev(0, "call"), ev(10, "fail", kind="transient"), ev(110, "call", n=2), ev(120, "ok", n=2)]


def answer(outcome: Any = None, trace: list[dict[str, Any]] | None = None, elapsed: int | None = 120, leaks=()):  # type: ignore[no-untyped-def]
    return {
        "outcome": outcome or {"ok": "data"},
        "trace": RETRY_TRACE if trace is None else trace,
        "elapsed_ms": elapsed,
        "leaks": list(leaks),
        "random_draws": 0,
        "settled_at_ms": [10, 120],  # read only by the settled_at_ms check (several invocations)
    }


def reasons(expect: dict[str, Any], seen: dict[str, Any], clock: str = "virtual") -> list[str]:
    return [str(m) for m in check(scenario(**expect), seen, clock=clock)]


CANCEL_TRACE = [ev(0, "open", "conn"), ev(0, "call"), ev(5, "cancel"), ev(7, "close", "conn")]
REPORT_TRACE = [ev(0, "call", "b"), ev(20, "fail", "b", kind="fatal"), ev(20, "report", "b")]
#: A pool's connections: conn#1 lent at 0 and 20, conn#2 opened at 10 and closed at 30 (two open at once).
POOL_TRACE = [
    ev(0, "open", "conn", 1), ev(0, "acquire", "conn", 1), ev(10, "open", "conn", 2), ev(10, "acquire", "conn", 2),
    ev(20, "acquire", "conn", 1), ev(30, "close", "conn", 2), ev(40, "close", "conn", 1),
]  # fmt: skip

#: A producer (key `produce`) and one consumer of 10 ms behind a queue of 2: the producer makes a, b
#: and c at 0 ms (a is taken at once), then waits until a slot frees at 10 ms to make d.
WAITING_PRODUCER = [
    ev(0, "call", "produce", 1), ev(0, "ok", "produce", 1), ev(0, "call", "a"), ev(0, "call", "produce", 2),
    ev(0, "ok", "produce", 2), ev(0, "call", "produce", 3), ev(0, "ok", "produce", 3), ev(0, "call", "produce", 4),
    ev(0, "ok", "produce", 4), ev(10, "ok", "a"), ev(10, "call", "b"), ev(10, "call", "produce", 5),
]  # fmt: skip
#: The same producer running ahead of its queue: it makes e at 0 ms too, with three items queued.
PRODUCER_RUNS_AHEAD = [*WAITING_PRODUCER[:9], ev(0, "call", "produce", 5), ev(10, "ok", "a"), ev(10, "call", "b")]

#: (expectation, trace -- None for RETRY_TRACE --, whether it passes): each check kind of
#: checker.CHECKS has at least one case that passes and one that fails (see the test below).
LATE_BEAT_TRACE = [
    {"t": 0, "ev": "call", "key": "op", "n": 1},
    {"t": 10, "ev": "beat", "key": "heartbeat", "n": 1, "lag": 0},
    {"t": 60, "ev": "beat", "key": "heartbeat", "n": 2, "lag": 40},
    {"t": 120, "ev": "ok", "key": "op", "n": 1},
]
CASES: list[tuple[dict[str, Any], list[dict[str, Any]] | None, bool]] = [
    ({"outcome": {"ok": "data"}}, None, True),
    ({"outcome": {"ok": "other"}}, None, False),
    ({"elapsed_ms": 120}, None, True),
    ({"elapsed_ms": 121}, None, False),
    ({"elapsed_ms": {"max": 120}}, None, True),
    ({"elapsed_ms": {"min": 121}}, None, False),
    ({"calls": 2}, None, True),
    ({"calls": {"op": 2}}, None, True),
    ({"calls": {"op": 2, "other": 1}}, None, False),
    ({"calls": 3}, None, False),
    ({"calls_at_ms": {"op": [0, 110]}}, None, True),
    ({"calls_at_ms": {"op": [0, 100]}}, None, False),
    ({"calls_at_ms": {"op": [0]}}, None, False),
    ({"max_in_flight": 1}, None, True),
    ({"max_in_flight": 2}, None, False),
    ({"max_lag_ms": 0}, None, True),
    ({"max_lag_ms": 0}, LATE_BEAT_TRACE, False),
    ({"max_lag_ms": {"max": 40}}, LATE_BEAT_TRACE, True),
    ({"max_queued": 2}, WAITING_PRODUCER, True),
    ({"max_queued": {"max": 2}}, PRODUCER_RUNS_AHEAD, False),
    ({"cancelled": []}, None, True),
    ({"cancelled": ["op"]}, None, False),
    ({"cancelled": ["op"]}, CANCEL_TRACE, True),
    ({"cancelled": []}, CANCEL_TRACE, False),
    ({"cancelled_at_ms": {"op": [5]}}, CANCEL_TRACE, True),
    ({"cancelled_at_ms": {"op": [5]}}, None, False),
    ({"cancelled_at_ms": {"op": [6]}}, CANCEL_TRACE, False),
    ({"closed_at_ms": {"conn": [7]}}, CANCEL_TRACE, True),
    ({"closed_at_ms": {"conn": [5]}}, None, False),
    ({"closed_at_ms": {"conn": [5]}}, CANCEL_TRACE, False),
    ({"max_open": 2}, POOL_TRACE, True),
    ({"max_open": {"max": 1}}, POOL_TRACE, False),
    ({"acquired_at_ms": {"conn#1": [0, 20], "conn#2": [10]}}, POOL_TRACE, True),
    ({"acquired_at_ms": {"conn#1": [0], "conn#2": [10, 20]}}, POOL_TRACE, False),
    ({"reported_at_ms": {"b": [20]}}, REPORT_TRACE, True),
    ({"reported_at_ms": {"b": [20]}}, None, False),
    ({"reported_at_ms": {"b": [20, 20]}}, REPORT_TRACE, False),
    ({"random_draws": 0}, None, True),
    ({"random_draws": {"max": 3}}, None, True),
    ({"random_draws": 1}, None, False),
    ({"settled_at_ms": [10, 120]}, None, True),
    ({"settled_at_ms": [10, 110]}, None, False),
    ({"settled_at_ms": [10]}, None, False),
]


@pytest.mark.parametrize(("expect", "trace", "passes"), CASES)
def test_each_check_can_pass_and_fail(expect: dict[str, Any], trace: list[dict[str, Any]] | None, passes: bool) -> None:
    assert (reasons(expect, answer(trace=trace)) == []) is passes


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_every_check_kind_has_a_passing_and_a_failing_case(kind: str) -> None:
    outcomes = {passes for expect, _, passes in CASES if kind in expect}
    assert outcomes == {True, False}, f"{kind}: add to CASES a case that passes and one that fails"


def test_a_failure_says_what_was_expected_and_what_was_seen() -> None:
    assert reasons({"calls_at_ms": {"op": [0, 100]}}, answer()) == [
        'calls_at_ms: expected {"op": [0, 100]}, saw {"op": [0, 110]}'
    ]


def test_leaks_fail_every_scenario_unless_allowed() -> None:
    leaking = answer(leaks=["operation op#2 still running"])
    assert reasons({"outcome": {"ok": "data"}}, leaking) == ['leaks: expected [], saw ["operation op#2 still running"]']
    assert reasons({"outcome": {"ok": "data"}, "leaks": "any"}, leaking) == []


def test_an_operation_called_after_the_pattern_settled_is_work_left_pending() -> None:
    """A chain of `process.nextTick` / `loop.call_soon` left behind is no timer or task a runner
    counts at the settling instant, but the call it makes once the pattern returned is in
    ``trace_after``: the runner never calls the operation itself, so that call is the pattern's."""
    later = {
        **answer(),
        "trace_after": [{"t": 120, "ev": "call", "key": "op", "n": 4}, {"t": 120, "ev": "cancel", "key": "op", "n": 4}],
    }
    assert reasons({"outcome": {"ok": "data"}}, later) == [
        'leaks: expected [], saw ["work still pending (op#4 was called after the pattern settled)"]'
    ]
    assert reasons({"outcome": {"ok": "data"}, "leaks": "any"}, later) == []
    cleanup = {**answer(), "trace_after": [{"t": 120, "ev": "cancel", "key": "op", "n": 3}]}
    assert reasons({"outcome": {"ok": "data"}}, cleanup) == []  # the runner's cleanup: not a call


def test_a_blocked_event_loop_fails_every_scenario() -> None:
    from asyncconf.checker import BLOCK_LIMIT_MS

    expect = {"outcome": {"ok": "data"}, "leaks": "any"}
    assert reasons(expect, {**answer(), "blocked_ms": BLOCK_LIMIT_MS - 1}) == []
    assert reasons(expect, answer()) == []  # the field is optional
    assert reasons(expect, {**answer(), "blocked_ms": BLOCK_LIMIT_MS}) == [
        f"blocked_ms: expected under {BLOCK_LIMIT_MS}, saw {BLOCK_LIMIT_MS} "
        f"(blocked the event loop for {BLOCK_LIMIT_MS} ms)"
    ]
    # The runner stopped the run for it: the block is the reason, not "never settled".
    stopped = answer(outcome={"unfinished": True, "reason": "blocked the event loop for 97 ms"}, elapsed=None)
    assert reasons(expect, {**stopped, "blocked_ms": 97}) == [
        f"blocked_ms: expected under {BLOCK_LIMIT_MS}, saw 97 (blocked the event loop for 97 ms)"
    ]


def test_a_failure_nobody_observed_fails_every_scenario() -> None:
    expect = {"outcome": {"ok": "data"}}
    assert reasons(expect, answer()) == []  # the field is optional
    assert reasons(expect, {**answer(), "unobserved": []}) == []
    seen = {**answer(), "unobserved": ["Task exception was never retrieved: PermissionError: fatal failure of b#1"]}
    assert reasons(expect, seen) == [
        'unobserved: expected [], saw ["Task exception was never retrieved: PermissionError: fatal failure of b#1"]'
        " (a failure reached the runtime's last resort)"
    ]
    assert reasons({**expect, "leaks": "any"}, seen) != []  # not excused by leaks: any


def test_an_unfinished_pattern_fails_on_that_alone() -> None:
    seen = answer(outcome={"unfinished": True, "reason": "had not settled after 60000 ms"}, elapsed=None)
    assert reasons({"calls": 2}, seen) == [
        "outcome: expected to settle, saw never settled (had not settled after 60000 ms)"
    ]


def test_a_malformed_answer_fails() -> None:
    assert reasons({"calls": 2}, {"trace": []})[0].startswith("answer:")


def test_error_outcomes_match_on_the_keys_written() -> None:
    seen = {"fail": "transient", "from": "op#3"}
    assert outcome_matches({"fail": "transient"}, seen)
    assert outcome_matches({"fail": "transient", "from": "op#3"}, seen)
    assert not outcome_matches({"fail": "transient", "from": "op#2"}, seen)
    assert not outcome_matches({"fail": "transient", "from": "op#3"}, {"fail": "transient"})  # re-created error
    assert not outcome_matches({"fail": "fatal"}, seen)
    assert not outcome_matches({"fail": "transient"}, {"ok": None})


def test_group_errors_match_in_any_order_but_exactly() -> None:
    group = {"fail": "group", "errors": [{"fail": "fatal", "from": "b#1"}, {"fail": "transient", "from": "a#1"}]}
    assert outcome_matches({"fail": "group", "errors": [{"fail": "transient"}, {"fail": "fatal"}]}, group)
    assert not outcome_matches({"fail": "group", "errors": [{"fail": "transient"}]}, group)
    with_cancel = {"fail": "group", "errors": [{"fail": "fatal", "from": "b#1"}, {"fail": "cancelled"}]}
    assert not outcome_matches({"fail": "group", "errors": [{"fail": "fatal", "from": "b#1"}]}, with_cancel)


def test_values_compare_strictly() -> None:
    assert outcome_matches({"ok": None}, {"ok": None})
    assert not outcome_matches({"ok": None}, {"ok": "data"})
    assert not outcome_matches({"ok": 1}, {"ok": True})
    assert outcome_matches({"ok": 1}, {"ok": 1.0})
    assert not outcome_matches({"ok": ["A", "B"]}, {"ok": ["B", "A"]})  # order matters in lists
    assert not outcome_matches({"ok": {"a": 1}}, {"ok": {"a": 1, "b": 2}})


def test_in_flight_follows_the_trace_order() -> None:
    trace = [
        ev(0, "call", "a"),
        ev(0, "call", "b"),
        ev(10, "ok", "b"),
        ev(10, "call", "c"),
        ev(20, "cancel", "a"),
        ev(20, "ok", "c"),
    ]
    assert max_in_flight(trace) == 2


def test_max_queued_is_read_when_the_producer_starts_an_item() -> None:
    # At produce#4 a is taken, b and c queued; at produce#5 (10 ms) b is taken too.
    assert max_queued(WAITING_PRODUCER) == 2
    assert max_queued(PRODUCER_RUNS_AHEAD) == 3
    assert max_queued(RETRY_TRACE) == 0  # no producer: nothing queued


def test_max_queued_counts_a_consumer_started_in_the_same_millisecond_as_started() -> None:
    # A queue that hands the item straight to a waiting consumer may record the producer's next call
    # before the consumer's: the runtimes order one millisecond differently, the reading must not.
    handed_over = [
        ev(0, "call", "produce", 1),
        ev(5, "ok", "produce", 1),
        ev(5, "call", "produce", 2),
        ev(5, "call", "a"),
    ]
    assert max_queued(handed_over) == 0


def test_max_queued_on_the_real_clock_checks_the_bound_only() -> None:
    # A stalled machine records the next production late (fewer seen queued) or a consumer late (more).
    late_consumer = [*WAITING_PRODUCER[:9], ev(10, "ok", "a"), ev(10, "call", "produce", 5), ev(13, "call", "b")]
    assert reasons({"max_queued": 2}, answer(trace=late_consumer)) != []  # virtual: exact, 3 seen
    assert reasons({"max_queued": 2}, answer(trace=late_consumer), clock="real") == []
    assert reasons({"max_queued": 2}, answer(trace=PRODUCER_RUNS_AHEAD), clock="real") != []


def test_real_clock_accepts_a_band_never_much_early() -> None:
    low, high = real_time_band(100)
    assert low == 95 and high == 210
    assert reasons({"elapsed_ms": 100}, answer(elapsed=130), clock="real") == []
    assert reasons({"elapsed_ms": 100}, answer(elapsed=90), clock="real") != []
    assert reasons({"elapsed_ms": 100}, answer(elapsed=300), clock="real") != []
    assert reasons({"elapsed_ms": 100}, answer(elapsed=130)) != []  # virtual: exact


def test_a_real_clock_time_outside_the_band_says_so_and_names_the_band() -> None:
    # It used to read "(real clock, within tolerance)" on a failure, as if the time had passed.
    [late] = reasons({"elapsed_ms": 100}, answer(elapsed=300), clock="real")
    assert "within tolerance" not in late
    assert late.endswith("(real clock: outside the band it allows, 95..210 ms for 100)")
    [early] = reasons({"elapsed_ms": 100}, answer(elapsed=90), clock="real")
    assert "outside the band it allows, 95..210 ms for 100" in early


def test_a_run_that_drew_past_the_scenarios_random_values_fails_unless_the_scenario_allows_it() -> None:
    # spec/PROTOCOL.md section 3: the source repeats the last value and the answer counts draws.
    jittered = Scenario(
        pattern="p", id="s", covers=("R1",), params={}, plan={"op": [{"ok": 1}]}, expect={}, random=(0.25, 0.75)
    )
    assert check(jittered, {**answer(), "random_draws": 2}) == []
    [ran_out] = check(jittered, {**answer(), "random_draws": 3})
    assert str(ran_out).startswith('random_draws: expected {"max": 2}, saw 3 (the scenario\'s random values ran out')
    allowing = Scenario(
        pattern="p",
        id="s",
        covers=("R1",),
        params={},
        plan={"op": [{"ok": 1}]},
        expect={"random_draws": {"min": 2}},
        random=(0.25, 0.75),
    )
    assert check(allowing, {**answer(), "random_draws": 3}) == []
    unreported = {key: value for key, value in answer().items() if key != "random_draws"}
    assert check(jittered, unreported) == []  # a runner that does not count is not judged on it
    assert [m.check for m in check(allowing, unreported)] == ["random_draws"]  # unless the scenario asks


# -- several invocations of one instance (PROTOCOL.md section 2, "Invocations") ----------------------


EACH = {"each": [{"fail": "transient", "from": "op#1"}, {"fail": "circuit-open"}, {"ok": "T"}]}


def test_each_outcome_matches_invocation_by_invocation_with_error_keys_as_written() -> None:
    assert outcome_matches({"each": [{"fail": "transient"}, {"fail": "circuit-open"}, {"ok": "T"}]}, EACH)
    assert outcome_matches(EACH, EACH)
    assert not outcome_matches(
        {"each": [{"fail": "transient", "from": "op#2"}, {"fail": "circuit-open"}, {"ok": "T"}]}, EACH
    )
    assert not outcome_matches({"each": [{"fail": "circuit-open"}, {"fail": "transient"}, {"ok": "T"}]}, EACH)  # order
    assert not outcome_matches({"each": [{"fail": "transient"}, {"fail": "circuit-open"}]}, EACH)  # one missing
    assert not outcome_matches({"each": [{"ok": "T"}]}, {"ok": "T"})  # one call is not one invocation
    assert reasons(
        {"outcome": {"each": [{"fail": "transient"}, {"fail": "cancelled"}, {"ok": "T"}]}}, answer(EACH)
    ) == [
        'outcome: expected {"each": [{"fail": "transient"}, {"fail": "cancelled"}, {"ok": "T"}]}, saw '
        '{"each": [{"fail": "transient", "from": "op#1"}, {"fail": "circuit-open"}, {"ok": "T"}]}'
    ]


def test_settled_at_is_exact_on_virtual_time_banded_on_real_and_required() -> None:
    assert reasons({"settled_at_ms": [10, 121]}, answer()) == ["settled_at_ms: expected [10, 121], saw [10, 120]"]
    assert reasons({"settled_at_ms": [10, 100]}, answer(), clock="real") == []  # 120 is within 100's band
    assert reasons({"settled_at_ms": [100, 100]}, answer(), clock="real") != []  # 10 is far too early for 100
    missing = {k: v for k, v in answer().items() if k != "settled_at_ms"}
    assert reasons({"settled_at_ms": [10, 120]}, missing) == ["settled_at_ms: expected [10, 120], saw null"]


def test_a_crash_inside_each_is_a_crash_of_the_run() -> None:
    crashed = {"each": [{"ok": 1}, {"fail": "other", "type": "TypeError", "message": "x is not a function"}]}
    reason = crash_reason({"outcome": crashed})
    assert reason is not None and reason.startswith("invocation 2: the implementation crashed with TypeError")
    assert crash_reason({"outcome": EACH}) is None
    assert crash_reason({"outcome": {"each": [{"fail": "other", "type": "MyError", "message": ""}]}}) is None


def test_the_call_limit_allows_a_call_per_invocation() -> None:
    invocations = tuple({"at_ms": 10 * n, "key": "op", "cancel_at_ms": None} for n in range(7))
    many = Scenario(pattern="p", id="s", covers=("R1",), params={}, plan={}, expect={}, invocations=invocations)
    assert expected_calls(many) == 7
    assert expected_calls(scenario()) == 1


def test_the_longest_expected_time_counts_the_last_settled_invocation() -> None:
    assert longest_expected_ms(scenario(settled_at_ms=[10, 2500, 30], elapsed_ms=30)) == 2500


def test_a_crash_nested_in_an_outcome_is_a_crash_of_the_run() -> None:
    """A group's errors, parallel-partial-failures' `failed`, the errors an error handler got: a
    crash reported inside any of them is no behaviour either (else a crashing anti-pattern whose
    crash was gathered into a group would count as rejected)."""
    crash = {"fail": "other", "type": "AttributeError", "message": "'NoneType' object has no attribute 'x'"}
    in_group = {"fail": "group", "errors": [{"fail": "transient", "from": "a#1"}, crash]}
    in_failed = {"ok": {"succeeded": {"a": 1}, "failed": {"b": crash}}}
    in_reports = {"ok": [{"fail": "fatal", "from": "a#1"}, crash]}
    for outcome in (in_group, in_failed, in_reports):
        reason = crash_reason({"outcome": outcome})
        assert reason is not None and "crashed with AttributeError" in reason, outcome
    mine = {"fail": "other", "type": "MyError", "message": ""}
    assert crash_reason({"outcome": {"fail": "group", "errors": [mine]}}) is None
    assert crash_reason({"outcome": {"ok": {"type": "TypeError", "fail": "x"}}}) is None  # a value, not an outcome


def test_lookups_assertions_and_the_runners_own_plan_errors_are_crashes() -> None:
    """A bad index or key, a failed assertion, a division by zero are programming errors in every
    language; the runner's refusal of a key its plan does not have (Python LookupError, C#
    KeyNotFoundException, JavaScript RangeError) is one too -- never a behaviour that rejects."""
    for name in (
        "KeyError", "IndexError", "LookupError", "AssertionError", "ZeroDivisionError",
        "KeyNotFoundException", "IndexOutOfRangeException", "DivideByZeroException", "RangeError",
    ):  # fmt: skip
        assert crash_reason({"outcome": {"fail": "other", "type": name, "message": "m"}}), name


def test_a_time_is_a_number_not_a_boolean() -> None:
    """JSON's ``true`` is Python's ``1``: a runner answering ``"elapsed_ms": true`` matched 1 ms."""
    assert reasons({"elapsed_ms": 1}, {**answer(), "elapsed_ms": True}) == ["elapsed_ms: expected 1, saw true"]
    assert reasons({"settled_at_ms": [1]}, {**answer(), "settled_at_ms": [True]}) != []


def test_runtime_errors_and_a_refusal_after_calls_are_crashes() -> None:
    """A StopIteration or InvalidStateError out of the pattern's own code is a programming error
    (not RuntimeError: wrapping a failure in one is a behaviour); so is an `invalid` once the operation was called:
    a refusal of the arguments is up front (PROTOCOL.md section 8), and what looks like one later
    is the implementation's own ValueError (`[].remove(x)`), TypeError with a Node code
    (`AbortSignal.any([undefined])`) or ArgumentException (a list index) -- counted as rejections."""
    for name in ("StopIteration", "StopAsyncIteration", "InvalidStateError"):
        assert crash_reason({"outcome": {"fail": "other", "type": name, "message": "m"}}), name
    called = [{"t": 0, "ev": "call", "key": "op", "n": 1}]
    refused = crash_reason({"outcome": {"fail": "invalid"}, "trace": called})
    assert refused is not None and "invalid" in refused and "after it called the operation" in refused
    grouped = {"fail": "group", "errors": [{"fail": "invalid"}]}
    assert crash_reason({"outcome": grouped, "trace": called}) is not None
    assert crash_reason({"outcome": {"each": [{"ok": 1}, {"fail": "invalid"}]}, "trace": called}) is not None
    assert crash_reason({"outcome": {"fail": "invalid"}, "trace": []}) is None  # up front: a refusal


def test_an_antipatterns_refusal_where_every_parameter_is_valid_is_no_rejection() -> None:
    """Before any call an `invalid` looked like an up-front refusal whatever the scenario: an
    anti-pattern whose own code raised a ValueError (a bad unpacking) was counted as rejected.
    Where the scenario expects no refusal (its parameters are all in their domains: the lint makes
    any scenario outside them expect `invalid`), it is no verdict (the engine applies it to
    anti-patterns: a reference or candidate refusing a valid value fails, a behaviour to report)."""
    from asyncconf.checker import unasked_refusal

    refused = {"outcome": {"fail": "invalid", "message": "too many values to unpack"}, "trace": []}
    why = unasked_refusal(refused, scenario(outcome={"ok": 1}))
    assert why is not None and "where every parameter is valid" in why
    assert unasked_refusal(refused, scenario(outcome={"fail": "invalid"}, calls=0)) is None  # a refusal it expects
    assert unasked_refusal(refused, scenario(outcome={"each": [{"ok": 1}, {"fail": "invalid"}]})) is None
    assert unasked_refusal({"outcome": {"ok": 1}, "trace": []}, scenario(outcome={"ok": 1})) is None


def test_an_answer_without_leaks_is_malformed() -> None:
    """PROTOCOL.md section 2: `leaks` is `[]` when nothing leaked; a runner that left it out passed the leak check."""
    seen = {key: value for key, value in answer().items() if key != "leaks"}
    assert reasons({"outcome": {"ok": "data"}}, seen) == [
        "leaks: expected a list ([] when nothing), saw null (malformed runner answer)"
    ]
