"""Constants every stage shares: CRSs, the Iraq bounding box, distance bands, period units.

Each is defined here once and imported; nothing else in the package spells
them out again.

Distance bands
--------------
Distances to the KRG line (``dist_krg_line_km``) are unsigned, like every
other ``dist_*`` column; the side of the line is ``in_krg_area``. With band
edges ``e1 < e2 < …`` (default :data:`DISTANCE_BANDS_KM`, 10, 25 and 50 km) an
unsigned distance ``d`` falls in

* band 0 when ``0 <= d <= e1`` (an event exactly on the line is in the first
  band, on the side ``in_krg_area`` gives it),
* band ``k`` when ``e_k < d <= e_(k+1)`` (closed at the top, so "within 10 km"
  includes 10 km),
* the last band (``> e_last``) beyond the last edge.

:func:`band_index` is that rule; the seam statistics, the seam chart and the
distance-band colouring all use it.

Periods
-------
:data:`PERIODS` are the units of ``geo stats --period``; weeks start on
Monday (ISO 8601) everywhere: statistics, time slider and labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # NumPy and pandas are imported by the functions that use them, so
    import numpy as np  # that the ``geo`` command starts without them (see geo.prefetch)

#: Longitude/latitude (WGS 84): every layer and table is stored and displayed in it.
GEOGRAPHIC_CRS = "EPSG:4326"
#: UTM zone 38N: every distance, length and area is computed in it.
METRIC_CRS = "EPSG:32638"

#: Iraq's bounding box with a small margin: (west, south, east, north) in degrees.
IRAQ_BBOX: tuple[float, float, float, float] = (38.7, 29.0, 48.8, 37.5)

#: Default distance band edges to the KRG line, in km (bands 0–10, 10–25, 25–50, > 50).
DISTANCE_BANDS_KM: tuple[float, ...] = (10.0, 25.0, 50.0)

Period = Literal["week", "month", "quarter", "year", "all"]
#: Period units of statistics tables, finest first (``all`` is one period).
PERIODS: tuple[Period, ...] = ("week", "month", "quarter", "year", "all")
#: pandas period frequency of each unit (weeks end on Sunday, i.e. start on Monday).
PERIOD_FREQ: dict[str, str] = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}

#: The areas events are counted by: admin levels, then the zones by their keys.
AreaUnit = Literal[
    "governorate",
    "district",
    "subdistrict",
    "unami-2009",
    "article-140-wide",
    "krg-area",
    "hamrin-area",
]


def iraq_bounds_swne() -> tuple[float, float, float, float]:
    """Return :data:`IRAQ_BBOX` in Leaflet's order ``(south, west, north, east)``."""
    west, south, east, north = IRAQ_BBOX
    return (south, west, north, east)


def band_edges(bands_km: Any = DISTANCE_BANDS_KM) -> np.ndarray:
    """Return the sorted band edges (km) as floats."""
    import numpy as np

    return np.asarray(sorted(float(b) for b in bands_km), dtype=float)


def band_index(dist_km: Any, bands_km: Any = DISTANCE_BANDS_KM) -> np.ndarray:
    """Return each unsigned distance's band (see the module docstring); -1 where unknown.

    Parameters
    ----------
    dist_km
        Unsigned distances in km; NaN (or anything not numeric) is unknown.
    bands_km
        Band edges in km.

    Returns
    -------
    numpy.ndarray
        ``0`` … ``len(bands_km)`` per distance, ``-1`` for unknown distances.
    """
    import numpy as np
    import pandas as pd

    dist = np.asarray(pd.to_numeric(pd.Series(dist_km, dtype=object), errors="coerce"), float)
    dist = np.abs(dist)  # tolerate signed input (older joined tables); the side is separate
    codes = np.searchsorted(band_edges(bands_km), dist, side="left")
    return np.where(np.isnan(dist), -1, codes).astype(np.int64)


def week_start_days(days: np.ndarray) -> np.ndarray:
    """Return the Monday starting each day's ISO week (days since 1970-01-01 in and out)."""
    import numpy as np

    days = np.asarray(days, dtype=np.int64)
    return days - (days + 3) % 7  # 1970-01-01 was a Thursday


def month_start_days(days: np.ndarray) -> np.ndarray:
    """Return the first day of each day's month (days since 1970-01-01 in and out)."""
    import numpy as np

    epoch = np.datetime64("1970-01-01", "D")
    months = (epoch + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")).astype(
        "datetime64[M]"
    )
    return (months.astype("datetime64[D]") - epoch).astype(np.int64)
