"""Load incident files into the canonical events table and a rejection report.

Each file is read by the reader its header (or ``format``) calls for, every
row is checked, duplicate ``event_id`` values are rejected across all files
(the first occurrence wins and later ones name its line), the IS rule is
matched and the filters applied. Every row read ends up either accepted or in
the rejection report; accepted rows removed by filters are counted.

Speed: files are memory-mapped, not copied. Arrow's CSV parse uses every core;
the checks after it run on one, so the file's sha256 and the check for
repeated ids run meanwhile on a worker thread. Point geometries are built
once, for the rows kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import prefetch
from geo.constants import GEOGRAPHIC_CRS
from geo.errors import InputError, LimitError
from geo.incidents import acled, joined, table, ucdp, vector
from geo.incidents.canonical import (
    FLAGS,
    SYNTHETIC_CITATION,
    SYNTHETIC_LICENCE,
    assemble,
)
from geo.incidents.encoding import Content, lead_byte, read_content, to_utf8
from geo.incidents.filters import filter_mask, is_sides
from geo.incidents.rawcsv import RawTable, read_strings
from geo.incidents.result import DatasetInfo, Format, LoadResult
from geo.incidents.roles import derive_roles
from geo.incidents.sniff import check_is_incident_table, choose_format
from geo.incidents.validate import Problems, stripped
from geo.types import EVENT_COLUMNS, REJECTION_COLUMNS
from geo.write import sha256_file, write_text

DEFAULT_MAX_ROWS = 5_000_000
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo-incidents")
_READERS = {"acled": acled, "ucdp": ucdp}
USER_LICENCE = "as stated by the file's publisher (not recorded in the file)"
USER_CITATION = "cite the file's own source"


@dataclass(frozen=True, eq=False)
class _FilePart:
    """One file's rows in canonical form, with its problems and provenance.

    ``sha256`` and ``ids_unique`` (whether ``event_id`` has no repeats) may
    still be computing on another core; ``info.sha256`` is set from the former
    when the load ends.
    """

    frame: pd.DataFrame
    problems: Problems
    bad_rows: tuple[tuple[int, str, str], ...]
    info: DatasetInfo
    sha256: Future[str]
    ids_unique: Future[bool]


def _hex_sha256(data: Content) -> str:
    return hashlib.sha256(data).hexdigest()


def _done(value: Any) -> Future[Any]:
    """Return a future that already holds ``value``."""
    future: Future[Any] = Future()
    future.set_result(value)
    return future


def _unique(ids: pd.Series) -> bool:
    """Return True when no two event ids are equal once stripped."""
    return bool(stripped(ids).is_unique)


def max_rows_default() -> int:
    """Return the row limit from ``GEO_MAX_ROWS`` (default 5,000,000)."""
    value = os.environ.get("GEO_MAX_ROWS", "").strip()
    try:
        return int(value) if value else DEFAULT_MAX_ROWS
    except ValueError as exc:
        raise InputError(
            f"GEO_MAX_ROWS={value!r} is not a whole number", hint="set it to e.g. 5000000"
        ) from exc


def _read_csv(
    path: Path,
    box: list[Content],
    *,
    requested: Format,
    lat_col: str | None,
    lon_col: str | None,
    date_format: str | None,
    fix_swapped: bool,
    max_rows: int,
    digest: str | None = None,
) -> _FilePart:
    def reader_columns(names: list[str]) -> frozenset[str] | None:
        """Check the header against the format; return the columns its reader uses."""
        fmt = choose_format(path, names, requested)
        module = _READERS.get(fmt)
        if module is None:
            return None
        missing = [c for c in module.REQUIRED if c not in names]
        if missing:
            raise InputError(
                f"{path}: line 1: {fmt.upper()} file without required column(s) "
                f"{', '.join(missing)}",
                hint="export it again with all columns",
            )
        return module.COLUMNS

    data = box.pop()  # the only reference: the file's bytes are freed once parsed
    # on the other core, during the parse (unless hashed when prefetched)
    hashing = _done(digest) if digest else _WORKER.submit(_hex_sha256, data)
    body, encoding = to_utf8(data, path, check=False)
    if requested in ("auto", "csv"):
        check_is_incident_table(path, body, lat_col=lat_col, lon_col=lon_col)
    try:
        raw = read_strings(body, path, max_rows=max_rows, columns=reader_columns)
    except UnicodeError:  # Arrow found invalid UTF-8: detect the encoding and retry
        body, encoding = to_utf8(data, path, check=True)
        raw = _read_decoded(body, path, encoding, max_rows=max_rows, columns=reader_columns)
    sha256 = _done(hashing.result())
    del data, body  # a lower peak of memory: the parsed columns are copies
    fmt = choose_format(path, raw.names, requested)
    module = _READERS.get(fmt)
    problems = Problems()
    if module is not None:
        mapped = module.to_mapped(raw.frame, problems, date_format=date_format)
    else:
        mapped = table.to_mapped(
            raw.frame,
            raw.lines,
            path,
            problems,
            lat_col=lat_col,
            lon_col=lon_col,
            date_format=date_format,
        )
    # Arrow's parse used every core; the checks from here on use one, so the
    # duplicate check and the hash run on another meanwhile.
    ids = mapped.texts.get("event_id")  # absent: every id is empty, checked in full later
    ids_unique = _done(False) if ids is None else _WORKER.submit(_unique, ids)
    frame = assemble(
        mapped,
        lines=raw.lines,
        dataset=f"{path.name} ({fmt})",
        problems=problems,
        fix_swapped=fix_swapped,
    )
    return _FilePart(
        frame=frame,
        problems=problems,
        bad_rows=raw.bad_rows,
        info=_csv_info(path, frame, fmt=fmt, encoding=encoding, hxl=raw.hxl, bad=len(raw.bad_rows)),
        sha256=sha256,
        ids_unique=ids_unique,
    )


def _read_decoded(
    body: Content,
    path: Path,
    encoding: str,
    *,
    max_rows: int,
    columns: Callable[[list[str]], frozenset[str] | None],
) -> RawTable:
    """Read a file decoded from ``encoding``; invalid text there is an input error."""
    try:
        return read_strings(body, path, max_rows=max_rows, columns=columns)
    except UnicodeError as exc:
        raise InputError(
            f"{path}: invalid text after decoding as {encoding}",
            hint="save the file as CSV UTF-8",
        ) from exc


def _csv_info(
    path: Path, frame: pd.DataFrame, *, fmt: str, encoding: str, hxl: bool, bad: int
) -> DatasetInfo:
    """Describe one CSV file: format, encoding, licence and citation, notes, rows read."""
    notes = []
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"decoded from {encoding}")
    if hxl:
        notes.append("HXL tag row on line 2 skipped")
    if len(frame) == 0 and not bad:
        notes.append("header only: the file has no data rows")
    licence, citation = {
        "acled": (acled.LICENCE, acled.CITATION),
        "ucdp": (ucdp.LICENCE, ucdp.CITATION),
    }.get(fmt, (USER_LICENCE, USER_CITATION))
    synthetic = bool(len(frame)) and bool(frame["synthetic"].all())
    if synthetic:  # generated rows in ACLED's layout are not ACLED data
        licence, citation = SYNTHETIC_LICENCE, SYNTHETIC_CITATION
        notes.append("synthetic rows (not real events)")
    provisional = fmt == "ucdp" and ucdp.is_candidate_file(path.name)
    if provisional:  # the frame's rows are marked too (it is this file's own frame)
        citation = ucdp.CANDIDATE_CITATION
        frame["provisional"] = True
        notes.append("UCDP Candidate events: provisional, not yet vetted for GED")
    return DatasetInfo(
        name=path.name,
        path=str(path),
        sha256="",  # set from the file's hash when the load ends
        format=fmt,
        encoding=encoding,
        rows_read=len(frame) + bad,
        rows_accepted=0,
        rows_rejected=0,
        licence=licence,
        citation=citation,
        acled=fmt == "acled" and not synthetic,
        synthetic=synthetic,
        notes="; ".join(notes),
        provisional=provisional,
    )


def _read_vector(
    path: Path,
    data: Content,
    fmt: str,
    *,
    date_format: str | None,
    fix_swapped: bool,
    max_rows: int,
) -> _FilePart:
    if fmt == "geojson" and lead_byte(data) != b"{":
        raise InputError(
            f"{path}: not JSON (a GeoJSON file starts with '{{')",
            hint="check that this is the file you meant, or choose --format csv",
        )
    problems = Problems()
    attributes, lines = vector.read_points(path, problems, max_rows=max_rows)
    mapped = table.to_mapped(
        attributes,
        lines,
        path,
        problems,
        lat_col=vector.LAT_COLUMN,
        lon_col=vector.LON_COLUMN,
        date_format=date_format,
    )
    frame = assemble(
        mapped,
        lines=lines,
        dataset=f"{path.name} ({fmt})",
        problems=problems,
        fix_swapped=fix_swapped,
    )
    synthetic = bool(len(frame)) and bool(frame["synthetic"].all())
    info = DatasetInfo(
        name=path.name,
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        encoding="utf-8" if fmt == "geojson" else "",
        rows_read=len(frame),
        rows_accepted=0,
        rows_rejected=0,
        licence=SYNTHETIC_LICENCE if synthetic else USER_LICENCE,
        citation=SYNTHETIC_CITATION if synthetic else USER_CITATION,
        synthetic=synthetic,
        notes="" if len(frame) else "no features",
    )
    return _FilePart(
        frame=frame,
        problems=problems,
        bad_rows=(),
        info=info,
        sha256=_done(info.sha256),
        ids_unique=_done(_unique(frame["event_id"])),
    )


def _read_joined(path: Path, *, max_rows: int) -> _FilePart:
    """Read a table ``geo join`` wrote; its inputs' licence and citation carry over."""
    frame, prov = joined.read_joined(path)
    if len(frame) > max_rows:
        raise LimitError(
            f"{path}: {len(frame):,} rows, more than the limit of {max_rows:,}",
            hint="filter the table first or raise GEO_MAX_ROWS",
        )
    marks = joined.dataset_marks(prov)
    frame["dataset"] = f"{path.name} (joined)"
    if "role" not in frame:
        frame["role"] = ""
    formats = ", ".join(sorted(set(marks["formats"]) - {""})) or "unknown"
    info = DatasetInfo(
        name=path.name,
        path=str(path),
        sha256=sha256_file(path),
        format="joined",
        encoding="",
        rows_read=len(frame),
        rows_accepted=0,
        rows_rejected=0,
        licence=marks["licence"],
        citation=marks["citation"],
        acled=marks["acled"],
        synthetic=marks["synthetic"],
        notes=f"a table written by geo join from {formats} input(s); joined again here",
    )
    return _FilePart(
        frame=frame,
        problems=Problems(),
        bad_rows=(),
        info=info,
        sha256=_done(info.sha256),
        ids_unique=_done(_unique(frame["event_id"])),
    )


def _read_file(path: Path, *, requested: Format, max_rows: int, **options: Any) -> _FilePart:
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="check the path")
    if requested == "joined" or (requested == "auto" and joined.is_joined(path)):
        return _read_joined(path, max_rows=max_rows)
    got = prefetch.take(path)  # read on another core while the command started
    data = read_content(path) if got is None else got.data
    if not lead_byte(data):
        raise InputError(
            f"{path}: the file is empty", hint="export the incidents again with a header row"
        )
    suffix = path.suffix.lower()
    fmt: str = requested
    if requested == "auto":
        if suffix == ".gpkg" or data[:16] == b"SQLite format 3\x00":
            fmt = "gpkg"
        elif suffix in (".geojson", ".json"):
            fmt = "geojson"
    if fmt in ("gpkg", "geojson"):
        return _read_vector(
            path,
            data,
            fmt,
            date_format=options["date_format"],
            fix_swapped=options["fix_swapped"],
            max_rows=max_rows,
        )
    box = [data]
    del data  # _read_csv holds the only reference and drops it after parsing
    return _read_csv(
        path,
        box,
        requested=requested,
        max_rows=max_rows,
        digest=None if got is None else got.sha256,
        **options,
    )


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
    parts: Sequence[_FilePart], frame: pd.DataFrame, problems: Problems
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
) -> list[_FilePart]:
    """Read every file in turn, the row limit (default ``GEO_MAX_ROWS``) shared by them all."""
    files = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not files:
        raise InputError("no incident files given", hint="pass at least one file")
    limit = max_rows_default() if max_rows is None else max_rows
    parts: list[_FilePart] = []
    for path in map(Path, files):
        used = sum(p.info.rows_read for p in parts)
        parts.append(_read_file(path, requested=requested, max_rows=limit - used, **options))
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


def _combine(parts: list[_FilePart]) -> tuple[pd.DataFrame, np.ndarray, Problems]:
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
    unique = parts[0].ids_unique.result() if len(parts) == 1 else _unique(frame["event_id"])
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
    time too); a small frame is filtered in one step, which is faster there.
    """
    if len(frame) < 100_000:
        return frame.loc[keep].reset_index(drop=True)
    out = {}
    for name in list(frame.columns):
        out[name] = frame.pop(name)[keep].reset_index(drop=True)
    return pd.DataFrame(out, copy=False)


def _as_points(events: pd.DataFrame, *, points: bool = True) -> gpd.GeoDataFrame | pd.DataFrame:
    """Return the canonical columns as a point GeoDataFrame (EPSG:4326), or without points."""
    columns = {name: events[name] for name in EVENT_COLUMNS if name != "geometry"}
    if not points:
        return pd.DataFrame(columns, copy=False)
    geometry = gpd.points_from_xy(events["longitude"], events["latitude"], crs=GEOGRAPHIC_CRS)
    return gpd.GeoDataFrame(columns | {"geometry": geometry}, copy=False)


def _reason_counts(problems: Problems, parts: list[_FilePart]) -> dict[str, int]:
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


def _dataset_infos(parts: list[_FilePart], rejected_mask: np.ndarray) -> tuple[DatasetInfo, ...]:
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
