"""Assemble one file's mapped columns into canonical event rows, with common checks.

Each reader maps its source's columns onto the canonical names (see
:data:`geo.types.EVENT_COLUMNS`) and parses what is specific to it (dates,
precision codes). :func:`assemble` then applies the checks every source
shares: coordinates (missing, non-numeric, comma decimals, DMS, NaN, inf,
out of range), likely swapped latitude/longitude, points outside Iraq (kept
and flagged ``outside_iraq``), fatality counts, ``date_end`` before ``date``,
``source_url`` (http/https only; anything else is emptied and flagged
``source_url_removed``) and synthetic rows (``event_id`` starting ``SYN-`` or
``source`` starting ``SYNTHETIC``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.incidents.validate import (
    Problems,
    constant,
    from_codes,
    is_blank,
    outside_iraq,
    parse_coordinate,
    parse_count,
    stripped,
    text,
)

#: Canonical text columns a reader may fill (missing ones become ``""``).
TEXT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "location",
    "src_admin1",
    "src_admin2",
    "src_admin3",
    "source",
    "source_url",
    "notes",
    "role",
)

#: Flags a row can carry, in the order they are joined.
FLAGS: tuple[str, ...] = ("outside_iraq", "swapped_latlon_fixed", "source_url_removed")

SYNTHETIC_ID_PREFIX = "SYN-"
SYNTHETIC_SOURCE_PREFIX = "SYNTHETIC"


@dataclass(frozen=True, eq=False)
class Mapped:
    """One file's rows mapped to canonical fields, before the shared checks.

    Attributes
    ----------
    texts
        Canonical text columns (:data:`TEXT_COLUMNS`), raw strings.
    latitude, longitude
        Raw coordinate columns (strings, or floats from vector files).
    counts
        Raw ``fatalities``, ``fatalities_low`` and ``fatalities_high`` columns
        (absent keys are left empty).
    date, date_end
        Parsed ``datetime64[s]`` values (NaT where the reader found a problem).
    date_precision, geo_precision, geo_precision_code, precision_level
        Per-row values as the reader mapped them (``None`` on a problem).
    """

    texts: Mapping[str, pd.Series]
    latitude: pd.Series
    longitude: pd.Series
    counts: Mapping[str, pd.Series]
    date: np.ndarray
    date_end: np.ndarray
    date_precision: pd.Series | np.ndarray
    geo_precision: pd.Series | np.ndarray
    geo_precision_code: pd.Series | np.ndarray
    precision_level: pd.Series | np.ndarray


def join_flags(masks: Mapping[str, np.ndarray], n: int) -> pd.Series:
    """Return the ``;``-joined names of the true masks for each of ``n`` rows."""
    names = list(masks)
    code = np.zeros(n, dtype=np.int64)
    for bit, name in enumerate(names):
        code |= np.asarray(masks[name], dtype=np.int64) << bit
    present = np.flatnonzero(np.bincount(code, minlength=1))
    position = np.zeros(1 << len(names), dtype=np.int64)
    position[present] = np.arange(present.size)
    labels = [";".join(nm for bit, nm in enumerate(names) if c >> bit & 1) for c in present]
    return from_codes(position[code], labels)


def _swap_check(
    lat: np.ndarray, lon: np.ndarray, problems: Problems, *, fix_swapped: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reject (or fix) points that land in Iraq only when latitude and longitude swap."""
    swapped = outside_iraq(lat, lon) & ~outside_iraq(lon, lat)
    rows = np.flatnonzero(swapped)
    if fix_swapped:
        lat, lon = lat.copy(), lon.copy()
        lat[rows], lon[rows] = lon[rows], lat[rows]
        return lat, lon, swapped
    problems.add(
        rows,
        "latitude;longitude",
        [f"{a};{b}" for a, b in zip(lat[rows], lon[rows], strict=True)],
        "swapped lat/lon?",
        [
            f"latitude {a} / longitude {b} is outside Iraq but inside when swapped; fix "
            "the columns, or load with fix_swapped=True (--fix-swapped)"
            for a, b in zip(lat[rows], lon[rows], strict=True)
        ],
    )
    return lat, lon, np.zeros(lat.size, dtype=bool)


def _coordinates(
    mapped: Mapped, problems: Problems, *, fix_swapped: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse latitude and longitude (rows with both empty are reported once).

    Returns latitude, longitude and which rows had them swapped back.
    """
    unplaced = is_blank(mapped.latitude) & is_blank(mapped.longitude)
    problems.add(
        np.flatnonzero(unplaced),
        "latitude;longitude",
        "",
        "missing coordinates",
        "latitude and longitude are empty; the event cannot be placed",
    )
    lat = parse_coordinate(mapped.latitude, "latitude", 90.0, problems, skip=unplaced)
    lon = parse_coordinate(mapped.longitude, "longitude", 180.0, problems, skip=unplaced)
    return _swap_check(lat, lon, problems, fix_swapped=fix_swapped)


def _check_date_order(mapped: Mapped, problems: Problems) -> None:
    """Report rows whose end date comes before their start date."""
    with np.errstate(invalid="ignore"):
        backwards = np.flatnonzero(mapped.date_end < mapped.date)
    problems.add(
        backwards,
        "date_end",
        mapped.date_end[backwards].astype("datetime64[D]").astype(str),
        "bad date",
        "date_end is before the start date; swap or correct them",
    )


def _http_urls(source_url: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Return the source URLs with anything but http(s) emptied, and which rows were emptied."""
    url = stripped(source_url)
    unsafe = (url != "").to_numpy().copy()
    if unsafe.any():
        unsafe &= ~url.str.match(r"(?i)https?://\S+$").to_numpy()
        url = url.where(~unsafe, "")
    return url, unsafe


def assemble(
    mapped: Mapped,
    *,
    lines: np.ndarray,
    dataset: str,
    problems: Problems,
    fix_swapped: bool,
) -> pd.DataFrame:
    """Build the canonical frame (no geometry) for every row of one file.

    Parameters
    ----------
    mapped
        The reader's mapped columns.
    lines
        1-based line (or feature) number of each row.
    dataset
        The ``dataset`` label, e.g. ``"acled_iraq.csv (acled)"``.
    problems
        Collector receiving the shared checks' problems (row indices are
        positions in this file).
    fix_swapped
        Swap latitude and longitude back where that puts a point in Iraq.

    Returns
    -------
    pandas.DataFrame
        One row per input row, canonical columns except ``is_match_rule`` and
        ``geometry``; rows with problems are still present.
    """
    n = len(lines)
    empty = constant("", n)
    texts = {
        name: text(mapped.texts[name]).reset_index(drop=True) if name in mapped.texts else empty
        for name in TEXT_COLUMNS
    }

    lat, lon, fixed = _coordinates(mapped, problems, fix_swapped=fix_swapped)

    counts = {
        name: parse_count(mapped.counts[name], name, problems)
        if name in mapped.counts
        else pd.Series(pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, dtype=bool)))
        for name in ("fatalities", "fatalities_low", "fatalities_high")
    }

    _check_date_order(mapped, problems)
    url, unsafe = _http_urls(texts["source_url"])

    event_id = stripped(texts["event_id"])
    missing_id = np.flatnonzero((event_id == "").to_numpy())
    problems.add(missing_id, "event_id", "", "missing event_id", "event_id is empty")
    synthetic = event_id.str.startswith(SYNTHETIC_ID_PREFIX) | texts["source"].str.startswith(
        SYNTHETIC_SOURCE_PREFIX
    )
    flags = join_flags(
        {
            "outside_iraq": outside_iraq(lat, lon),
            "swapped_latlon_fixed": fixed,
            "source_url_removed": unsafe,
        },
        n,
    )
    return pd.DataFrame(
        {
            "event_id": event_id,
            "date": mapped.date,
            "date_end": mapped.date_end,
            "date_precision": _series(mapped.date_precision),
            "event_type": texts["event_type"],
            "sub_event_type": texts["sub_event_type"],
            "actor1": texts["actor1"],
            "actor2": texts["actor2"],
            **counts,
            "location": texts["location"],
            "src_admin1": texts["src_admin1"],
            "src_admin2": texts["src_admin2"],
            "src_admin3": texts["src_admin3"],
            "latitude": lat,
            "longitude": lon,
            "geo_precision": _series(mapped.geo_precision),
            "geo_precision_code": _series(mapped.geo_precision_code),
            "precision_level": _series(mapped.precision_level),
            "source": texts["source"],
            "source_url": url,
            "notes": texts["notes"],
            "role": stripped(texts["role"]),
            "dataset": constant(dataset, n),
            "source_row": np.asarray(lines, dtype=np.int64),
            "quality_flags": flags,
            "synthetic": synthetic.to_numpy(dtype=bool),
            "provisional": np.zeros(n, dtype=bool),
        },
        copy=False,
    )


def _series(values: pd.Series | np.ndarray) -> pd.Series:
    """Return a reader's per-row values as text on a fresh 0..n-1 index."""
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(values, dtype="str")
