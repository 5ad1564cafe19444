"""The boundary catalog: ``boundaries/catalog.toml`` read into frozen source and layer entries.

The catalog pins every admin-boundary file by sha256 and size and maps its fields
into the canonical schema of :mod:`geo.types`; it also lists the layers the project
defines itself.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from geo import paths
from geo.errors import CatalogError
from geo.types import ADMIN_COLUMNS, LEVELS, BoundaryKind, Level, Provenance

#: Levels every source must provide in its full variant.
REQUIRED_LEVELS: tuple[Level, ...] = ("country", "governorate", "district")

Delivery = Literal["fetch", "import"]
Variant = Literal["full", "simplified"]
Parents = Literal["fields", "spatial"]


@dataclass(frozen=True)
class LayerEntry:
    """One file of one source: its level, pinned hash and size, and field mapping."""

    source: str
    level: Level
    variant: Variant
    file: str
    pattern: str
    path: str
    sha256: str
    size: int
    fields: tuple[tuple[str, tuple[str, ...]], ...]
    features: int | None = None

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
    sources: tuple[SourceEntry, ...]
    project: tuple[ProjectEntry, ...]

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


def check_keys(
    table: dict[str, Any],
    cls: type,
    where: str,
    problems: list[str],
    *,
    derived: tuple[str, ...] = (),
) -> bool:
    """Check a TOML table against a dataclass: unknown and missing keys are problems.

    Parameters
    ----------
    table
        The parsed TOML table.
    cls
        The dataclass the table becomes.
    where
        Where the table is, for the messages (e.g. ``"[sources.geoboundaries]"``).
    problems
        Collects one message per unknown or missing key.
    derived
        Fields filled by the reader, not by the table.

    Returns
    -------
    bool
        True when the table has exactly the keys it may have.
    """
    fields = [f for f in dataclasses.fields(cls) if f.name not in derived]
    allowed = {f.name for f in fields}
    required = {f.name for f in fields if f.default is dataclasses.MISSING}
    ok = True
    for key in sorted(set(table) - allowed):
        problems.append(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        ok = False
    for key in sorted(required - set(table)):
        problems.append(f"{where}: missing key {key!r}")
        ok = False
    return ok


def _parse_layer(
    source: str, index: int, table: dict[str, Any], problems: list[str]
) -> LayerEntry | None:
    where = f"[[sources.{source}.layers]] #{index + 1}"
    if not check_keys(table, LayerEntry, where, problems, derived=("source",)):
        return None
    if table["level"] not in LEVELS:
        problems.append(f"{where}: level {table['level']!r} is not one of {', '.join(LEVELS)}")
        return None
    if table["variant"] not in ("full", "simplified"):
        problems.append(f"{where}: variant {table['variant']!r} is not 'full' or 'simplified'")
        return None
    fields = tuple(
        (column, (names,) if isinstance(names, str) else tuple(names))
        for column, names in table["fields"].items()
    )
    for column, _ in fields:
        if column not in ADMIN_COLUMNS or column in ("level", "source", "geometry"):
            problems.append(f"{where}: fields maps {column!r}, which is not a canonical column")
    return LayerEntry(source=source, **{**table, "fields": fields})


@functools.lru_cache(maxsize=4)
def _parse_catalog(path_str: str, _mtime_ns: int) -> Catalog:
    path = Path(path_str)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(
            f"{path} is not valid TOML: {exc}", hint="fix the file or reinstall"
        ) from exc
    problems: list[str] = []
    for key in sorted(set(data) - {"sources", "project"}):
        problems.append(f"{path.name}: unknown top-level key {key!r} (allowed: sources, project)")
    sources = []
    for key, table in data.get("sources", {}).items():
        where = f"[sources.{key}]"
        if not check_keys(table, SourceEntry, where, problems, derived=("key",)):
            continue
        layers = tuple(
            entry
            for i, raw in enumerate(table["layers"])
            if (entry := _parse_layer(key, i, raw, problems)) is not None
        )
        for level in REQUIRED_LEVELS:
            if not any(e.level == level and e.variant == "full" for e in layers):
                problems.append(f"{where}: no full {level} layer")
        sources.append(
            SourceEntry(
                key=key, **{**table, "signature": tuple(table["signature"]), "layers": layers}
            )
        )
    project = []
    for key, table in data.get("project", {}).items():
        if check_keys(table, ProjectEntry, f"[project.{key}]", problems, derived=("key",)):
            project.append(ProjectEntry(key=key, **table))
    if problems:
        raise CatalogError(
            f"{path} has {len(problems)} problem(s): " + "; ".join(problems),
            hint="fix the catalog (unknown keys are errors) or reinstall disputed-maps",
        )
    return Catalog(
        path=path,
        sources=tuple(sorted(sources, key=lambda s: (s.preference, s.key))),
        project=tuple(project),
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
