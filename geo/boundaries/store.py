"""Put a boundary source into the cache: download it (:func:`fetch`) or import a folder or zip.

Files land in ``geo.paths.boundaries_cache_dir()/<source>/`` with a ``manifest.json``
recording what was stored, its hashes and whether they match the catalog.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from geo import download, paths
from geo.boundaries.catalog import Catalog, load_catalog
from geo.boundaries.files import (
    MANIFEST,
    companions,
    file_status,
    opened,
    recognise,
    write_manifest,
)
from geo.boundaries.read import read_source
from geo.boundaries.reports import FetchReport, ImportReport
from geo.errors import CatalogError, ChecksumError, DownloadError
from geo.types import LEVELS
from geo.write import atomic_path, sha256_file

_DOWNLOAD_HINT = (
    "check the connection, use --mirror URL, or `geo boundaries import PATH` with a local copy"
)
_CHECKSUM_HINT = (
    "the server or mirror sent a different or damaged file: try again, use another "
    "--mirror URL, or `geo boundaries import PATH` with a verified copy"
)


def fetch(
    source: str = "geoboundaries",
    *,
    mirror: str | None = None,
    progress: bool = False,
    catalog: Catalog | None = None,
) -> FetchReport:
    """Download a source's files, verify hash and size, and cache them.

    Parameters
    ----------
    source
        A catalog source whose delivery is ``fetch``.
    mirror
        A URL replacing the source's base URL (closed networks keep a mirror with the
        same relative paths).
    progress
        Show a progress bar per file.
    catalog
        The catalog to use; by default the project's.

    Returns
    -------
    FetchReport
        The files stored in ``geo.paths.boundaries_cache_dir()/<source>/``.

    Raises
    ------
    DownloadError
        If downloads are disabled (``GEO_OFFLINE``), the server cannot be reached or answers
        with an HTTP error.
    ChecksumError
        If a file has the wrong size or sha256; it is not cached.
    """
    cat = catalog or load_catalog()
    src = cat.source(source)
    if src.delivery != "fetch":
        raise CatalogError(
            f"source {source!r} is not downloaded by the tool",
            hint=f"get its files from {src.homepage} and run `geo boundaries import PATH`",
        )
    base = (mirror or src.base_url).rstrip("/") + "/"
    if paths.offline():
        raise DownloadError(
            f"could not download {source} from {base}: downloads are disabled (GEO_OFFLINE is set)",
            hint=f"unset GEO_OFFLINE; {_DOWNLOAD_HINT}",
        )
    directory = paths.boundaries_cache_dir() / source
    statuses = []
    for entry in src.layers:
        url = base + entry.path.lstrip("/")
        target = directory / entry.file
        cached = (
            target.exists()
            and target.stat().st_size == entry.size
            and sha256_file(target) == entry.sha256
        )
        download.retrieve(
            url,
            directory=directory,
            fname=entry.file,
            sha256=entry.sha256,
            size=entry.size,
            progress=progress,
            hint=_DOWNLOAD_HINT,
            checksum_hint=_CHECKSUM_HINT,
        )
        statuses.append(file_status(entry, target, "already cached" if cached else "downloaded"))
    files = tuple(statuses)
    write_manifest(directory, src, files, base)
    return FetchReport(
        source=source,
        directory=directory,
        url_base=base,
        files=files,
        provenance=src.provenance(tuple((f.name, f.sha256) for f in files)),
    )


def import_boundaries(
    path: Path | str, *, allow_unverified: bool = False, catalog: Catalog | None = None
) -> ImportReport:
    """Recognise, verify and cache a boundary source from a folder or zip.

    Parameters
    ----------
    path
        A folder or ``.zip`` holding the source's files (GeoJSON, GeoPackage or shapefile).
    allow_unverified
        Accept files whose sha256 or size differ from the catalog (a newer release); the
        report and the cache manifest record their actual hashes.
    catalog
        The catalog to use; by default the project's.

    Returns
    -------
    ImportReport
        The recognised source, each file's hash and whether it matched the catalog.

    Raises
    ------
    CatalogError
        If no known source is recognised, a required layer is missing or a file is ambiguous.
    ChecksumError
        If files differ from the catalog and ``allow_unverified`` is false.
    """
    origin = Path(path).expanduser()
    if not origin.exists():
        raise CatalogError(
            f"{origin} does not exist", hint="give the folder or zip holding the boundary files"
        )
    cat = catalog or load_catalog()
    with opened(origin) as folder:
        src, layers, notes = recognise(folder, origin, cat)
        statuses = {entry: file_status(entry, file, "copied") for entry, file in layers.items()}
        bad = [(e, s) for e, s in statuses.items() if not s.verified]
        if bad and not allow_unverified:
            detail = "; ".join(
                f"{s.name}: sha256 {s.sha256} ({s.size} bytes), "
                f"expected {e.sha256} ({e.size} bytes)"
                for e, s in bad
            )
            raise ChecksumError(
                f"{origin}: {len(bad)} file(s) differ from the {src.key} catalog entry "
                f"(version {src.version}): {detail}; nothing was cached",
                hint="use the pinned release, or for a newer release import with "
                "--allow-unverified (allow_unverified=True) to record its hashes",
            )
        if bad:
            # not the pinned release: read and validate every layer before caching it
            read_source(src, layers, [], tuple((s.name, s.sha256) for s in statuses.values()), "")
        directory = paths.boundaries_cache_dir() / src.key
        keep = {MANIFEST}
        for file in layers.values():
            for part in companions(file):
                keep.add(part.name)
                with atomic_path(directory / part.name) as tmp:
                    shutil.copyfile(part, tmp)
    for stale in directory.iterdir():
        if stale.name not in keep and stale.is_file():
            stale.unlink()
    files = tuple(sorted(statuses.values(), key=lambda s: (LEVELS.index(s.level), s.variant)))
    write_manifest(directory, src, files, str(origin.resolve()))
    if bad:
        notes.append(
            f"{len(bad)} file(s) differ from the catalog (version {src.version}); "
            "imported unverified, actual hashes recorded"
        )
    return ImportReport(
        source=src.key,
        origin=origin,
        directory=directory,
        verified=not bad,
        files=files,
        notes=tuple(notes),
        provenance=src.provenance(
            tuple((f.name, f.sha256) for f in files), notes="" if not bad else "Unverified import."
        ),
    )
