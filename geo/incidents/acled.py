"""Map ACLED exports (current and pre-2023 column sets) onto canonical events.

Mapping rules
-------------
- ``event_id`` ← ``event_id_cnty``; ``date`` ← ``event_date`` in any of
  ``01 August 2021``, ``2021-08-01``, ``20210801`` or the Excel re-save form
  ``31-Dec-20``; ``date_end`` = ``date``.
- ``time_precision`` 1 → day, 2 → week, 3 → month.
- ``geo_precision`` 1 → exact, 2 → near, 3 → area (``precision_level``
  governorate); exact and near → ``point``; ``geo_precision_code`` ``acled:N``.
- ``fatalities`` ← ``fatalities`` (ACLED has no low/high estimates).
- ``src_admin1..3`` ← ``admin1..3``; ``location``, ``actor1``, ``actor2``,
  ``event_type``, ``sub_event_type``, ``source``, ``notes`` keep their names.
- The pre-2023 export adds ``data_id``, ``iso3`` and ``event_id_no_cnty``;
  they are not needed. ACLED rows may not be republished: maps built from
  them show aggregates only (``DatasetInfo.acled``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import formats
from geo.incidents.canonical import Mapped
from geo.incidents.validate import Problems, map_text, parse_code, parse_dates

REQUIRED = formats.ACLED_REQUIRED
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
GEO_PRECISION = {"1": "exact", "2": "near", "3": "area"}
PRECISION_LEVEL = {"1": "point", "2": "point", "3": "governorate"}
LICENCE = "ACLED Terms of Use: raw event rows may not be republished; share aggregates only"
CITATION = (
    "Armed Conflict Location & Event Data Project (ACLED), www.acleddata.com; "
    "Raleigh, C., Linke, A., Hegre, H. and Karlsen, J. (2010) Introducing ACLED: "
    "An Armed Conflict Location and Event Dataset. Journal of Peace Research 47(5)"
)
_TEXTS = formats.ACLED_TEXTS
#: Every column :func:`to_mapped` reads.
COLUMNS = formats.ACLED_COLUMNS
#: Return True when a header is an ACLED export (current or pre-2023).
looks_like = formats.is_acled


def to_mapped(frame: pd.DataFrame, problems: Problems, *, date_format: str | None) -> Mapped:
    """Map an ACLED frame of strings onto canonical fields."""
    n = len(frame)
    date, _ = parse_dates(frame["event_date"], "event_date", problems, date_format=date_format)
    if "time_precision" in frame:
        date_precision = parse_code(
            frame["time_precision"], "time_precision", TIME_PRECISION, problems
        )
    else:
        date_precision = np.full(n, "day", dtype=object)
    raw_geo = frame["geo_precision"] if "geo_precision" in frame else pd.Series(["1"] * n)
    geo = parse_code(raw_geo, "geo_precision", GEO_PRECISION, problems)
    level = parse_code(raw_geo, "geo_precision", PRECISION_LEVEL, Problems())
    return Mapped(
        texts={name: frame[col] for name, col in _TEXTS.items() if col in frame},
        latitude=frame["latitude"],
        longitude=frame["longitude"],
        counts={"fatalities": frame["fatalities"]} if "fatalities" in frame else {},
        date=date,
        date_end=date,
        date_precision=date_precision,
        geo_precision=geo,
        geo_precision_code=map_text(raw_geo, lambda v: f"acled:{v.strip()}"),
        precision_level=level,
    )
