"""Map UCDP GED files (as distributed by UCDP and on HDX) onto canonical events.

Mapping rules
-------------
- ``event_id`` ← ``UCDP-`` + ``id``; ``date`` ← ``date_start``;
  ``date_end`` ← ``date_end``.
- ``date_prec`` 1 → day, 2 → week (2–6 days), 3 → month, 4 → year (or
  more), 5 → year.
- ``where_prec`` 1 → exact, 2 → near (within 25 km), 3 → area (district),
  4 → area (governorate), 5 → area (linear feature; governorate),
  6 → area (country), 7 → area (country; international waters);
  ``precision_level`` point / point / district / governorate / governorate /
  country / country; ``geo_precision_code`` ``ucdp:N``.
- ``fatalities`` ← ``best``, ``fatalities_low`` ← ``low``,
  ``fatalities_high`` ← ``high``.
- ``actor1`` ← ``side_a``, ``actor2`` ← ``side_b``; ``event_type`` from
  ``type_of_violence`` (1 state-based conflict, 2 non-state conflict,
  3 one-sided violence); ``location`` ← ``where_coordinates``;
  ``src_admin1`` ← ``adm_1``, ``src_admin2`` ← ``adm_2``; ``source`` ←
  ``source_article``; ``notes`` ← ``source_headline``.
- The HXL hashtag row under the header is skipped (it is not data) and
  quoted fields may span lines; ``source_row`` is the physical line.
"""

from __future__ import annotations

import re

import pandas as pd

from geo import formats
from geo.incidents.canonical import Mapped
from geo.incidents.validate import Problems, map_text, parse_code, parse_dates

REQUIRED = formats.UCDP_REQUIRED
DATE_PRECISION = {"1": "day", "2": "week", "3": "month", "4": "year", "5": "year"}
WHERE_PRECISION = {
    "1": "exact",
    "2": "near",
    "3": "area",
    "4": "area",
    "5": "area",
    "6": "area",
    "7": "area",
}
PRECISION_LEVEL = {
    "1": "point",
    "2": "point",
    "3": "district",
    "4": "governorate",
    "5": "governorate",
    "6": "country",
    "7": "country",
}
VIOLENCE_TYPE = {"1": "state-based conflict", "2": "non-state conflict", "3": "one-sided violence"}
LICENCE = "CC BY 4.0"
CITATION = (
    "Uppsala Conflict Data Program (UCDP) Georeferenced Event Dataset; cite "
    "Sundberg, R. and Melander, E. (2013) Introducing the UCDP Georeferenced Event "
    "Dataset, Journal of Peace Research 50(4), and Högbladh, S. (2019) UCDP GED "
    "Codebook, Uppsala University"
)
CANDIDATE_CITATION = (
    "Uppsala Conflict Data Program (UCDP) Candidate Events Dataset (provisional, "
    "not yet vetted for GED); cite Hegre, H., Croicu, M., Eck, K. and Högbladh, S. (2020) "
    "Introducing the UCDP Candidate Events Dataset, Research & Politics 7(3), and "
    + CITATION.split("; cite ", 1)[1]
)
#: UCDP Candidate files are named ``GEDEvent_v{yy}_0_{month}.csv`` (minor version 0);
#: their rows are provisional. The cache keeps that name (``…_IRQ.csv``).
CANDIDATE_FILE = re.compile(r"^GEDEvent_v\d+_0_\d+(?:_IRQ)?\.csv$", re.IGNORECASE)


def is_candidate_file(name: str) -> bool:
    """Return True for a UCDP Candidate file name (provisional events)."""
    return CANDIDATE_FILE.match(name) is not None


_TEXTS = formats.UCDP_TEXTS
#: Every column :func:`to_mapped` reads.
COLUMNS = formats.UCDP_COLUMNS
#: Return True when a header is a UCDP GED file.
looks_like = formats.is_ucdp


def to_mapped(frame: pd.DataFrame, problems: Problems, *, date_format: str | None) -> Mapped:
    """Map a UCDP GED frame of strings onto canonical fields."""
    date, _ = parse_dates(frame["date_start"], "date_start", problems, date_format=date_format)
    date_end, _ = parse_dates(frame["date_end"], "date_end", problems, date_format=date_format)
    raw_where = frame["where_prec"].fillna("").str.strip()
    texts = {name: frame[col] for name, col in _TEXTS.items() if col in frame}
    ids = frame["id"].fillna("").str.strip()
    texts["event_id"] = ("UCDP-" + ids).where(ids != "", "")
    if "type_of_violence" in frame:
        violence = parse_code(
            frame["type_of_violence"], "type_of_violence", VIOLENCE_TYPE, problems
        )
        texts["event_type"] = pd.Series(violence).fillna("")
    return Mapped(
        texts=texts,
        latitude=frame["latitude"],
        longitude=frame["longitude"],
        counts={"fatalities": frame["best"]}
        | {
            k: frame[c]
            for k, c in (("fatalities_low", "low"), ("fatalities_high", "high"))
            if c in frame
        },
        date=date,
        date_end=date_end,
        date_precision=parse_code(frame["date_prec"], "date_prec", DATE_PRECISION, problems),
        geo_precision=parse_code(raw_where, "where_prec", WHERE_PRECISION, problems),
        geo_precision_code=map_text(raw_where, lambda v: f"ucdp:{v}"),
        precision_level=parse_code(raw_where, "where_prec", PRECISION_LEVEL, Problems()),
    )
