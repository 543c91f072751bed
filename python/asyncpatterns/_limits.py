"""The bounds every reference puts on its parameters, the same in each language (the spec's rules).

A time is at most 2147483647 ms (about 24.8 days), the longest timer Node honours (a longer one
fires after 1 ms); a count is at most 2147483647, .NET's ``int``. Past them a parameter is refused
with ``ValueError`` -- the ``invalid`` kind of spec/PROTOCOL.md section 6 -- before anything starts.
"""

from __future__ import annotations

import math

#: The longest time any parameter may give, in milliseconds and in seconds.
LONGEST_MS = 2**31 - 1
LONGEST_S = LONGEST_MS / 1000
#: The largest count (attempts, concurrency limit).
LARGEST_COUNT = 2**31 - 1


def check_count(name: str, value: object, *, least: int = 1) -> None:
    """``value`` must be an integer from ``least`` to ``LARGEST_COUNT``."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= LARGEST_COUNT:
        raise ValueError(f"`{name}` must be an integer from {least} to {LARGEST_COUNT}, got {value!r}")


def check_seconds(name: str, value: float, *, least: float = 0.0) -> None:
    """``value`` must be a number of seconds from ``least`` to ``LONGEST_S`` (NaN is refused too)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not least <= value <= LONGEST_S:
        raise ValueError(f"`{name}` must be from {least} to {LONGEST_S} seconds, got {value!r}")


def whole_ms(seconds: float) -> int:
    """A delay in whole milliseconds, halves up, by the one rule of spec/PROTOCOL.md section 5 (a
    reference that hands it to a timer of its own: graceful-shutdown's drain, a pool's close deadline)."""
    ms = seconds * 1000
    return math.floor(round(ms, 6) + 0.5) if ms > 0 else 0
