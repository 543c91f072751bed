"""``asyncconf show PATTERN/SCENARIO``: one scenario's answers, every language side by side.

Each column is one language/transport (and implementation); the rows are the outcome, the
elapsed time, the leaks, the checker's verdict, then the trace in canonical order (the order the
equivalence check compares). The first row where a column differs from the first is marked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import equivalence
from .engine import Run


@dataclass(frozen=True)
class SideBySide:
    header: list[str]
    rows: list[list[str]]
    first_difference: int | None  # index into rows, or None when every column agrees


def _event(event: dict[str, Any]) -> str:
    kind = f" {event['kind']}" if "kind" in event else ""
    return f"{event['t']:>6} {event['ev']:<6} {event['key']}#{event['n']}{kind}"


def side_by_side(runs: Sequence[Run]) -> SideBySide:
    """The answered runs of one scenario as aligned columns, the first difference found."""
    answered = [run for run in runs if run.answer is not None]
    canon = [equivalence.canonical(run.answer or {}) for run in answered]
    header = [
        "",
        *(
            f"{r.column}" + ("" if r.impl == "reference" and r.role == "reference" else f" [{r.impl}]")
            for r in answered
        ),
    ]
    rows = [
        ["outcome", *(json.dumps(c["outcome"], sort_keys=True) for c in canon)],
        ["elapsed_ms", *(str(c["elapsed_ms"]) for c in canon)],
        ["leaks", *(", ".join(c["leaks"]) or "-" for c in canon)],
        ["verdict", *(f"{r.status}" + (f": {r.reason}" if r.reason else "") for r in answered)],
    ]
    longest = max((len(c["trace"]) for c in canon), default=0)
    for index in range(longest):
        rows.append(
            [f"event {index + 1}", *(_event(c["trace"][index]) if index < len(c["trace"]) else "" for c in canon)]
        )
    # What the runner recorded after the pattern settled (its cleanup of leftovers): shown apart,
    # never compared -- it is not the pattern's behaviour (PROTOCOL.md section 2, `trace_after`).
    after = [run.answer.get("trace_after") or [] if run.answer else [] for run in answered]
    for index in range(max((len(a) for a in after), default=0)):
        rows.append([f"after settling {index + 1}", *(_event(a[index]) if index < len(a) else "" for a in after)])
    compared = [i for i, row in enumerate(rows) if row[0] != "verdict" and not row[0].startswith("after settling")]
    first = next((i for i in compared if len(set(rows[i][1:])) > 1), None)
    return SideBySide(header, rows, first)
