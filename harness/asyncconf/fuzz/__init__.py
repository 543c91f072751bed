"""The differential fuzzer: inputs drawn from each pattern's spec, run on every language and
transport, any disagreement shrunk to a minimal scenario (``asyncconf fuzz``).

- ``domain`` -- what is drawn, from the spec (and an optional ``fuzz:`` section per pattern);
- ``differential`` -- one request through every transport, and what makes a finding;
- ``campaign`` -- Hypothesis drives the search and the shrinking, deterministic for a seed;
- ``render`` -- a finding as a ready-to-paste YAML scenario with the answers that differ.
"""

from .campaign import Finding as Finding
from .campaign import PatternResult as PatternResult
from .campaign import fuzz_pattern as fuzz_pattern
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
]
