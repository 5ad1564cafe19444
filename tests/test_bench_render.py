"""The render benchmark runs end to end at a small size (no browser), so it cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_render.py"


def test_bench_render_runs_at_size_200(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_render", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.md"
    assert bench.main(["--sizes", "200", "--no-browser", "--out", str(out)]) == 0
    table = out.read_text(encoding="utf-8")
    rows = [line for line in table.splitlines() if line.startswith("| 200 |")]
    assert [row.split("|")[2].strip() for row in rows] == ["full", "aggregate"]
    assert "MarkerCluster" in table and "extrapolated" in table
