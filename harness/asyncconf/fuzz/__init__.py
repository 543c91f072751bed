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
--examples 200``: 1,200 examples, 34 findings, each shrunk): it found all five divergences of the
issue on its own -- two failures at one instant (task-group: Python a group of both, JavaScript
and C# of the first; bounded-concurrency: the sibling's ``ok`` against its ``cancel``), an
operation that reports cancellation itself (task-group and bounded-concurrency: Python propagates
it alone or waits for the siblings, JavaScript and C# fail fast with a group; parallel partial
failures: Python loses its ``from``), fractional delays (retry ``base_delay_ms: 1.5`` and cleanup
``close_ms: 0.5``/``1.5``: three rounding rules; a fractional ``timeout_ms`` is a TypeError in
JavaScript), zero and boundary parameters and defaults (``timeout_ms: 0`` three ways, ``limit: 0``
and ``max_attempts: 0`` rejected by C# only, a parameter left out refused by JavaScript and C#
and a KeyError in Python), and the random source exhausted (LookupError / RangeError /
RandomValuesExhaustedException as the outcome). Beyond the issue: a caller's cancellation at
0 ms (Python cancels before the operation runs, the others let a 0 ms operation complete), and a
cancellation at the very instant the cleanup completes (Python leaks the resource).
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
