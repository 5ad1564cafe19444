"""Display geometry: layers simplified, rounded and turned into GeoJSON once per build.

Inside :func:`shared_display` (the pipeline wraps a build's maps in it) a
layer drawn by several maps is simplified and converted once and reused;
outside it everything is computed afresh. Either way the result is the same.
"""

from __future__ import annotations

import contextlib
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
        try:
            simple = shapely.coverage_simplify(geoms, SIMPLIFY_DEG)
        except shapely.errors.GEOSException:
            simple = shapely.simplify(geoms, SIMPLIFY_DEG, preserve_topology=True)
        out["geometry"] = round6(simple)
        return out

    return cached("areas", gdf, make)


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

    def make() -> list[dict[str, Any] | None]:
        rounded = round6(np.asarray(gdf.geometry.values))
        return [None if g is None or g.is_empty else mapping(g) for g in rounded]

    return cached("geometries", gdf, make)


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
