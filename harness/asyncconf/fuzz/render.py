"""A finding as text: a ready-to-paste YAML scenario, the answers that differ, and the raw request."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .campaign import Finding


def _flow(value: Any) -> str:
    """One line of YAML flow style, as the spec files write plans and outcomes."""
    return (
        str(yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False))
        .strip()
        .removesuffix("...")
        .strip()
    )


def _trace(events: list[dict[str, Any]]) -> str:
    if not events:
        return "(no events)"
    return ", ".join(
        f"{e['t']} {e['ev']} {e['key']}#{e['n']}" + (f" {e['kind']}" if "kind" in e else "") for e in events
    )


def scenario_yaml(finding: Finding, defaults: dict[str, Any], number: int = 1) -> str:
    """The finding as a scenario for the pattern's ``scenarios:`` list.

    Its ``expect`` is the first group's answer and its ``covers`` is left to decide: which answer
    is right is for a rule to say, not for the fuzzer.
    """
    example, verdict = finding.example, finding.verdict
    pattern = example.pattern
    groups = verdict.groups or (tuple(verdict.answers),)
    baseline_label = next((label for label in groups[0] if "error" not in verdict.answers[label]), None)
    baseline = verdict.answers.get(baseline_label or "", {})
    lines = [
        f"  - id: fuzz-{pattern}-{number}",
        f"    summary: {_flow(f'asyncconf fuzz --seed {finding.seed}: {finding.signature}'[:120])}",
        "    covers: [TODO]     # the rule that decides which answer is right",
    ]
    overrides = {name: value for name, value in example.params.items() if defaults.get(name) != value}
    if overrides:
        lines.append(f"    params: {_flow(overrides)}")
    if example.omitted:
        lines.append(f"    # the request left out {', '.join(example.omitted)}: the runner must apply the default")
    lines.append("    plan:")
    lines += [f"      {_flow(key)}: {_flow(steps)}" for key, steps in example.plan.items()]
    if example.cancel_at_ms is not None:
        lines.append(f"    cancel_at_ms: {example.cancel_at_ms}")
    if example.invocations is not None:
        lines.append("    invocations:")
        for invocation in example.invocations:
            shown = {k: v for k, v in invocation.items() if v is not None and (k, v) != ("key", "op")}
            lines.append(f"      - {_flow(shown)}")
    if example.random:
        lines.append(f"    random: {_flow(list(example.random))}")
    lines.append(f"    expect:             # {baseline_label or 'no transport'}'s answer; make it the rule's")
    outcome = baseline.get("outcome")
    if outcome and "unfinished" not in outcome:
        lines.append(f"      outcome: {_flow(outcome)}")
        lines.append(f"      elapsed_ms: {baseline.get('elapsed_ms')}")
        if baseline.get("settled_at_ms") is not None:
            lines.append(f"      settled_at_ms: {_flow(baseline['settled_at_ms'])}")
    else:
        lines.append("      leaks: none")
    lines.append("    # answers:")
    for group in groups:
        answer = verdict.answers[group[0]]
        lines.append(f"    #   {', '.join(group)}:")
        if "error" in answer:
            lines.append(f"    #     error {_flow(answer['error'])}")
            continue
        lines.append(
            f"    #     outcome {_flow(answer.get('outcome'))}; elapsed_ms {answer.get('elapsed_ms')}; "
            f"leaks {_flow(answer.get('leaks') or [])}"
        )
        lines.append(f"    #     trace: {_trace(answer.get('trace') or [])}")
    for label, answer in verdict.answers.items():
        if "error" in answer and not any(label in group for group in groups):
            lines.append(f"    #   {label}: error {_flow(answer['error'])}")
    return "\n".join(lines)


def finding_text(finding: Finding, defaults: dict[str, Any], number: int = 1) -> str:
    """A finding for a person: what went wrong, the scenario to paste, the request to replay."""
    state = "minimal" if finding.minimal else "not shrunk: the smallest seen"
    if finding.flaky:
        state += "; FLAKY: the same request answered differently when replayed"
    head = f"finding {number} in {finding.example.pattern}: {finding.signature} [{state}]"
    request = {k: v for k, v in finding.verdict.request.items() if k != "id"}
    return "\n".join(
        [
            head,
            f"  {finding.verdict.detail}",
            f"  edge classes it takes: {', '.join(sorted(finding.example.edges)) or 'none (a tame example)'}",
            "  scenario (paste under `scenarios:` in spec/patterns/" + f"{finding.example.pattern}.yaml):",
            scenario_yaml(finding, defaults, number),
            "  request (one JSON line for any runner, spec/PROTOCOL.md):",
            "  " + json.dumps(request, separators=(",", ":")),
        ]
    )
