"""Read input files on a spare core while the command is still starting up.

A command that reads incident files first spends a second importing pandas,
geopandas and the rest on one core. :func:`reading` reads the files, their
SHA-256 and, for a CSV, Arrow's fast parse (:func:`geo.arrowcsv.parse_lines`, of
the columns its reader reads) on the other core meanwhile; the loader then gets them from
:func:`take` instead of doing that work again, and uses the parse only where it
would have made the same call. Only the standard library is imported here
(pyarrow by the reading thread), so the command can start this before anything
heavy.

A prefetched file is used only when it has not changed since it was read
(same device, inode, size and modification time, and the same size before and
after the read); otherwise the loader reads it again itself, with its own
checks and messages. Nothing is kept once the command ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

#: Formats read by other means (Parquet through Arrow): never prefetched.
SKIPPED_SUFFIXES = frozenset({".parquet"})
#: Formats that are not CSV: read ahead, never parsed as CSV.
NOT_CSV_SUFFIXES = frozenset({".geojson", ".json", ".gpkg"})
_NOT_CSV_STARTS = (b"\xef\xbb\xbf", b"SQLite format 3\x00", b"{", b"PK")
#: Larger files are only read ahead: one this big may be over the loader's row limit,
#: which it checks before parsing (1 GiB is about two million ACLED rows).
PARSE_AHEAD_MAX_BYTES = 1 << 30


@dataclass(frozen=True)
class Prefetched:
    """A file's bytes, their SHA-256 (hex) and maybe its CSV parse, made before asked.

    ``table`` is :func:`geo.arrowcsv.parse_lines` of ``data`` with the first line's
    names and the columns the detected reader reads (:func:`geo.formats.detected_columns`),
    or None (not a CSV, a UTF-8 byte-order mark, or Arrow refused it: the loader
    then parses the file itself).
    """

    data: bytes
    sha256: str
    table: pa.Table | None = None


_lock = threading.Lock()
_Box = list[tuple[tuple[int, int, int, int], Prefetched]]
_files: dict[str, tuple[threading.Event, _Box]] = {}


def _key(stat: os.stat_result) -> tuple[int, int, int, int]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _read(path: str, done: threading.Event, box: _Box) -> None:
    try:
        with open(path, "rb") as fh:
            before = os.fstat(fh.fileno())
            data = fh.read()
            after = os.fstat(fh.fileno())
        if len(data) == before.st_size and _key(before) == _key(after):
            digest: list[str] = []
            hashing = threading.Thread(target=_hash, args=(data, digest))
            hashing.start()  # Arrow's parse releases the GIL: both run at once
            table = _parse(path, data)
            hashing.join()
            box.append((_key(before), Prefetched(data, digest[0], table)))
    except OSError:
        pass  # the loader reads it again and reports the error itself
    finally:
        done.set()


def _hash(data: bytes, out: list[str]) -> None:
    out.append(hashlib.sha256(data).hexdigest())


def _parse(path: str, data: bytes) -> pa.Table | None:
    """Return Arrow's fast parse of a CSV file's bytes, or None when it is not one."""
    if (
        len(data) > PARSE_AHEAD_MAX_BYTES
        or Path(path).suffix.lower() in NOT_CSV_SUFFIXES
        or data[:64].lstrip().startswith(_NOT_CSV_STARTS)
    ):
        return None
    try:
        from geo import arrowcsv, formats

        names = arrowcsv.first_names(data)
        columns = formats.detected_columns(names)  # what the loader will ask for
        include = None if columns is None else [n for n in names if n in columns]
        return arrowcsv.parse_lines(data, names, include=include)
    except Exception:  # anything Arrow refuses, the loader reports itself
        return None


def _read_all(jobs: list[tuple[str, threading.Event, _Box]]) -> None:
    for job in jobs:
        _read(*job)


@contextlib.contextmanager
def reading(paths: Iterable[Path]) -> Iterator[None]:
    """Read the regular files among ``paths`` in the background for the block's duration.

    Parameters
    ----------
    paths
        Input files as the user named them; folders, missing files and formats in
        :data:`SKIPPED_SUFFIXES` are left to the loader.
    """
    jobs = []
    with _lock:
        for path in paths:
            name = os.path.abspath(path)
            if name in _files or Path(name).suffix.lower() in SKIPPED_SUFFIXES:
                continue
            if not os.path.isfile(name):
                continue
            entry: tuple[threading.Event, _Box] = (threading.Event(), [])
            _files[name] = entry
            jobs.append((name, *entry))
    if jobs:
        threading.Thread(target=_read_all, args=(jobs,), name="geo-prefetch", daemon=True).start()
    try:
        yield
    finally:
        with _lock:
            for name, _, _ in jobs:
                _files.pop(name, None)


def take(path: Path) -> Prefetched | None:
    """Return the prefetched bytes of ``path`` if they are still the file's content.

    Waits for a read in progress. Each prefetch is handed out once; None when the
    file was not prefetched, could not be read whole, or has changed since.
    """
    name = os.path.abspath(path)
    with _lock:
        entry = _files.pop(name, None)
    if entry is None:
        return None
    done, box = entry
    done.wait()
    if not box:
        return None
    key, got = box.pop()
    try:
        unchanged = _key(os.stat(name)) == key
    except OSError:
        return None
    return got if unchanged else None
