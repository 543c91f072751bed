"""The one table that maps the spec's canonical error kinds to Python's native exceptions.

=========== ============================== =========================================
kind        raised by the injected op      recognised in an outcome as
=========== ============================== =========================================
transient   ``ConnectionError``            ``ConnectionError`` and its subclasses
fatal       ``PermissionError``            ``PermissionError``
timeout     ``TimeoutError``               ``TimeoutError``
cancelled   ``asyncio.CancelledError``     ``asyncio.CancelledError``
invalid     (never raised by an op)        ``ValueError``: a pattern refused its arguments
circuit-open (never raised by an op)       a class named ``CircuitBreakerError`` (pybreaker's) in its MRO
group       (never raised by an op)        ``BaseExceptionGroup`` (holds the others)
other       (never raised by an op)        anything else: ``{"fail": "other", "type": ...}``
=========== ============================== =========================================

The same table, for every language, is in spec/PROTOCOL.md ("Error kinds"). ``fatal`` is not
``ValueError``: that is what a pattern raises when it refuses an argument (``invalid``), and the two
must not be told apart by guesswork.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

#: The kinds an injected operation raises (a plan step's ``fail``), by their native type.
KINDS: dict[str, type[BaseException]] = {
    "transient": ConnectionError,
    "fatal": PermissionError,
    "timeout": TimeoutError,
    "cancelled": asyncio.CancelledError,
}
#: Every kind an outcome is recognised as: an operation's, and a pattern's refusal of an argument.
RECOGNISED: dict[str, type[BaseException]] = {**KINDS, "invalid": ValueError}


def make_error(kind: str, message: str) -> BaseException:
    """The native exception for a canonical error kind."""
    try:
        return KINDS[kind](message)
    except KeyError:
        raise ValueError(f"unknown error kind {kind!r}; expected one of {sorted(KINDS)}") from None


#: A circuit breaker's refusal (PROTOCOL.md section 6): recognised by class name, so that
#: pybreaker's own ``CircuitBreakerError`` is one as well as ours.
CIRCUIT_OPEN_NAMES = frozenset({"CircuitBreakerError"})


def kind_of(error: BaseException) -> str:
    """The canonical kind of a native exception ('other' when the table does not name it)."""
    if any(cls.__name__ in CIRCUIT_OPEN_NAMES for cls in type(error).__mro__):
        return "circuit-open"
    for kind, cls in RECOGNISED.items():
        if isinstance(error, cls):
            return kind
    return "other"


def describe_error(error: BaseException, origin: Callable[[BaseException], str | None]) -> dict[str, Any]:
    """An error as the protocol's outcome object.

    ``origin`` names the operation call (``"op#3"``) that raised this very exception object, or
    None: an error re-created or wrapped by the pattern has no origin, so "propagates unchanged"
    can be checked.
    """
    if isinstance(error, BaseExceptionGroup):
        return {"fail": "group", "errors": [describe_error(e, origin) for e in error.exceptions]}
    kind = kind_of(error)
    described: dict[str, Any] = {"fail": kind}
    source = origin(error)
    if source is not None:
        described["from"] = source
    if kind == "other":
        described["type"] = type(error).__name__
        described["message"] = str(error)
    return described
