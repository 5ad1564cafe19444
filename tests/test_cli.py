"""Smoke tests of every ``geo`` command's happy path, in-process on small fixtures."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

import geo
from geo.cli import main
from geo.spec import load_specs


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """Run ``geo ARGV`` in-process; return exit code, stdout and stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def synthetic(tmp_path, capsys) -> Path:
    """Fifty synthetic ACLED-layout events written by ``geo incidents synth``."""
    path = tmp_path / "synthetic.csv"
    code, out, err = run(capsys, "incidents", "synth", "--n", 50, "--out", path, "--seed", 7)
    assert (code, err) == (0, "")
    assert "50" in out and str(path) in out
    return path


@pytest.mark.parametrize("given", [None, "3"])
def test_the_command_keeps_openmp_to_one_thread_unless_told(given):
    """The KD-tree's OpenMP threads would compete with the command's own two threads."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    if given is not None:
        env["OMP_NUM_THREADS"] = given
    code = "import os, geo.cli; print(os.environ['OMP_NUM_THREADS'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == (given or "1")


def test_version(capsys):
    assert run(capsys, "version") == (0, f"disputed-maps {geo.__version__}\n", "")


def test_maps_lists_every_shipped_spec(capsys):
    code, out, err = run(capsys, "maps")
    assert (code, err) == (0, "")
    names = [line.split()[0] for line in out.splitlines()]
    assert names == [spec.name for spec in load_specs()]


def test_doctor_says_what_is_missing(capsys):
    code, out, err = run(capsys, "doctor")
    assert (code, err) == (0, "")
    assert "boundaries" in out and "schematic" in out
    assert "geo boundaries import" in out


def test_boundaries_list(capsys):
    code, out, err = run(capsys, "boundaries", "list")
    assert (code, err) == (0, "")
    assert "ocha-cod-ab/district" in out and "geoboundaries/district" in out
    assert "not cached" in out


def test_synth_then_check(capsys, synthetic):
    code, out, err = run(capsys, "incidents", "check", synthetic)
    assert (code, err) == (0, "")
    assert "rows read: 50 = accepted 50 + rejected 0" in out
    assert "[acled, utf-8" in out


def test_check_writes_an_empty_rejection_report(tmp_path, capsys, synthetic):
    rejected = tmp_path / "rejected.csv"
    code, out, err = run(capsys, "incidents", "check", synthetic, "--out", rejected)
    assert (code, err) == (0, "")
    assert f"rejected rows written to {rejected}" in out
    assert rejected.read_text(encoding="utf-8") == "file,line,field,value,reason\n"


@pytest.mark.parametrize("suffix", [".parquet", ".geojson", ".csv"])
def test_join_writes_every_event(tmp_path, capsys, synthetic, suffix):
    out_path = tmp_path / f"joined{suffix}"
    code, out, err = run(capsys, "join", synthetic, "--out", out_path, "--all-events")
    assert (code, err) == (0, "")
    assert f"wrote 50 events to {out_path}" in out
    assert "schematic" in out
    if suffix == ".csv":
        table = pd.read_csv(out_path, comment="#")
    else:
        table = (gpd.read_parquet if suffix == ".parquet" else gpd.read_file)(out_path)
    assert len(table) == 50
    assert {"event_id", "adm1_code", "adm2_code", "join_status"} <= set(table.columns)


@pytest.mark.parametrize("command", ["join", "stats", "build"])
def test_a_command_freezes_its_libraries_objects_and_thaws_them_at_the_end(
    tmp_path, capsys, monkeypatch, synthetic, command
):
    """Full collections skip what the imports made while the command runs, not after it."""
    from geo import analysis, pipeline

    seen = []

    def watch(name, fn):
        def watched(*args, **kwargs):
            seen.append((gc.isenabled(), gc.get_freeze_count()))
            return fn(*args, **kwargs)

        monkeypatch.setattr(name, watched)

    watch("geo.analysis.join_file", analysis.join_file)
    watch("geo.analysis.stats_file", analysis.stats_file)
    watch("geo.pipeline.build", pipeline.build)
    gc.unfreeze()
    ext = {"join": ".parquet", "stats": ".csv", "build": ""}[command]
    argv = [command, synthetic] if command != "build" else [command, "--incidents", synthetic]
    code, _, err = run(capsys, *argv, "--out", tmp_path / f"out{ext}", "--all-events")
    assert (code, err) == (0, "")
    assert len(seen) == 1 and seen[0][0] and seen[0][1] > 10_000  # collector on, imports frozen
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.parametrize("suffix", [".csv", ".md"])
def test_stats_by_district_and_month(tmp_path, capsys, synthetic, suffix):
    out_path = tmp_path / f"stats{suffix}"
    code, out, err = run(
        capsys, "stats", synthetic, "--out", out_path, "--by", "district", "--period", "month"
    )
    assert (code, err) == (0, "")
    assert f"to {out_path}" in out
    text = out_path.read_text(encoding="utf-8")
    assert "district" in text and "events" in text


def test_build_offline_uses_schematic_boundaries(tmp_path, capsys):
    out_dir = tmp_path / "site"
    code, out, err = run(capsys, "build", "--out", out_dir)
    assert (code, err) == (0, "")
    assert "schematic" in out
    specs = load_specs()
    for spec in specs:
        page = out_dir / f"{spec.name}.html"
        assert page.stat().st_size > 0
        assert f"built     {page}" in out
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    for spec in specs:
        assert f"{spec.name}.html" in index


def test_build_skips_unchanged_maps(tmp_path, capsys):
    out_dir = tmp_path / "site"
    assert run(capsys, "build", "timeline", "--out", out_dir)[0] == 0
    code, out, err = run(capsys, "build", "timeline", "--out", out_dir)
    assert (code, err) == (0, "")
    assert f"unchanged {out_dir / 'timeline.html'}" in out
    code, out, _ = run(capsys, "build", "timeline", "--out", out_dir, "--force")
    assert code == 0
    assert f"built     {out_dir / 'timeline.html'}" in out


def test_build_with_an_incident_file(tmp_path, capsys, synthetic):
    out_dir = tmp_path / "site"
    code, out, err = run(capsys, "build", "seam", "--incidents", synthetic, "--out", out_dir)
    assert (code, err) == (0, "")
    assert "rows read: 50 = accepted 50 + rejected 0" in out
    assert (out_dir / "seam.html").exists()


def test_assets_status(capsys):
    code, out, err = run(capsys, "assets", "status")
    assert (code, err) == (0, "")
    assert out.strip()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["frobnicate"], "frobnicate"),
        (["incidents", "check"], "path"),
        (["incidents", "synth", "--n", "many", "--out", "x.csv"], "--n"),
        (["build", "--no-such-option"], "--no-such-option"),
    ],
    ids=["unknown-command", "missing-argument", "bad-integer", "unknown-option"],
)
def test_usage_errors_are_short_messages(capsys, argv, needle):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_no_arguments_shows_help(capsys):
    code, out, err = run(capsys)
    assert code in (0, 2)
    assert "build" in out + err and "incidents" in out + err


def test_help_exits_zero(capsys):
    code, out, err = run(capsys, "incidents", "check", "--help")
    assert (code, err) == (0, "")
    assert "--fix-swapped" in out and "--date-format" in out


def test_stats_hotspots_per_role_on_the_schematic_districts(capsys, tmp_path):
    from geo.export import read_provenance
    from geo.hotspots import EMERGING_CLASSES

    path = tmp_path / "synthetic.csv"
    assert run(capsys, "incidents", "synth", "--n", 400, "--out", path, "--seed", 3)[0] == 0
    out = tmp_path / "hot.md"
    code, text, err = run(capsys, "stats", path, "--hotspots", "--by", "district", "--period",
                          "quarter", "--role", "attack,clash", "--out", out)  # fmt: skip
    assert (code, err) == (0, "")
    assert f"wrote 99 rows to {out}" in text  # every schematic district, zeros included
    md = out.read_text(encoding="utf-8")
    assert "| level | area_code | area_name | events |" in md
    assert "- Method (weights): binary queen contiguity" in md
    prov = read_provenance(out)
    assert "queen" in prov["method"]["weights"]
    csv = tmp_path / "hot.csv"
    assert run(capsys, "stats", path, "--hotspots", "--by", "district", "--period", "quarter",
               "--out", csv)[0] == 0  # fmt: skip
    table = pd.read_csv(csv)
    assert set(table["emerging_class"]) <= set(EMERGING_CLASSES)
    assert table["events"].sum() <= 400


def test_stats_hotspots_by_hex_and_bad_combinations(capsys, tmp_path):
    path = tmp_path / "synthetic.csv"
    assert run(capsys, "incidents", "synth", "--n", 300, "--out", path, "--seed", 4)[0] == 0
    out = tmp_path / "hex.csv"
    code, text, _err = run(capsys, "stats", path, "--hotspots", "--by", "hex", "--out", out)
    assert "located only to an area (coarser than a hexagon cell) were left out" in text
    assert code == 0
    table = pd.read_csv(out)
    assert table["level"].iloc[0].startswith("hex-r") and len(table) > 500
    assert "emerging_class" not in table.columns
    code, _out, err = run(capsys, "stats", path, "--hotspots", "--seam", "--out", out)
    assert code != 0 and "--hotspots cannot be combined with --seam" in err
    code, _out, err = run(capsys, "stats", path, "--hotspots", "--by", "krg-area", "--out", out)
    assert code != 0 and "cannot find hot spots by 'krg-area'" in err


def test_the_command_flushes_its_report_and_keeps_its_exit_code(tmp_path):
    """`python -m geo` leaves without interpreter teardown: nothing printed may be lost."""
    env = {**os.environ, "GEO_DATA_DIR": str(tmp_path / "data"), "GEO_OFFLINE": "1"}
    ok = subprocess.run(
        [sys.executable, "-m", "geo", "maps"], capture_output=True, text=True, env=env
    )
    assert ok.returncode == 0, ok.stderr
    listed = [line.split()[0] for line in ok.stdout.splitlines()]
    assert listed == sorted(spec.name for spec in load_specs())
    bad = subprocess.run(
        [sys.executable, "-m", "geo", "join", str(tmp_path / "missing.csv"), "--out", "x.csv"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 5 and bad.stderr.startswith("geo: error: ")
    assert bad.stderr.endswith("\n") and "missing.csv" in bad.stderr
