"""Read a CSV file into string columns, keeping every row's physical line number.

Every column is read as text by Arrow's multithreaded CSV reader (values are
parsed later, so nothing is coerced behind the user's back). Line numbers are
exact even with quoted newlines and blank lines: a newline ends a record when
an even number of quote characters precede it.

Most files have one record per line. For them Arrow parses without looking
for newlines inside quotes (much faster: blocks are split at any newline), and
the result is trusted only when the rows parsed plus the header equal the
file's lines, with no ragged row; line numbers are then simply 1, 2, 3 ….
That parse converts only the columns the caller will read (the rest of the
file is still checked to be UTF-8, as converting it would have).
Otherwise (a quoted newline, a blank line, a ragged row) the file is parsed
again quote-aware and the lines are counted exactly. A quoted newline or blank
line within the first MiB skips the fast attempt, so such files (UCDP GED
exports, for one) are usually parsed only once.

An HXL hashtag row under the header (as in HDX exports of UCDP GED) is
recognised and skipped. A row with too many or too few fields becomes a
rejection, not a crash.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo import arrowcsv
from geo.errors import InputError, LimitError
from geo.incidents.encoding import Content, lead_byte


@dataclass(frozen=True, eq=False)
class RawTable:
    """A CSV file's data rows as strings, with their line numbers.

    ``names`` are the header's column names; ``frame`` holds at least the
    columns asked for.
    """

    names: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    bad_rows: tuple[tuple[int, str, str], ...]  # (line, text, reason)
    hxl: bool


def record_lines(data: Content) -> np.ndarray:
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


def count_newlines(data: Content, *, step: int = 1 << 18) -> int:
    """Return the number of newline bytes in ``data`` (vectorised, in cache-sized steps)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    return sum(int(np.count_nonzero(buf[i : i + step] == 10)) for i in range(0, buf.size, step))


def _one_record_per_line(data: Content, *, head: int = 1 << 20) -> bool:
    """Return True when the first ``head`` bytes hold one record per line (a cheap guess)."""
    first = bytes(data[:head])
    first = first[: first.rfind(b"\n") + 1]
    try:
        return record_lines(first).size == first.count(b"\n")
    except ValueError:  # a quote still open at the cut
        return False


def _slow_lines(text: str) -> np.ndarray:
    """Return record start lines with Python's csv module (for unusual quoting)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    lines, previous = [], 0
    for row in reader:
        if row:
            lines.append(previous + 1)
        previous = reader.line_num
    return np.asarray(lines, dtype=np.int64)


def header_names(data: Content, path: Path) -> list[str]:
    """Return the column names of the first record, stripped."""
    names = arrowcsv.first_names(data)
    if not any(names):
        raise InputError(
            f"{path}: line 1: no header row", hint="the first line must name the columns"
        )
    return names


def read_strings(
    data: Content,
    path: Path,
    *,
    max_rows: int,
    columns: Callable[[list[str]], Collection[str] | None] | None = None,
    ahead: list[pa.Table] | None = None,
) -> RawTable:
    """Parse UTF-8 CSV bytes into string columns.

    Parameters
    ----------
    data
        The file content, UTF-8 without BOM.
    path
        The file, named in messages.
    max_rows
        The most data rows allowed; counted before parsing.
    columns
        Called with the header's names once they are checked; returns the
        columns the caller will read (None: all). It may raise, e.g. when a
        required column is missing.
    ahead
        :mod:`geo.prefetch`'s fast parse of ``data``, popped when looked at.

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
    if not lead_byte(data):
        raise InputError(
            f"{path}: the file is empty",
            hint="export the incidents again; a CSV needs at least a header row",
        )
    ends_clean = data[-1:] == b"\n"
    records = count_newlines(data) + (not ends_clean)  # an upper bound on records
    lines = None
    if records - 1 > max_rows or not ends_clean:
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
    wanted = None if columns is None else columns(names)
    include = None if wanted is None else [n for n in names if n in wanted]
    table, invalid = _parse(
        data, path, names, line_count=records, include=include, ahead=ahead or []
    )
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
        data_lines = np.setdiff1d(_slow_lines(str(data, "utf-8"))[1:], [b[0] for b in bad_rows])
        if data_lines.size != table.num_rows:
            raise InputError(
                f"{path}: rows and lines disagree ({table.num_rows} rows, "
                f"{data_lines.size} records); the quoting is unusual",
                hint="save the file again as CSV UTF-8 from a spreadsheet",
            )
    frame = table.to_pandas()
    hxl = False
    if len(frame) and _is_hxl(
        frame.iloc[0] if table.num_columns == len(names) else _second_line(data, names)
    ):
        frame = frame.iloc[1:].reset_index(drop=True)
        data_lines = data_lines[1:]
        hxl = True
    return RawTable(names=names, frame=frame, lines=data_lines, bad_rows=tuple(bad_rows), hxl=hxl)


def _exact_lines(data: Content, path: Path) -> np.ndarray:
    try:
        return record_lines(data)
    except ValueError as exc:
        raise InputError(
            f"{path}: {exc} (the file looks truncated)",
            hint="export or download it again",
        ) from exc


def _parse(
    data: Content,
    path: Path,
    names: list[str],
    *,
    line_count: int,
    include: list[str] | None,
    ahead: list[pa.Table],
) -> tuple[pa.Table, list[tuple[int | None, str, str]]]:
    """Parse all records as strings; collect ragged rows instead of failing.

    A parse that ignores quoted newlines (and converts only the columns in
    ``include``) is kept only when it gives one record per line
    (``line_count`` lines, header included) and no ragged row. ``ahead`` holds
    that parse of ``data`` when the prefetch made it already (used when it
    converted at least the columns wanted here).
    """
    invalid: list[tuple[int | None, str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        reason = f"ragged row: expected {row.expected_columns} fields, got {row.actual_columns}"
        invalid.append((row.number, row.text, reason))
        return "skip"

    def parse(threads: bool) -> pa.Table:
        """Parse quote-aware (newlines inside quotes), with blocks that fit long records."""
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                use_threads=threads,
                skip_rows=1,
                column_names=names,
                block_size=max(arrowcsv.block_size(len(data)), 1 << 24),
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

    if _one_record_per_line(data):
        try:  # any Arrow error other than bad UTF-8 is retried quote-aware below
            # no row handler: a ragged row fails here and is parsed below
            wanted = names if include is None else include
            parsed = ahead.pop() if ahead else None  # the prefetch's parse (the same call)
            if parsed is None or not set(wanted) <= set(parsed.column_names):
                parsed = arrowcsv.parse_lines(data, names, include=include)
            converted = parsed.num_columns
            table = parsed.select(wanted)
            del parsed  # columns nobody reads are freed with it
            if not invalid and table.num_rows + 1 == line_count:
                if converted < len(names):
                    _check_utf8(data)  # the columns left out were not converted
                return table, invalid
        except pa.ArrowInvalid as exc:
            if "utf8" in str(exc).lower():
                raise UnicodeError(str(exc)) from exc
        invalid.clear()  # a quoted newline, blank line or ragged row: parse quote-aware
    ahead.clear()
    # The row handler cannot see a ragged row that is not UTF-8 (Arrow fails decoding it),
    # so prove the text is UTF-8 first; the caller re-decodes it when it is not.
    _check_utf8(data)
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


def _check_utf8(data: Content) -> None:
    """Raise UnicodeError unless ``data`` is valid UTF-8 (checked by Arrow, without a copy)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid as exc:
        raise UnicodeError(f"not UTF-8: {exc}") from exc


def _second_line(data: Content, names: list[str]) -> pd.Series:
    """Return the second line parsed as a record of every column (one record per line)."""
    head = bytes(data[: 1 << 16])
    while head.count(b"\n") < 2 and len(head) < len(data):
        head = bytes(data[: 2 * len(head)])
    table = pacsv.read_csv(
        pa.BufferReader(head.split(b"\n", 2)[1]),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.to_pandas().iloc[0]


def _is_hxl(row: pd.Series) -> bool:
    """Return True for an HXL hashtag row: every non-empty cell starts with ``#``."""
    cells = [str(v).strip() for v in row if str(v).strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)
