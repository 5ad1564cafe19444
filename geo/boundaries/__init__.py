"""Admin boundaries: the catalog, reading and checking files, the cache, the project definitions.

The way through the package: :mod:`~geo.boundaries.catalog` (``boundaries/catalog.toml``)
→ :mod:`~geo.boundaries.read` (one file read and validated) → :mod:`~geo.boundaries.files`
(folders, zips, cache manifest) → :mod:`~geo.boundaries.store` (fetch, import) and
:mod:`~geo.boundaries.load` (cache → :class:`~geo.types.Boundaries`, listing) →
:mod:`~geo.boundaries.resolve` (which source to use, or :mod:`~geo.boundaries.schematic`).
:mod:`~geo.boundaries.definitions` reads the project's own ``disputed.toml`` and
``hamrin.toml``.

Public API: :func:`load_boundaries`, :func:`resolve_boundaries`, :func:`fetch`,
:func:`import_boundaries`, :func:`load_catalog`, :func:`list_layers`,
:func:`cached_sources`, :func:`project_provenance`, :func:`read_layer_file`,
:func:`check_tiling`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geo.boundaries.catalog import Catalog, LayerEntry, ProjectEntry, SourceEntry, load_catalog
from geo.boundaries.load import cached_sources, list_layers, load_boundaries, project_provenance
from geo.boundaries.read import check_tiling, read_layer_file
from geo.boundaries.reports import FetchReport, FileStatus, ImportReport, LayerStatus
from geo.boundaries.resolve import Resolved, resolve_boundaries

if TYPE_CHECKING:
    from geo.boundaries.store import fetch, import_boundaries


def __getattr__(name: str) -> Any:
    """Import the fetch/import functions on first use (they bring requests and pooch)."""
    if name in ("fetch", "import_boundaries"):
        from geo.boundaries import store

        return getattr(store, name)
    raise AttributeError(f"module 'geo.boundaries' has no attribute {name!r}")


__all__ = [
    "Catalog",
    "FetchReport",
    "FileStatus",
    "ImportReport",
    "LayerEntry",
    "LayerStatus",
    "ProjectEntry",
    "Resolved",
    "SourceEntry",
    "cached_sources",
    "check_tiling",
    "fetch",
    "import_boundaries",
    "list_layers",
    "load_boundaries",
    "load_catalog",
    "project_provenance",
    "read_layer_file",
    "resolve_boundaries",
]
