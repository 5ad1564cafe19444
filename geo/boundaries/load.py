"""Load boundaries from the cache or a folder/zip, validated; list what is available.

Loaded sources are kept in-process, keyed by the files' modification times and sizes.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from geo import paths
from geo.boundaries import validated
from geo.boundaries.catalog import load_catalog
from geo.boundaries.files import cached_files, file_status, opened, recognise
from geo.boundaries.read import read_source
from geo.boundaries.reports import LayerStatus
from geo.errors import CatalogError, ChecksumError
from geo.types import LEVELS, Boundaries, Provenance
from geo.write import sha256_file


def _feature_count(file: Path | None) -> int | None:
    import pyogrio  # listing only: a load from the cache never needs it

    return None if file is None else int(pyogrio.read_info(file)["features"])


def project_provenance() -> tuple[Provenance, ...]:
    """Return the provenance of the layers the project defines (zones, lines, places)."""
    return tuple(entry.provenance() for entry in load_catalog().project)


def cached_sources() -> list[str]:
    """Return the sources present in the cache, in preference order (``ocha-cod-ab`` first)."""
    return [src.key for src in load_catalog().sources if cached_files(src) is not None]


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@functools.lru_cache(maxsize=8)
def _load_path(
    path_str: str, _stamp_key: tuple[tuple[str, int, int], ...], catalog_path: str
) -> Boundaries:
    origin = Path(path_str)
    cat = load_catalog(catalog_path)
    with opened(origin) as folder:
        src, layers, notes = recognise(folder, origin, cat)
        statuses = {e: file_status(e, f, "read") for e, f in layers.items()}
        differ = [s.name for s in statuses.values() if not s.verified]
        if differ:
            notes.append(
                f"unverified: {', '.join(differ)} differ from the catalog's {src.key} "
                f"release ({src.version}); hashes recorded in the provenance"
            )
        files = tuple((s.name, s.sha256) for s in statuses.values())
        return read_source(src, layers, notes, files, "Unverified files." if differ else "")


@functools.lru_cache(maxsize=8)
def _load_cache(
    key: str, _stamp_key: tuple[tuple[str, int, int], ...], catalog_path: str
) -> Boundaries:
    src = load_catalog(catalog_path).source(key)
    cached = cached_files(src)
    if cached is None:
        raise CatalogError(
            f"boundary source {key!r} is not cached in {paths.boundaries_cache_dir()}",
            hint=f"run `geo boundaries import PATH` or `geo boundaries fetch {key}`",
        )
    notes = []
    for file, status in cached.values():
        if sha256_file(file) != status.sha256:
            raise ChecksumError(
                f"cached file {file} changed since it was stored (sha256 no longer "
                f"{status.sha256})",
                hint=f"import or fetch {key} again",
            )
    unverified = [status.name for _, status in cached.values() if not status.verified]
    if unverified:
        notes.append(
            f"unverified import: {', '.join(unverified)} differ from the catalog's "
            f"{key} release ({src.version})"
        )
    files = tuple((status.name, status.sha256) for _, status in cached.values())
    extra = "Unverified import." if unverified else ""
    directory = paths.boundaries_cache_dir() / key
    stored = validated.key(files, Path(catalog_path), notes)
    snapshot = validated.read(directory, stored)
    if snapshot is not None:
        frames, report = snapshot
        return Boundaries(
            source=src.provenance(files, notes=extra),
            country=frames["country"],
            governorates=frames["governorate"],
            districts=frames["district"],
            subdistricts=frames.get("subdistrict"),
            report=tuple(report),
            snapshot=(directory / validated.FOLDER, stored),
        )
    layers = {entry: file for entry, (file, _) in cached.items()}
    loaded = read_source(src, layers, notes, files, extra)
    levels = {level: loaded.level(level) for level in LEVELS}
    frames = {level: frame for level, frame in levels.items() if frame is not None}
    validated.write(directory, stored, frames, list(loaded.report))
    return dataclasses.replace(loaded, snapshot=(directory / validated.FOLDER, stored))


def load_boundaries(source: str | None = None, *, path: Path | str | None = None) -> Boundaries:
    """Load one source's admin layers in the canonical schema, validated.

    Parameters
    ----------
    source
        A catalog source key; by default the most preferred cached source.
    path
        Read straight from this folder or zip instead of the cache (nothing is cached).

    Returns
    -------
    Boundaries
        Country, governorates, districts and (COD-AB only) sub-districts in EPSG:4326;
        ``report`` lists CRS conversions, repairs, tiling gaps/overlaps and caveats. The
        result is cached in-process: copy a layer before changing it.

    Raises
    ------
    CatalogError
        If nothing is cached (or not the source asked for), or the path holds no known source.
    BoundaryError
        If a layer fails validation (missing fields, empty or duplicate codes, bad CRS).
    ChecksumError
        If a cached file changed since it was stored.
    """
    catalog_path = str(load_catalog().path)
    if path is not None:
        origin = Path(path).expanduser().resolve()
        if not origin.exists():
            raise CatalogError(
                f"boundary path {origin} does not exist",
                hint="give the folder or zip holding the boundary files",
            )
        return _load_path(str(origin), _stamp(origin), catalog_path)
    available = cached_sources()
    if source is None:
        if not available:
            raise CatalogError(
                f"no boundaries cached in {paths.boundaries_cache_dir()}",
                hint="run `geo boundaries import PATH` (COD-AB folder or zip) "
                "or `geo boundaries fetch`",
            )
        source = available[0]
    else:
        load_catalog().source(source)
    directory = paths.boundaries_cache_dir() / source
    if source not in available:
        raise CatalogError(
            f"boundary source {source!r} is not cached in {paths.boundaries_cache_dir()}",
            hint=f"run `geo boundaries import PATH` or `geo boundaries fetch {source}`",
        )
    return _load_cache(source, _stamp(directory), catalog_path)


def list_layers() -> list[LayerStatus]:
    """Return one row per catalog layer and per project layer, for ``geo boundaries list``.

    Returns
    -------
    list of LayerStatus
        Catalog layers with their feature count and cache path when cached ("not cached"
        otherwise), then the project's own layers with the file that defines them.
    """
    cat = load_catalog()
    rows = []
    for src in cat.sources:
        cached = cached_files(src) or {}
        for entry in src.layers:
            file = cached.get(entry, (None, None))[0]
            rows.append(
                LayerStatus(
                    key=f"{src.key}/{entry.level}"
                    + ("" if entry.variant == "full" else f"/{entry.variant}"),
                    source=src.key,
                    level=entry.level,
                    variant=entry.variant,
                    kind=src.kind,
                    licence=src.licence,
                    attribution=src.attribution,
                    version=src.version,
                    features=_feature_count(file),
                    location=str(file) if file is not None else "not cached",
                )
            )
    for project in cat.project:
        try:
            location = str(paths.resource(project.file))
        except FileNotFoundError:
            location = f"missing ({project.file})"
        rows.append(
            LayerStatus(
                key=project.key,
                source="disputed-maps",
                level=project.kind,
                variant="project",
                kind="project",
                licence=project.licence,
                attribution=project.attribution,
                version=project.version,
                features=None,
                location=location,
            )
        )
    return rows
