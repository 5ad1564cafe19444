"""Count events in regular degree grid cells and in week or month periods (pure numpy).

The aggregate event layer draws these counts; raw points need not be kept.
Coordinates are counted on integers of ``1 / COORD_SCALE`` degree, the same
rounding the page's point encoding uses, so a point and its cell agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from geo.constants import month_start_days, week_start_days

Unit = Literal["none", "week", "month"]

#: Coordinates are counted as integers of ``1 / COORD_SCALE`` degree (about 1 m).
COORD_SCALE = 100_000
#: Side of the grid cells, in degrees (about 11 km by 9 km in Iraq).
GRID_DEG = 0.1
#: Labels of the count classes (see :func:`grid_class`), lowest first.
DECADES: tuple[str, ...] = ("1–9", "10–99", "100–999", "1,000–9,999", "10,000 or more")

_EPOCH = np.datetime64("1970-01-01", "D")


def epoch_days(dates: Any) -> np.ndarray:
    """Return dates as days since 1970-01-01 (int64)."""
    values = pd.to_datetime(pd.Series(dates)).to_numpy().astype("datetime64[D]")
    return (values - _EPOCH).astype(np.int64)


def scaled(degrees: Any) -> np.ndarray:
    """Return coordinates as integers of ``1 / COORD_SCALE`` degree."""
    return np.round(np.asarray(degrees, dtype=float) * COORD_SCALE).astype(np.int64)


def period_starts(days: np.ndarray, unit: Unit) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Return the periods present in ``days``: start days, labels, each day's period index.

    Parameters
    ----------
    days
        Event dates as days since 1970-01-01.
    unit
        ``"week"`` (weeks start on Monday) or ``"month"``.

    Returns
    -------
    tuple
        Sorted start days of the periods that hold at least one event (days
        since 1970-01-01), their labels (``"2019-03"`` or ``"Week of
        2019-03-04"``), and the index of each input day's period.
    """
    days = np.asarray(days, dtype=np.int64)
    if unit == "week":
        start = week_start_days(days)
    elif unit == "month":
        start = month_start_days(days)
    else:
        raise ValueError(f"unit must be 'week' or 'month', got {unit!r}")
    starts, index = np.unique(start, return_inverse=True)
    dates = (_EPOCH + starts.astype("timedelta64[D]")).astype(str)
    labels = [d[:7] if unit == "month" else f"Week of {d}" for d in dates]
    return starts, labels, np.asarray(index).reshape(-1)


@dataclass(frozen=True, eq=False)
class PeriodCounts:
    """Events per period present, and (for a grid) per period and cell."""

    unit: Unit
    starts: np.ndarray  # start day of each period, days since 1970-01-01
    labels: list[str]
    counts: np.ndarray  # events per period
    cell: np.ndarray | None = None  # sparse: cell index of each (period, cell) pair
    cell_count: np.ndarray | None = None  # events in that pair
    offsets: np.ndarray | None = None  # period k's pairs are offsets[k]:offsets[k + 1]


def period_counts(days: np.ndarray, unit: Unit, *, cells: np.ndarray | None = None) -> PeriodCounts:
    """Count events per period, and per period and cell when ``cells`` gives each event's cell.

    Parameters
    ----------
    days
        Event dates as days since 1970-01-01.
    unit
        ``"week"`` or ``"month"``.
    cells
        Each event's cell index (see :attr:`GridCounts.cell`), or ``None``.
    """
    starts, labels, index = period_starts(days, unit)
    counts = np.bincount(index, minlength=len(starts))
    if cells is None:
        return PeriodCounts(unit, starts, labels, counts)
    pairs, pair_counts = np.unique(np.stack([index, cells]), axis=1, return_counts=True)
    offsets = np.searchsorted(pairs[0], np.arange(len(starts) + 1))
    return PeriodCounts(unit, starts, labels, counts, pairs[1], pair_counts, offsets)


@dataclass(frozen=True, eq=False)
class GridCounts:
    """Events counted in :data:`GRID_DEG`-degree cells.

    Cell ``k``'s south-west corner is ``(j[k] * deg, i[k] * deg)`` as lat, lon.
    """

    deg: float
    i: np.ndarray  # cell column (longitude)
    j: np.ndarray  # cell row (latitude)
    count: np.ndarray
    fatalities: np.ndarray  # sum of the known best estimates
    cell: np.ndarray  # each event's cell index


def grid_counts(longitude: Any, latitude: Any, fatalities: Any = None) -> GridCounts:
    """Count events (and sum their known fatalities) in :data:`GRID_DEG`-degree cells.

    Parameters
    ----------
    longitude, latitude
        Event coordinates in degrees (EPSG:4326), none missing.
    fatalities
        Best fatality estimate per event (missing counts as 0), or ``None``.
    """
    lon, lat = scaled(longitude), scaled(latitude)
    n = len(lon)
    per = round(GRID_DEG * COORD_SCALE)
    ci, cj = np.floor_divide(lon, per), np.floor_divide(lat, per)
    # One int64 key per cell, ordered as (ci, cj): np.unique on it is far faster than axis=1.
    cj0 = cj.min() if n else 0
    width = (cj.max() - cj0 + 1) if n else 1
    keys, inverse, counts = np.unique(
        ci * width + (cj - cj0), return_inverse=True, return_counts=True
    )
    inverse = np.asarray(inverse).reshape(-1)
    if fatalities is None or not n:
        fat = np.zeros(n)
    else:
        fat = np.nan_to_num(
            np.asarray(pd.to_numeric(pd.Series(fatalities), errors="coerce"), dtype=float)
        )
    fat_sum = np.bincount(inverse, weights=fat, minlength=len(keys)) if n else np.zeros(0)
    return GridCounts(
        deg=GRID_DEG,
        i=np.floor_divide(keys, width),
        j=keys % width + cj0,
        count=np.asarray(counts),
        fatalities=np.round(fat_sum).astype(np.int64),
        cell=inverse,
    )


def grid_class(counts: np.ndarray) -> np.ndarray:
    """Return the count class of each cell: the decade of its count (0–4, see :data:`DECADES`)."""
    counts = np.maximum(np.asarray(counts, dtype=float), 1)
    return np.minimum(np.floor(np.log10(counts)), len(DECADES) - 1).astype(int)
