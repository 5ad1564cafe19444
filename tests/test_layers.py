"""Tests of geo.layers: disputed zones, KRG area and line, Hamrin, places."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geo import boundaries, layers
from geo.boundaries import definitions
from geo.errors import CatalogError
from geo.types import ADMIN_COLUMNS, ZONE_COLUMNS, Boundaries, ProjectLayers, Provenance

METRIC = "EPSG:32638"
X0, Y0 = 400_000, 3_800_000  # a UTM 38N origin near 34.3 N 43.9 E

UNAMI = {
    "IQG15Q07", "IQG15Q08", "IQG15Q09", "IQG15Q06", "IQG15Q01", "IQG15Q03", "IQG11Q04",
    "IQG13Q01", "IQG13Q03", "IQG13Q02", "IQG13Q04", "IQG16Q07", "IQG10Q06", "IQG10Q05",
    "IQG10Q03N01",
}  # fmt: skip
WIDE = (UNAMI - {"IQG10Q03N01"}) | {"IQG10Q03", "IQG18Q05", "IQG15Q02"}
HAMRIN = {
    "IQG16Q06N02", "IQG16Q01N01", "IQG16Q01N02", "IQG13Q02N01", "IQG10Q01N01", "IQG10Q01N02",
    "IQG10Q05N01", "IQG10Q02N02", "IQG10Q03N02", "IQG10Q03N01", "IQG10Q05N04", "IQG10Q06N03",
    "IQG16Q07N01",
}  # fmt: skip


# --------------------------------------------------------------------------- toy boundaries


def _km_box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    """A box given in km from the UTM origin, with a vertex every km, returned in EPSG:4326.

    The vertices keep its edges straight in EPSG:32638 (to within millimetres) and shared
    with the boxes it touches, so areas and lengths can be computed by hand.
    """
    metric = shapely.segmentize(
        box(X0 + x1 * 1e3, Y0 + y1 * 1e3, X0 + x2 * 1e3, Y0 + y2 * 1e3), 1e3
    )
    return gpd.GeoSeries([metric], crs=METRIC).to_crs("EPSG:4326").iat[0]


def _admin(level: str, rows: list[tuple[str, str, str, shapely.Polygon]]) -> gpd.GeoDataFrame:
    """Rows of (code, name, adm1_name, geometry) in the canonical schema."""
    data = [
        {"code": c, "name": n, "name_ar": "", "level": level, "adm1_code": c[:5], "adm1_name": g,
         "adm2_code": c[:8] if level != "governorate" else "", "adm2_name": "",
         "adm3_code": c if level == "subdistrict" else "", "adm3_name": "", "source": "toy",
         "geometry": geom}
        for c, n, g, geom in rows
    ]  # fmt: skip
    return gpd.GeoDataFrame(data, columns=list(ADMIN_COLUMNS), geometry="geometry", crs="EPSG:4326")


def _toy(*, subdistricts: bool = True, district_codes: dict[str, str] | None = None) -> Boundaries:
    """A 300 x 200 km country: three KRG governorates on top, federal districts below.

    Top row (y 100-200): Duhok x 0-100, Erbil x 100-200 (holding Makhmour, x 100-150, y 100-150),
    Al-Sulaymaniyah x 200-300. Bottom row: Ninewa x 0-100 holding Aqra (x 20-60, y 60-100);
    Diyala x 100-300 with Khanaqin (x 100-200) and Baladruz (x 200-300), whose Mandali
    sub-district is x 250-300.
    """
    codes = district_codes or {}
    country = _admin("country", [("IQ", "Iraq", "", _km_box(0, 0, 300, 200))])
    governorates = _admin("governorate", [
        ("IQG09", "Duhok", "Duhok", _km_box(0, 100, 100, 200)),
        ("IQG11", "Erbil", "Erbil", _km_box(100, 100, 200, 200)),
        ("IQG06", "Al-Sulaymaniyah", "Al-Sulaymaniyah", _km_box(200, 100, 300, 200)),
        ("IQG15", "Ninewa", "Ninewa", _km_box(0, 0, 100, 100)),
        ("IQG10", "Diyala", "Diyala", _km_box(100, 0, 300, 100)),
    ])  # fmt: skip
    districts = _admin("district", [
        (codes.get(c, c), n, g, geom) for c, n, g, geom in [
            ("IQG11Q04", "Makhmour", "Erbil", _km_box(100, 100, 150, 150)),
            ("IQG15Q01", "Aqra", "Ninewa", _km_box(20, 60, 60, 100)),
            ("IQG10Q05", "Khanaqin", "Diyala", _km_box(100, 0, 200, 100)),
            ("IQG10Q03", "Baladruz", "Diyala", _km_box(200, 0, 300, 100)),
        ]
    ])  # fmt: skip
    subs = _admin("subdistrict", [
        ("IQG10Q03N01", "Mandali", "Diyala", _km_box(250, 0, 300, 100)),
        ("IQG10Q03N02", "Markaz Baladruz", "Diyala", _km_box(200, 0, 250, 100)),
    ])  # fmt: skip
    source = Provenance(key="toy", title="toy", licence="CC0", attribution="tests", version="1")
    return Boundaries(
        source=source,
        country=country,
        governorates=governorates,
        districts=districts,
        subdistricts=subs if subdistricts else None,
    )


def _point(x_km: float, y_km: float) -> shapely.Point:
    return (
        gpd.GeoSeries([shapely.Point(X0 + x_km * 1e3, Y0 + y_km * 1e3)], crs=METRIC)
        .to_crs("EPSG:4326")
        .iat[0]
    )


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(("a", "b"), [
    ("Al-Hawiga", "Hawiga"), ("As Sulaymaniyah", "Al-Sulaymaniyah"), ("Tall 'Afar", "Tall Afar"),
    ("Sinjār", "Sinjar"), ("Badra District", "Badra"), ("Tuz  Khurmatu", "tuz-khurmatu"),
])  # fmt: skip
def test_normalise_name_tolerates_spelling(a, b):
    assert layers.normalise_name(a) == layers.normalise_name(b)


def test_normalise_name_keeps_distinct_names_apart():
    assert layers.normalise_name("Al") == "al"
    assert layers.normalise_name("Kifri") != layers.normalise_name("Kirkuk")


# --------------------------------------------------------------------------- the project's files


def test_disputed_file_lists_every_member_with_source_and_status():
    data = definitions.disputed_data()
    assert set(data.definition("unami-2009").members) == UNAMI
    assert set(data.definition("article-140-wide").members) == WIDE
    for area in data.areas:
        assert area.source.startswith("http") and area.status in ("whole", "partly")
        assert area.name and area.name_ar and area.variants
    assert data.area("IQG10Q03N01").parent == "IQG10Q03"
    actions = {m.code: m.action for m in data.krg.members}
    assert actions == {
        "IQG09": "include",
        "IQG11": "include",
        "IQG06": "include",
        "IQG11Q04": "exclude",
        "IQG15Q01": "include",
    }
    assert all(m.reason for m in data.krg.members)
    with pytest.raises(CatalogError, match="use one of: unami-2009, article-140-wide"):
        data.definition("unami-2008")


def test_hamrin_file_lists_members_with_reasons():
    data = definitions.hamrin_data()
    assert {m.code for m in data.members} == HAMRIN
    assert all(m.reason for m in data.members)
    assert {m.basis for m in data.members} == {"ridge", "lake", "addition"}
    assert "min_crossing_km" in data.area_rule and "lake_radius_km" in data.area_rule
    assert all(v.source.startswith("http") for v in data.vertices)


# --------------------------------------------------------------------------- disputed zones (toy)


def test_unami_zone_cuts_mandali_out_of_baladruz():
    zone = layers.disputed_zone(_toy(), "unami-2009")
    assert list(zone.columns) == list(ZONE_COLUMNS) and len(zone) == 1
    row = zone.iloc[0]
    assert row["members"] == "IQG10Q03N01;IQG10Q05;IQG11Q04;IQG15Q01"
    # Khanaqin 100x100 + Mandali 50x100 + Makhmour 50x50 + Aqra 40x40 km²
    assert row["area_km2"] == pytest.approx(10_000 + 5_000 + 2_500 + 1_600, rel=1e-6)
    geom = zone.geometry.iat[0]
    assert geom.contains(_point(275, 50)) and not geom.contains(_point(225, 50))
    assert "IQG15Q07" in row["notes"] and "not found" in row["notes"]  # Sinjar is not in the toy
    assert row["licence"].endswith("(toy: CC0)")


def test_wide_zone_takes_all_of_baladruz():
    zone = layers.disputed_zone(_toy(), "article-140-wide").iloc[0]
    assert zone["members"] == "IQG10Q03;IQG10Q05;IQG11Q04;IQG15Q01"
    assert zone["area_km2"] == pytest.approx(10_000 + 10_000 + 2_500 + 1_600, rel=1e-6)
    assert "partly disputed, included whole: Baladruz" in zone["notes"]


def test_without_subdistricts_mandali_is_left_out_and_said_so():
    zone = layers.disputed_zone(_toy(subdistricts=False), "unami-2009").iloc[0]
    assert "IQG10Q03N01" not in zone["members"] and "IQG10Q03" not in zone["members"]
    assert "Mandali sub-district (IQG10Q03N01) could not be cut out" in zone["notes"]
    assert zone["area_km2"] == pytest.approx(10_000 + 2_500 + 1_600, rel=1e-6)


def test_districts_without_p_codes_are_matched_by_spelling_variant():
    b = _toy(subdistricts=False, district_codes={"IQG10Q05": "GB-77"})
    b.districts.loc[b.districts["code"] == "GB-77", "name"] = "Khaniqin"
    zone = layers.disputed_zone(b, "unami-2009").iloc[0]
    assert "GB-77" in zone["members"].split(";")
    assert "matched by name to toy Khaniqin (GB-77)" in zone["notes"]


# --------------------------------------------------------------------------- KRG (toy)


def test_krg_area_is_three_governorates_without_makhmour_with_aqra():
    area = layers.krg_area(_toy()).iloc[0]
    assert area["members"] == "IQG06;IQG09;IQG11;IQG15Q01"
    assert area["area_km2"] == pytest.approx(30_000 - 2_500 + 1_600, rel=1e-6)
    geom = area["geometry"]
    assert geom.contains(_point(40, 80)) and not geom.contains(_point(125, 125))
    assert (
        "without Makhmour (IQG11Q04)" in area["notes"] and "with Aqra (IQG15Q01)" in area["notes"]
    )


def test_krg_line_is_the_internal_boundary_only():
    b = _toy()
    line = layers.krg_line(b)
    assert list(line.columns) == list(layers.LINE_COLUMNS)
    geom = line.geometry.iat[0]
    assert geom.geom_type in ("LineString", "MultiLineString")
    # y = 100 from x 0 to 300, around Aqra (+2 x 40) and Makhmour (+2 x 50), less 0.5 km per end
    assert line["length_km"].iat[0] == pytest.approx(300 + 80 + 100 - 1, abs=0.01)
    metric = gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(METRIC).iat[0]
    outline = b.country.to_crs(METRIC).geometry.iat[0].boundary
    assert metric.intersection(outline.buffer(400)).is_empty
    assert geom.distance(_point(100, 125)) < 1e-9  # Makhmour's edge with Erbil is on the line


# --------------------------------------------------------------------------- Hamrin


def _metric_point(lat: float, lon: float) -> shapely.Point:
    return gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(METRIC).iat[0]


def test_ridge_runs_north_west_to_south_east_through_sourced_points():
    ridge = layers.hamrin_ridge()
    row = ridge.iloc[0]
    data = layers.hamrin_data()
    assert list(row["geometry"].coords) == [(v.lon, v.lat) for v in data.vertices]
    lons = [v.lon for v in data.vertices]
    assert lons == sorted(lons) and len(lons) >= 6  # NW to SE, al-Fatha first
    assert "al-Fatha" in data.vertices[0].label and "Mandali" in data.vertices[-1].label
    assert "approximate" in row["kind"] and row["notes"].startswith("APPROXIMATE.")
    assert "Straight segments" in row["notes"] and "within about 5 km" in row["notes"]
    assert 200 < row["length_km"] < 300


def test_every_ridge_vertex_has_a_label_a_source_and_a_stated_precision():
    for v in layers.hamrin_data().vertices:
        assert v.label.strip() and v.note.strip()
        assert v.source.startswith("http")
        assert 0 < v.precision_km <= 20
        assert re.fullmatch(r"IQG\d\dQ\d\dN\d\d", v.subdistrict)


def test_the_off_crest_ru_wiki_vertex_is_gone():
    coords = list(layers.hamrin_ridge().geometry.iat[0].coords)
    assert all(abs(lat - 35.0569) > 1e-3 or abs(lon - 43.9147) > 1e-3 for lon, lat in coords)


def test_ridge_follows_the_kirkuk_salah_al_din_crest_and_reaches_mandali():
    line = layers.hamrin_ridge().to_crs(METRIC).geometry.iat[0]
    # the crest point on the Kirkuk/Salah al-Din boundary named in issue 11
    assert line.distance(_metric_point(34.838, 44.116)) < 5_000
    end = shapely.Point(line.coords[-1])
    assert end.distance(_metric_point(33.7481, 45.5550)) < 40_000  # Mandali


def test_dam_point():
    dam = layers.hamrin_dam()
    assert dam.geometry.iat[0].equals(shapely.Point(44.96778, 34.11444))
    assert dam["source"].iat[0].startswith("http")


def _ridge_box_country() -> Boundaries:
    b = _toy(subdistricts=False)
    country = b.country.copy()
    country["geometry"] = [box(43.0, 33.5, 46.0, 36.0)]
    return Boundaries(
        source=b.source,
        country=country,
        governorates=b.governorates,
        districts=b.districts,
        subdistricts=None,
    )


def test_hamrin_area_without_subdistricts_is_an_approximate_ridge_buffer():
    area = layers.hamrin_area(_ridge_box_country()).iloc[0]
    length = layers.hamrin_ridge()["length_km"].iat[0]
    r = layers.hamrin_data().fallback_buffer_km
    # a round-capped buffer: 2 r L plus a disc, less a little at the ridge's bends
    assert area["area_km2"] == pytest.approx(2 * r * length + math.pi * r**2, rel=0.03)
    assert "approximate" in area["notes"] and "(approximate)" in area["name"]
    assert area["members"] == ""


def test_hamrin_area_fallback_is_clipped_to_the_country():
    b = _ridge_box_country()
    full = layers.hamrin_area(b)["area_km2"].iat[0]
    b.country["geometry"] = [box(43.0, 33.5, 44.5, 36.0)]
    assert layers.hamrin_area(b)["area_km2"].iat[0] < full * 0.7


# --------------------------------------------------------------------------- places


def _places_csv(tmp_path, rows: list[str]) -> str:
    file = tmp_path / "places.csv"
    file.write_text(
        ",".join(layers.PLACE_COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    return str(file)


def test_places_returns_points_and_gazetteer_every_row(tmp_path):
    path = _places_csv(tmp_path, [
        "Mandali,Mandili;Mendali,مندلي,Diyala,Baladruz,IQG10,IQG10Q03,33.7481,45.5550,town,https://x",
        "Qara Tappa,Qara Tapa,,Diyala,Kifri,IQG10,IQG10Q06,,,town,https://y",
    ])  # fmt: skip
    points = layers.places(path=path)
    assert points["name"].tolist() == ["Mandali"]
    assert points.geometry.iat[0].equals(shapely.Point(45.5550, 33.7481))
    assert points.crs.equals("EPSG:4326") and "notes" in points.columns
    table = layers.gazetteer(path=path)
    assert table["name"].tolist() == ["Mandali", "Qara Tappa"]
    assert pd.isna(table["lat"].iat[1])


def test_bad_coordinates_are_all_reported(tmp_path):
    path = _places_csv(tmp_path, [
        "A,,,G,D,IQG10,IQG10Q03,33.7,,town,https://x",
        "B,,,G,D,IQG10,IQG10Q03,north,45.1,town,https://x",
        "C,,,G,D,IQG10,IQG10Q03,33.7,451.0,town,https://x",
    ])  # fmt: skip
    with pytest.raises(CatalogError, match="3 problem") as info:
        layers.places(path=path)
    message = str(info.value)
    assert "line 2 (A): only one of lat/lon" in message and "(B)" not in message
    assert "line 3, lat: 'north'" in message and "line 4, lon: '451.0'" in message


def test_project_places_file_reads():
    points = layers.places()
    assert set(layers.PLACE_COLUMNS) <= set(points.columns)
    assert len(points) <= len(layers.gazetteer())


def test_subdistrict_variant_cuts_partly_disputed_districts_down():
    zone = layers.disputed_zone(_toy(), "article-140-subdistricts").iloc[0]
    assert "IQG10Q03N01" in zone["members"].split(";")  # Mandali, not all of Baladruz
    assert "IQG10Q03" not in zone["members"].split(";")
    assert not zone["geometry"].contains(_point(225, 50))


def test_subdistrict_variant_without_subdistricts_says_what_it_does():
    zone = layers.disputed_zone(_toy(subdistricts=False), "article-140-subdistricts").iloc[0]
    members = zone["members"].split(";")
    assert "IQG10Q03" in members and "IQG10Q03N01" not in members  # Baladruz whole instead
    assert "the whole district is used instead" in zone["notes"]
    assert "Bashiqa sub-district (IQG15Q05N03)" in zone["notes"] and "left out" in zone["notes"]
    assert zone["geometry"].contains(_point(225, 50))


def test_variant_definition_is_sourced():
    data = layers.disputed_data()
    variant = data.definition("article-140-subdistricts")
    assert {"IQG15Q08N03", "IQG15Q05N03", "IQG10Q03N01"} <= set(variant.members)
    assert "IQG15Q08" not in variant.members and "IQG10Q03" not in variant.members
    assert set(variant.parent_fallback) == {"IQG15Q08N03", "IQG10Q03N01"}
    for code in ("IQG15Q08N03", "IQG15Q05N03"):
        area = data.area(code)
        assert area.level == "subdistrict" and area.source.startswith("http") and area.parent


def test_gazetteer_names_fixed_by_the_domain_review():
    table = layers.gazetteer().set_index("name")
    assert table.loc["Baghdad", "name_ar"] == "بغداد"
    assert table.loc["Balad Ruz", "name_ar"] == "بلدروز"
    assert table.loc["Dujail", "name_ar"] == "الدجيل"
    assert table.loc["Tarmiyah", "name_ar"] == "الطارمية"
    assert table.loc["Qaladiza", "name_ar"] == "قلعة دزة"
    assert table.loc["Salman Pak", "name_ar"] == "سلمان باك"
    assert table.loc["Mansuriyah", "adm2_code"] == "IQG10Q01"
    assert table.loc["Hemrin Dam", "adm2_code"] == "IQG10Q01"
    assert not table.index.str.contains("ru-wiki").any()


# --------------------------------------------------------------------------- the real COD-AB


@pytest.fixture(scope="module")
def real(cod_ab_dir):
    b = boundaries.load_boundaries(path=cod_ab_dir)
    return b, layers.project_layers(b)


def _metric_area(frame: gpd.GeoDataFrame, codes: set[str]) -> float:
    return float(frame[frame["code"].isin(codes)].to_crs(METRIC).area.sum()) / 1e6


@pytest.mark.shared_data
def test_real_project_layers_in_one_call(real):
    b, pl = real
    assert isinstance(pl, ProjectLayers) and layers.project_layers(b) is pl
    for frame in (pl.disputed_unami, pl.disputed_wide, pl.krg_area, pl.hamrin_area):
        assert list(frame.columns) == list(ZONE_COLUMNS) and len(frame) == 1
        assert frame.crs.equals("EPSG:4326") and frame.is_valid.all()
    assert any(n.startswith("krg-area: without Makhmour") for n in pl.notes)


@pytest.mark.shared_data
def test_real_unami_zone(real):
    b, pl = real
    zone = pl.disputed_unami.iloc[0]
    assert set(zone["members"].split(";")) == UNAMI
    expected = _metric_area(b.districts, UNAMI) + _metric_area(b.subdistricts, {"IQG10Q03N01"})
    assert zone["area_km2"] == pytest.approx(expected, rel=1e-6)
    geom = zone["geometry"]
    subs = b.subdistricts.set_index("code").geometry.representative_point()
    assert geom.contains(subs["IQG10Q03N01"])  # Mandali is in
    assert not geom.contains(subs["IQG10Q03N02"]) and not geom.contains(subs["IQG10Q03N03"])
    assert geom.contains(shapely.Point(45.5550, 33.7481))  # Mandali town
    assert not geom.contains(shapely.Point(45.0778, 33.6963))  # Balad Ruz town


@pytest.mark.shared_data
def test_real_wide_zone(real):
    b, pl = real
    zone = pl.disputed_wide.iloc[0]
    assert set(zone["members"].split(";")) == WIDE
    assert zone["area_km2"] == pytest.approx(_metric_area(b.districts, WIDE), rel=1e-6)
    assert zone["geometry"].contains(shapely.Point(45.0778, 33.6963))  # Balad Ruz town
    assert zone["area_km2"] > pl.disputed_unami["area_km2"].iat[0]


@pytest.mark.shared_data
def test_real_krg_area_and_line(real):
    b, pl = real
    area = pl.krg_area.iloc[0]
    assert area["members"] == "IQG06;IQG09;IQG11;IQG15Q01"
    expected = (
        _metric_area(b.governorates, {"IQG06", "IQG09", "IQG11"})
        - _metric_area(b.districts, {"IQG11Q04"})
        + _metric_area(b.districts, {"IQG15Q01"})
    )
    assert area["area_km2"] == pytest.approx(expected, rel=1e-6)
    geom = area["geometry"]
    for lat, lon in [
        (36.1833, 44.0119),
        (36.8671, 42.9885),
        (35.5650, 45.4329),
        (36.7604, 43.8943),
    ]:
        assert geom.contains(shapely.Point(lon, lat))  # Erbil, Duhok, Sulaymaniyah, Akre
    for lat, lon in [(35.7756, 43.5794), (35.4681, 44.3922), (36.3350, 43.1189)]:
        assert not geom.contains(shapely.Point(lon, lat))  # Makhmur, Kirkuk, Mosul
    line = pl.krg_line.to_crs(METRIC).geometry.iat[0]
    outline = b.country.to_crs(METRIC).geometry.iat[0].boundary
    assert line.intersection(outline.buffer(400)).is_empty
    krg_metric = pl.krg_area.to_crs(METRIC).geometry.iat[0]
    assert line.length < krg_metric.boundary.length
    assert line.distance(krg_metric.boundary) < 1e-6
    assert pl.krg_line["length_km"].iat[0] == pytest.approx(line.length / 1e3, rel=1e-6)


@pytest.mark.shared_data
def test_real_hamrin_area(real):
    _, pl = real
    area = pl.hamrin_area.iloc[0]
    assert set(area["members"].split(";")) == HAMRIN
    assert area["area_km2"] == pytest.approx(layers.hamrin_data().expected_km2, rel=0.01)
    assert area["geometry"].contains(pl.hamrin_dam.geometry.iat[0])
    assert area["notes"] == ""


@pytest.mark.shared_data
def test_real_hamrin_rule_and_listed_members_agree(real):
    b, _ = real
    data = layers.hamrin_data()
    chosen = layers.hamrin_rule_members(b.subdistricts)
    listed = {m.code: m.basis for m in data.members}
    additions = {code for code, basis in listed.items() if basis == "addition"}
    # the rule's ridge and lake members are exactly the listed ones with that basis
    assert chosen == {code: basis for code, basis in listed.items() if basis != "addition"}
    # a named addition is one the rule would not have chosen, and each has a reason
    assert additions and not additions & set(chosen)
    assert all(m.reason.strip() for m in data.members)
    names = b.subdistricts.set_index("code")["name"]
    assert all(names[m.code] == m.name for m in data.members)


@pytest.mark.shared_data
def test_real_ridge_vertices_lie_where_the_file_says(real):
    b, _ = real
    subs = b.subdistricts.set_index("code").to_crs(METRIC).geometry
    for v in layers.hamrin_data().vertices:
        gap_km = subs[v.subdistrict].distance(_metric_point(v.lat, v.lon)) / 1000
        assert gap_km <= v.precision_km, v.label


@pytest.mark.shared_data
def test_real_ridge_lies_on_the_kirkuk_salah_al_din_boundary_where_it_forms_it(real):
    b, _ = real
    gov = b.governorates.set_index("code").to_crs(METRIC).geometry
    boundary = gov["IQG13"].boundary.intersection(gov["IQG16"].boundary)
    line = layers.hamrin_ridge().to_crs(METRIC).geometry.iat[0]
    # the ridge section from the summit to the GeoNames range point stays near that boundary
    data = layers.hamrin_data()
    lons = [v.lon for v in data.vertices]
    section = shapely.LineString(list(line.coords)[lons.index(43.6763) : lons.index(44.1901) + 1])
    samples = [section.interpolate(f, normalized=True) for f in np.linspace(0, 1, 21)]
    assert max(boundary.distance(p) for p in samples) < 5_000


#: Places whose coordinates lie outside their stated district in COD-AB, with the distance
#: (km) the domain review measured: the town point sits just across a district edge.
PLACE_EXCEPTIONS_KM = {"Amarah": 10.4, "Adhamiyah": 1.2, "Sadr City": 0.8}


@pytest.mark.shared_data
def test_real_every_coded_place_lies_in_its_district_or_is_a_listed_exception(real):
    b, _ = real
    table = layers.gazetteer()
    coded = table[table["lat"].notna() & (table["adm2_code"] != "")]
    districts = b.districts.set_index("code").to_crs(METRIC).geometry
    points = gpd.GeoSeries(
        gpd.points_from_xy(coded["lon"], coded["lat"]), crs="EPSG:4326", index=coded.index
    ).to_crs(METRIC)
    off = {}
    for i, row in coded.iterrows():
        gap_km = districts[row["adm2_code"]].distance(points[i]) / 1000
        if gap_km > 0:
            off[row["name"]] = gap_km
    assert set(off) == set(PLACE_EXCEPTIONS_KM)
    for name, gap_km in off.items():
        assert gap_km <= PLACE_EXCEPTIONS_KM[name], name
    assert len(coded) > 130


@pytest.mark.shared_data
def test_real_subdistrict_variant(real):
    b, _ = real
    zone = layers.disputed_zone(b, "article-140-subdistricts").iloc[0]
    members = set(zone["members"].split(";"))
    assert {"IQG15Q08N03", "IQG15Q05N03", "IQG10Q03N01"} <= members
    assert not members & {"IQG15Q08", "IQG10Q03", "IQG15Q05"}
    assert zone["geometry"].contains(shapely.Point(43.3380, 36.4550))  # Bashiqa town
    assert not zone["geometry"].contains(shapely.Point(42.4481, 36.3791))  # Tal Afar town
    wide = layers.disputed_zone(b, "article-140-wide").iloc[0]
    assert zone["area_km2"] < wide["area_km2"]


def test_pages_and_tables_credit_only_the_project_layers_they_use():
    """The catalog's variant ``article-140-subdistricts`` is built by no join or map."""
    from geo.boundaries import project_provenance
    from geo.layers import USED_KEYS, used_provenance

    catalog = {p.key for p in project_provenance()}
    assert set(USED_KEYS) <= catalog
    credited = [p.key for p in used_provenance()]
    assert sorted(credited) == sorted(USED_KEYS)
    assert "article-140-subdistricts" in catalog - set(credited)
