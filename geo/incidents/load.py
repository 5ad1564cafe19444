"""Load incident files into the canonical events table and a rejection report.

Each file is read by the reader its header (or ``format``) calls for, every
row is checked, duplicate ``event_id`` values are rejected across all files
(the first occurrence wins and later ones name its line), the IS rule is
matched and the filters applied. Every row read ends up either accepted or in
the rejection report; accepted rows removed by filters are counted.

Each file is read by :mod:`geo.incidents.readfile` (whose worker thread also
filters columns here, two at a time). Point geometries are built once, for
the rows kept.
"""

from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.constants import GEOGRAPHIC_CRS
from geo.errors import InputError
from geo.incidents.canonical import (
    FLAGS,
)
from geo.incidents.filters import filter_mask, is_sides
from geo.incidents.readfile import WORKER, FilePart, read_file, unique_ids
from geo.incidents.result import DatasetInfo, Format, LoadResult
from geo.incidents.roles import derive_roles
from geo.incidents.validate import Problems
from geo.types import EVENT_COLUMNS, REJECTION_COLUMNS
from geo.write import write_text

DEFAULT_MAX_ROWS = 5_000_000


def max_rows_default() -> int:
    """Return the row limit from ``GEO_MAX_ROWS`` (default 5,000,000)."""
    value = os.environ.get("GEO_MAX_ROWS", "").strip()
    try:
        return int(value) if value else DEFAULT_MAX_ROWS
    except ValueError as exc:
        raise InputError(
            f"GEO_MAX_ROWS={value!r} is not a whole number", hint="set it to e.g. 5000000"
        ) from exc


def _duplicates(frame: pd.DataFrame, problems: Problems, *, unique: bool) -> None:
    """Reject second and later rows with an ``event_id`` already seen, naming the first.

    ``unique`` says whether the ids are already known to have no repeats.
    """
    if unique:
        return
    ids = frame["event_id"]
    dup = (ids.duplicated(keep="first") & (ids != "")).to_numpy()
    rows = np.flatnonzero(dup)
    if not rows.size:
        return
    dup_ids = ids.iloc[rows]
    firsts = ids.isin(set(dup_ids)).to_numpy() & ~dup
    first_line = frame["source_row"].to_numpy()[firsts]
    first_set = frame["dataset"].to_numpy()[firsts]
    where = {i: (line, ds) for i, line, ds in zip(ids[firsts], first_line, first_set, strict=True)}
    problems.add(
        rows,
        "event_id",
        dup_ids.to_numpy(dtype=object),
        "duplicate event_id",
        [
            f"event_id '{i}' already seen on line {where[i][0]} of {where[i][1].rsplit(' (', 1)[0]}"
            for i in dup_ids
        ],
    )


def _rejections(
    parts: Sequence[FilePart], frame: pd.DataFrame, problems: Problems
) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the rejection report and the rejected-row mask over ``frame``."""
    found = problems.frame()
    rejected = np.zeros(len(frame), dtype=bool)
    if found.empty and not any(p.bad_rows for p in parts):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REJECTION_COLUMNS}), rejected
    rejected[found["row"].to_numpy()] = True
    grouped = (
        found.groupby("row", sort=True)
        .agg(
            field=("field", ";".join),
            value=("value", lambda v: ";".join(map(str, v))),
            reason=("message", "; ".join),
        )
        .reset_index()
    )
    file_of_row = np.repeat([p.info.path for p in parts], [len(p.frame) for p in parts]).astype(
        object
    )
    order_of_row = np.repeat(np.arange(len(parts)), [len(p.frame) for p in parts])
    rows = grouped["row"].to_numpy()
    table_rows = pd.DataFrame(
        {
            "file": file_of_row[rows],
            "line": frame["source_row"].to_numpy()[rows],
            "field": grouped["field"].to_numpy(),
            "value": grouped["value"].to_numpy(),
            "reason": grouped["reason"].to_numpy(),
            "_order": order_of_row[rows],
        }
    )
    ragged = pd.DataFrame(
        [
            {
                "file": p.info.path,
                "line": line,
                "field": "(row)",
                "value": text[:200],
                "reason": reason,
                "_order": k,
            }
            for k, p in enumerate(parts)
            for line, text, reason in p.bad_rows
        ],
        columns=[*REJECTION_COLUMNS, "_order"],
    )
    report = pd.concat([table_rows, ragged], ignore_index=True) if len(ragged) else table_rows
    report = report.sort_values(["_order", "line"], kind="stable").drop(columns="_order")
    report["line"] = report["line"].astype(np.int64)
    return report.reset_index(drop=True)[list(REJECTION_COLUMNS)], rejected


def _sorted(events: pd.DataFrame, datasets: np.ndarray) -> pd.DataFrame:
    """Return events sorted by date, dataset and source_row (no copy when already so).

    ``datasets`` ranks each row's ``dataset`` label (equal labels, equal ranks).
    """
    dates = events["date"].to_numpy()
    rows = events["source_row"].to_numpy()
    key_steps = (np.diff(dates) > np.timedelta64(0)) | (
        (np.diff(dates) == np.timedelta64(0))
        & ((np.diff(datasets) > 0) | ((np.diff(datasets) == 0) & (np.diff(rows) > 0)))
    )
    if key_steps.all():
        return events.reset_index(drop=True)
    return events.take(np.lexsort((rows, datasets, dates))).reset_index(drop=True)


def _read_all(
    paths: Path | str | Sequence[Path | str],
    *,
    requested: Format,
    max_rows: int | None,
    options: dict[str, Any],
) -> list[FilePart]:
    """Read every file in turn, the row limit (default ``GEO_MAX_ROWS``) shared by them all."""
    files = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not files:
        raise InputError("no incident files given", hint="pass at least one file")
    limit = max_rows_default() if max_rows is None else max_rows
    parts: list[FilePart] = []
    for path in map(Path, files):
        used = sum(p.info.rows_read for p in parts)
        parts.append(read_file(path, requested=requested, max_rows=limit - used, **options))
    return parts


def _flag_counts(flags: pd.Series) -> dict[str, int]:
    """Return how many rows carry any flag, then each flag that occurs."""
    per_value = flags.value_counts()
    counts = {"any": int(per_value[per_value.index != ""].sum())}
    for name in FLAGS:
        count = int(per_value[[name in f for f in per_value.index]].sum())
        if count:
            counts[name] = count
    return counts


def _combine(parts: list[FilePart]) -> tuple[pd.DataFrame, np.ndarray, Problems]:
    """Return the files' rows as one frame, each row's dataset number and all problems.

    The problems include the event ids repeated within or across the files.
    """
    problems = Problems()
    offset = 0
    for part in parts:
        problems.extend(part.problems, offset=offset)
        offset += len(part.frame)
    frame = (
        parts[0].frame
        if len(parts) == 1
        else pd.concat([p.frame for p in parts], ignore_index=True)
    )
    labels = [p.frame["dataset"].iloc[0] if len(p.frame) else "" for p in parts]
    datasets = np.repeat(np.unique(labels, return_inverse=True)[1], [len(p.frame) for p in parts])
    unique = parts[0].ids_unique.result() if len(parts) == 1 else unique_ids(frame["event_id"])
    _duplicates(frame, problems, unique=unique)
    return frame, datasets, problems


def _add_roles(events: pd.DataFrame) -> None:
    """Set ``is_match_rule`` and ``role`` of every event, in place."""
    events["is_match_rule"], is1, is2 = is_sides(events["actor1"], events["actor2"])
    events["role"] = derive_roles(
        is1=is1,
        is2=is2,
        event_type=events["event_type"],
        stated=events["role"],
        dataset=events["dataset"],
    )


def _keep_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """Return the rows of ``frame`` where ``keep`` is True, emptying ``frame`` as it goes.

    Each column of a large frame is filtered, then dropped from ``frame``, so a
    million rows never exist twice in full (a large file's peak of memory costs it
    time too); two columns at a time, one on the other core (Arrow's filter
    releases the GIL). A small frame is filtered in one step, which is faster there.
    """
    if len(frame) < 100_000:
        return frame.loc[keep].reset_index(drop=True)

    def kept(column: pd.Series) -> pd.Series:
        return column[keep].reset_index(drop=True)

    out = {}
    names = list(frame.columns)
    for i in range(0, len(names), 2):
        pair = names[i : i + 2]
        other = WORKER.submit(kept, frame.pop(pair[1])) if len(pair) == 2 else None
        out[pair[0]] = kept(frame.pop(pair[0]))
        if other is not None:
            out[pair[1]] = other.result()
    return pd.DataFrame({name: out[name] for name in names}, copy=False)


def _as_points(events: pd.DataFrame, *, points: bool = True) -> gpd.GeoDataFrame | pd.DataFrame:
    """Return the canonical columns as a point GeoDataFrame (EPSG:4326), or without points."""
    columns = {name: events[name] for name in EVENT_COLUMNS if name != "geometry"}
    if not points:
        return pd.DataFrame(columns, copy=False)
    geometry = gpd.points_from_xy(events["longitude"], events["latitude"], crs=GEOGRAPHIC_CRS)
    return gpd.GeoDataFrame(columns | {"geometry": geometry}, copy=False)


def _reason_counts(problems: Problems, parts: list[FilePart]) -> dict[str, int]:
    """Return rejected rows per reason, most frequent first (ragged rows last)."""
    codes = problems.frame()["code"]
    reasons = codes.value_counts()
    reason_counts = {
        str(k): int(v) for k, v in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    }
    ragged = sum(len(p.bad_rows) for p in parts)
    if ragged:
        reason_counts["ragged row"] = ragged
    return reason_counts


def _dataset_infos(parts: list[FilePart], rejected_mask: np.ndarray) -> tuple[DatasetInfo, ...]:
    """Return each file's facts with its hash and its rows accepted and rejected."""
    infos = []
    start = 0
    for part in parts:
        stop = start + len(part.frame)
        rejected_here = int(rejected_mask[start:stop].sum()) + len(part.bad_rows)
        infos.append(
            DatasetInfo(
                **{
                    **part.info.__dict__,
                    "sha256": part.sha256.result(),
                    "rows_accepted": part.info.rows_read - rejected_here,
                    "rows_rejected": rejected_here,
                }
            )
        )
        start = stop
    return tuple(infos)


def load_incidents(
    paths: Path | str | Sequence[Path | str],
    *,
    format: Format = "auto",
    lat_col: str | None = None,
    lon_col: str | None = None,
    fix_swapped: bool = False,
    date_from: Any = None,
    date_to: Any = None,
    event_types: Sequence[str] | None = None,
    is_only: bool = False,
    roles: Sequence[str] | None = None,
    max_rows: int | None = None,
    date_format: str | None = None,
    points: bool = True,
) -> LoadResult:
    """Load one or more incident files into canonical events plus a rejection report.

    Parameters
    ----------
    paths
        One file or several (ACLED or UCDP GED CSV, plain CSV, GeoJSON, GeoPackage).
    format
        The reader to use; ``"auto"`` picks it from the header or file type.
    lat_col, lon_col
        Coordinate column names for plain CSV (detected when omitted).
    fix_swapped
        Swap latitude/longitude back where only the swapped point is in Iraq
        (flagged ``swapped_latlon_fixed``); otherwise such rows are rejected.
    date_from, date_to
        Keep events dated within these bounds (inclusive; ``YYYY-MM-DD``).
    event_types
        Keep only these event types.
    is_only
        Keep only IS-involved events (``role`` other than ``none``; see
        :mod:`geo.incidents.roles`).
    roles
        Keep only events with one of these roles.
    max_rows
        Refuse inputs with more data rows than this (default ``GEO_MAX_ROWS``
        or 5,000,000); rows are counted before they are parsed.
    date_format
        An explicit ``strptime`` format for all dates, e.g. ``"%d/%m/%Y"``.
    points
        False: a plain DataFrame without ``geometry`` (``latitude``/``longitude``
        are the points); a million point objects cost about a second.

    Returns
    -------
    LoadResult
        Events, rejections, counts and provenance.

    Raises
    ------
    InputError
        When a file cannot be read at all (missing, empty, not a table, bad
        encoding, truncated, missing required columns).
    LimitError
        When the inputs hold more than ``max_rows`` rows.
    """
    options = {
        "lat_col": lat_col,
        "lon_col": lon_col,
        "date_format": date_format,
        "fix_swapped": fix_swapped,
    }
    parts = _read_all(paths, requested=format, max_rows=max_rows, options=options)
    frame, datasets, problems = _combine(parts)
    # from here the parts only count rows: their columns live on in ``frame`` alone
    parts = [dataclasses.replace(p, frame=pd.DataFrame(index=p.frame.index)) for p in parts]
    rejected, rejected_mask = _rejections(parts, frame, problems)
    if rejected_mask.any():
        frame, datasets = _keep_rows(frame, ~rejected_mask), datasets[~rejected_mask]
    accepted = frame.reset_index(drop=True)
    del frame  # ``accepted`` is the only holder, so _keep_rows frees as it filters
    _add_roles(accepted)
    flag_counts = _flag_counts(accepted["quality_flags"])
    keep, applied = filter_mask(
        accepted,
        date_from=date_from,
        date_to=date_to,
        event_types=event_types,
        is_only=is_only,
        roles=roles,
    )
    rows_accepted = len(accepted)
    kept = accepted if keep.all() else _keep_rows(accepted, keep)
    events = _sorted(kept, datasets if keep.all() else datasets[keep])
    return LoadResult(
        events=_as_points(events, points=points),
        rejected=rejected,
        rows_read=sum(p.info.rows_read for p in parts),
        rows_accepted=rows_accepted,
        rows_rejected=len(rejected),
        rows_filtered_out=int((~keep).sum()),
        flag_counts=flag_counts,
        reason_counts=_reason_counts(problems, parts),
        datasets=_dataset_infos(parts, rejected_mask),
        filters=applied,
    )


def write_rejections(result: LoadResult, path: Path | str) -> Path:
    """Write the rejected rows as CSV (``file, line, field, value, reason``), atomically.

    Parameters
    ----------
    result
        A load result.
    path
        The CSV to write.

    Returns
    -------
    Path
        The file written.
    """
    buffer = io.StringIO()
    result.rejected.to_csv(buffer, index=False, lineterminator="\n")
    return write_text(path, buffer.getvalue())
