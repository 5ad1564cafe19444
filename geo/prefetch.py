"""Read the first input file on a spare core while the command is still starting up.

A command that reads incident files first spends a second importing pandas,
geopandas and the rest on one core. :func:`reading` reads the first file, its
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
    """Return Arrow's fast parse of a CSV file's bytes, or None when it is not one.

    None too for a header naming a column twice: the loader refuses it with its own
    message, and a table's columns are taken by name.
    """
    if (
        len(data) > PARSE_AHEAD_MAX_BYTES
        or Path(path).suffix.lower() in NOT_CSV_SUFFIXES
        or data[:64].lstrip().startswith(_NOT_CSV_STARTS)
    ):
        return None
    try:
        from geo import arrowcsv, formats

        names = arrowcsv.first_names(data)
        if len(set(names)) < len(names):
            return None
        columns = formats.detected_columns(names)  # what the loader will ask for
        include = None if columns is None else [n for n in names if n in columns]
        return arrowcsv.parse_lines(data, names, include=include)
    except Exception:  # anything Arrow refuses, the loader reports itself
        return None


#: Commands whose first argument is an incident file, read from the moment the process starts.
EARLY_COMMANDS = frozenset({"join", "stats"})
_early: set[str] = set()


def early(argv: list[str]) -> None:
    """Start reading a command's first input file before the command-line library loads.

    ``argv`` are the arguments after the program name. Only ``geo join FILE …`` and
    ``geo stats FILE …`` (the file right after the command) are read this early,
    some 50 ms before the command itself could start it; :func:`reading` then takes
    the read over as its own. Anything else is left to :func:`reading`.
    """
    if len(argv) >= 2 and argv[0] in EARLY_COMMANDS and not argv[1].startswith("-"):
        name = _start([Path(argv[1])])
        if name is not None:
            _early.add(name)


def _start(paths: Iterable[Path]) -> str | None:
    """Start reading the first regular file among ``paths``, or adopt its :func:`early` read.

    Returns the file's name when the caller now owns the read (and removes it when
    done); None when there is nothing to read or another block already reads it.
    """
    job = None
    with _lock:
        for path in paths:
            name = os.path.abspath(path)
            if Path(name).suffix.lower() in SKIPPED_SUFFIXES or not os.path.isfile(name):
                continue
            if name not in _files:
                entry: tuple[threading.Event, _Box] = (threading.Event(), [])
                _files[name] = entry
                job = (name, *entry)
            elif name in _early:  # read since the process started: now this block's own
                _early.discard(name)
                return name
            break
    if job is None:
        return None
    threading.Thread(target=_read, args=job, name="geo-prefetch", daemon=True).start()
    return job[0]


@contextlib.contextmanager
def reading(paths: Iterable[Path]) -> Iterator[None]:
    """Read the first regular file among ``paths`` in the background during the block.

    Only the first: the loader reads files one by one and frees each once parsed,
    so reading more ahead would hold them all in memory at once, and the startup
    it overlaps with is over before the first is parsed anyway.

    Parameters
    ----------
    paths
        Input files as the user named them; folders, missing files and formats in
        :data:`SKIPPED_SUFFIXES` are left to the loader.
    """
    name = _start(paths)
    try:
        yield
    finally:
        if name is not None:
            with _lock:
                _files.pop(name, None)


def peek(path: Path) -> Prefetched | None:
    """Return the prefetched bytes of ``path`` like :func:`take`, but leave them for it.

    For work that can start on the file before the loader reads it
    (:mod:`geo.ahead`); the loader still takes the prefetch and checks it itself.
    """
    return _find(path, keep=True)


def take(path: Path) -> Prefetched | None:
    """Return the prefetched bytes of ``path`` if they are still the file's content.

    Waits for a read in progress. Each prefetch is handed out once; None when the
    file was not prefetched, could not be read whole, or has changed since.
    """
    return _find(path, keep=False)


def _find(path: Path, *, keep: bool) -> Prefetched | None:
    name = os.path.abspath(path)
    with _lock:
        entry = _files.get(name) if keep else _files.pop(name, None)
    if entry is None:
        return None
    done, box = entry
    done.wait()
    if not box:
        return None
    key, got = box[-1] if keep else box.pop()
    try:
        unchanged = _key(os.stat(name)) == key
    except OSError:
        return None
    return got if unchanged else None
