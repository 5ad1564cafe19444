"""The IS filter's rules, event-type and date filters, and their accounting."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import InputError
from geo.incidents import load_incidents
from geo.incidents.filters import is_rule_for


@pytest.mark.parametrize(
    ("actor", "rule"),
    [
        ("Islamic State (Iraq)", "islamic-state"),
        ("Islamic State of Iraq and the Levant", "islamic-state"),
        ("ISIS", "isis"),
        ("suspected isis cell", "isis"),
        ("ISIL", "isil"),
        ("Daesh", "daesh"),
        ("Da'esh militants", "daesh"),
        ("داعش", "daesh"),
        ("الدولة الإسلامية", "islamic-state"),
        ("IS", "ucdp-IS"),
        ("IS (claimed)", "is-abbrev"),
        ("IS-affiliated cell", "is-abbrev"),
        ("Islamic Republic of Iran", ""),
        ("This is unattributed", ""),
        ("Police Forces of Iraq", ""),
        ("ISF", ""),
        ("Crisis Group", ""),
        ("", ""),
    ],
)
def test_is_rules(actor: str, rule: str) -> None:
    assert is_rule_for(actor) == rule


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(
        "id,date,latitude,longitude,event_type,actor1,actor2\n"
        "a,2020-01-01,34.2,45.1,Battles,ISF,Islamic State (Iraq)\n"
        "b,2021-06-01,34.2,45.1,Battles,Military Forces of Iraq,Unidentified\n"
        "c,2022-12-31,34.2,45.1,Explosions/Remote violence,Daesh,\n"
        "d,2023-01-01,34.2,45.1,explosions/remote violence,IS,\n",
        encoding="utf-8",
    )
    return path


def test_filters_and_accounting(table: Path) -> None:
    result = load_incidents(
        table,
        date_from="2020-06-01",
        date_to="2022-12-31",
        event_types=["Explosions/Remote violence"],
        is_only=True,
    )
    assert list(result.events["event_id"]) == ["c"]
    assert result.events["is_match_rule"].tolist() == ["daesh"]
    assert (result.rows_read, result.rows_accepted, result.rows_filtered_out) == (4, 4, 3)
    assert result.filters == {
        "date_from": "2020-06-01",
        "date_to": "2022-12-31",
        "event_types": ["Explosions/Remote violence"],
        "is_only": True,
    }


def test_event_types_ignore_case(table: Path) -> None:
    result = load_incidents(table, event_types=["EXPLOSIONS/REMOTE VIOLENCE"])
    assert list(result.events["event_id"]) == ["c", "d"]


def test_bad_filter_date(table: Path) -> None:
    with pytest.raises(InputError, match="date_from 'soon' is not a date"):
        load_incidents(table, date_from="soon")
