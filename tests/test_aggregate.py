"""Tests of geo.aggregate: zero-filled grids, coarse events, change, seam statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_join import make_events, tiny_layers

from geo.aggregate import TABLE_COLUMNS, aggregate, area_measures, seam_stats
from geo.errors import ValidationError
from geo.join import join_events


@pytest.fixture(scope="module")
def joined() -> pd.DataFrame:
    # S111 (G1/D11): 2 battles in Jan, 1 in Mar (coarse: governorate precision)
    # S211 (G2/D21): 1 IED in Feb, 3 fatalities; one event 50 km outside, unmatched
    points = [(44.25, 34.25), (44.3, 34.3), (44.2, 34.2), (45.5, 34.5), (47.0, 34.5)]
    events = make_events(
        points,
        date=pd.to_datetime(["2021-01-04", "2021-01-20", "2021-03-02", "2021-02-10", "2021-01-05"]),
        event_type=["Battles", "Battles", "Battles", "Explosions", "Battles"],
        fatalities=pd.array([1, 2, 5, 3, None], dtype="Int64"),
        precision_level=["point", "point", "governorate", "point", "point"],
    )
    return join_events(events, tiny_layers()).events


def test_every_area_period_and_type_appears_with_zeros(joined):
    t = aggregate(joined, tiny_layers(), by="governorate", period="month")
    assert list(t.columns) == list(TABLE_COLUMNS)
    # 2 governorates + the no-area row, 3 months, 2 types
    assert len(t) == 3 * 3 * 2
    assert set(t["area_code"]) == {"", "IQG1", "IQG2"}
    assert t["period"].drop_duplicates().tolist() == ["2021-01", "2021-02", "2021-03"]
    g1_jan = t[(t.area_code == "IQG1") & (t.period == "2021-01") & (t.event_type == "Battles")]
    assert g1_jan[["events", "fatalities"]].values.tolist() == [[2, 3]]
    g2_mar = t[(t.area_code == "IQG2") & (t.period == "2021-03")]
    assert g2_mar["events"].tolist() == [0, 0]
    # nothing is lost: every event is in the table at this level (none is coarse for adm1)
    assert t["events"].sum() == len(joined)
    assert t.loc[t.area_code == "", "area_name"].str.contains("no area").all()


def test_coarse_events_are_left_out_and_counted_unless_included(joined):
    t = aggregate(joined, tiny_layers(), by="district", period="all", by_type=False)
    d11 = t[t.area_code == "IQD11"].iloc[0]
    assert (d11.events, d11.coarse_excluded, d11.fatalities) == (2, 1, 3)
    t2 = aggregate(
        joined, tiny_layers(), by="district", period="all", by_type=False, include_coarse=True
    )
    d11 = t2[t2.area_code == "IQD11"].iloc[0]
    assert (d11.events, d11.coarse_excluded, d11.fatalities) == (3, 0, 8)
    assert t["events"].sum() + t["coarse_excluded"].sum() == len(joined)


def test_change_against_the_previous_period(joined):
    t = aggregate(joined, tiny_layers(), by="governorate", period="month", include_coarse=True)
    s = t[(t.area_code == "IQG1") & (t.event_type == "Battles")]
    assert s["events"].tolist() == [2, 0, 1]
    assert s["events_change"].tolist()[1:] == [-2, 1]
    assert pd.isna(s["events_change"].iloc[0])
    assert s["events_change_pct"].iloc[1] == pytest.approx(-100.0)
    assert pd.isna(s["events_change_pct"].iloc[2])  # previous month had none


def test_week_quarter_and_year_labels(joined):
    weeks = aggregate(joined, tiny_layers(), by="governorate", period="week", by_type=False)
    labels = weeks["period"].drop_duplicates().tolist()
    assert labels[0] == "2021-W01" and labels[-1] == "2021-W09"
    assert len(labels) == 9
    assert weeks["period_start"].min() == pd.Timestamp("2021-01-04")
    q = aggregate(joined, tiny_layers(), by="governorate", period="quarter", by_type=False)
    assert q["period"].unique().tolist() == ["2021Q1"]
    y = aggregate(joined, tiny_layers(), by="governorate", period="year", by_type=False)
    assert y["period"].unique().tolist() == ["2021"]


def test_zone_tables_have_inside_and_outside(joined):
    t = aggregate(joined, tiny_layers(), by="hamrin-area", period="all", by_type=False)
    assert t["area_code"].tolist() == ["hamrin-area", "not-hamrin-area"]
    assert t["events"].tolist() == [1, 3]  # the governorate-precision event is coarse here
    assert t["coarse_excluded"].tolist() == [0, 1]


def test_sorted_and_identical_on_rerun(joined):
    shuffled = joined.sample(frac=1.0, random_state=1)
    a = aggregate(joined, tiny_layers(), by="subdistrict", period="month")
    b = aggregate(shuffled, tiny_layers(), by="subdistrict", period="month")
    pd.testing.assert_frame_equal(a, b)
    keys = list(a[["area_code", "period", "event_type"]].itertuples(index=False, name=None))
    assert keys == sorted(keys)


def test_missing_subdistrict_layer_is_a_clear_error(joined):
    layers = tiny_layers(subdistricts=False)
    with pytest.raises(ValidationError, match="subdistrict"):
        aggregate(joined, layers, by="subdistrict")


def test_area_measures_include_empty_areas_and_density(joined):
    m = area_measures(joined, tiny_layers(), level="subdistrict")
    assert m["code"].tolist() == ["IQS111", "IQS112", "IQS121", "IQS211"]
    assert m["events"].tolist() == [2, 0, 0, 1]
    assert m["coarse_excluded"].tolist() == [1, 0, 0, 0]
    assert m.crs.to_epsg() == 4326
    # S111 is 0.5 x 0.5 degrees near 34 N: about 46 x 55 km
    assert 2300 < m["area_km2"].iloc[0] < 2700
    assert m["events_per_1000km2"].iloc[0] == pytest.approx(
        2 / m["area_km2"].iloc[0] * 1000, rel=1e-3
    )
    assert m["events_per_1000km2"].iloc[1] == 0


def test_seam_stats_bands_and_sides():
    # KRG line at lat 34.8; points 5 km north (KRG side), 20 km south, 40 km south, far south
    lats = [34.8 + 5 / 111, 34.8 - 20 / 111, 34.8 - 40 / 111, 34.05]
    joined = join_events(make_events([(45.0, lat) for lat in lats]), tiny_layers()).events
    s = seam_stats(joined)
    both = s[s.side == "both"].set_index("band_km")["events"]
    assert both.to_dict() == {10.0: 1, 25.0: 2, 50.0: 3}
    krg = s[s.side == "krg"].set_index("band_km")["events"]
    assert krg.tolist() == [1, 1, 1]
    fed = s[s.side == "federal"].set_index("band_km")["share_pct"]
    assert fed.tolist() == [0.0, 25.0, 50.0]
    assert (s["events_considered"] == 4).all() and (s["left_out"] == 0).all()


def test_seam_stats_leave_out_coarse_and_unlocated_events():
    events = make_events([(45.0, 34.7), (45.0, 34.7), (45.0, 34.7)],
                         precision_level=["point", "district", "point"])  # fmt: skip
    events.loc[2, "geometry"] = None
    s = seam_stats(join_events(events, tiny_layers()).events)
    assert (s["events_considered"] == 1).all() and (s["left_out"] == 2).all()
    s2 = seam_stats(join_events(events, tiny_layers()).events, include_coarse=True)
    assert (s2["events_considered"] == 2).all()
    assert np.isfinite(s2["share_pct"]).all()


@pytest.mark.parametrize("level", ["governorate", "district", "subdistrict"])
@pytest.mark.parametrize("include_coarse", [False, True])
def test_area_measures_count_what_the_full_table_counts(joined, level, include_coarse):
    m = area_measures(joined, tiny_layers(), level=level, include_coarse=include_coarse)
    t = aggregate(
        joined,
        tiny_layers(),
        by=level,
        period="all",
        by_type=False,
        by_role=False,
        include_coarse=include_coarse,
    ).set_index("area_code")
    for col in ("events", "fatalities", "coarse_excluded"):
        expected = t[col].reindex(m["code"]).fillna(0).astype("int64").tolist()
        assert m[col].tolist() == expected, col


def test_area_measures_of_no_events_are_zeros_and_undated_events_are_refused(joined):
    m = area_measures(joined.iloc[:0], tiny_layers(), level="district")
    assert len(m) > 0 and (m[["events", "fatalities", "coarse_excluded"]] == 0).all().all()
    with pytest.raises(ValidationError, match="no date"):
        area_measures(joined.assign(date=pd.NaT), tiny_layers(), level="district")
