"""Row validation: every bad input is rejected naming file, line, field and reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import InputError, LimitError
from geo.incidents import load_incidents, write_rejections
from geo.incidents.validate import Problems, parse_coordinate

HEADER = "id,date,latitude,longitude,fatalities,actor1,source_url\n"
GOOD = "{id},2021-08-01,34.2719,45.1681,1,IS,https://example.org/a\n"


def load_rows(tmp_path: Path, *rows: str, **options):
    """Write one good row (line 2), then ``rows`` (line 3 on), and load the file."""
    path = tmp_path / "events.csv"
    path.write_text(HEADER + GOOD.format(id="ok") + "".join(rows), encoding="utf-8")
    return path, load_incidents(path, **options)


BAD_ROWS = [
    ("no-lat,2021-08-01,,45.1,1,IS,", "latitude", "missing coordinates"),
    ("none,2021-08-01,,,1,IS,", "latitude;longitude", "missing coordinates"),
    ("text,2021-08-01,north,45.1,1,IS,", "latitude", "non-numeric coordinates"),
    ('comma,2021-08-01,"34,27",45.1,1,IS,', "latitude", "comma decimal"),
    ("dms,2021-08-01,34°16'N,45.1,1,IS,", "latitude", "DMS coordinates"),
    ("nan,2021-08-01,nan,45.1,1,IS,", "latitude", "not finite"),
    ("inf,2021-08-01,34.2,inf,1,IS,", "longitude", "not finite"),
    ("huge,2021-08-01,1e400,45.1,1,IS,", "latitude", "not finite"),
    ("range,2021-08-01,95.0,45.1,1,IS,", "latitude", "out of range"),
    ("feb,31 February 2021,34.2,45.1,1,IS,", "date", "impossible date"),
    ("slash,03/08/2021,34.2,45.1,1,IS,", "date", "ambiguous date"),
    ("word,yesterday,34.2,45.1,1,IS,", "date", "bad date"),
    ("nodate,,34.2,45.1,1,IS,", "date", "missing date"),
    ("neg,2021-08-01,34.2,45.1,-3,IS,", "fatalities", "bad count"),
    ("many,2021-08-01,34.2,45.1,12345678901234567890123,IS,", "fatalities", "bad count"),
    ("txt,2021-08-01,34.2,45.1,several,IS,", "fatalities", "bad count"),
    ("swap,2021-08-01,45.1681,34.2719,1,IS,", "latitude;longitude", "swapped lat/lon?"),
    ("ok,2021-08-02,34.2,45.1,1,IS,", "event_id", "duplicate event_id"),
]


@pytest.mark.parametrize(
    ("row", "field", "reason"), BAD_ROWS, ids=[r[2] + ":" + r[0].split(",")[0] for r in BAD_ROWS]
)
def test_bad_row_is_rejected_with_file_line_field(tmp_path: Path, row, field, reason) -> None:
    path, result = load_rows(tmp_path, row + "\n")
    assert result.rows_read == 2 == result.rows_accepted + result.rows_rejected
    assert result.rows_rejected == 1
    rejected = result.rejected.iloc[0]
    assert rejected["file"] == str(path)
    assert rejected["line"] == 3
    assert rejected["field"] == field
    assert rejected["reason"].startswith(reason + ":")
    assert result.reason_counts == {reason: 1}
    assert list(result.events["event_id"]) == ["ok"]


def test_messages_say_what_to_do(tmp_path: Path) -> None:
    wanted = ("comma decimal", "DMS coordinates", "ambiguous date", "swapped lat/lon?")
    rows = [row + "\n" for row, _, reason in BAD_ROWS if reason in wanted]
    _, result = load_rows(tmp_path, *rows, "ok,2021-08-03,34.2,45.1,1,IS,\n")
    assert result.rows_rejected == 5
    reasons = " ".join(result.rejected["reason"])
    assert "write '34.27'" in reasons
    assert "convert it to decimal degrees" in reasons
    assert "date_format" in reasons
    assert "fix_swapped=True" in reasons
    assert "already seen on line 2 of events.csv" in reasons


def test_several_problems_in_one_row_are_all_reported(tmp_path: Path) -> None:
    _, result = load_rows(tmp_path, "two,31 February 2021,north,45.1,-1,IS,\n")
    assert result.rows_rejected == 1
    row = result.rejected.iloc[0]
    assert row["field"].split(";") == ["date", "latitude", "fatalities"]
    assert result.reason_counts == {
        "bad count": 1,
        "impossible date": 1,
        "non-numeric coordinates": 1,
    }


def test_swapped_is_fixed_only_on_request(tmp_path: Path) -> None:
    _, result = load_rows(tmp_path, "swap,2021-08-01,45.1681,34.2719,1,IS,\n", fix_swapped=True)
    assert result.rows_rejected == 0
    fixed = result.events.set_index("event_id").loc["swap"]
    assert (fixed["latitude"], fixed["longitude"]) == (34.2719, 45.1681)
    assert fixed["quality_flags"] == "swapped_latlon_fixed"
    assert result.flag_counts == {"any": 1, "swapped_latlon_fixed": 1}


def test_outside_iraq_is_kept_and_flagged(tmp_path: Path) -> None:
    _, result = load_rows(tmp_path, "tehran,2021-08-01,35.69,51.39,1,IS,\n")
    assert result.rows_rejected == 0
    row = result.events.set_index("event_id").loc["tehran"]
    assert row["quality_flags"] == "outside_iraq"
    assert "flagged: 1" in result.summary()


def test_unsafe_url_is_emptied_and_flagged(tmp_path: Path) -> None:
    _, result = load_rows(tmp_path, "js,2021-08-01,34.2,45.1,1,IS,javascript:alert(1)\n")
    row = result.events.set_index("event_id").loc["js"]
    assert row["source_url"] == ""
    assert row["quality_flags"] == "source_url_removed"
    assert result.events.set_index("event_id").loc["ok", "source_url"] == "https://example.org/a"


def test_explicit_date_format_reads_slashed_dates(tmp_path: Path) -> None:
    _, result = load_rows(tmp_path, "slash,03/08/2021,34.2,45.1,1,IS,\n", date_format=None)
    assert result.rows_rejected == 1
    path = tmp_path / "slashed.csv"
    path.write_text(HEADER + "a,03/08/2021,34.2,45.1,1,IS,\n", encoding="utf-8")
    result = load_incidents(path, date_format="%d/%m/%Y")
    assert result.events["date"].iloc[0] == pd.Timestamp("2021-08-03")


def test_ragged_row_is_rejected_and_lines_stay_exact(tmp_path: Path) -> None:
    _, result = load_rows(
        tmp_path,
        "short,2021-08-01,34.2\n",
        "\n",  # a blank line is not a row
        'multi,2021-08-01,34.2,45.1,1,"IS\ncell",\n',
        "last,2021-08-01,34.2,45.1,1,IS,\n",
    )
    assert result.rows_read == 4 == result.rows_accepted + result.rows_rejected
    assert result.rejected[["line", "field"]].values.tolist() == [[3, "(row)"]]
    assert "expected 7 fields, got 3" in result.rejected["reason"].iloc[0]
    lines = dict(zip(result.events["event_id"], result.events["source_row"], strict=True))
    assert lines == {"ok": 2, "multi": 5, "last": 7}


def test_plain_csv_coordinate_names_and_user_columns(tmp_path: Path) -> None:
    path = tmp_path / "xy.csv"
    path.write_text("Event_Date,Y,X,geo_precision\n2021-08,34.2,45.1,near\n", encoding="utf-8")
    result = load_incidents(path)
    row = result.events.iloc[0]
    assert (row["latitude"], row["longitude"]) == (34.2, 45.1)
    assert row["date_precision"] == "month"
    assert row["date_end"] == pd.Timestamp("2021-08-31")
    assert (row["geo_precision"], row["geo_precision_code"], row["precision_level"]) == (
        "near",
        "user:near",
        "point",
    )
    assert row["event_id"] == "xy-2"
    named = tmp_path / "named.csv"
    named.write_text("when,date,northing,easting\nx,2021-08-01,34.2,45.1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"named\.csv: line 1: no latitude column"):
        load_incidents(named)
    result = load_incidents(named, lat_col="northing", lon_col="easting")
    assert result.rows_accepted == 1


def test_write_rejections(tmp_path: Path) -> None:
    _, result = load_rows(tmp_path, "text,2021-08-01,north,45.1,1,IS,\n")
    out = write_rejections(result, tmp_path / "out" / "rejected.csv")
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == ["file", "line", "field", "value", "reason"]
    assert table.iloc[0]["line"] == "3"
    assert table.iloc[0]["value"] == "north"


# Inputs that cannot be read at all -------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: the file is empty"):
        load_incidents(path)


def test_header_only_is_zero_rows_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(HEADER, encoding="utf-8")
    result = load_incidents(path)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (0, 0, 0)
    assert "header only" in result.summary()
    assert len(result.events) == 0
    assert list(result.events.columns)[-1] == "geometry"


def test_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "nodate.csv"
    path.write_text("id,latitude,longitude\na,34.2,45.1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nodate\.csv: line 1: no date column"):
        load_incidents(path)


def test_truncated_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text(
        HEADER + GOOD.format(id="a") + 'b,2021-08-01,34.2,45.1,1,"IS cut', encoding="utf-8"
    )
    with pytest.raises(
        InputError, match=r"cut\.csv: a quoted field opened on line 3 is never closed"
    ):
        load_incidents(path)


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "events.geojson"
    path.write_text("date,latitude\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"events\.geojson: not JSON"):
        load_incidents(path)


def test_binary_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match=r"data\.csv: .*(NUL|encoding)"):
        load_incidents(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_incidents(tmp_path / "nope.csv")


def test_row_limit(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(GOOD.format(id=i) for i in range(5)), encoding="utf-8")
    with pytest.raises(LimitError, match=r"big\.csv: 5 data rows, more than the limit of 4.*split"):
        load_incidents(path, max_rows=4)
    monkeypatch.setenv("GEO_MAX_ROWS", "3")
    with pytest.raises(LimitError):
        load_incidents(path)
    assert load_incidents(path, max_rows=5).rows_read == 5


def test_duplicates_across_files_name_the_first_file(tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    second = tmp_path / "second.csv"
    first.write_text(HEADER + GOOD.format(id="x"), encoding="utf-8")
    second.write_text(HEADER + GOOD.format(id="y") + GOOD.format(id="x"), encoding="utf-8")
    result = load_incidents([first, second])
    assert result.rows_read == 3 == result.rows_accepted + result.rows_rejected
    row = result.rejected.iloc[0]
    assert (row["file"], row["line"]) == (str(second), 3)
    assert "already seen on line 2 of first.csv" in row["reason"]
    assert [d.rows_read for d in result.datasets] == [1, 2]
    assert [d.rows_rejected for d in result.datasets] == [0, 1]


NUMBER_LIKE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"[+-]?\d{0,3}(\.\d{0,5})?([eE][+-]?\d{1,3})?", fullmatch=True),
    st.sampled_from(["nan", "-Infinity", "inf", " 34.5", "34.5 ", "", "1e400", "0x1p3", "."]),
)


@given(st.lists(NUMBER_LIKE, min_size=1, max_size=12))
def test_coordinate_single_cast_agrees_with_the_checked_path(values: list[str]) -> None:
    """A column that casts cleanly takes one Arrow cast; adding a bad value forces the checks."""
    direct, checked = Problems(), Problems()
    got = parse_coordinate(pd.Series(values, dtype="str"), "latitude", 90.0, direct)
    forced = parse_coordinate(pd.Series([*values, "north"], dtype="str"), "latitude", 90.0, checked)
    np.testing.assert_array_equal(got, forced[:-1])
    found = checked.frame()
    expected = found[found["row"] < len(values)].to_numpy(dtype=object).tolist()
    assert direct.frame().to_numpy(dtype=object).tolist() == expected


def _outcome(parse, value: str, fmt: str) -> str:
    try:
        return str(parse(value, fmt))
    except ValueError as exc:
        return "impossible" if "out of range" in str(exc) else "no match"


@given(
    year=st.integers(0, 9999),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    name=st.sampled_from(["January", "february", "MARCH", "Sept", "Agust", "December"]),
)
def test_quick_dates_agree_with_strptime(year, month, day, name):
    """The split-and-build date parser gives strptime's date or its kind of failure."""
    import datetime

    from geo.incidents.validate import _strptime

    def slow(value: str, fmt: str) -> datetime.date:
        return datetime.datetime.strptime(value, fmt).date()

    for value, fmt in (
        (f"{year:04d}-{month}-{day}", "%Y-%m-%d"),
        (f"{year:04d}-{month:02d}-{day:02d}", "%Y-%m-%d"),
        (f"{day:02d} {name} {year:04d}", "%d %B %Y"),
    ):
        assert _outcome(_strptime, value, fmt) == _outcome(slow, value, fmt), value
