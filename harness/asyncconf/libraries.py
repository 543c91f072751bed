"""Third-party libraries against the spec: adapters, their results kept as data, the README's table.

A library is checked through its language's public seam only -- for Python ``asyncconf.testing``
-- by an *adapter* of a few lines that gives it the reference's signature. Python's adapters are
``libraries/python/*_adapter.py``; each lists what it checks in ``ADAPTERS`` (``Adapter`` below),
with the reason of every scenario it cannot express (n/a) and the cause, as found, of every
scenario it fails. The rules an adapter follows are in ``libraries/README.md``.

Each library's result -- per pattern and scenario: pass, fail, error or n/a, and why -- is data:
``libraries/results/<language>-<library>.json`` (``libraries/results.schema.json``), written by
``asyncconf libraries --record`` and checked by ``tests/test_libraries.py``, where a result that
changes fails. Other languages' seams write their results in the same format; ``asyncconf
libraries --markdown`` renders one table over every language, the README's.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click

from .paths import PATTERNS_DIR, ROOT
from .spec import LANGUAGES, Pattern, Scenario, load_spec, schema_validator

__all__ = ["Adapter", "Check", "LibraryResults", "Outcome", "Scenario", "command", "load_adapters", "run"]

LIBRARIES_DIR = ROOT / "libraries"
ADAPTERS_DIR = LIBRARIES_DIR / "python"
RESULTS_DIR = LIBRARIES_DIR / "results"
SCHEMA_FILE = LIBRARIES_DIR / "results.schema.json"
FORMAT = 1
STATUSES = ("pass", "fail", "error", "n/a")
RECORD = "asyncconf libraries --record"
INSTALL = "pip install -e '.[libraries]'"


@dataclass(frozen=True)
class Adapter:
    """One pattern of one Python library, in the reference's signature (spec/PROTOCOL.md section 8)."""

    library: str
    pattern: str
    #: what of the library is used, as the table names it: ``AsyncRetrying(...)``, ``run_all``
    api: str
    implementation: Callable[..., Any]
    #: why the library cannot take a scenario (then n/a), or None: asyncconf.testing's hook
    not_applicable: Callable[[Scenario], str | None] | None = None
    #: scenario id -> why it fails, as found (the library, the spec or the harness): every failure has one
    why: Mapping[str, str] = field(default_factory=dict)
    #: the package whose version is recorded; None: the standard library (Python's major.minor)
    distribution: str | None = None
    #: the adapter's file, relative to the checkout (set by ``load_adapters``)
    source: str = ""

    @property
    def version(self) -> str:
        if self.distribution is None:
            return f"{sys.version_info.major}.{sys.version_info.minor}"
        return importlib.metadata.version(self.distribution)


@dataclass(frozen=True)
class Outcome:
    """One scenario's result for one library."""

    status: str
    #: why it is not a pass: n/a -- what the library cannot take; fail/error -- the cause, as found
    reason: str = ""
    #: fail/error: what the checker saw (its first reason), for the reader
    seen: str = ""

    def to_json(self) -> dict[str, str]:
        return (
            {"status": self.status}
            | ({"reason": self.reason} if self.reason else {})
            | ({"seen": self.seen} if self.seen else {})
        )


@dataclass
class Check:
    """One pattern of one library through one of its APIs: every scenario's outcome, in spec order."""

    pattern: str
    api: str
    adapter: str
    scenarios: dict[str, Outcome]

    def counts(self) -> dict[str, int]:
        return {status: sum(o.status == status for o in self.scenarios.values()) for status in STATUSES}


@dataclass
class LibraryResults:
    """Everything recorded for one library of one language: one file of ``libraries/results/``."""

    language: str
    library: str
    version: str
    checks: list[Check]

    @property
    def file_name(self) -> str:
        return f"{self.language}-{self.library}.json"

    def check(self, pattern: str, api: str) -> Check | None:
        return next((c for c in self.checks if (c.pattern, c.api) == (pattern, api)), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "language": self.language,
            "library": self.library,
            "version": self.version,
            "checks": [
                {
                    "pattern": c.pattern,
                    "api": c.api,
                    "adapter": c.adapter,
                    "scenarios": {sid: o.to_json() for sid, o in c.scenarios.items()},
                }
                for c in self.checks
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LibraryResults:
        return cls(
            data["language"],
            data["library"],
            data["version"],
            [
                Check(
                    c["pattern"],
                    c["api"],
                    c["adapter"],
                    {
                        sid: Outcome(o["status"], o.get("reason", ""), o.get("seen", ""))
                        for sid, o in c["scenarios"].items()
                    },
                )
                for c in data["checks"]
            ],
        )


class ResultsError(Exception):
    """A results file that is not in the format: the file and what is wrong."""


# -- the Python adapters --------------------------------------------------------------------------------


def load_adapters(folder: Path = ADAPTERS_DIR) -> list[Adapter]:
    """Every ``ADAPTERS`` entry of ``folder/*_adapter.py``, its ``source`` set, in file order.

    The files are loaded by path, not from ``sys.path``: an adapter named after its library would
    otherwise hide it.
    """
    adapters: list[Adapter] = []
    for path in sorted(folder.glob("*_adapter.py")):
        name = f"libraries.python.{path.stem}"  # the name `asyncconf check` imports it by, from the checkout
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses in an adapter look their module up
        source = _shown(path)
        try:
            spec.loader.exec_module(module)
        except ModuleNotFoundError as error:
            raise ModuleNotFoundError(f"{source}: {error} -- install the pinned libraries: {INSTALL}") from None
        found = getattr(module, "ADAPTERS", None)
        if not isinstance(found, list) or not all(isinstance(a, Adapter) for a in found):
            raise TypeError(f"{source}: ADAPTERS must be a list of asyncconf.libraries.Adapter")
        adapters += [replace(adapter, source=source) for adapter in found]
    return adapters


def run_adapter(adapter: Adapter, pattern: Pattern) -> Check:
    """Every scenario of ``pattern`` against the adapter, through the public seam."""
    from .testing import check_scenario

    outcomes: dict[str, Outcome] = {}
    for scenario in pattern.scenarios:
        result = check_scenario(scenario, adapter.implementation, not_applicable=adapter.not_applicable)
        first = result.reasons[0] if result.reasons else ""
        if result.status == "pass":
            outcomes[scenario.id] = Outcome("pass")
        elif result.status == "n/a":
            outcomes[scenario.id] = Outcome("n/a", first)
        else:
            outcomes[scenario.id] = Outcome(result.status, adapter.why.get(scenario.id, ""), first)
    return Check(adapter.pattern, adapter.api, adapter.source, outcomes)


def spec_patterns(spec_dir: Path = PATTERNS_DIR) -> dict[str, Pattern]:
    """The spec's patterns by id."""
    return {p.id: p for p in load_spec(spec_dir)}


def run(adapters: Sequence[Adapter], patterns: Mapping[str, Pattern]) -> list[tuple[Adapter, Check]]:
    """Each adapter's fresh results."""
    unknown = [f"{a.source}: unknown pattern {a.pattern!r}" for a in adapters if a.pattern not in patterns]
    if unknown:
        raise ValueError("; ".join(unknown))
    return [(adapter, run_adapter(adapter, patterns[adapter.pattern])) for adapter in adapters]


def by_library(checked: Iterable[tuple[Adapter, Check]]) -> list[LibraryResults]:
    """Checks grouped into one ``LibraryResults`` per library (one results file each)."""
    results: dict[str, LibraryResults] = {}
    for adapter, check in checked:
        library = results.setdefault(adapter.library, LibraryResults("python", adapter.library, adapter.version, []))
        if library.version != adapter.version:
            raise ValueError(f"{adapter.source}: {adapter.library} {adapter.version}, but {library.version} elsewhere")
        library.checks.append(check)
    return list(results.values())


def unexplained(adapter: Adapter, fresh: Check) -> list[str]:
    """Failures without a ``why``, and ``why``s for scenarios that do not fail (stale)."""
    problems = [
        f"{fresh.pattern}/{sid} [{adapter.library}: {adapter.api}]: {o.status} with no `why` in {adapter.source}"
        f" ({o.seen})"
        for sid, o in fresh.scenarios.items()
        if o.status in ("fail", "error") and not o.reason
    ]
    problems += [
        f"{fresh.pattern}/{sid} [{adapter.library}: {adapter.api}]: a `why` in {adapter.source}, but it "
        + (f"is {fresh.scenarios[sid].status}" if sid in fresh.scenarios else "is not a scenario of the pattern")
        for sid in adapter.why
        if sid not in fresh.scenarios or fresh.scenarios[sid].status not in ("fail", "error")
    ]
    return problems


# -- recorded results -----------------------------------------------------------------------------------


def read_results(folder: Path = RESULTS_DIR) -> list[LibraryResults]:
    """Every language's recorded results, each file checked against the schema and its name."""
    import jsonschema

    # The schema checked once, not once a file (it was most of the time this takes: 0.4 s for 21
    # files, in every pytest worker's collection).
    validator = schema_validator(SCHEMA_FILE)
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if (invalid := jsonschema.exceptions.best_match(validator.iter_errors(data))) is not None:
                raise invalid
        except (ValueError, jsonschema.ValidationError) as error:
            message = error.message if isinstance(error, jsonschema.ValidationError) else str(error)
            raise ResultsError(f"{path}: {message}") from None
        library = LibraryResults.from_json(data)
        if path.name != library.file_name:
            raise ResultsError(f"{path}: holds {library.language}/{library.library}: name it {library.file_name}")
        found.append(library)
    return found


def write_results(results: Iterable[LibraryResults], folder: Path = RESULTS_DIR) -> list[Path]:
    written = []
    for library in results:
        path = folder / library.file_name
        path.write_text(_dumps(library.to_json()), encoding="utf-8")
        written.append(path)
    return written


def _dumps(data: Mapping[str, Any]) -> str:
    """Indented JSON with each scenario's outcome on one line: a changed result is a one-line diff."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    outcome = re.compile(r'\{\n\s+("status": [^\n]*(?:\n\s+"(?:reason|seen)": [^\n]*)*)\n\s+\}')
    return outcome.sub(lambda m: "{" + " ".join(line.strip() for line in m[1].splitlines()) + "}", text) + "\n"


def differences(recorded: LibraryResults | None, fresh: LibraryResults) -> list[str]:
    """How ``fresh`` differs from what was recorded, one line per scenario, naming both statuses."""
    if recorded is None:
        return [f"{fresh.language} {fresh.library}: nothing recorded ({fresh.file_name})"]
    name = f"{fresh.language} {fresh.library}"
    found = []
    if recorded.version != fresh.version:
        found.append(f"{name}: recorded for version {recorded.version}, now {fresh.version}")
    for check in fresh.checks:
        old = recorded.check(check.pattern, check.api)
        where = f"{name} [{check.api}]"
        if old is None:
            found.append(f"{where}: {check.pattern} not recorded")
            continue
        if old.adapter != check.adapter:
            found.append(f"{where}: recorded from {old.adapter}, now from {check.adapter}")
        for sid, new in check.scenarios.items():
            before = old.scenarios.get(sid)
            if before is None:
                found.append(f"{where} {check.pattern}/{sid}: not recorded, now {new.status}")
            elif before.status != new.status:
                seen = f" ({new.seen})" if new.seen else ""
                found.append(f"{where} {check.pattern}/{sid}: recorded {before.status}, now {new.status}{seen}")
            elif _check_name(before.seen) != _check_name(new.seen):
                # Same status, another check failing first: the recorded cause may no longer hold.
                found.append(
                    f"{where} {check.pattern}/{sid}: {new.status} still, but recorded failing on "
                    f"{before.seen!r}, now on {new.seen!r}"
                )
            elif before.reason != new.reason:
                found.append(
                    f"{where} {check.pattern}/{sid}: {new.status}, recorded because {before.reason!r}, "
                    f"now because {new.reason!r}"
                )
        found += [
            f"{where} {check.pattern}/{sid}: recorded {o.status}, no longer a scenario of the spec"
            for sid, o in old.scenarios.items()
            if sid not in check.scenarios
        ]
    found += [
        f"{name} [{old.api}]: {old.pattern} recorded, but no adapter checks it any more"
        for old in recorded.checks
        if fresh.check(old.pattern, old.api) is None
    ]
    return found


def _check_name(seen: str) -> str:
    """The check a checker's reason names (``blocked_ms`` of ``blocked_ms: expected ..., saw ...``):
    compared rather than the wording, which may change without the result changing."""
    return seen.partition(":")[0]


def stale_against_spec(results: Iterable[LibraryResults], patterns: Mapping[str, Pattern]) -> list[str]:
    """Recorded checks of any language that do not cover exactly the spec's scenarios of their pattern."""
    found = []
    for library in results:
        for check in library.checks:
            where = f"{library.file_name} [{check.api}]"
            if check.pattern not in patterns:
                found.append(f"{where}: {check.pattern} is not a pattern of the spec")
                continue
            ids = [s.id for s in patterns[check.pattern].scenarios]
            found += [f"{where} {check.pattern}/{sid}: not recorded" for sid in ids if sid not in check.scenarios]
            found += [f"{where} {check.pattern}/{sid}: not in the spec" for sid in check.scenarios if sid not in ids]
    return found


# -- the table ------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _result(check: Check) -> str:
    counts = check.counts()
    return ", ".join(f"{n} {status}" for status, n in counts.items() if n) + f" (of {len(check.scenarios)})"


def _why_not(check: Check) -> str:
    """Scenarios that did not pass, grouped by status and reason: ``fail `a`, `b`: reason``."""
    groups: dict[tuple[str, str], list[str]] = {}
    for status in ("fail", "error", "n/a"):
        for sid, outcome in check.scenarios.items():
            if outcome.status == status:
                groups.setdefault((status, outcome.reason), []).append(sid)
    return "; ".join(
        f"{status} {', '.join(f'`{sid}`' for sid in ids)}: {reason}" for (status, reason), ids in groups.items()
    )


def render_markdown(results: Iterable[LibraryResults]) -> str:
    """One table over every language's recorded results: a row per library, pattern and API."""
    order = {lang: index for index, lang in enumerate(LANGUAGES)}
    rows = [
        "| language | library | pattern | API | result | not a pass, and why |",
        "|---|---|---|---|---|---|",
    ]
    for library in sorted(results, key=lambda r: (order.get(r.language, len(order)), r.language, r.library)):
        for check in sorted(library.checks, key=lambda c: (c.pattern, c.api)):
            cells = [
                library.language,
                f"{library.library} {library.version}",
                check.pattern,
                f"`{check.api}`",
                _result(check),
                _why_not(check) or "--",
            ]
            rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    intro = (
        "Each library checked through its language's public seam, on virtual time, by an adapter of a few "
        "lines (`libraries/`). `n/a`: a scenario needing what the library cannot take (a fixed parameter, "
        "no hook for the random source) -- never a pass. The results are data (`libraries/results/`), checked "
        "by `pytest` (a changed result fails); this table is written by `asyncconf libraries --readme README.md`."
    )
    return textwrap.fill(intro, width=100, break_on_hyphens=False) + "\n\n" + "\n".join(rows) + "\n"


def summary_lines(results: Iterable[LibraryResults]) -> list[str]:
    """One plain line per library, pattern and API: the terminal's view of the table."""
    return [
        f"{r.language} {r.library} {r.version} {c.pattern} [{c.api}]: {_result(c)}" for r in results for c in r.checks
    ]


# -- the command ------------------------------------------------------------------------------------------


def _to_stderr(text: str) -> None:
    click.echo(text, err=True)


def command(
    *,
    spec_dir: Path = PATTERNS_DIR,
    record: bool = False,
    markdown: bool = False,
    readme: Path | None = None,
    adapters_dir: Path = ADAPTERS_DIR,
    results_dir: Path = RESULTS_DIR,
    out: Callable[[str], None] = click.echo,
    err: Callable[[str], None] = _to_stderr,
) -> int:
    """``asyncconf libraries``: run the Python adapters and compare them with their recorded results
    (or, with ``record``, write them); print the table; rewrite ``readme``'s block. 1 when a result
    changed, a failure is unexplained or a recorded result is stale against the spec; else 0."""
    from .html.readme import block, replace_block

    text = readme.read_text(encoding="utf-8") if readme else ""
    if readme:
        block(text, "libraries")  # its markers are there, before anything runs
    spec = spec_patterns(spec_dir)
    checked = run(load_adapters(adapters_dir), spec)
    fresh = by_library(checked)
    problems = [line for adapter, check in checked for line in unexplained(adapter, check)]
    if record and problems:
        for line in problems:
            err(line)
        err("asyncconf: nothing recorded: every failure needs its cause, as found, in its adapter's `why`")
        return 1
    try:
        if record:
            _record(fresh, results_dir, err)
        recorded = {(r.language, r.library): r for r in read_results(results_dir)}
    except ResultsError as error:
        err(f"asyncconf: {error}")
        return 1
    problems += [line for r in fresh for line in differences(recorded.get((r.language, r.library)), r)]
    problems += [
        f"{r.file_name}: recorded, but no adapter checks {r.library} any more"
        for r in recorded.values()
        if r.language == "python" and r.library not in {f.library for f in fresh}
    ]
    problems += stale_against_spec(recorded.values(), spec)
    if markdown:
        out(render_markdown(recorded.values()))
    else:
        for line in summary_lines(recorded.values()):
            out(line)
    for line in problems:
        err(line)
    if problems:
        err(
            f"asyncconf: {len(problems)} problem(s) with the recorded results: find out why each result "
            f"changed, explain every failure in its adapter's `why`, then `{RECORD}`"
        )
        if readme:
            err(f"asyncconf: {readme} NOT rewritten: its table would show results that are not current")
        return 1
    if readme:
        readme.write_text(replace_block(text, "libraries", render_markdown(recorded.values())), encoding="utf-8")
        err(f"asyncconf: rewrote the libraries' table of {readme}")
    return 0


def _record(fresh: Sequence[LibraryResults], folder: Path, err: Callable[[str], None]) -> None:
    """Write the Python results; remove the Python files of libraries no adapter checks any more."""
    for path in write_results(fresh, folder):
        err(f"asyncconf: recorded {_shown(path)}")
    kept = {library.file_name for library in fresh}
    for path in sorted(folder.glob("python-*.json")):
        if path.name not in kept:
            path.unlink()
            err(f"asyncconf: removed {_shown(path)} (no adapter checks it any more)")


def _shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
