"""The public Python seam (asyncconf.testing): your own implementation checked in a few lines,
with the reasons and the trace when it fails; n/a never a pass; usable from pytest-asyncio."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from asyncconf.testing import acheck_scenario, check_pattern, check_scenario, scenarios
from asyncpatterns.retry_backoff import retry


async def retry_without_a_cap(operation: Callable[[], Awaitable[Any]], **options: Any) -> Any:
    """A retry of our own that forgets max_delay: the mistake the spec exists to catch."""
    return await retry(operation, **{**options, "max_delay": 1e9})


def test_the_reference_itself_passes_every_scenario() -> None:
    report = check_pattern("retry-backoff", retry)
    assert report.ok, report.explain()
    assert {r.status for r in report.results} == {"pass"}


def test_a_wrong_implementation_fails_with_its_reasons_and_its_trace() -> None:
    report = check_pattern("retry-backoff", retry_without_a_cap)
    assert not report.ok
    [capped, *_] = [r for r in report.failures if r.scenario.id == "delay-is-capped"]
    text = capped.explain()
    assert text.startswith("FAIL retry-backoff/delay-is-capped")
    assert "calls_at_ms: expected" in text and "differs from the Python reference" in text
    assert "trace (yours | the reference's):" in text and "!" in text  # the differing events are marked


@pytest.mark.parametrize("blocks", [[True], [True, True], [True, False, True]])
def test_a_run_that_read_a_block_is_tried_once_more(blocks: list[bool]) -> None:
    # A block counts if it repeats: a stall of the test process does not, a block the code causes
    # does -- every other call too (a third try after a clean second).
    left = list(blocks)

    async def blocking_retry(operation: Callable[[], Awaitable[Any]], **options: Any) -> Any:
        if left and left.pop(0):
            # The loop's thread stalled, as a stall of the test process would: a blocking wait.
            # Not `time.sleep` (a named block: the runner replaces it on the virtual clock), nor a
            # busy wait (a loaded host's run-queue delay, which the watch leaves out, read it short).
            threading.Event().wait(0.08)
        return await retry(operation, **options)

    [scenario] = [param.values[0] for param in scenarios("retry-backoff") if param.id == "third-attempt-succeeds"]
    result = check_scenario(scenario, blocking_retry)
    assert result.first_try.startswith("blocked_ms: expected under 50, saw "), result.explain()
    assert "a second try: the first failed blocked_ms" in result.explain()
    assert result.status == ("pass" if blocks == [True] else "fail"), result.explain()


def test_a_sleep_on_the_first_call_only_fails_at_once() -> None:
    # A named block (a `time.sleep` the runner replaced) is exact: no second try passes a warm-up.
    calls = [0]

    async def warming_retry(operation: Callable[[], Awaitable[Any]], **options: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            time.sleep(0.08)  # noqa: ASYNC251 -- on purpose: a blocking sleep on the loop's thread
        return await retry(operation, **options)

    [scenario] = [param.values[0] for param in scenarios("retry-backoff") if param.id == "third-attempt-succeeds"]
    result = check_scenario(scenario, warming_retry)
    assert (result.status, result.first_try, calls[0]) == ("fail", "", 1), result.explain()
    assert "named_block_ms: expected under 50, saw 80" in result.explain()


def test_checks_gathered_at_once_run_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # The candidate registry is the process's: two runs at once could run each other's implementation.
    import asyncpatterns.runner

    real_handle = asyncpatterns.runner.handle
    inside, most = [0], [0]

    def counted(request: dict[str, Any]) -> dict[str, Any]:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.05)  # long enough for the other thread's check to come in
        try:
            return real_handle(request)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(asyncpatterns.runner, "handle", counted)
    [scenario] = [param.values[0] for param in scenarios("retry-backoff") if param.id == "delay-is-capped"]

    async def both() -> list[Any]:
        return list(
            await asyncio.gather(acheck_scenario(scenario, retry), acheck_scenario(scenario, retry_without_a_cap))
        )

    good, bad = asyncio.run(both())
    assert (good.status, bad.status, most[0]) == ("pass", "fail", 1)


def test_not_applicable_is_never_a_pass() -> None:
    def cannot_jitter(scenario: Any) -> str | None:
        return "no jitter hook" if scenario.params["jitter"] != "none" else None

    report = check_pattern("retry-backoff", retry, not_applicable=cannot_jitter)
    statuses = {r.status for r in report.results}
    assert statuses == {"pass", "n/a"} and report.ok
    everything = check_pattern("retry-backoff", retry, not_applicable=lambda scenario: "nothing")
    assert not everything.ok  # only n/a: nothing was checked


def test_the_readme_example_runs_as_printed() -> None:
    from asyncconf.testing import check_pattern
    from asyncpatterns.retry_backoff import retry as my_retry

    report = check_pattern("retry-backoff", my_retry)
    assert report.ok, report.explain()


@pytest.mark.parametrize("scenario", scenarios("timeout"))
def test_one_item_per_scenario(scenario: Any) -> None:
    from asyncpatterns.timeout import run_with_timeout

    check_scenario(scenario, run_with_timeout).assert_ok()


def test_it_works_inside_a_running_event_loop() -> None:
    from asyncpatterns.timeout import run_with_timeout

    [first] = scenarios("timeout")[:1]

    async def an_async_test() -> None:
        check_scenario(first.values[0], run_with_timeout).assert_ok()  # a loop is running here
        (await acheck_scenario(first.values[0], run_with_timeout)).assert_ok()

    asyncio.run(an_async_test())


def test_asyncconf_check_on_the_command_line(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from asyncconf.cli import main

    (tmp_path / "mine.py").write_text(
        "from asyncpatterns.retry_backoff import retry\n"
        "async def uncapped(operation, **options):\n"
        "    return await retry(operation, **{**options, 'max_delay': 1e9})\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "retry-backoff", "mine:retry"])
    assert result.exit_code == 0 and result.output.rstrip().endswith("OK"), result.output
    result = CliRunner().invoke(main, ["check", "retry-backoff", "mine:uncapped"])
    assert result.exit_code == 1 and "FAIL retry-backoff/delay-is-capped" in result.output
    assert result.output.rstrip().endswith("NOT OK")
    result = CliRunner().invoke(main, ["check", "retry-backoff", "mine:nope"])
    assert result.exit_code == 2 and "cannot import mine:nope" in result.output


ASYNC_SUITE = """
import pytest
from asyncconf.testing import acheck_scenario, check_scenario, scenarios
from asyncpatterns.timeout import run_with_timeout

@pytest.mark.asyncio
@pytest.mark.parametrize("scenario", scenarios("timeout")[:2])
async def test_inside_an_async_test(scenario):
    check_scenario(scenario, run_with_timeout).assert_ok()
    (await acheck_scenario(scenario, run_with_timeout)).assert_ok()
"""


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_the_helpers_work_in_a_pytest_asyncio_suite(tmp_path: Any, mode: str) -> None:
    import subprocess
    import sys

    (tmp_path / "test_async_suite.py").write_text(ASYNC_SUITE)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "asyncio", "-p", "no:asyncconf", "-p", "no:cacheprovider",
         "-o", f"asyncio_mode={mode}", "-o", "asyncio_default_fixture_loop_scope=function",
         str(tmp_path / "test_async_suite.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_an_n_a_scenario_is_skipped_by_assert_ok_never_passed() -> None:
    """The documented one-test-per-scenario idiom: an implementation that declared every scenario
    n/a got an all-green run (18 passed) -- n/a checked nothing, so each is a skip."""

    async def broken_retry(operation: Callable[[], Awaitable[Any]], **options: Any) -> Any:
        raise RuntimeError("not implemented")

    [scenario] = [param.values[0] for param in scenarios("retry-backoff") if param.id == "third-attempt-succeeds"]
    result = check_scenario(scenario, broken_retry, not_applicable=lambda s: "cannot express it")
    assert result.status == "n/a" and not result.ok
    with pytest.raises(pytest.skip.Exception, match="n/a: cannot express it"):
        result.assert_ok()


async def _exits_on_the_second_call(operation: Callable[..., Awaitable[Any]], limit: float) -> Any:
    from asyncpatterns.timeout import run_with_timeout

    _exits_on_the_second_call.calls += 1  # type: ignore[attr-defined]
    if _exits_on_the_second_call.calls == 2:  # type: ignore[attr-defined]
        import sys

        sys.exit(0)
    return await run_with_timeout(operation, limit)


async def _exits_from_a_callback(operation: Callable[..., Awaitable[Any]], limit: float) -> Any:
    import sys

    asyncio.get_running_loop().call_soon(sys.exit, 3)  # asyncio lets SystemExit out of its loop
    await asyncio.sleep(0.001)
    return await operation()


@pytest.mark.parametrize("implementation", [_exits_on_the_second_call, _exits_from_a_callback])
def test_an_implementation_that_calls_sys_exit_crashed(implementation: Any) -> None:
    """The runner took the implementation's SystemExit for an interrupt: it ended the check, and
    `asyncconf check` exited 0 with no verdict (the harness turns signals into KeyboardInterrupt)."""
    implementation.calls = 0
    report = check_pattern("timeout", implementation)
    assert not report.ok
    crashed = [r for r in report.results if r.status == "error"]
    assert crashed and all("crashed with SystemExit" in r.explain() for r in crashed), report.explain()


def test_a_name_of_ours_or_an_unknown_pattern_is_refused_up_front() -> None:
    """Registered under an anti-pattern's id, the user's implementation was replaced by ours (the runner
    looked ours up first) and judged as ours; under a pattern that does not exist, it never ran."""
    from asyncpatterns.runner.candidates import registered

    for pattern, name, said in [
        ("timeout", "leaves-running", "`leaves-running` is ours for timeout"),
        ("timeout", "reference", "`reference` is ours for timeout"),
        ("retry", "mine", "no pattern 'retry'"),
    ]:
        with pytest.raises(ValueError, match=said), registered(pattern, name, _exits_from_a_callback):
            pass
