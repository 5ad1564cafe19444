"""Run the whole-pipeline benchmark once at a tiny size so it cannot rot (no timing assertion)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_pipeline")


@pytest.mark.slow
def test_benchmark_runs_on_the_schematic_fallback(bench, tmp_path):
    out = tmp_path / "bench.md"
    status = bench.main(
        ["--sizes", "60,120", "--boundaries", str(tmp_path / "absent"), "--no-browser",
         "--out", str(out)]
    )  # fmt: skip
    assert status == 0  # no target applies at these sizes, so none can fail
    table = out.read_text(encoding="utf-8")
    assert "schematic fallback" in table and "The browser was not run." in table
    stages = next(line for line in table.splitlines() if line.startswith("| events | setup"))
    for stage in ("boundaries", "incidents", "join", "map iraq-overview", "index", "peak RSS"):
        assert f"| {stage} |" in stages
    for n in ("60", "120"):
        row = next(line for line in table.splitlines() if line.startswith(f"| {n} | "))
        assert row.endswith(" MB |")
    pages = [line for line in table.splitlines() if line.startswith("| 120 | iraq-overview |")]
    assert len(pages) == 1 and "| full |" in pages[0]
    assert "(none at these sizes)" in table


def test_targets_are_checked_against_the_measurements(bench):
    page = {"name": "m", "path": "m.html", "mode": "compact", "events": 0, "size": 0}
    small = bench.Run(1_000, {}, 1.0, 300.0, [page | {"events": 1_000, "size": 2_000_000}], "")
    mid = bench.Run(100_000, {}, 5.0, 700.0, [page | {"events": 100_000, "size": 8_000_000}], "")
    mid.browser = {"m.html": (2.0, 40.0)}
    big = bench.Run(1_000_000, {}, 61.0, 3_000.0, [page | {"size": 3_000_000}], "")
    rows = {t: (m, v) for t, m, v in bench.check_targets([small, mid, big], browser=True)}
    assert rows["1,000,000 events: whole build < 60 s"] == ("61.0 s", "FAIL")
    assert rows["1,000,000 events: peak memory < 4 GB"] == ("3.00 GB", "PASS")
    assert rows["1,000,000 events: every page < 25 MB"][1] == "PASS"
    assert rows["100,000 events: m adds < 60 B/event"] == ("60.6 B/event (compact)", "FAIL")
    assert rows["100,000 events: m layers ready < 1.5 s"] == ("2.00 s (compact)", "FAIL")
