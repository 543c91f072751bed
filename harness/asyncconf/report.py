"""Reports of a run: the summary and verdict, the pattern x language matrix, JSON and JUnit."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .engine import Run


def _columns(runs: Iterable[Run]) -> list[str]:
    """``lang/transport`` of every spec run; a language that did not run at all shows as ``lang/-``."""
    columns: list[str] = []
    for run in runs:
        label = f"{run.lang}/{run.transport}"
        if run.check == "spec" and label not in columns:
            columns.append(label)
    ran = {column.split("/")[0] for column in columns if not column.endswith("/-")}
    return [column for column in columns if not (column.endswith("/-") and column.split("/")[0] in ran)]


def antipattern_verdicts(runs: Iterable[Run]) -> dict[tuple[str, str, str, str], str]:
    """(lang, transport, pattern, impl) -> rejected | missed | skipped, for every anti-pattern run."""
    statuses: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for run in runs:
        if run.check == "spec" and run.impl != "reference":
            statuses[(run.lang, run.transport, run.pattern, run.impl)].add(run.status)
    return {
        key: "rejected" if "fail" in seen else ("skipped" if seen == {"skip"} else "missed")
        for key, seen in statuses.items()
    }


def uncaught_scenarios(runs: Iterable[Run]) -> list[str]:
    """Scenarios that no anti-pattern of a language failed (only where anti-patterns ran)."""
    caught: dict[tuple[str, str, str, str], bool] = {}
    for run in runs:
        if run.check == "spec" and run.impl != "reference" and run.status in ("pass", "fail"):
            key = (run.lang, run.transport, run.pattern, run.scenario)
            caught[key] = caught.get(key, False) or run.status == "fail"
    return sorted(
        f"{lang}/{transport} {pattern}/{scenario}"
        for (lang, transport, pattern, scenario), ok in caught.items()
        if not ok
    )


def summarize(runs: Sequence[Run], *, required: Iterable[str] = ()) -> dict[str, Any]:
    reference = Counter(run.status for run in runs if run.check == "spec" and run.impl == "reference")
    verdicts = antipattern_verdicts(runs)
    missed = sorted(
        f"{lang}/{transport} {pattern}:{impl}"
        for (lang, transport, pattern, impl), v in verdicts.items()
        if v == "missed"
    )
    equivalence = Counter(run.status for run in runs if run.check == "equivalence")
    required_skipped = sorted(
        {run.lang for run in runs if run.lang in set(required) and run.status == "skip" and run.transport == "-"}
    )
    ok = (
        reference["fail"] == 0
        and reference["error"] == 0
        and not missed
        and equivalence["fail"] == 0
        and not required_skipped
    )
    return {
        "ok": ok,
        "reference": {status: reference[status] for status in ("pass", "fail", "error", "skip")},
        "antipatterns": {
            "total": len(verdicts),
            "rejected": sum(v == "rejected" for v in verdicts.values()),
            "skipped": sum(v == "skipped" for v in verdicts.values()),
            "missed": missed,
        },
        "equivalence": {status: equivalence[status] for status in ("pass", "fail")},
        "scenarios_no_antipattern_fails": uncaught_scenarios(runs),
        "required_languages_skipped": required_skipped,
    }


# -- the matrix ------------------------------------------------------------------------------------------


def matrix_rows(runs: Sequence[Run]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the pattern x language/transport matrix, as plain text cells."""
    columns = _columns(runs)
    patterns = list(dict.fromkeys(run.pattern for run in runs))
    verdicts = antipattern_verdicts(runs)
    header = ["pattern", *columns, "equivalence"]
    rows = []
    for pattern in patterns:
        row = [pattern]
        for column in columns:
            lang, transport = column.split("/", 1)
            mine = [
                r
                for r in runs
                if r.pattern == pattern and r.check == "spec" and r.lang == lang and r.transport in (transport, "-")
            ]
            row.append(_cell(mine, verdicts, lang, transport, pattern))
        equivalent = [r for r in runs if r.pattern == pattern and r.check == "equivalence"]
        failed = sum(r.status == "fail" for r in equivalent)
        row.append(
            "-"
            if not equivalent
            else (f"same ({len(equivalent)})" if not failed else f"DIFFERS ({failed}/{len(equivalent)})")
        )
        rows.append(row)
    return header, rows


def _cell(
    runs: list[Run], verdicts: dict[tuple[str, str, str, str], str], lang: str, transport: str, pattern: str
) -> str:
    reference = [r for r in runs if r.impl == "reference"]
    if reference and all(r.status == "skip" for r in reference):
        return "skip"
    passed = sum(r.status == "pass" for r in reference)
    ran = sum(r.status != "skip" for r in reference)
    cell = f"{passed}/{ran} pass" if passed == ran else f"{passed}/{ran} pass, {ran - passed} FAIL"
    skipped = len(reference) - ran
    if skipped:
        cell += f", {skipped} skip"
    mine = {impl: v for (l_, t, p, impl), v in verdicts.items() if (l_, t, p) == (lang, transport, pattern)}
    if mine:
        rejected = sum(v == "rejected" for v in mine.values())
        cell += f"; anti {rejected}/{len(mine)}"
    return cell


def render_markdown(runs: Sequence[Run]) -> str:
    header, rows = matrix_rows(runs)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# -- files ------------------------------------------------------------------------------------------------


def write_json(path: Path, runs: Sequence[Run], summary: dict[str, Any], meta: dict[str, Any]) -> None:
    path.write_text(
        json.dumps({"meta": meta, "runs": [run.to_json() for run in runs], "summary": summary}, indent=1) + "\n",
        encoding="utf-8",
    )


def read_json(path: Path) -> tuple[list[Run], dict[str, Any], dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Run(**record) for record in data["runs"]], data.get("summary", {}), data.get("meta", {})


def write_junit(path: Path, runs: Sequence[Run]) -> None:
    """One testsuite per language/transport: a test case per reference scenario and equivalence
    check, and one per anti-pattern, failed when no scenario caught it."""
    suites = ElementTree.Element("testsuites", name="asyncconf")
    by_suite: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        if run.impl == "reference":
            by_suite[f"{run.lang}/{run.transport}" + ("/equivalence" if run.check == "equivalence" else "")].append(run)
    for name, members in by_suite.items():
        suite = ElementTree.SubElement(suites, "testsuite", name=name, tests=str(len(members)))
        for run in members:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=run.pattern,
                name=run.scenario,
                time=f"{(run.wall_ms or 0) / 1000:.6f}",
            )
            if run.status in ("fail", "error", "skip"):
                tag = {"fail": "failure", "error": "error", "skip": "skipped"}[run.status]
                ElementTree.SubElement(case, tag, message=run.reason)
    verdicts = antipattern_verdicts(runs)
    if verdicts:
        suite = ElementTree.SubElement(suites, "testsuite", name="antipatterns", tests=str(len(verdicts)))
        for (lang, transport, pattern, impl), verdict in sorted(verdicts.items()):
            case = ElementTree.SubElement(suite, "testcase", classname=f"{lang}/{transport}.{pattern}", name=impl)
            if verdict == "missed":
                ElementTree.SubElement(case, "failure", message="no scenario failed this anti-pattern")
            elif verdict == "skipped":
                ElementTree.SubElement(case, "skipped", message="not run")
    ElementTree.ElementTree(suites).write(path, encoding="unicode", xml_declaration=True)
