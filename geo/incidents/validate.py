"""Vectorised field parsers that turn raw text columns into values and rejections.

Every parser takes a column of strings (one entry per data row), returns the
parsed values and records each row it cannot accept in a :class:`Problems`
collector, with the field, the offending value and a reason that says what to
do. Rows are never dropped here: the loader rejects every row with a problem.

Dates are parsed with an explicit list of unambiguous formats
(:data:`DATE_FORMATS`); slashed day/month dates such as ``03/08/2021`` are
rejected as ambiguous unless the caller names a ``date_format``. Coordinates
in comma-decimal (``33,5``) or degrees-minutes-seconds (``33°20'N``) form are
rejected with the fix, never guessed. Work is done once per distinct value
where values repeat (dates, codes, counts), and with Arrow kernels where they
do not (coordinates: one cast when every value is a plain finite number, the
shape checks only otherwise); messages are built only for the rows that fail.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.constants import IRAQ_BBOX

#: Largest fatality count accepted for one event.
MAX_FATALITIES = 100_000

#: (strptime format, shape regex, precision the format itself implies).
DATE_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("%Y-%m-%d", r"\d{4}-\d{1,2}-\d{1,2}", "day"),
    ("%d %B %Y", r"\d{1,2} [A-Za-z]{4,} \d{4}", "day"),
    ("%d %b %Y", r"\d{1,2} [A-Za-z]{3} \d{4}", "day"),
    ("%Y%m%d", r"\d{8}", "day"),
    ("%d-%b-%y", r"\d{1,2}-[A-Za-z]{3}-\d{2}", "day"),
    ("%d-%b-%Y", r"\d{1,2}-[A-Za-z]{3}-\d{4}", "day"),
    ("%Y-%m", r"\d{4}-\d{1,2}", "month"),
    ("%Y", r"\d{4}", "year"),
)
_DATE_SHAPES = tuple((fmt, re.compile(shape), prec) for fmt, shape, prec in DATE_FORMATS)
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_SLASHED = re.compile(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")
_NUMBER = r"(?i)^\s*[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|nan|inf|infinity)\s*$"
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")
_DMS = re.compile(r"[°º'′\"″]|\d\s*[dD]\s*\d|^\s*[NSEWnsew]\s*\d|\d\s*[NSEWnsew]\s*$")
_WHOLE = re.compile(r"\d+(\.0*)?")


@dataclass
class Problems:
    """Collector of row problems: row index, field, value, reason code and message."""

    rows: list[np.ndarray] = field(default_factory=list)
    fields: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)
    messages: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        rows: np.ndarray,
        field_name: str,
        values: Any,
        code: Any,
        messages: Any,
    ) -> None:
        """Record one problem for each of ``rows`` (scalar arguments are broadcast)."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        n = rows.size
        self.rows.append(rows)
        self.fields.append(np.full(n, field_name, dtype=object))
        self.values.append(np.broadcast_to(np.asarray(values, dtype=object), (n,)).copy())
        codes = np.broadcast_to(np.asarray(code, dtype=object), (n,)).copy()
        msgs = np.broadcast_to(np.asarray(messages, dtype=object), (n,))
        self.codes.append(codes)
        self.messages.append(
            np.array([f"{c}: {m}" for c, m in zip(codes, msgs, strict=True)], dtype=object)
        )

    def extend(self, other: Problems, *, offset: int = 0) -> None:
        """Append another collector's problems, shifting its row indices by ``offset``."""
        self.rows.extend(r + offset for r in other.rows)
        self.fields.extend(other.fields)
        self.values.extend(other.values)
        self.codes.extend(other.codes)
        self.messages.extend(other.messages)

    def frame(self) -> pd.DataFrame:
        """Return every problem as a frame with ``row, field, value, code, message``."""
        if not self.rows:
            return pd.DataFrame(
                {
                    "row": np.array([], dtype=np.int64),
                    **{k: np.array([], dtype=object) for k in ("field", "value", "code")},
                    "message": np.array([], dtype=object),
                }
            )
        return pd.DataFrame(
            {
                "row": np.concatenate(self.rows),
                "field": np.concatenate(self.fields),
                "value": np.concatenate(self.values),
                "code": np.concatenate(self.codes),
                "message": np.concatenate(self.messages),
            }
        )


def text(series: pd.Series) -> pd.Series:
    """Return a column as strings with missing values as ``""`` (not stripped: cheap)."""
    if series.dtype == "str" and not series.hasnans:
        return series
    return series.fillna("").astype(str)


def stripped(series: pd.Series) -> pd.Series:
    """Return a column as strings without surrounding whitespace."""
    return text(series).str.strip()


def from_codes(codes: np.ndarray, values: list[Any]) -> pd.Series:
    """Return ``values[codes]`` as a text Series (``None`` values become missing)."""
    return pc.take(pa.array(values, type=pa.string()), pa.array(codes)).to_pandas()


def constant(value: str, n: int) -> pd.Series:
    """Return a text Series of ``n`` copies of ``value``."""
    return pa.repeat(pa.scalar(value, pa.string()), n).to_pandas()


def per_unique(series: pd.Series, fn: Callable[[str], Any]) -> tuple[np.ndarray, list[Any]]:
    """Apply ``fn`` once per distinct value of ``series``.

    Returns
    -------
    codes : numpy.ndarray
        For each row, the index of its value in ``results``.
    results : list
        ``fn`` applied to each distinct value.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, [fn(u) for u in uniques]


def map_text(series: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """Return ``fn`` of each value (missing reads as ``""``), called once per distinct value."""
    codes, results = per_unique(text(series), fn)
    return from_codes(codes, results)


def _add_unique_problems(
    problems: Problems,
    field_name: str,
    values: pd.Series,
    codes: np.ndarray,
    u_codes: np.ndarray,
    u_messages: np.ndarray,
) -> None:
    """Record a problem for every row whose distinct value has a non-empty code."""
    bad = u_codes != ""
    if not bad.any():
        return
    rows = np.flatnonzero(bad[codes])
    problems.add(
        rows,
        field_name,
        values.iloc[rows].to_numpy(dtype=object),
        u_codes[codes[rows]],
        u_messages[codes[rows]],
    )


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}


def _strptime(value: str, fmt: str) -> date:
    """Return ``datetime.strptime(value, fmt).date()``, without strptime for the common shapes.

    ISO and ACLED dates (``2021-08-01``, ``01 August 2021``) are split and built
    directly, five times faster; the errors are those of :class:`datetime.date`.
    """
    parts = value.split("-" if fmt == "%Y-%m-%d" else " ")
    if fmt == "%Y-%m-%d":
        year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
    elif fmt == "%d %B %Y" and parts[1].lower() in _MONTHS:
        year, month, day = int(parts[2]), _MONTHS[parts[1].lower()], int(parts[0])
    else:
        return datetime.strptime(value, fmt).date()
    if not (1 <= month <= 12 and 1 <= day <= 31):  # what strptime cannot match
        raise ValueError(f"time data {value!r} does not match format {fmt!r}")
    return date(year, month, day)


def _parse_one_date(value: str, date_format: str | None) -> tuple[Any, str, str, str]:
    """Return ``(date or None, implied precision, problem code, message)``."""
    if not value:
        return None, "", "missing date", "the date is empty; every event needs a date"
    if date_format is not None:
        try:
            return datetime.strptime(value, date_format).date(), "day", "", ""
        except ValueError:
            return (
                None,
                "",
                "bad date",
                f"'{value}' does not match the date format '{date_format}'",
            )
    for fmt, shape, precision in _DATE_SHAPES:
        if shape.fullmatch(value):
            try:
                return _strptime(value, fmt), precision, "", ""
            except ValueError as exc:
                if "out of range" in str(exc) or "must be in" in str(exc):
                    return None, "", "impossible date", f"'{value}' is not a real calendar date"
                return (
                    None,
                    "",
                    "bad date",
                    f"'{value}' looks like '{fmt}' but does not parse; check the month name",
                )
    if _ISO_TIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date(), "day", "", ""
        except ValueError:
            return None, "", "impossible date", f"'{value}' is not a real calendar date"
    if _SLASHED.fullmatch(value):
        return (
            None,
            "",
            "ambiguous date",
            f"'{value}' could be day/month or month/day; re-export dates as YYYY-MM-DD "
            "or pass date_format (e.g. '%d/%m/%Y')",
        )
    return (
        None,
        "",
        "bad date",
        f"'{value}' is not a recognised date; use YYYY-MM-DD, '01 August 2021', "
        "YYYYMMDD or '31-Dec-20', or pass date_format",
    )


def parse_dates(
    series: pd.Series,
    field_name: str,
    problems: Problems,
    *,
    date_format: str | None = None,
    required: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Parse a date column.

    Parameters
    ----------
    series
        Raw date strings, one per row.
    field_name
        Column name used in problem reports.
    problems
        Collector that receives one problem per unparseable row.
    date_format
        An explicit :func:`~datetime.datetime.strptime` format that replaces
        the built-in list.
    required
        When False an empty value is accepted as a missing date (NaT).

    Returns
    -------
    dates : numpy.ndarray
        ``datetime64[s]`` values, NaT where the date failed or is empty.
    precision : pandas.Series
        The precision the format implies (``day``, ``month``, ``year``; ``""``
        where the date failed).
    """
    values = text(series)
    codes, parsed = per_unique(values, lambda v: _parse_one_date(v.strip(), date_format))
    nat = np.datetime64("NaT", "s")
    u_dates = np.array([nat if p[0] is None else np.datetime64(p[0], "s") for p in parsed])
    u_dates = u_dates.astype("datetime64[s]")
    u_precision = np.array([p[1] for p in parsed], dtype=object)
    u_codes = np.array([p[2] for p in parsed], dtype=object)
    if not required:
        u_codes[u_codes == "missing date"] = ""
    u_messages = np.array([f"{field_name}: {p[3]}" for p in parsed], dtype=object)
    _add_unique_problems(problems, field_name, values, codes, u_codes, u_messages)
    if not parsed:
        return np.array([], dtype="datetime64[s]"), constant("", 0)
    return u_dates[codes], from_codes(codes, list(u_precision))


def _describe_bad_coordinate(value: str, field_name: str) -> tuple[str, str]:
    if not value:
        return "missing coordinates", f"{field_name} is empty; the event cannot be placed"
    if _COMMA_DECIMAL.fullmatch(value):
        return (
            "comma decimal",
            f"{field_name} '{value}' uses a comma as decimal separator; write "
            f"'{value.replace(',', '.')}' or re-export with '.' as the decimal separator",
        )
    if _DMS.search(value):
        return (
            "DMS coordinates",
            f"{field_name} '{value}' is in degrees-minutes-seconds form; convert it to "
            "decimal degrees (e.g. 33°30'N → 33.5)",
        )
    return "non-numeric coordinates", f"{field_name} '{value}' is not a number"


def is_blank(series: pd.Series) -> np.ndarray:
    """Return True where a raw coordinate is empty or missing."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.isna().to_numpy()
    return (stripped(series) == "").to_numpy()


def _numbers(series: pd.Series) -> np.ndarray | None:
    """Return text cast straight to float64, or None when some value is not a number."""
    try:
        return pc.cast(pa.array(series, type=pa.large_string()), pa.float64()).to_numpy(
            zero_copy_only=False
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def parse_coordinate(
    series: pd.Series,
    field_name: str,
    limit: float,
    problems: Problems,
    *,
    skip: np.ndarray | None = None,
) -> np.ndarray:
    """Parse a latitude or longitude column into float64 degrees.

    Parameters
    ----------
    series
        Raw strings (or floats, from vector files), one per row.
    field_name
        Column name used in problem reports.
    limit
        The largest absolute value allowed (90 for latitude, 180 for longitude).
    problems
        Collector that receives one problem per unusable row.
    skip
        Rows already reported (e.g. both coordinates empty); no problem is
        recorded for them here.

    Returns
    -------
    numpy.ndarray
        Degrees as float64, NaN where the value was rejected.
    """
    if pd.api.types.is_numeric_dtype(series.dtype):
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        shape_ok = ~np.isnan(numbers)
        raw = series.astype(object).where(shape_ok, "").to_numpy(dtype=object)
    else:
        numbers, shape_ok, raw = _numbers(series), None, None
        if numbers is None or not np.isfinite(numbers).all():
            arr = pa.array(stripped(series), type=pa.large_string())
            shape = pc.match_substring_regex(arr, _NUMBER)
            shape_ok = shape.to_numpy(zero_copy_only=False)
            numbers = pc.cast(pc.if_else(shape, arr, "nan"), pa.float64()).to_numpy(
                zero_copy_only=False
            )
        else:  # every value is a plain finite number: the usual case, one cast
            shape_ok = np.ones(numbers.size, dtype=bool)
    finite = np.isfinite(numbers)
    bad_shape = np.flatnonzero(~shape_ok & (True if skip is None else ~skip))
    if bad_shape.size:
        raw_values = raw if raw is not None else stripped(series).to_numpy(dtype=object)
        described = [_describe_bad_coordinate(raw_values[i], field_name) for i in bad_shape]
        codes = np.array([d[0] for d in described], dtype=object)
        messages = np.array([d[1] for d in described], dtype=object)
        for code in np.unique(codes):
            pick = codes == code
            problems.add(
                bad_shape[pick], field_name, raw_values[bad_shape[pick]], code, messages[pick]
            )
    not_finite = np.flatnonzero(shape_ok & ~finite)
    if not_finite.size:
        values = np.asarray(series.astype(str).to_numpy(dtype=object))[not_finite]
        problems.add(
            not_finite,
            field_name,
            values,
            "not finite",
            [f"{field_name} '{v}' is not a finite number" for v in values],
        )
    out_of_range = np.flatnonzero(finite & (np.abs(numbers) > limit))
    if out_of_range.size:
        problems.add(
            out_of_range,
            field_name,
            numbers[out_of_range].astype(str),
            "out of range",
            [f"{field_name} {v} is outside [-{limit:g}, {limit:g}]" for v in numbers[out_of_range]],
        )
    numbers = numbers.copy()
    numbers[~finite | (np.abs(numbers) > limit)] = np.nan
    return numbers


def _parse_count(value: str, field_name: str) -> tuple[Any, str, str]:
    if not value:
        return pd.NA, "", ""
    if value.startswith("-") and _WHOLE.fullmatch(value[1:]):
        return pd.NA, "bad count", f"{field_name} {value} is negative"
    if not _WHOLE.fullmatch(value):
        return pd.NA, "bad count", f"{field_name} '{value}' is not a whole number"
    number = int(value.split(".")[0])
    if number > MAX_FATALITIES:
        return (
            pd.NA,
            "bad count",
            f"{field_name} {value} is implausible (more than {MAX_FATALITIES:,}); check the column",
        )
    return number, "", ""


def parse_count(series: pd.Series, field_name: str, problems: Problems) -> pd.Series:
    """Parse a fatality count column into nullable ``Int64`` (empty → ``<NA>``).

    Negative, fractional, non-numeric and implausibly large counts are problems.
    """
    values = text(series)
    codes, parsed = per_unique(values, lambda v: _parse_count(v.strip(), field_name))
    u_codes = np.array([p[1] for p in parsed], dtype=object)
    u_messages = np.array([p[2] for p in parsed], dtype=object)
    _add_unique_problems(problems, field_name, values, codes, u_codes, u_messages)
    numbers = pd.array([p[0] for p in parsed], dtype="Int64")
    return pd.Series(numbers.take(codes) if len(parsed) else numbers)


def parse_code(
    series: pd.Series,
    field_name: str,
    mapping: Mapping[str, Any],
    problems: Problems,
) -> pd.Series:
    """Map a coded column (``"1"``, ``"2"`` …) through ``mapping`` (text values).

    Returns the mapped values, missing where the code is not in ``mapping``
    (each such row is a problem naming the allowed codes).
    """
    values = text(series)
    allowed = ", ".join(mapping)

    def lookup(value: str) -> tuple[Any, str, str]:
        value = value.strip()
        key = value[:-2] if value.endswith(".0") else value
        if key in mapping:
            return mapping[key], "", ""
        return None, "bad code", f"{field_name} '{value}' is not one of {allowed}"

    codes, parsed = per_unique(values, lookup)
    u_codes = np.array([p[1] for p in parsed], dtype=object)
    u_messages = np.array([p[2] for p in parsed], dtype=object)
    _add_unique_problems(problems, field_name, values, codes, u_codes, u_messages)
    return from_codes(codes, [p[0] for p in parsed])


def outside_iraq(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return True where a point lies outside :data:`IRAQ_BBOX` (NaN counts as inside)."""
    x0, y0, x1, y1 = IRAQ_BBOX
    with np.errstate(invalid="ignore"):
        inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    return ~inside & ~np.isnan(lat) & ~np.isnan(lon)
