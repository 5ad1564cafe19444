"""The real UCDP GED Iraq file: every row accounted for, mapping and IS filter."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from geo.incidents import load_incidents

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def loaded(ucdp_csv: Path):
    return load_incidents(ucdp_csv)


@pytest.fixture(scope="module")
def plain(ucdp_csv: Path) -> pd.DataFrame:
    """The file read independently with plain pandas (HXL row skipped)."""
    return pd.read_csv(ucdp_csv, skiprows=[1], dtype=str, keep_default_na=False)


def test_every_row_is_accounted_for(loaded, plain) -> None:
    assert loaded.rows_read == len(plain)
    assert loaded.rows_read == loaded.rows_accepted + loaded.rows_rejected
    assert loaded.rows_accepted == len(loaded.events) + loaded.rows_filtered_out
    info = loaded.datasets[0]
    assert (info.format, info.licence) == ("ucdp", "CC BY 4.0")
    assert "Sundberg" in info.citation and "Högbladh" in info.citation
    assert "HXL" in info.notes
    assert not info.acled


def test_source_row_is_the_physical_line(loaded, ucdp_csv: Path) -> None:
    with open(ucdp_csv, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        starts, previous = {}, 0
        for record in reader:
            starts[record[0]] = previous + 1
            previous = reader.line_num
    events = loaded.events
    expected = events["event_id"].str.removeprefix("UCDP-").map(starts)
    assert (events["source_row"] == expected).all()
    # quoted fields with newlines make lines and rows differ
    assert events["source_row"].max() > loaded.rows_read + 1


def test_dates_and_precision_are_mapped(loaded, plain) -> None:
    events = loaded.events.set_index("event_id")
    source = plain.set_index("UCDP-" + plain["id"])
    source = source.loc[events.index]
    where = {"1": "exact", "2": "near"} | dict.fromkeys("34567", "area")
    level = {"1": "point", "2": "point", "3": "district", "4": "governorate", "5": "governorate",
             "6": "country", "7": "country"}  # fmt: skip
    prec = {"1": "day", "2": "week", "3": "month", "4": "year", "5": "year"}
    assert (events["geo_precision"] == source["where_prec"].map(where)).all()
    assert (events["precision_level"] == source["where_prec"].map(level)).all()
    assert (events["date_precision"] == source["date_prec"].map(prec)).all()
    assert (events["geo_precision_code"] == "ucdp:" + source["where_prec"]).all()
    assert (events["date"] == pd.to_datetime(source["date_start"])).all()
    assert (events["date_end"] == pd.to_datetime(source["date_end"])).all()
    assert (events["fatalities"] == source["best"].astype(int)).all()
    assert (events["fatalities_low"] == source["low"].astype(int)).all()
    assert (events["fatalities_high"] == source["high"].astype(int)).all()
    assert (events["actor1"] == source["side_a"]).all()


def test_is_filter_matches_an_independent_pandas_count(ucdp_csv: Path, plain) -> None:
    independent = int(((plain["side_a"] == "IS") | (plain["side_b"] == "IS")).sum())
    # The data README says 6,190; a plain count of the file gives this number.
    assert abs(independent - 6190) <= 1
    result = load_incidents(ucdp_csv, is_only=True)
    assert len(result.events) == independent
    assert set(result.events["is_match_rule"]) == {"ucdp-IS"}
    assert result.rows_filtered_out == result.rows_accepted - independent
    assert result.filters == {"is_only": True}


def test_date_filter(ucdp_csv: Path, plain) -> None:
    result = load_incidents(ucdp_csv, date_from="2017-01-01", date_to="2017-12-31")
    start = pd.to_datetime(plain["date_start"])
    assert len(result.events) == int(((start >= "2017-01-01") & (start <= "2017-12-31")).sum())
    assert "date_from=2017-01-01" in result.summary()
