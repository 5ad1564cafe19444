"""The shipped sample: provenance on every row, honest precision, roles, placement targets."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from geo import boundaries, layers
from geo.boundaries.schematic import build_boundaries
from geo.incidents import load_sample, sample_path
from geo.incidents.sample import ROLE_LABELS, sample_banner, sample_counts
from geo.join import join_events
from geo.place import place_events

#: The sample's rows by role (samples/README.md states these counts).
ROLES = {"is_attack": 19, "against_is": 12, "clash": 1, "none": 2}


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.read_csv(sample_path(), dtype=str, keep_default_na=False)


def test_sample_loads_and_says_it_is_the_sample() -> None:
    result = load_sample()
    assert result.rows_read == len(pd.read_csv(sample_path())) == 34
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    assert "shipped sample" in result.datasets[0].notes
    assert "no incident file was given" in result.datasets[0].notes
    assert set(result.events["geo_precision"]) == {"near", "area"}
    assert result.events["source_url"].str.startswith(("https://", "http://")).all()


def test_every_row_cites_its_source(rows: pd.DataFrame) -> None:
    assert (rows["source"] != "").all()
    assert rows["source_url"].str.match(r"https?://").all()


def test_the_seed_event_has_both_reports_and_the_hideouts_difference(rows: pd.DataFrame) -> None:
    seed = rows[rows["location"].str.contains("Hamrin Lake")].iloc[0]
    assert seed["date"] == "2021-04" and seed["date_precision"] == "month"
    assert seed["role"] == "against_is"
    assert "Voice of America" in seed["source"]
    assert "esta.krd/en/56851" in seed["source"] and "esta.krd/en/57095" in seed["source"]
    assert "four hideouts" in seed["notes"] and "eight hideouts" in seed["notes"]
    assert (seed["latitude"], seed["longitude"], seed["geo_precision"]) == (
        "34.1911",
        "44.9950",
        "area",
    )


def test_roles(rows: pd.DataFrame) -> None:
    assert rows["role"].value_counts().to_dict() == ROLES
    assert set(rows["role"]) <= set(ROLE_LABELS)
    # operations, strikes and arrests by the state and its allies are against IS
    ops = rows["event_type"].isin(["security operation", "air strike"])
    assert (rows.loc[ops, "role"] == "against_is").all()
    assert (rows.loc[rows["role"] == "against_is", "actor2"] == "IS").all()


def test_rows_fixed_by_the_domain_review(rows: pd.DataFrame) -> None:
    by_line = rows.set_index(rows.index + 2)
    assert by_line.at[15, "district"] == "Kifri" and by_line.at[15, "area_code"] == "IQG10Q06N03"
    assert (
        by_line.at[31, "district"] == "Al-Khalis" and by_line.at[31, "area_code"] == "IQG10Q01N01"
    )
    assert by_line.at[14, "area_code"] == "IQG13Q02N01"
    assert by_line.at[11, "date"] == "2021-05-15"
    assert by_line.at[24, "date"] == "2021-11-15"
    assert by_line.at[3, "date"] == "2019-07-24"
    assert by_line.at[25, "location"] == "Outskirts of Kifri district"
    assert by_line.at[7, "area_code"] == "IQG16"  # the source gives only eastern Salah ad Din
    for line in (3, 12, 20, 34):  # the sources give only a district: area, not near
        assert by_line.at[line, "geo_precision"] == "area" and by_line.at[line, "latitude"] == ""


def test_precision_is_honest(rows: pd.DataFrame) -> None:
    assert "exact" not in set(rows["geo_precision"])
    pointed = rows["latitude"] != ""
    coded = rows["area_code"] != ""
    assert not (pointed & coded).any()  # a row has a sourced point or an area, not both
    assert (rows.loc[coded, "geo_precision"] == "area").all()
    assert set(rows["date_precision"]) <= {"day", "month"}
    month = rows["date_precision"] == "month"
    assert rows.loc[month, "date"].str.fullmatch(r"\d{4}-\d{2}").all()
    code = re.compile(r"(IQG\d\d(Q\d\d(N\d\d)?)?|hamrin-area)(&(IQG\d\d|hamrin-area))*")
    assert rows.loc[coded, "area_code"].map(lambda c: bool(code.fullmatch(c))).all()


def test_coordinates_come_from_the_gazetteer_never_from_cod_ab(rows: pd.DataFrame) -> None:
    places = layers.gazetteer()
    sourced = {
        (f"{lat:.4f}", f"{lon:.4f}"): (kind, source)
        for lat, lon, kind, source in zip(
            places["lat"], places["lon"], places["kind"], places["source"], strict=True
        )
        if lat == lat
    }
    pointed = rows[rows["latitude"] != ""]
    for lat, lon, precision in zip(
        pointed["latitude"], pointed["longitude"], pointed["geo_precision"], strict=True
    ):
        key = (f"{float(lat):.4f}", f"{float(lon):.4f}")
        assert key in sourced, key
        kind, source = sourced[key]
        assert source.startswith("http")
        # a town centre may be `near`; a range, a lake or a sub-district centre only `area`
        if precision == "near":
            assert "centre" in kind or "capital" in kind, (key, kind)


def _placed(b):
    pl = layers.project_layers(b)
    loaded = load_sample()
    placed = place_events(loaded.events, pl)
    return loaded, placed, join_events(placed.events, pl).events


def _targets(loaded, placed, joined) -> None:
    assert len(joined) >= 28
    assert joined["in_hamrin_area"].sum() >= 5
    assert len(joined) + len(placed.unplaced) + loaded.rows_rejected == loaded.rows_read
    # nothing placed finer than its source: area rows stay area, at their code's level or coarser
    by_area = joined["quality_flags"].str.contains("placed_by_area")
    assert (joined.loc[by_area, "geo_precision"] == "area").all()
    order = ["point", "subdistrict", "district", "governorate", "country"]
    for code, level in zip(
        joined.loc[by_area, "src_area_code"], joined.loc[by_area, "precision_level"], strict=True
    ):
        finest = min(
            order.index({11: "subdistrict", 8: "district", 5: "governorate"}.get(len(p), "country"))
            for p in code.split("&")
        )
        assert order.index(level) >= finest, (code, level)
    # events known only to a district or governorate are not counted in the focus area
    for line in (5, 7, 13, 18, 19):
        assert not joined.loc[joined["source_row"] == line, "in_hamrin_area"].any(), line


def test_sample_targets_on_a_fresh_machine_schematic():
    b = build_boundaries()
    assert b.subdistricts is None
    _targets(*_placed(b))


@pytest.mark.shared_data
def test_sample_targets_with_cod_ab(cod_ab_dir):
    loaded, placed, joined = _placed(boundaries.load_boundaries(path=cod_ab_dir))
    _targets(loaded, placed, joined)
    assert placed.fallbacks == 0 and placed.unplaced.empty
    inside = set(joined.loc[joined["in_hamrin_area"], "source_row"])
    assert {2, 11, 14, 15, 22, 23, 24, 31, 35} <= inside


def test_banner_states_what_the_sample_is_with_counts():
    b = build_boundaries()
    loaded, _placed_result, joined = _placed(b)
    lines = dict(placed_lines=joined["source_row"].tolist(), unplaced_lines=[])
    counts = sample_counts(loaded, **lines)
    assert counts["placed"] == ROLES and sum(counts["not placed"].values()) == 0
    text = sample_banner(loaded, **lines)
    assert "not a record of all activity" in text
    assert "34 placed (19 IS attacks, 12 operations against IS, 1 clash, 2 not IS-involved)" in text
    assert "0 not placed" in text
