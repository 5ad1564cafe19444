"""A user's KRG line (``--krg-line``): read, checked and put in place of the 2019 one."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import geopandas as gpd
import shapely

from geo.boundaries.definitions import disputed_data
from geo.boundaries.read import read_layer_file
from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS
from geo.errors import BoundaryError
from geo.layers import LINE_COLUMNS, outline_line, zone_frame
from geo.types import ProjectLayers, Provenance


def user_krg_line(layers: ProjectLayers, path: Path | str) -> tuple[ProjectLayers, Provenance]:
    """Replace the KRG line (and, from a polygon, the KRG area) with a user's file.

    The file is read and validated like any boundary layer
    (:func:`geo.boundaries.read.read_layer_file`: CRS enforced, metres without a CRS
    refused, invalid geometry repaired and reported). Lines (LineString or
    MultiLineString features) become the KRG line; the KRG area, which says on which
    side of the line an event lies, stays the 2019 administrative one. Polygons become
    the KRG area, and their outline without the international border the line.

    Parameters
    ----------
    layers
        The project layers to change.
    path
        A GeoJSON or GeoPackage file with line or polygon features.

    Returns
    -------
    tuple
        The changed layers (their notes say what replaced what) and the file's provenance.

    Raises
    ------
    BoundaryError
        When the file cannot be read, has no features, has points or mixed lines and
        polygons, or lies outside Iraq.
    """
    file = Path(path)
    merged, polygonal, read_notes = _read_user_line(file, layers)
    sha = hashlib.sha256(file.read_bytes()).hexdigest()
    name = f"KRG line from {file.name} (user-supplied)"
    notes = [
        f"the KRG line is {file.name} (sha256 {sha[:12]}), given with --krg-line; it replaces "
        "the 2019 administrative boundary of the Kurdistan Region in this map and in the "
        "seam figures",
        *read_notes,
    ]
    area_frame = layers.krg_area
    if polygonal:
        buffer_m = disputed_data().krg.border_buffer_m
        metric_line = outline_line(merged, layers.boundaries, buffer_m)
        line = gpd.GeoSeries([metric_line], crs=METRIC_CRS).to_crs(GEOGRAPHIC_CRS).iat[0]
        area_frame = zone_frame(
            "krg-area",
            f"KRG area from {file.name} (user-supplied)",
            "krg-area",
            [],
            merged,
            f"{file.name} (--krg-line)",
            "as stated by the file's publisher",
            [f"the KRG area is the polygon(s) in {file.name}, given with --krg-line"],
        )
        notes.append("the KRG area (which side of the line an event is on) is the file's polygon")
    else:
        line = shapely.line_merge(merged) if isinstance(merged, shapely.MultiLineString) else merged
        metric_line = gpd.GeoSeries([line], crs=GEOGRAPHIC_CRS).to_crs(METRIC_CRS).iat[0]
        notes.append(
            "the side of the line (in_krg_area) still comes from the 2019 administrative "
            "KRG area; give a polygon to set both"
        )
    row = {
        "key": "krg-line",
        "name": name,
        "kind": "user-supplied",
        "length_km": round(metric_line.length / 1e3, 3),
        "source": f"{file.name} (--krg-line, sha256 {sha[:12]})",
        "notes": " | ".join(notes),
        "geometry": line,
    }
    frame = gpd.GeoDataFrame(
        [row], columns=list(LINE_COLUMNS), geometry="geometry", crs=GEOGRAPHIC_CRS
    )
    kept = tuple(n for n in layers.notes if not n.startswith(("krg-line:", "krg-area:")))
    changed = dataclasses.replace(
        layers,
        krg_line=frame,
        krg_area=area_frame,
        notes=(*kept, *(f"krg-line: {n}" for n in notes)),
    )
    provenance = Provenance(
        key="krg-line:user",
        title=name,
        licence="as stated by the file's publisher (not recorded in the file)",
        attribution="the file's publisher",
        version=sha[:12],
        kind="project",
        files=((file.name, sha),),
        notes="; ".join(notes),
    )
    return changed, provenance


def _read_user_line(file: Path, layers: ProjectLayers) -> tuple[shapely.Geometry, bool, list[str]]:
    """Read a ``--krg-line`` file: its merged geometry, whether it is polygonal, read notes."""
    gdf, read_notes = read_layer_file(file)
    kinds = set(gdf.geometry.geom_type)
    lines, polygons = {"LineString", "MultiLineString"}, {"Polygon", "MultiPolygon"}
    if not (kinds <= lines or kinds <= polygons):
        raise BoundaryError(
            f"{file}: --krg-line needs line or polygon features, got {', '.join(sorted(kinds))}",
            hint="give the line as LineString features, or the KRG area as Polygon features",
        )
    merged = shapely.union_all(gdf.geometry.to_numpy())
    country = layers.boundaries.country.union_all()
    if not merged.intersects(country.buffer(0.5)):
        raise BoundaryError(
            f"{file}: the line lies outside Iraq (bounds {merged.bounds})",
            hint="check the file's CRS and coordinates (longitude, latitude)",
        )
    return merged, kinds <= polygons, list(read_notes)
