"""The full fuzz campaign: every pattern in shards, spread over cores and hosts by pytest-xdist.

Not collected by a plain ``pytest`` (the file name is not ``test_*.py``); name it to run it::

    pytest tests/fuzz_campaign/campaign.py -n auto                  # every core of this machine
    pytest tests/fuzz_campaign/campaign.py -n 2 --fuzz-examples 10000 --fuzz-seed 7
    pytest tests/fuzz_campaign/campaign.py --dist load --tx 2*ssh=user@host//python=python3 \\
        --rsyncdir harness --rsyncdir python --rsyncdir javascript --rsyncdir csharp --rsyncdir spec

(the last: other hosts through execnet; each needs the runtimes). Each shard is one Hypothesis
run of ``--fuzz-examples / --fuzz-shards`` examples with seed ``fuzz-seed * 1000 + shard``, so a
failing shard names the ``asyncconf fuzz`` command that repeats it; a finding is shrunk and
printed as a scenario. The summary gives examples per second per pattern.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from asyncconf.engine import Engine
from asyncconf.fuzz import Differential, finding_text, fuzz_pattern
from asyncconf.fuzz.campaign import PatternResult
from asyncconf.pytest_plugin import fuzzed_transports
from asyncconf.spec import Pattern, load_spec

PATTERNS = {pattern.id: pattern for pattern in load_spec()}


def shard_count(config: pytest.Config) -> int:
    """Shards per pattern: never more than its examples -- a shard of none would search nothing."""
    examples, shards = config.getoption("--fuzz-examples"), config.getoption("--fuzz-shards")
    if examples < 1 or shards < 1:
        raise pytest.UsageError(f"--fuzz-examples ({examples}) and --fuzz-shards ({shards}) must be at least 1")
    return min(shards, examples)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "shard" not in metafunc.fixturenames:
        return
    config = metafunc.config
    chosen = config.getoption("--fuzz-pattern") or sorted(PATTERNS)
    unknown = sorted(set(chosen) - set(PATTERNS))
    if unknown:
        raise pytest.UsageError(f"--fuzz-pattern: unknown {', '.join(unknown)} (known: {', '.join(sorted(PATTERNS))})")
    shards = shard_count(config)
    metafunc.parametrize(
        ("pattern_id", "shard"),
        [(pattern_id, shard) for pattern_id in chosen for shard in range(shards)],
        ids=[f"{pattern_id}-{shard}" for pattern_id in chosen for shard in range(shards)],
    )


def test_shard(
    pattern_id: str,
    shard: int,
    asyncconf_engine: Engine,
    pytestconfig: pytest.Config,
    record_property: Callable[[str, object], None],
) -> None:
    sessions = [asyncconf_engine.session(lang) for lang in asyncconf_engine.langs]
    pattern = PATTERNS[pattern_id]
    transports = fuzzed_transports(pattern, sessions)  # a required language left out fails the shard
    total, shards = pytestconfig.getoption("--fuzz-examples"), shard_count(pytestconfig)
    examples = total // shards + (1 if shard < total % shards else 0)
    seed = pytestconfig.getoption("--fuzz-seed") * 1000 + shard
    result = fuzz_pattern(pattern, Differential(transports), examples=examples, seed_value=seed)
    record_property("fuzz_pattern", pattern_id)
    record_property("fuzz_examples", result.searched)
    record_property("fuzz_seconds", result.search_seconds)
    repeat = f"asyncconf fuzz --pattern {pattern_id} --seed {seed} --examples {examples}"
    shard_verdict(result, pattern, repeat)


def shard_verdict(result: PatternResult, pattern: Pattern, repeat: str) -> None:
    """Pass only a shard that searched every example and found nothing. An interrupted one is no
    result: what it found so far goes to stderr and the interrupt goes on (the session stops)."""
    found = "\n\n".join(finding_text(f, pattern.params, n) for n, f in enumerate(result.findings, 1))
    if result.interrupted:
        print(f"interrupted after {result.searched} examples; repeat with: {repeat}\n\n{found}", file=sys.stderr)
        raise KeyboardInterrupt
    assert not result.findings, f"repeat with: {repeat}\n\n{found}"
    assert result.searched == result.examples, f"searched {result.searched} of {result.examples} examples"
