"""Implementations of the user's own, run by this runner beside the reference: *candidates*.

The public seam (``asyncconf.testing``) registers a callable for a pattern for the length of a
check; the runner then describes it and runs it like any implementation, with the pattern's
binding (the reference's signature, spec/PROTOCOL.md section 8).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

#: pattern id -> candidate id -> the implementation
CANDIDATES: dict[str, dict[str, Callable[..., Any]]] = {}


@contextlib.contextmanager
def registered(pattern: str, name: str, implementation: Callable[..., Any]) -> Iterator[None]:
    """Let the runner run ``implementation`` as ``name`` for ``pattern`` within the block.

    Refused up front, as the JavaScript and C# seams refuse them: a pattern this runner does not
    have (a typo: the implementation would never run) and an id of ours -- ``reference`` or one of
    the pattern's anti-patterns, which the runner would run in its place (and the harness runs
    neither from a runner of your own)."""
    from ..antipatterns import REGISTRY as ANTIPATTERNS  # they import the runner's modules: not at the top
    from .bindings import BINDINGS

    if pattern not in BINDINGS:
        raise ValueError(f"no pattern {pattern!r} (patterns: {', '.join(sorted(BINDINGS))})")
    if name == "reference" or name in ANTIPATTERNS.get(pattern, {}):
        raise ValueError(f"`{name}` is ours for {pattern}: give your implementation a name of its own")
    mine = CANDIDATES.setdefault(pattern, {})
    previous = mine.get(name)
    mine[name] = implementation
    try:
        yield
    finally:
        if previous is None:
            mine.pop(name, None)
        else:
            mine[name] = previous
