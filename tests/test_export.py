"""Tests of geo.export and geo.provenance: formats, provenance, byte-identical reruns."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from test_join import make_events, tiny_layers

from geo import provenance
from geo.aggregate import aggregate
from geo.errors import OutputError
from geo.export import read_provenance, sidecar_path, write_events, write_table
from geo.join import join_events
from geo.types import JOIN_COLUMNS


@dataclass(frozen=True)
class FakeDataset:
    """Stands in for geo.incidents.DatasetInfo."""

    name: str
    sha256: str
    format: str
    rows_read: int
    acled: bool


@pytest.fixture
def prov(monkeypatch) -> dict:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    return provenance.build(
        inputs=[FakeDataset("acled.csv", "ab" * 32, "acled", 5, acled=True)],
        filters={"is_only": True, "date_from": pd.Timestamp("2021-01-01").date()},
        boundaries=tiny_layers().boundaries.source,
        acled_access_date="2024-05-01",
    )


@pytest.fixture(scope="module")
def joined() -> gpd.GeoDataFrame:
    points = [(44.25, 34.25), (45.0, 34.25), (45.123456789, 34.5), (47.0, 34.5)]
    events = make_events(points, notes=['a, "quoted" note', "Arabic: ديالى", "", "x|y"])
    return join_events(events, tiny_layers()).events


def test_provenance_has_everything_and_a_fixed_date(prov):
    assert list(prov) == sorted(prov)
    assert prov["run_date"] == "2023-11-14"
    assert prov["tool"]["name"] == "disputed-maps"
    assert prov["inputs"][0] == {
        "file": "acled.csv", "format": "acled", "rows_read": 5, "sha256": "ab" * 32,
        "acled": True,
    }  # fmt: skip
    assert prov["boundaries"]["key"] == "test-src"
    assert prov["boundaries"]["licence"] == "CC0"
    assert prov["filters"] == {"date_from": "2021-01-01", "is_only": True}
    citation = prov["acled"]["citation"]
    assert "Armed Conflict Location & Event Data Project (ACLED)" in citation
    assert "www.acleddata.com" in citation and "2024-05-01" in citation
    assert prov["acled"]["filters"] == prov["filters"]
    assert "joined" in prov["acled"]["manipulations"]


def test_provenance_hashes_input_files_and_omits_acled_for_others(tmp_path):
    f = tmp_path / "ucdp.csv"
    f.write_bytes(b"id,latitude\n1,34\n")
    rec = provenance.build(inputs=[f], filters={}, boundaries=tiny_layers().boundaries.source)
    digest = hashlib.sha256(b"id,latitude\n1,34\n").hexdigest()
    assert rec["inputs"] == [{"file": "ucdp.csv", "bytes": 17, "sha256": digest}]
    assert "acled" not in rec


def test_run_date_is_today_without_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    assert provenance.run_date() == today


def _strip(record: dict) -> dict:
    """Return a provenance record without its column dictionary (checked on its own)."""
    assert set(record["columns"]) and all(record["columns"].values())
    return {k: v for k, v in record.items() if k != "columns"}


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".geojson", ".csv"])
def test_events_are_byte_identical_on_rerun_and_carry_provenance(tmp_path, joined, prov, suffix):
    a = write_events(joined, tmp_path / f"a{suffix}", provenance=prov)
    first = a.read_bytes()
    write_events(joined, a, provenance=prov)
    assert a.read_bytes() == first
    b = write_events(joined, tmp_path / f"b{suffix}", provenance=prov)
    assert b.read_bytes() == first
    assert _strip(read_provenance(a)) == prov


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".geojson", ".csv"])
def test_events_without_point_objects_are_written_the_same(tmp_path, prov, suffix):
    """Joined from longitude/latitude alone (``points=False``), the file is byte-identical."""
    points = [(44.25, 34.25), (45.0, 34.25), (45.123456789, 34.5), (47.0, 34.5), (44.5, 34.5)]
    events = make_events(points, notes=['a, "quoted" note', "Arabic: ديالى", "", "x|y", "e"])
    plain = pd.DataFrame(events.drop(columns="geometry"))
    with_points = join_events(events, tiny_layers()).events
    without = join_events(plain, tiny_layers()).events
    assert not isinstance(without, gpd.GeoDataFrame)
    pd.testing.assert_frame_equal(pd.DataFrame(with_points.drop(columns="geometry")), without)
    a = write_events(with_points, tmp_path / f"a{suffix}", provenance=prov)
    b = write_events(without, tmp_path / f"b{suffix}", provenance=prov)
    assert a.read_bytes() == b.read_bytes()
    if suffix == ".csv":
        assert sidecar_path(a).read_bytes() == sidecar_path(b).read_bytes()


def test_the_join_command_writes_what_the_point_objects_would(tmp_path, monkeypatch):
    """``geo join`` loads without point objects; the table is the one loaded with them."""
    from geo import analysis
    from geo.incidents.synth import write_synthetic

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("GEO_OFFLINE", "1")  # schematic boundaries: any boundaries will do
    path = tmp_path / "s.csv"
    write_synthetic(400, seed=1, out=path)
    analysis.join_file(analysis.Selection([path]), out=tmp_path / "cli.parquet")
    done = analysis.join_selection(analysis.Selection([path]))
    assert isinstance(done.joined.events, gpd.GeoDataFrame)
    write_events(done.joined.events, tmp_path / "points.parquet", provenance=done.provenance)
    assert (tmp_path / "cli.parquet").read_bytes() == (tmp_path / "points.parquet").read_bytes()


def test_text_columns_carry_no_statistics_and_the_rest_do(tmp_path, joined, prov):
    import pyarrow.parquet as pq

    path = write_events(joined, tmp_path / "e.parquet", provenance=prov)
    meta = pq.ParquetFile(path).metadata.row_group(0)
    stats = {
        meta.column(i).path_in_schema: meta.column(i).statistics for i in range(meta.num_columns)
    }
    assert stats["event_id"] is None and stats["adm1_code"] is None
    assert stats["fatalities"] is not None and stats["dist_krg_line_km"] is not None
    assert stats["fatalities"].has_min_max


def test_parquet_dictionary_encodes_only_columns_that_repeat(tmp_path, prov):
    import numpy as np
    import pyarrow.parquet as pq

    n = 3000
    frame = pd.DataFrame(
        {
            "code": pd.array(["IQG10"] * (n // 2) + ["IQG11"] * (n // 2), dtype="str"),
            "unique_text": pd.array([f"event {i}" for i in range(n)], dtype="str"),
            "distance": np.arange(n) / 7.0,
            "fatalities": np.arange(n) % 5,
        }
    )
    path = write_table(frame, tmp_path / "t.parquet", provenance=prov)
    meta = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {
        meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)
    }
    assert "RLE_DICTIONARY" in encodings["code"] and "RLE_DICTIONARY" in encodings["fatalities"]
    assert "RLE_DICTIONARY" not in encodings["unique_text"]
    assert "RLE_DICTIONARY" not in encodings["distance"]
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)


def test_geoparquet_round_trips(tmp_path, joined, prov):
    path = write_events(joined, tmp_path / "e.parquet", provenance=prov)
    back = gpd.read_parquet(path)
    assert back.crs.to_epsg() == 4326
    assert back["event_id"].tolist() == joined["event_id"].tolist()
    assert list(back.columns) == list(joined.columns)
    assert back["join_status"].tolist() == joined["join_status"].tolist()


def test_geopackage_round_trips(tmp_path, joined, prov):
    path = write_events(joined, tmp_path / "e.gpkg", provenance=prov)
    back = pyogrio.read_dataframe(path, layer="events")
    assert back["adm3_code"].tolist() == joined["adm3_code"].tolist()
    assert back["notes"].tolist()[1] == "Arabic: ديالى"


def test_geojson_has_provenance_rounded_coordinates_and_sorted_keys(tmp_path, joined, prov):
    path = write_events(joined, tmp_path / "e.geojson", provenance=prov)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["type"] == "FeatureCollection"
    assert _strip(data["provenance"]) == prov
    assert data["features"][2]["geometry"]["coordinates"] == [45.123457, 34.5]
    assert list(data) == sorted(data)
    props = data["features"][0]["properties"]
    assert list(props) == sorted(props)
    assert props["date"] == "2021-01-15"
    assert set(JOIN_COLUMNS) <= set(props)


def test_csv_has_lat_lon_no_geometry_and_a_provenance_sidecar(tmp_path, joined, prov):
    path = write_events(joined, tmp_path / "e.csv", provenance=prov)
    back = pd.read_csv(path, keep_default_na=False)
    assert "geometry" not in back.columns
    assert back["latitude"].tolist() == [34.25, 34.25, 34.5, 34.5]
    assert back["notes"].tolist()[0] == 'a, "quoted" note'
    assert sidecar_path(path) == tmp_path / "e.provenance.json"
    assert _strip(json.loads(sidecar_path(path).read_text())) == prov


@pytest.mark.parametrize("suffix", [".csv", ".md", ".parquet"])
def test_tables_are_byte_identical_and_carry_provenance(tmp_path, joined, prov, suffix):
    table = aggregate(joined, tiny_layers(), by="district", period="month")
    a = write_table(table, tmp_path / f"t{suffix}", provenance=prov)
    first = a.read_bytes()
    write_table(table.copy(), a, provenance=prov)
    assert a.read_bytes() == first
    assert _strip(read_provenance(a)) == prov


def test_markdown_table_has_a_provenance_header_then_the_table(tmp_path, joined, prov):
    table = aggregate(joined, tiny_layers(), by="governorate", period="all", by_type=False)
    text = write_table(table, tmp_path / "stats.md", provenance=prov).read_text(encoding="utf-8")
    header, _, body = text.partition("| level |")
    assert header.startswith("# stats\n")
    assert "Boundaries: Test (test-src, 1)" in header
    assert "acled.csv" in header and "Armed Conflict Location" in header
    rows = [line for line in body.splitlines() if line.startswith("| governorate")]
    assert len(rows) == len(table)


def test_parquet_table_round_trips(tmp_path, joined, prov):
    table = aggregate(joined, tiny_layers(), by="district", period="month")
    back = pd.read_parquet(write_table(table, tmp_path / "t.parquet", provenance=prov))
    assert back["events"].tolist() == table["events"].tolist()
    assert back["area_code"].tolist() == table["area_code"].tolist()


@pytest.mark.parametrize("name", ["out.xlsx", "out", "out.shp"])
def test_unknown_extension_names_the_supported_ones(tmp_path, joined, prov, name):
    with pytest.raises(OutputError, match=r"\.parquet, \.gpkg, \.geojson, \.csv"):
        write_events(joined, tmp_path / name, provenance=prov)
    with pytest.raises(OutputError, match=r"\.csv, \.md, \.parquet"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / name, provenance=prov)
    assert list(tmp_path.iterdir()) == []
