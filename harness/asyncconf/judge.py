"""The spec's one checker, for the seams of other languages: ``python -m asyncconf.judge``.

A seam in another language (JavaScript: ``asyncconf-javascript/testing``) runs your
implementation in its own process -- your function cannot cross a process boundary -- and asks
this module two things, in JSON on stdin/stdout:

``python -m asyncconf.judge scenarios PATTERN``
    prints ``{"pattern", "scenarios": [{"id", "name", "summary", "params", "random",
    "cancel_at_ms", "request"}]}``: each scenario with the run request the harness would send
    (spec/PROTOCOL.md section 2).

``python -m asyncconf.judge verdicts`` (stdin: ``{"pattern", "language", "results": [{"scenario",
"answer", "reference"}]}``)
    prints ``{"verdicts": [{"scenario", "status", "reasons", "trace", "reference_trace"}]}``:
    each answer checked against the spec (``checker.check``, as ``asyncconf run`` does) and
    compared with the reference's answer of the same language; ``status`` is pass, fail or
    error. n/a never reaches here: the seam does not run what its caller declared n/a.

So the spec's expectations are judged by one checker, never by a copy in another language.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from . import equivalence
from .checker import check, crash_reason
from .engine import request_for
from .paths import PATTERNS_DIR
from .spec import Pattern, Scenario, load_pattern, pattern_files

__all__ = ["main", "scenarios", "verdict", "verdicts"]


def _pattern(pattern: str) -> Pattern:
    """Its file alone (a pattern's id is its file's name): the JavaScript seam starts a judge per pattern it checks."""
    known = {path.stem: path for path in pattern_files(PATTERNS_DIR)}
    if pattern not in known:
        raise ValueError(f"unknown pattern {pattern!r} (known: {', '.join(sorted(known))})")
    return load_pattern(known[pattern])


def scenarios(pattern: str) -> dict[str, Any]:
    """Every scenario of ``pattern`` with the request the harness would send for it."""
    return {
        "pattern": pattern,
        "scenarios": [
            {
                "id": s.id,
                "name": s.name,
                "summary": s.summary,
                "params": s.params,
                "random": list(s.random),
                "cancel_at_ms": s.cancel_at_ms,
                "request": request_for(s, "candidate", "virtual", index + 1),
            }
            for index, s in enumerate(_pattern(pattern).scenarios)
        ],
    }


def verdict(
    scenario: Scenario, answer: dict[str, Any], reference: dict[str, Any] | None, language: str
) -> dict[str, Any]:
    """One answer judged: the checker's reasons, and the first difference from the reference's."""
    traces = {
        "trace": equivalence.canonical(answer)["trace"] if "error" not in answer else [],
        "reference_trace": equivalence.canonical(reference)["trace"] if reference and "error" not in reference else [],
    }
    if "error" in answer:
        error = answer["error"]
        return {"status": "error", "reasons": [f"runner error ({error.get('kind')}): {error.get('message')}"], **traces}
    crashed = crash_reason(answer)
    if crashed:
        return {"status": "error", "reasons": [crashed], **traces}
    reasons = [str(mismatch) for mismatch in check(scenario, answer)]
    if reference is not None and "error" not in reference:
        difference = equivalence.first_difference(equivalence.canonical(reference), equivalence.canonical(answer))
        if difference:
            reasons.append(f"differs from the {language} reference: {difference}")
    return {"status": "fail" if reasons else "pass", "reasons": reasons, **traces}


def verdicts(data: dict[str, Any]) -> dict[str, Any]:
    pattern = _pattern(str(data["pattern"]))
    by_id = {s.id: s for s in pattern.scenarios}
    language = str(data.get("language", "JavaScript"))
    found = []
    for result in data["results"]:
        scenario = by_id.get(result["scenario"])
        if scenario is None:
            raise ValueError(f"pattern {pattern.id!r} has no scenario {result['scenario']!r}")
        found.append(
            {"scenario": scenario.id, **verdict(scenario, result["answer"], result.get("reference"), language)}
        )
    return {"verdicts": found}


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 2 and argv[0] == "scenarios":
            out = scenarios(argv[1])
        elif argv == ["verdicts"]:
            out = verdicts(json.load(sys.stdin))
        else:
            print("usage: python -m asyncconf.judge scenarios PATTERN | verdicts < results.json", file=sys.stderr)
            return 2
    except (ValueError, KeyError, TypeError) as error:
        print(f"asyncconf.judge: {error}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
