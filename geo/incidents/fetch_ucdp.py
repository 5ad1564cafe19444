"""Fetch UCDP GED (and Candidate months), keep the Iraq rows, and cache them with provenance.

Files and addresses
-------------------
- GED ``NN.N``: ``https://ucdp.uu.se/downloads/ged/ged{NN}{N}-csv.zip`` holding
  ``GEDEvent_v{NN}_{N}.csv``; version ``25.1`` covers 1989 to the end of 2024.
- Candidate months after it: ``https://ucdp.uu.se/downloads/candidateged/GEDEvent_v{yy}_0_{m}.csv``
  (month ``m`` of 20yy; same columns as GED), tried month by month from the first
  month after the GED version until one is not published (HTTP 404) or the
  current month is reached.
- ``--mirror URL`` replaces both base addresses; the same file names are asked for
  under it.

Rules
-----
- Iraq is ``country_id`` 645. The global CSV is streamed from the zip in blocks with
  every column read as text (``gwnoa``/``gwnob`` hold ``;``-joined codes in some rows,
  which breaks type inference), so memory stays bounded whatever the file's size.
- ``low <= best <= high`` is checked; rows breaking it are kept (the source says
  so) and counted in the report and provenance.
- UCDP publishes no checksums: the sha256 and size of the first download of a file
  are recorded (trust on first use) and a later download of the same file that
  differs is refused unless ``force``.
- GED and Candidate rows for the same event are counted once: **GED wins by id**
  (Candidate rows whose ``id`` is in the GED version are dropped), and among
  Candidate months the **latest month wins** for an ``id`` that appears in several.
  The dropped rows are counted in the report and the provenance.
- Nothing half-done reaches the cache: downloads go to a temporary file, are
  checked (length, HTML, zip, expected CSV, header), and the Iraq rows are
  written atomically before the provenance record that makes them count.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import requests

from geo.download import Downloaded, offline_error
from geo.download import stream_unpinned as download
from geo.errors import ChecksumError, DownloadError, GeoError, InputError
from geo.incidents import store
from geo.incidents.ucdp import CANDIDATE_CITATION, CITATION, LICENCE
from geo.paths import offline
from geo.write import atomic_path, sha256_file

GED_BASE = "https://ucdp.uu.se/downloads/ged/"
CANDIDATE_BASE = "https://ucdp.uu.se/downloads/candidateged/"
#: The newest GED version this release of the tool knows; ``--version`` for others.
DEFAULT_VERSION = "26.1"
IRAQ_COUNTRY_ID = "645"
#: Columns a GED or Candidate file must have for the filter and the reader.
NEEDED: tuple[str, ...] = (
    "id",
    "country_id",
    "date_start",
    "date_end",
    "side_a",
    "side_b",
    "latitude",
    "longitude",
    "low",
    "best",
    "high",
)
HINT = (
    "check the connection and try again, use --mirror URL (a copy with the same file "
    "names), or download the file by hand and pass it with `geo build --incidents FILE`"
)
BLOCK_BYTES = 8 << 20
_VERSION = re.compile(r"^(\d{2})\.(\d)$")


def ged_names(version: str) -> tuple[str, str]:
    """Return a GED version's archive and CSV names (``ged251-csv.zip``, ``GEDEvent_v25_1.csv``).

    Raises
    ------
    GeoError
        When ``version`` is not written like ``25.1``.
    """
    match = _VERSION.match(version)
    if not match:
        raise GeoError(
            f"--version {version!r} is not a UCDP GED version",
            hint=f"write it like {DEFAULT_VERSION} (yearly releases; 25.1 covers 1989-2024)",
        )
    major, minor = match[1], match[2]
    return f"ged{major}{minor}-csv.zip", f"GEDEvent_v{major}_{minor}.csv"


def candidate_name(year: int, month: int) -> str:
    """Return the Candidate file name of one month (``GEDEvent_v26_0_8.csv`` for 2026-08)."""
    return f"GEDEvent_v{year % 100:02d}_0_{month}.csv"


def candidate_months(version: str, today: dt.date) -> Iterator[tuple[int, int]]:
    """Yield (year, month) from the month after GED ``version``'s last one up to last month."""
    year = 2000 + int(version.split(".")[0])  # 25.1 ends in December 2024
    month = 1
    while (year, month) < (today.year, today.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def iraq_name(csv_name: str) -> str:
    """Return the cache file name of a CSV's Iraq rows."""
    return csv_name.removesuffix(".csv") + "_IRQ.csv"


# --------------------------------------------------------------------------- the filter


@dataclass(frozen=True)
class FilterReport:
    """What the Iraq filter read and kept.

    Attributes
    ----------
    rows_read
        Data rows in the file (an HXL tag row is not counted).
    rows_iraq
        Rows with ``country_id`` 645.
    fatality_order
        Iraq rows where ``low <= best <= high`` does not hold (kept).
    multi_gwno
        Iraq rows whose ``gwnoa`` or ``gwnob`` holds several ``;``-joined codes.
    """

    rows_read: int
    rows_iraq: int
    fatality_order: int
    multi_gwno: int


def _header(stream: IO[bytes], what: str) -> list[str]:
    first = stream.readline(1 << 16).decode("utf-8-sig", errors="replace").strip()
    names = [n.strip().strip('"') for n in first.split(",")]
    missing = [c for c in NEEDED if c not in names]
    if missing:
        raise InputError(
            f"{what}: not a UCDP GED file (missing column {', '.join(missing)})",
            hint="the download is not the GED CSV; check --version and --mirror",
        )
    return names


def filter_iraq(open_stream: Any, out: Path, *, what: str) -> tuple[pa.Table, FilterReport]:
    """Stream a GED CSV in blocks, keep Iraq's rows and write them to ``out``.

    Parameters
    ----------
    open_stream
        A callable returning a fresh binary stream of the CSV (called twice: the
        header, then the data).
    out
        Where to write the Iraq rows (a temporary path; the caller moves it).
    what
        The file's name for messages.

    Returns
    -------
    tuple
        The Iraq rows as an Arrow table of strings, and the counts.
    """
    wanted = pa.array([IRAQ_COUNTRY_ID, IRAQ_COUNTRY_ID + ".0"])
    kept: list[pa.RecordBatch] = []
    rows = hxl = 0
    try:
        with open_stream() as stream:
            names = _header(stream, what)
        types = dict.fromkeys(names, pa.string())
        with open_stream() as stream:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
                ),
            )
            for batch in reader:
                rows += batch.num_rows
                country = pc.utf8_trim_whitespace(batch.column("country_id"))
                mask = pc.is_in(country, value_set=wanted)
                if rows == batch.num_rows and batch.num_rows:  # an HXL tag row under the header
                    hxl = int(str(batch.column("date_start")[0]).startswith("#"))
                if pc.any(mask).as_py():
                    kept.append(batch.filter(mask))
    except (pa.ArrowException, zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise InputError(
            f"{what}: the CSV cannot be read ({str(exc).splitlines()[0]})",
            hint="the file is damaged; download it again",
        ) from exc
    schema = pa.schema([(n, pa.string()) for n in names])
    table = pa.Table.from_batches(kept, schema=schema) if kept else schema.empty_table()
    low, best, high = (
        pd.to_numeric(table.column(c).to_pandas().str.strip(), errors="coerce")
        for c in ("low", "best", "high")
    )
    bad_order = int(((low > best) | (best > high)).sum())
    multi = 0
    for col in ("gwnoa", "gwnob"):
        if col in names and table.num_rows:
            multi += int(pc.sum(pc.match_substring(table.column(col), ";")).as_py() or 0)
    with open(out, "wb") as fh:
        pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return table, FilterReport(rows - hxl, table.num_rows, bad_order, multi)


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class FileResult:
    """One downloaded file: where from, what it held, and what happened to it."""

    name: str
    url: str
    sha256: str
    size: int
    action: str  # "cached (first download)", "unchanged", "replaced (--force)"
    rows_read: int = 0
    rows_iraq: int = 0


@dataclass(frozen=True)
class UcdpFetchReport:
    """What ``geo incidents fetch ucdp`` did."""

    version: str
    folder: Path
    ged: FileResult
    filtered: FilterReport
    candidates: tuple[FileResult, ...] = ()
    candidate_rows: int = 0
    dropped_in_ged: int = 0
    dropped_later_month: int = 0
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """Return a short account of the fetch."""
        f = self.filtered
        lines = [
            f"UCDP GED {self.version}: {self.ged.name} from {self.ged.url} "
            f"({self.ged.size:,} bytes, sha256 {self.ged.sha256[:12]}…) — {self.ged.action}",
            f"  rows read {f.rows_read:,}; Iraq (country_id 645) {f.rows_iraq:,}; "
            f"low <= best <= high broken in {f.fatality_order:,} (kept); "
            f"several gwno codes in {f.multi_gwno:,}",
        ]
        if self.candidates:
            lines.append(
                f"UCDP Candidate: {len(self.candidates)} months "
                f"({self.candidates[0].name} … {self.candidates[-1].name}), "
                f"{self.candidate_rows:,} provisional Iraq rows kept; dropped "
                f"{self.dropped_in_ged:,} already in GED {self.version} and "
                f"{self.dropped_later_month:,} repeated in a later month"
            )
        lines.extend(self.notes)
        lines.append(f"cached in {self.folder}")
        lines.append(f"licence: {LICENCE}; cite: {CITATION}")
        return "\n".join(lines)


def _today() -> dt.date:
    return dt.datetime.now(tz=dt.UTC).date()


def _trust(
    record: dict[str, Any] | None, got: Downloaded, name: str, *, force: bool
) -> tuple[str, dict[str, Any]]:
    """Compare a download with the first one recorded; return the action and the new entry."""
    entry = {"sha256": got.sha256, "size": got.size, "url": got.url, "fetched": str(_today())}
    first = (record or {}).get("downloads", {}).get(name)
    if not first:
        entry["trust"] = "first use: UCDP publishes no checksum; this download's hash is recorded"
        return "cached (first download; its sha256 is recorded)", entry
    if first.get("sha256") == got.sha256 and first.get("size") == got.size:
        return "unchanged (same sha256 as the first download)", first
    if not force:
        raise ChecksumError(
            f"{name} from {got.url} has sha256 {got.sha256} and {got.size:,} bytes, but the "
            f"first download ({first.get('fetched')}, {first.get('url')}) had sha256 "
            f"{first.get('sha256')} and {first.get('size'):,} bytes; the cache was kept",
            hint="UCDP may have re-issued the file or the mirror serves another one: "
            "rerun with --force to replace the cached rows",
        )
    entry["trust"] = (
        f"replaced with --force on {_today()}; the earlier download had sha256 "
        f"{first.get('sha256')}"
    )
    return "replaced (--force)", entry


def _zip_member(path: Path, csv_name: str, url: str) -> zipfile.ZipInfo:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DownloadError(
            f"{url} is not a valid zip archive; nothing was cached", hint=HINT
        ) from exc
    with archive:
        members = archive.infolist()
        for info in members:
            if Path(info.filename).name.lower() == csv_name.lower():
                return info
    listed = ", ".join(m.filename for m in members[:5]) or "nothing"
    raise DownloadError(
        f"{url} does not hold {csv_name} (it holds {listed}); nothing was cached",
        hint="check --version, or that the mirror has the official archive",
    )


def _filtered(open_stream: Any, out: Path, *, what: str, url: str) -> tuple[pa.Table, FilterReport]:
    """Run :func:`filter_iraq` on a download; a file that cannot be read is a failed download."""
    try:
        return filter_iraq(open_stream, out, what=what)
    except InputError as exc:
        raise DownloadError(
            f"{url}: {exc.message}; nothing was cached", hint=f"{exc.hint}; {HINT}"
        ) from exc


def _write_rows(source_tmp: Path, target: Path) -> str:
    """Move the filtered rows into the cache atomically; return their sha256."""
    with atomic_path(target) as tmp:
        source_tmp.replace(tmp)
    return sha256_file(target)


def fetch_ucdp(
    version: str = DEFAULT_VERSION,
    *,
    candidate: bool = False,
    mirror: str | None = None,
    force: bool = False,
    progress: bool = False,
    today: dt.date | None = None,
) -> UcdpFetchReport:
    """Download UCDP GED ``version`` (and Candidate months), keep Iraq, cache with provenance.

    Parameters
    ----------
    version
        The GED version, e.g. ``"25.1"``.
    candidate
        Also fetch the monthly Candidate files after the version's last month.
    mirror
        A base URL replacing UCDP's download folders (same file names under it).
    force
        Replace cached rows whose download differs from the first one recorded.
    progress
        Show a download bar on stderr.
    today
        The current date (tests); decides the last Candidate month tried.

    Returns
    -------
    UcdpFetchReport
        Files, counts and where the rows were cached.

    Raises
    ------
    DownloadError
        Offline, unreachable, HTTP error, wrong length, HTML instead of data, bad zip.
    ChecksumError
        A later download differs from the first one (without ``force``).
    InputError
        The CSV lacks GED's columns or cannot be parsed.
    """
    zip_name, csv_name = ged_names(version)
    ged_base = (mirror or GED_BASE).rstrip("/") + "/"
    url = ged_base + zip_name
    if offline():
        raise offline_error(f"UCDP GED {version}", url, HINT)
    folder = store.ucdp_dir(version)
    record = store.read_json(folder / store.PROVENANCE)
    target = folder / iraq_name(csv_name)
    work = store.ucdp_dir()  # temporary files go beside the version folders, never inside
    with requests.Session() as session:
        with download(url, folder=work, hint=HINT, progress=progress, session=session) as got:
            assert got is not None
            action, entry = _trust(record, got, zip_name, force=force)
            member = _zip_member(got.path, csv_name, url)
            rows_tmp = work / f".{target.name}.filtering"
            try:
                with zipfile.ZipFile(got.path) as archive:
                    table, report = _filtered(
                        lambda: archive.open(member),
                        rows_tmp,
                        what=f"{zip_name}:{csv_name}",
                        url=url,
                    )
                rows_sha = _write_rows(rows_tmp, target)
            finally:
                rows_tmp.unlink(missing_ok=True)
        ged = FileResult(zip_name, url, got.sha256, got.size, action, report.rows_read)
        new_record = {
            "source": "UCDP Georeferenced Event Dataset (GED)",
            "version": version,
            "url": url,
            "fetched": str(_today()),
            "downloads": {zip_name: entry},
            "files": [{"name": target.name, "sha256": rows_sha}],
            "filter": "country_id == 645 (Iraq)",
            "rows_read": report.rows_read,
            "rows_iraq": report.rows_iraq,
            "fatality_order_broken": report.fatality_order,
            "multi_gwno_rows": report.multi_gwno,
            "licence": LICENCE,
            "citation": CITATION,
        }
        store.write_json(folder / store.PROVENANCE, new_record)
        result = UcdpFetchReport(version, folder, ged, report)
        if candidate:
            ged_ids = set(table.column("id").to_pylist())
            result = _fetch_candidates(
                result,
                ged_ids=ged_ids,
                base=(mirror or CANDIDATE_BASE).rstrip("/") + "/",
                force=force,
                progress=progress,
                session=session,
                today=today or _today(),
            )
    return result


def _fetch_candidates(
    result: UcdpFetchReport,
    *,
    ged_ids: set[str],
    base: str,
    force: bool,
    progress: bool,
    session: requests.Session,
    today: dt.date,
) -> UcdpFetchReport:
    """Fetch the Candidate months after ``result.version``; cache the deduplicated Iraq rows."""
    folder = result.folder / "candidate"
    record = store.read_json(folder / store.PROVENANCE)
    work = result.folder  # temporary files go beside the Candidate folder
    months: list[tuple[str, FileResult, pd.DataFrame, dict[str, Any]]] = []
    stopped = ""
    for year, month in candidate_months(result.version, today):
        name = candidate_name(year, month)
        url = base + name
        with download(
            url, folder=work, hint=HINT, progress=progress, session=session, missing_ok=True
        ) as got:
            if got is None:
                stopped = f"{name} is not published yet (HTTP 404): Candidate months end before it"
                break
            action, entry = _trust(record, got, name, force=force)
            tmp = work / f".{name}.filtering"
            try:
                table, report = _filtered(
                    functools.partial(got.path.open, "rb"), tmp, what=name, url=url
                )
            finally:
                tmp.unlink(missing_ok=True)
        frame = table.to_pandas()
        months.append(
            (
                f"{year}-{month:02d}",
                FileResult(name, url, got.sha256, got.size, action, report.rows_read, len(frame)),
                frame,
                entry,
            )
        )
    if not months:
        notes = (*result.notes, f"UCDP Candidate: no months after GED {result.version}; {stopped}")
        return UcdpFetchReport(**{**result.__dict__, "notes": notes})
    # GED wins by id; among Candidate months the latest wins.
    seen_later: set[str] = set()
    dropped_ged = dropped_later = kept = 0
    written: list[dict[str, str]] = []
    for _label, info, frame, _entry in reversed(months):
        ids = frame["id"].str.strip()
        in_ged = ids.isin(ged_ids)
        later = ids.isin(seen_later) & ~in_ged
        dropped_ged += int(in_ged.sum())
        dropped_later += int(later.sum())
        keep = frame[~in_ged & ~later]
        seen_later.update(ids[~in_ged])
        kept += len(keep)
        target = folder / iraq_name(info.name)
        with atomic_path(target) as tmp:
            keep.to_csv(tmp, index=False, lineterminator="\n")
        written.append({"name": target.name, "sha256": sha256_file(target)})
    written.reverse()
    new_record = {
        "source": "UCDP Candidate Events Dataset (provisional, monthly)",
        "after_ged_version": result.version,
        "months": [label for label, *_ in months],
        "fetched": str(_today()),
        "downloads": {info.name: entry for _l, info, _f, entry in months},
        "files": written,
        "rows_kept": kept,
        "dropped_in_ged": dropped_ged,
        "dropped_repeated_in_later_month": dropped_later,
        "dedup_rule": "GED wins by id; among Candidate months the latest month wins",
        "licence": LICENCE,
        "citation": CANDIDATE_CITATION,
        "stopped": stopped,
    }
    for stale in folder.glob("*_IRQ.csv"):
        if stale.name not in {w["name"] for w in written}:
            stale.unlink()
    store.write_json(folder / store.PROVENANCE, new_record)
    notes = (*result.notes, *([f"UCDP Candidate: {stopped}"] if stopped else []))
    return UcdpFetchReport(
        **{
            **result.__dict__,
            "candidates": tuple(info for _l, info, _f, _e in months),
            "candidate_rows": kept,
            "dropped_in_ged": dropped_ged,
            "dropped_later_month": dropped_later,
            "notes": notes,
        }
    )
