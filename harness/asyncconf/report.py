"""Reports of a run: the summary and verdict, the pattern x language matrix, JSON and JUnit."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .engine import CHOSEN_SKIPS, ROLES, STATUSES, Run
from .languages import CUSTOM


def _columns(runs: Iterable[Run]) -> list[str]:
    """``lang/transport`` of every spec run; a language that did not run at all shows as ``lang/-``."""
    columns: list[str] = []
    for run in runs:
        if run.check == "spec" and run.column not in columns:
            columns.append(run.column)
    ran = {column.split("/")[0] for column in columns if not column.endswith("/-")}
    return [column for column in columns if not (column.endswith("/-") and column.split("/")[0] in ran)]


#: What became of one anti-pattern on one transport:
#: - rejected: a scenario that the reference passes there failed it -- the suite caught the mistake;
#: - missed: it ran where the reference passes, and passed everything -- the spec does not catch it;
#: - error: it could not be judged (it crashed, its runner failed) and nothing caught it -- no verdict;
#: - skipped: it did not run (runtime or API absent), or nowhere did the reference pass to judge it by.
VERDICTS = ("rejected", "missed", "error", "skipped")


def antipattern_verdicts(runs: Iterable[Run]) -> dict[tuple[str, str, str, str], str]:
    """(lang, transport, pattern, impl) -> one of VERDICTS, for every anti-pattern run.

    An anti-pattern is judged only by the scenarios whose reference passed on the same transport
    in this run: a scenario the reference fails, or could not run, cannot tell a mistake apart.
    """
    runs = [run for run in runs if run.check == "spec"]
    reference_passed = {
        (r.lang, r.transport, r.pattern, r.scenario) for r in runs if r.role == "reference" and r.status == "pass"
    }
    statuses: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for run in runs:
        if run.role != "antipattern":
            continue
        key = (run.lang, run.transport, run.pattern, run.impl)
        judged = (run.lang, run.transport, run.pattern, run.scenario) in reference_passed
        statuses[key].add(run.status if judged or run.status in ("skip", "error") else "unjudged")
    return {key: _verdict(seen) for key, seen in statuses.items()}


def _verdict(seen: set[str]) -> str:
    if "fail" in seen:
        return "rejected"
    if "error" in seen:
        return "error"
    if "pass" in seen:
        return "missed"
    return "skipped"


def candidate_verdicts(runs: Iterable[Run]) -> dict[str, str]:
    """``lang/transport pattern:impl`` -> passed | failed | error | nothing checked, per candidate.

    A candidate passes only by passing: every scenario it ran passed and the languages agreed,
    and at least one scenario ran -- ``n/a`` and ``skip`` are never a pass.
    """
    seen: dict[str, set[str]] = defaultdict(set)
    for run in runs:
        if run.role == "candidate":
            seen[f"{run.column} {run.pattern}:{run.impl}"].add(run.status if run.check == "spec" else f"≡{run.status}")
    verdicts = {}
    for name, statuses in seen.items():
        if "fail" in statuses or "≡fail" in statuses:
            verdicts[name] = "failed"
        elif "error" in statuses:
            verdicts[name] = "error"
        elif "pass" not in statuses:
            verdicts[name] = "nothing checked"
        else:
            verdicts[name] = "passed"
    return verdicts


def uncaught_scenarios(runs: Iterable[Run]) -> list[str]:
    """Scenarios that no anti-pattern of a language failed (only where anti-patterns ran)."""
    caught: dict[tuple[str, str, str, str], bool] = {}
    for run in runs:
        if run.check == "spec" and run.role == "antipattern" and run.status in ("pass", "fail"):
            key = (run.lang, run.transport, run.pattern, run.scenario)
            caught[key] = caught.get(key, False) or run.status == "fail"
    return sorted(
        f"{lang}/{transport} {pattern}/{scenario}"
        for (lang, transport, pattern, scenario), ok in caught.items()
        if not ok
    )


def required_problems(runs: Iterable[Run], required: Iterable[str], langs: Iterable[str] = ()) -> list[str]:
    """Why the required languages did not all run: one line per transport and reason.

    The one rule, for the CLI and the pytest plugin alike: a required language fails the run
    when any of its runs was skipped because this machine could not run it (runtime or
    transport unavailable, an API missing). A skip the suite chose for the real clock (too long,
    virtual-only) does not count. ``langs``: the selected languages; a required one missing from them fails too.
    """
    runs = [run for run in runs if run.check == "spec"]
    required = list(dict.fromkeys(required))
    problems = [f"{lang}: required but not run (not selected)" for lang in required if langs and lang not in langs]
    for lang in required:
        seen = dict.fromkeys(
            f"{run.column}: required but did not run: {run.reason}"
            for run in runs
            if run.lang == lang and run.status == "skip" and run.skip_cause not in CHOSEN_SKIPS
        )
        problems += list(seen)
    return problems


def custom_coverage(runs: Sequence[Run], custom: Iterable[str]) -> tuple[list[str], list[str]]:
    """What the runners of the user's own (``--runner``, languages ``custom``) left unchecked: the
    problems -- a runner that implements none of the selected patterns, of which nothing at all was
    checked (ours passing beside it is no verdict on it) -- and the notes, a pattern it leaves out."""
    patterns = list(dict.fromkeys(run.pattern for run in runs if run.check == "spec"))
    problems, notes = [], []
    for lang in dict.fromkeys(custom):
        column = f"{lang}/{CUSTOM}"
        covered = {run.pattern for run in runs if run.check == "spec" and run.column == column}
        if not covered:
            problems.append(
                f"{column}: implements none of the selected patterns ({', '.join(patterns)}); nothing of it was checked"
            )
        elif left := [pattern for pattern in patterns if pattern not in covered]:
            notes.append(f"{column} implements no {', '.join(left)}: not checked")
    return problems, notes


def skip_reasons(runs: Iterable[Run]) -> list[str]:
    """Each distinct reason for skipping, once, with where it applied and how many runs."""
    where: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run in runs:
        if run.check == "spec" and run.status == "skip":
            where[run.reason][f"{run.column} {run.pattern}"] += 1
    lines = []
    for reason, places in where.items():
        count = sum(places.values())
        shown = ", ".join(list(places)[:4]) + (f" and {len(places) - 4} more" if len(places) > 4 else "")
        lines.append(f"{count} run{'s' if count != 1 else ''} ({shown}): {reason}")
    return lines


def second_tries(runs: Iterable[Run]) -> list[str]:
    """The runs that passed on a second try after a block their first try read (``Engine._confirm_blocks``),
    a line each: a pass, but not one to hide -- a stall of the machine, or a block that comes and goes."""
    return [
        f"{run.column} {run.pattern}/{run.scenario} [{run.impl}]: passed on a second try; "
        f"the first failed {run.first_try}"
        for run in runs
        if run.first_try and run.status == "pass"
    ]


def summarize(
    runs: Sequence[Run],
    *,
    required: Iterable[str] = (),
    langs: Iterable[str] = (),
    custom: Iterable[str] = (),
    custom_ours: Iterable[str] = (),
    until_rejected: bool = False,
) -> dict[str, Any]:
    """The counts and the verdict of a run. ``custom``: the languages run through a runner of the
    user's own (``--runner``), each of which must have checked something; ``custom_ours``: what they
    described under ids of ours and did not run (``Engine.ours_in_custom``), said. ``until_rejected``: each
    anti-pattern ran only until a scenario rejected it (``Engine.run_jobs``), so which scenarios no
    anti-pattern fails is not known -- it is left out (``None``), not listed wrongly."""
    reference = Counter(run.status for run in runs if run.check == "spec" and run.role == "reference")
    verdicts = antipattern_verdicts(runs)

    def named(verdict: str) -> list[str]:
        return sorted(
            f"{lang}/{transport} {pattern}:{impl}"
            for (lang, transport, pattern, impl), v in verdicts.items()
            if v == verdict
        )

    equivalence = Counter(run.status for run in runs if run.check == "equivalence")
    candidates = candidate_verdicts(runs)
    failing_candidates = sorted(name for name, verdict in candidates.items() if verdict != "passed")
    required_failed = required_problems(runs, required, list(langs))
    missed, errored = named("missed"), named("error")
    custom_problems, custom_notes = custom_coverage(runs, custom)
    custom_notes += list(custom_ours)
    ok = (
        reference["fail"] == 0
        and reference["error"] == 0
        and reference["pass"] > 0
        and not missed
        and not errored
        and not failing_candidates
        and equivalence["fail"] == 0
        and not required_failed
        and not custom_problems
    )
    return {
        "ok": ok,
        "reference": {status: reference[status] for status in ("pass", "fail", "error", "skip")},
        "antipatterns": {
            "total": len(verdicts),
            "rejected": sum(v == "rejected" for v in verdicts.values()),
            "skipped": sum(v == "skipped" for v in verdicts.values()),
            "missed": missed,
            "error": errored,
            "ran": "until rejected" if until_rejected else "on every scenario",
        },
        "candidates": {
            "total": len(candidates),
            "passed": sum(v == "passed" for v in candidates.values()),
            "failing": failing_candidates,
            "why": {name: candidates[name] for name in failing_candidates},
            "runs": dict(Counter(run.status for run in runs if run.check == "spec" and run.role == "candidate")),
        },
        "equivalence": {status: equivalence[status] for status in ("pass", "fail")},
        "scenarios_no_antipattern_fails": None if until_rejected else uncaught_scenarios(runs),
        "required_problems": required_failed,
        "custom_problems": custom_problems,
        "custom_notes": custom_notes,
        "skip_reasons": skip_reasons(runs),
        "second_tries": second_tries(runs),
    }


def judge_saved(runs: Sequence[Run], saved: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The verdict of a run read from a file (``asyncconf report``), judged again from its runs: a
    file's summary may not be borne out by its runs (edited, merged, written by another version).
    What the runs cannot say by themselves -- the required languages that did not run, a runner of
    the user's own that checked nothing -- is taken from the file; a saved OK the runs do not bear out is said."""
    summary = summarize(runs, until_rejected=meta.get("antipatterns_ran") == "until rejected")
    for key in ("required_problems", "custom_problems", "custom_notes"):
        items = saved.get(key, [])
        summary[key] = [str(item) for item in items] if isinstance(items, list) else [str(items)]
    summary["ok"] = summary["ok"] and not summary["required_problems"] and not summary["custom_problems"]
    summary["saved_ok_disputed"] = saved.get("ok") is True and not summary["ok"]
    return summary


def problem_lines(runs: Sequence[Run], summary: dict[str, Any], *, verbose: bool = False) -> list[str]:
    """What keeps a run from OK, a line each: the runs that failed or could not run (an anti-pattern's
    failure only when ``verbose``: failing is its job), the anti-patterns missed or not judged, the
    required languages that did not run, the failing candidates, and a run that checked nothing."""
    lines = []
    for run in runs:
        if run.status == "error" or (run.status == "fail" and (run.role != "antipattern" or verbose)):
            tag = "≡ " if run.check == "equivalence" else ""
            lines.append(
                f"{run.status.upper():5} {tag}{run.column} {run.pattern}/{run.scenario} [{run.impl}]: {run.reason}"
            )
    anti = summary["antipatterns"]
    lines += [f"MISSED anti-pattern {missed}: no scenario failed it" for missed in anti["missed"]]
    lines += [
        f"ERROR anti-pattern {errored}: could not be judged (it crashed or its runner failed); not a rejection"
        for errored in anti.get("error", [])
    ]
    lines += verdict_problems(summary)
    if not summary["reference"]["pass"]:
        lines.append("note: nothing was checked -- no reference scenario ran and passed, which is not an OK")
    return lines


def verdict_problems(summary: dict[str, Any]) -> list[str]:
    """What keeps a run from OK that no run's record says by itself -- the required languages that
    did not run, a runner of the user's own that checked nothing, the candidates that did not pass:
    one wording for the terminal, the HTML report and JUnit."""
    lines = ["SAVED the file's own summary says OK; its runs do not"] if summary.get("saved_ok_disputed") else []
    lines += [f"REQUIRED {problem}" for problem in summary.get("required_problems", [])]
    lines += [f"CUSTOM {problem}" for problem in summary.get("custom_problems", [])]
    why = summary.get("candidates", {}).get("why", {})
    lines += [
        f"CANDIDATE {failing}: did not pass: {_candidate_why(why.get(failing, ''))}"
        for failing in summary.get("candidates", {}).get("failing", [])
    ]
    return lines


def _candidate_why(verdict: str) -> str:
    """A candidate's verdict (``candidate_verdicts``) as its CANDIDATE line and JUnit case say it."""
    return {
        "failed": "a scenario failed",
        "error": "a scenario could not run or crashed",
        "nothing checked": "nothing checked: no scenario it ran passed (n/a and skip are never a pass)",
    }.get(verdict, "not a pass")


# -- the matrix ------------------------------------------------------------------------------------------


def matrix_rows(runs: Sequence[Run]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the pattern x language/transport matrix, as plain text cells: a row per
    pattern (its reference and anti-patterns), then a row per candidate (``pattern [impl]``)."""
    columns = _columns(runs)
    patterns = list(dict.fromkeys(run.pattern for run in runs))
    verdicts = antipattern_verdicts(runs)
    header = ["pattern", *columns, "equivalence"]
    spec_runs = [run for run in runs if run.check == "spec"]
    rows = []
    for pattern in patterns:
        lines: list[tuple[str, str | None]] = [(pattern, None)]
        candidates = dict.fromkeys(r.impl for r in spec_runs if r.pattern == pattern and r.role == "candidate")
        lines += [(f"{pattern} [{CUSTOM if impl == 'reference' else impl}]", impl) for impl in candidates]
        for label, impl in lines:
            row = [label]
            for column in columns:
                lang, transport = column.split("/", 1)
                mine = [
                    r for r in spec_runs if r.pattern == pattern and r.lang == lang and r.transport in (transport, "-")
                ]
                if impl is None:
                    row.append(_cell(mine, verdicts, lang, transport, pattern))
                else:
                    row.append(_counts([r for r in mine if r.impl == impl and r.role == "candidate"]) or "-")
            role = "reference" if impl is None else "candidate"
            equivalent = [
                r
                for r in runs
                if r.pattern == pattern and r.check == "equivalence" and r.role == role and impl in (None, r.impl)
            ]
            failed = sum(r.status == "fail" for r in equivalent)
            row.append(
                "-"
                if not equivalent
                else (f"same ({len(equivalent)})" if not failed else f"DIFFERS ({failed}/{len(equivalent)})")
            )
            rows.append(row)
    return header, rows


def _counts(runs: list[Run]) -> str:
    """``3/4 pass, 1 FAIL, 2 n/a`` -- or ``skip`` when nothing ran, ``""`` when there is nothing."""
    if not runs:
        return ""
    if all(r.status == "skip" for r in runs):
        return "skip"
    counts = Counter(r.status for r in runs)
    ran = len(runs) - counts["skip"] - counts["n/a"]
    cell = f"{counts['pass']}/{ran} pass"
    for status in ("fail", "error", "skip", "n/a"):
        if counts[status]:
            cell += f", {counts[status]} {status.upper() if status in ('fail', 'error') else status}"
    return cell


def _cell(
    runs: list[Run], verdicts: dict[tuple[str, str, str, str], str], lang: str, transport: str, pattern: str
) -> str:
    cell = _counts([r for r in runs if r.role == "reference"]) or "-"
    if cell == "skip":
        return cell
    mine = Counter(v for (l_, t, p, _impl), v in verdicts.items() if (l_, t, p) == (lang, transport, pattern))
    if mine:
        total = sum(mine.values())
        cell += f"; anti {mine['rejected']}/{total}"
        for verdict in ("missed", "error", "skipped"):
            if mine[verdict]:
                cell += f" ({mine[verdict]} {verdict.upper() if verdict != 'skipped' else verdict})"
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


class ReportError(Exception):
    """A saved run that cannot be read: the message says what is wrong, in one line."""


def read_json(path: Path) -> tuple[list[Run], dict[str, Any], dict[str, Any]]:
    """A run saved by ``asyncconf run --json``; ReportError when the file is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not a text file (expected the JSON of `asyncconf run --json`)") from None
    except json.JSONDecodeError as error:
        raise ReportError(
            f"{path}:{error.lineno}: not JSON ({error.msg}); expected the file of `asyncconf run --json`"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise ReportError(f"{path}: JSON without a `runs` list: not a file written by `asyncconf run --json`")
    fields = set(Run.__dataclass_fields__)
    runs = []
    for index, record in enumerate(data["runs"]):
        # `role` too: a record without it was taken for a reference's, and a candidate's n/a, counted
        # nowhere under that role, vanished -- a saved NOT OK judged OK (files from before roles).
        required = {"pattern", "scenario", "lang", "transport", "impl", "status", "role"}
        if (
            not isinstance(record, dict)
            or not required <= record.keys()
            or record.get("status") not in STATUSES
            or record.get("role") not in ROLES
        ):
            raise ReportError(f"{path}: runs[{index}] is not a run record (needs {', '.join(sorted(required))})")
        runs.append(Run(**{key: value for key, value in record.items() if key in fields}))
    summary, meta = data.get("summary", {}), data.get("meta", {})
    return runs, summary if isinstance(summary, dict) else {}, meta if isinstance(meta, dict) else {}


def write_junit(path: Path, runs: Sequence[Run], summary: dict[str, Any]) -> None:
    """One testsuite per language/transport: a test case per reference scenario and equivalence
    check, and one per anti-pattern, failed when no scenario caught it; then the verdict's own
    suite -- a case per candidate and one for the run -- so that the XML fails exactly when the
    run is NOT OK (a candidate that checked nothing, a required language that did not run ...)."""
    suites = ElementTree.Element("testsuites", name="asyncconf")
    by_suite: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        if run.role != "antipattern":
            by_suite[f"{run.lang}/{run.transport}" + ("/equivalence" if run.check == "equivalence" else "")].append(run)
    for name, members in by_suite.items():
        suite = ElementTree.SubElement(suites, "testsuite", name=name, tests=str(len(members)))
        for run in members:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=run.pattern,
                name=run.scenario if run.role == "reference" else f"{run.scenario} [{run.impl}]",
                time=f"{(run.wall_ms or 0) / 1000:.6f}",
            )
            if run.status in ("fail", "error", "skip", "n/a"):
                tag = {"fail": "failure", "error": "error", "skip": "skipped", "n/a": "skipped"}[run.status]
                ElementTree.SubElement(case, tag, message=run.reason)
    verdicts = antipattern_verdicts(runs)
    if verdicts:
        suite = ElementTree.SubElement(suites, "testsuite", name="antipatterns", tests=str(len(verdicts)))
        for (lang, transport, pattern, impl), verdict in sorted(verdicts.items()):
            case = ElementTree.SubElement(suite, "testcase", classname=f"{lang}/{transport}.{pattern}", name=impl)
            if verdict == "missed":
                ElementTree.SubElement(case, "failure", message="no scenario failed this anti-pattern")
            elif verdict == "error":
                ElementTree.SubElement(
                    case, "error", message="it could not be judged: every run crashed or failed to run"
                )
            elif verdict == "skipped":
                ElementTree.SubElement(
                    case, "skipped", message="not judged: it did not run, or the reference passed no scenario it ran"
                )
    _junit_verdict(suites, candidate_verdicts(runs), summary)
    ElementTree.ElementTree(suites).write(path, encoding="unicode", xml_declaration=True)


def _junit_verdict(suites: ElementTree.Element, candidates: dict[str, str], summary: dict[str, Any]) -> None:
    """The verdict as test cases: each candidate, passed or not, and the run, failed with what kept
    it from OK that no other case carries."""
    suite = ElementTree.SubElement(suites, "testsuite", name="verdict", tests=str(len(candidates) + 1))
    for name, verdict in sorted(candidates.items()):
        case = ElementTree.SubElement(suite, "testcase", classname="candidates", name=name)
        if verdict != "passed":
            ElementTree.SubElement(case, "failure", message=f"{name}: did not pass: {_candidate_why(verdict)}")
    case = ElementTree.SubElement(suite, "testcase", classname="verdict", name="the run is OK")
    if not summary["ok"]:
        why = verdict_problems(summary)
        if not summary["reference"]["pass"]:
            why.append("nothing was checked: no reference scenario ran and passed")
        message = "NOT OK" + (": " + "; ".join(why) if why else " (see the failing cases)")
        ElementTree.SubElement(case, "failure", message=message)
