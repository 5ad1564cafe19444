"""ACLED readers: every export variant loads to the same canonical table."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from geo.incidents import load_incidents
from geo.types import EVENT_COLUMNS

CURRENT = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
OLD = [
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year",
    "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1",
    "actor2", "assoc_actor_2", "inter2", "interaction", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "timestamp", "iso3",
]  # fmt: skip

# Five invented test rows (not real events) covering every precision code and Arabic text.
EVENTS = [
    ("IRQ1", date(2021, 8, 1), "1", "Battles", "Islamic State (Iraq)", "Military Forces of Iraq",
     "Diyala", "Khanaqin", "Jalawla", "جلولاء", "34.2719", "45.1681", "1", "3"),
    ("IRQ2", date(2020, 12, 31), "2", "Explosions/Remote violence", "Unidentified Armed Group",
     "Civilians (Iraq)", "Kirkuk", "Daquq", "", "داقوق", "35.1383", "44.4486", "2", "0"),
    ("IRQ3", date(2019, 2, 28), "3", "Violence against civilians", "داعش", "Civilians (Iraq)",
     "Sala al-Din", "Tooz", "", "طوز خورماتو", "34.8881", "44.6326", "3", "12"),
    ("IRQ4", date(2022, 1, 21), "1", "Battles", "Military Forces of Iraq", "Islamic State (Iraq)",
     "Diyala", "Al-Khalis", "Al-Azim", "العظيم", "34.3", "44.5", "1", "11"),
    ("IRQ5", date(2018, 5, 9), "1", "Strategic developments", "Popular Mobilization Forces", "",
     "Baghdad", "Tarmiya", "", "الطارمية", "33.6667", "44.3667", "2", ""),
]  # fmt: skip
DATE_FORMS = {
    "long": "%d %B %Y",
    "iso": "%Y-%m-%d",
    "compact": "%Y%m%d",
    "excel": "%d-%b-%y",
}


def acled_text(*, columns: list[str], date_form: str, line_end: str = "\n") -> str:
    """Return the test events as ACLED CSV text in one export variant."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=columns, lineterminator=line_end, extrasaction="ignore"
    )
    writer.writeheader()
    for k, (eid, day, tp, etype, a1, a2, adm1, adm2, adm3, loc, lat, lon, gp, fat) in enumerate(
        EVENTS
    ):
        writer.writerow(
            {
                **dict.fromkeys(columns, ""),
                "data_id": str(9000 + k),
                "iso3": "IRQ",
                "event_id_no_cnty": eid[3:],
                "event_id_cnty": eid,
                "event_date": day.strftime(DATE_FORMS[date_form]),
                "year": str(day.year),
                "time_precision": tp,
                "event_type": etype,
                "actor1": a1,
                "actor2": a2,
                "admin1": adm1,
                "admin2": adm2,
                "admin3": adm3,
                "location": loc,
                "latitude": lat,
                "longitude": lon,
                "geo_precision": gp,
                "source": "Test source",
                "notes": 'Invented row for tests, with a comma, and "quotes".',
                "fatalities": fat,
            }
        )
    return buffer.getvalue()


VARIANTS = {
    "current-long": lambda: acled_text(columns=CURRENT, date_form="long").encode("utf-8"),
    "pre2023-iso": lambda: acled_text(columns=OLD, date_form="iso").encode("utf-8"),
    "compact-bom": lambda: (
        b"\xef\xbb\xbf" + acled_text(columns=CURRENT, date_form="compact").encode()
    ),
    # Excel re-save: short dates, CRLF line ends, BOM
    "excel-resave": lambda: (
        "\ufeff".encode()
        + acled_text(columns=CURRENT, date_form="excel", line_end="\r\n").encode("utf-8")
    ),
    "windows-1256": lambda: acled_text(columns=CURRENT, date_form="long", line_end="\r\n").encode(
        "cp1256"
    ),
}
COMPARED = [c for c in EVENT_COLUMNS if c not in ("dataset", "geometry")]


@pytest.fixture
def reference(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "reference.csv"
    path.write_bytes(VARIANTS["current-long"]())
    return load_incidents(path).events


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_loads_to_the_same_table(variant: str, tmp_path: Path, reference) -> None:
    path = tmp_path / f"{variant}.csv"
    path.write_bytes(VARIANTS[variant]())
    result = load_incidents(path)
    assert result.rows_read == result.rows_accepted + result.rows_rejected == len(EVENTS)
    assert result.rows_rejected == 0, result.rejected.to_dict("records")
    assert result.datasets[0].format == "acled"
    assert result.datasets[0].acled is True
    pd.testing.assert_frame_equal(
        pd.DataFrame(result.events[COMPARED]), pd.DataFrame(reference[COMPARED])
    )
    assert list(result.events.columns) == list(EVENT_COLUMNS)
    assert result.events.crs.to_epsg() == 4326


def test_windows_1256_arabic_is_decoded_exactly(tmp_path: Path) -> None:
    path = tmp_path / "arabic.csv"
    path.write_bytes(VARIANTS["windows-1256"]())
    result = load_incidents(path)
    assert result.datasets[0].encoding == "cp1256"
    assert "decoded from cp1256" in result.datasets[0].notes
    assert set(result.events["location"]) == {e[9] for e in EVENTS}
    assert not result.events["location"].str.contains("\ufffd").any()
    # the Arabic actor name for Daesh matches the IS filter
    rules = dict(zip(result.events["event_id"], result.events["is_match_rule"], strict=True))
    assert rules["IRQ3"] == "daesh"


def test_mapping_rules(reference: pd.DataFrame) -> None:
    by_id = reference.set_index("event_id")
    assert list(by_id.loc[["IRQ1", "IRQ2", "IRQ3"], "date_precision"]) == ["day", "week", "month"]
    assert list(by_id.loc[["IRQ1", "IRQ2", "IRQ3"], "geo_precision"]) == ["exact", "near", "area"]
    assert list(by_id.loc[["IRQ1", "IRQ2", "IRQ3"], "precision_level"]) == [
        "point",
        "point",
        "governorate",
    ]
    assert by_id.loc["IRQ3", "geo_precision_code"] == "acled:3"
    assert by_id.loc["IRQ1", "date"] == pd.Timestamp("2021-08-01")
    assert by_id.loc["IRQ1", "date_end"] == by_id.loc["IRQ1", "date"]
    assert by_id.loc["IRQ3", "src_admin1"] == "Sala al-Din"
    assert by_id.loc["IRQ1", "fatalities"] == 3
    assert pd.isna(by_id.loc["IRQ5", "fatalities"])
    assert by_id.loc["IRQ1", "is_match_rule"] == "islamic-state"
    assert by_id.loc["IRQ4", "is_match_rule"] == "islamic-state"  # via actor2
    assert by_id.loc["IRQ5", "is_match_rule"] == ""
    assert not reference["synthetic"].any()
    # sorted by date, then dataset and line
    assert reference["date"].is_monotonic_increasing


def test_explicit_format_must_match_header(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("date,latitude,longitude\n2021-01-01,33.1,44.1\n", encoding="utf-8")
    from geo.errors import InputError

    with pytest.raises(
        InputError, match=r"plain\.csv: line 1: missing ACLED column\(s\) event_id_cnty, event_date"
    ):
        load_incidents(path, format="acled")
