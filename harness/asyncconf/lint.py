"""The spec lint: what the JSON Schema cannot say. One function per rule, like test262's lint.

Each rule takes the loaded pattern and its raw data and yields ``(path, message)``; the path
points into the YAML so the loader can name the line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the loader (spec.py) calls the lint: importing it back at run time would be a circle
    from .spec import Pattern

Finding = tuple[list[str | int], str]
Rule = Callable[["Pattern", dict[str, Any]], Iterator[Finding]]


def file_name_is_id(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    if pattern.file.stem != pattern.id:
        yield ["id"], f"the id `{pattern.id}` must match the file name ({pattern.file.stem}.yaml)"


def ids_are_unique(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    for section in ("rules", "antipatterns", "scenarios"):
        counts = Counter(entry["id"] for entry in data[section])
        for index, entry in enumerate(data[section]):
            if counts[entry["id"]] > 1:
                yield [section, index, "id"], f"{section[:-1]} id `{entry['id']}` is used more than once"


def covers_known_rules(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    for index, scenario in enumerate(data["scenarios"]):
        for position, rule in enumerate(scenario["covers"]):
            if rule not in pattern.rules:
                known = ", ".join(pattern.rules)
                yield (
                    ["scenarios", index, "covers", position],
                    f"scenario `{scenario['id']}` covers unknown rule `{rule}` (rules: {known})",
                )


def every_rule_covered(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    covered = {rule for scenario in pattern.scenarios for rule in scenario.covers}
    for index, rule in enumerate(data["rules"]):
        if rule["id"] not in covered:
            yield ["rules", index, "id"], f"rule {rule['id']} is covered by no scenario"


def scenario_params_known(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    for index, scenario in enumerate(data["scenarios"]):
        for name in scenario.get("params", {}):
            if name not in pattern.params:
                known = ", ".join(pattern.params)
                yield (
                    ["scenarios", index, "params", name],
                    f"`{name}` is not a parameter of {pattern.id} (parameters: {known})",
                )


def fuzz_domains_known(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """A `fuzz:` domain names a parameter of the pattern, and its bounds are in order."""
    for name, domain in data.get("fuzz", {}).get("params", {}).items():
        if name not in pattern.params:
            known = ", ".join(pattern.params)
            yield ["fuzz", "params", name], f"`{name}` is not a parameter of {pattern.id} (parameters: {known})"
        elif isinstance(domain, dict) and domain.get("min", 0) > domain["max"]:
            yield ["fuzz", "params", name], f"the fuzz domain of `{name}` has min {domain['min']} > max {domain['max']}"


def plan_steps_timed(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """A `cancel_ms` only means something for a call that can be cancelled before it settles."""
    for index, scenario in enumerate(data["scenarios"]):
        for key, steps in scenario["plan"].items():
            for position, step in enumerate(steps):
                if "cancel_ms" in step and not step.get("hang") and "after_ms" not in step:
                    yield (
                        ["scenarios", index, "plan", key, position],
                        "`cancel_ms` on a step that settles at once can never apply",
                    )


def cancellation_expected_with_cancel(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """A scenario that cancels the caller must say what comes out: a silent expectation tests nothing."""
    for index, scenario in enumerate(data["scenarios"]):
        if "cancel_at_ms" in scenario and "outcome" not in scenario["expect"]:
            yield (
                ["scenarios", index, "expect"],
                f"scenario `{scenario['id']}` cancels, so it must expect an outcome",
            )


RULES: tuple[Rule, ...] = (
    file_name_is_id,
    ids_are_unique,
    covers_known_rules,
    every_rule_covered,
    scenario_params_known,
    fuzz_domains_known,
    plan_steps_timed,
    cancellation_expected_with_cancel,
)


def lint_pattern(pattern: Pattern, data: dict[str, Any]) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(pattern, data)]
