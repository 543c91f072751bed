"""What every transport offers the harness: start, requests (one at a time, or a batch), close."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

#: Protocol versions (spec/PROTOCOL.md) this harness speaks.
KNOWN_PROTOCOLS = (1,)


class Unavailable(Exception):
    """The language's runtime is not installed here: its runs are skipped, with this reason."""


class PrepareFailed(Exception):
    """The runtime is here but its side could not be prepared (npm ci, dotnet build ...): error."""


class TransportError(Exception):
    """One request got no usable answer: the runner hung, crashed or printed garbage."""


class Transport(ABC):
    """A way to reach one language's runner: in-process, or a long-lived subprocess."""

    language: str
    name: str
    #: The loop-lag limit its runs are given and judged by; None: the protocol's (spec/protocol.json).
    block_limit_ms: float | None = None

    @property
    def label(self) -> str:
        return f"{self.language}/{self.name}"

    @abstractmethod
    def start(self) -> None:
        """Prepare and launch; raise Unavailable or PrepareFailed."""

    @abstractmethod
    def request(self, payload: dict[str, Any], *, timeout_s: float) -> dict[str, Any]:
        """Send one request, return its answer; raise TransportError when there is none."""

    def request_batch(
        self, payloads: Sequence[dict[str, Any]], *, timeouts_s: Sequence[float]
    ) -> list[dict[str, Any] | TransportError]:
        """Answers to several requests, in order: each one's answer, or the TransportError it got
        instead. Here one request at a time; a transport may send them together."""
        results: list[dict[str, Any] | TransportError] = []
        for payload, timeout_s in zip(payloads, timeouts_s, strict=True):
            try:
                results.append(self.request(payload, timeout_s=timeout_s))
            except TransportError as error:
                results.append(error)
        return results

    def close(self) -> None:  # noqa: B027 - most transports hold nothing
        """Release what start() took. Safe to call twice."""

    def describe(self, *, timeout_s: float = 60.0) -> dict[str, Any]:
        answer = self.request({"id": "describe", "op": "describe"}, timeout_s=timeout_s)
        if "error" in answer:
            raise PrepareFailed(f"{self.label}: describe failed: {answer['error'].get('message')}")
        if answer.get("protocol") not in KNOWN_PROTOCOLS:
            raise PrepareFailed(
                f"{self.label}: speaks protocol {answer.get('protocol')!r}; this harness knows {KNOWN_PROTOCOLS}"
            )
        return answer

    def missing_apis(self, names: list[str], *, timeout_s: float = 60.0) -> set[str]:
        if not names:
            return set()
        answer = self.request({"id": "check_api", "op": "check_api", "names": names}, timeout_s=timeout_s)
        if "error" in answer:
            raise PrepareFailed(f"{self.label}: check_api failed: {answer['error'].get('message')}")
        return set(answer.get("missing", []))
