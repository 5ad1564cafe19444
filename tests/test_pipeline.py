"""The pipeline: builds every map, skips unchanged ones, rebuilds on change or --force."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

import pytest

from geo import pipeline
from geo.spec import specs_dir

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def built(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764374400")
    return pipeline.build(["timeline", "seam"], out=tmp_path / "out")


def test_build_reports_what_it_did(built):
    assert [m.status for m in built.maps] == ["built", "built"]
    assert built.resolved.schematic  # empty cache, offline: the schematic fallback
    text = built.summary()
    assert "schematic" in text.lower() and "index" in text
    assert "rows read:" in text and "join:" in text
    assert "placed by area code:" in text


def test_pages_built_from_the_sample_carry_the_sample_banner(built, tmp_path):
    page = (built.out_dir / "timeline.html").read_text(encoding="utf-8")
    assert 'id="geo-sample-banner"' in page
    assert "not a record of all activity" in page and "34 placed (19 IS attacks" in page
    csv = tmp_path / "own.csv"
    csv.write_text(
        "event_id,date,latitude,longitude,actor1\na1,2021-03-01,34.1,44.9,Islamic State\n",
        encoding="utf-8",
    )
    own = pipeline.build(["timeline"], incidents=[csv], out=tmp_path / "own")
    html = (own.out_dir / "timeline.html").read_text(encoding="utf-8")
    assert "geo-sample-banner" not in html


def test_unchanged_maps_are_skipped_and_force_rebuilds(built):
    out = built.out_dir
    before = (out / "seam.html").stat().st_mtime_ns
    again = pipeline.build(["timeline", "seam"], out=out)
    assert [m.status for m in again.maps] == ["unchanged", "unchanged"]
    assert (out / "seam.html").stat().st_mtime_ns == before
    forced = pipeline.build(["seam"], out=out, force=True)
    assert [m.status for m in forced.maps] == ["built"]


def test_changed_inputs_rebuild(built, tmp_path):
    out = built.out_dir
    csv = tmp_path / "events.csv"
    csv.write_text(
        "event_id,date,latitude,longitude,event_type,actor1,fatalities,source_url\n"
        "a1,2021-03-01,34.1,44.9,Attack,Islamic State,2,https://example.org/a\n",
        encoding="utf-8",
    )
    again = pipeline.build(["seam"], incidents=[csv], out=out)
    assert [m.status for m in again.maps] == ["built"]
    assert again.maps[0].events == 1


def test_changed_spec_rebuilds(built, tmp_path):
    own = tmp_path / "specs"
    own.mkdir()
    shutil.copy(specs_dir() / "seam.toml", own / "seam.toml")
    first = pipeline.build(["seam"], out=built.out_dir, maps_dir=own)
    assert first.maps[0].status == "unchanged"  # same bytes as the shipped spec
    text = (own / "seam.toml").read_text(encoding="utf-8")
    (own / "seam.toml").write_text(text.replace("seam_chart = true", "seam_chart = false"))
    second = pipeline.build(["seam"], out=built.out_dir, maps_dir=own)
    assert second.maps[0].status == "built"


def test_missing_page_is_rebuilt(built):
    (built.out_dir / "timeline.html").unlink()
    again = pipeline.build(["timeline", "seam"], out=built.out_dir)
    assert {m.name: m.status for m in again.maps} == {"timeline": "built", "seam": "unchanged"}


@pytest.mark.slow
def test_example_script_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["build_maps.py"])
    runpy.run_path(str(ROOT / "examples" / "build_maps.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "index" in out and (tmp_path / "output" / "index.html").exists()
