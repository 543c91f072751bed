"""The ``asyncconf`` command line: list, validate, run, report."""

from __future__ import annotations

import os
import platform
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__, report
from .api_usage import unlisted_apis
from .engine import DEFAULT_HANG_TIMEOUT_S, IMPL_GROUPS, Engine, Interrupted, Run
from .languages import LanguageSession
from .paths import PATTERNS_DIR, ROOT
from .spec import LANGUAGES, Pattern, SpecError, language_list, load_spec, pattern_files

if TYPE_CHECKING:
    from .bench import MatrixTiming

console = Console(soft_wrap=True)  # a problem is one line, whatever the terminal width
errors = Console(stderr=True, soft_wrap=True)


def _load(spec_dir: Path, pattern_ids: Sequence[str] = (), *, hint: str = "--pattern") -> list[Pattern]:
    try:
        patterns = load_spec(spec_dir)
    except SpecError as error:
        for problem in error.problems:
            errors.print(str(problem), markup=False, highlight=False)
        raise SystemExit(1) from None
    if pattern_ids:
        known = {p.id for p in patterns}
        unknown = [p for p in pattern_ids if p not in known]
        if unknown:
            raise click.BadParameter(
                f"unknown pattern {', '.join(unknown)} (known: {', '.join(sorted(known))})",
                param_hint=hint,
            )
        patterns = [p for p in patterns if p.id in pattern_ids]
    return patterns


def _langs(value: str) -> list[str]:
    langs, unknown = language_list(value)
    if unknown or not langs:
        raise click.BadParameter(f"expected a comma-separated subset of {','.join(LANGUAGES)}, got {value!r}")
    return langs


def _required(value: str, selected: list[str]) -> list[str]:
    """``--require``'s languages: each must be among ``--lang`` (one that cannot be selected cannot run)."""
    required = _langs(value) if value else []
    outside = [lang for lang in required if lang not in selected]
    if outside:
        raise click.BadParameter(
            f"{', '.join(outside)} must run but is not among --lang {','.join(selected)}", param_hint="--require"
        )
    return required


def _runners(specs: Sequence[str], langs: list[str]) -> dict[str, list[str]]:
    runners = {}
    for spec in specs:
        lang, _, command = spec.partition("=")
        if lang not in LANGUAGES or not command.strip():
            raise click.BadParameter(f"expected LANG=COMMAND with LANG one of {', '.join(LANGUAGES)}, got {spec!r}")
        if lang not in langs:
            raise click.BadParameter(f"{lang} is not among the languages run (--lang {','.join(langs)})")
        if lang in runners:  # the first was dropped without a word: a runner never checked
            raise click.BadParameter(f"--runner {lang}=... given twice: one runner of your own per language")
        runners[lang] = shlex.split(command)
    return runners


_Command = TypeVar("_Command", bound=Callable[..., Any])


def count_option(name: str, default: int, help_text: str) -> Callable[[_Command], _Command]:
    """A count of at least one: 0 ended in a traceback (``fuzz --examples``) or an empty table (``--repeats``)."""
    return click.option(name, type=click.IntRange(min=1), default=default, show_default=True, help=help_text)


html_option = click.option(
    "--html",
    "html_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the HTML report into this folder (a static site: open its index.html, offline).",
)


def _write_html(
    html_dir: Path, runs: Sequence[Run], meta: dict[str, Any], spec_dir: Path, summary: dict[str, Any] | None
) -> None:
    from .html import write_site

    pages = write_site(html_dir, runs, meta, spec_dir=spec_dir, summary=summary)
    errors.print(f"asyncconf: HTML report: {pages[0]} ({len(pages)} pages)", markup=False, highlight=False)


spec_option = click.option(
    "--spec",
    "spec_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=PATTERNS_DIR,
    show_default="spec/patterns",
    help="The spec directory (spec/ or spec/patterns/).",
)


class _Commands(click.Group):
    """Ctrl-C (and SIGTERM, SIGHUP: ``exit_on_signals``) ends any command with exit 130 and says
    so: click's own "Aborted!" exits 1, which `libraries`, `check` and `readme` use for a result."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            name = ctx.invoked_subcommand or ""
            errors.print(f"INTERRUPTED: asyncconf {name} stopped; no result.", markup=False, highlight=False)
            sys.exit(130)


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="asyncconf")
def main() -> None:
    """asyncconf: a cross-language conformance suite for async patterns (Python, JavaScript, C#)."""
    from .transports.processes import exit_on_signals

    exit_on_signals()  # SIGTERM/SIGHUP end the run as Ctrl-C does: no build or runner outlives it
    _fit_consoles()  # every command's tables, piped, come out whole


@main.command("list")
@spec_option
def list_command(spec_dir: Path) -> None:
    """The patterns: where each one's spec, references and anti-patterns live, its rules and scenarios."""
    from .html.sources import antipattern_file, reference_files, relative

    for pattern in _load(spec_dir):
        console.print(f"[bold]{pattern.id}[/bold] — {pattern.title}")
        console.print(f"  spec: {relative(pattern.file)}", highlight=False)
        for lang, files in reference_files(pattern.id).items():
            shown = ", ".join(relative(f) for f in files) or "(none)"
            if len(files) > 1:  # C#: a folder of files
                shown = f"{relative(files[0].parent)}/{{{','.join(f.stem for f in files)}}}{files[0].suffix}"
            console.print(f"  {lang}: {shown}", highlight=False)
            console.print(f"    anti-patterns: {relative(antipattern_file(pattern.id, lang))}", highlight=False)
        for rule, text in pattern.rules.items():
            console.print(f"  {rule}  {text}", highlight=False)
        for scenario in pattern.scenarios:
            console.print(f"  • {scenario.id}  [dim](covers {', '.join(scenario.covers)})[/dim]", highlight=False)
        console.print(f"  anti-patterns: {', '.join(a.id for a in pattern.antipatterns)}", highlight=False)


@main.command()
@spec_option
def validate(spec_dir: Path) -> None:
    """Check the spec: exit 1 with FILE:LINE: message for each problem."""
    patterns = _load(spec_dir)
    # Every async API a reference uses is listed in its pattern's `api:` (and so probed in each runtime).
    unlisted = unlisted_apis(patterns)
    for problem in unlisted:
        errors.print(str(problem), markup=False, highlight=False)
    if unlisted:
        raise SystemExit(1)
    scenarios = sum(len(p.scenarios) for p in patterns)
    rules = sum(len(p.rules) for p in patterns)
    console.print(
        f"{len(pattern_files(spec_dir))} pattern files, {rules} rules (all covered), {scenarios} scenarios: valid"
    )


@main.command()
@spec_option
@click.option("--lang", "langs", default=",".join(LANGUAGES), show_default=True, help="Languages, comma-separated.")
@click.option("--pattern", "pattern_ids", multiple=True, help="Only this pattern (repeatable).")
@click.option(
    "--impl",
    "which",
    default="all",
    show_default=True,
    help="Comma-separated: reference, antipatterns, candidates, all, and implementation ids a runner describes; "
    "their union runs. The reference always runs: anti-patterns are judged where it passes, candidates compared "
    "with it. A group that selects nothing (candidates without --runner) is refused.",
)
@click.option("--clock", type=click.Choice(["virtual", "real"]), default="virtual", show_default=True)
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write every run as JSON.")
@click.option(
    "--junit", "junit_file", type=click.Path(dir_okay=False, path_type=Path), help="Write a JUnit XML report."
)
@html_option
@click.option(
    "--require",
    "required",
    default="",
    help="Languages that must run: a skip of one of them (runtime absent) fails the run. CI sets all three.",
)
@click.option(
    "--runner",
    "runner_specs",
    multiple=True,
    metavar="LANG=COMMAND",
    help="Run LANG through your own runner (a program speaking spec/PROTOCOL.md) instead of ours; repeatable.",
)
@click.option(
    "--hang-timeout",
    "hang_timeout_s",
    type=click.FloatRange(min=0.5),
    default=DEFAULT_HANG_TIMEOUT_S,
    show_default=True,
    help="Seconds to wait for one answer (virtual clock; on the real clock, added to the scenario's length) "
    "before calling the runner hung and restarting it.",
)
@click.option(
    "--every-scenario",
    is_flag=True,
    help="Run each anti-pattern on every scenario, not only until one rejects it: slower, and it says which "
    "scenarios no anti-pattern fails.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every failing run, anti-patterns included.")
def run(
    spec_dir: Path,
    langs: str,
    pattern_ids: tuple[str, ...],
    which: str,
    clock: str,
    json_file: Path | None,
    junit_file: Path | None,
    html_dir: Path | None,
    required: str,
    runner_specs: tuple[str, ...],
    hang_timeout_s: float,
    every_scenario: bool,
    verbose: bool,
) -> None:
    """Run the conformance matrix; exit 0 only when every reference scenario passes, every
    anti-pattern is rejected and the languages agree."""
    selected = _langs(langs)
    required_langs = _required(required, selected)
    for path, option in ((json_file, "--json"), (junit_file, "--junit")):
        _check_writable(path, option)  # before minutes of running, not after
    if json_file and junit_file and json_file.resolve() == junit_file.resolve():
        raise click.BadParameter(
            f"{junit_file} is --json's file too: the JUnit report would replace it", param_hint="--junit"
        )
    patterns = _load(spec_dir, pattern_ids)
    runners = _runners(runner_specs, selected)
    runs: list[Run] = []
    try:
        with Engine(patterns, selected, clock=clock, runners=runners, hang_timeout_s=hang_timeout_s) as engine:
            for lang, session in engine.open_all().items():  # prepare, build, start: side by side
                errors.print(f"asyncconf: {lang}: {_session_state(lang, session)}", markup=False, highlight=False)
            _check_impl(engine, which, custom=bool(runners))
            runs = _run_with_progress(engine, which, until_rejected=not every_scenario)
            custom_ours = engine.ours_in_custom()
    except Interrupted as interrupted:
        errors.print(
            f"INTERRUPTED: {interrupted}; every runner stopped. No verdict: nothing was written.",
            markup=False,
            highlight=False,
        )
        sys.exit(130)
    summary = report.summarize(
        runs,
        required=required_langs,
        langs=selected,
        custom=runners,
        custom_ours=custom_ours,
        until_rejected=not every_scenario,
    )
    _print_matrix(runs)
    _print_problems(runs, summary, verbose)
    meta = {
        "asyncconf": __version__,
        "clock": clock,
        "impl": which,
        "antipatterns_ran": "on every scenario" if every_scenario else "until rejected",
        "python": platform.python_version(),
    }
    if json_file:
        report.write_json(json_file, runs, summary, meta)
    if junit_file:
        report.write_junit(junit_file, runs, summary)
    if html_dir:
        _write_html(html_dir, runs, meta, spec_dir, summary)
    sys.exit(0 if summary["ok"] else 1)


def _check_ids(engine: Engine, ids: Sequence[str]) -> None:
    """Implementation ids some runner describes -- when a language can run: else the run says why none ran."""
    if not any(engine.session(lang).usable for lang in engine.langs):
        return
    known = engine.known_implementations() | {"reference"}
    unknown = [impl for impl in ids if impl not in known]
    if unknown:
        listed = ", ".join(sorted(known - {"reference"}))
        raise click.BadParameter(
            f"no runner implements {', '.join(unknown)} for the selected patterns (known: {listed})",
            param_hint="--impl",
        )


def _check_impl(engine: Engine, which: str, *, custom: bool) -> None:
    """``--impl``: every part a group or an id some runner describes, and a group asked for by name
    that selects nothing refused -- a run asked to check candidates must not pass on the references alone."""
    parts = [part.strip() for part in which.split(",")]
    _check_ids(engine, [part for part in parts if part not in IMPL_GROUPS])
    if "candidates" in parts and not custom and not engine.selects_any("candidates"):
        raise click.BadParameter(
            "no runner describes a candidate for the selected patterns (ours give the reference and the "
            "anti-patterns): add yours with --runner LANG=COMMAND",
            param_hint="--impl candidates",
        )
    if "antipatterns" in parts and not engine.selects_any("antipatterns"):
        raise click.BadParameter("no runner describes an anti-pattern of the selected patterns", param_hint="--impl")


def _fit_consoles() -> None:
    """Piped output (a file, a CI log) is never cut to a terminal's width."""
    for stream in (console, errors):
        if not stream.is_terminal:
            stream.width = 100_000


def _check_writable(path: Path | None, option: str) -> None:
    if path is None:
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise click.BadParameter(f"cannot write {path}: the folder {folder} does not exist", param_hint=option)
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.BadParameter(f"cannot write {path}: permission denied", param_hint=option)


def _session_state(lang: str, session: LanguageSession) -> str:
    """The one line that says what a language runs on -- or why it does not run."""
    if session.skip_reason:
        return f"skip — {session.skip_reason}"
    if session.error:
        return f"ERROR — {session.error}"
    name, version = session.runtime.get("name", ""), str(session.runtime.get("version", ""))
    state = f"{name} {version}".strip()
    if lang == "javascript" and name == "node" and version:
        from .transports.node import MIN_NODE

        found = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
        if found < MIN_NODE:
            state += (
                f" — older than the Node.js {MIN_NODE[0]} the references target (no newer `node` on PATH):"
                " patterns needing newer APIs are skipped"
            )
    for transport, (status, reason) in session.broken.items():
        state += f"; {transport}: {status} — {reason}"
    return state


def _run_with_progress(engine: Engine, which: str, *, until_rejected: bool) -> list[Run]:
    """Run everything with a progress bar on a terminal, and name a run that keeps us waiting."""
    announced: set[str] = set()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    ) as progress:
        task = progress.add_task("running", total=engine.planned(which))

        def on_run(done: Run) -> None:
            progress.update(task, advance=1, description=f"{done.lang} {done.pattern}")

        planned = [engine.planned(which)]

        def on_spared(count: int) -> None:  # runs an anti-pattern rejected already will not need
            planned[0] -= count
            progress.update(task, total=planned[0])

        def on_tick() -> None:
            waiting = engine.longest_wait()
            if waiting is None:
                return
            waited = time.monotonic() - waiting.since
            if waited >= 2:
                progress.update(task, description=f"waiting {waited:.0f} s for {waiting.what}")
            if waited >= 5 and waiting.what not in announced and not errors.is_terminal:
                announced.add(waiting.what)
                errors.print(
                    f"asyncconf: still waiting for {waiting.what} ({waited:.0f} s; a hang ends at "
                    f"{engine.hang_timeout_s:.0f} s, see --hang-timeout)",
                    markup=False,
                    highlight=False,
                )

        return engine.run_all(which, on_run, on_tick, until_rejected=until_rejected, on_spared=on_spared)


def _print_matrix(runs: Sequence[Run]) -> None:
    header, rows = report.matrix_rows(runs)
    table = Table(*header, title="asyncconf conformance matrix")
    for row in rows:
        table.add_row(*(_styled(cell) for cell in row))
    console.print(table)


def _styled(cell: str) -> str:
    cell = escape(cell)  # a candidate's row is `pattern [id]`: not rich markup
    if any(word in cell for word in ("FAIL", "ERROR", "MISSED", "DIFFERS")):
        return f"[red]{cell}[/red]"
    if cell == "skip":
        return f"[yellow]{cell}[/yellow]"
    return cell


def _say_what_failed(matrix: MatrixTiming) -> None:
    """A timed matrix run that was not OK: what failed, on stderr (the figures say NOT OK)."""
    for line in matrix.problems:
        click.echo(f"asyncconf: a timed matrix run was not OK: {line}", err=True)


def _print_problems(runs: Sequence[Run], summary: dict[str, Any], verbose: bool) -> None:
    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    for line in report.problem_lines(runs, summary, verbose=verbose):
        say(line)
    for line in summary.get("skip_reasons", []):
        say(f"skip  {line}")
    for uncaught in summary["scenarios_no_antipattern_fails"] or []:
        say(f"note: no anti-pattern fails {uncaught}")
    for left in summary.get("custom_notes", []):
        say(f"note: {left}")
    for retried in summary.get("second_tries", []):
        say(f"note: {retried}")
    anti, candidates = summary["antipatterns"], summary.get("candidates", {})
    ref, eq = summary["reference"], summary["equivalence"]
    verdict = "OK" if summary["ok"] else "NOT OK"
    judged = f"anti-patterns {anti['rejected']}/{anti['total']} rejected"
    if anti.get("ran") == "until rejected" and anti["total"]:
        judged += " (each run until a scenario rejected it)"
    if anti["skipped"]:
        judged += f" ({anti['skipped']} skipped, not judged)"
    if candidates.get("total"):
        judged += f"; candidates {candidates['passed']}/{candidates['total']} pass"
    retried = len(summary.get("second_tries", []))
    if retried:
        judged += f"; {retried} passed only on a second try (see the notes)"
    say(
        f"{verdict}: reference {ref['pass']} pass, {ref['fail']} fail, {ref['error']} error, {ref['skip']} skip; "
        f"{judged}; equivalence {eq['pass']} same, {eq['fail']} differ"
    )


@main.command("bench")
@spec_option
@click.option("--lang", "langs", default=",".join(LANGUAGES), show_default=True, help="Languages, comma-separated.")
@count_option("--repeats", 5, "Runs of each scenario; the median counts.")
@click.option("--markdown", is_flag=True, help="Print the figures as a Markdown table (for the README).")
@click.option("--peers", is_flag=True, help="Each reference against its language's best-known peers, real clock.")
@click.option("--quick", is_flag=True, help="With --peers: small sizes, one repeat (a smoke run).")
@click.option(
    "--fuzz",
    "fuzz_examples",
    type=click.IntRange(min=1),
    default=None,
    help="Instead: the fuzzer's throughput, this many examples per pattern, each on every transport.",
)
def bench_command(
    spec_dir: Path, langs: str, repeats: int, markdown: bool, peers: bool, quick: bool, fuzz_examples: int | None
) -> None:
    """Measure virtual time against wall time, per language and transport (--peers: the references
    against their peers; --fuzz: the fuzzer's examples per second)."""
    if peers:
        from .peers import report as peers_report

        sys.exit(peers_report(_langs(langs), quick, markdown))
    if fuzz_examples is not None:
        sys.exit(_bench_fuzz(_load(spec_dir), _langs(langs), fuzz_examples, markdown))
    from .bench import bench, matrix_wall_s
    from .html import readme

    patterns, selected = _load(spec_dir), _langs(langs)
    rows = bench(patterns, selected, repeats)
    matrix = matrix_wall_s(patterns, selected)
    _say_what_failed(matrix)
    whole, cells = readme.whole_matrix_line(matrix), readme.bench_cells(rows)
    if markdown:
        click.echo(readme.markdown_table(readme.BENCH_HEADER, cells))
        click.echo(f"\n{whole}.")
        return
    table = Table(*readme.BENCH_HEADER, title=f"asyncconf bench (median of {repeats})")
    for row in cells:
        table.add_row(*row)
    console.print(table)
    console.print(whole, markup=False, highlight=False)


def _bench_fuzz(patterns: list[Pattern], langs: list[str], examples: int, markdown: bool) -> int:
    """The fuzzer's search alone (nothing shrunk), in this one process: examples per second per
    pattern. A finding is not judged here (``asyncconf fuzz`` does); a pattern fewer than two
    transports can run is left out and named."""
    from .fuzz import throughput
    from .html import readme
    from .languages import open_language

    sessions = [open_language(lang, patterns) for lang in langs]
    try:
        results = throughput(patterns, sessions, examples=examples)
    finally:
        for session in sessions:
            session.close()
    left_out = sorted({p.id for p in patterns} - {r.pattern for r in results})
    # Each figure says what it was measured on: fewer transports make a faster figure.
    header = ["pattern", "examples", "search (s)", "examples/s", "10,000 examples, one process (s)", "transports"]
    rows = [
        [
            r.pattern,
            str(r.searched),
            f"{r.search_seconds:.1f}",
            f"{r.per_second:.0f}",
            f"{10_000 / r.per_second:.0f}",
            ", ".join(r.transports),
        ]
        for r in results
        if r.per_second
    ]
    if markdown:
        click.echo(readme.markdown_table(header, rows))
    else:
        table = Table(
            *header, title=f"asyncconf bench --fuzz {examples} (one process, every transport that can run the pattern)"
        )
        for row in rows:
            table.add_row(*row)
        console.print(table)
    if left_out:
        click.echo(f"left out (fewer than two transports can run them): {', '.join(left_out)}", err=True)
    return 0 if rows else 1


@main.command("fuzz")
@spec_option
@click.option("--pattern", "pattern_ids", multiple=True, help="Only this pattern (repeatable).")
@count_option("--examples", 200, "Examples per pattern, each run on every transport.")
@click.option(
    "--seed", type=int, default=None, help="Repeat a run: the same seed draws the same examples.  [default: random]"
)
@click.option("--lang", "langs", default=",".join(LANGUAGES), show_default=True, help="Languages, comma-separated.")
@click.option(
    "--require",
    "required",
    default="",
    help="Languages that must be fuzzed: one left out of a pattern (runtime absent, an API missing) fails the run.",
)
def fuzz_command(
    spec_dir: Path, pattern_ids: tuple[str, ...], examples: int, seed: int | None, langs: str, required: str
) -> None:
    """Differential fuzzing: inputs drawn from the spec, run on every language and transport; each
    divergence, runner error or unfinished run shrunk to a minimal scenario. Exit 0 only when clean."""
    from .fuzz.command import fuzz_command as run_fuzz

    selected = _langs(langs)
    required_langs = _required(required, selected)
    sys.exit(run_fuzz(_load(spec_dir, pattern_ids), selected, examples, seed, required_langs))


def _import(target: str, option: str) -> Any:
    """``module:attribute`` (the module found from the current folder too), or a usage error."""
    import importlib

    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise click.BadParameter(f"expected MODULE:CALLABLE, got {target!r}", param_hint=option)
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        found: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        raise click.BadParameter(f"cannot import {target}: {error}", param_hint=option) from None
    return found


@main.command("check")
@spec_option
@click.argument("pattern_id", metavar="PATTERN")
@click.argument("target", metavar="MODULE:CALLABLE")
@click.option(
    "--not-applicable",
    "not_applicable",
    metavar="MODULE:CALLABLE",
    help="A function of a scenario returning why your implementation cannot take it (then n/a), or None.",
)
def check_command(spec_dir: Path, pattern_id: str, target: str, not_applicable: str | None) -> None:
    """Check a Python implementation of your own against a pattern's scenarios (the reference's
    signature, spec/PROTOCOL.md section 8): exit 0 only when it passes them all (n/a aside)."""
    from .testing import check_pattern

    _load(spec_dir, [pattern_id], hint="PATTERN")  # an unknown pattern is a usage error naming the known ones
    implementation = _import(target, "MODULE:CALLABLE")
    skip = _import(not_applicable, "--not-applicable") if not_applicable else None
    report = check_pattern(pattern_id, implementation, not_applicable=skip, spec_dir=spec_dir)
    console.print(report.explain(), markup=False, highlight=False)
    console.print("OK" if report.ok else "NOT OK", markup=False, highlight=False)
    sys.exit(0 if report.ok else 1)


@main.command("libraries")
@spec_option
@click.option("--record", is_flag=True, help="Write the Python adapters' results into libraries/results/.")
@click.option("--markdown", is_flag=True, help="Print every language's recorded results as one Markdown table.")
@click.option(
    "--readme",
    "readme_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Rewrite this README's table between <!-- asyncconf:libraries:begin/end --> (only when current).",
)
def libraries_command(spec_dir: Path, record: bool, markdown: bool, readme_file: Path | None) -> None:
    """Check third-party libraries against the spec through the public seam (libraries/python/) and
    compare with their recorded results (libraries/results/): exit 1 when a result changed."""
    from .libraries import command

    sys.exit(command(spec_dir=spec_dir, record=record, markdown=markdown, readme=readme_file))


@main.command("show")
@spec_option
@click.argument("name", metavar="PATTERN/SCENARIO")
@click.option("--lang", "langs", default=",".join(LANGUAGES), show_default=True, help="Languages, comma-separated.")
@click.option("--impl", "impls", default="reference", show_default=True, help="Implementation ids, comma-separated.")
@click.option(
    "--runner", "runner_specs", multiple=True, metavar="LANG=COMMAND", help="A runner of your own, beside ours."
)
def show_command(spec_dir: Path, name: str, langs: str, impls: str, runner_specs: tuple[str, ...]) -> None:
    """Run one scenario and print every language's answer side by side, the first difference marked."""
    from .show import side_by_side

    pattern_id, _, scenario_id = name.partition("/")
    [pattern] = _load(spec_dir, [pattern_id], hint="PATTERN/SCENARIO")
    try:
        scenario = pattern.scenario(scenario_id)
    except KeyError:
        known = ", ".join(s.id for s in pattern.scenarios)
        raise click.BadParameter(f"{pattern_id} has no scenario {scenario_id!r} (scenarios: {known})") from None
    selected = _langs(langs)
    with Engine([pattern], selected, runners=_runners(runner_specs, selected)) as engine:
        chosen = [impl.strip() for impl in impls.split(",") if impl.strip()]
        _check_ids(engine, chosen)  # one no runner has showed "every answer is the same" of no answer at all
        runs = [run for lang in selected for impl in chosen for run in engine.run_scenario(scenario, lang, impl)]
    view = side_by_side(runs)
    table = Table(*view.header, title=f"{scenario.name}: {scenario.summary}".rstrip(": "))
    for index, row in enumerate(view.rows):
        marked = index == view.first_difference
        table.add_row(*(escape(cell) for cell in row), style="bold red" if marked else None)
    console.print(table)
    said = [f"{run.status.upper()} {run.column} [{run.impl}]: {run.reason}" for run in runs if run.answer is None]
    answered = sum(run.answer is not None for run in runs)
    if answered < 2:
        said.append(f"{answered} answer(s): nothing to compare")
    elif view.first_difference is None:
        said.append("every answer is the same (canonical order)")
    else:
        said.append(f"first difference: {view.rows[view.first_difference][0]} (marked)")
    for line in said:
        console.print(line, markup=False, highlight=False)


@main.command("readme")
@spec_option
@click.option(
    "--readme",
    "readme_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=ROOT / "README.md",
    show_default="README.md",
)
@click.option("--bench/--no-bench", default=True, show_default=True, help="Measure and rewrite the benchmark too.")
@count_option("--repeats", 5, "Benchmark: runs of each scenario; the median counts.")
def readme_command(spec_dir: Path, readme_file: Path, bench: bool, repeats: int) -> None:
    """Run the whole matrix (and the benchmark) and rewrite the README's measured tables between
    their markers. Exit 1 when the run is not OK (the README then says so)."""
    import datetime

    from .bench import bench as measure
    from .bench import matrix_wall_s
    from .html import readme

    text = readme_file.read_text(encoding="utf-8")
    for name in readme.BLOCKS if bench else ("matrix",):
        readme.block(text, name)  # the markers are there, before minutes of running
    patterns, langs = _load(spec_dir), list(LANGUAGES)
    date = datetime.date.today().isoformat()
    with Engine(patterns, langs) as engine:
        started = time.perf_counter()
        engine.open_all()  # install, build, start: timed apart from the run
        ready = time.perf_counter()
        runs = _run_with_progress(engine, "all", until_rejected=True)
    measured = readme.matrix_block(runs, date=date, ready_s=ready - started, wall_s=time.perf_counter() - ready)
    text = readme.replace_block(text, "matrix", measured)
    if bench:
        rows = measure(patterns, langs, repeats)
        matrix = matrix_wall_s(patterns, langs)
        _say_what_failed(matrix)
        measured = readme.bench_block(rows, matrix, date=date, repeats=repeats)
        text = readme.replace_block(text, "bench", measured)
    readme_file.write_text(text, encoding="utf-8")
    _refresh_screenshots(runs, readme_file.parent, spec_dir)
    summary = report.summarize(runs, until_rejected=True)
    _print_matrix(runs)
    _print_problems(runs, summary, verbose=False)
    errors.print(f"asyncconf: rewrote the measured tables of {readme_file}", markup=False, highlight=False)
    sys.exit(0 if summary["ok"] else 1)


def _refresh_screenshots(runs: Sequence[Run], root: Path, spec_dir: Path) -> None:
    """The README's screenshots of the HTML report, of the run its matrix shows."""
    import tempfile

    from .html import readme, write_site
    from .html.browser import INSTALL, BrowserError

    with tempfile.TemporaryDirectory(prefix="asyncconf-report-") as site:
        meta = {"clock": "virtual", "impl": "all", "antipatterns_ran": "until rejected", "asyncconf": __version__}
        write_site(Path(site), runs, meta, spec_dir=spec_dir)
        try:
            taken = readme.refresh_screenshots(Path(site), root)
        except BrowserError as error:
            errors.print(f"asyncconf: screenshots NOT refreshed: {error} ({INSTALL})", markup=False, highlight=False)
            return
    errors.print(f"asyncconf: refreshed {', '.join(str(p) for p in taken)}", markup=False, highlight=False)


@main.command("report")
@click.argument("json_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--markdown", is_flag=True, help="Print the matrix as a Markdown table (for the README).")
@html_option
@spec_option
def report_command(json_file: Path, markdown: bool, html_dir: Path | None, spec_dir: Path) -> None:
    """Show the matrix of a run saved with --json (or write its HTML report); exit 1 when its runs are not OK."""
    try:
        runs, summary, meta = report.read_json(json_file)
    except report.ReportError as error:
        errors.print(f"asyncconf report: {error}", markup=False, highlight=False)
        sys.exit(1)
    summary = report.judge_saved(runs, summary, meta)  # the runs decide, not the file's own verdict
    if html_dir:
        _write_html(html_dir, runs, meta, spec_dir, summary)
    elif markdown:
        click.echo(report.render_markdown(runs))
    else:
        _print_matrix(runs)
        _print_problems(runs, summary, verbose=False)
    # The exit status is the verdict, in every form, as `run`'s: a CI step gating on a saved run must not
    # be green for a failing one.
    sys.exit(0 if summary["ok"] else 1)


if __name__ == "__main__":
    main()
