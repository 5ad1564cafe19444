"""Validated layers kept beside the cached files, so a repeated load skips validation.

Reading, mapping and validating a source (CRS, repairs, codes, tiling) takes most of
a second, and cutting the project's zones and lines from it a tenth more; a command
run again on the same cache should pay neither again. After a load from the cache
validates the files, the canonical layers and the validation report are stored in
``<cache>/<source>/validated/boundaries.pickle`` under a key made of the cached
files' sha256, the catalog and the code that validated them; layers derived from
them (:func:`geo.layers.project_layers`) are stored beside it by :func:`write_derived`
under that key plus their own. A later load with the same key reads them back in a
few milliseconds; anything else (a re-import, a new catalog, a new version of the
tool) validates again.

The files are Python pickles, written and read only by this tool in the user's own
cache folder: the same trust as the installed code, and a file that is not the
user's own or that others may write is ignored (GeoParquet took 30 times longer
to read back). The snapshot is a convenience: failing to read or write it never
fails a load.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo import paths
from geo.write import write_bytes

FOLDER = "validated"
_BOUNDARIES = "boundaries"


@functools.cache
def code_fingerprint(*files: Path) -> str:
    """Return a hash of the boundary code (this package and ``geo/types.py``) and ``files``."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in [*sorted([*here.glob("*.py"), here.parent / "types.py"]), *files]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(files: tuple[tuple[str, str], ...], catalog: Path, notes: list[str]) -> str:
    """Return the snapshot key for these cached files, catalog and load notes."""
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(json.dumps([list(f) for f in files], sort_keys=True).encode())
    digest.update(catalog.read_bytes())
    digest.update(json.dumps(notes).encode())
    return digest.hexdigest()


def _read(path: Path, expected: str) -> Any | None:
    try:
        if not paths.private_file(path):
            return None
        with path.open("rb") as fh:
            stored = pickle.load(fh)  # noqa: S301 -- the user's own cache (see the docstring)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != expected:
        return None
    return stored.get("value")


def _write(path: Path, stored: str, value: Any) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        write_bytes(path, pickle.dumps({"key": stored, "value": value}, protocol=5))
    except (OSError, pickle.PicklingError):
        pass  # a read-only or full cache only costs the next load its validation


def read(directory: Path, expected: str) -> tuple[dict[str, gpd.GeoDataFrame], list[str]] | None:
    """Return the layers and report stored under ``expected``, or None when absent or stale."""
    value = _read(directory / FOLDER / f"{_BOUNDARIES}.pickle", expected)
    if value is None:
        return None
    frames, report = value
    return dict(frames), list(report)


def write(
    directory: Path, stored: str, frames: dict[str, gpd.GeoDataFrame], report: list[str]
) -> None:
    """Store validated layers and their report under key ``stored`` (best effort)."""
    folder = directory / FOLDER
    for old in [*folder.glob("*.parquet"), folder / "snapshot.json"]:  # the 0.1 format
        old.unlink(missing_ok=True)
    _write(folder / f"{_BOUNDARIES}.pickle", stored, (frames, report))


def read_derived(folder: Path, name: str, expected: str) -> Any | None:
    """Return what :func:`write_derived` stored as ``name`` under ``expected``, else None."""
    return _read(folder / f"{name}.pickle", expected)


def write_derived(folder: Path, name: str, stored: str, value: Any) -> None:
    """Store ``value`` (layers derived from a snapshot) as ``name`` under key ``stored``."""
    _write(folder / f"{name}.pickle", stored, value)
