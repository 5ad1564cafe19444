"""Read one incident file (CSV, GeoJSON/GeoPackage, or a table ``geo join`` wrote).

Each reader returns a :class:`FilePart`: the file's rows in canonical form, its
problems and provenance. A CSV is checked against the format its header (or the
requested ``format``) calls for; Arrow's parse uses every core, and the checks
after it run on one, so the file's SHA-256 (unless the prefetch already has it)
and the check for repeated ids run meanwhile on :data:`WORKER`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from geo import prefetch
from geo.errors import InputError, LimitError
from geo.incidents import acled, joined, table, ucdp, vector
from geo.incidents.canonical import SYNTHETIC_CITATION, SYNTHETIC_LICENCE, assemble
from geo.incidents.encoding import Content, lead_byte, read_content, to_utf8
from geo.incidents.rawcsv import RawTable, read_strings
from geo.incidents.result import DatasetInfo, Format
from geo.incidents.sniff import check_is_incident_table, choose_format
from geo.incidents.validate import Problems, stripped
from geo.write import sha256_file

#: The loader's second core: hashes, the repeated-id check, column filters.
WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo-incidents")
_READERS = {"acled": acled, "ucdp": ucdp}
USER_LICENCE = "as stated by the file's publisher (not recorded in the file)"
USER_CITATION = "cite the file's own source"


@dataclass(frozen=True, eq=False)
class FilePart:
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


def done(value: Any) -> Future[Any]:
    """Return a future that already holds ``value``."""
    future: Future[Any] = Future()
    future.set_result(value)
    return future


def unique_ids(ids: pd.Series) -> bool:
    """Return True when no two event ids are equal once stripped."""
    return bool(stripped(ids).is_unique)


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
    ahead: list[pa.Table] | None = None,
) -> FilePart:
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
    hashing = done(digest) if digest else WORKER.submit(_hex_sha256, data)
    body, encoding = to_utf8(data, path, check=False)
    if requested in ("auto", "csv"):
        check_is_incident_table(path, body, lat_col=lat_col, lon_col=lon_col)
    try:
        # the prefetch parsed the bytes as read: usable when they are the text as is
        raw = read_strings(
            body,
            path,
            max_rows=max_rows,
            columns=reader_columns,
            ahead=ahead if ahead and body is data else None,
        )
    except UnicodeError:  # Arrow found invalid UTF-8: detect the encoding and retry
        body, encoding = to_utf8(data, path, check=True)
        raw = _read_decoded(body, path, encoding, max_rows=max_rows, columns=reader_columns)
    sha256 = done(hashing.result())
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
    ids_unique = done(False) if ids is None else WORKER.submit(unique_ids, ids)
    frame = assemble(
        mapped,
        lines=raw.lines,
        dataset=f"{path.name} ({fmt})",
        problems=problems,
        fix_swapped=fix_swapped,
    )
    return FilePart(
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
    digest: str | None = None,
) -> FilePart:
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
        sha256=digest or _hex_sha256(data),  # hashed already when prefetched
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
    return FilePart(
        frame=frame,
        problems=problems,
        bad_rows=(),
        info=info,
        sha256=done(info.sha256),
        ids_unique=done(unique_ids(frame["event_id"])),
    )


def _read_joined(path: Path, *, max_rows: int) -> FilePart:
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
    return FilePart(
        frame=frame,
        problems=Problems(),
        bad_rows=(),
        info=info,
        sha256=done(info.sha256),
        ids_unique=done(unique_ids(frame["event_id"])),
    )


def read_file(path: Path, *, requested: Format, max_rows: int, **options: Any) -> FilePart:
    """Read one file by its format (given, or told by its suffix, bytes and header).

    ``options`` are the CSV readers' (``lat_col``, ``lon_col``, ``date_format``,
    ``fix_swapped``); GeoJSON/GeoPackage use ``date_format`` and ``fix_swapped``.
    """
    if path.is_dir():
        raise InputError(
            f"{path}: is a folder, not an incident file",
            hint="name the files in it, e.g. `geo join folder/*.csv --out joined.parquet`",
        )
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="check the path")
    if requested == "joined" or (requested == "auto" and joined.is_joined(path)):
        return _read_joined(path, max_rows=max_rows)
    got = prefetch.take(path)  # read on another core while the command started
    data = read_content(path) if got is None else got.data
    digest = None if got is None else got.sha256
    ahead = [] if got is None or got.table is None else [got.table]
    del got  # `data` must be the only reference: the CSV reader frees it once parsed
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
            digest=digest,
        )
    box = [data]
    del data  # _read_csv holds the only reference and drops it after parsing
    return _read_csv(
        path,
        box,
        requested=requested,
        max_rows=max_rows,
        digest=digest,
        ahead=ahead,
        **options,
    )
