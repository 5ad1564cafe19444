"""Event layers: strategy thresholds, the compact encoding, classes, grid, periods, seam, safety."""

from __future__ import annotations

import json
import re

import folium
import numpy as np
import pandas as pd
import pytest
from fixtures import synthetic_events

from geo.grid import grid_class, period_starts
from geo.render import classes, packing
from geo.render import events as ev
from geo.render.html import stable_ids
from geo.render.seam import band_counts, chart_html, seam_bands
from geo.spec import parse_spec

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "${alert(3)}",
    "\\\\`);alert(4);//",
    "`+alert(5)+`",
]


def make_spec(**over):
    data = {"title": "T", "description": "D", "layers": ["events"]}
    data.update(over)
    return parse_spec(data, name="t")


def render(events, spec, mode=None):
    with stable_ids():
        m = folium.Map(tiles=None, maxZoom=18)
        legends = ev.add_event_layers(
            m, events, spec=spec, mode=mode or ev.choose_mode(len(events))
        )
        html = m.get_root().render()
    return html, legends


def blob_of(html):
    """Return the data blob passed to ``new GeoEvents`` in the rendered page."""
    start = html.index("new GeoEvents(") + len("new GeoEvents(")
    start = html.index(",", start) + 1
    blob, _ = json.JSONDecoder().raw_decode(html[start:].lstrip())
    return blob


def decode_points(points):
    cols = {k: packing.unpack(v) for k, v in points["cols"].items()}
    d = points["dicts"]
    rows = []
    for i in range(points["n"]):
        kind, actors = d["kind"][cols["kind"][i]], d["actors"][cols["actors"][i]]
        place, prec = d["place"][cols["place"][i]], d["prec"][cols["prec"][i]]
        src, fat = d["src"][cols["src"][i]], d["fat"][cols["fat"][i]]
        rows.append(
            {
                "longitude": cols["x"][i] / points["scale"],
                "latitude": cols["y"][i] / points["scale"],
                "day": points["day0"] + cols["day"][i],
                "event_type": kind[0],
                "sub_event_type": kind[1],
                "actor1": actors[0],
                "actor2": actors[1],
                "location": place[0],
                "adm2_name": place[2],
                "adm1_name": place[3],
                "geo_precision": prec[1],
                "dataset": src[0],
                "source": src[1],
                "fatalities": fat[0],
                "source_url": d["url"][cols["url"][i]][0],
                "source_row": cols["row"][i],
            }
        )
    return pd.DataFrame(rows, dtype=object)


@pytest.mark.parametrize(
    ("n", "only", "mode"),
    [
        (0, False, "full"),
        (ev.FULL_MAX, False, "full"),
        (ev.FULL_MAX + 1, False, "compact"),
        (ev.COMPACT_MAX, False, "compact"),
        (ev.COMPACT_MAX + 1, False, "aggregate"),
        (5, True, "aggregate"),
    ],
)
def test_choose_mode_thresholds(n, only, mode):
    assert ev.choose_mode(n, aggregates_only=only) == mode
    assert ev.MODE_NOTES[mode]


@pytest.mark.parametrize("mode", ["full", "compact"])
def test_encoding_round_trips(mode):
    events = synthetic_events(40, seed=3)
    events.loc[3, "fatalities"] = pd.NA
    events.loc[4, "source_url"] = "javascript:alert(1)"
    events.loc[5, "actor2"] = None
    frame = packing.sort_events(pd.DataFrame(events.drop(columns="geometry")))
    codes, _ = classes.classify(frame, make_spec())
    blob = packing.encode_events(frame, mode=mode, classes=codes)
    got = decode_points(blob)
    assert blob["n"] == len(frame) == 40
    np.testing.assert_allclose(got["longitude"].astype(float), frame["longitude"], atol=0.6e-5)
    np.testing.assert_allclose(got["latitude"].astype(float), frame["latitude"], atol=0.6e-5)
    days = (frame["date"].to_numpy().astype("datetime64[D]") - np.datetime64("1970-01-01")).astype(
        int
    )
    assert got["day"].tolist() == days.tolist()
    for col in (
        "event_type",
        "actor1",
        "location",
        "adm1_name",
        "adm2_name",
        "geo_precision",
        "dataset",
        "source",
    ):
        assert got[col].tolist() == frame[col].tolist(), col
    assert got["actor2"].tolist() == frame["actor2"].fillna("").tolist()
    assert got["fatalities"].tolist() == [
        None if v is pd.NA else int(v) for v in frame["fatalities"]
    ]
    assert got["source_row"].tolist() == frame["source_row"].tolist()
    want_url = ["" if u.startswith("javascript") else u for u in frame["source_url"]]
    assert got["source_url"].tolist() == want_url
    assert packing.unpack(blob["cols"]["cls"]).tolist() == codes.tolist()
    if mode == "full":
        assert blob["text"]["notes"] == frame["notes"].tolist()
        assert blob["text"]["id"] == frame["event_id"].tolist()
    else:
        assert blob["text"] == {}


def test_pack_uses_the_narrowest_type():
    assert packing.pack(np.array([0, 255]))["t"] == "u1"
    assert packing.pack(np.array([0, 256]))["t"] == "u2"
    assert packing.pack(np.array([0, 70_000]))["t"] == "u4"
    packed = packing.pack(np.array([-4_500_000, 4_800_000]), signed=True)
    assert packing.unpack(packed).tolist() == [-4_500_000, 4_800_000]


def test_event_types_beyond_the_palette_share_other():
    events = synthetic_events(30)
    events["event_type"] = [f"type {i % 12:02d}" for i in range(30)]
    codes, legend = classes.classify(events, make_spec())
    labels = [item.label for item in legend.items]
    assert len(labels) == classes.MAX_TYPES and labels[-1] == "Other"
    assert legend.items[-1].color == classes.OTHER_COLOR
    assert sum(item.count for item in legend.items) == 30
    assert (codes == classes.MAX_TYPES - 1).sum() == legend.items[-1].count


def test_distance_bands_put_inside_and_unknown_apart():
    events = pd.DataFrame(
        {
            "dist_krg_line_km": [3.0, 0.0, 10.0, 10.5, 60.0, np.nan],
            "in_krg_area": [True, False, False, False, False, False],
        }
    )
    spec = make_spec(events={"color_by": "distance_band", "distance_bands_km": [10, 25, 50]})
    codes, legend = classes.classify(events, spec)
    labels = [item.label for item in legend.items]
    assert labels[:4] == ["0–10 km", "10–25 km", "25–50 km", "> 50 km"]
    assert [labels[c] for c in codes] == [
        "Inside the KRG-administered area",
        "0–10 km",
        "0–10 km",
        "10–25 km",
        "> 50 km",
        "Distance unknown",
    ]


def test_precision_classes_and_hollow_legend():
    events = synthetic_events(10)  # every fifth event is an area centroid
    _, legends = render(events, make_spec(events={"color_by": "precision"}))
    items = {item.label: item for item in legends[0].items}
    assert items["area"].count == 2 and items["exact"].count == 8
    hollow = [item for item in legends[0].items if item.shape == "hollow"]
    assert len(hollow) == 1 and hollow[0].count == 2 and "area centroid" in hollow[0].label


def test_provisional_events_are_named_in_legend_and_popup_status():
    events = synthetic_events(14)  # events 3 and 10 are provisional
    html, legends = render(events, make_spec())
    assert "2 of these events are provisional (UCDP Candidate events" in legends[0].note
    blob = blob_of(html)["points"]
    statuses = [row[2] for row in blob["dicts"]["src"]]
    assert packing.PROVISIONAL_STATUS in statuses and "" in statuses
    events["provisional"] = False
    _, legends = render(events, make_spec())
    assert "provisional" not in legends[0].note


def test_events_without_coordinates_are_reported_not_dropped():
    events = synthetic_events(6)
    events.loc[2, "latitude"] = np.nan
    html, legends = render(events, make_spec())
    assert blob_of(html)["points"]["n"] == 5
    assert "1 events without coordinates are not drawn" in legends[0].note


def test_hostile_text_reaches_the_page_inert():
    events = synthetic_events(len(HOSTILE))
    for col in (
        "notes",
        "actor1",
        "actor2",
        "location",
        "source",
        "event_type",
        "sub_event_type",
        "adm1_name",
        "event_id",
    ):
        events[col] = HOSTILE
    events["source_url"] = [
        "javascript:alert(6)",
        "JAVASCRIPT:alert(7)",
        "data:text/html,x",
        " javascript:alert(8)",
        "https://ok.example/a?b=<i>",
    ]
    html, legends = render(events, make_spec(seam_chart=True, time="month"))
    for payload in ("<img src=x", "</script><script>alert", "javascript:alert", "data:text/html"):
        assert payload not in html
    assert "<\\/script" not in html  # nothing needed guarding: data never holds a raw '<'
    points = blob_of(html)["points"]
    decoded = decode_points(points)
    assert sorted(set(decoded["location"])) == sorted(HOSTILE)  # lossless, as text
    assert sorted(points["text"]["notes"]) == sorted(HOSTILE)
    assert sorted(u for u in decoded["source_url"] if u) == ["https://ok.example/a?b=<i>"]
    assert {item.label for item in legends[0].items} >= set(HOSTILE)  # raw: D1 escapes legends


def test_same_inputs_give_identical_bytes():
    events = synthetic_events(25, seed=1)
    spec = make_spec(layers=["events", "heat", "grid"], time="week", seam_chart=True)
    shuffled = events.sample(frac=1, random_state=7)
    first, _ = render(events, spec)
    second, _ = render(shuffled, spec)
    assert first == second


def test_aggregate_mode_leaves_raw_points_out():
    events = synthetic_events(30)
    html, legends = render(events, make_spec(layers=["events", "heat"]), mode="aggregate")
    blob = blob_of(html)
    assert blob["points"] is None
    assert sum(blob["grid"]["count"]) == 30
    assert "raw points are left out" in legends[0].note
    for lat in events["latitude"].round(5):
        assert f"{lat:.5f}" not in html


def test_grid_counts_cells_and_periods():
    events = pd.DataFrame(
        {
            "longitude": [44.01, 44.09, 44.11, 44.11],
            "latitude": [33.05, 33.01, 33.05, 33.05],
            "date": pd.to_datetime(["2020-01-05", "2020-02-01", "2020-02-03", "2020-01-31"]),
            "fatalities": pd.array([1, pd.NA, 2, 3], dtype="Int64"),
        }
    )
    grid = packing.encode_grid(events, unit="month")
    cells = dict(zip(zip(grid["i"], grid["j"], strict=True), grid["count"], strict=True))
    assert cells == {(440, 330): 2, (441, 330): 2}
    assert sorted(grid["fatalities"]) == [1, 5]
    per = grid["periods"]
    assert per["labels"] == ["2020-01", "2020-02"] and per["counts"] == [2, 2]
    jan = slice(per["offsets"][0], per["offsets"][1])
    assert sum(per["cellCount"][jan]) == 2 and len(per["offsets"]) == 3


def test_grid_classes_are_decades():
    assert grid_class(np.array([1, 9, 10, 999, 1000, 10**6])).tolist() == [0, 0, 1, 2, 3, 4]


def test_periods_by_week_start_on_monday_and_by_month():
    days = (
        pd.to_datetime(["2024-01-07", "2024-01-08", "2024-01-14", "2024-02-29"])
        .to_numpy()
        .astype("datetime64[D]")
        - np.datetime64("1970-01-01")
    ).astype(int)
    starts, labels, index = period_starts(days, "week")
    assert starts[1] - starts[0] == 7
    assert labels == ["Week of 2024-01-01", "Week of 2024-01-08", "Week of 2024-02-26"]
    assert index.tolist() == [0, 1, 1, 2]
    _, labels, index = period_starts(days, "month")
    assert labels == ["2024-01", "2024-02"] and index.tolist() == [0, 0, 0, 1]


def test_time_slider_only_when_the_spec_asks():
    events = synthetic_events(8)
    html, _ = render(events, make_spec())
    assert "new GeoTimeSlider" not in html and blob_of(html)["points"]["periods"] is None
    html, _ = render(events, make_spec(time="month"))
    assert "new GeoTimeSlider" in html
    assert sum(blob_of(html)["points"]["periods"]["counts"]) == 8


def test_seam_bands_and_counts():
    bands = seam_bands((10, 25))
    assert [b[0] for b in bands] == [
        "> 25 km inside",
        "10–25 km inside",
        "0–10 km inside",
        "0–10 km",
        "10–25 km",
        "> 25 km",
    ]
    counts, left_out = band_counts(_seam_events([-30, -10, -0.5, 0, 10, 11, 40, None]), (10, 25))
    assert counts.tolist() == [1, 0, 2, 2, 1, 1] and left_out == 1


def _seam_events(signed: list, coarse: list | None = None) -> pd.DataFrame:
    """Events with an unsigned distance and a side, from signed km (negative inside)."""
    d = pd.to_numeric(pd.Series(signed, dtype=object), errors="coerce").astype(float)
    return pd.DataFrame(
        {
            "dist_krg_line_km": d.abs(),
            "in_krg_area": (d < 0).to_numpy(),
            "coarse_adm3": coarse or [False] * len(d),
        }
    )


def test_seam_box_escapes_the_analysis_table():
    seam = pd.DataFrame({"<b>band</b>": ["${alert(1)}", "</script>"], "share": [0.25, 0.5]})
    html = chart_html(_seam_events([1.0, -2.0]), bands_km=(10, 25, 50), seam=seam)
    assert "<b>band" not in html and "</script>" not in html and "${" not in html
    assert "&lt;b&gt;band&lt;/b&gt;" in html and "0.25" in html


def test_seam_box_without_analysis_shows_shares():
    html = chart_html(_seam_events([1.0, 5.0, 30.0, -2.0]), bands_km=(10, 25, 50), seam=None)
    assert "Within 10 km of the line</td><td>3</td><td>75.0%" in html
    assert re.search(r"Inside the KRG-administered area</td><td>1<", html)


def test_empty_events_render():
    events = synthetic_events(3).iloc[0:0]
    html, legends = render(events, make_spec(layers=["events", "heat", "grid"], time="month"))
    assert blob_of(html)["points"]["n"] == 0
    assert "new GeoTimeSlider" not in html
    assert all(item.count == 0 for legend in legends for item in legend.items)


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="mode must be one of"):
        render(synthetic_events(2), make_spec(), mode="fancy")


def test_role_layers_legend_headlines_and_timeline_series():
    from geo.render.roles import ROLE_KEYS, headlines, role_legend

    events = pd.DataFrame(
        {
            "role": ["is_attack", "against_is", "clash", "none", "against_is"],
            "actor1": ["Islamic State (Iraq)", "Military Forces of Iraq (2022-) Peshmerga",
                       "Islamic State (Iraq)", "Protesters (Iraq)",
                       "Global Coalition Against Daesh"],
            "actor2": ["Civilians (Iraq)", "Islamic State (Iraq)", "PMF", "", "ISIL"],
            "event_type": ["Violence against civilians", "Battles", "Battles", "Protests",
                           "Explosions/Remote violence"],
        }
    )  # fmt: skip
    assert headlines(events).tolist() == [
        "IS attack on Civilians (Iraq)",
        "Operation by Military Forces of Iraq (2022-) Peshmerga against IS",
        "Clash between IS and PMF",
        "Protests",
        "Operation by Global Coalition Against Daesh against IS",
    ]
    legend = role_legend(np.array([1, 2, 1, 1, 0]))
    assert [(i.label, i.shape, i.count) for i in legend.items] == [
        ("IS attacks", "triangle", 1),
        ("Operations against IS", "square", 2),
        ("Clashes involving IS", "diamond", 1),
        ("Other events (IS not involved)", "circle", 1),
    ]
    assert len({i.shape for i in legend.items[:3]}) == 3  # shape, not colour alone
    assert ROLE_KEYS[-1] == "unknown"


def test_each_role_is_its_own_layer_and_the_periods_count_per_role():
    events = synthetic_events(9)  # roles cycle: is_attack, against_is, clash
    html, legends = render(events, make_spec(time="month"))
    for name in ("IS attacks", "Operations against IS", "Clashes involving IS"):
        assert f'"{name}"' in html, name
    assert '"events:is_attack"' in html and '"events:against_is"' in html
    assert "Events by role" in [lg.title for lg in legends]
    blob = blob_of(html)
    periods = blob["points"]["periods"]
    assert [sum(row) for row in periods["roleCounts"]] == periods["counts"]
    assert sum(row[0] for row in periods["roleCounts"]) == 3  # is_attack


def test_seam_box_reads_per_role():
    from geo.aggregate import seam_stats

    frame = pd.DataFrame(
        {
            "dist_krg_line_km": [5.0, 20.0, 3.0, 8.0],
            "in_krg_area": [False, False, True, False],
            "coarse_adm3": [False] * 4,
            "fatalities": [1, 0, 2, 0],
            "role": ["is_attack", "against_is", "clash", "against_is"],
        }
    )
    seam = seam_stats(frame)
    both10 = seam[(seam["side"] == "both") & (seam["band_km"] == 10)].iloc[0]
    assert (both10["events_is_attack"], both10["events_against_is"], both10["events_clash"]) == (
        1,
        1,
        1,
    )
    html = chart_html(frame, bands_km=(10, 25, 50), seam=seam)
    assert "geo-seam-roles" in html and "Operations against IS" in html
