"""Columnar encoding of events for the page: packed integer columns and dictionary-encoded text.

Coordinates become integers of 1e-5 degree, dates day offsets, categorical
fields indices into per-group value lists, and every integer column a
little-endian typed array in base64 (the narrowest that holds it), which
``static/events.js`` decodes.
"""

from __future__ import annotations

import base64
from typing import Any, Literal

import numpy as np
import pandas as pd

from geo import grid
from geo.grid import COORD_SCALE, Unit, epoch_days, scaled
from geo.render import safe
from geo.render.display import cached

Mode = Literal["full", "compact", "aggregate"]

_DTYPES = {"u1": "<u1", "u2": "<u2", "u4": "<u4", "i4": "<i4"}

#: Dictionary-encoded column groups: each event stores one index per group.
GROUPS: dict[str, tuple[str, ...]] = {
    "kind": ("event_type", "sub_event_type"),
    "actors": ("actor1", "actor2"),
    "place": ("location", "adm3_name", "adm2_name", "adm1_name"),
    "prec": ("date_precision", "geo_precision", "geo_precision_code"),
    "src": ("dataset", "source", "status"),
    "fat": ("fatalities", "fatalities_low", "fatalities_high"),
    "url": ("source_url",),
    "head": ("headline",),
}


#: The popup's "Status" line for a provisional event (see :func:`status_column`).
PROVISIONAL_STATUS = "PROVISIONAL: a UCDP Candidate event, not yet vetted for GED"


def status_column(frame: pd.DataFrame) -> pd.Series:
    """Return each event's status text for popups: provisional events say so, others are empty."""
    flag = frame["provisional"] if "provisional" in frame else pd.Series(False, index=frame.index)
    flag = flag.fillna(False).astype(bool)
    return pd.Series(np.where(flag, PROVISIONAL_STATUS, ""), index=frame.index)


def strings(column: Any, n: int) -> pd.Series:
    """Return a column as text, missing values as ``""``."""
    if column is None:
        return pd.Series([""] * n, dtype=object)
    series = pd.Series(column).reset_index(drop=True).astype(object)
    return series.where(series.notna(), "").astype(str)


def _codes(column: Any, n: int, *, numeric: bool) -> tuple[np.ndarray, list[Any]]:
    """Dictionary-encode one column: codes in order of first appearance and the values.

    Text is kept as text (missing as ``""``); numbers as rounded ints (missing as ``None``).
    """
    if column is None:
        return np.zeros(n, dtype=np.int64), [None if numeric else ""]
    if numeric:
        series = pd.Series(column).reset_index(drop=True)
        ints = pd.Series(pd.to_numeric(series, errors="coerce").round().astype("Int64"))
        codes, uniques = pd.factorize(ints, use_na_sentinel=False)
        return codes.astype(np.int64), [None if v is pd.NA else int(v) for v in uniques]
    codes, uniques = pd.factorize(strings(column, n))
    return codes.astype(np.int64), [str(v) for v in uniques]


def _group_codes(
    columns: list[tuple[np.ndarray, list[Any]]],
) -> tuple[np.ndarray, list[list[Any]]]:
    """Dictionary-encode tuples of encoded columns: one code per distinct tuple, by appearance."""
    codes = columns[0][0]
    for more, values in columns[1:]:
        codes = pd.factorize(codes * len(values) + more)[0].astype(np.int64)
    if not len(codes):
        return codes, []
    _, first = np.unique(codes, return_index=True)
    rows = [[values[c[i]] for c, values in columns] for i in first]
    return codes, rows


def pack(values: np.ndarray, *, signed: bool = False) -> dict[str, str]:
    """Pack integers as the narrowest little-endian typed array, in base64."""
    values = np.asarray(values, dtype=np.int64)
    if signed:
        kind = "i4"
    else:
        top = int(values.max()) if len(values) else 0
        kind = "u1" if top < 2**8 else "u2" if top < 2**16 else "u4"
    return {"t": kind, "b64": base64.b64encode(values.astype(_DTYPES[kind]).tobytes()).decode()}


def unpack(column: dict[str, str]) -> np.ndarray:
    """Decode one packed column (the inverse of :func:`pack`), as int64."""
    data = base64.b64decode(column["b64"])
    return np.frombuffer(data, dtype=_DTYPES[column["t"]]).astype(np.int64)


def sort_events(events: pd.DataFrame) -> pd.DataFrame:
    """Return events with coordinates in a deterministic order (date, dataset, line, id)."""
    keys = [c for c in ("date", "dataset", "source_row", "event_id") if c in events.columns]
    return events.sort_values(keys, kind="stable").reset_index(drop=True) if keys else events


def encode_events(
    events: pd.DataFrame,
    *,
    mode: Mode,
    classes: np.ndarray,
    unit: Unit = "none",
    roles: np.ndarray | None = None,
    n_roles: int = 0,
) -> dict[str, Any]:
    """Encode events as the compact columnar blob that ``events.js`` draws.

    Parameters
    ----------
    events
        Events with coordinates, already in the order to draw (see :func:`sort_events`).
    mode
        ``"full"`` also embeds ``event_id`` and ``notes``; ``"compact"`` leaves them out.
    classes
        Each event's colour class (see :func:`geo.render.classes.classify`).
    unit
        Time-slider periods to describe (``"week"``, ``"month"``) or ``"none"``.
    roles, n_roles
        Each event's role index (see :mod:`geo.render.roles`) and how many roles
        there are; the periods then also count each role (``roleCounts``).

    Returns
    -------
    dict
        ``n``; ``scale`` (coordinate divisor); ``day0`` (days since 1970 of day
        offset 0); ``cols`` (packed integer columns ``x``, ``y``, ``day``,
        ``span``, ``cls``, ``row`` and one per dictionary group); ``dicts``
        (the group values, JSON lists); ``text`` (full mode: ``id``, ``notes``);
        ``periods`` (or ``None``).
    """
    n = len(events)
    lon, lat = scaled(events["longitude"]), scaled(events["latitude"])
    days = epoch_days(events["date"]) if n else np.zeros(0, dtype=np.int64)
    day0 = int(days.min()) if n else 0
    if "date_end" in events.columns and n:
        end = pd.to_datetime(pd.Series(events["date_end"]))
        end_days = np.where(end.isna(), days, epoch_days(end.fillna(pd.Timestamp(0))))
        span = np.clip(end_days - days, 0, None)
    else:
        span = np.zeros(n, dtype=np.int64)
    rows = pd.to_numeric(
        pd.Series(events.get("source_row", 0), index=events.index), errors="coerce"
    )
    role = np.zeros(n, dtype=np.int64) if roles is None else np.asarray(roles, dtype=np.int64)
    cols: dict[str, dict[str, str]] = {
        "role": pack(role),
        "x": pack(lon, signed=True),
        "y": pack(lat, signed=True),
        "day": pack(days - day0),
        "span": pack(span),
        "cls": pack(classes),
        "row": pack(rows.fillna(0).to_numpy(dtype=np.int64)),
    }
    group_cols, dicts = cached("groups", events, lambda: _groups(events))
    cols.update(group_cols)
    text = {}
    if mode == "full":
        text = cached("text", events, lambda: _text(events))
    periods = _periods(grid.period_counts(days, unit)) if unit != "none" and n else None
    if periods is not None and roles is not None:  # one series per role
        _, _, index = grid.period_starts(days, unit)
        per = np.zeros((len(periods["starts"]), max(n_roles, 1)), dtype=np.int64)
        np.add.at(per, (index, role), 1)
        periods["roleCounts"] = per.tolist()
    return {
        "n": n,
        "scale": COORD_SCALE,
        "day0": day0,
        "cols": cols,
        "dicts": dict(dicts),
        "text": dict(text),
        "periods": periods,
    }


def _groups(events: pd.DataFrame) -> tuple[dict[str, dict[str, str]], dict[str, list[list[Any]]]]:
    """Return the packed code column and the value list of each dictionary group."""
    n = len(events)
    cols: dict[str, dict[str, str]] = {}
    dicts: dict[str, list[list[Any]]] = {}
    for group, fields in GROUPS.items():
        numeric = group == "fat"
        encoded = [_codes(events.get(f), n, numeric=numeric) for f in fields]
        if group == "url":  # only http(s) links reach the page
            codes, values = encoded[0]
            encoded = [(codes, [v if safe.is_http_url(v) else "" for v in values])]
        codes, dicts[group] = _group_codes(encoded)
        cols[group] = pack(codes)
    return cols, dicts


def _text(events: pd.DataFrame) -> dict[str, list[str]]:
    """Return the free-text columns of full mode: event ids and notes."""
    n = len(events)
    return {
        "id": strings(events.get("event_id"), n).tolist(),
        "notes": strings(events.get("notes"), n).tolist(),
    }


def _periods(counts: grid.PeriodCounts) -> dict[str, Any]:
    """Describe the periods present: start days, labels, counts (and per-cell counts)."""
    out: dict[str, Any] = {
        "unit": counts.unit,
        "starts": [int(s) for s in counts.starts],
        "labels": counts.labels,
        "counts": counts.counts.astype(int).tolist(),
    }
    if counts.cell is not None:  # sparse per-period cell counts for the aggregate grid
        out["cell"] = counts.cell.astype(int).tolist()
        out["cellCount"] = np.asarray(counts.cell_count).astype(int).tolist()
        out["offsets"] = np.asarray(counts.offsets).astype(int).tolist()
    return out


def encode_grid(events: pd.DataFrame, *, unit: Unit = "none") -> dict[str, Any]:
    """Encode the grid counts of events (raw points are not kept), see :mod:`geo.grid`.

    Returns
    -------
    dict
        ``deg`` (cell size), ``i``/``j`` (cell column and row: the cell's
        south-west corner is ``(j * deg, i * deg)`` as lat, lon), ``count``,
        ``fatalities`` (sum of known best estimates), ``cls`` (count class),
        ``n`` and ``periods`` (with sparse per-period cell counts, or ``None``).
    """
    n = len(events)
    counts = grid.grid_counts(events["longitude"], events["latitude"], events.get("fatalities"))
    days = epoch_days(events["date"]) if n else np.zeros(0, dtype=np.int64)
    per = grid.period_counts(days, unit, cells=counts.cell) if unit != "none" and n else None
    return {
        "n": n,
        "deg": counts.deg,
        "i": counts.i.astype(int).tolist(),
        "j": counts.j.astype(int).tolist(),
        "count": counts.count.astype(int).tolist(),
        "fatalities": counts.fatalities.astype(int).tolist(),
        "cls": grid.grid_class(counts.count).tolist(),
        "periods": _periods(per) if per is not None else None,
    }
