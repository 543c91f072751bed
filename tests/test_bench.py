"""`asyncconf bench` measures; it asserts no speed. These tests check that its figures are of what
they claim: real runs that passed, counted whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from asyncconf.bench import bench, matrix_wall_s
from asyncconf.cli import main
from asyncconf.spec import load_spec

PATTERNS = [p for p in load_spec() if p.id in ("task-group", "timeout")]


def test_the_per_transport_rows_count_every_reference_scenario() -> None:
    rows = bench(PATTERNS, ["python"], repeats=1)
    assert [(r.lang, r.transport) for r in rows] == [("python", "inprocess"), ("python", "subprocess")]
    scenarios = sum(len(p.scenarios) for p in PATTERNS)
    assert all(r.scenarios == scenarios and r.virtual_ms > 0 and r.wall_ms > 0 for r in rows)


def test_the_whole_matrix_timing_is_of_a_complete_passing_run() -> None:
    timing = matrix_wall_s(PATTERNS, ["python"], repeats=1)
    assert timing.ok and timing.wall_s > 0
    references = sum(len(p.scenarios) for p in PATTERNS)
    equivalence = references  # the second transport against the first
    antipatterns = sum(len(p.antipatterns) for p in PATTERNS)
    every_scenario = 2 * sum(len(p.scenarios) * (1 + len(p.antipatterns)) for p in PATTERNS)
    # As `asyncconf run` runs it: each anti-pattern until a scenario rejects it, on each transport.
    assert 2 * (references + antipatterns) + equivalence <= timing.runs < every_scenario + equivalence


def test_bench_prints_the_whole_matrix_line(spec_copy: Path) -> None:
    for path in spec_copy.glob("*.yaml"):
        if path.stem != "task-group":
            path.unlink()
    args = ["bench", "--spec", str(spec_copy), "--lang", "python", "--repeats", "1", "--markdown"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Whole matrix (`asyncconf run`, warm, median of 3):" in result.output and "NOT OK" not in result.output


def test_a_failing_timed_matrix_run_says_what_failed(spec_copy: Path) -> None:
    """Figures of a failing run are marked NOT OK -- and what failed is said, not left to guess."""
    for path in spec_copy.glob("*.yaml"):
        if path.stem != "task-group":
            path.unlink()
    spec = spec_copy / "task-group.yaml"
    spec.write_text(spec.read_text().replace("elapsed_ms: 30", "elapsed_ms: 31", 1))  # a wrong expectation
    args = ["bench", "--spec", str(spec_copy), "--lang", "python", "--repeats", "1", "--markdown"]
    result = CliRunner().invoke(main, args)
    assert "NOT OK" in result.stdout
    said = [line for line in result.stderr.splitlines() if "a timed matrix run was not OK" in line]
    assert said and all("task-group/" in line and "elapsed_ms" in line for line in said), result.stderr


def test_bench_fuzz_gives_examples_per_second_per_pattern() -> None:
    result = CliRunner().invoke(
        main, ["bench", "--fuzz", "4", "--lang", "python", "--markdown"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| pattern | examples | search (s) | examples/s |")
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in lines[1:]}
    assert set(rows) == {p.id for p in load_spec()}  # python's two transports run every pattern
    assert all(row[1] == "4" and float(row[3]) > 0 for row in rows.values())
    # Each figure says what it was measured on: fewer transports make a faster figure.
    assert lines[0].rstrip().endswith("| transports |")
    assert all(row[-1].strip(" |") == "python/inprocess, python/subprocess" for row in rows.values())


def test_bench_fuzz_with_one_transport_has_no_figure_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from asyncconf import languages

    def python_inprocess_only(lang: str, patterns: list[Any]) -> languages.LanguageSession:
        session = open_language(lang, patterns)
        session.transports = session.transports[:1]
        return session

    open_language = languages.open_language
    monkeypatch.setattr(languages, "open_language", python_inprocess_only)
    result = CliRunner().invoke(main, ["bench", "--fuzz", "2", "--lang", "python"])
    assert result.exit_code == 1
    assert "left out (fewer than two transports can run them): " in result.output
    assert "bounded-concurrency, " in result.output
