"""Reproducibility: the same inputs give byte-identical maps and tables across processes.

Each run is a separate ``python -m geo`` process with its own empty data folder,
downloads off and ``SOURCE_DATE_EPOCH`` fixed; the two runs differ in
``PYTHONHASHSEED`` (so set and dict iteration orders differ) and in their output
folder. Every file written must have the same bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo.spec import load_specs

EPOCH = "1700000000"  # 2023-11-14


def geo(tmp: Path, run: str, *argv: object, data: Path | None = None) -> str:
    """Run ``python -m geo ARGV`` in a fresh process for one run; return its stdout."""
    env = {
        **os.environ,
        "PYTHONHASHSEED": "1" if run == "a" else "2",
        "SOURCE_DATE_EPOCH": EPOCH,
        "GEO_OFFLINE": "1",
        "GEO_DATA_DIR": str(data or tmp / f"data-{run}"),
    }
    env.pop("GEO_BOUNDARIES", None)
    done = subprocess.run(
        [sys.executable, "-m", "geo", *map(str, argv)],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def files_of(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_same_files(first: Path, second: Path) -> None:
    a, b = files_of(first), files_of(second)
    assert sorted(a) == sorted(b)
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"files differ between the two runs: {differ}"


@pytest.fixture
def synthetic(tmp_path) -> Path:
    path = tmp_path / "synthetic.csv"
    geo(tmp_path, "a", "incidents", "synth", "--n", 200, "--seed", 3, "--out", path)
    return path


@pytest.mark.slow
def test_build_is_byte_identical_across_hash_seeds(tmp_path):
    for run in ("a", "b"):
        out = geo(tmp_path, run, "build", "--out", tmp_path / f"site-{run}", "--force")
        assert "schematic" in out
    site = tmp_path / "site-a"
    for spec in load_specs():
        assert (site / f"{spec.name}.html").stat().st_size > 0  # every shipped map
    assert (site / "index.html").exists()
    assert_same_files(site, tmp_path / "site-b")


@pytest.mark.slow
def test_build_with_incidents_is_byte_identical(tmp_path, synthetic):
    for run in ("a", "b"):
        geo(tmp_path, run, "build", "--incidents", synthetic, "--out", tmp_path / f"site-{run}")
    assert_same_files(tmp_path / "site-a", tmp_path / "site-b")


@pytest.mark.slow
def test_tables_are_byte_identical_across_hash_seeds(tmp_path, synthetic):
    for run in ("a", "b"):
        folder = tmp_path / f"tables-{run}"
        for suffix in (".parquet", ".geojson", ".csv", ".gpkg"):
            geo(tmp_path, run, "join", synthetic, "--out", folder / f"joined{suffix}")
        for suffix in (".csv", ".md", ".parquet"):
            geo(
                tmp_path,
                run,
                "stats",
                synthetic,
                "--out",
                folder / f"stats{suffix}",
                "--by",
                "district",
                "--period",
                "month",
            )
        geo(tmp_path, run, "stats", synthetic, "--seam", "--out", folder / "seam.csv")
        for suffix in (".csv", ".md"):
            geo(tmp_path, run, "stats", synthetic, "--hotspots", "--by", "district",
                "--period", "quarter", "--out", folder / f"hotspots{suffix}")  # fmt: skip
        geo(tmp_path, run, "incidents", "check", synthetic, "--out", folder / "rejected.csv")
    assert_same_files(tmp_path / "tables-a", tmp_path / "tables-b")


@pytest.mark.slow
@pytest.mark.shared_data
def test_build_with_cod_ab_is_byte_identical(tmp_path, cod_ab_dir, synthetic):
    for run in ("a", "b"):
        data = tmp_path / f"data-{run}"
        geo(tmp_path, run, "boundaries", "import", cod_ab_dir, data=data)
        out = geo(tmp_path, run, "build", "--incidents", synthetic, "--out", tmp_path / run)
        assert "ocha-cod-ab" in out or "COD-AB" in out
        geo(tmp_path, run, "join", synthetic, "--out", tmp_path / run / "joined.parquet")
    assert_same_files(tmp_path / "a", tmp_path / "b")
