"""Boundary files on disk: recognise a folder or zip, hash its files, keep the cache manifest."""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import json
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geo import paths
from geo.boundaries.catalog import REQUIRED_LEVELS, Catalog, LayerEntry, SourceEntry
from geo.boundaries.reports import FileAction, FileStatus
from geo.errors import CatalogError
from geo.write import sha256_file, write_text

MANIFEST = "manifest.json"
#: File types recognised in a folder or zip; a shapefile travels with its sidecars.
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Path]:
    """Yield a folder holding the files of ``path`` (itself, or a zip unpacked)."""
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise CatalogError(
            f"{path} is neither a folder nor a zip file",
            hint="give the folder or .zip holding the boundary files",
        )
    suffixes = VECTOR_SUFFIXES + SHAPEFILE_SIDECARS
    with tempfile.TemporaryDirectory(prefix="geo-import-") as tmp, zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            name = Path(member.filename)
            if member.is_dir() or name.suffix.lower() not in suffixes or name.name.startswith("."):
                continue
            archive.extract(member, tmp)  # ZipFile.extract drops absolute and ".." parts
        yield Path(tmp)


def recognise(
    folder: Path, origin: Path, catalog: Catalog
) -> tuple[SourceEntry, dict[LayerEntry, Path], list[str]]:
    """Find which source the files in ``folder`` belong to and which layer each file is."""
    notes: list[str] = []
    problems: list[str] = []
    found: dict[str, dict[LayerEntry, Path]] = {}
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in VECTOR_SUFFIXES),
        key=lambda p: p.name,
    )
    if not files:
        raise CatalogError(
            f"no boundary files (.geojson, .json, .gpkg, .shp) in {origin}",
            hint="give the folder or zip holding the COD-AB or geoBoundaries files",
        )
    import pyogrio  # here, not at the top: a load from the cache never needs it

    for file in files:
        try:
            fields = set(pyogrio.read_info(file)["fields"])
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            notes.append(f"ignored {file.name}: not a readable vector file ({exc})")
            continue
        sources = [s for s in catalog.sources if set(s.signature) <= fields]
        if not sources:
            notes.append(f"ignored {file.name}: its fields match no known source")
            continue
        src = sources[0]
        by_name = [e for e in src.layers if fnmatch.fnmatch(file.name.lower(), e.pattern.lower())]
        candidates = by_name or [
            e for e in src.layers if e.variant == "full" and e.source_fields() <= fields
        ]
        if len(candidates) > 1 and not by_name:
            widest = max(len(e.source_fields()) for e in candidates)
            candidates = [e for e in candidates if len(e.source_fields()) == widest]
        if len(candidates) != 1:
            patterns = ", ".join(e.pattern for e in src.layers)
            problems.append(
                f"{file.name} has the fields of {src.key} but its level cannot be told; "
                f"name it like one of: {patterns}"
            )
            continue
        entry = candidates[0]
        missing = sorted(entry.source_fields() - fields)
        if missing and not all(any(n in fields for n in names) for _, names in entry.fields):
            problems.append(
                f"{file.name} ({src.key} {entry.level}): missing field(s) {', '.join(missing)}"
            )
            continue
        layers = found.setdefault(src.key, {})
        if entry in layers:
            problems.append(
                f"two files for {src.key} {entry.level}/{entry.variant}: "
                f"{layers[entry].name} and {file.name}; keep one"
            )
            continue
        layers[entry] = file
    if len(found) > 1:
        problems.append(
            f"{origin} holds files of several sources ({', '.join(sorted(found))}); "
            "import one at a time"
        )
    if not found and not problems:
        raise CatalogError(
            f"no known boundary source recognised in {origin}: " + "; ".join(notes),
            hint="expected the COD-AB (ADM0_PCODE …) or geoBoundaries (shapeName, shapeID …) files",
        )
    if problems:
        raise CatalogError(
            f"cannot import {origin}: " + "; ".join(problems),
            hint="fix the files listed and import again",
        )
    key, layers = next(iter(found.items()))
    src = catalog.source(key)
    absent = [
        e
        for e in src.layers
        if e.variant == "full" and e.level in REQUIRED_LEVELS and e not in layers
    ]
    if absent:
        ignored = [n for n in notes if n.startswith("ignored ")]
        raise CatalogError(
            f"{origin} lacks the {src.key} layer(s) "
            + ", ".join(f"{e.level} ({e.pattern})" for e in absent)
            + ("; " + "; ".join(ignored) if ignored else ""),
            hint="add the missing files (country, governorate and district are required) "
            "and import again",
        )
    for e in src.layers:
        if e not in layers:
            notes.append(f"{src.key} {e.level}/{e.variant} ({e.pattern}) not present")
    return src, layers, notes


def file_status(entry: LayerEntry, file: Path, action: FileAction) -> FileStatus:
    """Return the hash, size and catalog match of ``file`` as the layer ``entry``."""
    digest, size = sha256_file(file), file.stat().st_size
    return FileStatus(
        name=file.name,
        level=entry.level,
        variant=entry.variant,
        sha256=digest,
        size=size,
        action=action,
        verified=digest == entry.sha256 and size == entry.size,
    )


def companions(file: Path) -> list[Path]:
    """Return ``file`` and, for a shapefile, its sidecar files."""
    if file.suffix.lower() != ".shp":
        return [file]
    sidecars = (p for p in file.parent.iterdir() if p.stem == file.stem)
    return [file, *sorted(p for p in sidecars if p.suffix.lower() in SHAPEFILE_SIDECARS)]


def write_manifest(
    directory: Path, src: SourceEntry, files: tuple[FileStatus, ...], origin: str
) -> None:
    """Write the cache manifest of ``directory``: the source, where it came from, its files."""
    manifest = {
        "source": src.key,
        "origin": origin,
        "verified": all(f.verified for f in files),
        "files": [dataclasses.asdict(f) for f in files],
    }
    write_text(directory / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """Return the cache manifest of ``directory``, or ``None`` when absent or unreadable."""
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def cached_files(src: SourceEntry) -> dict[LayerEntry, tuple[Path, FileStatus]] | None:
    """Return the cached file and status of each layer of ``src``, or ``None`` if incomplete."""
    directory = paths.boundaries_cache_dir() / src.key
    manifest = read_manifest(directory)
    if manifest is None or manifest.get("source") != src.key:
        return None
    out = {}
    for raw in manifest.get("files", []):
        entry = src.layer(raw["level"], raw["variant"])
        file = directory / raw["name"]
        if entry is None or not file.exists():
            continue
        out[entry] = (file, FileStatus(**raw))
    if any(src.layer(level) not in out for level in REQUIRED_LEVELS):
        return None
    return out
