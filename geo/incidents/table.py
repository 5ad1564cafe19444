"""Map a plain table (CSV, or a vector file's attributes) onto canonical events.

Mapping rules
-------------
Columns are found by name, ignoring case; the first match wins.

- Coordinates: ``latitude``/``lat``/``y`` and ``longitude``/``lon``/``lng``/
  ``long``/``x``, or the columns the user names (``lat_col``, ``lon_col``).
- ``date`` ← ``date``/``event_date``/``date_start``; ``date_end`` ←
  ``date_end`` if present. A ``YYYY-MM`` date means month precision and a
  ``YYYY`` date year precision; ``date_end`` then defaults to the last day of
  that month or year, otherwise to ``date``.
- ``date_precision`` ← a ``date_precision`` column (day/week/month/year) if
  present, else what the date's form implies.
- ``geo_precision`` ← ``geo_precision``/``precision`` (exact/near/area) if
  present, else ``exact`` (``area`` for a row placed by ``area_code``
  alone); ``geo_precision_code`` ``user:<value>``;
  ``precision_level`` ← a ``precision_level`` column if present, else
  exact/near → point and area → governorate.
- ``event_id`` ← ``event_id``/``id``; without one, ``<file stem>-<line>``.
- Text: ``event_type``, ``sub_event_type``, ``actor1`` (or ``actor``/
  ``side_a``), ``actor2`` (or ``side_b``), ``location``, ``src_admin1`` ←
  ``admin1``/``governorate``/``province``, ``src_admin2`` ← ``admin2``/
  ``district``, ``src_admin3`` ← ``admin3``/``subdistrict``, ``src_area_code`` ←
  ``area_code``/``pcode`` (see below), ``source``,
  ``source_url`` (or ``url``), ``notes`` (or ``description``).
- ``fatalities`` (or ``deaths``/``killed``/``best``), ``fatalities_low``
  (or ``low``), ``fatalities_high`` (or ``high``).
- ``role`` ← ``role`` (``is_attack``, ``against_is``, ``clash`` or ``none``,
  any case; empty means "derive it from the actors", see
  :mod:`geo.incidents.roles`); any other value rejects the row.

Rows known only to an area
--------------------------
A row with empty coordinates and an ``area_code`` (an admin P-code such as
``IQG10Q06N03``, a project zone key such as ``hamrin-area``, or several joined
by ``&`` for their intersection, e.g. ``IQG10&hamrin-area``) is accepted at
``area`` precision with no point yet; :func:`geo.place.place_events` places it
at run time at that area's representative point in the loaded boundaries.
Stating ``exact`` or ``near`` for such a row is rejected.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.incidents.canonical import Mapped
from geo.incidents.roles import ROLES
from geo.incidents.validate import Problems, parse_code, parse_dates, stripped

LAT_NAMES = ("latitude", "lat", "y")
LON_NAMES = ("longitude", "lon", "lng", "long", "x")
DATE_NAMES = ("date", "event_date", "date_start")
ALIASES: dict[str, tuple[str, ...]] = {
    "event_id": ("event_id", "id"),
    "event_type": ("event_type",),
    "sub_event_type": ("sub_event_type",),
    "actor1": ("actor1", "actor", "side_a"),
    "actor2": ("actor2", "side_b"),
    "location": ("location",),
    "src_admin1": ("admin1", "governorate", "province", "src_admin1"),
    "src_admin2": ("admin2", "district", "src_admin2"),
    "src_admin3": ("admin3", "subdistrict", "sub_district", "src_admin3"),
    "src_area_code": ("area_code", "pcode", "src_area_code"),
    "source": ("source",),
    "source_url": ("source_url", "url"),
    "notes": ("notes", "description"),
    "fatalities": ("fatalities", "deaths", "killed", "best"),
    "fatalities_low": ("fatalities_low", "low"),
    "fatalities_high": ("fatalities_high", "high"),
    "role": ("role",),
}
DATE_PRECISION = {v: v for v in ("day", "week", "month", "year")}
GEO_PRECISION = {"exact": "exact", "near": "near", "area": "area", "area-centroid": "area"}
PRECISION_LEVEL = {
    "exact": "point",
    "near": "point",
    "area": "governorate",
    "area-centroid": "governorate",
}
LEVELS = {v: v for v in ("point", "subdistrict", "district", "governorate", "country")}


def find_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    """Return the first column whose name matches one of ``names`` (ignoring case)."""
    lower = {c.strip().lower(): c for c in reversed(columns)}
    return next((lower[n] for n in names if n in lower), None)


def coordinate_columns(
    columns: list[str], path: Path, *, lat_col: str | None, lon_col: str | None
) -> tuple[str, str]:
    """Return the latitude and longitude column names, detected or as given.

    Raises
    ------
    InputError
        When a named column is absent or none can be detected.
    """
    found = []
    for given, names, what, option in (
        (lat_col, LAT_NAMES, "latitude", "lat_col (--lat)"),
        (lon_col, LON_NAMES, "longitude", "lon_col (--lon)"),
    ):
        column = find_column(columns, (given.lower(),) if given else names)
        if column is None:
            looked = f"'{given}'" if given else "/".join(names)
            raise InputError(
                f"{path}: line 1: no {what} column (looked for {looked}; "
                f"columns are {', '.join(columns)})",
                hint=f"name the {what} column with {option}",
            )
        found.append(column)
    return found[0], found[1]


def _period_end(dates: np.ndarray, precision: pd.Series) -> np.ndarray:
    """Return the last day of each date's month or year where the precision says so."""
    end = dates.copy()
    month = (precision == "month").to_numpy()
    year = (precision == "year").to_numpy()
    end[month] = ((dates[month].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1).astype(
        "datetime64[s]"
    )
    end[year] = ((dates[year].astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1).astype(
        "datetime64[s]"
    )
    return end


def _roles(values: pd.Series, column: str | None, problems: Problems) -> pd.Series:
    """Return a stated ``role`` column in canonical form; reject unknown values."""
    raw = stripped(values).str.lower()
    bad = np.flatnonzero(~raw.isin(["", *ROLES]).to_numpy())
    problems.add(
        bad,
        column or "role",
        raw.iloc[bad].to_numpy(dtype=object),
        "bad role",
        [
            f"role '{v}' is not one of {', '.join(ROLES)} (leave it empty to derive the "
            "role from the actor columns)"
            for v in raw.iloc[bad]
        ],
    )
    return raw.where(raw.isin(ROLES), "")


def to_mapped(
    frame: pd.DataFrame,
    lines: np.ndarray,
    path: Path,
    problems: Problems,
    *,
    lat_col: str | None,
    lon_col: str | None,
    date_format: str | None,
) -> Mapped:
    """Map a plain table of strings onto canonical fields.

    Raises
    ------
    InputError
        When no date or coordinate column can be found.
    """
    columns = list(frame.columns)
    lat_name, lon_name = coordinate_columns(columns, path, lat_col=lat_col, lon_col=lon_col)
    date_name = find_column(columns, DATE_NAMES)
    if date_name is None:
        raise InputError(
            f"{path}: line 1: no date column (looked for {'/'.join(DATE_NAMES)}; "
            f"columns are {', '.join(columns)})",
            hint="add or rename a date column",
        )
    n = len(frame)
    date, implied = parse_dates(frame[date_name], date_name, problems, date_format=date_format)
    precision_col = find_column(columns, ("date_precision",))
    if precision_col is not None:
        given = stripped(frame[precision_col]).str.lower()
        fallback = pd.Series(implied, dtype=object).replace("", "day")
        stated = parse_code(
            given.where(given != "", fallback), precision_col, DATE_PRECISION, problems
        )
    else:
        stated = implied
    end_col = find_column(columns, ("date_end",))
    if end_col is not None:
        date_end, _ = parse_dates(
            frame[end_col], end_col, problems, date_format=date_format, required=False
        )
        date_end = np.where(np.isnat(date_end), _period_end(date, implied), date_end)
    else:
        date_end = _period_end(date, implied)

    geo_col = find_column(columns, ("geo_precision", "precision"))
    area_col = find_column(columns, ALIASES["src_area_code"])
    default = pd.Series(np.full(n, "exact", dtype=object))
    if area_col is not None:  # rows placed by their area code alone default to ``area``
        only_area = (stripped(frame[area_col]) != "") & (stripped(frame[lat_name]) == "")
        default = default.where(~only_area.to_numpy(), "area")
    raw_geo = (
        stripped(frame[geo_col]).str.lower().mask(lambda s: s == "", default)
        if geo_col is not None
        else default
    )
    geo = parse_code(raw_geo, geo_col or "geo_precision", GEO_PRECISION, problems)
    level_col = find_column(columns, ("precision_level",))
    if level_col is not None:
        raw_level = stripped(frame[level_col]).str.lower()
        raw_level = raw_level.where(raw_level != "", raw_geo.map(PRECISION_LEVEL).fillna(""))
        level = parse_code(raw_level, level_col, LEVELS, problems)
    else:
        level = parse_code(raw_geo, "geo_precision", PRECISION_LEVEL, Problems())

    texts: dict[str, pd.Series] = {}
    counts: dict[str, pd.Series] = {}
    for name, aliases in ALIASES.items():
        column = find_column(columns, aliases)
        if column is not None and column not in (lat_name, lon_name):
            (counts if name.startswith("fatalities") else texts)[name] = frame[column]
    if "role" in texts:
        texts["role"] = _roles(texts["role"], find_column(columns, ALIASES["role"]), problems)
    if "event_id" not in texts:
        texts["event_id"] = pd.Series([f"{path.stem}-{line}" for line in lines], dtype=object)
    return Mapped(
        texts=texts,
        latitude=frame[lat_name],
        longitude=frame[lon_name],
        counts=counts,
        date=date,
        date_end=date_end,
        date_precision=stated,
        geo_precision=geo,
        geo_precision_code="user:" + raw_geo,
        precision_level=level,
    )
