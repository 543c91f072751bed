"""Parallel execution with partial failures (spec: ``spec/patterns/parallel-partial-failures.yaml``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ._own_cancellation import as_failure, unwrap

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


@dataclass(frozen=True)
class PartialResults(Generic[K, T]):
    """Each item exactly once: in ``succeeded`` with its value or in ``failed`` with its error."""

    succeeded: dict[K, T] = field(default_factory=dict)
    failed: dict[K, BaseException] = field(default_factory=dict)


async def run_all(operation: Callable[[K], Awaitable[T]], items: Iterable[K]) -> PartialResults[K, T]:
    """Run ``operation(item)`` for every item at once and report successes and failures apart.

    Guarantees (the spec's rules):
    - every operation starts at once (R1) and the whole takes as long as the longest (R4);
    - a failure cancels nothing: every other operation runs to completion (R2);
    - each item is reported once, with its value or its error unchanged (R3) -- an operation's own
      ``CancelledError``, one nobody asked for, included: it is a failure like any other;
    - ``items`` must be distinct (each is reported by itself, once): equal items raise
      ``ValueError`` before anything starts;
    - when the caller cancels, every operation still running is cancelled and
      ``asyncio.CancelledError`` propagates -- no partial result (R5).
    """
    keys = list(items)
    if len(set(keys)) != len(keys):
        # Each item is reported once, by itself as the key (R3): two equal items cannot be.
        raise ValueError(f"`items` must be distinct, got {keys!r}")
    # return_exceptions=True: a failure becomes a result instead of abandoning the others.
    # as_failure: gather would replace an operation's own CancelledError with a new one.
    outcomes = await asyncio.gather(*(as_failure(operation(key)) for key in keys), return_exceptions=True)
    results: PartialResults[K, T] = PartialResults()
    for key, outcome in zip(keys, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            results.failed[key] = unwrap(outcome)
        else:
            results.succeeded[key] = outcome
    return results
