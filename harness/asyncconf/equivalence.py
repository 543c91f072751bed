"""Cross-language equivalence: on virtual time, every language must give the same answer.

Answers are compared in a canonical form: events of the same millisecond sorted by (event, key,
call number) -- the order within one instant legitimately differs between runtimes, and even
between two runs in one runtime (DESIGN.md, "Time") -- and a group's errors sorted.
"""

from __future__ import annotations

import json
from typing import Any

EVENT_ORDER = {"open": 0, "call": 1, "ok": 2, "fail": 3, "cancel": 4, "close": 5, "report": 6}


def _canonical_outcome(outcome: Any) -> Any:
    if isinstance(outcome, dict):
        canonical = {key: _canonical_outcome(value) for key, value in outcome.items() if key != "reason"}
        if isinstance(canonical.get("errors"), list):
            canonical["errors"] = sorted(canonical["errors"], key=lambda e: json.dumps(e, sort_keys=True))
        if canonical.get("fail") == "other":
            canonical.pop("message", None)  # messages are the runtime's own words
        return canonical
    if isinstance(outcome, list):
        return [_canonical_outcome(item) for item in outcome]
    return outcome


def _event_key(event: dict[str, Any]) -> tuple[int, int, str, int]:
    return (event["t"], EVENT_ORDER.get(event["ev"], 9), str(event["key"]), event["n"])


def canonical(answer: dict[str, Any]) -> dict[str, Any]:
    """The parts of an answer that every language must agree on, in a canonical order."""
    return {
        "outcome": _canonical_outcome(answer.get("outcome")),
        "elapsed_ms": answer.get("elapsed_ms"),
        "leaks": sorted(answer.get("leaks") or []),
        "random_draws": answer.get("random_draws"),
        "settled_at_ms": answer.get("settled_at_ms"),  # several invocations: when each settled
        "trace": sorted(answer.get("trace") or [], key=_event_key),
    }


def first_difference(baseline: dict[str, Any], other: dict[str, Any]) -> str | None:
    """A readable account of the first way two canonical answers differ, or None."""
    for key in ("outcome", "elapsed_ms", "leaks", "random_draws", "settled_at_ms"):
        if not _same(baseline.get(key), other.get(key)):
            return f"{key}: {json.dumps(baseline.get(key))} vs {json.dumps(other.get(key))}"
    mine, theirs = baseline.get("trace") or [], other.get("trace") or []
    for index, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        if a != b:
            return f"trace event {index + 1}: {_event(a)} vs {_event(b)}"
    if len(mine) != len(theirs):
        index = min(len(mine), len(theirs))
        extra = mine[index] if len(mine) > index else theirs[index]
        return f"trace length {len(mine)} vs {len(theirs)} (first extra: {_event(extra)})"
    return None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: Python's ``==`` takes ``true`` for ``1`` (a value one runtime gives as a
    boolean and another as a number is a difference); ``1`` and ``1.0`` are one JSON number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _event(event: dict[str, Any]) -> str:
    kind = f" {event['kind']}" if "kind" in event else ""
    return f"t={event['t']} {event['ev']} {event['key']}#{event['n']}{kind}"
