"""Check the C# runner against the spec, outside the harness.

    .venv/bin/python csharp/scripts/conformance.py compare       # reference vs Python; both C# transports
    .venv/bin/python csharp/scripts/conformance.py antipatterns  # anti-patterns fail scenarios, and back

(run from the repository root).

``compare`` builds each scenario's request as the harness does (params = the spec's params merged with the
scenario's; plan; cancel_at_ms; random; clock virtual), runs it through the Python runner
(``python -m asyncpatterns.runner``), the C# console runner and the C# in-process entry
(``AsyncConf.Runner.Protocol.Handle`` through pythonnet), and requires: the same outcome, elapsed_ms, leaks,
and trace (events of the same ``t`` sorted by (ev, key, n)) as Python, and byte-identical answers from the
two C# transports (also for every anti-pattern run, describe and check_api).
``antipatterns`` evaluates each scenario's ``expect:`` (a small stand-in for the harness's checker) for
every C# anti-pattern. Build first: ``dotnet build csharp/AsyncPatterns.Runner`` (or pass
``-c Release`` after ``dotnet build csharp/AsyncPatterns.Runner -c Release``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CSHARP = ROOT / "csharp"
PATTERNS = ROOT / "spec" / "patterns"
CONFIGURATION = "Debug"  # --configuration Release for the harness's build


def core_bin() -> Path:
    return CSHARP / "AsyncPatterns.Runner.Core" / "bin" / CONFIGURATION / "net10.0"


def runner_dll() -> Path:
    return CSHARP / "AsyncPatterns.Runner" / "bin" / CONFIGURATION / "net10.0" / "AsyncPatterns.Runner.dll"


def scenarios() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(pattern id, spec, scenario) for every scenario of every spec file."""
    found = []
    for path in sorted(PATTERNS.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        for scenario in spec["scenarios"]:
            found.append((spec["id"], spec, scenario))
    return found


def request(
    number: int, spec: dict[str, Any], scenario: dict[str, Any], impl: str = "reference"
) -> dict[str, Any]:
    return {
        "id": number,
        "op": "run",
        "pattern": spec["id"],
        "impl": impl,
        "params": {**spec.get("params", {}), **scenario.get("params", {})},
        "plan": scenario.get("plan", {}),
        "cancel_at_ms": scenario.get("cancel_at_ms"),
        "random": scenario.get("random", []),
        "clock": "virtual",
    }


def run_process(command: list[str], requests: list[dict[str, Any]], cwd: Path) -> list[str]:
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    done = subprocess.run(
        command, input=lines, capture_output=True, text=True, cwd=cwd, timeout=600, check=True
    )
    answers = done.stdout.splitlines()
    if len(answers) != len(requests):
        raise SystemExit(f"{command[0]}: {len(answers)} answers to {len(requests)} requests\n{done.stderr}")
    return answers


def python_runner(requests: list[dict[str, Any]]) -> list[str]:
    return run_process([str(ROOT / ".venv" / "bin" / "python"), "-m", "asyncpatterns.runner"], requests, ROOT)


def csharp_console(requests: list[dict[str, Any]]) -> list[str]:
    return run_process(["dotnet", str(runner_dll())], requests, ROOT)


def csharp_in_process(requests: list[dict[str, Any]]) -> list[str]:
    import pythonnet

    pythonnet.load("coreclr", runtime_config=str(core_bin() / "AsyncPatterns.Runner.Core.runtimeconfig.json"))
    import clr

    clr.AddReference(str(core_bin() / "AsyncPatterns.Runner.Core.dll"))
    from AsyncConf.Runner import Protocol  # type: ignore[import-not-found]

    return [str(Protocol.Handle(json.dumps(r))) for r in requests]


def canonical_trace(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events by time; events of the same time in (ev, key, n) order (stable within a time otherwise)."""
    return sorted(trace, key=lambda e: (e["t"], e["ev"], e["key"], e["n"]))


def compare(_: argparse.Namespace) -> int:
    cases = scenarios()
    requests = [request(i, spec, scenario) for i, (_, spec, scenario) in enumerate(cases)]
    python = [json.loads(line) for line in python_runner(requests)]
    console = csharp_console(requests)
    in_process = csharp_in_process(requests)
    identical = byte_identical = 0
    for (pattern, _, scenario), py, cs_line, ip_line in zip(cases, python, console, in_process, strict=True):
        cs = json.loads(cs_line)
        name = f"{pattern}/{scenario['id']}"
        problems = []
        if "error" in cs or "error" in py:
            problems.append(f"error answer: python {py.get('error')} csharp {cs.get('error')}")
        else:
            for field in ("outcome", "elapsed_ms", "leaks"):
                if py[field] != cs[field]:
                    problems.append(f"{field}: python {py[field]} != csharp {cs[field]}")
            py_trace, cs_trace = canonical_trace(py["trace"]), canonical_trace(cs["trace"])
            if py_trace != cs_trace:
                problems.append(f"trace:\n  python {py_trace}\n  csharp {cs_trace}")
        if cs_line == ip_line:
            byte_identical += 1
        else:
            problems.append(f"transports differ:\n  console    {cs_line}\n  in-process {ip_line}")
        if not problems:
            identical += 1
        print(("ok   " if not problems else "DIFF ") + name)
        for problem in problems:
            print("     " + problem)
    print(
        f"\n{identical} of {len(cases)} scenarios identical to Python; "
        f"{byte_identical} of {len(cases)} byte-identical between the console and in-process transports"
    )

    # Every anti-pattern too, through both C# transports (no Python comparison: they differ on purpose).
    describe = json.loads(csharp_console([{"id": 0, "op": "describe"}])[0])["patterns"]
    anti = [
        request(i, spec, scenario, impl)
        for i, (pattern, spec, scenario) in enumerate(cases)
        for impl in describe[pattern][1:]
    ]
    extra = [
        {"id": "describe", "op": "describe"},
        {"id": "api", "op": "check_api", "names": ["System.IAsyncDisposable", "No.Such.Type"]},
    ]
    console_all = csharp_console(anti + extra)
    in_process_all = csharp_in_process(anti + extra)
    same = sum(a == b for a, b in zip(console_all, in_process_all, strict=True))
    for r, a, b in zip(anti + extra, console_all, in_process_all, strict=True):
        if a != b:
            print(f"DIFF transports {r.get('pattern')}/{r.get('impl')}:\n  console    {a}\n  in-process {b}")
    print(
        f"{same} of {len(anti) + len(extra)} anti-pattern/describe/check_api answers "
        "byte-identical between the two C# transports"
    )
    return 0 if identical == byte_identical == len(cases) and same == len(anti) + len(extra) else 1


# -- a small stand-in for the harness's checker ------------------------------------------------------------
def _events(answer: dict[str, Any], ev: str) -> dict[str, list[int]]:
    by_key: dict[str, list[int]] = {}
    for e in answer["trace"]:
        if e["ev"] == ev:
            by_key.setdefault(e["key"], []).append(e["t"])
    return by_key


def _max_in_flight(answer: dict[str, Any]) -> int:
    # Within one millisecond, ends before starts: the order of events at one instant is not compared.
    order = {"ok": 0, "fail": 0, "cancel": 0, "call": 1}
    running = best = 0
    for e in sorted((e for e in answer["trace"] if e["ev"] in order), key=lambda e: (e["t"], order[e["ev"]])):
        running += 1 if e["ev"] == "call" else -1
        best = max(best, running)
    return best


def _number_ok(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return (
            actual is not None
            and actual <= expected.get("max", actual)
            and actual >= expected.get("min", actual)
        )
    return bool(expected == actual)


def failures(scenario: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """Which expectations of ``scenario`` the answer breaks (empty: it passes)."""
    if "error" in answer:
        return [f"error {answer['error']}"]
    if answer["outcome"].get("unfinished"):
        return [f"unfinished: {answer['outcome']['reason']}"]
    expect = scenario["expect"]
    broken = []
    if "outcome" in expect and expect["outcome"] != answer["outcome"]:
        broken.append(f"outcome {answer['outcome']}")
    if "elapsed_ms" in expect and not _number_ok(expect["elapsed_ms"], answer["elapsed_ms"]):
        broken.append(f"elapsed_ms {answer['elapsed_ms']}")
    calls = _events(answer, "call")
    if "calls" in expect:
        wanted = expect["calls"]
        if isinstance(wanted, dict):
            got = {key: len(calls.get(key, [])) for key in wanted}
            if any(not _number_ok(wanted[k], got[k]) for k in wanted):
                broken.append(f"calls {got}")
        elif not _number_ok(wanted, sum(len(v) for v in calls.values())):
            broken.append(f"calls {sum(len(v) for v in calls.values())}")
    for check, ev in (("calls_at_ms", "call"), ("cancelled_at_ms", "cancel"), ("closed_at_ms", "close")):
        if check in expect:
            got_times = _events(answer, ev)
            got = {key: got_times.get(key, []) for key in expect[check]}
            if got != expect[check]:
                broken.append(f"{check} {got}")
    if "cancelled" in expect and sorted(_events(answer, "cancel")) != sorted(expect["cancelled"]):
        broken.append(f"cancelled {sorted(_events(answer, 'cancel'))}")
    if "max_in_flight" in expect and not _number_ok(expect["max_in_flight"], _max_in_flight(answer)):
        broken.append(f"max_in_flight {_max_in_flight(answer)}")
    if expect.get("leaks", "none") != "any" and answer["leaks"]:
        broken.append(f"leaks {answer['leaks']}")
    return broken


def antipatterns(args: argparse.Namespace) -> int:
    cases = scenarios()
    describe = json.loads(csharp_console([{"id": 0, "op": "describe"}])[0])["patterns"]
    requests, keys = [], []
    for pattern, spec, scenario in cases:
        for impl in describe[pattern]:
            keys.append((pattern, scenario, impl))
            requests.append(request(len(requests), spec, scenario, impl))
    answers = [json.loads(line) for line in csharp_console(requests)]
    failed_by: dict[tuple[str, str], list[str]] = {}
    fails: dict[tuple[str, str], list[str]] = {}
    status = 0
    for (pattern, scenario, impl), answer in zip(keys, answers, strict=True):
        broken = failures(scenario, answer)
        if impl == "reference":
            if broken:
                status = 1
                print(f"REFERENCE FAILS {pattern}/{scenario['id']}: {broken}")
            continue
        if broken:
            failed_by.setdefault((pattern, scenario["id"]), []).append(impl)
            fails.setdefault((pattern, impl), []).append(scenario["id"])
            if args.verbose:
                print(f"  {pattern}/{impl} fails {scenario['id']}: {'; '.join(broken)}")
    print("\nanti-pattern -> scenarios it fails")
    for pattern in sorted(describe):
        for impl in describe[pattern][1:]:
            got = fails.get((pattern, impl), [])
            if not got:
                status = 1
            print(f"  {pattern}/{impl}: {', '.join(got) if got else 'NONE (not rejected)'}")
    print("\nscenario -> anti-patterns that fail it")
    for pattern, _, scenario in cases:
        got = failed_by.get((pattern, scenario["id"]), [])
        if not got:
            status = 1
        print(f"  {pattern}/{scenario['id']}: {', '.join(got) if got else 'NONE'}")
    return status


def main() -> int:
    global CONFIGURATION  # noqa: PLW0603 -- one setting for the whole script
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "-c", "--configuration", default=CONFIGURATION, help="the build to use: Debug, Release"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("compare").set_defaults(func=compare)
    anti = sub.add_parser("antipatterns")
    anti.add_argument("-v", "--verbose", action="store_true")
    anti.set_defaults(func=antipatterns)
    args = parser.parse_args()
    CONFIGURATION = args.configuration
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
