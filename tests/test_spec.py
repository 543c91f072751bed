"""The spec loader: the real spec loads; a bad file gets one clear FILE:LINE line per problem."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from asyncconf.cli import main
from asyncconf.lint import RULES
from asyncconf.spec import SpecError, _build, _parse, load_pattern, load_spec

GOOD = """\
id: {id}
title: A pattern
summary: For the loader tests.
params:
  limit: 2
rules:
  - {{id: R1, text: "One rule."}}
api: {{python: [], javascript: [], csharp: []}}
antipatterns:
  - {{id: mistake, text: "A mistake."}}
scenarios:
  - id: first
    covers: [R1]
    plan:
      op: [{{after_ms: 10, ok: data}}]
    expect:
      outcome: {{ok: data}}
      elapsed_ms: 10
domains:
  limit: {{type: number}}
"""


def write(tmp_path: Path, text: str, name: str = "demo") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_pattern(path)
    return [str(p) for p in caught.value.problems]


def test_the_real_spec_loads_and_covers_every_rule() -> None:
    patterns = load_spec()
    assert {p.id for p in patterns} >= {
        "parallel-partial-failures",
        "timeout",
        "cancellation-cleanup",
        "retry-backoff",
        "bounded-concurrency",
        "task-group",
        "racing",
        "unobserved-failures",
    }
    for pattern in patterns:
        covered = {rule for s in pattern.scenarios for rule in s.covers}
        assert covered == set(pattern.rules), pattern.id


def test_a_good_file_loads_with_merged_params(tmp_path: Path) -> None:
    pattern = load_pattern(write(tmp_path, GOOD.format(id="demo")))
    assert pattern.scenarios[0].params == {"limit": 2}
    assert pattern.scenarios[0].line == 12


def test_a_file_found_valid_is_checked_again_once_changed_and_each_load_is_its_own(tmp_path: Path) -> None:
    # Loading skips the checks of a file this process already found valid (spec._FOUND_VALID): a
    # change must bring them back, and no load may share objects with another.
    path = write(tmp_path, GOOD.format(id="demo"))
    first = load_pattern(path)
    first.scenarios[0].params["limit"] = 99
    assert load_pattern(path).scenarios[0].params == {"limit": 2}
    path.write_text(GOOD.format(id="demo").replace("elapsed_ms: 10", 'elapsed_ms: "10"'))
    assert problems(path)[0].startswith(f"{path}:18: scenarios[0].expect.elapsed_ms: a numeric check is a whole number")
    path.write_text(GOOD.format(id="demo").replace("covers: [R1]", "covers: [R1, R7]"))  # the lint's, too
    assert problems(path) == [f"{path}:13: scenario `first` covers unknown rule `R7` (rules: R1)"]


def test_a_file_found_valid_is_parsed_once_and_each_load_still_builds_its_own_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load of a file found valid takes its parse from the last (spec._FOUND_VALID): pytest's
    workers parsed the spec 2,255 times in a session. Its objects are still new every time."""
    from asyncconf import spec

    parsed: list[str] = []
    parse = spec._parse

    def counted(text: str) -> tuple[Any, Any]:
        parsed.append(text)
        return parse(text)

    monkeypatch.setattr(spec, "_parse", counted)
    path = write(tmp_path, GOOD.format(id="demo"))
    first = load_pattern(path)
    first.scenarios[0].params["limit"] = 99
    first.scenarios[0].expect["elapsed_ms"] = 99
    first.scenarios[0].plan["op"].clear()
    for _ in range(2):
        again = load_pattern(path)
        assert again.scenarios[0].params == {"limit": 2}
        assert again.scenarios[0].expect == {"outcome": {"ok": "data"}, "elapsed_ms": 10}
        assert again.scenarios[0].plan == {"op": [{"after_ms": 10, "ok": "data"}]}
        assert again.scenarios[0].line == 12
        again.scenarios[0].expect["elapsed_ms"] = 99
    assert len(parsed) == 1
    path.write_text(GOOD.format(id="demo") + "# changed\n")
    load_pattern(path)
    assert len(parsed) == 2
    monkeypatch.setattr(spec, "MOST_FOUND_VALID", 1)  # the least recently used goes
    load_pattern(write(tmp_path, GOOD.format(id="other"), name="other"))
    load_pattern(path)
    assert len(parsed) == 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # a wrong type: a time that is a string
        (
            ("elapsed_ms: 10", 'elapsed_ms: "10"'),
            ":18: scenarios[0].expect.elapsed_ms: a numeric check is a whole number",
        ),
        # a plan step with no outcome
        (
            ("{after_ms: 10, ok: data}", "{after_ms: 10}"),
            ":15: scenarios[0].plan.op[0]: a plan step needs exactly one outcome",
        ),
        # an unknown error kind
        (("ok: data}]", "fail: oops}]"), ":15: scenarios[0].plan.op[0].fail: an error kind is one of"),
        # an unknown rule id in covers
        (("covers: [R1]", "covers: [R1, R7]"), ":13: scenario `first` covers unknown rule `R7` (rules: R1)"),
        # a rule no scenario covers
        (
            ('  - {id: R1, text: "One rule."}', '  - {id: R1, text: "One rule."}\n  - {id: R2, text: "Two."}'),
            ":8: rule R2 is covered by no scenario",
        ),
        # an unknown parameter
        (
            ("    covers: [R1]", "    covers: [R1]\n    params: {limti: 3}"),
            ":14: `limti` is not a parameter of demo (parameters: limit)",
        ),
        # a missing field
        (("title: A pattern\n", ""), ":1: the file: 'title' is required"),
        # a duplicate key
        (
            ("summary: For the loader tests.", "summary: For the loader tests.\nsummary: Again."),
            ":4: duplicate key `summary`",
        ),
        # not YAML at all
        (("scenarios:", "scenarios: ["), ":12: not valid YAML"),
        # an unclosed flow sequence is named at its own line, not where the parser noticed
        (("covers: [R1]", "covers: [R1"), ":13: not valid YAML: while parsing a flow sequence here"),
    ],
)
def test_a_bad_file_gets_its_file_line_and_problem(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = GOOD.format(id="demo")
    assert change[0] in text
    path = write(tmp_path, text.replace(change[0], change[1], 1))
    found = problems(path)
    assert any(line.startswith(str(path)) and expected in line for line in found), found


#: For each rule of the spec lint, a change to GOOD that it alone catches, and what it says.
RULE_CASES: dict[str, tuple[tuple[str, str], str]] = {
    "file_name_is_id": (("id: demo", "id: other"), ":1: the id `other` must match the file name (demo.yaml)"),
    "ids_are_unique": (
        (
            '  - {id: mistake, text: "A mistake."}',
            '  - {id: mistake, text: "A mistake."}\n  - {id: mistake, text: "Again."}',
        ),
        ":11: antipattern id `mistake` is used more than once",
    ),
    "covers_known_rules": (("covers: [R1]", "covers: [R1, R7]"), ":13: scenario `first` covers unknown rule `R7`"),
    "every_rule_covered": (
        ('  - {id: R1, text: "One rule."}', '  - {id: R1, text: "One rule."}\n  - {id: R2, text: "Two."}'),
        ":8: rule R2 is covered by no scenario",
    ),
    "expectations_can_fail": (
        ("      outcome: {ok: data}\n      elapsed_ms: 10\n", "      leaks: any\n"),
        ":17: scenario `first` expects nothing a run could fail (one of outcome, elapsed_ms",
    ),
    "scenario_params_known": (
        ("    covers: [R1]", "    covers: [R1]\n    params: {limti: 3}"),
        ":14: `limti` is not a parameter of demo (parameters: limit)",
    ),
    "domains_cover_params": (("domains:\n  limit: {type: number}\n", ""), ":5: `limit` has no domain"),
    "refused_outside_domains": (  # a runner's parameter: no refusal scenario is asked for, but one outside is refused
        (
            GOOD.format(id="demo"),
            GOOD.format(id="demo")
            .replace("    covers: [R1]\n    plan:", "    covers: [R1]\n    params: {limit: 0}\n    plan:", 1)
            .replace("  limit: {type: number}", "  limit: {type: number, min: 1, by: runner}", 1),
        ),
        ":14: scenario `first` gives `limit` 0, below 1 its domain: it must expect `outcome: {fail: invalid}`",
    ),
    "domain_edges_refused": (
        ("  limit: {type: number}", "  limit: {type: integer}"),
        ":20: no scenario refuses `limit` a fraction",
    ),
    "fuzz_domains_known": (
        ("scenarios:\n", "fuzz:\n  params:\n    limit: {min: 3, max: 1}\nscenarios:\n"),
        ":13: the fuzz domain of `limit` has min 3 > max 1",
    ),
    "plan_steps_timed": (
        ("{after_ms: 10, ok: data}", "{ok: data, cancel_ms: 5}"),
        ":15: `cancel_ms` on a step that settles at once can never apply",
    ),
    "cancellation_expected_with_cancel": (
        ("    expect:\n      outcome: {ok: data}\n", "    cancel_at_ms: 5\n    expect:\n"),
        ":18: scenario `first` cancels, so it must expect an outcome",
    ),
    "invocations_match_pattern": (
        ("    plan:\n", "    invocations: [{at_ms: 0}]\n    plan:\n"),
        ":14: scenario `first` has `invocations`, but demo is not `invoked: many`",
    ),
    "invocations_well_formed": (
        (
            GOOD.format(id="demo"),
            GOOD.format(id="demo")
            .replace("params:\n", "invoked: many\nparams:\n", 1)
            .replace("    plan:\n", "    invocations: [{at_ms: 5, cancel_at_ms: 1}]\n    plan:\n", 1)
            .replace("outcome: {ok: data}", "outcome: {each: [{ok: data}]}", 1),
        ),
        ":15: invocation 1 of `first` is cancelled at 1 ms, before it starts (5 ms)",
    ),
    # racing's `items: [a, z]` with steps for a only passed: z's call crashed, taken for a failed alternative
    "items_have_plans": (
        (
            GOOD.format(id="demo"),
            GOOD.format(id="demo")
            .replace("  limit: 2\n", "  limit: 2\n  items: [op, z]\n", 1)
            .replace("  limit: {type: number}\n", "  limit: {type: number}\n  items: {type: list}\n", 1),
        ),
        ":16: scenario `first` has no plan for item(s) z",
    ),
    "each_only_with_invocations": (
        ("      elapsed_ms: 10\n", "      elapsed_ms: 10\n      settled_at_ms: [10]\n"),
        ":19: scenario `first` has no invocations: no `settled_at_ms`",
    ),
}


def test_a_bound_every_run_meets_is_no_expectation(tmp_path: Path) -> None:
    """`max_in_flight: {min: 0}` beside `leaks: any` satisfied the lint and covered a rule while no run
    could fail it; `calls_at_ms: {}` ("no call") can fail, and is an expectation."""
    text = GOOD.format(id="demo")
    old = "      outcome: {ok: data}\n      elapsed_ms: 10\n"
    assert old in text
    vacuous = write(tmp_path, text.replace(old, "      leaks: any\n      max_in_flight: {min: 0}\n", 1))
    assert any(":17: scenario `first` expects nothing a run could fail" in line for line in problems(vacuous))
    (tmp_path / "none").mkdir()
    exact = write(tmp_path / "none", text.replace(old, "      leaks: any\n      calls_at_ms: {}\n", 1))
    assert load_pattern(exact).scenarios[0].expect["calls_at_ms"] == {}  # loads: no lint finding


@pytest.mark.parametrize("rule", sorted({rule.__name__ for rule in RULES} | set(RULE_CASES)))
def test_every_lint_rule_catches_its_case_and_only_that_rule_does(tmp_path: Path, rule: str) -> None:
    assert rule in RULE_CASES, f"the lint rule {rule} has no case in RULE_CASES: add one it alone catches"
    (before, after), expected = RULE_CASES[rule]
    text = GOOD.format(id="demo")
    assert before in text
    path = write(tmp_path, text.replace(before, after, 1))
    found = problems(path)
    assert any(expected in line for line in found), found
    # No other rule catches it: without this rule the broken file would load.
    root, data = _parse(path.read_text())
    pattern = _build(path, data, root)
    others = [finding for other in RULES if other.__name__ != rule for finding in other(pattern, data)]
    assert others == []


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    assert problems(write(tmp_path, GOOD.format(id="other"))) == [
        f"{tmp_path / 'demo.yaml'}:1: the id `other` must match the file name (demo.yaml)"
    ]


def test_validate_reports_every_problem_without_a_traceback(tmp_path: Path) -> None:
    write(tmp_path, GOOD.format(id="demo").replace("covers: [R1]", "covers: [R9]"))
    write(tmp_path, GOOD.format(id="fine"), name="fine")
    result = CliRunner().invoke(main, ["validate", "--spec", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{tmp_path / 'demo.yaml'}:13: scenario `first` covers unknown rule `R9`" in result.output


def test_validate_accepts_the_real_spec() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_a_file_found_valid_is_stamped_for_other_processes_until_it_or_the_checks_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process finds the stamp (spec.VALID_STAMPS) and skips the checks; a changed text or
    check (the fingerprint) is checked again, and a file found invalid leaves no stamp."""
    from asyncconf import spec

    monkeypatch.setattr(spec, "VALID_STAMPS", tmp_path / "stamps")
    path = write(tmp_path, GOOD.format(id="demo"))
    load_pattern(path)
    assert len(list((tmp_path / "stamps").iterdir())) == 1

    def checked(*args: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(spec, "_FOUND_VALID", OrderedDict())  # as another process
    monkeypatch.setattr(spec, "lint_pattern", checked)
    assert load_pattern(path).scenarios[0].params == {"limit": 2}  # the stamp: not checked again
    path.write_text(GOOD.format(id="demo") + "# a comment\n")
    with pytest.raises(AssertionError, match="checked again"):
        load_pattern(path)
    path.write_text(GOOD.format(id="demo"))
    monkeypatch.setattr(spec, "_FOUND_VALID", OrderedDict())  # another process again, with other checks
    monkeypatch.setattr(spec, "_checks_fingerprint", lambda: "a check changed")
    with pytest.raises(AssertionError, match="checked again"):
        load_pattern(path)

    monkeypatch.undo()
    monkeypatch.setattr(spec, "VALID_STAMPS", tmp_path / "stamps")
    path.write_text(GOOD.format(id="demo").replace("covers: [R1]", "covers: [R7]"))
    problems(path)
    assert len(list((tmp_path / "stamps").iterdir())) == 1  # the first one only


def test_past_the_most_stamps_the_least_recently_used_half_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test that checks a spec in a temporary folder leaves a stamp: they must not pile up."""
    import os

    from asyncconf import spec

    stamps = tmp_path / "stamps"
    monkeypatch.setattr(spec, "VALID_STAMPS", stamps)
    monkeypatch.setattr(spec, "MOST_STAMPS", 4)
    used = write(tmp_path, GOOD.format(id="used"), name="used")
    load_pattern(used)
    [used_stamp] = list(stamps.iterdir())
    for age in range(4):  # four stamps older than any this test writes
        (stamps / f"old-{age}").touch()
        os.utime(stamps / f"old-{age}", (1_000_000 + age, 1_000_000 + age))
    os.utime(used_stamp, (0, 0))  # the oldest of all ...
    monkeypatch.setattr(spec, "_FOUND_VALID", OrderedDict())  # ... until another process uses it
    load_pattern(used)
    load_pattern(write(tmp_path, GOOD.format(id="demo")))  # a sixth stamp: past 4, all but the 2 newest go
    assert sorted(p.name for p in stamps.iterdir()) == sorted(
        [used_stamp.name, spec._stamp(tmp_path / "demo.yaml", GOOD.format(id="demo")).name]
    )
