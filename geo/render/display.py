"""Display geometry: layers simplified, rounded and turned into GeoJSON once per build.

Inside :func:`shared_display` (the pipeline wraps a build's maps in it) a
layer drawn by several maps is simplified, converted and encoded as JSON once
and reused; outside it everything is computed afresh. Either way the result
is the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from geo.constants import GEOGRAPHIC_CRS

#: Display simplification of admin polygons (~100 m), stated in every map's caveats.
SIMPLIFY_DEG = 0.001

T = TypeVar("T")

#: The build's cache: key → (value, the objects whose ids the key holds, kept alive).
_CACHE: ContextVar[dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] | None] = ContextVar(
    "geo_display_cache", default=None
)


@contextlib.contextmanager
def shared_display() -> Iterator[None]:
    """Share display geometry between the maps drawn inside the block (one build)."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def cached(kind: str, frame: Any, make: Callable[[], T], *extra: Any) -> T:
    """Return ``make()``, computed once per ``frame`` object (and ``extra``) in a shared block.

    The frame is kept alive with the value, so its ``id`` cannot be reused meanwhile;
    callers never modify a value they got from here.
    """
    store = _CACHE.get()
    if store is None:
        return make()
    key = (kind, id(frame), *extra)
    if key not in store:
        store[key] = (make(), (frame,))
    return store[key][0]


def _by_content(kind: str, geoms: np.ndarray, make: Callable[[], T]) -> T:
    """Return ``make()``, computed once per distinct geometry (exact coordinates) in a block.

    Two frames holding the same shapes (a layer, and the hot-spot units made
    from it) share the work; the key is a digest of the geometries' WKB.
    """
    store = _CACHE.get()
    if store is None:
        return make()
    digest = hashlib.blake2b(digest_size=20)
    for wkb in shapely.to_wkb(geoms):
        digest.update(b"\0" if wkb is None else wkb)
    key = (kind, len(geoms), digest.hexdigest())
    if key not in store:
        store[key] = (make(), ())
    return store[key][0]


def geojson_dumps(obj: Any, **kwargs: Any) -> str:
    """Return ``json.dumps(obj, **kwargs)``, shared FeatureCollection geometry encoded once.

    The coordinates are most of a page's JSON, and several maps of a build draw
    the same geometry dictionaries (:func:`features` reuses them). Inside
    :func:`shared_display` each such dictionary is encoded once; the
    collection around it is encoded with the geometries as numbered
    placeholders, which are then swapped for the cached text. Anything else,
    or a placeholder that also occurs in the data, goes to ``json.dumps``
    whole: the text is always exactly ``json.dumps``'.
    """
    store = _CACHE.get()
    found = obj.get("features") if isinstance(obj, dict) else None
    if store is None or not isinstance(found, list) or not found:
        return json.dumps(obj, **kwargs)
    if not all(isinstance(f, dict) and isinstance(f.get("geometry"), dict) for f in found):
        return json.dumps(obj, **kwargs)
    marks = [f"\0geometry {i}\0" for i in range(len(found))]
    skeleton = {
        **obj,
        "features": [{**f, "geometry": m} for f, m in zip(found, marks, strict=True)],
    }
    pieces = json.dumps(skeleton, **kwargs).split('"\\u0000geometry ')
    if len(pieces) != len(found) + 1:  # the data holds the placeholder's text itself
        return json.dumps(obj, **kwargs)
    settings = repr(sorted(kwargs.items()))
    out = [pieces[0]]
    for i, (piece, feature) in enumerate(zip(pieces[1:], found, strict=True)):
        tail = f'{i}\\u0000"'
        if not piece.startswith(tail):
            return json.dumps(obj, **kwargs)
        geometry = feature["geometry"]
        key = ("json", id(geometry), settings)
        if key not in store:  # the geometry is kept alive with its text: its id stays its own
            store[key] = (json.dumps(geometry, **kwargs), (geometry,))
        out += [store[key][0], piece[len(tail) :]]
    return "".join(out)


def round6(geoms: np.ndarray) -> np.ndarray:
    """Return geometries with coordinates rounded to 6 decimals (0.1 m)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, 6))


def display_areas(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return admin areas simplified once for display, shared edges kept shared.

    Coverage simplification keeps neighbours without gaps; where the layer is
    not a clean coverage, each polygon is simplified on its own.
    """

    def make() -> gpd.GeoDataFrame:
        out = gdf.to_crs(GEOGRAPHIC_CRS).sort_values("code", kind="stable")
        out = out.reset_index(drop=True)
        geoms = np.asarray(out.geometry.values)
        out["geometry"] = _by_content("coverage", geoms, lambda: _simplify_coverage(geoms))
        return out

    return cached("areas", gdf, make)


def _simplify_coverage(geoms: np.ndarray) -> np.ndarray:
    """Return areas simplified as a coverage (each on its own where that fails), rounded."""
    try:
        simple = shapely.coverage_simplify(geoms, SIMPLIFY_DEG)
    except shapely.errors.GEOSException:
        simple = shapely.simplify(geoms, SIMPLIFY_DEG, preserve_topology=True)
    return round6(simple)


def simplified(gdf: gpd.GeoDataFrame, tolerance: float | None = SIMPLIFY_DEG) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326, each geometry simplified by ``tolerance`` (None: as is)."""

    def make() -> gpd.GeoDataFrame:
        out = gdf.to_crs(GEOGRAPHIC_CRS)
        if tolerance is None:
            return out
        return out.assign(geometry=shapely.simplify(out.geometry.values, tolerance))

    return cached("simplified", gdf, make, tolerance)


def _geometries(gdf: gpd.GeoDataFrame) -> list[dict[str, Any] | None]:
    """Return the GeoJSON geometry of each row, rounded to 6 decimals (empty as None)."""
    geoms = np.asarray(gdf.geometry.values)

    def make() -> list[dict[str, Any] | None]:
        return geojson_geometries(round6(geoms))

    return cached("geometries", gdf, lambda: _by_content("geojson", geoms, make))


def geojson_geometries(geoms: np.ndarray) -> list[dict[str, Any] | None]:
    """Return each geometry as GeoJSON (shapely's ``mapping``; empty or missing as None).

    Polygons and multipolygons, most of a page's data, are read with one
    vectorised call per level (parts, rings, coordinates) instead of shapely's
    per-coordinate Python loop: the same coordinates, as lists, not tuples.
    """
    geoms = np.asarray(geoms, dtype=object)
    absent = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    areal = ~absent & np.isin(types, (_POLYGON, _MULTIPOLYGON)) & ~shapely.has_z(geoms)
    out: list[dict[str, Any] | None] = [
        None if skip or fast else mapping(g)
        for g, skip, fast in zip(geoms, absent.tolist(), areal.tolist(), strict=True)
    ]
    polys = np.flatnonzero(areal)
    if not len(polys):
        return out
    parts, part_of = shapely.get_parts(geoms[polys], return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    xy = coords.tolist()
    part_rings: list[list[Any]] = [[] for _ in range(len(parts))]
    start = 0
    ends = np.cumsum(np.bincount(coord_of, minlength=len(rings))).tolist()
    for part, end in zip(ring_of.tolist(), ends, strict=True):
        part_rings[part].append(xy[start:end])
        start = end
    by_geom: list[list[Any]] = [[] for _ in range(len(polys))]
    for part, k in enumerate(part_of.tolist()):
        by_geom[k].append(part_rings[part])
    for k, i in enumerate(polys.tolist()):
        if types[i] == _POLYGON:
            out[i] = {"type": "Polygon", "coordinates": by_geom[k][0]}
        else:
            out[i] = {"type": "MultiPolygon", "coordinates": by_geom[k]}
    return out


#: shapely's type ids of the geometries :func:`geojson_geometries` reads vectorised.
_POLYGON, _MULTIPOLYGON = 3, 6


def features(gdf: gpd.GeoDataFrame, props: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Return a FeatureCollection of ``gdf``'s geometry with only ``props`` (already escaped).

    The same dictionary as geopandas' ``to_geo_dict(drop_id=False)`` of a frame
    holding ``props`` and the rounded geometry: ids ``"0"``, ``"1"`` …, missing
    values as ``None``.
    """
    columns = {k: list(v) for k, v in props.items()}
    geometries = _geometries(gdf)
    out = []
    for i, geometry in enumerate(geometries):
        properties = {k: _null(v[i]) for k, v in columns.items()}
        feature = {"id": str(i), "type": "Feature", "properties": properties}
        out.append({**feature, "geometry": geometry})
    return {"type": "FeatureCollection", "features": out}


def _null(value: Any) -> Any:
    """Return ``None`` for a missing value (None, NaN), else the value."""
    return None if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) else value
