"""Tests of geo.place: events known only to an area, placed at its representative point."""

from __future__ import annotations

import numpy as np
import shapely
from test_join import make_events, tiny_layers

from geo.incidents import load_incidents
from geo.join import join_events
from geo.place import UNPLACED_COLUMNS, place_events


def _area_events(codes: list[str]):
    """Events with no point and an area code each (as the CSV loader returns them)."""
    events = make_events([(np.nan, np.nan)] * len(codes), geo_precision=["area"] * len(codes))
    events["src_area_code"] = codes
    events["precision_level"] = "governorate"
    return events


def test_a_subdistrict_code_is_placed_inside_it_at_area_precision():
    layers = tiny_layers()
    result = place_events(_area_events(["IQS112"]), layers)
    row = result.events.iloc[0]
    assert result.placed == 1 and result.fallbacks == 0 and result.unplaced.empty
    subs = layers.boundaries.subdistricts.set_index("code").geometry
    assert subs["IQS112"].contains(row.geometry)
    assert (row["longitude"], row["latitude"]) == (row.geometry.x, row.geometry.y)
    assert row["longitude"] == round(row["longitude"], 6)
    assert row["geo_precision"] == "area" and row["precision_level"] == "subdistrict"
    assert row["quality_flags"].split(";")[0] == "placed_by_area"


def test_without_subdistricts_a_subdistrict_code_falls_back_to_its_district():
    layers = tiny_layers(subdistricts=False)
    result = place_events(_area_events(["IQD11S9"]), layers)  # an IQD11 sub-district code
    row = result.events.iloc[0]
    districts = layers.boundaries.districts.set_index("code").geometry
    assert districts["IQD11"].contains(row.geometry)
    assert row["precision_level"] == "district"
    assert "area_parent_fallback" in row["quality_flags"] and result.fallbacks == 1
    assert "coarser than the code" in " ".join(result.notes)


def test_an_unknown_code_is_reported_not_dropped_silently():
    events = _area_events(["IQG1", "XX99"])
    result = place_events(events, tiny_layers())
    assert len(result.events) == 1 and result.placed == 1
    assert list(result.unplaced.columns) == list(UNPLACED_COLUMNS)
    assert result.unplaced["area_code"].tolist() == ["XX99"]
    assert "in no test-src layer" in result.unplaced["reason"].iat[0]
    assert "not placed: 1" in result.summary()
    assert len(result.events) + len(result.unplaced) == len(events)


def test_a_zone_intersected_with_a_governorate():
    layers = tiny_layers()
    result = place_events(
        _area_events(["IQG2&hamrin-area", "hamrin-area", "IQG1&hamrin-area"]), layers
    )
    hamrin = layers.hamrin_area.geometry.iat[0]
    g2 = layers.boundaries.governorates.set_index("code").geometry["IQG2"]
    first, second = result.events.geometry.iloc[0], result.events.geometry.iloc[1]
    assert hamrin.contains(first) and g2.contains(first)
    assert result.events["precision_level"].tolist() == ["governorate", "country"]
    assert hamrin.contains(second)
    # the Hamrin box lies wholly in IQG2: nothing is left to hold the third
    assert result.unplaced["reason"].iat[0].endswith("do not overlap")


def test_an_area_reaching_beyond_a_zone_is_not_counted_in_it():
    layers = tiny_layers()
    placed = place_events(_area_events(["IQG2", "IQG2&hamrin-area"]), layers)
    # IQG2's representative point falls in the Hamrin box, but most of IQG2 does not
    assert layers.hamrin_area.geometry.iat[0].contains(placed.events.geometry.iat[0])
    assert "area_exceeds_hamrin-area" in placed.events["quality_flags"].iat[0]
    joined = join_events(placed.events, layers).events
    assert joined["in_hamrin_area"].tolist() == [False, True]


def test_events_with_points_are_left_alone():
    events = make_events([(44.25, 34.25)])
    events["src_area_code"] = "IQS211"
    result = place_events(events, tiny_layers())
    assert result.events.geometry.iat[0].equals(shapely.Point(44.25, 34.25))
    assert result.placed == 0 and result.events["quality_flags"].iat[0] == ""


def test_csv_rows_with_an_area_code_load_and_place(tmp_path):
    csv = tmp_path / "areas.csv"
    csv.write_text(
        "date,latitude,longitude,area_code,geo_precision,actor1\n"
        "2021-01-01,,,IQS111,,IS\n"  # area precision by default
        "2021-01-02,,,IQS111,area,IS\n"
        "2021-01-03,,,IQS111,near,IS\n"  # claims more than an area code can give
        "2021-01-04,,,,,IS\n"  # neither a point nor an area
        "2021-01-05,34.2,44.2,IQS111,near,IS\n",  # a point wins over the code
        encoding="utf-8",
    )
    loaded = load_incidents(csv)
    assert loaded.rows_read == 5 == loaded.rows_accepted + loaded.rows_rejected
    assert loaded.rows_rejected == 2
    assert set(loaded.rejected["line"]) == {4, 5}
    reasons = " ".join(loaded.rejected["reason"])
    assert "placed at area precision" in reasons and "cannot be placed" in reasons
    assert loaded.events["geo_precision"].tolist() == ["area", "area", "near"]
    result = place_events(loaded.events, tiny_layers())
    assert result.placed == 2 and len(result.events) == 3
    subs = tiny_layers().boundaries.subdistricts.set_index("code").geometry
    assert subs["IQS111"].contains(result.events.geometry.iat[0])
    assert result.events.geometry.iat[2].equals(shapely.Point(44.2, 34.2))
