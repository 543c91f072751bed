"""The one table that maps the spec's canonical error kinds to Python's native exceptions.

=========== ============================== =========================================
kind        raised by the injected op      recognised in an outcome as
=========== ============================== =========================================
transient   ``ConnectionError``            ``ConnectionError`` and its subclasses
fatal       ``ValueError``                 ``ValueError``
timeout     ``TimeoutError``               ``TimeoutError``
cancelled   ``asyncio.CancelledError``     ``asyncio.CancelledError``
group       (never raised by an op)        ``BaseExceptionGroup`` (holds the others)
other       (never raised by an op)        anything else: ``{"fail": "other", "type": ...}``
=========== ============================== =========================================

The same table, for every language, is in spec/PROTOCOL.md ("Error kinds").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

KINDS: dict[str, type[BaseException]] = {
    "transient": ConnectionError,
    "fatal": ValueError,
    "timeout": TimeoutError,
    "cancelled": asyncio.CancelledError,
}


def make_error(kind: str, message: str) -> BaseException:
    """The native exception for a canonical error kind."""
    try:
        return KINDS[kind](message)
    except KeyError:
        raise ValueError(f"unknown error kind {kind!r}; expected one of {sorted(KINDS)}") from None


def kind_of(error: BaseException) -> str:
    """The canonical kind of a native exception ('other' when the table does not name it)."""
    for kind, cls in KINDS.items():
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
