"""The differential fuzzer: inputs drawn from each pattern's spec, run on every language and
transport, any disagreement shrunk to a minimal scenario (``asyncconf fuzz``).

- ``domain`` -- what is drawn, from the spec (and an optional ``fuzz:`` section per pattern);
- ``differential`` -- one request through every transport, and what makes a finding;
- ``campaign`` -- Hypothesis drives the search and the shrinking, deterministic for a seed;
- ``render`` -- a finding as a ready-to-paste YAML scenario with the answers that differ;
- ``command`` -- the CLI: ``asyncconf fuzz [--pattern P] [--examples N] [--seed S]``.

Running it: ``asyncconf fuzz`` (a random seed, printed; ``--seed`` repeats a run); the fixed-seed
sample runs in ``pytest`` (tests/test_fuzz.py); the full campaign is
``pytest tests/fuzz_campaign/campaign.py -n auto`` (pytest-xdist: cores, or hosts through execnet).
``throughput(patterns, sessions)`` gives examples per second per pattern (for ``asyncconf bench``).

**What a new pattern declares.** Nothing, when its defaults say enough: parameters come from
``params`` (a whole number ``d`` ranges over ``0 .. max(2d, 4)``; a list over sub-lists of its
elements and two more), the keys from an ``items`` parameter or the scenarios' plans, error kinds
from the schema, random draws when a scenario gives ``random``. It adds a ``fuzz:`` section only
for what defaults cannot say (spec/schema.json ``fuzz``)::

    fuzz:
      params:
        jitter: [none, proportional]                   # a string's alternatives: always declared
        base_delay_ms: {min: 0, max: 200, fractional: true}   # bounds; fractions are valid too
      hangs_end: true       # it ends a hanging call itself (a timeout): no caller cancellation needed

A parameter whose name ends in ``_ms`` is a duration. ``asyncconf validate`` checks the section.

**First run, on the code before issue 9's rules** (commit 46534a1, ``asyncconf fuzz --seed 1
--examples 200``: 1,200 examples, 30 findings, each shrunk; 77 s on a loaded 2-core machine): it
found all five divergences of the issue on its own --

- two failures at one instant: task-group ``a`` and ``b`` both fail at 1 ms -- Python a group of
  both, JavaScript and C# of ``a`` with ``b`` cancelled (and zero-delay variants in task-group and
  bounded-concurrency);
- an operation that reports cancellation itself: task-group -- Python propagates it alone,
  JavaScript and C# a group; bounded-concurrency and parallel partial failures alike (Python also
  loses its ``from``);
- fractional delays: cleanup ``close_ms: 1.5`` ends at 1 ms in Python, 2 in JavaScript and C#;
  ``close_ms: 6.5`` at 7 in JavaScript, 6 in Python and C#; ``timeout_ms: 6.5`` is a TypeError in
  JavaScript (with an earlier generator the same seed also gave retry ``base_delay_ms: 1.5``
  three ways);
- zero, boundary and default parameters: ``timeout_ms: 0`` answered three ways, ``limit: 0`` and
  ``max_attempts: 0`` rejected by C# alone, a parameter left out refused by JavaScript and C#
  (bad-request) and a KeyError in Python;
- the random source exhausted: LookupError / RangeError / RandomValuesExhaustedException as the
  pattern's outcome.

Beyond the issue: a caller's cancellation at 0 ms (Python cancels before a 0 ms operation
completes, the others let it complete), and one at the instant the cleanup of a failed operation
completes (Python ends cancelled and leaks the resource; JavaScript and C# report the failure).
"""

from .campaign import Finding as Finding
from .campaign import PatternResult as PatternResult
from .campaign import fuzz_pattern as fuzz_pattern
from .campaign import throughput as throughput
from .differential import Differential as Differential
from .differential import Verdict as Verdict
from .domain import ALL_EDGES as ALL_EDGES
from .domain import EDGES as EDGES
from .domain import Domain as Domain
from .domain import Example as Example
from .render import finding_text as finding_text

__all__ = [
    "ALL_EDGES",
    "EDGES",
    "Differential",
    "Domain",
    "Example",
    "Finding",
    "PatternResult",
    "Verdict",
    "finding_text",
    "fuzz_pattern",
    "throughput",
]
