"""The boundary catalog: ``boundaries/catalog.toml`` read into frozen source and layer entries.

The catalog pins every admin-boundary file by sha256 and size and maps its fields
into the canonical schema of :mod:`geo.types`; it also lists the layers the project
defines itself.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from geo import paths, tomlread
from geo.errors import CatalogError
from geo.types import ADMIN_COLUMNS, BoundaryKind, Level, Provenance

#: Levels every source must provide in its full variant.
REQUIRED_LEVELS: tuple[Level, ...] = ("country", "governorate", "district")

Delivery = Literal["fetch", "import"]
Variant = Literal["full", "simplified"]
Parents = Literal["fields", "spatial"]


def _field_pairs(
    mapping: dict[str, str | tuple[str, ...]],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return a ``fields`` table as (canonical column, candidate source fields) pairs."""
    return tuple(
        (column, (names,) if isinstance(names, str) else names) for column, names in mapping.items()
    )


@dataclass(frozen=True)
class LayerEntry:
    """One file of one source: its level, pinned hash and size, and field mapping."""

    source: str = field(metadata=tomlread.option(parent="key"))
    level: Level
    variant: Variant
    file: str
    pattern: str
    path: str
    sha256: str
    size: int
    fields: tuple[tuple[str, tuple[str, ...]], ...] = field(
        metadata=tomlread.option(read_as=dict[str, str | tuple[str, ...]], convert=_field_pairs)
    )
    features: int | None = None

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: ``fields`` maps canonical columns only."""
        for column, _ in self.fields:
            if column not in ADMIN_COLUMNS or column in ("level", "source", "geometry"):
                yield f"fields maps {column!r}, which is not a canonical column", ""

    def field_map(self) -> dict[str, tuple[str, ...]]:
        """Return the canonical column → candidate source fields mapping."""
        return dict(self.fields)

    def source_fields(self) -> frozenset[str]:
        """Return every source field the mapping reads."""
        return frozenset(f for _, names in self.fields for f in names)


@dataclass(frozen=True)
class SourceEntry:
    """One boundary source: provenance, delivery and its layers."""

    key: str
    title: str
    kind: BoundaryKind
    preference: int
    delivery: Delivery
    homepage: str
    base_url: str
    licence: str
    licence_url: str
    attribution: str
    version: str
    valid_from: str
    crs: str
    signature: tuple[str, ...]
    parents: Parents
    notes: str
    layers: tuple[LayerEntry, ...]

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: every required level has a full layer."""
        for level in REQUIRED_LEVELS:
            if self.layer(level) is None:
                yield f"no full {level} layer", ""

    def layer(self, level: Level, variant: Variant = "full") -> LayerEntry | None:
        """Return the entry of one level and variant, or ``None`` where the source lacks it."""
        for entry in self.layers:
            if entry.level == level and entry.variant == variant:
                return entry
        return None

    def provenance(self, files: tuple[tuple[str, str], ...] = (), *, notes: str = "") -> Provenance:
        """Return the :class:`~geo.types.Provenance` of this source for the given files."""
        return Provenance(
            key=self.key,
            title=self.title,
            licence=self.licence,
            attribution=self.attribution,
            version=self.version,
            url=self.homepage,
            kind=self.kind,
            files=files,
            notes=" ".join(part for part in (self.notes, notes) if part),
        )


@dataclass(frozen=True)
class ProjectEntry:
    """A layer the project defines itself (disputed zones, KRG area and line, Hamrin, places)."""

    key: str
    title: str
    file: str
    kind: Literal["zone", "line", "point"]
    licence: str
    attribution: str
    version: str

    def provenance(self) -> Provenance:
        """Return this layer as a :class:`geo.types.Provenance` record for maps and tables."""
        return Provenance(
            key=self.key,
            title=self.title,
            licence=self.licence,
            attribution=self.attribution,
            version=self.version,
            kind="project",
        )


@dataclass(frozen=True)
class Catalog:
    """Everything ``boundaries/catalog.toml`` declares."""

    path: Path
    sources: tuple[SourceEntry, ...] = field(default=(), metadata=tomlread.option(keyed=True))
    project: tuple[ProjectEntry, ...] = field(default=(), metadata=tomlread.option(keyed=True))

    def source(self, key: str) -> SourceEntry:
        """Return the source called ``key``.

        Raises
        ------
        CatalogError
            If the catalog has no such source.
        """
        for src in self.sources:
            if src.key == key:
                return src
        known = ", ".join(s.key for s in self.sources)
        raise CatalogError(
            f"unknown boundary source {key!r} in {self.path}", hint=f"use one of: {known}"
        )

    def project_layer(self, key: str) -> ProjectEntry:
        """Return the project layer called ``key``.

        Raises
        ------
        CatalogError
            If the catalog has no such project layer.
        """
        for entry in self.project:
            if entry.key == key:
                return entry
        known = ", ".join(e.key for e in self.project)
        raise CatalogError(
            f"unknown project layer {key!r} in {self.path}", hint=f"use one of: {known}"
        )


@functools.lru_cache(maxsize=4)
def _parse_catalog(path_str: str, _mtime_ns: int) -> Catalog:
    path = Path(path_str)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(
            f"{path} is not valid TOML: {exc}", hint="fix the file or reinstall"
        ) from exc
    problems: list[tomlread.Problem] = []
    catalog = tomlread.read(Catalog, data, problems=problems, given={"path": path})
    tomlread.raise_problems(
        problems,
        source=str(path),
        error=CatalogError,
        hint="fix the catalog (unknown keys are errors) or reinstall disputed-maps",
    )
    assert catalog is not None  # no problems, so the catalog was read
    return dataclasses.replace(
        catalog, sources=tuple(sorted(catalog.sources, key=lambda s: (s.preference, s.key)))
    )


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read the boundary catalog.

    Parameters
    ----------
    path
        A catalog file; by default the project's ``boundaries/catalog.toml``.

    Returns
    -------
    Catalog
        Sources in preference order (``ocha-cod-ab`` first) and the project's own layers.

    Raises
    ------
    CatalogError
        If the file is not valid TOML, has unknown or missing keys, or a bad level.
    """
    file = Path(path) if path is not None else paths.resource("boundaries/catalog.toml")
    return _parse_catalog(str(file.resolve()), file.stat().st_mtime_ns)
