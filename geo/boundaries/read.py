"""Read and validate boundary files: CRS enforced, geometry repaired, schema mapped, tiling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.boundaries.catalog import LayerEntry, SourceEntry
from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS
from geo.errors import BoundaryError
from geo.types import ADMIN_COLUMNS, LEVELS, Boundaries, Level

#: Gaps, overlaps or spill-overs smaller than this (km², in total per layer) are not reported.
TILING_TOLERANCE_KM2 = 0.1


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
    import pyogrio  # here, not at the top: a load from the cache never needs it

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


def read_source(
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
