"""Tests of the schematic boundary fallback (geo.boundaries.schematic) and its benchmark."""

from __future__ import annotations

import csv
import importlib.util
import random
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.boundaries.schematic import OUTLINE_COLUMNS, PLACE_COLUMNS, build_boundaries
from geo.errors import BoundaryError
from geo.paths import resource
from geo.types import ADMIN_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "evaluation" / "schematic_agreement.py"

# A 1° square outline and two governorates: G1 (districts G1Q1, G1Q2) west, G2 east.
SQUARE = [(33.0, 44.0), (33.0, 45.0), (34.0, 45.0), (34.0, 44.0)]
PLACES = [
    # name, governorate, district, adm1, adm2, lat, lon
    ("West town", "One", "One-A", "G1", "G1Q1", "33.5", "44.1"),
    ("West village", "One", "One-A", "G1", "G1Q1", "33.2", "44.2"),
    ("Middle town", "One", "One-B", "G1", "G1Q2", "33.5", "44.5"),
    ("East town", "Two", "Two-A", "G2", "G2Q1", "33.5", "44.9"),
    ("Lost town", "Two", "Two-B", "G2", "G2Q2", "", ""),
    ("Unplaced ridge", "", "", "", "", "33.9", "44.9"),
]


def write_places(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(PLACE_COLUMNS)
        for name, gov, dist, adm1, adm2, lat, lon in rows:
            writer.writerow([name, "", "", gov, dist, adm1, adm2, lat, lon, "town", "https://x"])
    return path


def write_outline(path: Path, points: list[tuple[float, float]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(OUTLINE_COLUMNS)
        for seq, (lat, lon) in enumerate(points, 1):
            writer.writerow([seq, "", lat, lon, "turning_point", "https://x"])
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_places(tmp_path / "places.csv", PLACES),
        write_outline(tmp_path / "outline.csv", SQUARE),
    )


def assert_tiles(parts: gpd.GeoSeries, whole: shapely.Geometry) -> None:
    """The parts cover the whole, with no gap or overlap beyond float noise (areas in m²)."""
    metric = parts.to_crs("EPSG:32638")
    whole_area = gpd.GeoSeries([whole], crs=parts.crs).to_crs("EPSG:32638").area.iloc[0]
    assert shapely.union_all(metric.to_numpy()).area == pytest.approx(whole_area, rel=1e-9)
    assert metric.area.sum() == pytest.approx(whole_area, rel=1e-9)


def test_synthetic_layers_tile_the_outline_and_follow_the_codes(files):
    places, outline = files
    b = build_boundaries(places=places, outline=outline)
    country = b.country.geometry.iloc[0]
    square = shapely.Polygon([(lon, lat) for lat, lon in SQUARE])
    assert country.symmetric_difference(square).area < 1e-9
    assert list(b.districts["code"]) == ["G1Q1", "G1Q2", "G2Q1"]
    assert list(b.governorates["code"]) == ["G1", "G2"]
    assert_tiles(b.districts.geometry, country)
    assert_tiles(b.governorates.geometry, country)
    # Each town lies in its own district.
    for name, _, _, _, adm2, lat, lon in PLACES[:4]:
        point = shapely.Point(float(lon), float(lat))
        assert b.districts.loc[b.districts.contains(point), "code"].tolist() == [adm2], name
    # The governorate of G1 is the union of its two districts.
    g1 = b.governorates.set_index("code").geometry["G1"]
    both = shapely.union_all(b.districts[b.districts["adm1_code"] == "G1"].geometry.to_numpy())
    assert g1.symmetric_difference(both).area < 1e-9


def test_synthetic_layers_have_the_canonical_schema(files):
    b = build_boundaries(places=files[0], outline=files[1])
    for level, layer in (
        ("country", b.country),
        ("governorate", b.governorates),
        ("district", b.districts),
    ):
        assert tuple(layer.columns) == ADMIN_COLUMNS
        assert layer.crs.to_epsg() == 4326
        assert set(layer["level"]) == {level}
        assert set(layer["source"]) == {"schematic"}
        assert layer.geometry.is_valid.all()
    assert b.subdistricts is None
    row = b.districts.set_index("code").loc["G1Q2"]
    assert (row["name"], row["adm1_code"], row["adm1_name"]) == ("One-B", "G1", "One")
    assert (row["adm2_code"], row["adm2_name"], row["adm3_code"]) == ("G1Q2", "One-B", "")
    gov = b.governorates.set_index("code").loc["G2"]
    assert (gov["adm1_name"], gov["adm2_code"]) == ("Two", "")


def test_report_names_districts_without_polygon_and_idle_places(files):
    b = build_boundaries(places=files[0], outline=files[1])
    text = "\n".join(b.report)
    assert "district G2Q2 (Two-B) has no place with coordinates" in text
    assert "Lost town" in text and "(no coordinates)" in text
    assert "Unplaced ridge" in text and "(no district code)" in text


def test_provenance_is_schematic_and_says_how_to_get_authoritative_layers(files, tmp_path):
    b = build_boundaries(places=files[0], outline=files[1])
    src = b.source
    assert (src.key, src.kind) == ("schematic", "schematic")
    assert "approximate" in src.title.lower()
    assert "geo boundaries import PATH" in src.notes and "geo boundaries fetch" in src.notes
    assert [name for name, _ in src.files] == ["places.csv", "outline.csv"]
    # The version follows the content of the files.
    moved = list(PLACES)
    moved[0] = ("West town", "One", "One-A", "G1", "G1Q1", "33.5", "44.15")
    other = build_boundaries(places=write_places(tmp_path / "places2.csv", moved), outline=files[1])
    assert other.source.version != src.version


def test_same_rows_in_another_order_give_the_same_geometry(files, tmp_path):
    b = build_boundaries(places=files[0], outline=files[1])
    rows = list(PLACES)
    random.Random(7).shuffle(rows)
    shuffled = build_boundaries(places=write_places(tmp_path / "s.csv", rows), outline=files[1])
    for mine, theirs in (
        (b.districts, shuffled.districts),
        (b.governorates, shuffled.governorates),
    ):
        assert list(mine["code"]) == list(theirs["code"])
        assert all(
            shapely.equals_exact(a.normalize(), c.normalize(), tolerance=1e-12)
            for a, c in zip(mine.geometry, theirs.geometry, strict=True)
        )
    assert build_boundaries(places=files[0], outline=files[1]) is b  # cached in-process


def test_gazetteer_problems_are_all_reported_at_once(tmp_path, files):
    bad = [
        ("A", "One", "One-A", "G1", "G1Q1", "north", "44.1"),  # line 2: not a number
        ("B", "One", "One-A", "G1", "G1Q1", "33.5", ""),  # line 3: half coordinates
        ("C", "One", "Two-A", "G1", "G2Q1", "33.5", "44.9"),  # line 4: wrong governorate
        ("A", "One", "One-A", "G1", "G1Q1", "33.6", "44.1"),  # line 5: duplicate name
    ]
    with pytest.raises(BoundaryError) as info:
        build_boundaries(places=write_places(tmp_path / "bad.csv", bad), outline=files[1])
    message = str(info.value)
    for needle in ("line 2, field lat", "line 3: give both", "line 4, field adm2_code", "line 5"):
        assert needle in message


def test_places_at_one_spot_in_two_districts_are_refused(tmp_path, files):
    rows = [PLACES[0], ("Twin", "One", "One-B", "G1", "G1Q2", "33.5", "44.1")]
    with pytest.raises(BoundaryError, match="same coordinates"):
        build_boundaries(places=write_places(tmp_path / "twin.csv", rows), outline=files[1])


def test_outline_out_of_order_is_refused(tmp_path, files):
    path = write_outline(tmp_path / "outline.csv", SQUARE)
    text = path.read_text().replace("\n2,", "\n9,")
    path.write_text(text)
    with pytest.raises(BoundaryError, match="field seq"):
        build_boundaries(places=files[0], outline=path)


def test_missing_column_is_named(tmp_path, files):
    path = tmp_path / "places.csv"
    path.write_text("name,lat,lon\nA,33,44\n", encoding="utf-8")
    with pytest.raises(BoundaryError, match="missing column"):
        build_boundaries(places=path, outline=files[1])


# ------------------------------------------------------------------ the shipped files


def test_shipped_files_have_the_documented_columns_and_sources():
    places = pd.read_csv(resource("boundaries/places.csv"), dtype=str, keep_default_na=False)
    assert tuple(places.columns) == PLACE_COLUMNS
    outline = pd.read_csv(resource("boundaries/outline.csv"), dtype=str, keep_default_na=False)
    assert tuple(outline.columns) == OUTLINE_COLUMNS
    with_coords = places[places["lat"] != ""]
    assert with_coords["source"].str.startswith("http").all()
    assert outline["source"].str.startswith("http").all()
    assert (places.loc[places["adm2_code"] != "", "adm2_code"].str.match(r"^IQG\d\dQ\d\d$")).all()


def test_shipped_schematic_tiles_iraq():
    b = build_boundaries()
    assert b.source.kind == "schematic"
    assert len(b.governorates) == 18
    assert len(b.districts) >= 95
    assert b.districts["code"].is_unique and b.districts["code"].str.startswith("IQG").all()
    assert_tiles(b.districts.geometry, b.country.geometry.iloc[0])
    assert_tiles(b.governorates.geometry, b.country.geometry.iloc[0])
    # Every place that seeds the partition lies in its own district, or is reported
    # as outside the coarse outline (towns on the Shatt al-Arab bank).
    places = pd.read_csv(resource("boundaries/places.csv"), dtype=str, keep_default_na=False)
    seeds = places[(places["lat"] != "") & (places["adm2_code"] != "")]
    districts = b.districts.set_index("code").geometry
    report = "\n".join(b.report)
    for row in seeds.itertuples():
        point = shapely.Point(float(row.lon), float(row.lat))
        inside = districts[row.adm2_code].intersects(point)
        assert inside or f"place {row.name!r} lies" in report, row.name


# ------------------------------------------------------------------ the benchmark


def load_script():
    spec = importlib.util.spec_from_file_location("schematic_agreement", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.shared_data
def test_agreement_with_cod_ab_meets_the_targets(cod_ab_dir, ucdp_csv, tmp_path, capsys):
    script = load_script()
    shared = cod_ab_dir.parents[1]
    assert ucdp_csv == shared / script.UCDP
    out = tmp_path / "agreement.md"
    assert script.main(["--shared", str(shared), "--out", str(out)]) == 0
    assert "| governorate |" in out.read_text(encoding="utf-8")
    assert "| governorate |" in capsys.readouterr().out
    result = script.agreement(shared)
    assert result.events > 5000
    assert result.percent["governorate"] >= 90.0
    assert result.percent["disputed (UNAMI 2009)"] >= 95.0
    assert result.failures() == []
