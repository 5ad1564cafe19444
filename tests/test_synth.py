"""The synthetic generator: deterministic, marked synthetic, realistic, loadable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from geo.incidents import load_incidents
from geo.incidents.synth import ACLED_COLUMNS, HOTSPOTS, SOURCE, generate, write_synthetic

ROOT = Path(__file__).resolve().parents[1]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = write_synthetic(2000, seed=7, out=tmp_path / "a.csv")
    b = write_synthetic(2000, seed=7, out=tmp_path / "b.csv")
    c = write_synthetic(2000, seed=8, out=tmp_path / "c.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert a.sha256 == b.sha256 != c.sha256
    assert "not real events" in a.summary()


def test_every_row_is_marked_and_loads_as_synthetic(tmp_path: Path) -> None:
    path = write_synthetic(3000, seed=0, out=tmp_path / "syn.csv").path
    result = load_incidents(path)
    assert result.rows_read == 3000 == result.rows_accepted
    assert result.datasets[0].format == "acled"
    assert result.datasets[0].synthetic
    events = result.events
    assert events["synthetic"].all()
    assert events["event_id"].str.startswith("SYN-").all()
    assert (events["source"] == SOURCE).all()
    assert events["notes"].str.contains("not a real incident").all()


def test_realistic_shape() -> None:
    frame = generate(20_000, seed=1)
    assert list(frame.columns) == list(ACLED_COLUMNS)
    lat = frame["latitude"].astype(float).to_numpy()
    lon = frame["longitude"].astype(float).to_numpy()
    centres = np.array([(h[3], h[4]) for h in HOTSPOTS])
    km = np.hypot(
        (lat[:, None] - centres[:, 0]) * 110.6,
        (lon[:, None] - centres[:, 1]) * 92.0,
    ).min(axis=1)
    assert np.median(km) < 20
    assert (km < 80).mean() > 0.99
    years = frame["year"].astype(int)
    assert years.between(2017, 2024).all() and years.nunique() == 8
    assert years.value_counts()[2017] > years.value_counts()[2024]
    is_share = (
        (frame["actor1"] == "Islamic State (Iraq)") | (frame["actor2"] == "Islamic State (Iraq)")
    ).mean()
    assert 0.7 < is_share < 0.9
    assert set(frame["geo_precision"]) == {"1", "2", "3"}
    assert set(frame["time_precision"]) == {"1", "2", "3"}
    dates = pd.to_datetime(frame["event_date"], format="%d %B %Y")
    assert dates.is_monotonic_increasing


def test_benchmark_script_runs_at_tiny_size() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_load.py"),
            "--n",
            "1000",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ratio:" in done.stdout
    assert "generated 1,000 rows" in done.stdout
