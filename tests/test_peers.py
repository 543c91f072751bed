"""``asyncconf bench --peers``: the comparison of each reference with its peers (figures are never
asserted -- only that every benchmark is measured and compared, and the arithmetic of the table)."""

from __future__ import annotations

from typing import Any

import pytest

from asyncconf.peers import MAX_FLATNESS, MIN_RATIO, compare, measure_python, table


def row(bench: str, impl: str, n: int, **figures: Any) -> dict[str, Any]:
    return {"lang": "python", "bench": bench, "impl": impl, "n": n, **figures}


ROWS = [
    row("bounded-concurrency", "reference", 10_000, per_item_us=2.0, per_s=500_000.0),
    row("bounded-concurrency", "gather", 10_000, per_item_us=4.0, per_s=250_000.0),
    row("bounded-concurrency", "aiometer", 10_000, per_item_us=1.0, per_s=1_000_000.0),
    row("bounded-concurrency", "reference", 100_000, per_item_us=3.0, per_s=333_333.0),
    row("bounded-concurrency", "gather", 100_000, per_item_us=4.0, per_s=250_000.0),
    row("retry", "reference", 1000, per_call_us=1.0, per_s=1_000_000.0),
    row("retry", "tenacity", 1000, per_call_us=100.0, per_s=10_000.0),
    row("timeout-memory", "reference", 1000, retained_bytes=0),
    row("timeout-memory", "old", 1000, retained_bytes=4096),
    {"lang": "python", "bench": "retry", "impl": "other", "missing": "other is not installed"},
    {"lang": "python", "bench": "runtime", "impl": "CPython 3.11.7"},
]


def test_each_reference_is_compared_with_its_best_peer() -> None:
    comparisons, notes = compare(ROWS)
    by_key = {(c.bench, c.n): c for c in comparisons}
    small = by_key[("bounded-concurrency", 10_000)]
    assert (small.best_peer, small.ratio, small.flatness) == ("aiometer", 0.5, 1.0)
    assert small.meets_target is False  # half the best peer's throughput
    large = by_key[("bounded-concurrency", 100_000)]
    assert large.best_peer == "gather"
    assert large.flatness == pytest.approx(1.5)  # 3 us per item against 2: not flat
    assert large.meets_target is False
    fast = by_key[("retry", 1000)]
    assert (fast.ratio, fast.meets_target) == (100.0, True)
    memory = by_key[("timeout-memory", 1000)]
    assert (memory.unit, memory.best_peer, memory.meets_target) == ("bytes", "old", None)
    assert notes == ["python retry: other not measured: other is not installed", "python: CPython 3.11.7"]
    assert MIN_RATIO == 0.95 and MAX_FLATNESS == 1.2  # the targets


def test_the_table_has_a_row_per_comparison_saying_whether_the_target_is_met() -> None:
    comparisons, _ = compare(ROWS)
    header, cells = table(comparisons)
    assert len(header) == len(cells[0]) and len(cells) == len(comparisons)
    retry = next(cell for cell in cells if cell[1] == "retry")
    assert retry[5] == "100.00x tenacity" and retry[7] == "met"
    assert next(cell for cell in cells if cell[1] == "timeout-memory")[3] == "0 B"


@pytest.mark.slow
def test_the_python_side_measures_every_benchmark_against_its_peers() -> None:
    run = measure_python(quick=True)
    assert run.error is None
    comparisons, notes = compare(run.rows)
    assert {(c.bench, c.n) for c in comparisons} == {
        ("bounded-concurrency", 1_000),
        ("bounded-concurrency", 10_000),
        ("retry", 2_000),
        ("timeout", 2_000),
        ("timeout-memory", 2_000),
    }
    bounded = next(c for c in comparisons if c.bench == "bounded-concurrency")
    assert set(bounded.peers) >= {"asyncio.Semaphore + gather"}
    assert any(note.startswith("python: CPython") for note in notes)
