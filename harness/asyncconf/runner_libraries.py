"""Libraries checked through a runner of their own: the C# seam's (``AsyncConf.Runner.Candidates``).

A C# library's adapter is a small console project that registers the library as a *candidate*
and serves it (``CandidateRunner.Serve``); the harness runs it as ``asyncconf run --runner
'csharp=dotnet X.dll'`` would, and the verdicts -- the harness's checker's, never a second one --
are recorded in ``libraries/results/<language>-<library>.json``, the format of
``asyncconf.libraries``, so that ``asyncconf libraries --markdown`` renders them with the others.

    python -m asyncconf.runner_libraries            # run, compare with the recorded results (1: changed)
    python -m asyncconf.runner_libraries --record   # write them

Each failure's cause, as found, is given here (``why``), as a Python adapter gives it.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import libraries
from .engine import Engine
from .paths import CSHARP_DIR, ROOT
from .spec import load_spec
from .transports import processes
from .transports.dotnet import QUIET, build_lock, find_dotnet

CONFIGURATION = "Release"


@dataclass(frozen=True)
class RunnerCheck:
    """One pattern of a library, served by its runner as the candidate ``impl``."""

    pattern: str
    impl: str
    #: what of the library is used, as the table names it
    api: str
    #: scenario id -> why it fails, as found
    why: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunnerLibrary:
    language: str
    library: str
    version: str
    #: the adapter's project folder, relative to the checkout
    project: str
    checks: Sequence[RunnerCheck]

    @property
    def adapter(self) -> str:
        return f"{self.project}/Program.cs"

    def command(self) -> list[str]:
        """Build the libraries (once per process: ``build_all``) and return the command that serves this one."""
        dotnet = find_dotnet()
        build_all(dotnet)
        folder = ROOT / self.project
        dll = next((folder / "bin" / CONFIGURATION).glob(f"*/{folder.name}.dll"))
        return [dotnet, str(dll)]


#: Every C# library's project, built together: one ``dotnet build`` costs about what one project's did (7 s here when
#: nothing changed), and a build per project cost that again for each. Outside csharp/, where AsyncConf.slnx must be
#: the only solution.
SOLUTION = ROOT / "libraries" / "csharp.slnx"


#: The projects the libraries reference (the seam, the references) are not in their solution, and a solution build
#: gives such a project MSBuild's default configuration, Debug (dotnet/cli#8935): the libraries then ran on a second,
#: Debug build of the seam -- not the Release build the harness checks -- at the cost of two more compiles. Given on the
#: command line: set in csharp/Directory.Build.props, it makes NuGet's restore fail without a word (SDK 10.0.401).
SAME_CONFIGURATION = "-p:ShouldUnsetParentConfigurationAndPlatform=false"


@functools.cache
def build_all(dotnet: str) -> None:
    """``dotnet build`` the libraries' solution, under the harness's build lock (it shares the runner's projects)."""
    with build_lock(CSHARP_DIR) as lock:
        result = processes.run(
            [
                dotnet,
                "build",
                str(SOLUTION),
                "-c",
                CONFIGURATION,
                "-nologo",
                "--disable-build-servers",
                SAME_CONFIGURATION,
            ],
            what="dotnet build",
            cwd=CSHARP_DIR,
            env={**os.environ, **QUIET},
            timeout_s=1800,
            keep=lock,
        )
    if result.returncode != 0:
        raise RuntimeError(f"dotnet build {SOLUTION.name} failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")


POLLY_INVALID = (
    "refused up front, but with Polly's own `ValidationException` (DataAnnotations), not an `ArgumentException`: "
    "kind `other`, not `invalid`"
)

POLLY_ONE_FAILURE = (
    "when every attempt failed, Polly's hedging gives one failure (here the first attempt's, also the first to fail), "
    "not a group of every one"
)
POLLY_HEDGES_ON_ANY_FAILURE = (
    "Polly starts the next attempt at once when any attempt fails, also while another is still running; the spec "
    "starts it early only when every started one has failed (R4)"
)

POLLY_CANCELLATION_IS_A_SUCCESS = (
    "Polly counts an outcome its `ShouldHandle` does not handle -- the caller's cancellation, an "
    "`OperationCanceledException`, under its default predicate -- as a success (`OnUnhandledOutcomeAsync`): op#1 and "
    "op#3 failed and the cancelled call succeeded, a failure ratio of 2/3, under `FailureRatio` 1.0, so the circuit "
    "stays closed and the call at 120 runs (the spec counts the caller's cancellation as nothing, R6)"
)
POLLY_COUNTS_A_RATIO = (
    "Polly opens on a failure ratio over its sampling window, not on consecutive failures: with `FailureRatio` 1.0 "
    "and `MinimumThroughput` 2, fail, succeed, fail, fail is a ratio of 3/4, so the circuit stays closed and the call "
    "at 160 runs (the spec counts again from the success and opens at 130, R2)"
)
POLLY_TAKES_A_NEGATIVE_BREAK = (
    "Polly takes a negative break from `BreakDurationGenerator`, which it does not validate (only the `BreakDuration` "
    "option is, from 0.5 s, and it would refuse -1 ms with its `ValidationException`, kind `other`): the call runs"
)

POLLY = RunnerLibrary(
    "csharp",
    "polly",
    "8.9.1",
    "csharp/Libraries.Polly",
    [
        RunnerCheck(
            "retry-backoff",
            "polly",
            "AddRetry(RetryStrategyOptions, Exponential)",
            {
                "zero-attempts-is-invalid": POLLY_INVALID,
                "delay-past-the-longest-timer-is-invalid": POLLY_INVALID
                + "; Polly's `MaxDelay` is validated up to 1 day, the spec's limit is 2147483647 ms",
                "negative-base-delay-ms-is-invalid": POLLY_INVALID + "; Polly's `Delay` is validated from 0 to 1 day",
                "base-delay-ms-past-the-largest-is-invalid": POLLY_INVALID
                + "; Polly's `Delay` is validated from 0 to 1 day",
                "negative-max-delay-ms-is-invalid": POLLY_INVALID + "; Polly's `MaxDelay` is validated from 0 to 1 day",
            },
        ),
        RunnerCheck(
            "timeout",
            "polly",
            "AddTimeout(TimeSpan)",
            {
                "zero-limit-is-invalid": POLLY_INVALID,
                "negative-limit-is-invalid": POLLY_INVALID + "; Polly's `Timeout` is validated from 10 ms to 1 day, "
                "so -5 ms is refused by that range",
                "limit-below-one-is-invalid": POLLY_INVALID + "; Polly's `Timeout` is validated from 10 ms to 1 day, "
                "so 0.3 ms is refused by that range",
                "limit-past-the-longest-timer-is-invalid": POLLY_INVALID,
                "longest-limit": "Polly's `Timeout` is validated from 10 ms to 1 day: a limit the spec allows "
                "(2147483647 ms) is refused",
                "fractional-limit-rounds-half-up": "no rounding: Polly hands the `TimeSpan` to a "
                "`CancellationTokenSource`, which cuts 10.5 ms to 10 before the `TimeProvider` sees it "
                "(the spec rounds halves up, PROTOCOL.md section 5)",
            },
        ),
        RunnerCheck(
            "circuit-breaker",
            "polly",
            "AddCircuitBreaker(CircuitBreakerStrategyOptions)",
            {
                "caller-cancellation-does-not-count": POLLY_CANCELLATION_IS_A_SUCCESS,
                "counts-again-after-a-success": POLLY_COUNTS_A_RATIO,
                "refuses-zero-threshold": POLLY_INVALID,
                "refuses-negative-break": POLLY_TAKES_A_NEGATIVE_BREAK,
                "refuses-break-ms-past-the-largest": "Polly takes a break of 2147483648 ms from "
                "`BreakDurationGenerator`, which it does not validate: the call runs",
            },
        ),
        RunnerCheck(
            "racing",
            "polly",
            "AddHedging(HedgingStrategyOptions)",
            {
                "every-alternative-fails": POLLY_ONE_FAILURE,
                "hedge-ms-past-the-largest-is-invalid": "Polly takes a hedging delay of 2147483648 ms, past the "
                "spec's longest timer: the first alternative runs and wins",
                "hedged-alternatives-all-fail": POLLY_ONE_FAILURE + "; " + POLLY_HEDGES_ON_ANY_FAILURE,
                "own-cancellation-starts-the-next-and-is-grouped": POLLY_ONE_FAILURE,
                "starts-early-only-when-all-failed": POLLY_HEDGES_ON_ANY_FAILURE,
                "caller-cancels-while-the-losers-stop": "a cancellation that comes after an attempt has won, while "
                "Polly waits for the others to stop, is dropped: Polly returns the value (the spec propagates it, R8)",
                "negative-hedge-is-invalid": "Polly takes a negative `Delay`: its fallback mode (a new attempt only "
                "when the previous one failed), where the spec refuses it",
                "sub-millisecond-hedge-is-invalid": "Polly takes a `Delay` of 0.4 ms, which the spec refuses (it would "
                "be a 0 ms timer in one runtime and none in another)",
                "hedge-below-a-tick-is-invalid": "Polly takes a `Delay` of one tick (1e-18 ms reaches it as the "
                "least a `TimeSpan` holds), which the spec refuses: every alternative starts at once and the first "
                "to succeed wins",
            },
        ),
    ],
)

WAITASYNC_LEAVES_IT_RUNNING = (
    "`WaitAsync` stops waiting at the limit but has no way to cancel the task it waits for: no result at the limit, "
    "the operation left running"
)
WAITASYNC_RETURNS_BEFORE_IT_STOPS = (
    "on the caller's cancellation `WaitAsync` completes at once, without waiting for the operation -- given the same "
    "token -- to stop: when it returns, the operation is still running"
)
WHENALL_CANCELS_NOTHING = (
    "`Task.WhenAll` cancels nothing: it waits for every task, and a sibling that hangs keeps it waiting for ever"
)
WHENALL_GROUPS_EVERY_FAILURE = (
    "`Task.WhenAll` cancels nothing: it waits for every task (c's success at 30 ms) and groups every failure, b's "
    "too, where the spec cancels the others at the first failure and reports that one"
)

# .NET's own task APIs, as python-stdlib is asyncio's: the version is the framework every project under csharp/
# targets (Directory.Build.props).
DOTNET = RunnerLibrary(
    "csharp",
    "dotnet",
    "10.0",
    "csharp/Libraries.Dotnet",
    [
        RunnerCheck(
            "timeout",
            "waitasync",
            "Task.WaitAsync(TimeSpan, TimeProvider, CancellationToken)",
            {
                "exceeds-limit": WAITASYNC_LEAVES_IT_RUNNING,
                "slow-to-stop": WAITASYNC_LEAVES_IT_RUNNING + ", so it does not wait for it to stop",
                "own-timeout-error-propagates": "the operation's own `TimeoutException` is the type `WaitAsync` throws "
                "at its limit, and nothing it documents tells them apart: both are no result",
                "caller-cancels": WAITASYNC_RETURNS_BEFORE_IT_STOPS,
                "limit-expires-while-a-cancelled-operation-stops": WAITASYNC_RETURNS_BEFORE_IT_STOPS,
                "completes-at-the-limit": "takes a task: the operation is called before `WaitAsync` arms its timer, "
                "so at the same instant the operation completes first",
                "zero-limit-is-invalid": "takes a zero limit, as expired already: no result at once, the operation "
                "left running",
                "negative-limit-is-invalid": "takes a task, so the operation is called first: `WaitAsync` refuses a "
                "negative `TimeSpan` (other than -1 ms, `InfiniteTimeSpan`) only after the operation has started: "
                "`ArgumentOutOfRangeException`, no refusal up front",
                "limit-below-one-is-invalid": "no refusal: `WaitAsync` cuts 0.3 ms to whole milliseconds, 0, and takes "
                "that as expired already: no result at once, the operation left running",
                "limit-past-the-longest-timer-is-invalid": "takes a limit past 2147483647 ms (it accepts up to "
                "4294967294 ms): the operation completes at 10 ms",
                "fractional-limit-rounds-half-up": "no rounding: `WaitAsync` hands the `TimeProvider` whole "
                "milliseconds, 10.5 cut to 10 (the spec rounds halves up, PROTOCOL.md section 5); and it leaves the "
                "operation running",
            },
        ),
        RunnerCheck(
            "task-group",
            "whenall",
            "Task.WhenAll",
            {
                "failure-cancels-siblings": WHENALL_CANCELS_NOTHING,
                "waits-for-slow-sibling": WHENALL_CANCELS_NOTHING,
                "own-cancellation-is-a-failure": WHENALL_CANCELS_NOTHING,
                "failures-at-one-instant": WHENALL_GROUPS_EVERY_FAILURE,
                "failures-at-once": WHENALL_GROUPS_EVERY_FAILURE,
            },
        ),
        # Its pass of slot-freed-and-failure-at-one-instant rests on a race of real threads: Parallel.ForEachAsync calls
        # a and b from two pool workers, and the one that calls first arms the timer that fires first at 10 ms. The
        # library's runner process spins its idle pool workers (the default), and a came first in 300 of 300 runs; with
        # DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 (as the harness's own runner runs) b came first in 143 of 300,
        # failed first, and a was cancelled. The virtual clock fires timers in the order they were armed (PROTOCOL.md
        # section 5, rule 3); which of two threads arms first at one instant is the host's to decide, not the spec's.
        RunnerCheck("bounded-concurrency", "parallel-foreachasync", "Parallel.ForEachAsync(ParallelOptions)"),
    ],
)

DATAFLOW_WAITS_FOR_THE_HUNG = (
    "the block cancels none of its running delegates when one fails (b), and completes only once they have ended: "
    "the one that hangs never does"
)

# TPL Dataflow, Microsoft's package (not part of .NET itself).
DATAFLOW = RunnerLibrary(
    "csharp",
    "dataflow",
    "11.0.0",
    "csharp/Libraries.Dataflow",
    [
        RunnerCheck(
            "bounded-concurrency",
            "transformblock",
            "TransformBlock(MaxDegreeOfParallelism)",
            {
                "failure-stops-the-rest": DATAFLOW_WAITS_FOR_THE_HUNG + " (a)",
                "failure-waits-for-the-cancelled-to-stop": DATAFLOW_WAITS_FOR_THE_HUNG + " (a, which would stop 5 ms "
                "after a cancellation, is never cancelled)",
                "own-cancellation-stops-the-rest": "b's own cancellation does not end the block, which cancels "
                "nothing: a, which hangs, keeps it from ever completing",
                "slot-freed-and-failure-at-one-instant": DATAFLOW_WAITS_FOR_THE_HUNG + " (c)",
            },
        )
    ],
)

# Nito.AsyncEx's AsyncLock; the adapter adds the counter it guards (the pattern's state), as anyio's Lock adapter.
NITO = RunnerLibrary(
    "csharp",
    "nito.asyncex",
    "5.1.2",
    "csharp/Libraries.Nito",
    [RunnerCheck("async-lock", "nito-asynclock", "AsyncLock.LockAsync(CancellationToken)")],
)

LIBRARIES = [POLLY, DOTNET, NITO, DATAFLOW]


def run(library: RunnerLibrary, command: list[str]) -> tuple[libraries.LibraryResults, list[str]]:
    """Every scenario of the library's checks through its runner: its results, and failures without a ``why``."""
    patterns = {p.id: p for p in load_spec()}
    chosen = [patterns[c.pattern] for c in library.checks]
    checks, problems = [], []
    with Engine(chosen, [library.language], runners={library.language: command}) as engine:
        engine.open_all()
        for check in library.checks:
            outcomes: dict[str, libraries.Outcome] = {}
            for scenario in patterns[check.pattern].scenarios:
                runs = engine.run_scenario(scenario, library.language, check.impl)
                mine = [r for r in runs if r.transport == "custom"]
                if len(mine) != 1:
                    raise RuntimeError(f"{check.pattern}/{scenario.id}: the runner did not run {check.impl!r}")
                run = mine[0]
                if run.status == "pass":
                    outcomes[scenario.id] = libraries.Outcome("pass")
                elif run.status == "n/a" or run.skip_cause == "not-in-language":
                    # not-in-language: a value the language cannot even hand the library (the spec's not_in)
                    outcomes[scenario.id] = libraries.Outcome("n/a", run.reason)
                else:
                    why = check.why.get(scenario.id, "")
                    if not why:
                        problems.append(f"{check.pattern}/{scenario.id}: {run.status} with no `why` ({run.reason})")
                    outcomes[scenario.id] = libraries.Outcome(run.status, why, run.reason)
            problems += [
                f"{check.pattern}/{sid}: a `why`, but it is {outcomes[sid].status if sid in outcomes else 'unknown'}"
                for sid in check.why
                if sid not in outcomes or outcomes[sid].status not in ("fail", "error")
            ]
            checks.append(libraries.Check(check.pattern, check.api, library.adapter, outcomes))
    return libraries.LibraryResults(library.language, library.library, library.version, checks), problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asyncconf.runner_libraries", description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write the results into libraries/results/")
    args = parser.parse_args(argv)
    recorded = {(r.language, r.library): r for r in libraries.read_results()}
    status = 0
    for library in LIBRARIES:
        fresh, problems = run(library, library.command())
        for line in problems:
            print(f"{library.library}: {line}", file=sys.stderr)
        if problems:
            status = 1
            continue
        if args.record:
            print(f"wrote {libraries.write_results([fresh])[0].relative_to(ROOT)}")
            continue
        changed = libraries.differences(recorded.get((library.language, library.library)), fresh)
        for line in changed:
            print(line, file=sys.stderr)
        status |= 1 if changed else 0
        print("\n".join(libraries.summary_lines([fresh])))
    return status


if __name__ == "__main__":
    sys.exit(main())
