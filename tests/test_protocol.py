"""The Python runner speaks spec/PROTOCOL.md, in-process and as a subprocess; the JSON Lines
transport survives runners that hang, crash or print garbage."""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from asyncconf.paths import ROOT
from asyncconf.transports.base import TransportError
from asyncconf.transports.jsonl_process import JsonLinesProcess
from asyncpatterns.runner import implementations
from python_runner import ask as handle

RETRY = {
    "id": 7,
    "pattern": "retry-backoff",
    "params": {"max_attempts": 3, "base_delay_ms": 100, "factor": 2, "max_delay_ms": 60000, "jitter": "none"},
    "plan": {"op": [{"after_ms": 10, "fail": "transient"}, {"after_ms": 10, "ok": "data"}]},
}


def test_a_run_answers_outcome_trace_elapsed_and_leaks() -> None:
    answer = handle(RETRY)
    assert answer["id"] == 7
    assert answer["outcome"] == {"ok": "data"}
    assert answer["elapsed_ms"] == 120
    assert answer["leaks"] == []
    assert answer["trace"] == [
        {"t": 0, "ev": "call", "key": "op", "n": 1},
        {"t": 10, "ev": "fail", "key": "op", "n": 1, "kind": "transient"},
        {"t": 110, "ev": "call", "key": "op", "n": 2},
        {"t": 120, "ev": "ok", "key": "op", "n": 2},
    ]
    assert answer["runtime"]["name"] == "cpython"


def test_a_task_exception_never_retrieved_is_reported_as_unobserved() -> None:
    # The failed task nobody keeps is freed (or collected) within its own run, so it is reported with it.
    request = {
        "id": 1,
        "pattern": "unobserved-failures",
        "impl": "fire-and-forget",
        "plan": {
            "a": [{"after_ms": 10, "ok": "A"}],
            "b": [{"after_ms": 20, "fail": "fatal"}],
            "*": [{"after_ms": 5, "ok": 1}],
        },
    }
    answer = handle(request)
    assert answer["unobserved"] == ["Task exception was never retrieved: PermissionError: fatal failure of b#1"]
    assert answer["outcome"] == {"ok": []}
    reference = handle({**request, "impl": "reference"})
    assert reference["unobserved"] == []
    assert reference["outcome"] == {"ok": [{"fail": "fatal", "from": "b#1"}]}
    assert {"t": 20, "ev": "report", "key": "b", "n": 1} in reference["trace"]


def test_a_failed_task_that_grew_old_during_its_run_is_still_reported_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The run's own collection reaches as far as the run's garbage may have got: here collections
    # during the run move a failed task, held in a cycle, into the oldest generation before it
    # is dropped -- a collection of the young generations alone would never find it.
    async def keeps_it_then_drops_it(operation: Any, items: Any, on_error: Any, shutdown: asyncio.Event) -> None:
        task = asyncio.create_task(operation(next(iter(items))))
        await asyncio.wait([task])  # done, its exception not retrieved
        cycle: dict[str, Any] = {"task": task}
        cycle["self"] = cycle
        gc.collect()
        gc.collect()
        del task, cycle  # garbage now, in the oldest generation
        await shutdown.wait()

    from asyncpatterns.antipatterns import REGISTRY

    monkeypatch.setitem(REGISTRY["unobserved-failures"], "keeps-it-then-drops-it", keeps_it_then_drops_it)
    answer = handle(
        {
            "id": 1,
            "pattern": "unobserved-failures",
            "impl": "keeps-it-then-drops-it",
            "plan": {"b": [{"after_ms": 20, "fail": "fatal"}], "*": [{"after_ms": 5, "ok": 1}]},
            "params": {"items": ["b"]},
        }
    )
    assert answer["unobserved"] == ["Task exception was never retrieved: PermissionError: fatal failure of b#1"]


def test_describe_lists_reference_first_then_the_antipatterns() -> None:
    answer = handle({"id": 1, "op": "describe"})
    assert answer["protocol"] == 1
    assert answer["patterns"] == implementations()
    assert all(impls[0] == "reference" for impls in answer["patterns"].values())


def test_check_api_names_what_is_missing() -> None:
    answer = handle(
        {"id": 2, "op": "check_api", "names": ["asyncio.timeout", "asyncio.Timeout.expired", "asyncio.nope"]}
    )
    assert answer == {"id": 2, "missing": ["asyncio.nope"]}


@pytest.mark.parametrize(
    ("request_", "kind", "words"),
    [
        ({"id": 3, "pattern": "nope"}, "unknown-pattern", "no Python implementation of pattern 'nope'"),
        ({"id": 3, "pattern": "timeout", "impl": "nope"}, "unknown-impl", "has no implementation 'nope'"),
        ({"id": 3, "pattern": "timeout", "cancel_at_ms": "10"}, "bad-request", "`cancel_at_ms` must be int"),
        ({"id": 3, "pattern": "timeout", "clock": "sundial"}, "bad-request", "`clock` must be 'virtual' or 'real'"),
        ({"id": 3, "op": "dance"}, "bad-request", "unknown op 'dance'"),
        ({"id": 3}, "bad-request", "`pattern` is required"),
        ({"id": 3, "pattern": "circuit-breaker"}, "bad-request", "'circuit-breaker' needs `invocations`"),
        ({"id": 3, "pattern": "timeout", "invocations": [{"at_ms": 0}]}, "bad-request", "takes no `invocations`"),
        (
            {"id": 3, "pattern": "circuit-breaker", "invocations": [{"at_ms": 0}], "cancel_at_ms": 5},
            "bad-request",
            "`cancel_at_ms` must be null",
        ),
        ({"id": 3, "pattern": "circuit-breaker", "invocations": []}, "bad-request", "must not be empty"),
        (
            {"id": 3, "pattern": "circuit-breaker", "invocations": [{"at_ms": 5, "cancel_at_ms": 4}]},
            "bad-request",
            "invocations[0].cancel_at_ms must be an integer from at_ms (5) up",
        ),
    ],
)
def test_a_bad_request_gets_an_error_answer(request_: dict[str, Any], kind: str, words: str) -> None:
    answer = handle(request_)
    assert answer["id"] == 3
    assert answer["error"]["kind"] == kind
    assert words in answer["error"]["message"]


def test_an_error_keeps_its_origin_only_when_unchanged() -> None:
    wrapped = handle({**RETRY, "impl": "wraps-error", "plan": {"op": [{"after_ms": 10, "fail": "transient"}]}})
    assert wrapped["outcome"] == {"fail": "other", "type": "RetryError", "message": "gave up after 3 attempts"}
    same = handle({**RETRY, "plan": {"op": [{"after_ms": 10, "fail": "transient"}]}})
    assert same["outcome"] == {"fail": "transient", "from": "op#3"}


def test_a_runaway_retry_ends_unfinished_at_the_call_limit() -> None:
    answer = handle(
        {
            **RETRY,
            "impl": "no-backoff",
            "params": {**RETRY["params"], "max_attempts": 10**6},
            "plan": {"op": [{"after_ms": 1, "fail": "transient"}]},
            "max_calls": 50,
        }
    )
    assert answer["outcome"]["unfinished"] is True
    assert "more than 50 operation calls" in answer["outcome"]["reason"]
    assert answer["elapsed_ms"] is None


def test_a_hang_ends_unfinished_at_the_limit_with_its_leak() -> None:
    answer = handle(
        {
            "id": 1,
            "pattern": "timeout",
            "impl": "cancel-as-timeout",
            "params": {"timeout_ms": 10**9},
            "plan": {"op": [{"hang": True}]},
            "limit_ms": 5000,
        }
    )
    assert answer["outcome"] == {"unfinished": True, "reason": "had not settled after 5000 ms of virtual time"}
    assert answer["leaks"] == ["operation op#1 still running"]


def test_the_subprocess_runner_survives_a_bad_line() -> None:
    lines = "not json\n" + json.dumps({"id": 1, "op": "describe"}) + "\n"
    out = subprocess.run(
        [sys.executable, "-m", "asyncpatterns.runner"],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert first["id"] is None and first["error"]["kind"] == "bad-request"
    assert second["id"] == 1 and second["protocol"] == 1


def test_inprocess_and_subprocess_answer_alike() -> None:
    from asyncconf.transports.python import PythonInProcess, python_subprocess

    inprocess, subprocess_ = PythonInProcess(), python_subprocess()
    inprocess.start()
    subprocess_.start()
    try:
        a = inprocess.request(RETRY, timeout_s=30)
        b = subprocess_.request(RETRY, timeout_s=30)
    finally:
        subprocess_.close()
    a.pop("warnings"), b.pop("warnings")
    # How long the loop went without coming back is real time, measured: under the limit, not equal.
    assert a.pop("blocked_ms") < 50 and b.pop("blocked_ms") < 50
    assert a == b


# -- a transport that outlives bad runners -------------------------------------------------------------------

FAKE_RUNNER = textwrap.dedent(
    """
    import json, sys, time
    for line in sys.stdin:
        request = json.loads(line)
        mode = request.get("mode")
        if mode == "hang":
            time.sleep(3600)
        if mode == "crash":
            print(request.get("says", "boom"), file=sys.stderr, flush=True)
            sys.exit(3)
        if mode == "garbage":
            print("this is not json", flush=True)
            continue
        if mode == "id-true":  # JSON's true is Python's 1: not the answer to request 1
            print(json.dumps({"id": True, "ok": True}), flush=True)
            continue
        print(json.dumps({"id": request["id"], "ok": True}), flush=True)
    """
)


@pytest.fixture
def fake_runner(tmp_path: Path) -> Iterator[Callable[..., JsonLinesProcess]]:
    """Starts FAKE_RUNNER as a transport (``pipelined`` as asked); each is closed after the test."""
    script = tmp_path / "fake_runner.py"
    script.write_text(FAKE_RUNNER)
    started: list[JsonLinesProcess] = []

    def start(*, pipelined: bool = False) -> JsonLinesProcess:
        transport = JsonLinesProcess(
            "fake", "subprocess", [sys.executable, str(script)], cwd=tmp_path, pipelined=pipelined
        )
        transport.start()
        started.append(transport)
        return transport

    yield start
    for transport in started:
        transport.close()


@pytest.fixture
def fake(fake_runner: Callable[..., JsonLinesProcess]) -> JsonLinesProcess:
    return fake_runner()


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("hang", "gave no answer within 1 s"),
        ("crash", "exited with code 3: boom"),
        ("garbage", "not JSON: 'this is not json'"),
        ("id-true", "answered out of turn"),
    ],
)
def test_a_bad_runner_costs_one_request_and_is_restarted(fake: JsonLinesProcess, mode: str, words: str) -> None:
    with pytest.raises(TransportError, match=words):
        fake.request({"id": 1, "mode": mode}, timeout_s=1)
    assert fake.request({"id": 2}, timeout_s=30) == {"id": 2, "ok": True}
    assert fake.restarts == 1


@pytest.mark.parametrize("pipelined", [False, True])
@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("hang", "gave no answer within 1 s"),
        ("crash", "exited with code 3: boom"),
        ("garbage", "not JSON: 'this is not json'"),
        ("id-true", "answered out of turn"),
    ],
)
def test_a_bad_request_in_a_batch_costs_that_one_only(
    fake_runner: Callable[..., JsonLinesProcess], pipelined: bool, mode: str, words: str
) -> None:
    # Pipelined, the requests after the bad one went to the process that was restarted: sent again.
    transport = fake_runner(pipelined=pipelined)
    requests: list[dict[str, Any]] = [{"id": 1}, {"id": 2, "mode": mode}, {"id": 3}, {"id": 4}]
    results = transport.request_batch(requests, timeouts_s=[1] * 4)
    assert [result for n, result in enumerate(results) if n != 1] == [{"id": n, "ok": True} for n in (1, 3, 4)]
    assert isinstance(results[1], TransportError) and words in str(results[1])
    assert transport.restarts == 1


def test_a_pipelined_batch_is_written_in_pieces_the_pipe_holds(fake_runner: Callable[..., JsonLinesProcess]) -> None:
    # A runner stuck on the batch's first request reads nothing more: a batch written whole would
    # fill the pipe and the write would wait for ever; in pieces of PIPELINE_BYTES it never waits.
    transport = fake_runner(pipelined=True)
    big = "x" * 8192
    pads = [{"id": n, "pad": big} for n in range(2, 18)]  # two pipes full
    requests: list[dict[str, Any]] = [{"id": 1, "mode": "hang"}, *pads]
    results = transport.request_batch(requests, timeouts_s=[1] * len(requests))
    assert isinstance(results[0], TransportError)
    assert results[1:] == [{"id": n, "ok": True} for n in range(2, 18)]


def test_a_restarted_runners_crash_shows_only_its_own_words(fake: JsonLinesProcess) -> None:
    with pytest.raises(TransportError, match=r"exited with code 3: first crash$"):
        fake.request({"id": 1, "mode": "crash", "says": "first crash"}, timeout_s=30)
    with pytest.raises(TransportError, match=r"exited with code 3: second crash$"):
        fake.request({"id": 2, "mode": "crash", "says": "second crash"}, timeout_s=30)


def test_closing_kills_the_runner_process_group(fake: JsonLinesProcess) -> None:
    process = fake._process
    assert process is not None and process.poll() is None
    fake.close()
    assert process.poll() is not None


BREAKER = {"id": 9, "pattern": "circuit-breaker", "params": {"failure_threshold": 1, "break_ms": 50}}


def test_invocations_settle_one_by_one_and_the_run_with_the_last() -> None:
    answer = handle(
        {
            **BREAKER,
            "plan": {"op": [{"after_ms": 10, "fail": "transient"}, {"hang": True}, {"after_ms": 10, "ok": "T"}]},
            # the second starts and is cancelled at one instant: it starts first (armed first), then stops
            "invocations": [{"at_ms": 0}, {"at_ms": 60, "cancel_at_ms": 60}, {"at_ms": 80, "key": "op"}],
        }
    )
    assert answer["outcome"] == {"each": [{"fail": "transient", "from": "op#1"}, {"fail": "cancelled"}, {"ok": "T"}]}
    assert answer["settled_at_ms"] == [10, 60, 90]
    assert answer["elapsed_ms"] == 90
    assert [(e["t"], e["ev"], e["n"]) for e in answer["trace"]] == [
        (0, "call", 1), (10, "fail", 1), (60, "call", 2), (60, "cancel", 2), (80, "call", 3), (90, "ok", 3)
    ]  # fmt: skip


def test_an_instance_refused_up_front_is_the_runs_one_outcome() -> None:
    answer = handle(
        {**BREAKER, "params": {"failure_threshold": 0}, "plan": {"op": [{"ok": 1}]}, "invocations": [{"at_ms": 5}]}
    )
    assert answer["outcome"] == {"fail": "invalid"}
    assert answer["elapsed_ms"] == 0 and answer["trace"] == [] and "settled_at_ms" not in answer


def test_an_invocation_that_never_settles_leaves_the_run_unfinished() -> None:
    answer = handle({**BREAKER, "plan": {"op": [{"hang": True}]}, "invocations": [{"at_ms": 0}], "limit_ms": 100})
    assert answer["outcome"]["unfinished"] is True and "settled_at_ms" not in answer


def _timeout_run(implementation: Callable[..., Any]) -> dict[str, Any]:
    from asyncpatterns.runner.candidates import registered

    request = {
        "id": 1,
        "pattern": "timeout",
        "impl": "mine",
        "params": {"timeout_ms": 1000},
        "plan": {"op": [{"after_ms": 10, "ok": "v"}]},
    }
    with registered("timeout", "mine", implementation):
        return handle(request)


def test_a_run_its_wall_budget_stopped_says_so() -> None:
    """A virtual run stopped by its real-time budget is a reading of real time, as a block is: the
    answer says which (``stopped_by``), so that the harness tries it again before it counts."""
    from asyncpatterns.runner.candidates import registered

    async def spins(operation: Callable[[], Any], limit: float) -> Any:
        while True:  # busy for 0.1 ms at a time: never a block, but 10,000 spins of an instant take a second
            busy_until = time.perf_counter() + 0.0001
            while time.perf_counter() < busy_until:
                pass
            await asyncio.sleep(0)

    request = {"id": 1, "pattern": "timeout", "impl": "mine", "params": {"timeout_ms": 1000}, "wall_budget_s": 0.3}
    with registered("timeout", "mine", spins):
        answer = handle({**request, "plan": {"op": [{"after_ms": 10, "ok": "v"}]}})
    assert answer["outcome"]["reason"].startswith("used more than its wall-clock budget"), answer["outcome"]
    assert answer["stopped_by"] == "wall_budget"
    assert "stopped_by" not in _timeout_run(lambda operation, limit: operation())  # a run that settled


def test_a_task_left_running_after_the_pattern_settled_is_a_leak() -> None:
    """Work the implementation started and left scheduled -- a detached task that sleeps, or will
    call the operation again -- is a leak (PROTOCOL.md section 7, "work still pending"): it was
    invisible, since only operation calls in flight and open resources counted."""
    kept: list[asyncio.Task[Any]] = []

    async def detached_sleeper(operation: Callable[[], Any], limit: float) -> Any:
        kept.append(asyncio.create_task(asyncio.sleep(3600)))
        return await operation()

    async def calls_again_later(operation: Callable[[], Any], limit: float) -> Any:
        async def later() -> None:
            await asyncio.sleep(5)
            await operation()

        kept.append(asyncio.create_task(later()))
        return await operation()

    async def tidy(operation: Callable[[], Any], limit: float) -> Any:
        async with asyncio.TaskGroup() as group:
            call = group.create_task(operation())
            group.create_task(asyncio.sleep(0.001))
        return call.result()

    for leaky in (detached_sleeper, calls_again_later):
        answer = _timeout_run(leaky)
        assert answer["outcome"] == {"ok": "v"}, answer
        assert answer["leaks"] == ["work still pending"], leaky.__name__
    assert _timeout_run(tidy)["leaks"] == []


#: A runner's own parameters outside their domain (spec/PROTOCOL.md section 8): the resource's or
#: source's close time and the source's length. The fuzzer found the languages apart here: Python
#: crashed in `range(1.5)`, JavaScript yielded two items, C# refused; and all three took -1.
RUNNER_PARAMS_OUT = [
    ("async-stream", {"take": 1, "length": 1.5}),
    ("async-stream", {"take": 1, "length": -1}),
    ("async-stream", {"take": 1, "close_ms": -1}),
    ("cancellation-cleanup", {"close_ms": -1}),
    ("cancellation-cleanup", {"close_ms": 2**31}),
    ("connection-pool", {"size": 1, "close_ms": -0.5}),
    ("graceful-shutdown", {"close_ms": -1}),
]


@pytest.mark.parametrize(("pattern_id", "params"), RUNNER_PARAMS_OUT, ids=str)
def test_a_runners_own_parameter_out_of_its_domain_is_refused_up_front_in_every_language(
    asyncconf_engine: Any, pattern_id: str, params: dict[str, Any]
) -> None:
    from dataclasses import replace

    from asyncconf.pytest_plugin import ran_transports

    pattern = next(p for p in asyncconf_engine.patterns if p.id == pattern_id)
    scenario = replace(pattern.scenarios[0], params={**pattern.scenarios[0].params, **params})
    runs = []
    for lang in asyncconf_engine.langs:
        runs += ran_transports(lang, asyncconf_engine.run_scenario(scenario, lang))
    assert runs
    answers = {run.column: run.answer or {"error": run.reason} for run in runs}
    for column, answer in answers.items():
        assert (answer.get("outcome"), answer.get("elapsed_ms"), answer.get("trace")) == (
            {"fail": "invalid"},
            0,
            [],
        ), column
