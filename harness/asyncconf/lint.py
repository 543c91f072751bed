"""The spec lint: what the JSON Schema cannot say. One function per rule, like test262's lint.

Each rule takes the loaded pattern and its raw data and yields ``(path, message)``; the path
points into the YAML so the loader can name the line.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .domains import edges, outside

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


#: The expectations that take a bound (``{min: M, max: N}``; checker's ``_count_ok``, ``_time_ok``):
#: a count or a time, never below 0. (``calls: {}`` and the times per key are exact: ``{}`` says "none".)
BOUNDED = frozenset({"elapsed_ms", "max_in_flight", "max_lag_ms", "max_queued", "max_open", "random_draws"})


def _holds_for_any_run(name: str, expected: Any) -> bool:
    """A bound no run can miss: no max, and a min of 0 or none -- every count and time is at least 0."""
    if name not in BOUNDED or not isinstance(expected, dict) or not expected.keys() <= {"min", "max"}:
        return False
    low = expected.get("min", 0)
    return "max" not in expected and isinstance(low, (int, float)) and low <= 0


def expectations_can_fail(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """A scenario checks its rules only by an expectation a run can fail: one that says nothing
    but `leaks: any` -- or only bounds every run meets, `max_in_flight: {min: 0}` -- would count its
    rules covered while checking none of them."""
    from .checker import CHECKS  # the checker loads specs: imported here, not at the top, to stay out of a circle

    for index, scenario in enumerate(data["scenarios"]):
        expect = scenario.get("expect", {})
        if not any(name in CHECKS and not _holds_for_any_run(name, value) for name, value in expect.items()):
            yield (
                ["scenarios", index, "expect"],
                f"scenario `{scenario['id']}` expects nothing a run could fail (one of {', '.join(CHECKS)},"
                " with a bound some run could miss: `{min: 0}` holds for every run)",
            )


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


def domains_cover_params(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """Every parameter has a domain (PROTOCOL.md section 8), every domain a parameter, and every
    default lies inside its domain: an implementation is told what it must refuse."""
    for name in pattern.params:
        if name not in pattern.domains:
            yield ["params", name], f"`{name}` has no domain: say under `domains:` which values are valid"
    for name, domain in pattern.domains.items():
        if name not in pattern.params:
            known = ", ".join(pattern.params)
            yield ["domains", name], f"`{name}` is not a parameter of {pattern.id} (parameters: {known})"
        elif (why := outside(domain, pattern.params[name])) is not None:
            yield ["params", name], f"the default of `{name}` is outside its domain ({why})"


def refused_outside_domains(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """A scenario giving a parameter a value outside its domain expects the refusal: up front, with
    `invalid` and no call. Anything else would pass an implementation that does not refuse it."""
    for index, scenario in enumerate(data["scenarios"]):
        for name, value in scenario.get("params", {}).items():
            domain = pattern.domains.get(name)
            if domain is None or (why := outside(domain, value)) is None:
                continue
            expect = scenario.get("expect", {})
            if expect.get("outcome") != {"fail": "invalid"} or expect.get("calls") != 0:
                yield (
                    ["scenarios", index, "params", name],
                    f"scenario `{scenario['id']}` gives `{name}` {json.dumps(value)}, {why} its domain:"
                    " it must expect `outcome: {fail: invalid}` and `calls: 0`",
                )


def domain_edges_refused(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """Each edge of an implementation's parameter's domain has a scenario standing on it (that
    parameter alone outside) that expects the refusal: a bound the spec states but no scenario
    checks is one an implementation may ignore and still pass."""
    for name, domain in pattern.domains.items():
        if domain.get("by") == "runner" or name not in pattern.params:
            continue
        for edge, stands_on in edges(domain):
            if not any(
                name in scenario.get("params", {})
                and stands_on(scenario["params"][name])
                and all(
                    other == name or other not in pattern.domains or outside(pattern.domains[other], value) is None
                    for other, value in scenario["params"].items()
                )
                and scenario.get("expect", {}).get("outcome") == {"fail": "invalid"}
                for scenario in data["scenarios"]
            ):
                yield (
                    ["domains", name],
                    f"no scenario refuses `{name}` {edge}: add one with that value alone out of its domain,"
                    " expecting `outcome: {fail: invalid}` and `calls: 0`",
                )


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


def invocations_match_pattern(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """An `invoked: many` pattern is judged on invocations only; a classic one never has them."""
    many = data.get("invoked") == "many"
    for index, scenario in enumerate(data["scenarios"]):
        if many and "invocations" not in scenario:
            yield (
                ["scenarios", index],
                f"scenario `{scenario['id']}` of an `invoked: many` pattern needs `invocations`",
            )
        elif not many and "invocations" in scenario:
            yield (
                ["scenarios", index, "invocations"],
                f"scenario `{scenario['id']}` has `invocations`, but {pattern.id} is not `invoked: many`",
            )


def invocations_well_formed(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """Invocations cancel themselves (no top-level `cancel_at_ms`), never before they start, and
    the per-invocation expectations have one entry per invocation."""
    if data.get("invoked") != "many":
        return  # invocations_match_pattern says it
    for index, scenario in enumerate(data["scenarios"]):
        invocations = scenario.get("invocations")
        if invocations is None:
            continue
        name = scenario["id"]
        if "cancel_at_ms" in scenario:
            yield (
                ["scenarios", index, "cancel_at_ms"],
                f"scenario `{name}` has invocations: each invocation's caller cancels it (its own `cancel_at_ms`)",
            )
        for position, invocation in enumerate(invocations):
            cancel = invocation.get("cancel_at_ms")
            if cancel is not None and cancel < invocation["at_ms"]:
                yield (
                    ["scenarios", index, "invocations", position],
                    f"invocation {position + 1} of `{name}` is cancelled at {cancel} ms,"
                    f" before it starts ({invocation['at_ms']} ms)",
                )
        expect = scenario["expect"]
        each = expect.get("outcome", {}).get("each") if isinstance(expect.get("outcome"), dict) else None
        if "ok" in expect.get("outcome", {}):  # `fail`: building the instance was refused
            yield (
                ["scenarios", index, "expect", "outcome"],
                f"scenario `{name}` has invocations: its outcome is `each: [...]`",
            )
        for what, listed in (("outcome.each", each), ("settled_at_ms", expect.get("settled_at_ms"))):
            if listed is not None and len(listed) != len(invocations):
                yield (
                    ["scenarios", index, "expect", what.split(".")[0]],
                    f"scenario `{name}` has {len(invocations)} invocations but {len(listed)} entries in {what}",
                )
        if any("cancel_at_ms" in i for i in invocations) and "outcome" not in expect:
            yield ["scenarios", index, "expect"], f"scenario `{name}` cancels, so it must expect an outcome"


def each_only_with_invocations(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """`each` outcomes and `settled_at_ms` describe invocations: a classic scenario has neither."""
    for index, scenario in enumerate(data["scenarios"]):
        if "invocations" in scenario:
            continue
        expect = scenario["expect"]
        if isinstance(expect.get("outcome"), dict) and "each" in expect["outcome"]:
            yield (
                ["scenarios", index, "expect", "outcome"],
                f"scenario `{scenario['id']}` has no invocations: no `each`",
            )
        if "settled_at_ms" in expect:
            yield (
                ["scenarios", index, "expect", "settled_at_ms"],
                f"scenario `{scenario['id']}` has no invocations: no `settled_at_ms`",
            )


def items_have_plans(pattern: Pattern, data: dict[str, Any]) -> Iterator[Finding]:
    """A pattern over items calls the operation once per item: each needs steps in the plan (or a
    `*`). One without them crashes in the runner -- LookupError, RangeError or KeyNotFoundException
    as the language has it -- and where the pattern takes a failed call in its stride (racing's
    alternatives) the scenario passed on a call it never planned."""
    if not isinstance(pattern.params.get("items"), list):
        return
    for index, scenario in enumerate(pattern.scenarios):
        items = scenario.params.get("items")
        if not isinstance(items, list) or "*" in scenario.plan:
            continue
        missing = [str(item) for item in items if str(item) not in scenario.plan]
        if missing:
            where: list[str | int] = ["scenarios", index, "params", "items"]
            if "items" not in data["scenarios"][index].get("params", {}):
                where = ["scenarios", index, "plan"]
            yield (
                where,
                f"scenario `{scenario.id}` has no plan for item(s) {', '.join(missing)} (give each steps, or `*`)",
            )


RULES: tuple[Rule, ...] = (
    file_name_is_id,
    ids_are_unique,
    covers_known_rules,
    every_rule_covered,
    expectations_can_fail,
    scenario_params_known,
    fuzz_domains_known,
    domains_cover_params,
    refused_outside_domains,
    domain_edges_refused,
    plan_steps_timed,
    cancellation_expected_with_cancel,
    invocations_match_pattern,
    invocations_well_formed,
    each_only_with_invocations,
    items_have_plans,
)


def lint_pattern(pattern: Pattern, data: dict[str, Any]) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(pattern, data)]
