"""Accounting: every row read is accepted or rejected with a reason; accepted rows join once.

A hypothesis strategy writes random mixes of good and bad rows (plain CSV or
ACLED layout, with quoted newlines, commas, quotes and Arabic in free text so
that physical line numbers differ from record numbers), loads them with
:func:`geo.incidents.load_incidents` and checks ``rows read == accepted +
rejected == rows written``, that exactly the bad rows' lines are rejected, that
every good row's id is among the events, and that :func:`geo.join.join_events`
puts every good row in its output exactly once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.boundaries import schematic
from geo.incidents import load_incidents, write_rejections
from geo.join import join_events
from geo.layers import project_layers
from geo.types import REJECTION_COLUMNS, ProjectLayers

Layout = Literal["csv", "acled"]

PLAIN_COLUMNS = ("event_id", "date", "latitude", "longitude", "fatalities", "notes")
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "actor1",
    "actor2",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "notes",
)

#: Points well inside Iraq (towns of the disputed territories and beyond).
PLACES = [
    (35.4681, 44.3922),  # Kirkuk
    (36.3400, 43.1300),  # Mosul
    (33.7500, 44.6400),  # Baqubah
    (34.3500, 45.3900),  # Khanaqin
    (34.8900, 44.6300),  # Tuz Khurmatu
    (34.6000, 43.6800),  # Tikrit
    (36.3225, 41.8642),  # Sinjar
    (33.3100, 44.3600),  # Baghdad
]

#: Kinds of bad row; each must be rejected by the loader.
BAD_KINDS = (
    "swapped",
    "nan",
    "empty-coordinates",
    "inf",
    "1e400",
    "comma-decimal",
    "dms",
    "impossible-date",
    "ambiguous-date",
    "negative-fatalities",
    "word-fatalities",
    "23-digit-fatalities",
    "duplicate-id",
    "missing-id",
    "ragged",
)
#: Accepted kinds: clean rows, and rows accepted with a flag (point outside Iraq).
GOOD_KINDS = ("good", "good", "good", "outside-iraq")

free_text = st.lists(
    st.sampled_from(
        ["plain", "a, comma", 'a "quote"', "line\nbreak", "two\n\nblank lines", "كركوك", "${x}"]
    ),
    max_size=3,
).map(" ".join)


@dataclass(frozen=True)
class Row:
    """One generated row: its kind and the values it is written with."""

    kind: str
    values: dict[str, str]
    event_id: str

    @property
    def good(self) -> bool:
        return self.kind in GOOD_KINDS


@st.composite
def rows(draw: st.DrawFn) -> tuple[Layout, list[Row]]:
    """Draw a layout and a mix of good and bad rows with unique ids for the good ones."""
    layout: Layout = draw(st.sampled_from(["csv", "acled"]))
    kinds = draw(st.lists(st.sampled_from(GOOD_KINDS + BAD_KINDS), min_size=1, max_size=25))
    out: list[Row] = []
    for n, kind in enumerate(kinds):
        lat, lon = draw(st.sampled_from(PLACES))
        lat += draw(st.integers(-500, 500)) / 1e4
        lon += draw(st.integers(-500, 500)) / 1e4
        day = draw(st.integers(1, 28))
        event_id = f"EV{n}"
        v = {
            "id": event_id,
            "date": f"2021-03-{day:02d}",
            "lat": f"{lat:.4f}",
            "lon": f"{lon:.4f}",
            "fatalities": str(draw(st.integers(0, 50))),
            "notes": draw(free_text),
        }
        if kind == "outside-iraq":
            v["lat"], v["lon"] = "48.8566", "2.3522"  # Paris; not in Iraq when swapped either
        elif kind == "swapped":
            v["lat"], v["lon"] = v["lon"], v["lat"]
        elif kind == "nan":
            v["lat"] = "NaN"
        elif kind == "empty-coordinates":
            v["lat"] = v["lon"] = ""
        elif kind == "inf":
            v["lon"] = "-inf"
        elif kind == "1e400":
            v["lat"] = "1e400"
        elif kind == "comma-decimal":
            v["lat"] = v["lat"].replace(".", ",")
        elif kind == "dms":
            v["lat"] = "35°28'05\"N"
        elif kind == "impossible-date":
            v["date"] = "2021-02-30"
        elif kind == "ambiguous-date":
            v["date"] = f"{day:02d}/03/2021" if day <= 12 else "03/08/2021"
        elif kind == "negative-fatalities":
            v["fatalities"] = "-2"
        elif kind == "word-fatalities":
            v["fatalities"] = "many"
        elif kind == "23-digit-fatalities":
            v["fatalities"] = "9" * 23
        elif kind == "duplicate-id":
            earlier = [r.event_id for r in out if r.good]
            if earlier:
                v["id"] = draw(st.sampled_from(earlier))
            else:
                kind = "missing-id"
        if kind == "missing-id":
            v["id"] = ""
        out.append(Row(kind=kind, values=v, event_id=v["id"]))
    return layout, out


def _record(layout: Layout, v: dict[str, str]) -> list[str]:
    if layout == "csv":
        return [v["id"], v["date"], v["lat"], v["lon"], v["fatalities"], v["notes"]]
    date = v["date"]
    if len(date) == 10 and date[4] == "-":  # ACLED's own form, 05 March 2021
        year, month, day = date.split("-")
        date = f"{day} {'February' if month == '02' else 'March'} {year}"
    return [
        v["id"],
        date,
        "1",
        "Battles",
        "Islamic State (Iraq)",
        "Military Forces of Iraq (2020-)",
        v["lat"],
        v["lon"],
        "1",
        v["fatalities"],
        v["notes"],
    ]


def write_rows(path: Path, layout: Layout, generated: list[Row]) -> list[int]:
    """Write the rows as CSV and return each row's first physical line (header = 1)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PLAIN_COLUMNS if layout == "csv" else ACLED_COLUMNS)
    lines = []
    for row in generated:
        lines.append(buffer.getvalue().count("\n") + 1)
        record = _record(layout, row.values)
        if row.kind == "ragged":
            record.append("one field too many")
        writer.writerow(record)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return lines


@pytest.fixture(scope="module")
def layers() -> ProjectLayers:
    """The schematic boundaries and project layers (no downloads, about a second)."""
    return project_layers(schematic.build_boundaries())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows())
def test_every_row_is_accounted_for_and_joined_once(tmp_path, layers, drawn):
    layout, generated = drawn
    path = tmp_path / f"events-{layout}.csv"
    lines = write_rows(path, layout, generated)
    good_ids = [r.event_id for r in generated if r.good]
    bad_lines = sorted(line for r, line in zip(generated, lines, strict=True) if not r.good)

    result = load_incidents(path)

    assert result.rows_read == len(generated)
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    assert result.rows_accepted == len(good_ids) == len(result.events)
    assert result.rows_filtered_out == 0
    assert sorted(result.rejected["line"]) == bad_lines
    assert (result.rejected["reason"].str.len() > 0).all()
    assert set(result.rejected["file"]) <= {str(path)}
    assert sorted(result.events["event_id"]) == sorted(good_ids)
    accepted_lines = sorted(set(lines) - set(bad_lines))
    assert sorted(result.events["source_row"]) == accepted_lines
    (info,) = result.datasets
    assert (info.rows_read, info.rows_accepted, info.rows_rejected) == (
        result.rows_read,
        result.rows_accepted,
        result.rows_rejected,
    )
    outside = sum(r.kind == "outside-iraq" for r in generated)
    assert result.flag_counts.get("outside_iraq", 0) == outside

    written = pd.read_csv(
        write_rejections(result, tmp_path / "rejected.csv"), dtype=str, keep_default_na=False
    )
    assert tuple(written.columns) == REJECTION_COLUMNS
    assert sorted(written["line"].astype(int)) == bad_lines

    joined = join_events(result.events, layers)
    counts = joined.events["event_id"].value_counts()
    assert sorted(counts.index) == sorted(good_ids)
    assert (counts == 1).all()
    assert joined.report.total == len(good_ids)
    unmatched = set(joined.events.loc[joined.events["join_status"] == "unmatched", "event_id"])
    assert unmatched == {r.event_id for r in generated if r.kind == "outside-iraq"}
    assert set(joined.report.unmatched["event_id"]) == unmatched


def test_several_files_add_up(tmp_path, layers):
    """Two files: counts add up per file and overall; a duplicate across files names the first."""
    first = tmp_path / "a.csv"
    second = tmp_path / "b.csv"
    first.write_text(
        "event_id,date,latitude,longitude\nA1,2021-03-01,35.4681,44.3922\n"
        "A2,2021-03-02,nan,44.3922\n",
        encoding="utf-8",
    )
    second.write_text(
        "event_id,date,latitude,longitude\nA1,2021-03-03,33.75,44.64\nB2,2021-03-04,33.75,44.64\n",
        encoding="utf-8",
    )
    result = load_incidents([first, second])
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (4, 2, 2)
    assert [(d.name, d.rows_accepted, d.rows_rejected) for d in result.datasets] == [
        ("a.csv", 1, 1),
        ("b.csv", 1, 1),
    ]
    dup = result.rejected.set_index("file").loc[str(second)]
    assert dup["line"] == 2
    assert "already seen on line 2 of a.csv" in dup["reason"]
    joined = join_events(result.events, layers)
    assert sorted(joined.events["event_id"]) == ["A1", "B2"]


@pytest.mark.parametrize("odd", [False, True])
@pytest.mark.parametrize("n", [50, 120_000])
def test_keeping_rows_column_by_column_equals_one_filter(n, odd):
    """Both ways _keep_rows filters (one step when small, two columns at a time when large)."""
    from geo.incidents.load import _keep_rows

    rng = np.random.default_rng(n)
    frame = pd.DataFrame(
        {
            "text": pd.array([f"e{i}" for i in range(n)], dtype="str"),
            "count": rng.integers(0, 9, n),
            "flag": rng.random(n) < 0.5,
            "when": pd.to_datetime(rng.integers(0, 10**9, n), unit="s"),
        }
    )
    if odd:
        frame["more"] = rng.random(n)
    keep = rng.random(n) < 0.7
    want = frame.loc[keep].reset_index(drop=True)
    got = _keep_rows(frame.copy(), keep)
    pd.testing.assert_frame_equal(got, want)
