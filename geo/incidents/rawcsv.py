"""Read a CSV file into string columns, keeping every row's physical line number.

Every column is read as text by Arrow's multithreaded CSV reader (values are
parsed later, so nothing is coerced behind the user's back). Line numbers are
exact even with quoted newlines and blank lines: a newline ends a record when
an even number of quote characters precede it. An HXL hashtag row under the
header (as in HDX exports of UCDP GED) is recognised and skipped. A row with
too many or too few fields becomes a rejection, not a crash.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.errors import InputError, LimitError


@dataclass(frozen=True, eq=False)
class RawTable:
    """A CSV file's data rows as strings, with their line numbers."""

    frame: pd.DataFrame
    lines: np.ndarray
    bad_rows: tuple[tuple[int, str, str], ...]  # (line, text, reason)
    hxl: bool


def record_lines(data: bytes) -> np.ndarray:
    """Return the 1-based first line of every non-blank CSV record in ``data``.

    A newline ends a record when the number of ``"`` characters before it is
    even (escaped quotes come in pairs, so they never change the parity).

    Raises
    ------
    ValueError
        When a quoted field is never closed; the message gives its line.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    quotes = np.flatnonzero(buf == 34)
    closed = (np.searchsorted(quotes, newlines) & 1) == 0
    ends = newlines[closed]
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [buf.size]))
    first_line = np.concatenate(([1], np.flatnonzero(closed) + 2))
    if quotes.size % 2:
        raise ValueError(f"a quoted field opened on line {first_line[-1]} is never closed")
    length = stops - starts
    last = buf[np.clip(stops - 1, 0, None)] if buf.size else np.zeros(0, np.uint8)
    length -= (length > 0) & (last == 13)
    return first_line[length > 0]


def _slow_lines(text: str) -> np.ndarray:
    """Return record start lines with Python's csv module (for unusual quoting)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    lines, previous = [], 0
    for row in reader:
        if row:
            lines.append(previous + 1)
        previous = reader.line_num
    return np.asarray(lines, dtype=np.int64)


def header_names(data: bytes, path: Path) -> list[str]:
    """Return the column names of the first record, stripped."""
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")
    names = [n.strip() for n in next(csv.reader([first]), [])]
    if not any(names):
        raise InputError(
            f"{path}: line 1: no header row", hint="the first line must name the columns"
        )
    return names


def read_strings(data: bytes, path: Path, *, max_rows: int) -> RawTable:
    """Parse UTF-8 CSV bytes into string columns.

    Parameters
    ----------
    data
        The file content, UTF-8 without BOM.
    path
        The file, named in messages.
    max_rows
        The most data rows allowed; counted before parsing.

    Returns
    -------
    RawTable
        Data rows (HXL row removed), their line numbers and the rejected
        malformed rows.

    Raises
    ------
    InputError
        When the file is empty, has no header, is not valid UTF-8 (the caller
        then detects the encoding) or a quote is never closed.
    LimitError
        When the file has more than ``max_rows`` data rows.
    """
    if not data or data.isspace():
        raise InputError(
            f"{path}: the file is empty",
            hint="export the incidents again; a CSV needs at least a header row",
        )
    newlines = data.count(b"\n")
    records = newlines + (not data.endswith(b"\n"))  # an upper bound on records
    lines = None
    if records - 1 > max_rows or not data.endswith(b"\n"):
        # Also checks quoting when the file does not end cleanly (a truncated download).
        lines = _exact_lines(data, path)
        if lines.size - 1 > max_rows:
            raise LimitError(
                f"{path}: {lines.size - 1:,} data rows, more than the limit of {max_rows:,}",
                hint="filter the export (dates, governorates) or split the file; "
                "or raise the limit with GEO_MAX_ROWS / max_rows",
            )
    names = header_names(data, path)
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InputError(
            f"{path}: line 1: duplicate column names {', '.join(dup)}",
            hint="rename the columns so each name appears once",
        )
    table, invalid = _parse(data, path, names)
    if lines is None:
        if records == table.num_rows + len(invalid) + 1:
            lines = np.arange(1, records + 1, dtype=np.int64)  # one line per record
        else:
            lines = _exact_lines(data, path)
    data_lines = lines[1:]
    bad_rows: list[tuple[int, str, str]] = []
    if invalid:
        # ``number`` counts records from 1, the header being record 1
        numbers = np.asarray([number for number, _, _ in invalid], dtype=np.int64) - 1
        bad_rows = [
            (int(lines[r]), text, why) for r, (_, text, why) in zip(numbers, invalid, strict=True)
        ]
        data_lines = np.delete(lines, numbers)[1:]
    if data_lines.size != table.num_rows:
        data_lines = np.setdiff1d(_slow_lines(data.decode("utf-8"))[1:], [b[0] for b in bad_rows])
        if data_lines.size != table.num_rows:
            raise InputError(
                f"{path}: rows and lines disagree ({table.num_rows} rows, "
                f"{data_lines.size} records); the quoting is unusual",
                hint="save the file again as CSV UTF-8 from a spreadsheet",
            )
    frame = table.to_pandas()
    hxl = False
    if len(frame) and _is_hxl(frame.iloc[0]):
        frame = frame.iloc[1:].reset_index(drop=True)
        data_lines = data_lines[1:]
        hxl = True
    return RawTable(frame=frame, lines=data_lines, bad_rows=tuple(bad_rows), hxl=hxl)


def _exact_lines(data: bytes, path: Path) -> np.ndarray:
    try:
        return record_lines(data)
    except ValueError as exc:
        raise InputError(
            f"{path}: {exc} (the file looks truncated)",
            hint="export or download it again",
        ) from exc


def _parse(
    data: bytes, path: Path, names: list[str]
) -> tuple[pa.Table, list[tuple[int | None, str, str]]]:
    """Parse all records as strings; collect ragged rows instead of failing."""
    invalid: list[tuple[int | None, str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        reason = f"ragged row: expected {row.expected_columns} fields, got {row.actual_columns}"
        invalid.append((row.number, row.text, reason))
        return "skip"

    def parse(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                use_threads=threads, skip_rows=1, column_names=names, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        table = parse(threads=True)
        if invalid:
            invalid.clear()
            table = parse(threads=False)  # row numbers are only known single-threaded
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            raise UnicodeError(str(exc)) from exc
        if "quote" in str(exc).lower() or "truncat" in str(exc).lower():
            _exact_lines(data, path)  # raises naming the line of the open quote
        raise InputError(
            f"{path}: cannot be parsed as CSV ({exc})",
            hint="check the quoting, or save it again as CSV UTF-8",
        ) from exc
    return table, invalid


def _is_hxl(row: pd.Series) -> bool:
    """Return True for an HXL hashtag row: every non-empty cell starts with ``#``."""
    cells = [str(v).strip() for v in row if str(v).strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)
