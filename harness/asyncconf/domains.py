"""A parameter's domain (a pattern's ``domains:``, spec/PROTOCOL.md section 8): which values are
valid, and the *edges* a refusal scenario must stand on.

A value outside its domain is refused up front with ``invalid`` by every language. Each edge is a
way to step outside -- below ``min``, above ``max``, a fraction for an integer, a string not among
a choice's values, too few items, equal items -- and the lint asks, for every parameter an
implementation takes (not ``by: runner``), a scenario on each edge that expects the refusal: a
domain the spec states but no scenario checks is a refusal an implementation may skip and pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: An edge: its name, as the lint says it, and whether a value stands on it.
Edge = tuple[str, Callable[[Any], bool]]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer()


def outside(domain: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` is outside ``domain``, or None when it is valid."""
    for name, stands_on in edges(domain):
        if stands_on(value):
            return name
    kind = domain["type"]
    return None if _of_type(kind, value) else f"not of type {kind}"


def _of_type(kind: str, value: Any) -> bool:
    if kind in ("integer", "number"):
        return _is_number(value)
    return isinstance(value, {"choice": str, "list": list, "mapping": dict, "boolean": bool}[kind])


def edges(domain: dict[str, Any]) -> list[Edge]:
    """The ways out of ``domain``, each a refusal scenario's place."""
    kind = domain["type"]
    found: list[Edge] = []
    if kind in ("integer", "number"):
        also = domain.get("also", [])
        if "min" in domain:
            low = domain["min"]
            found.append((f"below {low}", lambda v: _is_number(v) and v < low and v not in also))
        if "max" in domain:
            high = domain["max"]
            found.append((f"above {high}", lambda v: _is_number(v) and v > high))
        if kind == "integer":
            low, high = domain.get("min", float("-inf")), domain.get("max", float("inf"))
            found.append(("a fraction", lambda v: _is_number(v) and not _is_whole(v) and low <= v <= high))
    elif kind == "choice":
        values = domain["of"]
        found.append((f"not one of {', '.join(values)}", lambda v: isinstance(v, str) and v not in values))
    elif kind == "list":
        if "min_items" in domain:
            least = domain["min_items"]
            found.append((f"fewer than {least} items", lambda v: isinstance(v, list) and len(v) < least))
        if domain.get("distinct"):
            found.append(("equal items", lambda v: isinstance(v, list) and len(set(map(str, v))) < len(v)))
    return found
