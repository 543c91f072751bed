"""The languages the harness drives, and a session holding their started transports.

Opening a language finds its runtime, prepares its side, starts every transport, asks each
runner what it implements (``describe``) and which of the spec's APIs are missing from the
running runtime (``check_api``). A language whose runtime is absent is *skipped* with the reason
and how to install it; one whose side cannot be prepared is an *error* -- never a silent pass.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .spec import Api, Pattern
from .transports.base import PrepareFailed, Transport, TransportError, Unavailable
from .transports.prepare import note


def _python_transports() -> list[Transport]:
    from .transports.python import PythonInProcess, python_subprocess

    return [PythonInProcess(), python_subprocess()]


def _javascript_transports() -> list[Transport]:
    from .transports.node import node_transports

    return node_transports()


def _csharp_transports() -> list[Transport]:
    from .transports.dotnet import dotnet_transports

    return dotnet_transports()


TRANSPORT_FACTORIES: dict[str, Callable[[], list[Transport]]] = {
    "python": _python_transports,
    "javascript": _javascript_transports,
    "csharp": _csharp_transports,
}


@dataclass
class LanguageSession:
    name: str
    transports: list[Transport] = field(default_factory=list)
    skip_reason: str | None = None
    error: str | None = None
    runtime: dict[str, Any] = field(default_factory=dict)
    #: per transport label: pattern id -> implementation ids (from describe)
    implementations: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: pattern id -> the spec APIs missing from the running runtime
    missing_api: dict[str, list[Api]] = field(default_factory=dict)
    #: transports that could not start: name -> (skip | error, reason)
    broken: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: per transport label of a runner of the user's own: pattern id -> the ids of ours it described,
    #: not run (``ours_in_custom``)
    ours_described: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: the names of the transports it tried to start (the matrix's columns, even when none started)
    tried: list[str] = field(default_factory=list)
    #: wall seconds to find, prepare (install, build) and start every transport
    open_s: float = 0.0

    @property
    def usable(self) -> bool:
        return self.skip_reason is None and self.error is None

    def close(self) -> None:
        for transport in self.transports:
            transport.close()


#: The transport name of a runner of the user's own: whatever it runs is a *candidate*.
CUSTOM = "custom"


def ours_in_custom(patterns: Iterable[Pattern], described: dict[str, list[str]]) -> dict[str, list[str]]:
    """Of what a runner of the user's own describes, the ids that are ours: ``reference`` and every
    anti-pattern id of the pattern's catalogue (any language's). They are not run there. The harness
    cannot tell a copy of ours from the user's code under our name -- a runner built on ours
    (Python's runner with a candidate registered; the JavaScript seam's ``serve`` did) describes our
    reference and anti-patterns too -- and judged as ours they lied: our reference counted as the user's passing
    candidate, the user's code under an anti-pattern's id counted as a rejected anti-pattern, or was
    never judged at all (no reference on that transport) and the run was OK. Under ids of its own,
    the user's code is always a candidate."""
    catalogue = {pattern.id: {antipattern.id for antipattern in pattern.antipatterns} for pattern in patterns}
    found = {}
    for pattern, ids in described.items():
        ours = [impl for impl in ids if impl == "reference" or impl in catalogue.get(pattern, ())]
        if ours:
            found[pattern] = ours
    return found


def custom_transports(name: str, command: Sequence[str]) -> list[Transport]:
    """A runner of the user's own (any program speaking spec/PROTOCOL.md), run beside ours."""
    from .transports.jsonl_process import JsonLinesProcess

    return [JsonLinesProcess(name, CUSTOM, command, cwd=Path.cwd())]


def open_language(
    name: str,
    patterns: Iterable[Pattern],
    command: Sequence[str] | None = None,
    *,
    start_timeout_s: float = 60.0,
) -> LanguageSession:
    """Start the language's transports -- and, given ``command``, that runner of the user's own beside them.

    A transport that cannot start is set aside with its own skip or error (``broken``); the
    language as a whole is skipped or in error only when none of its transports starts. A runner
    that does not answer its first requests within ``start_timeout_s`` has failed to start.
    """
    patterns = list(patterns)
    session = LanguageSession(name)
    started = time.perf_counter()
    candidates: list[Transport] = []
    failure: tuple[str, str] | None = None
    try:
        candidates = TRANSPORT_FACTORIES[name]()
    except Unavailable as error:
        failure = ("skip", str(error))
    except PrepareFailed as error:
        failure = ("error", str(error))
    if command:  # beside ours, which give the reference it is compared with
        candidates += custom_transports(name, command)
        if failure:
            session.broken["-"] = failure
    elif failure:
        session.skip_reason, session.error = (failure[1], None) if failure[0] == "skip" else (None, failure[1])
    if candidates:
        session.tried = [transport.name for transport in candidates]
        for transport in candidates:
            try:
                _start(transport, session, patterns, start_timeout_s)
            except Unavailable as error:
                session.broken[transport.name] = ("skip", str(error))
            except (PrepareFailed, TransportError) as error:
                session.broken[transport.name] = ("error", str(error))
            else:
                session.transports.append(transport)
                continue
            transport.close()
        if not session.transports:
            reasons = "; ".join(reason for _, reason in session.broken.values())
            if all(status == "skip" for status, _ in session.broken.values()):
                session.skip_reason = reasons
            else:
                session.error = reasons
            session.broken.clear()
    session.open_s = time.perf_counter() - started
    return session


def _start(transport: Transport, session: LanguageSession, patterns: list[Pattern], timeout_s: float) -> None:
    """Start one transport, learn what its runner implements and which spec APIs it lacks."""
    transport.start()
    # A runner that is slow to answer its first request is named, not waited for in silence.
    slow = threading.Timer(
        3.0, note, [f"waiting for the {transport.label} runner to start (gives up after {timeout_s:.0f} s)"]
    )
    slow.daemon = True
    slow.start()
    custom = transport.name == CUSTOM
    try:
        described = transport.describe(timeout_s=timeout_s)
        # The spec's APIs are those of our references: a runner of the user's own is not probed.
        names = [] if custom else sorted({api.name for pattern in patterns for api in pattern.api[session.name]})
        missing = transport.missing_apis(names, timeout_s=timeout_s)
    finally:
        slow.cancel()
    if not custom or not session.runtime:
        session.runtime = described.get("runtime", {})
    implemented = described.get("patterns", {})
    if custom:
        ours = ours_in_custom(patterns, implemented)
        session.ours_described[transport.label] = ours
        implemented = {
            pattern: [impl for impl in ids if impl not in ours.get(pattern, [])] for pattern, ids in implemented.items()
        }
    session.implementations[transport.label] = implemented
    for pattern in patterns:
        lacking = [api for api in pattern.api[session.name] if api.name in missing]
        if lacking:
            session.missing_api[pattern.id] = lacking
