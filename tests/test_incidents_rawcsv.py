"""CSV text: the one-record-per-line parse, its fall-backs, and exact line numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.incidents import acled, load_incidents
from geo.incidents.encoding import lead_byte, read_content
from geo.incidents.rawcsv import count_newlines, header_names
from geo.incidents.synth import generate

HEADER = "id,date,latitude,longitude,notes\n"
MIB = 1 << 20


def row(key: str, notes: str = "plain") -> str:
    return f"{key},2021-08-01,34.2719,45.1681,{notes}\n"


def head_rows(size: int = MIB + 4096) -> str:
    """Clean rows filling more than the first MiB, so the fast parse is tried."""
    one = row("h000000")
    return "".join(row(f"h{i:06d}") for i in range(size // len(one) + 1))


def record_starts(path: Path) -> dict[str, int]:
    """Map each record's first field to the line it starts on, with Python's csv module."""
    starts, previous = {}, 0
    limit = csv.field_size_limit(4 * MIB)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            for record in reader:
                if record:
                    starts[record[0]] = previous + 1
                previous = reader.line_num
    finally:
        csv.field_size_limit(limit)
    return starts


UNUSUAL = {
    "quoted newline": row("odd", '"two\nlines"'),
    "quoted CRLF": row("odd", '"two\r\nlines"'),
    "blank line": "\n" + row("odd"),
    "ragged row": "odd,2021-08-01,34.2\n",
    "row longer than a parse block": row("odd", '"' + "x" * (MIB + 10) + '"'),
}


@pytest.mark.parametrize("tail", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_unusual_rows_after_the_first_mib_keep_lines_exact(tmp_path: Path, tail: str) -> None:
    path = tmp_path / "events.csv"
    path.write_text(HEADER + head_rows() + tail + row("last"), encoding="utf-8", newline="")
    result = load_incidents(path)
    starts = record_starts(path)
    assert result.rows_read == len(starts) - 1 == result.rows_accepted + result.rows_rejected
    events = result.events
    assert (events["source_row"] == events["event_id"].map(starts)).all()
    assert events["source_row"].iloc[-1] == starts["last"]
    if tail == UNUSUAL["ragged row"]:
        assert result.rejected[["line", "field"]].values.tolist() == [[starts["odd"], "(row)"]]
    else:
        assert result.rows_rejected == 0
        assert "odd" in set(events["event_id"])


def test_quoted_newline_values_survive_the_fast_parse_guess(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(HEADER + head_rows() + row("odd", '"a\nb"'), encoding="utf-8", newline="")
    events = load_incidents(path).events.set_index("event_id")
    assert events.loc["odd", "notes"] == "a\nb"


def test_crlf_file_is_one_record_per_line(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    text = HEADER + head_rows(4096) + row("last")
    path.write_bytes(text.replace("\n", "\r\n").encode())
    result = load_incidents(path)
    assert list(result.events["source_row"]) == list(range(2, result.rows_read + 2))
    assert result.events["notes"].iloc[-1] == "plain"


@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=700))
def test_count_newlines_matches_bytes_count(data: bytes, step: int) -> None:
    assert count_newlines(data, step=step) == data.count(b"\n")


def test_header_longer_than_a_read_chunk(tmp_path: Path) -> None:
    names = [f"column_{i}" for i in range(8000)]
    data = (",".join(names) + "\n" + ",".join("x" * len(names)) + "\n").encode()
    assert len(data) > 1 << 16
    assert header_names(data, tmp_path / "wide.csv") == names


def test_read_content_maps_the_file_and_finds_the_first_byte(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert read_content(empty) == b""
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b" \r\n\t" * 50_000)
    assert lead_byte(read_content(blank)) == b""
    padded = tmp_path / "padded.geojson"
    padded.write_bytes(b"\n" * 70_000 + b'{"type": "FeatureCollection"}')
    content = read_content(padded)
    assert lead_byte(content) == b"{"
    assert bytes(content[-1:]) == b"}"


def acled_rows(n: int = 50) -> pd.DataFrame:
    return generate(n, seed=1)


def test_text_outside_the_read_columns_must_still_be_utf8(tmp_path: Path) -> None:
    """Only the columns the ACLED reader uses are converted; the rest is still checked."""
    frame = acled_rows().assign(source="synthetic test rows")  # ASCII but for one cell
    frame.loc[0, "assoc_actor_1"] = "قوات الحشد الشعبي"
    path = tmp_path / "acled.csv"
    path.write_bytes(frame.to_csv(index=False).encode("cp1256"))
    info = load_incidents(path).datasets[0]
    assert info.encoding not in ("utf-8", "utf-8-sig")
    assert info.notes.startswith("decoded from")
    assert info.rows_read == len(frame)


def test_hxl_row_tagging_only_unread_columns_is_skipped(tmp_path: Path) -> None:
    frame = acled_rows()
    used = acled.COLUMNS
    tags = pd.DataFrame([{c: ("" if c in used else f"#{c}") for c in frame.columns}])
    path = tmp_path / "acled.csv"
    pd.concat([tags, frame]).to_csv(path, index=False)
    result = load_incidents(path)
    assert result.rows_read == len(frame) == result.rows_accepted
    assert "HXL" in result.datasets[0].notes
    assert result.events["source_row"].min() == 3
