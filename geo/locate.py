"""Which polygon of an admin layer each point is in, under the border rules of :mod:`geo.join`.

A point touching one polygon is ``matched`` to it, several ``on_edge`` (lowest code
wins), none but one within the tolerance ``nearest``, else ``unmatched`` (see
:mod:`geo.join` for the rules). :class:`PolygonIndex` applies them to many points
at once; every answer depends on the point alone, so points located in separate
batches get exactly what one batch would give them (:mod:`geo.ahead` relies on it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.cells import representatives
from geo.constants import METRIC_CRS
from geo.measure import to_metric
from geo.types import Boundaries, Level

#: The parent levels a point touching several polygons may be ambiguous at.
PARENTS = ("adm1_code", "adm2_code")

#: How far (m) a point in no polygon may be and still be given the nearest one, by default.
DEFAULT_TOLERANCE_M = 1000.0
#: From this many points outside every polygon, the nearest is found through the
#: polygons' edges (an index built once, ~0.005 s for COD-AB sub-districts).
EDGE_SEARCH_MIN = 1_000
#: Segments per piece of edge in that index: ~40,000 COD-AB segments make ~5,000 pieces.
EDGE_PIECE_SEGMENTS = 8

Status = Literal["matched", "on_edge", "nearest", "unmatched"]
STATUSES: tuple[Status, ...] = ("matched", "on_edge", "nearest", "unmatched")
_STATUS_DTYPE = f"<U{max(map(len, STATUSES))}"  # fixed width: no Python string per point


@dataclass(frozen=True, eq=False)
class Location:
    """Where points fell in one polygon layer (indices into the layer's sorted rows)."""

    index: np.ndarray  # polygon index per point, -1 where none
    status: np.ndarray  # one of STATUSES per point
    distance_m: np.ndarray  # 0 inside, distance to the polygon otherwise, NaN if no coordinates
    ambiguous: tuple[np.ndarray, ...]  # per group: touched polygons of different groups
    nearest: np.ndarray  # for unmatched points: nearest polygon (-1 without coordinates)

    def take(self, rows: np.ndarray) -> Location:
        """Return the location of the points at positions ``rows``."""
        return Location(
            self.index[rows],
            self.status[rows],
            self.distance_m[rows],
            tuple(flag[rows] for flag in self.ambiguous),
            self.nearest[rows],
        )

    @staticmethod
    def merged(n: int, parts: Sequence[tuple[np.ndarray, Location]]) -> Location:
        """Return the location of ``n`` points from the locations of some of them each.

        Each part is (positions of its points among the ``n``, their location);
        together the parts cover every position once.
        """
        first = parts[0][1]

        def gather(get: Callable[[Location], np.ndarray]) -> np.ndarray:
            out = np.empty(n, dtype=get(first).dtype)
            for positions, loc in parts:
                out[positions] = get(loc)
            return out

        groups = range(len(first.ambiguous))
        return Location(
            gather(lambda loc: loc.index),
            gather(lambda loc: loc.status),
            gather(lambda loc: loc.distance_m),
            tuple(gather(lambda loc, k=k: loc.ambiguous[k]) for k in groups),  # type: ignore[misc]
            gather(lambda loc: loc.nearest),
        )


class PolygonIndex:
    """One admin layer, sorted by code, prepared for locating many points.

    Parameters
    ----------
    frame
        The layer (canonical admin schema, EPSG:4326).
    """

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        frame = frame.sort_values("code", kind="stable").reset_index(drop=True)
        self.frame = frame
        self.geoms = np.asarray(frame.geometry.values, dtype=object)
        shapely.prepare(self.geoms)
        self.bounds = shapely.bounds(self.geoms)
        self.edges = shapely.boundary(self.geoms)
        self.metric = np.asarray(frame.to_crs(METRIC_CRS).geometry.values, dtype=object)
        self.tree = shapely.STRtree(self.metric)
        self._edges: tuple[shapely.STRtree, np.ndarray] | None = None  # built when needed

    def locate(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        *,
        tolerance_m: float,
        groups: Sequence[np.ndarray] = (),
    ) -> Location:
        """Apply the border rules to every point.

        Parameters
        ----------
        lon, lat
            Point coordinates in degrees.
        tolerance_m
            Farthest a point outside every polygon may be and still be matched.
        groups
            Per parent level, the parent code of each polygon (same order as
            :attr:`frame`); a point touching polygons of different parents is
            ambiguous at that level.

        Returns
        -------
        Location
            Polygon, status and distance per point.
        """
        n = len(lon)
        index, count, amb = self._touching(lon, lat, groups)
        status = np.where(count > 1, "on_edge", "matched").astype(_STATUS_DTYPE)

        distance = np.zeros(n)
        nearest = np.full(n, -1, dtype=np.int64)
        finite = np.isfinite(lon) & np.isfinite(lat)
        distance[~finite] = np.nan
        outside = np.flatnonzero(index < 0)
        status[outside] = "unmatched"
        todo = outside[finite[outside]]
        if todo.size:
            x, y = to_metric(lon[todo], lat[todo])
            points = shapely.points(x, y)
            if todo.size >= EDGE_SEARCH_MIN:
                near, near_d = self._nearest_edge(points)
            else:
                near, near_d = self._nearest(points)
            close = near_d <= tolerance_m
            index[todo[close]] = near[close]
            status[todo[close]] = "nearest"
            distance[todo] = near_d
            nearest[todo[~close]] = near[~close]
        return Location(index, status, distance, tuple(amb), nearest)

    def _touching(
        self, lon: np.ndarray, lat: np.ndarray, groups: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """Return per point the lowest polygon touched (-1: none), how many, and ambiguity.

        Points in grid cells no boundary crosses take their cell centre's answer
        (:mod:`geo.cells`); the others are tested against every polygon whose
        bounding box holds them, in longitude order.
        """
        reps = representatives(self.edges, lon, lat)
        n = len(reps.lon)
        order = np.argsort(reps.lon, kind="stable")
        xs, ys = reps.lon[order], reps.lat[order]
        first = np.full(n, -1, dtype=np.int64)  # in sorted point order
        hits = np.zeros(n, dtype=np.int64)
        ambiguous = [np.zeros(n, dtype=bool) for _ in groups]
        for i, (geom, (minx, miny, maxx, maxy)) in enumerate(
            zip(self.geoms, self.bounds, strict=True)
        ):
            lo, hi = np.searchsorted(xs, minx, "left"), np.searchsorted(xs, maxx, "right")
            band = ys[lo:hi]
            cand = np.flatnonzero((band >= miny) & (band <= maxy)) + lo
            hit = cand[shapely.intersects_xy(geom, xs[cand], ys[cand])]
            if hit.size == 0:
                continue
            taken = hit[first[hit] >= 0]
            for flag, group in zip(ambiguous, groups, strict=True):
                flag[taken] |= group[first[taken]] != group[i]
            first[hit[first[hit] < 0]] = i  # polygons come in code order: lowest code wins
            hits[hit] += 1
        at = np.empty(n, dtype=np.int64)
        at[order] = np.arange(n)
        at = at[reps.take]  # each point's representative, in sorted order
        return first[at], hits[at], [flag[at] for flag in ambiguous]

    def _nearest(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each point's nearest polygon (lowest index on a tie) and its distance."""
        (src, dst), dist = self.tree.query_nearest(points, return_distance=True, all_matches=True)
        return _lowest_nearest(len(points), src, dst, dist)

    def _nearest_edge(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return what :meth:`_nearest` returns, for points in no polygon, by their edges.

        A point outside a polygon is as far from it as from its nearest edge, so
        the nearest of all pieces of edge (runs of :data:`EDGE_PIECE_SEGMENTS`
        segments of the polygon's own vertices, measured segment by segment as
        GEOS measures a polygon's edges: the same numbers) gives the nearest
        polygon, with every polygon at that distance on a tie. Points inside a
        polygon here (its edge drawn straight in metres, not in degrees) are at
        distance 0 from the lowest-indexed such polygon, as :meth:`_nearest` says.
        Much faster for many points: each distance is a few segments', not a
        whole polygon's.
        """
        if self._edges is None:
            self._edges = _edge_pieces(self.metric, EDGE_PIECE_SEGMENTS)
        tree, owner = self._edges
        (src, dst), dist = tree.query_nearest(points, return_distance=True, all_matches=True)
        best, best_d = _lowest_nearest(len(points), src, owner[dst], dist)
        inside, polygon = self.tree.query(points, predicate="intersects")
        if inside.size:
            best_d[inside] = 0.0
            best[inside] = len(self.metric)  # above every index: the lowest one wins below
            np.minimum.at(best, inside, polygon)
        return best, best_d


def _edge_pieces(polygons: np.ndarray, size: int) -> tuple[shapely.STRtree, np.ndarray]:
    """Return a tree of the polygons' edges in pieces of ``size`` segments, and each one's polygon.

    Consecutive pieces of a ring share their end vertex, so together they hold
    every segment once, drawn between the ring's own vertices.
    """
    rings, polygon = shapely.get_parts(shapely.boundary(polygons), return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(ring, minlength=len(rings))
    first = np.cumsum(counts) - counts  # each ring's first vertex
    pieces = -(-np.maximum(counts - 1, 0) // size)  # per ring
    owner = np.repeat(np.arange(len(rings)), pieces)  # each piece's ring
    k = np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    start = first[owner] + k * size
    lengths = np.minimum(start + size, first[owner] + counts[owner] - 1) - start + 1
    at = np.repeat(start - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
    lines = shapely.linestrings(coords[at], indices=np.repeat(np.arange(len(start)), lengths))
    return shapely.STRtree(lines), polygon[owner]


def _lowest_nearest(
    n: int, src: np.ndarray, dst: np.ndarray, dist: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return per point (``src``) the lowest ``dst`` among its nearest, and the distance.

    ``src``/``dst``/``dist`` are every (point, polygon) pair at the point's least
    distance, as ``STRtree.query_nearest(..., all_matches=True)`` returns them.
    """
    best = np.full(n, -1, dtype=np.int64)
    best_d = np.full(n, np.nan)
    if src.size:
        order = np.lexsort((dst, src))  # by point, then by polygon index
        src, dst, dist = src[order], dst[order], dist[order]
        first = np.r_[True, src[1:] != src[:-1]]  # the lowest index of each point
        best[src[first]] = dst[first]
        best_d[src[first]] = dist[first]
    return best, best_d


@dataclass(frozen=True, eq=False)
class Finest:
    """The finest admin layer of a set of boundaries, ready to locate events in.

    Attributes
    ----------
    level
        ``subdistrict``, or ``district`` where the boundaries have no sub-districts.
    index
        The layer's polygons (:attr:`PolygonIndex.frame` is the layer sorted by code).
    groups
        Per parent level (:data:`PARENTS`), the parent of each polygon as a number.
    """

    level: Level
    index: PolygonIndex
    groups: list[np.ndarray]

    def locate(self, lon: np.ndarray, lat: np.ndarray, *, tolerance_m: float) -> Location:
        """Apply the border rules to every point (:meth:`PolygonIndex.locate`)."""
        return self.index.locate(lon, lat, tolerance_m=tolerance_m, groups=self.groups)


def finest(b: Boundaries) -> Finest:
    """Return the finest admin layer of ``b`` (sub-districts, else districts), indexed."""
    level: Level = "subdistrict" if b.subdistricts is not None else "district"
    index = PolygonIndex(b.level(level))
    groups = [pd.factorize(index.frame[c].astype(str))[0] for c in PARENTS]
    return Finest(level, index, groups)
