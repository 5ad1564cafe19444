"""Choose the boundary source: explicit path, cache, download, or the schematic fallback.

Order (an explicit choice always wins):

1. ``--boundaries PATH`` (a folder or zip of COD-AB or geoBoundaries files);
2. ``GEO_BOUNDARIES`` (the same, from the environment);
3. the user's cache (imported or fetched earlier; COD-AB preferred);
4. a download of geoBoundaries when online (skipped with ``GEO_OFFLINE=1``);
5. the schematic fallback the project derives from its own gazetteer, always
   marked approximate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from geo.boundaries.load import cached_sources, load_boundaries
from geo.errors import CatalogError, DownloadError
from geo.paths import offline
from geo.types import Boundaries

How = Literal["path", "env", "cache", "download", "schematic"]


@dataclass(frozen=True, eq=False)
class Resolved:
    """The boundaries chosen and how they were found."""

    boundaries: Boundaries
    how: How
    detail: str

    @property
    def schematic(self) -> bool:
        """Return True when the schematic fallback is in use."""
        return self.boundaries.source.kind == "schematic"


def resolve_boundaries(path: Path | str | None = None, *, download: bool = True) -> Resolved:
    """Return the boundaries to use, following the order in the module docstring.

    Parameters
    ----------
    path
        An explicit folder or zip; errors in it are reported, never skipped.
    download
        Try a download when nothing is cached (ignored when ``GEO_OFFLINE=1``).
    """
    if path is not None:
        return Resolved(load_boundaries(path=path), "path", f"--boundaries {path}")
    env = os.environ.get("GEO_BOUNDARIES")
    if env:
        return Resolved(load_boundaries(path=env), "env", f"GEO_BOUNDARIES={env}")
    cached = cached_sources()
    if cached:
        return Resolved(load_boundaries(cached[0]), "cache", f"cache: {cached[0]}")
    reason = "downloads are off (GEO_OFFLINE=1)" if offline() else ""
    if download and not offline():
        try:
            from geo.boundaries.store import fetch  # requests, pooch: only to download

            fetch("geoboundaries")
            return Resolved(
                load_boundaries("geoboundaries"), "download", "downloaded geoBoundaries"
            )
        except (DownloadError, CatalogError) as exc:
            reason = exc.one_line()
    detail = "schematic fallback: no authoritative boundaries cached"
    if reason:
        detail += f" ({reason})"
    from geo.boundaries import schematic  # the fallback only: a cached load never needs it

    return Resolved(schematic.build_boundaries(), "schematic", detail)
