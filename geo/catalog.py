"""Boundary catalog: fetch / import / verify / cache; canonical schema.

``boundaries/catalog.toml`` pins every admin-boundary file by sha256 and size and
maps its fields into the canonical schema of :mod:`geo.types`. Sources are either
downloaded (:func:`fetch`) or imported from a folder or zip (:func:`import_boundaries`)
into ``geo.paths.boundaries_cache_dir()/<source>/`` with a ``manifest.json`` recording
what was stored; :func:`load_boundaries` reads them back validated (declared CRS
enforced, invalid geometries repaired and reported, codes unique, tiling checked).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import json
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pooch
import pyogrio
import pyproj
import requests
import rich.progress
import shapely

from geo import paths
from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS
from geo.errors import BoundaryError, CatalogError, ChecksumError, DownloadError
from geo.types import ADMIN_COLUMNS, LEVELS, Boundaries, BoundaryKind, Level, Provenance
from geo.write import atomic_path, sha256_file, write_text

#: Seconds to wait for a server before giving up on a download.
TIMEOUT_S = 20
#: Gaps, overlaps or spill-overs smaller than this (km², in total per layer) are not reported.
TILING_TOLERANCE_KM2 = 0.1
MANIFEST = "manifest.json"
#: File types recognised in a folder or zip; a shapefile travels with its sidecars.
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
REQUIRED_LEVELS: tuple[Level, ...] = ("country", "governorate", "district")

Delivery = Literal["fetch", "import"]
Variant = Literal["full", "simplified"]
Parents = Literal["fields", "spatial"]
FileAction = Literal["downloaded", "already cached", "copied", "read"]

_DOWNLOAD_HINT = (
    "check the connection, use --mirror URL, or `geo boundaries import PATH` with a local copy"
)


# --------------------------------------------------------------------------- catalog


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


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class FileStatus:
    """One stored file: which layer it is, its hash and size, and what was done with it."""

    name: str
    level: Level
    variant: Variant
    sha256: str
    size: int
    action: FileAction
    verified: bool


@dataclass(frozen=True)
class FetchReport:
    """What :func:`fetch` downloaded or found already cached."""

    source: str
    directory: Path
    url_base: str
    files: tuple[FileStatus, ...]
    provenance: Provenance

    def summary(self) -> str:
        """Return a few human-readable lines for the terminal."""
        lines = [
            f"{self.source}: {len(self.files)} file(s) in {self.directory} (from {self.url_base})"
        ]
        lines += [
            f"  {f.name}: {f.action}, {f.size} bytes, sha256 {f.sha256} verified"
            for f in self.files
        ]
        lines.append(
            f"  licence {self.provenance.licence}; attribution: {self.provenance.attribution}"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_boundaries` recognised, verified and copied into the cache."""

    source: str
    origin: Path
    directory: Path
    verified: bool
    files: tuple[FileStatus, ...]
    notes: tuple[str, ...]
    provenance: Provenance

    def summary(self) -> str:
        """Return a few human-readable lines for the terminal."""
        state = "verified against the catalog" if self.verified else "UNVERIFIED (hashes recorded)"
        lines = [
            f"{self.source}: imported {len(self.files)} file(s) from {self.origin} "
            f"into {self.directory}, {state}"
        ]
        for f in self.files:
            mark = "ok" if f.verified else "differs from the catalog"
            lines.append(
                f"  {f.level}/{f.variant}: {f.name}, {f.size} bytes, sha256 {f.sha256} ({mark})"
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class LayerStatus:
    """One row of ``geo boundaries list``: a catalog layer or a project layer."""

    key: str
    source: str
    level: str
    variant: str
    kind: str
    licence: str
    attribution: str
    version: str
    features: int | None
    location: str

    def line(self) -> str:
        """Return the row as one line for ``geo boundaries list``."""
        count = "-" if self.features is None else str(self.features)
        return (
            f"{self.key:<36} {count:>5}  {self.licence} | {self.attribution} | "
            f"version {self.version} | {self.location}"
        )


# --------------------------------------------------------------------------- reading


def _within_degrees(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = bounds
    return bool(-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the polygonal parts of ``geom`` (a repaired polygon may carry lines or points)."""
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [
        p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon | shapely.MultiPolygon)
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def read_layer_file(
    path: Path | str, *, declared_crs: str = GEOGRAPHIC_CRS
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read one boundary file in EPSG:4326, enforcing its CRS and repairing invalid geometry.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage or shapefile.
    declared_crs
        The CRS the catalog declares for the file, used when the file names none.

    Returns
    -------
    tuple
        The layer in EPSG:4326 and human-readable notes (CRS conversions, repairs).

    Raises
    ------
    BoundaryError
        If the file cannot be read, is empty, has missing geometries, or has coordinates
        that are not degrees (e.g. UTM metres without a CRS).
    """
    file = Path(path)
    try:
        gdf = gpd.read_file(file, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise BoundaryError(
            f"cannot read boundary file {file}: {exc}",
            hint="check that it is a GeoJSON, GeoPackage or shapefile",
        ) from exc
    if gdf.empty:
        raise BoundaryError(
            f"boundary file {file} has no features", hint="check that it is the right file"
        )
    missing = np.flatnonzero(gdf.geometry.isna().to_numpy() | gdf.geometry.is_empty.to_numpy())
    if missing.size:
        rows = ", ".join(str(i + 1) for i in missing[:20])
        raise BoundaryError(
            f"{file}: {missing.size} feature(s) without geometry (feature {rows})",
            hint="repair or remove them and import again",
        )
    notes: list[str] = []
    declared = pyproj.CRS.from_user_input(declared_crs)
    bounds = gdf.total_bounds
    looks_metric = (
        f"{file}: coordinates reach x {bounds[0]:.0f}…{bounds[2]:.0f}, "
        f"y {bounds[1]:.0f}…{bounds[3]:.0f}, outside ±180/±90 — "
        "they look like projected metres, not degrees"
    )
    metric_hint = (
        "re-export the file in EPSG:4326 (lon/lat) or declare its CRS "
        "(a .prj file or a GeoJSON crs member)"
    )
    if gdf.crs is None:
        if declared.is_geographic and not _within_degrees(bounds):
            raise BoundaryError(looks_metric, hint=metric_hint)
        gdf = gdf.set_crs(declared)
        notes.append(f"{file.name}: the file names no CRS; read as the declared {declared_crs}")
    if gdf.crs.is_geographic and not _within_degrees(bounds):
        raise BoundaryError(
            f"{looks_metric} although the file declares {gdf.crs.to_string()}", hint=metric_hint
        )
    if not gdf.crs.equals(GEOGRAPHIC_CRS, ignore_axis_order=True):
        notes.append(f"{file.name}: converted from {gdf.crs.to_string()} to {GEOGRAPHIC_CRS}")
        gdf = gdf.to_crs(GEOGRAPHIC_CRS)
    else:
        gdf = gdf.set_crs(GEOGRAPHIC_CRS, allow_override=True)
    invalid = np.flatnonzero(~gdf.geometry.is_valid.to_numpy())
    if invalid.size:
        geoms = gdf.geometry.to_numpy()
        polygonal = bool(gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all())
        reasons = shapely.is_valid_reason(geoms[invalid])
        repaired = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        if polygonal:
            repaired = np.array([_polygonal(g) for g in repaired], dtype=object)
        geoms = geoms.copy()
        geoms[invalid] = repaired
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=GEOGRAPHIC_CRS))
        for i, reason in zip(invalid, reasons, strict=True):
            notes.append(
                f"{file.name} feature {i + 1}: invalid geometry ({reason}) repaired with make_valid"
            )
    return gdf, notes


def _first_nonempty(gdf: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    result = pd.Series("", index=gdf.index, dtype="str")
    for name in reversed(names):
        if name in gdf.columns:
            values = gdf[name].astype("str").where(gdf[name].notna(), "").str.strip()
            result = values.where(values != "", result)
    return result


def _canonical(
    gdf: gpd.GeoDataFrame, entry: LayerEntry, label: str, problems: list[str]
) -> gpd.GeoDataFrame:
    """Map one read layer into the canonical admin schema, collecting problems."""
    mapping = entry.field_map()
    columns: dict[str, Any] = {}
    for column in ADMIN_COLUMNS[:-1]:
        if column == "level":
            columns[column] = entry.level
        elif column == "source":
            columns[column] = entry.source
        elif column in mapping:
            names = mapping[column]
            if not any(n in gdf.columns for n in names):
                problems.append(
                    f"{label}: field {' or '.join(names)} (for {column!r}) is missing; "
                    f"fields present: {', '.join(c for c in gdf.columns if c != 'geometry')}"
                )
            columns[column] = _first_nonempty(gdf, names)
        else:
            columns[column] = ""
    out = gpd.GeoDataFrame(
        columns, geometry=gdf.geometry.to_numpy(), crs=GEOGRAPHIC_CRS, index=gdf.index
    )
    for column in ("code", "name"):
        blank = np.flatnonzero(out[column].to_numpy() == "")
        if blank.size:
            rows = ", ".join(str(i + 1) for i in blank[:20])
            problems.append(
                f"{label}: {blank.size} feature(s) with an empty {column} (feature {rows})"
            )
    dupes = out["code"][out["code"].duplicated(keep=False) & (out["code"] != "")]
    if not dupes.empty:
        problems.append(f"{label}: codes are not unique: {', '.join(sorted(set(dupes)))}")
    return out.sort_values("code", kind="stable").reset_index(drop=True)[list(ADMIN_COLUMNS)]


def _derive_governorates(
    districts: gpd.GeoDataFrame, governorates: gpd.GeoDataFrame, notes: list[str]
) -> gpd.GeoDataFrame:
    """Fill ``adm1_*`` of districts from the governorate holding each representative point."""
    points = gpd.GeoDataFrame(
        geometry=districts.geometry.representative_point(), crs=GEOGRAPHIC_CRS
    )
    hits = gpd.sjoin(
        points, governorates[["code", "name", "geometry"]], predicate="intersects", how="left"
    )
    hits = hits.sort_values("code").groupby(level=0).first().reindex(districts.index)
    lost = hits.index[hits["code"].isna()]
    if len(lost):
        nearest = (
            gpd.sjoin_nearest(
                points.loc[lost].to_crs(METRIC_CRS),
                governorates[["code", "name", "geometry"]].to_crs(METRIC_CRS),
                distance_col="distance_m",
            )
            .groupby(level=0)
            .first()
        )
        hits.loc[lost, ["code", "name"]] = nearest[["code", "name"]].to_numpy()
        for i in lost:
            notes.append(
                f"district {districts.at[i, 'code']} ({districts.at[i, 'name']}) "
                "lies in no governorate; "
                f"given the nearest, {nearest.at[i, 'name']} ({nearest.at[i, 'distance_m']:.0f} m)"
            )
    out = districts.copy()
    out["adm1_code"] = hits["code"].astype("str").to_numpy()
    out["adm1_name"] = hits["name"].astype("str").to_numpy()
    notes.append("district → governorate derived spatially (representative point of each district)")
    return out


def check_tiling(
    country: gpd.GeoDataFrame,
    layer: gpd.GeoDataFrame,
    *,
    label: str,
    tolerance_km2: float = TILING_TOLERANCE_KM2,
) -> list[str]:
    """Report where a layer fails to tile the country: gaps, overlaps and spill-overs.

    Areas are computed in EPSG:32638; totals at or below ``tolerance_km2`` are not reported.

    Parameters
    ----------
    country
        The country outline (one or more polygons).
    layer
        The areas that should cover the country exactly once, with a ``code`` column.
    label
        The layer's name in the notes, e.g. ``"governorates"``.
    tolerance_km2
        The largest total gap, overlap or spill-over that passes silently.

    Returns
    -------
    list of str
        Human-readable notes, empty when the layer tiles the country.
    """
    outline = country.to_crs(METRIC_CRS).union_all()
    areas = layer.to_crs(METRIC_CRS)
    covered = areas.union_all()
    notes = []
    for what, shape in (
        ("gaps", outline.difference(covered)),
        ("spill-over beyond the country", covered.difference(outline)),
    ):
        parts = shapely.get_parts(shape)
        total = float(shapely.area(parts).sum()) / 1e6 if parts.size else 0.0
        if total > tolerance_km2:
            largest = max(parts, key=shapely.area)
            where = (
                gpd.GeoSeries([largest.representative_point()], crs=METRIC_CRS)
                .to_crs(GEOGRAPHIC_CRS)
                .iloc[0]
            )
            notes.append(
                f"{label}: {what} of {total:.2f} km² in {len(parts)} part(s); largest "
                f"{largest.area / 1e6:.2f} km² near {where.y:.4f} N {where.x:.4f} E"
            )
    overlap = (float(areas.area.sum()) - covered.area) / 1e6
    if overlap > tolerance_km2:
        left, right = areas.sindex.query(areas.geometry, predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        shared = (
            shapely.area(
                shapely.intersection(
                    areas.geometry.to_numpy()[left], areas.geometry.to_numpy()[right]
                )
            )
            / 1e6
        )
        order = np.argsort(-shared)[:5]
        pairs = ", ".join(
            f"{areas['code'].iat[left[i]]}/{areas['code'].iat[right[i]]} {shared[i]:.2f} km²"
            for i in order
            if shared[i] > 0
        )
        notes.append(f"{label}: overlaps of {overlap:.2f} km² in total; largest: {pairs}")
    return notes


# --------------------------------------------------------------------------- folders and zips


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Path]:
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


def _recognise(
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


def _file_status(entry: LayerEntry, file: Path, action: FileAction) -> FileStatus:
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


def _companions(file: Path) -> list[Path]:
    """Return ``file`` and, for a shapefile, its sidecar files."""
    if file.suffix.lower() != ".shp":
        return [file]
    sidecars = (p for p in file.parent.iterdir() if p.stem == file.stem)
    return [file, *sorted(p for p in sidecars if p.suffix.lower() in SHAPEFILE_SIDECARS)]


def _write_manifest(
    directory: Path, src: SourceEntry, files: tuple[FileStatus, ...], origin: str
) -> None:
    manifest = {
        "source": src.key,
        "origin": origin,
        "verified": all(f.verified for f in files),
        "files": [dataclasses.asdict(f) for f in files],
    }
    write_text(directory / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _read_manifest(directory: Path) -> dict[str, Any] | None:
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


# --------------------------------------------------------------------------- fetch


class _RichBar:
    """Adapt a rich progress bar to the interface pooch drives (total, update, reset, close)."""

    def __init__(self, label: str) -> None:
        self._progress = rich.progress.Progress(
            *rich.progress.Progress.get_default_columns(), rich.progress.DownloadColumn()
        )
        self._task = self._progress.add_task(label, total=None)
        self._progress.start()

    @property
    def total(self) -> float | None:
        return self._progress.tasks[0].total

    @total.setter
    def total(self, value: float | None) -> None:
        self._progress.update(self._task, total=value or None)

    def update(self, n: float) -> None:
        self._progress.advance(self._task, n)

    def reset(self) -> None:
        self._progress.reset(self._task, total=self.total)

    def close(self) -> None:
        self._progress.stop()


class _CheckedDownload:
    """A pooch downloader that checks size and sha256 itself, so it can say which failed."""

    def __init__(self, entry: LayerEntry, *, progress: bool) -> None:
        self.entry = entry
        self.progress = progress

    def __call__(
        self, url: str, output_file: str, pooch_: pooch.Pooch | None, check_only: bool = False
    ) -> None:
        bar = _RichBar(self.entry.file) if self.progress else False
        try:
            pooch.HTTPDownloader(progressbar=bar, timeout=TIMEOUT_S)(url, output_file, pooch_)
        finally:
            if bar:
                bar.close()
        entry, file = self.entry, Path(output_file)
        size = file.stat().st_size
        hint = (
            "the server or mirror sent a different or damaged file: try again, use another "
            "--mirror URL, or `geo boundaries import PATH` with a verified copy"
        )
        if size != entry.size:
            raise ChecksumError(
                f"{entry.file} from {url} has {size} bytes, expected {entry.size}; "
                "the file was not cached",
                hint=hint,
            )
        digest = sha256_file(file)
        if digest != entry.sha256:
            raise ChecksumError(
                f"{entry.file} from {url} has sha256 {digest}, expected {entry.sha256}; "
                "the file was not cached",
                hint=hint,
            )


def _reason(exc: requests.exceptions.RequestException) -> str:
    """Return a short reason for a failed request: the HTTP status, or the kind of failure."""
    if exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason}"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {TIMEOUT_S} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the server cannot be reached (connection refused, no network or unknown host)"
    return type(exc).__name__


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
    pooch.get_logger().setLevel("WARNING")
    statuses = []
    for entry in src.layers:
        url = base + entry.path.lstrip("/")
        target = directory / entry.file
        cached = (
            target.exists()
            and target.stat().st_size == entry.size
            and sha256_file(target) == entry.sha256
        )
        try:
            pooch.retrieve(
                url,
                known_hash=f"sha256:{entry.sha256}",
                fname=entry.file,
                path=directory,
                downloader=_CheckedDownload(entry, progress=progress),
            )
        except requests.exceptions.RequestException as exc:
            raise DownloadError(
                f"could not download {url}: {_reason(exc)}", hint=_DOWNLOAD_HINT
            ) from exc
        statuses.append(_file_status(entry, target, "already cached" if cached else "downloaded"))
    files = tuple(statuses)
    _write_manifest(directory, src, files, base)
    return FetchReport(
        source=source,
        directory=directory,
        url_base=base,
        files=files,
        provenance=src.provenance(tuple((f.name, f.sha256) for f in files)),
    )


# --------------------------------------------------------------------------- import


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
    with _opened(origin) as folder:
        src, layers, notes = _recognise(folder, origin, cat)
        statuses = {entry: _file_status(entry, file, "copied") for entry, file in layers.items()}
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
            _build(src, layers, [], tuple((s.name, s.sha256) for s in statuses.values()), "")
        directory = paths.boundaries_cache_dir() / src.key
        keep = {MANIFEST}
        for file in layers.values():
            for part in _companions(file):
                keep.add(part.name)
                with atomic_path(directory / part.name) as tmp:
                    shutil.copyfile(part, tmp)
    for stale in directory.iterdir():
        if stale.name not in keep and stale.is_file():
            stale.unlink()
    files = tuple(sorted(statuses.values(), key=lambda s: (LEVELS.index(s.level), s.variant)))
    _write_manifest(directory, src, files, str(origin.resolve()))
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


# --------------------------------------------------------------------------- cache and loading


def _cached_files(src: SourceEntry) -> dict[LayerEntry, tuple[Path, FileStatus]] | None:
    directory = paths.boundaries_cache_dir() / src.key
    manifest = _read_manifest(directory)
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


def project_provenance() -> tuple[Provenance, ...]:
    """Return the provenance of the layers the project defines (zones, lines, places)."""
    return tuple(entry.provenance() for entry in load_catalog().project)


def cached_sources() -> list[str]:
    """Return the sources present in the cache, in preference order (``ocha-cod-ab`` first)."""
    return [src.key for src in load_catalog().sources if _cached_files(src) is not None]


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def _build(
    src: SourceEntry,
    layers: dict[LayerEntry, Path],
    notes: list[str],
    files: tuple[tuple[str, str], ...],
    provenance_notes: str,
) -> Boundaries:
    """Read, map and validate the full-variant layers of one source."""
    problems: list[str] = []
    frames: dict[Level, gpd.GeoDataFrame] = {}
    for entry, file in sorted(layers.items(), key=lambda kv: LEVELS.index(kv[0].level)):
        if entry.variant != "full":
            continue
        gdf, read_notes = read_layer_file(file, declared_crs=src.crs)
        notes.extend(read_notes)
        label = f"{src.key} {entry.level} ({file.name})"
        frames[entry.level] = _canonical(gdf, entry, label, problems)
        if entry.features is not None and len(gdf) != entry.features:
            notes.append(
                f"{label}: {len(gdf)} features where release {src.version} has {entry.features}"
            )
    if src.parents == "spatial" and "district" in frames and not problems:
        frames["district"] = _derive_governorates(frames["district"], frames["governorate"], notes)
    if problems:
        raise BoundaryError(
            f"{src.key} boundaries failed validation ({len(problems)} problem(s)): "
            + "; ".join(problems),
            hint="re-import the original files, or report the problem if they are original",
        )
    for level in ("governorate", "district", "subdistrict"):
        if level in frames:
            notes.extend(
                check_tiling(frames["country"], frames[level], label=f"{src.key} {level} layer")
            )
    if "subdistrict" not in frames:
        notes.append(
            f"{src.key} has no sub-districts: Mandali cannot be cut out of Baladruz and the "
            "Hamrin focus area is approximate"
        )
    return Boundaries(
        source=src.provenance(files, notes=provenance_notes),
        country=frames["country"],
        governorates=frames["governorate"],
        districts=frames["district"],
        subdistricts=frames.get("subdistrict"),
        report=tuple(notes),
    )


@functools.lru_cache(maxsize=8)
def _load_path(
    path_str: str, _stamp_key: tuple[tuple[str, int, int], ...], catalog_path: str
) -> Boundaries:
    origin = Path(path_str)
    cat = load_catalog(catalog_path)
    with _opened(origin) as folder:
        src, layers, notes = _recognise(folder, origin, cat)
        statuses = {e: _file_status(e, f, "read") for e, f in layers.items()}
        differ = [s.name for s in statuses.values() if not s.verified]
        if differ:
            notes.append(
                f"unverified: {', '.join(differ)} differ from the catalog's {src.key} "
                f"release ({src.version}); hashes recorded in the provenance"
            )
        files = tuple((s.name, s.sha256) for s in statuses.values())
        return _build(src, layers, notes, files, "Unverified files." if differ else "")


@functools.lru_cache(maxsize=8)
def _load_cache(
    key: str, _stamp_key: tuple[tuple[str, int, int], ...], catalog_path: str
) -> Boundaries:
    src = load_catalog(catalog_path).source(key)
    cached = _cached_files(src)
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
    layers = {entry: file for entry, (file, _) in cached.items()}
    return _build(src, layers, notes, files, "Unverified import." if unverified else "")


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


# --------------------------------------------------------------------------- listing


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
        cached = _cached_files(src) or {}
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
                    features=pyogrio.read_info(file)["features"] if file is not None else None,
                    location=str(file) if file is not None else "not cached",
                )
            )
    for entry in cat.project:
        try:
            location = str(paths.resource(entry.file))
        except FileNotFoundError:
            location = f"missing ({entry.file})"
        rows.append(
            LayerStatus(
                key=entry.key,
                source="disputed-maps",
                level=entry.kind,
                variant="project",
                kind="project",
                licence=entry.licence,
                attribution=entry.attribution,
                version=entry.version,
                features=None,
                location=location,
            )
        )
    return rows
