"""The join's distance columns: line distances measured as jobs two cores share.

Each line (the KRG line, the two zone edges, the Hamrin ridge) is one job on a
worker thread, started while the join finds areas on the main thread (NumPy,
pykdtree, pyproj and shapely release the GIL; pyproj transformers are
thread-safe); the main thread, once done, takes over the jobs the worker has not
started. Also the projection to EPSG:32638 every distance is measured in.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache, partial

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS
from geo.distance import LineDistance, locality_order
from geo.types import ProjectLayers

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo-measure")


@cache
def transformer(source: str, target: str) -> Transformer:
    """Return the (cached, thread-safe) transformer between two CRSs, x/y order."""
    return Transformer.from_crs(source, target, always_xy=True)


def to_metric(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project longitude/latitude arrays (EPSG:4326) to EPSG:32638 metres.

    Parameters
    ----------
    lon, lat
        Coordinates in degrees.

    Returns
    -------
    tuple of numpy.ndarray
        Easting and northing in metres; non-finite input gives non-finite output.
    """
    x, y = transformer(GEOGRAPHIC_CRS, METRIC_CRS).transform(
        np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    )
    return np.asarray(x), np.asarray(y)


def _metric_geometry(frame: gpd.GeoDataFrame) -> shapely.Geometry | None:
    """Return the union of a layer's geometries in EPSG:32638 (None when empty)."""
    if frame is None or frame.empty:
        return None
    geom = shapely.union_all(frame.to_crs(METRIC_CRS).geometry.values)
    return None if geom.is_empty else geom


def measured_lines(
    layers: ProjectLayers,
) -> tuple[dict[str, shapely.Geometry | None], shapely.Geometry | None]:
    """Return the lines distances are measured to, and the dam point (EPSG:32638)."""
    lines = {
        "dist_krg_line_km": _metric_geometry(layers.krg_line),
        "dist_unami_edge_km": _boundary(_metric_geometry(layers.disputed_unami)),
        "dist_wide_edge_km": _boundary(_metric_geometry(layers.disputed_wide)),
        "dist_hamrin_ridge_km": _metric_geometry(layers.hamrin_ridge),
    }
    return lines, _metric_geometry(layers.hamrin_dam)


def measure(
    lines: dict[str, shapely.Geometry | None],
    dam: shapely.Geometry | None,
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    spacing_m: float,
) -> Callable[[], tuple[dict[str, np.ndarray], list[str]]]:
    """Start measuring the distance columns (km) on the worker; return what collects them.

    Each line is one job. The caller, once its own work is done, collects: it
    takes over the jobs the worker has not started (from the last one), so both
    cores measure. Collecting returns the columns and a note per layer left empty.
    """
    points = _WORKER.submit(_metric_order, lon, lat)
    jobs = {
        name: partial(_line_km, line, points, spacing_m)
        for name, line in lines.items()
        if line is not None
    }
    futures = {name: _WORKER.submit(job) for name, job in jobs.items()}

    def collect() -> tuple[dict[str, np.ndarray], list[str]]:
        got = {}
        for name in reversed(list(futures)):
            got[name] = jobs[name]() if futures[name].cancel() else futures[name].result()
        x, y, _, _, _ = points.result()
        cols: dict[str, np.ndarray] = {}
        notes: list[str] = []
        for name in lines:
            if name not in got:
                cols[name] = np.full(len(x), np.nan)
                notes.append(f"{name} left empty: its layer has no geometry")
            else:
                cols[name] = got[name]
        if dam is None:
            cols["dist_hamrin_dam_km"] = np.full(len(x), np.nan)
            notes.append("dist_hamrin_dam_km left empty: the dam layer has no geometry")
        else:
            dam_x, dam_y = shapely.get_coordinates(dam)[0]
            cols["dist_hamrin_dam_km"] = np.round(np.hypot(x - dam_x, y - dam_y) / 1000, 3)
        return cols, notes

    return collect


_Points = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _metric_order(lon: np.ndarray, lat: np.ndarray) -> _Points:
    """Return the points in EPSG:32638, an order that keeps neighbours together, and them so."""
    x, y = to_metric(lon, lat)
    near = locality_order(x, y)  # queries in this order hit the KD-trees' caches
    return x, y, near, x[near], y[near]


def _line_km(line: shapely.Geometry, points: Future[_Points], spacing_m: float) -> np.ndarray:
    """Return the distance (km) from every point to one line."""
    x, _, near, xs, ys = points.result()
    distance = np.empty(len(x))
    distance[near] = LineDistance(line, spacing_m=spacing_m)(xs, ys)
    return np.round(distance / 1000, 3)


def _boundary(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    return None if geom is None else geom.boundary
