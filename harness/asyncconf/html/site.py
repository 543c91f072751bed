"""``asyncconf report RUN.json --html DIR``: a static site of a run, readable offline from file://.

- ``index.html``: the verdict, the problems, and the pattern x language/transport matrix, each
  cell linking to its detail;
- ``<pattern>.html``: summary, results grid, numbered rules (with the lines of each reference
  that cite them), the APIs with their ``since`` and the runtime probed, the three references
  side by side, every anti-pattern (its text, code per language, the scenarios that catch it
  and the checker's reasons), and every scenario (its fault plan in words, expected beside
  observed, an SVG timeline per language and transport on one time axis).

Everything is derived from the spec and the run file; the verdicts are the checker's and
``asyncconf.report``'s, never recomputed here.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import report
from ..checker import check, compact, max_in_flight, max_lag_ms, times_by_key
from ..engine import Run
from ..paths import PATTERNS_DIR
from ..spec import LANGUAGES, Pattern, Scenario, load_spec
from . import sources, timeline

LANG_NAMES = {"python": "Python", "javascript": "JavaScript", "csharp": "C#"}
BAD_WORDS = ("FAIL", "ERROR", "MISSED", "DIFFERS")  # the words the CLI paints red
_TIMES = {"calls_at_ms": "call", "cancelled_at_ms": "cancel", "closed_at_ms": "close", "reported_at_ms": "report"}
_STATIC = Path(__file__).parent / "static"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def role(run: Run, antipatterns: set[str]) -> str:
    """reference | antipattern | candidate: the engine's when the record has it, else from the spec."""
    given = getattr(run, "role", "")
    if given:
        return str(given)
    if run.impl == "reference":
        return "reference"
    return "antipattern" if run.impl in antipatterns else "candidate"


#: What makes a cell not wholly a pass: it is never painted as one (n/a and skips are no pass).
NOT_CHECKED_WORDS = ("n/a", "skip")


def cell_class(text: str) -> str:
    """``bad`` for a failure of any kind; ``ok`` only for a cell whose every run passed or rejected
    -- one with an n/a, a skip or nothing in it is ``skip``, never green."""
    if any(word in text for word in BAD_WORDS):
        return "bad"
    if not text or text == "-" or text.startswith("-;") or any(word in text for word in NOT_CHECKED_WORDS):
        return "skip"
    return "ok"


# -- view models ------------------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    css: str
    href: str = ""
    title: str = ""


@dataclass
class ExpectRow:
    name: str
    expected: str
    observed: list[Cell]


@dataclass
class ScenarioView:
    scenario: Scenario
    anchor: str
    plan: list[str]
    params: list[tuple[str, Any, Any]]  # name, value, default
    expect: list[ExpectRow]
    lanes: list[str]
    svg: Markup
    notes: list[Cell]  # failures and divergences, spelled out
    verdict: Cell


@dataclass
class Caught:
    scenario: str
    anchor: str
    reasons: list[tuple[str, str]]  # (lanes, the checker's reason)
    svg: Markup


@dataclass
class AntiView:
    id: str
    anchor: str
    text: str
    langs: tuple[str, ...]
    virtual_only: str | None
    code: list[sources.Code]
    verdicts: list[Cell]
    caught: list[Caught]
    uncaught: list[str]  # scenarios it passes, where it ran
    errors: list[tuple[str, str]]


@dataclass
class RuleView:
    id: str
    text: str
    covered_by: list[str]
    citations: list[tuple[str, str, int, str]]  # lang, file, line, anchor


@dataclass
class ApiView:
    lang: str
    name: str
    since: str | None
    probed: str
    newer_than_probed: bool


@dataclass
class PatternView:
    pattern: Pattern
    page: str
    lanes: list[str]
    results: list[tuple[str, str, list[Cell], Cell]]  # scenario, anchor, cells, equivalence
    anti_results: list[tuple[str, str, list[Cell]]]
    rules: list[RuleView]
    apis: dict[str, list[ApiView]]
    references: dict[str, list[sources.Code]]
    antipatterns: list[AntiView]
    scenarios: list[ScenarioView]
    candidates: list[str] = field(default_factory=list)
    verdict: Cell = field(default_factory=lambda: Cell("", "ok"))


# -- helpers ---------------------------------------------------------------------------------------------


def _lanes_of(runs: Iterable[Run]) -> list[str]:
    """``lang/transport`` in run order; ``lang/-`` only for a language that ran nowhere."""
    columns = list(dict.fromkeys(run.column for run in runs if run.check == "spec"))
    ran = {column.split("/")[0] for column in columns if not column.endswith("/-")}
    return [c for c in columns if not (c.endswith("/-") and c.split("/")[0] in ran)]


def _in_lane(run: Run, lane: str) -> bool:
    lang, transport = lane.split("/", 1)
    return run.lang == lang and run.transport in (transport, "-")


def _status_cell(run: Run | None, href: str = "") -> Cell:
    if run is None:
        return Cell("-", "skip", href, "not run")
    text = run.status.upper() if run.status in ("fail", "error") else run.status
    css = {"pass": "ok", "fail": "bad", "error": "bad"}.get(run.status, "skip")
    return Cell(text, css, href, run.reason)


def _runtime(runs: Iterable[Run]) -> dict[str, str]:
    """lane -> ``name version`` of the runtime that answered there."""
    found: dict[str, str] = {}
    for run in runs:
        runtime = (run.answer or {}).get("runtime")
        if isinstance(runtime, dict) and run.column not in found:
            found[run.column] = f"{runtime.get('name', '')} {runtime.get('version', '')}".strip()
    return found


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def step_in_words(step: dict[str, Any]) -> str:
    after = step.get("after_ms", 0)
    when = f"after {after} ms" if after else "at once"
    if step.get("hang"):
        stop = f", then takes {step['cancel_ms']} ms to stop" if step.get("cancel_ms") else ""
        return f"hangs until cancelled{stop}"
    if "ok" in step:
        return f"succeeds with {compact(step['ok'])} {when}"
    if "fail" in step:
        message = f" ({step['message']!r})" if step.get("message") else ""
        return f"fails with a {step['fail']} error{message} {when}"
    return compact(step)


def plan_in_words(scenario: Scenario) -> list[str]:
    """The fault plan as sentences: what each call does, the caller's cancel, the random draws."""
    lines = []
    for key, steps in scenario.plan.items():
        who = "any other key" if key == "*" else f"`{key}`"
        if len(steps) == 1:
            lines.append(f"Every call of {who} {step_in_words(steps[0])}.")
            continue
        parts = [f"call {i} {step_in_words(step)}" for i, step in enumerate(steps[:-1], 1)]
        parts.append(f"call {len(steps)} and every later one {step_in_words(steps[-1])}")
        lines.append(f"Of {who}: " + "; ".join(parts) + ".")
    if scenario.cancel_at_ms is not None:
        lines.append(f"The caller cancels at {scenario.cancel_at_ms} ms.")
    if scenario.random:
        lines.append("The random source yields " + ", ".join(str(u) for u in scenario.random) + ", in order.")
    if scenario.clock == "virtual":
        lines.append("Virtual clock only: its point is an order within one millisecond.")
    return lines


def observed(name: str, expected: Any, answer: dict[str, Any]) -> Any:
    """What the answer shows for one expectation, read the way the checker reads it."""
    trace = answer.get("trace") or []
    if name == "outcome":
        return answer.get("outcome")
    if name == "elapsed_ms":
        return answer.get("elapsed_ms")
    if name == "calls":
        counts = Counter(e["key"] for e in trace if e.get("ev") == "call")
        return sum(counts.values()) if isinstance(expected, int) else dict(sorted(counts.items()))
    if name in _TIMES:
        return times_by_key(trace, _TIMES[name])
    if name == "max_in_flight":
        return max_in_flight(trace)
    if name == "max_lag_ms":
        return max_lag_ms(trace)
    if name == "cancelled":
        return sorted(e["key"] for e in trace if e.get("ev") == "cancel")
    return answer.get(name)  # an expectation on a field of the answer itself


def _expected_lane(scenario: Scenario) -> timeline.Lane:
    expect = scenario.expect
    times = {event: expect[name] for name, event in _TIMES.items() if isinstance(expect.get(name), dict)}
    elapsed = expect.get("elapsed_ms")
    lane = timeline.Lane("expected", outcome=expect.get("outcome"), status="expected", expected=True)
    lane.expected_times = {event: {str(k): list(v) for k, v in by_key.items()} for event, by_key in times.items()}
    if isinstance(elapsed, int):
        lane.elapsed_ms = elapsed
    elif isinstance(elapsed, dict):
        low = int(elapsed.get("min") or 0)
        lane.elapsed_range = (low, int(elapsed.get("max") or low))
    lane.note = "hollow marks: the spec's times"
    return lane


def _answer_lane(run: Run, label: str, anchor: str, note: str = "") -> timeline.Lane:
    answer = run.answer or {}
    runtime = answer.get("runtime") or {}
    version = f"{runtime.get('name', '')} {runtime.get('version', '')}".strip() if isinstance(runtime, dict) else ""
    return timeline.Lane(
        label=label,
        trace=list(answer.get("trace") or []),
        elapsed_ms=answer.get("elapsed_ms"),
        outcome=answer.get("outcome") if run.answer else None,
        status=run.status,
        note=note or (version if run.answer else run.status + (": " + run.reason[:30] if run.reason else "")),
        anchor=anchor,
        run=run_id(run),
    )


def run_id(run: Run) -> str:
    """How a timeline lane names the run it draws: ``pattern/scenario/lang/transport/impl``."""
    return f"{run.pattern}/{run.scenario}/{run.lang}/{run.transport}/{run.impl}"


# -- the builder -----------------------------------------------------------------------------------------


class Site:
    """The views of one run: build them, then ``write`` the pages."""

    def __init__(
        self,
        runs: Sequence[Run],
        meta: dict[str, Any],
        patterns: Sequence[Pattern],
        summary: dict[str, Any] | None = None,
    ) -> None:
        self.runs = list(runs)
        self.meta = meta
        self.clock = str(meta.get("clock") or "virtual")
        ran = list(dict.fromkeys(run.pattern for run in self.runs))
        by_id = {p.id: p for p in patterns}
        self.patterns = [by_id[p] for p in ran if p in by_id]
        self.unknown_patterns = [p for p in ran if p not in by_id]
        self.anti_ids = {p.id: {a.id for a in p.antipatterns} for p in patterns}
        self.lanes = _lanes_of(self.runs)
        self.runtimes = _runtime(self.runs)
        # The run's own verdict when given: what only the run knew (the required languages, the
        # runners of the user's own) cannot be told again from its records.
        self.summary = summary or report.summarize(self.runs)
        self.verdicts = report.antipattern_verdicts(self.runs)

    def role(self, run: Run) -> str:
        return role(run, self.anti_ids.get(run.pattern, set()))

    def spec_runs(self, pattern: str, which: str = "reference") -> list[Run]:
        return [r for r in self.runs if r.pattern == pattern and r.check == "spec" and self.role(r) == which]

    def equivalence(self, pattern: str) -> list[Run]:
        return [r for r in self.runs if r.pattern == pattern and r.check == "equivalence"]

    # -- index ---------------------------------------------------------------------------------------------
    def index(self) -> dict[str, Any]:
        header, rows = report.matrix_rows(self.runs)
        known = {p.id for p in self.patterns}
        matrix = []
        for row in rows:
            label = row[0]
            pattern = label.split(" [")[0]
            page = f"{pattern}.html" if pattern in known else ""
            cells = []
            for column, text in zip(header[1:], row[1:], strict=True):
                cells.append(Cell(text, cell_class(text), self._cell_href(pattern, column, page, text)))
            matrix.append((Cell(label, "label", page), cells))
        return {
            "header": header,
            "matrix": matrix,
            "problems": self.problems(),
            "summary": self.summary,
            "meta": self.meta,
            "runtimes": self.runtimes,
            "unknown_patterns": self.unknown_patterns,
            "patterns": self.patterns,
        }

    def _cell_href(self, pattern: str, column: str, page: str, text: str) -> str:
        if not page:
            return ""
        if column == "equivalence":
            differing = [r for r in self.equivalence(pattern) if r.status == "fail"]
            return f"{page}#{self._scenario_anchor(differing[0].scenario)}" if differing else f"{page}#results"
        failing = [r for r in self.spec_runs(pattern) if _in_lane(r, column) and r.status in ("fail", "error")]
        if failing:
            return f"{page}#{self._scenario_anchor(failing[0].scenario)}"
        if any(word in text for word in ("MISSED", "ERROR")):
            return f"{page}#antipatterns"
        return f"{page}#lane-{slug(column)}"

    @staticmethod
    def _scenario_anchor(scenario: str) -> str:
        return f"s-{slug(scenario)}"

    def problems(self) -> list[Cell]:
        """Every failure, error, divergence and missed anti-pattern, each linking to its place."""
        found: list[Cell] = []
        for run in self.runs:
            page = f"{run.pattern}.html"
            where = f"{run.column} {run.pattern}/{run.scenario}"
            kind = self.role(run)
            if run.check == "equivalence" and run.status == "fail":
                found.append(
                    Cell(f"DIFFERS {where}: {run.reason}", "bad", f"{page}#{self._scenario_anchor(run.scenario)}")
                )
            elif run.check == "spec" and kind != "antipattern" and run.status in ("fail", "error"):
                tag = "" if kind == "reference" else f" [{run.impl}]"
                found.append(
                    Cell(
                        f"{run.status.upper()} {where}{tag}: {run.reason}",
                        "bad",
                        f"{page}#{self._scenario_anchor(run.scenario)}",
                    )
                )
        for (lang, transport, pattern, impl), verdict in sorted(self.verdicts.items()):
            if verdict in ("missed", "error"):
                text = (
                    "no scenario failed it: the spec does not catch this mistake"
                    if verdict == "missed"
                    else "it could not be judged (it crashed or its runner failed): not a rejection"
                )
                found.append(
                    Cell(
                        f"{verdict.upper()} anti-pattern {lang}/{transport} {pattern}:{impl}: {text}",
                        "bad",
                        f"{pattern}.html#a-{slug(impl)}",
                    )
                )
        # What the verdict knows beyond the runs' own failures (the same lines the terminal prints).
        found += [Cell(problem, "bad") for problem in report.verdict_problems(self.summary)]
        return [cell if cell.href.split(".html")[0] in self.anti_ids else Cell(cell.text, cell.css) for cell in found]

    # -- a pattern page --------------------------------------------------------------------------------------
    def pattern(self, pattern: Pattern) -> PatternView:
        runs = [r for r in self.runs if r.pattern == pattern.id]
        lanes = _lanes_of(runs)
        reference = self.spec_runs(pattern.id)
        equivalence = self.equivalence(pattern.id)
        scenario_ids = [s.id for s in pattern.scenarios]
        results = []
        for scenario in pattern.scenarios:
            anchor = self._scenario_anchor(scenario.id)
            cells = [
                _status_cell(
                    next((r for r in reference if r.scenario == scenario.id and _in_lane(r, lane)), None), f"#{anchor}"
                )
                for lane in lanes
            ]
            results.append((scenario.id, anchor, cells, self._equivalence_cell(equivalence, scenario.id, anchor)))
        anti_results = []
        for anti in pattern.antipatterns:
            cells = []
            for lane in lanes:
                lang, transport = lane.split("/", 1)
                verdict = self.verdicts.get((lang, transport, pattern.id, anti.id))
                if verdict is None:
                    cells.append(
                        Cell("-", "skip", title="not run here" if lang in anti.langs else f"not a {lang} mistake")
                    )
                else:
                    css = {"rejected": "ok", "skipped": "skip"}.get(verdict, "bad")
                    text = verdict if verdict in ("rejected", "skipped") else verdict.upper()
                    cells.append(Cell(text, css, f"#a-{slug(anti.id)}"))
            anti_results.append((anti.id, f"a-{slug(anti.id)}", cells))
        references = {
            lang: [
                sources.code(path, lang, f"{sources.SHORT[lang]}-{slug(path.stem)}", pattern.rules) for path in paths
            ]
            for lang, paths in sources.reference_files(pattern.id).items()
        }
        rules = [
            RuleView(
                rule,
                text,
                [s.id for s in pattern.scenarios if rule in s.covers],
                [
                    (lang, code.path, number, f"{code.anchor}-L{number}")
                    for lang, codes in references.items()
                    for code in codes
                    for number in code.citations(rule)
                ],
            )
            for rule, text in pattern.rules.items()
        ]
        view = PatternView(
            pattern=pattern,
            page=f"{pattern.id}.html",
            lanes=lanes,
            results=results,
            anti_results=anti_results,
            rules=rules,
            apis=self._apis(pattern, runs),
            references=references,
            antipatterns=[self._anti(pattern, anti, lanes) for anti in pattern.antipatterns],
            scenarios=[self._scenario(pattern, s, lanes, reference, equivalence) for s in pattern.scenarios],
            candidates=list(dict.fromkeys(r.impl for r in self.spec_runs(pattern.id, "candidate"))),
        )
        stale = sorted({r.scenario for r in runs if r.scenario not in scenario_ids})
        bad = any(c.css == "bad" for _, _, cells, eq in results for c in [*cells, eq]) or any(
            c.css == "bad" for _, _, cells in anti_results for c in cells
        )
        view.verdict = Cell("problems" if bad else "all pass", "bad" if bad else "ok")
        if stale:
            view.verdict.title = "runs of scenarios the spec no longer has: " + ", ".join(stale)
        return view

    @staticmethod
    def _equivalence_cell(equivalence: list[Run], scenario: str, anchor: str) -> Cell:
        mine = [r for r in equivalence if r.scenario == scenario]
        if not mine:
            return Cell("-", "skip", title="fewer than two answers to compare")
        differing = [r for r in mine if r.status == "fail"]
        if differing:
            return Cell(
                f"DIFFERS ({len(differing)}/{len(mine)})",
                "bad",
                f"#{anchor}",
                "; ".join(f"{r.column}: {r.reason}" for r in differing),
            )
        return Cell(f"same ({len(mine)})", "ok", f"#{anchor}", "; ".join(f"{r.column}: {r.reason}" for r in mine))

    def _apis(self, pattern: Pattern, runs: list[Run]) -> dict[str, list[ApiView]]:
        probed = _runtime(runs)
        views: dict[str, list[ApiView]] = {}
        for lang in LANGUAGES:
            versions = sorted({v for lane, v in probed.items() if lane.split("/")[0] == lang})
            shown = ", ".join(versions) or "not probed in this run"
            views[lang] = [
                ApiView(
                    lang,
                    api.name,
                    api.since,
                    shown,
                    bool(api.since and versions and all(_version(api.since) > _version(v) for v in versions)),
                )
                for api in pattern.api.get(lang, ())
            ]
        return views

    def _anti(self, pattern: Pattern, anti: Any, lanes: list[str]) -> AntiView:
        anchor = f"a-{slug(anti.id)}"
        mine = [r for r in self.spec_runs(pattern.id, "antipattern") if r.impl == anti.id]
        passed_reference = {(r.scenario, r.column) for r in self.spec_runs(pattern.id) if r.status == "pass"}
        caught: list[Caught] = []
        for scenario in pattern.scenarios:
            failing = [
                r
                for r in mine
                if r.scenario == scenario.id and r.status == "fail" and (r.scenario, r.column) in passed_reference
            ]
            if not failing:
                continue
            grouped: dict[str, list[str]] = defaultdict(list)
            for run in failing:
                grouped[run.reason].append(run.column)
            lanes_runs = [r for r in mine if r.scenario == scenario.id]
            timeline_lanes = [_expected_lane(scenario)] + [
                _answer_lane(r, r.column, f"{anchor}-{slug(scenario.id)}-{slug(r.column)}")
                for r in lanes_runs
                if r.answer is not None
            ]
            svg = timeline.render(
                timeline_lanes, cancel_at_ms=scenario.cancel_at_ms, title=f"{anti.id} in {scenario.name}"
            )
            caught.append(
                Caught(
                    scenario.id,
                    self._scenario_anchor(scenario.id),
                    [(", ".join(cols), reason) for reason, cols in grouped.items()],
                    svg,
                )
            )
        caught_ids = {c.scenario for c in caught}
        uncaught = sorted({r.scenario for r in mine if r.status == "pass"} - caught_ids)
        errors = [(r.column, f"{r.scenario}: {r.reason}") for r in mine if r.status == "error"]
        verdicts = []
        for lane in lanes:
            lang, transport = lane.split("/", 1)
            verdict = self.verdicts.get((lang, transport, pattern.id, anti.id))
            css = {"rejected": "ok", "skipped": "skip", None: "skip"}.get(verdict, "bad")
            verdicts.append(Cell(verdict or "-", css))
        return AntiView(
            anti.id,
            anchor,
            anti.text,
            anti.langs,
            anti.virtual_only,
            [
                sources.antipattern_code(pattern.id, anti.id, lang, f"{anchor}-{sources.SHORT[lang]}")
                for lang in anti.langs
            ],
            verdicts,
            caught,
            uncaught,
            errors,
        )

    def _scenario(
        self, pattern: Pattern, scenario: Scenario, lanes: list[str], reference: list[Run], equivalence: list[Run]
    ) -> ScenarioView:
        anchor = self._scenario_anchor(scenario.id)
        runs = [r for r in reference if r.scenario == scenario.id]
        runs += [r for r in self.spec_runs(pattern.id, "candidate") if r.scenario == scenario.id]
        differs = {
            (r.column, r.impl): r.reason for r in equivalence if r.scenario == scenario.id and r.status == "fail"
        }
        rows = []
        names = list(scenario.expect)
        mismatched = {id(r): {m.check for m in check(scenario, r.answer, clock=self.clock)} for r in runs if r.answer}
        for name in names:
            expected = scenario.expect[name]
            cells = []
            for run in runs:
                if run.answer is None:
                    cells.append(Cell(run.status, "skip", title=run.reason))
                    continue
                seen = observed(name, expected, run.answer)
                bad = name in mismatched[id(run)]
                cells.append(Cell(compact(seen), "bad" if bad else "ok"))
            rows.append(ExpectRow(name, compact(expected), cells))
        leaks_expected = scenario.expect.get("leaks", "none")
        if "leaks" not in scenario.expect:
            rows.append(
                ExpectRow(
                    "leaks",
                    "none" if leaks_expected == "none" else str(leaks_expected),
                    [
                        Cell(compact(r.answer.get("leaks") or "none"), "bad" if "leaks" in mismatched[id(r)] else "ok")
                        if r.answer
                        else Cell(r.status, "skip", title=r.reason)
                        for r in runs
                    ],
                )
            )
        labels = [r.column if self.role(r) == "reference" else f"{r.column} [{r.impl}]" for r in runs]
        timeline_lanes = [_expected_lane(scenario)]
        for run, label in zip(runs, labels, strict=True):
            note = ""
            if (run.column, run.impl) in differs:
                what = differs[(run.column, run.impl)].split(": ", 1)[-1]  # past "differs from X: "
                note = "≠ " + (what if len(what) <= 30 else what[:29] + "…")
            timeline_lanes.append(_answer_lane(run, label, f"{anchor}-{slug(label)}", note))
        svg = timeline.render(timeline_lanes, cancel_at_ms=scenario.cancel_at_ms, title=scenario.name)
        notes = [
            Cell(f"{label}: {run.status.upper()}: {run.reason}", "bad")
            for run, label in zip(runs, labels, strict=True)
            if run.status in ("fail", "error")
        ]
        notes += [
            Cell(f"{column}{'' if impl == 'reference' else f' [{impl}]'}: DIFFERS: {reason}", "bad")
            for (column, impl), reason in differs.items()
        ]
        notes += [
            Cell(f"{label}: skip: {run.reason}", "skip")
            for run, label in zip(runs, labels, strict=True)
            if run.status == "skip"
        ]
        notes += [  # a pass, but not one to hide (Engine._confirm_blocks)
            Cell(f"{label}: passed on a second try; the first failed {run.first_try}", "skip")
            for run, label in zip(runs, labels, strict=True)
            if run.first_try and run.status == "pass"
        ]
        defaults = pattern.params
        params = [
            (k, v, defaults.get(k)) for k, v in scenario.params.items() if defaults.get(k) != v or k not in defaults
        ]
        verdict = Cell("problems", "bad") if any(n.css == "bad" for n in notes) else Cell("pass", "ok")
        if runs and all(r.status == "skip" for r in runs):
            verdict = Cell("skip", "skip")
        return ScenarioView(scenario, anchor, plan_in_words(scenario), params, rows, labels, svg, notes, verdict)


# -- writing ----------------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("asyncconf.html", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["LANG_NAMES"] = LANG_NAMES
    env.filters["slug"] = slug
    return env


def write_site(
    out_dir: Path,
    runs: Sequence[Run],
    meta: dict[str, Any],
    *,
    spec_dir: Path = PATTERNS_DIR,
    summary: dict[str, Any] | None = None,
) -> list[Path]:
    """Write the site of a run into ``out_dir``; the pages written, index first. ``summary``: the
    run's verdict, as ``asyncconf run`` made it (else it is made again from ``runs``)."""
    site = Site(runs, meta, load_spec(spec_dir), summary)
    env = _environment()
    out_dir.mkdir(parents=True, exist_ok=True)
    css = (_STATIC / "report.css").read_text(encoding="utf-8") + "\n/* pygments */\n" + sources.pygments_css()
    (out_dir / "report.css").write_text(css, encoding="utf-8")
    pages = [out_dir / "index.html"]
    common = {"patterns": site.patterns, "meta": meta}
    pages[0].write_text(env.get_template("index.html.j2").render(**{**common, **site.index()}), encoding="utf-8")
    for pattern in site.patterns:
        page = out_dir / f"{pattern.id}.html"
        page.write_text(
            env.get_template("pattern.html.j2").render(**common, view=site.pattern(pattern)), encoding="utf-8"
        )
        pages.append(page)
    return pages
