"""`asyncconf show`: one scenario's answers side by side, the first difference marked."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from asyncconf import engine
from asyncconf.cli import main
from asyncconf.engine import Run
from asyncconf.show import side_by_side


def _run(transport: str, trace: list[dict[str, object]], impl: str = "reference") -> Run:
    answer = {"outcome": {"ok": 1}, "elapsed_ms": 20, "leaks": [], "trace": trace}
    role = "reference" if impl == "reference" else "candidate"
    return Run("p", "s", "python", transport, impl, "pass", answer=answer, role=role)


def test_the_first_differing_row_is_found_in_canonical_order() -> None:
    a, b = {"t": 0, "ev": "call", "key": "a", "n": 1}, {"t": 0, "ev": "call", "key": "b", "n": 1}
    late = {"t": 21, "ev": "ok", "key": "a", "n": 1}
    same = side_by_side([_run("inprocess", [a, b]), _run("subprocess", [b, a])])  # one instant, two orders
    assert same.first_difference is None
    view = side_by_side([_run("inprocess", [a, b]), _run("custom", [a, b, late], impl="mine")])
    assert view.header == ["", "python/inprocess", "python/custom [mine]"]
    assert view.first_difference is not None and view.rows[view.first_difference][0] == "event 3"


def test_show_prints_every_language_side_by_side() -> None:
    result = CliRunner().invoke(main, ["show", "timeout/exceeds-limit", "--lang", "python"])
    assert result.exit_code == 0, result.output
    assert "python/inprocess" in result.output and "python/subprocess" in result.output
    assert "every answer is the same" in result.output
    result = CliRunner().invoke(main, ["show", "timeout/nope", "--lang", "python"])
    assert result.exit_code == 2 and "timeout has no scenario 'nope'" in result.output
    result = CliRunner().invoke(main, ["show", "nope/x", "--lang", "python"])  # named the --pattern option it has not
    assert result.exit_code == 2 and "Invalid value for PATTERN/SCENARIO: unknown pattern nope" in result.output
    # An id no runner has showed an empty table and "every answer is the same" of no answer at all.
    result = CliRunner().invoke(main, ["show", "timeout/exceeds-limit", "--lang", "python", "--impl", "nonesuch"])
    assert result.exit_code == 2 and "no runner implements nonesuch" in result.output
    assert "every answer is the same" not in result.output


def test_fewer_than_two_answers_are_not_called_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # A language that could not run gave no answer, and "every answer is the same" was said of none.
    def absent(name: str, patterns: Any, command: Any = None, **options: Any) -> engine.LanguageSession:
        return engine.LanguageSession(name, skip_reason="no `dotnet` on PATH", tried=["subprocess"])

    monkeypatch.setattr(engine, "open_language", absent)
    result = CliRunner().invoke(main, ["show", "timeout/exceeds-limit", "--lang", "csharp"])
    assert "0 answer(s): nothing to compare" in result.output, result.output
    assert "every answer is the same" not in result.output


def test_what_the_runner_did_after_settling_is_shown_apart_and_never_compared() -> None:
    call = {"t": 0, "ev": "call", "key": "op", "n": 1}
    cleanup = {"t": 50, "ev": "cancel", "key": "op", "n": 1}
    left, right = _run("inprocess", [call]), _run("subprocess", [call])
    assert left.answer is not None
    left.answer["trace_after"] = [cleanup]
    view = side_by_side([left, right])
    assert ["after settling 1", "    50 cancel op#1", ""] in view.rows
    assert view.first_difference is None
