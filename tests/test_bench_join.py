"""Run the join benchmark at a tiny size so that it cannot rot (no timing assertion)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the spawned child imports it by name too
    return importlib.import_module("bench_join")


@pytest.mark.slow
def test_benchmark_runs_on_the_grid_stand_in(bench, tmp_path):
    out = tmp_path / "bench.md"
    table = bench.main(["--sizes", "200", "--boundaries", str(tmp_path / "absent"),
                        "--out", str(out)])  # fmt: skip
    assert out.read_text(encoding="utf-8") == table
    assert "grid stand-in" in table
    row = next(line for line in table.splitlines() if line.startswith("| 200 |"))
    assert row.count("|") == 8 and "MiB" in row


@pytest.mark.slow
@pytest.mark.shared_data
def test_benchmark_runs_on_the_real_layers(bench, cod_ab_dir, tmp_path):
    table = bench.main(["--sizes", "200", "--boundaries", str(cod_ab_dir), "--naive-max", "100"])
    assert "real COD-AB layers" in table
    assert "| 200 |" in table and "s*" in table  # the naive run was extrapolated from 100
