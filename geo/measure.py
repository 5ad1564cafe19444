"""The join's columns that depend on the point alone, measured as jobs two cores share.

Each line distance (the KRG line, the two zone edges, the Hamrin ridge), in parts
of the points, and each zone's point-in-polygon test runs as jobs on a worker
thread, started while the join finds areas on the main thread (NumPy, pykdtree,
pyproj and shapely release the GIL; pyproj transformers are thread-safe); the main
thread, once done, takes over the jobs the worker has not started. Also the
projection to EPSG:32638 every distance is measured in.

Every column here is a function of the point's coordinates only, so a point
measured earlier (:mod:`geo.ahead`) needs no second measurement.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo import cells
from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS
from geo.distance import LineDistance, locality_order
from geo.types import ProjectLayers

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo-measure")

#: Zone flag column → the :class:`~geo.types.ProjectLayers` field of its polygons.
ZONES = {
    "in_disputed_unami": "disputed_unami",
    "in_disputed_wide": "disputed_wide",
    "in_krg_area": "krg_area",
    "in_hamrin_area": "hamrin_area",
}
#: The point's columns: distances (km) to lines, then to the dam (a point).
LINES = ("dist_krg_line_km", "dist_unami_edge_km", "dist_wide_edge_km", "dist_hamrin_ridge_km")
DAM = "dist_hamrin_dam_km"

Measured = tuple[dict[str, np.ndarray], list[str]]
#: Points per measuring job (a tenth of a second's work or less).
JOB_POINTS = 100_000


@dataclass(frozen=True, eq=False)
class Targets:
    """What points are measured against, built once per set of layers.

    Attributes
    ----------
    lines
        Per distance column, its line in EPSG:32638 (None when the layer is empty).
    dam
        The Hamrin dam point in EPSG:32638, or None.
    zones
        Per zone flag column, the union of the zone's polygons in EPSG:4326 (None
        when the layer is empty).
    """

    lines: dict[str, shapely.Geometry | None]
    dam: shapely.Geometry | None
    zones: dict[str, shapely.Geometry | None]


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


def inside(geometry: shapely.Geometry | None, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return True for the points in (or on the boundary of) one geometry.

    Points in grid cells the geometry's boundary does not cross share their cell
    centre's answer (:mod:`geo.cells`); a bounding-box prefilter limits the exact
    test (``shapely.intersects_xy`` on the prepared geometry) to the points that can
    be inside.
    """
    if geometry is None or geometry.is_empty:
        return np.zeros(len(lon), dtype=bool)
    # one test per clear grid cell
    reps = cells.representatives(geometry.boundary, lon, lat, min_points=cells.MIN_POINTS_ZONE)
    lon, lat = reps.lon, reps.lat
    result = np.zeros(len(lon), dtype=bool)
    shapely.prepare(geometry)
    minx, miny, maxx, maxy = geometry.bounds
    cand = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
    result[cand] = shapely.intersects_xy(geometry, lon[cand], lat[cand])
    return result[reps.take]


def _union(frame: gpd.GeoDataFrame | None, crs: str | None = None) -> shapely.Geometry | None:
    """Return the union of a layer's geometries, in ``crs`` if given (None when empty)."""
    if frame is None or frame.empty:
        return None
    geom = shapely.union_all((frame if crs is None else frame.to_crs(crs)).geometry.values)
    return None if geom.is_empty else geom


def _boundary(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    return None if geom is None else geom.boundary


def targets(layers: ProjectLayers) -> Targets:
    """Return the lines, dam point and zone polygons of a set of layers."""
    lines = dict(
        zip(
            LINES,
            (
                _union(layers.krg_line, METRIC_CRS),
                _boundary(_union(layers.disputed_unami, METRIC_CRS)),
                _boundary(_union(layers.disputed_wide, METRIC_CRS)),
                _union(layers.hamrin_ridge, METRIC_CRS),
            ),
            strict=True,
        )
    )
    zones = {name: _union(getattr(layers, field)) for name, field in ZONES.items()}
    for geom in zones.values():
        if geom is not None:
            shapely.prepare(geom)  # once, before two threads may test against it
    return Targets(lines, _union(layers.hamrin_dam, METRIC_CRS), zones)


class Pending:
    """Point columns being measured: :meth:`collect` them, or :meth:`cancel` the rest.

    Each line is measured in jobs of at most :data:`JOB_POINTS` points on the
    worker, started on creation: small jobs let the thread that collects take over
    enough of them for both to finish together. Each zone is one job: GEOS builds a
    prepared polygon's index on its first test, which two threads must not do at once.
    """

    def __init__(self, what: Targets, lon: np.ndarray, lat: np.ndarray, *, spacing_m: float):
        self._what = what
        self._parts = _parts(len(lon))
        self._points = _WORKER.submit(_metric_order, lon, lat)
        lines = _Lines(spacing_m)
        self._jobs: dict[tuple[str, int], Callable[[], np.ndarray]] = {}
        for name, line in what.lines.items():
            if line is not None:
                for i, part in enumerate(self._parts):
                    self._jobs[name, i] = partial(_line_km, lines, name, line, self._points, part)
        for name, zone in what.zones.items():  # whole: a prepared polygon is one thread's
            self._jobs[name, 0] = partial(inside, zone, lon, lat)
        self._futures = {key: _WORKER.submit(job) for key, job in self._jobs.items()}

    @property
    def targets(self) -> Targets:
        """What the points are measured against (free for other jobs once collected)."""
        return self._what

    def collect(self) -> Measured:
        """Return the columns once measured, taking over the jobs not started (last first).

        Returns
        -------
        tuple
            The distance columns (km), the zone columns (point in or on the zone)
            and a note per layer left empty.
        """
        got = {}
        for key in reversed(list(self._futures)):
            future = self._futures[key]
            got[key] = self._jobs[key]() if future.cancel() else future.result()
        x, y, near, _, _ = self._points.result()
        cols: dict[str, np.ndarray] = {}
        notes: list[str] = []
        for name in self._what.lines:
            if (name, 0) not in got:
                cols[name] = np.full(len(x), np.nan)
                notes.append(f"{name} left empty: its layer has no geometry")
                continue
            cols[name] = np.empty(len(x))
            for i, part in enumerate(self._parts):  # a part of the points in locality order
                cols[name][near[part]] = got[name, i]
        if self._what.dam is None:
            cols[DAM] = np.full(len(x), np.nan)
            notes.append(f"{DAM} left empty: the dam layer has no geometry")
        else:
            dam_x, dam_y = shapely.get_coordinates(self._what.dam)[0]
            cols[DAM] = np.round(np.hypot(x - dam_x, y - dam_y) / 1000, 3)
        cols.update({name: got[name, 0] for name in self._what.zones})
        return cols, notes

    def done(self) -> bool:
        """Whether every job has finished (collecting then waits for nothing)."""
        futures: list[Future[Any]] = [self._points, *self._futures.values()]
        return all(f.done() and not f.cancelled() for f in futures)

    def cancel(self) -> None:
        """Drop the jobs the worker has not started (a started one runs to its end)."""
        self._points.cancel()
        for future in self._futures.values():
            future.cancel()


def submit(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
    """Run ``fn(*args, **kwargs)`` on the worker, after the jobs already queued there."""
    return _WORKER.submit(fn, *args, **kwargs)


def measure(what: Targets, lon: np.ndarray, lat: np.ndarray, *, spacing_m: float) -> Pending:
    """Start measuring the point columns of ``lon``/``lat`` on the worker (see :class:`Pending`)."""
    return Pending(what, lon, lat, spacing_m=spacing_m)


_Points = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _metric_order(lon: np.ndarray, lat: np.ndarray) -> _Points:
    """Return the points in EPSG:32638, an order that keeps neighbours together, and them so."""
    x, y = to_metric(lon, lat)
    near = locality_order(x, y)  # queries in this order hit the KD-trees' caches
    return x, y, near, x[near], y[near]


class _Lines:
    """Each line's :class:`LineDistance`, built once by the first thread that needs it."""

    def __init__(self, spacing_m: float) -> None:
        self._spacing_m = spacing_m
        self._lock = threading.Lock()
        self._built: dict[str, LineDistance] = {}

    def get(self, name: str, line: shapely.Geometry) -> LineDistance:
        with self._lock:  # the other thread needs the same line: it waits, not builds
            if name not in self._built:
                self._built[name] = LineDistance(line, spacing_m=self._spacing_m)
            return self._built[name]


def _parts(n: int) -> list[slice]:
    """Return ``range(n)`` cut into nearly equal runs of at most :data:`JOB_POINTS`."""
    k = max(1, -(-n // JOB_POINTS))
    edges = [n * i // k for i in range(k + 1)]
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


def _line_km(
    lines: _Lines, name: str, line: shapely.Geometry, points: Future[_Points], part: slice
) -> np.ndarray:
    """Return the distance (km) to one line from a part of the points, in locality order."""
    _, _, _, xs, ys = points.result()
    return np.round(lines.get(name, line)(xs[part], ys[part]) / 1000, 3)
