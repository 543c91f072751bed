"""One request through every transport, and what makes the answers a finding.

A finding is any of: a runner that gives no usable answer (a transport error, or an ``error``
answer), answers that differ in canonical form (``equivalence.canonical``), or an answer that
never settled (``unfinished``) -- the fuzzer draws only inputs a correct implementation settles.
Each finding has a **signature** -- what went wrong and which transports split how -- so that
findings of one kind are shrunk together and findings of different kinds apart.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import equivalence
from ..checker import blocked_mismatch, read_in_real_time, stopped_in_real_time
from ..engine import block_limit_ms, wall_timeout_s
from ..transports.base import Transport, TransportError


@dataclass(frozen=True)
class Verdict:
    """The answers of every transport to one request, and the finding they make, if any."""

    request: dict[str, Any]
    answers: dict[str, dict[str, Any]]  # transport label -> its answer, or {"error": ...}
    signature: str | None = None  # None: every transport answered, all alike, settled
    detail: str = ""
    groups: tuple[tuple[str, ...], ...] = ()  # transports that answered alike, baseline first


class Differential:
    """Sends one request to every transport in turn and judges the answers together."""

    def __init__(self, transports: Sequence[Transport]) -> None:
        if not transports:
            raise ValueError("a differential run needs at least one transport")
        self.transports = list(transports)
        #: Answers that read a block and were asked for again (``run_batch``), since this was made.
        self.second_tries = 0

    @property
    def labels(self) -> list[str]:
        return [t.label for t in self.transports]

    def run(self, request: dict[str, Any]) -> Verdict:
        return self.run_batch([request])[0]

    def run_batch(self, requests: Sequence[dict[str, Any]]) -> list[Verdict]:
        """The verdict on each request. Each transport takes the whole batch back to back: a runner
        that waited for the others' turns costs about twice the CPU per run (its caches and threads
        gone cold; measured on every runner here), which batching pays once per batch; a runner
        process gets its batch in one write (``Transport.request_batch``)."""
        answers: list[dict[str, dict[str, Any]]] = [{} for _ in requests]
        timeouts = [wall_timeout_s(request) for request in requests]
        for transport in self.transports:
            results = transport.request_batch(requests, timeouts_s=timeouts)
            for index, result in enumerate(results):
                # As the engine does (Engine._confirm_blocks): a block counts only if a second try
                # reads it too -- a stall of the host does not repeat, a block the code causes does.
                if read_a_block(result, transport):
                    self.second_tries += 1
                    results[index] = transport.request_batch([requests[index]], timeouts_s=[timeouts[index]])[0]
            for answered, result in zip(answers, results, strict=True):
                answered[transport.label] = (
                    {"error": {"kind": "transport", "message": str(result)}}
                    if isinstance(result, TransportError)
                    else result
                )
        return [judge(request, answered) for request, answered in zip(requests, answers, strict=True)]


def read_a_block(result: dict[str, Any] | TransportError, transport: Transport) -> bool:
    """Whether an answer failed for a block measured in real time, or was stopped by a real-time
    budget (``stopped_by``), which a stall of the host can make: worth a second try (a named block
    is exact, and is not)."""
    if isinstance(result, TransportError) or "error" in result:
        return False
    if stopped_in_real_time(result) is not None:  # a real-time budget stopped it (PROTOCOL.md section 2)
        return True
    block = blocked_mismatch(result, block_limit_ms(transport))
    return block is not None and read_in_real_time(block)  # a named block is exact: asking again tells nothing


def judge(request: dict[str, Any], answers: dict[str, dict[str, Any]]) -> Verdict:
    """The verdict on answers to one request (``answers`` in transport order)."""
    canonical = {label: _comparable(answer) for label, answer in answers.items()}
    grouped: dict[str, list[str]] = {}
    for label, form in canonical.items():
        grouped.setdefault(json.dumps(form, sort_keys=True), []).append(label)
    groups = tuple(tuple(labels) for labels in grouped.values())
    every = list(answers)
    failed = [label for label, answer in answers.items() if "error" in answer]
    if failed:
        kinds = sorted({str(answers[label]["error"].get("kind")) for label in failed})
        return Verdict(
            request,
            answers,
            f"runner error on {_name(failed, every)} ({', '.join(kinds)})",
            str(answers[failed[0]]["error"].get("message", "")),
            groups,
        )
    if len(groups) > 1:
        baseline, other = canonical[groups[0][0]], canonical[groups[1][0]]
        difference = equivalence.first_difference(baseline, other) or ""
        what = difference.split(":", 1)[0]
        if what.startswith("trace"):
            split = " | ".join(_name(group, every) for group in groups)
            return Verdict(request, answers, f"trace differs: {split}", difference, groups)
        if what == "outcome":  # the outcomes' shapes tell one cause from another
            split = " | ".join(f"{_name(g, every)} {_shape(canonical[g[0]]['outcome'])}" for g in groups)
        else:
            split = " | ".join(_name(group, every) for group in groups)
        return Verdict(request, answers, f"{what} differs: {split}", difference, groups)
    unfinished = [label for label, answer in answers.items() if "unfinished" in (answer.get("outcome") or {})]
    if unfinished:
        reason = answers[unfinished[0]]["outcome"].get("reason", "")
        return Verdict(request, answers, "unfinished everywhere", str(reason), groups)
    return Verdict(request, answers, groups=groups)


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    if "error" in answer:
        return {"error": answer["error"].get("kind")}
    return equivalence.canonical(answer)


def _shape(outcome: Any) -> str:
    """The kind of an outcome, coarse enough that one cause makes one signature: ``ok``, ``fail``
    (of any kind), ``group``, ``unfinished``, or ``other TYPE`` (an error outside the kind table)."""
    if not isinstance(outcome, dict):
        return "?"
    if "ok" in outcome:
        return "ok"
    if outcome.get("unfinished"):
        return "unfinished"
    if outcome.get("fail") in ("group", None):
        return str(outcome.get("fail"))
    if outcome.get("fail") == "other":
        return f"other {outcome.get('type')}"
    return "fail"


def _name(group: Sequence[str], every: Sequence[str]) -> str:
    """A group of transports by language where it holds every transport of that language."""
    names: list[str] = []
    for label in group:
        language = label.split("/", 1)[0]
        whole = all(other in group for other in every if other.split("/", 1)[0] == language)
        name = language if whole else label
        if name not in names:
            names.append(name)
    return ", ".join(names)
