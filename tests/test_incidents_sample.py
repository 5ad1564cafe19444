"""The shipped sample: provenance on every row, honest precision, default-input notes."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from geo.incidents import load_sample, sample_path

GAZETTEER = Path(__file__).resolve().parents[2] / "shared" / "research" / "gazetteer.csv"


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.read_csv(sample_path(), dtype=str, keep_default_na=False)


def test_sample_loads_and_says_it_is_the_sample() -> None:
    result = load_sample()
    assert result.rows_read == len(pd.read_csv(sample_path())) == 34
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    assert "shipped sample" in result.datasets[0].notes
    assert "no incident file was given" in result.datasets[0].notes
    assert set(result.reason_counts) == {"missing coordinates"}
    assert (result.events["geo_precision"] == "near").all()
    assert result.events["source_url"].str.startswith("https://").all()


def test_every_row_cites_its_source(rows: pd.DataFrame) -> None:
    assert (rows["source"] != "").all()
    linked = rows["source_url"].str.match(r"https?://")
    # the VOA seed report's address is not recorded; its row says so
    assert rows.loc[~linked, "source"].str.contains("address not recorded").all()
    assert (~linked).sum() == 1


def test_precision_is_honest(rows: pd.DataFrame) -> None:
    placed = rows["latitude"] != ""
    assert (rows.loc[placed, "geo_precision"] == "near").all()
    assert "exact" not in set(rows["geo_precision"])
    assert (rows.loc[~placed, "longitude"] == "").all()
    assert set(rows["date_precision"]) <= {"day", "month"}
    month = rows["date_precision"] == "month"
    assert rows.loc[month, "date"].str.fullmatch(r"\d{4}-\d{2}").all()


def test_coordinates_come_from_the_gazetteer(rows: pd.DataFrame) -> None:
    if not GAZETTEER.exists():
        pytest.skip(f"research gazetteer not found at {GAZETTEER}")
    with open(GAZETTEER, encoding="utf-8") as fh:
        towns = {(r["lat"], r["lon"]) for r in csv.DictReader(fh) if r["lat"]}
    placed = rows[rows["latitude"] != ""]
    assert set(zip(placed["latitude"], placed["longitude"], strict=True)) <= towns
