"""Tests of geo.join: border rules, coarse flags, zone flags and distances."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo.distance import LineDistance, locality_order
from geo.errors import ValidationError
from geo.join import join_events
from geo.locate import PolygonIndex
from geo.measure import to_metric
from geo.types import (
    ADMIN_COLUMNS,
    EVENT_COLUMNS,
    JOIN_COLUMNS,
    ZONE_COLUMNS,
    Boundaries,
    ProjectLayers,
    Provenance,
)

# Tiny country of two governorates (lon 44-45 and 45-46, lat 34-35):
#   G1 = district D11 (sub-districts S111 south, S112 north) + district D12 (S121)
#   G2 = district D21 (S211)
# Edges are densified (as real boundaries are) so that they stay close to
# straight lines of longitude and latitude once projected to metres.
SUBDISTRICTS = [
    (code, shapely.segmentize(geom, 0.01), district, governorate)
    for code, geom, district, governorate in [
        ("IQS111", box(44.0, 34.0, 44.5, 34.5), "IQD11", "IQG1"),
        ("IQS112", box(44.0, 34.5, 44.5, 35.0), "IQD11", "IQG1"),
        ("IQS121", box(44.5, 34.0, 45.0, 35.0), "IQD12", "IQG1"),
        ("IQS211", box(45.0, 34.0, 46.0, 35.0), "IQD21", "IQG2"),
    ]
]
DAM = (45.5, 34.5)


def _admin(rows: list[dict]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return frame[list(ADMIN_COLUMNS)]


def _row(code: str, level: str, geom, **parents: str) -> dict:
    row = {c: "" for c in ADMIN_COLUMNS}
    row.update(code=code, name=f"name {code}", level=level, source="test", geometry=geom)
    row.update(parents)
    return row


def tiny_boundaries(*, subdistricts: bool = True) -> Boundaries:
    subs = [
        _row(
            s, "subdistrict", g,
            adm1_code=g1, adm1_name=f"name {g1}", adm2_code=d, adm2_name=f"name {d}",
            adm3_code=s, adm3_name=f"name {s}",
        )
        for s, g, d, g1 in SUBDISTRICTS
    ]  # fmt: skip
    frame = _admin(subs)
    districts = frame.dissolve("adm2_code", as_index=False, sort=True)
    districts = districts.assign(
        code=districts["adm2_code"],
        name=districts["adm2_name"],
        level="district",
        adm3_code="",
        adm3_name="",
    )
    govs = districts.dissolve("adm1_code", as_index=False, sort=True)
    govs = govs.assign(
        code=govs["adm1_code"],
        name=govs["adm1_name"],
        level="governorate",
        adm2_code="",
        adm2_name="",
    )
    country = _admin([_row("IQ", "country", box(44, 34, 46, 35))])
    source = Provenance(
        key="test-src", title="Test", licence="CC0", attribution="tests", version="1"
    )
    return Boundaries(
        source=source, country=country, governorates=govs[list(ADMIN_COLUMNS)],
        districts=districts[list(ADMIN_COLUMNS)],
        subdistricts=frame if subdistricts else None,
    )  # fmt: skip


def _zone(key: str, geom) -> gpd.GeoDataFrame:
    row = {c: "" for c in ZONE_COLUMNS}
    row.update(key=key, name=key, area_km2=0.0, geometry=shapely.segmentize(geom, 0.01))
    return gpd.GeoDataFrame([row], geometry="geometry", crs="EPSG:4326")


def _feature(key: str, geom) -> gpd.GeoDataFrame:
    geom = shapely.segmentize(geom, 0.01)
    row = {"key": key, "name": key, "kind": "", "source": "", "notes": "", "geometry": geom}
    return gpd.GeoDataFrame([row], geometry="geometry", crs="EPSG:4326")


def tiny_layers(*, subdistricts: bool = True) -> ProjectLayers:
    return ProjectLayers(
        boundaries=tiny_boundaries(subdistricts=subdistricts),
        disputed_unami=_zone("unami-2009", box(44.5, 34.0, 45.5, 34.8)),
        disputed_wide=_zone("article-140-wide", box(44.25, 34.0, 45.75, 34.8)),
        krg_area=_zone("krg-area", box(44.0, 34.8, 46.0, 35.0)),
        krg_line=_feature("krg-line", LineString([(44.0, 34.8), (46.0, 34.8)])),
        hamrin_area=_zone("hamrin-area", box(45.2, 34.2, 45.8, 34.7)),
        hamrin_ridge=_feature("hamrin-ridge", LineString([(45.2, 34.6), (45.8, 34.3)])),
        hamrin_dam=_feature("hamrin-dam", Point(*DAM)),
        places=_feature("x", Point(45, 34.5)).iloc[:0],
    )


def make_events(points: list[tuple[float, float]], **columns) -> gpd.GeoDataFrame:
    n = len(points)
    lon = np.array([p[0] for p in points], dtype=float)
    lat = np.array([p[1] for p in points], dtype=float)
    data = {c: [""] * n for c in EVENT_COLUMNS if c != "geometry"}
    data.update(
        event_id=[f"E{i:03d}" for i in range(n)],
        date=pd.to_datetime(["2021-01-15"] * n),
        event_type=["Battles"] * n,
        fatalities=pd.array([1] * n, dtype="Int64"),
        latitude=lat,
        longitude=lon,
        precision_level=["point"] * n,
        synthetic=[True] * n,
    )
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _metres_east_of(lon: float, lat: float, metres: float) -> tuple[float, float]:
    """Return the point ``metres`` due east (in EPSG:32638) of a lon/lat."""
    from geo.measure import transformer

    x, y = to_metric(np.array([lon]), np.array([lat]))
    back = transformer("EPSG:32638", "EPSG:4326")
    out = back.transform(x + metres, y)
    return float(out[0][0]), float(out[1][0])


def _one(points, **kw):
    return join_events(make_events(points), tiny_layers(), **kw)


def test_point_inside_gets_its_area_and_parents():
    r = _one([(44.25, 34.25), (45.5, 34.5)])
    e = r.events
    assert e["adm3_code"].tolist() == ["IQS111", "IQS211"]
    assert e["adm2_code"].tolist() == ["IQD11", "IQD21"]
    assert e["adm1_code"].tolist() == ["IQG1", "IQG2"]
    assert e["adm1_name"].tolist() == ["name IQG1", "name IQG2"]
    assert e["join_status"].tolist() == ["matched", "matched"]
    assert e["join_distance_m"].tolist() == [0.0, 0.0]
    assert (e["boundary_source"] == "test-src").all()


def test_point_on_shared_edge_is_counted_once_for_the_lowest_code():
    # lon 45 is the border of S121 (G1) and S211 (G2).
    r = _one([(45.0, 34.25)])
    e = r.events.iloc[0]
    assert (e["adm3_code"], e["adm2_code"], e["adm1_code"]) == ("IQS121", "IQD12", "IQG1")
    assert e["join_status"] == "on_edge"
    counts = {c.level: c for c in r.report.levels}
    for level in ("governorate", "district", "subdistrict"):
        assert counts[level].on_edge == 1
        assert counts[level].matched + counts[level].on_edge == 1


def test_edge_inside_one_district_is_an_edge_only_at_the_sub_district_level():
    # lat 34.5 separates S111 and S112, both in D11 / G1.
    r = _one([(44.25, 34.5)])
    assert r.events["adm3_code"].iloc[0] == "IQS111"
    counts = {c.level: (c.matched, c.on_edge) for c in r.report.levels}
    assert counts == {"governorate": (1, 0), "district": (1, 0), "subdistrict": (0, 1)}


def test_point_50_m_outside_is_matched_to_the_nearest_area_and_marked():
    lon, lat = _metres_east_of(46.0, 34.5, 50.0)
    r = _one([(lon, lat)])
    e = r.events.iloc[0]
    assert e["join_status"] == "nearest"
    assert e["adm3_code"] == "IQS211" and e["adm1_code"] == "IQG2"
    assert e["join_distance_m"] == pytest.approx(50.0, abs=1.0)
    assert r.report.levels[0].nearest == 1
    assert r.report.unmatched.empty


def test_point_50_km_away_is_reported_unmatched_not_dropped():
    lon, lat = _metres_east_of(46.0, 34.5, 50_000.0)
    r = _one([(44.25, 34.25), (lon, lat)])
    assert len(r.events) == 2
    e = r.events.iloc[1]
    assert e["join_status"] == "unmatched"
    assert (e["adm1_code"], e["adm2_code"], e["adm3_code"]) == ("", "", "")
    assert e["join_distance_m"] == pytest.approx(50_000, rel=1e-3)
    table = r.report.unmatched
    assert table["event_id"].tolist() == ["E001"]
    assert table["nearest_code"].tolist() == ["IQS211"]
    assert table["distance_m"].iloc[0] == pytest.approx(50_000, rel=1e-3)
    assert all(c.unmatched == 1 for c in r.report.levels)
    assert "E001" in r.report.summary()


def test_ties_go_to_the_lowest_code_whatever_the_row_order():
    # Two overlapping copies of one square: every point is on an edge of both or
    # exactly as near to both.
    square = shapely.segmentize(box(44.0, 34.0, 44.5, 34.5), 0.01)
    lon, lat = _metres_east_of(44.5, 34.25, 300.0)
    for codes in (["B", "A"], ["A", "B"]):
        frame = gpd.GeoDataFrame({"code": codes}, geometry=[square, square], crs="EPSG:4326")
        loc = PolygonIndex(frame).locate(
            np.array([44.25, lon]), np.array([34.25, lat]), tolerance_m=1000
        )
        assert loc.status.tolist() == ["on_edge", "nearest"]
        assert frame.sort_values("code")["code"].iloc[loc.index].tolist() == ["A", "A"]


def test_tolerance_decides_between_nearest_and_unmatched():
    lon, lat = _metres_east_of(46.0, 34.5, 500.0)
    assert _one([(lon, lat)], tolerance_m=1000).events["join_status"].iloc[0] == "nearest"
    assert _one([(lon, lat)], tolerance_m=100).events["join_status"].iloc[0] == "unmatched"


def test_rows_order_and_index_are_kept_and_columns_are_exactly_added():
    points = [(45.5, 34.5), (44.25, 34.25), (47.5, 30.0), (44.7, 34.9)]
    events = make_events(points).set_index(pd.Index([10, 3, 7, 1]))
    r = join_events(events, tiny_layers())
    assert r.events.index.tolist() == [10, 3, 7, 1]
    assert r.events["event_id"].tolist() == events["event_id"].tolist()
    assert list(r.events.columns) == [*events.columns, *JOIN_COLUMNS]
    # joining again replaces the columns rather than duplicating them
    again = join_events(r.events, tiny_layers())
    assert list(again.events.columns) == list(r.events.columns)
    pd.testing.assert_frame_equal(again.events, r.events)


def test_report_counts_add_up_and_summary_names_the_source():
    lon, lat = _metres_east_of(46.0, 34.5, 50.0)
    points = [(44.25, 34.25), (45.0, 34.25), (lon, lat), (50.0, 30.0)]
    r = _one(points)
    for c in r.report.levels:
        assert c.matched + c.on_edge + c.nearest + c.unmatched == r.report.total == 4
    text = r.report.summary()
    assert "test-src" in text and "subdistrict" in text


def test_coarse_flags_follow_precision_level():
    levels = ["point", "subdistrict", "district", "governorate", "country"]
    events = make_events([(44.25, 34.25)] * 5, precision_level=levels)
    e = join_events(events, tiny_layers()).events
    assert e["coarse_adm1"].tolist() == [False, False, False, False, True]
    assert e["coarse_adm2"].tolist() == [False, False, False, True, True]
    assert e["coarse_adm3"].tolist() == [False, False, True, True, True]
    # coarse events are still placed
    assert (e["adm3_code"] == "IQS111").all()
    report = join_events(events, tiny_layers()).report
    assert [c.coarse for c in report.levels] == [1, 2, 3]


def test_unknown_precision_level_is_a_validation_error():
    events = make_events([(44.25, 34.25)], precision_level=["centroid"])
    with pytest.raises(ValidationError, match="precision_level"):
        join_events(events, tiny_layers())


def test_missing_coordinates_are_kept_as_unmatched():
    events = make_events([(44.25, 34.25), (44.3, 34.3)])
    events.loc[1, "geometry"] = None
    r = join_events(events, tiny_layers())
    assert r.events["join_status"].tolist() == ["matched", "unmatched"]
    assert np.isnan(r.events["dist_hamrin_dam_km"].iloc[1])
    assert r.report.unmatched["event_id"].tolist() == ["E001"]


def test_zone_flags_and_unsigned_krg_distance():
    r = _one([(45.0, 34.9), (45.0, 34.5), (45.5, 34.5), (44.1, 34.1)])
    e = r.events
    assert e["in_krg_area"].tolist() == [True, False, False, False]
    assert e["in_disputed_unami"].tolist() == [False, True, True, False]
    assert e["in_disputed_wide"].tolist() == [False, True, True, False]
    assert e["in_hamrin_area"].tolist() == [False, False, True, False]
    krg = e["dist_krg_line_km"]
    assert (krg > 0).all()  # unsigned; the side is in_krg_area
    # lat 34.9 vs line at 34.8: about 11.1 km north
    assert krg.iloc[0] == pytest.approx(11.1, abs=0.2)
    # the zone edge is positive on both sides
    assert (e["dist_unami_edge_km"] >= 0).all()


def test_distances_match_exact_shapely_distances():
    layers = tiny_layers()
    points = [(44.25, 34.25), (45.0, 34.9), (45.5, 34.5), (45.9, 34.05), (47.0, 33.0)]
    e = join_events(make_events(points), layers).events
    x, y = to_metric(e["longitude"].to_numpy(), e["latitude"].to_numpy())
    pts = shapely.points(x, y)
    exact = {
        "dist_krg_line_km": layers.krg_line.to_crs(32638).geometry.iloc[0],
        "dist_unami_edge_km": layers.disputed_unami.to_crs(32638).geometry.iloc[0].boundary,
        "dist_hamrin_ridge_km": layers.hamrin_ridge.to_crs(32638).geometry.iloc[0],
        "dist_hamrin_dam_km": layers.hamrin_dam.to_crs(32638).geometry.iloc[0],
    }
    for column, geom in exact.items():
        want = shapely.distance(pts, geom) / 1000
        got = e[column].abs().to_numpy()
        assert np.all(got >= want - 0.001), column
        assert np.all(got - want <= 0.025 + 0.001), column
    assert e["dist_hamrin_dam_km"].iloc[2] == pytest.approx(0.0, abs=0.001)


def test_district_only_boundaries_leave_adm3_empty():
    layers = tiny_layers(subdistricts=False)
    r = join_events(make_events([(44.25, 34.25), (45.0, 34.25)]), layers)
    assert r.events["adm3_code"].tolist() == ["", ""]
    assert r.events["adm2_code"].tolist() == ["IQD11", "IQD12"]
    assert [c.level for c in r.report.levels] == ["governorate", "district"]
    assert r.events["join_status"].tolist() == ["matched", "on_edge"]


def test_negative_tolerance_is_refused():
    with pytest.raises(ValidationError, match="tolerance_m"):
        _one([(44.25, 34.25)], tolerance_m=-1)


# A wiggly metric line of about 300 km, with parts, for the distance error bound.
_RNG = np.random.default_rng(3)
_WIGGLE = shapely.MultiLineString(
    [
        np.column_stack([np.linspace(300e3, 600e3, 40), 3.8e6 + _RNG.normal(0, 20e3, 40)]),
        [(650e3, 3.7e6), (700e3, 3.9e6), (690e3, 3.95e6)],
    ]
)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    spacing=st.sampled_from([10.0, 50.0, 99.0]),
)
def test_line_distance_error_is_within_its_stated_bound(seed, spacing):
    rng = np.random.default_rng(seed)
    x = rng.uniform(250e3, 750e3, 2000)
    y = rng.uniform(3.65e6, 4.0e6, 2000)
    # include points right on the line, where the relative error is worst
    on = shapely.line_interpolate_point(_WIGGLE.geoms[0], rng.uniform(0, 1, 200), normalized=True)
    x = np.concatenate([x, shapely.get_x(on)])
    y = np.concatenate([y, shapely.get_y(on)])
    ld = LineDistance(_WIGGLE, spacing_m=spacing)
    got = ld(x, y)
    want = shapely.distance(shapely.points(x, y), _WIGGLE)
    assert ld.max_error_m == spacing / 2
    assert np.all(got >= want - 1e-6)
    assert np.all(got - want <= ld.max_error_m + 1e-6)
    assert ld.max_error_m < 50.0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), parts=st.integers(1, 3))
def test_a_line_of_few_segments_is_measured_exactly(seed, parts):
    """Up to EXACT_SEGMENTS segments (the Hamrin ridge has six) the distance is exact."""
    from geo.distance import EXACT_SEGMENTS

    rng = np.random.default_rng(seed)
    line = shapely.MultiLineString(
        [rng.uniform(0, 100e3, (int(rng.integers(2, 6)), 2)) for _ in range(parts)]
    )
    assert len(shapely.get_coordinates(line)) - parts <= EXACT_SEGMENTS
    x, y = rng.uniform(-50e3, 150e3, 3000), rng.uniform(-50e3, 150e3, 3000)
    got = LineDistance(line)(x, y)
    want = shapely.distance(shapely.points(x, y), line)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_line_distance_gives_nan_without_coordinates():
    ld = LineDistance(LineString([(0, 0), (1000, 0)]))
    out = ld(np.array([500.0, np.nan]), np.array([10.0, 0.0]))
    assert out[0] == pytest.approx(10.0)
    assert np.isnan(out[1])


KRG_CODES = ["IQG06", "IQG09", "IQG11"]  # Al-Sulaymaniyah, Duhok, Erbil


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_governorates_agree_with_an_independent_sjoin(cod_ab_dir, ucdp_csv):
    """Every UCDP event with where_prec 1 gets the governorate geopandas.sjoin gives it."""
    names = {
        1: "irq_admbnda_adm1_cso_20190603.geojson",
        2: "irq_admbnda_adm2_cso_20190603.geojson",
        3: "irq_admbnda_adm3_cso_20190603.geojson",
    }
    raw = {k: gpd.read_file(cod_ab_dir / f) for k, f in names.items()}

    def canonical(k: int) -> gpd.GeoDataFrame:
        f = raw[k]
        out = pd.DataFrame({c: "" for c in ADMIN_COLUMNS if c != "geometry"}, index=f.index)
        for j in range(1, k + 1):
            out[f"adm{j}_code"] = f[f"ADM{j}_PCODE"]
            out[f"adm{j}_name"] = f[f"ADM{j}_EN"]
        out["code"], out["name"] = f[f"ADM{k}_PCODE"], f[f"ADM{k}_EN"]
        out["level"] = ("governorate", "district", "subdistrict")[k - 1]
        out["source"] = "ocha-cod-ab"
        return gpd.GeoDataFrame(out, geometry=f.geometry.values, crs="EPSG:4326")

    govs = canonical(1)
    krg = govs[govs["code"].isin(KRG_CODES)].geometry.union_all()
    tiny = tiny_layers()
    layers = ProjectLayers(
        boundaries=Boundaries(
            source=Provenance(key="ocha-cod-ab", title="COD-AB", licence="CC BY 3.0 IGO",
                              attribution="OCHA", version="2019-06-03"),
            country=canonical(1).dissolve()[list(ADMIN_COLUMNS)],
            governorates=govs, districts=canonical(2), subdistricts=canonical(3),
        ),
        disputed_unami=tiny.disputed_unami, disputed_wide=tiny.disputed_wide,
        krg_area=_zone("krg-area", krg), krg_line=_feature("krg-line", krg.boundary),
        hamrin_area=tiny.hamrin_area, hamrin_ridge=tiny.hamrin_ridge,
        hamrin_dam=tiny.hamrin_dam, places=tiny.places,
    )  # fmt: skip

    ucdp = pd.read_csv(ucdp_csv, skiprows=[1], low_memory=False)
    ucdp = ucdp[pd.to_numeric(ucdp["where_prec"], errors="coerce") == 1]
    lon = pd.to_numeric(ucdp["longitude"]).to_numpy()
    lat = pd.to_numeric(ucdp["latitude"]).to_numpy()
    events = make_events(list(zip(lon, lat, strict=True)))
    assert len(events) > 1000

    joined = join_events(events, layers).events
    expected = gpd.sjoin(events[["geometry"]], govs[["code", "geometry"]], how="left",
                         predicate="intersects")  # fmt: skip
    expected = expected.sort_values("code").groupby(level=0)["code"].first()
    expected = expected.reindex(events.index).fillna("")
    inside = expected != ""
    assert (joined.loc[inside, "adm1_code"] == expected[inside]).all()
    # events in no governorate polygon are matched to the nearest one or reported
    assert set(joined.loc[~inside, "join_status"]) <= {"nearest", "unmatched"}
    assert (joined["in_krg_area"] == joined["adm1_code"].isin(KRG_CODES)).mean() > 0.99


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_zone_flags_agree_with_zone_members(cod_ab_dir, ucdp_csv):
    """With the project's own layers, a zone flag is set exactly for events in its members."""
    from geo.boundaries import load_boundaries
    from geo.layers import project_layers

    layers = project_layers(load_boundaries(path=cod_ab_dir))
    ucdp = pd.read_csv(ucdp_csv, skiprows=[1], low_memory=False)
    ucdp = ucdp[pd.to_numeric(ucdp["where_prec"], errors="coerce") == 1]
    points = zip(pd.to_numeric(ucdp["longitude"]), pd.to_numeric(ucdp["latitude"]), strict=True)
    r = join_events(make_events(list(points)), layers)
    e = r.events[r.events["join_status"] == "matched"]
    assert len(e) > 1000
    for flag, zone in [
        ("in_disputed_unami", layers.disputed_unami),
        ("in_disputed_wide", layers.disputed_wide),
        ("in_hamrin_area", layers.hamrin_area),
    ]:
        members = set(zone["members"].iloc[0].split(";"))
        expected = e[["adm1_code", "adm2_code", "adm3_code"]].isin(members).any(axis=1)
        agree = (e[flag] == expected).mean()
        assert agree > 0.999, (flag, agree)
        assert expected.any()
    assert r.report.boundary_source == "ocha-cod-ab"
    assert (r.events["boundary_source"] == "ocha-cod-ab").all()


def test_nearest_rule_event_takes_the_zone_flags_and_distances_of_its_area():
    """A point just outside the country, assigned by the nearest rule (issue 13, item 5).

    Like an event just across the border from Zakho (Duhok): 330 m north of the
    northern edge, inside no polygon, given to sub-district IQS112, which lies in
    the KRG area. Its zone flags and distances are those of the nearest point of
    that area, not of a point outside every zone.
    """
    e = _one([(44.2, 35.003)]).events.iloc[0]
    assert e["join_status"] == "nearest" and e["adm3_code"] == "IQS112"
    assert bool(e["in_krg_area"]) is True
    assert bool(e["in_disputed_unami"]) is False
    # measured from the edge of the area (lat 35.0), not from the point (lat 35.003)
    assert e["dist_krg_line_km"] == pytest.approx(22.2, abs=0.1)
    assert 300 < e["join_distance_m"] < 360


def test_distances_are_the_same_whoever_measures_them(monkeypatch):
    """The worker measures the line distances while areas are found; the caller takes
    over the jobs it has not started. Both ways give the same columns."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from fixtures import synthetic_events, synthetic_layers

    import geo.measure as measure_module

    layers = synthetic_layers()
    events = synthetic_events(200, seed=5)
    by_worker = join_events(events, layers).events  # the worker is idle: it measures
    distances = [c for c in JOIN_COLUMNS if c.startswith("dist_")]
    assert by_worker[distances].notna().any().all()  # every line is measured

    busy = ThreadPoolExecutor(max_workers=1)
    release = threading.Event()
    busy.submit(release.wait)  # every job queues behind this one and is never started
    monkeypatch.setattr(measure_module, "_WORKER", busy)
    taken = []
    real_line_km = measure_module._line_km
    monkeypatch.setattr(
        measure_module,
        "_line_km",
        lambda *a: taken.append(threading.current_thread()) or real_line_km(*a),
    )
    with monkeypatch.context() as m:
        # the shared points job must run, so the caller can measure once it takes over
        m.setattr(busy, "submit", _run_first_then(busy.submit, measure_module._metric_order))
        by_caller = join_events(events, layers).events
    release.set()
    busy.shutdown()
    assert taken and all(t is threading.main_thread() for t in taken)
    pd.testing.assert_frame_equal(by_caller, by_worker)


def test_measuring_in_small_parts_gives_the_same_columns(monkeypatch):
    """Jobs of a part of the points each (some taken over by the caller): the same numbers."""
    from fixtures import synthetic_events, synthetic_layers

    import geo.measure as measure_module

    layers = synthetic_layers()
    events = synthetic_events(230, seed=7)
    whole = join_events(events, layers).events
    monkeypatch.setattr(measure_module, "JOB_POINTS", 40)  # 6 parts of 38-39 points
    assert [p.stop - p.start for p in measure_module._parts(230)] == [38, 38, 39, 38, 38, 39]
    assert measure_module._parts(0) == [slice(0, 0)]
    parted = join_events(events, layers).events
    pd.testing.assert_frame_equal(parted, whole)


def _run_first_then(submit, first):
    """Return a submit that runs ``first`` at once (a finished future) and queues the rest."""
    from concurrent.futures import Future

    def patched(fn, *args, **kwargs):
        if fn is first:
            done: Future = Future()
            done.set_result(fn(*args, **kwargs))
            return done
        return submit(fn, *args, **kwargs)

    return patched


def _both_nearest(index: PolygonIndex, lon: np.ndarray, lat: np.ndarray):
    points = shapely.points(*to_metric(lon, lat))
    return index._nearest(points), index._nearest_edge(points)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(43.7, 46.3), st.floats(33.7, 35.3)), min_size=1, max_size=40),
    st.sampled_from([1, 2, 3, 8]),
)
def test_nearest_by_edges_is_nearest_by_polygons(points, piece):
    """The edge search gives the polygon search's answer exactly: index, ties, distance.

    Points anywhere around and in the tiny country: outside (the case it is used
    for), inside (distance 0), and on the lines through shared edges (ties); edges
    cut in pieces of any number of segments.
    """
    import geo.locate as locate_module

    index = PolygonIndex(tiny_boundaries().subdistricts)
    lon = np.array([p[0] for p in points] + [44.5, 45.0, 44.25], dtype=float)
    lat = np.array([p[1] for p in points] + [35.2, 33.8, 34.5], dtype=float)
    default, locate_module.EDGE_PIECE_SEGMENTS = locate_module.EDGE_PIECE_SEGMENTS, piece
    try:
        (old_i, old_d), (new_i, new_d) = _both_nearest(index, lon, lat)
    finally:
        locate_module.EDGE_PIECE_SEGMENTS = default
    np.testing.assert_array_equal(new_i, old_i)
    np.testing.assert_array_equal(new_d, old_d)


def test_locate_takes_the_edge_search_for_many_outside_points(monkeypatch):
    import geo.locate as locate_module

    rng = np.random.default_rng(11)
    lon = np.concatenate((rng.uniform(46.0, 46.1, 600), rng.uniform(43.0, 44.0, 600)))
    lat = rng.uniform(33.9, 35.1, 1200)
    index = PolygonIndex(tiny_boundaries().subdistricts)
    by_edges = index.locate(lon, lat, tolerance_m=1000)
    monkeypatch.setattr(locate_module, "EDGE_SEARCH_MIN", 10**9)
    by_polygons = index.locate(lon, lat, tolerance_m=1000)
    for field in ("index", "status", "distance_m", "nearest"):
        np.testing.assert_array_equal(getattr(by_edges, field), getattr(by_polygons, field))
    assert {"nearest", "unmatched"} <= set(by_edges.status.tolist())


def test_a_tolerance_of_zero_matches_no_point_outside():
    lon, lat = _metres_east_of(46.0, 34.5, 50.0)
    e = _one([(lon, lat)], tolerance_m=0).events.iloc[0]
    assert e["join_status"] == "unmatched" and e["adm3_code"] == ""
    assert e["join_distance_m"] == pytest.approx(50, abs=1)


@pytest.mark.parametrize("piece", [1, 3, 8, 1000])  # single segments … whole rings
def test_real_nearest_by_edges_is_nearest_by_polygons(cod_ab_dir, piece, monkeypatch):
    """On the COD-AB sub-districts: points across every border and in gaps, exactly equal."""
    import geo.locate as locate_module
    from geo.boundaries import load_boundaries

    monkeypatch.setattr(locate_module, "EDGE_PIECE_SEGMENTS", piece)
    index = PolygonIndex(load_boundaries(path=cod_ab_dir).subdistricts)
    rng = np.random.default_rng(3)
    lon = rng.uniform(38.5, 49.0, 4000)
    lat = rng.uniform(28.8, 37.6, 4000)
    (old_i, old_d), (new_i, new_d) = _both_nearest(index, lon, lat)
    np.testing.assert_array_equal(new_i, old_i)
    np.testing.assert_array_equal(new_d, old_d)
    assert (old_d > 0).any() and (old_d == 0).any()


@pytest.mark.parametrize("extent_m", [500_000.0, 5_000_000_000.0])  # 16-bit keys, and wider
def test_locality_order_walks_cells_up_and_down_in_file_order_within_each(extent_m):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, extent_m, 20_000), rng.uniform(0, 400_000, 20_000)
    x[:5] = np.nan  # no coordinates: taken with the first cell
    order = locality_order(x, y)
    fx, fy = np.nan_to_num(x), np.nan_to_num(y)
    col, row = (fx - fx.min()) // 20_000, (fy - fy.min()) // 20_000
    snake = col * (row.max() + 1) + np.where(col % 2 == 0, row, row.max() - row)
    assert np.array_equal(np.sort(order), np.arange(len(x)))  # a permutation
    assert np.all(np.diff(snake[order]) >= 0)  # cell by cell, snaking
    same = np.diff(snake[order]) == 0
    assert np.all(np.diff(order)[same] > 0)  # within a cell, file order (stable)
