"""Run the hot-spot benchmark at a tiny size so that it cannot rot (no timing assertion)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_hotspots")


@pytest.mark.slow
def test_benchmark_runs_on_the_grid_stand_in(bench, tmp_path):
    out = tmp_path / "bench.md"
    table = bench.main(["--events", "500", "--months", "4", "--boundaries",
                        str(tmp_path / "absent"), "--out", str(out)])  # fmt: skip
    assert out.read_text(encoding="utf-8") == table
    assert "grid stand-in" in table
    rows = [line for line in table.splitlines() if line.startswith("| sub-districts")]
    assert len(rows) == 1 and "| 294 | 4 | 500 |" in rows[0]
    assert any(line.startswith("| H3 hex-r") for line in table.splitlines())


def test_synthetic_events_are_deterministic(bench):
    layers = bench.grid_layers()
    a = bench.synthetic_events(layers, 300, 12)
    b = bench.synthetic_events(layers, 300, 12)
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert a["date"].dt.to_period("M").nunique() == 12
