"""Grid cells no boundary crosses: one point-in-polygon test answers for every point in one.

Inside a cell that no polygon boundary touches, every point lies in the same
polygons as the cell's centre (with no edge between them), so a join need only
test the cell's centre. :func:`representatives` groups many points that way:
the points in boundary cells are tested themselves, those in clear cells
through their cell's centre. Results are identical to testing every point
(tested against the plain test), and at a million synthetic events about one
point in four is left to test against the COD-AB sub-districts (0.015° cells).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

#: Cell size in degrees (about 1.5 km); smaller cells leave fewer points near boundaries
#: to test but cost more to mark (COD-AB sub-districts and the project's zones, 50,000 to
#: 1,000,000 synthetic events: 0.01-0.02 fastest, 0.005 up to twice as slow).
CELL_DEG = 0.015
#: Below this many points testing them all is cheaper than marking the cells, for a
#: layer of many polygons (COD-AB's 294 sub-districts: equal at 100,000 events, a third
#: faster at 200,000, a quarter at 1,000,000).
MIN_POINTS = 150_000
#: The same for one zone's polygons (a few long boundaries, cheap to mark): about twice
#: as fast at 50,000 to 200,000 events, 1.4 times at 1,000,000.
MIN_POINTS_ZONE = 20_000


@dataclass(frozen=True, eq=False)
class Representatives:
    """Points that stand for all the others, and which one stands for each point.

    Attributes
    ----------
    lon, lat
        The representatives: the points in boundary cells (or off the grid, or
        without coordinates), then the centres of the clear cells that hold points.
    take
        For every input point, the index of its representative.
    """

    lon: np.ndarray
    lat: np.ndarray
    take: np.ndarray


def representatives(
    boundaries: np.ndarray | shapely.Geometry,
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    cell_deg: float = CELL_DEG,
    min_points: int | None = None,
) -> Representatives:
    """Return the points to test for ``lon``/``lat`` against polygons with these boundaries.

    Parameters
    ----------
    boundaries
        The polygons' boundaries (lines, degrees), one geometry or an array.
    lon, lat
        The points, in degrees.
    cell_deg
        Cell size in degrees.
    min_points
        With fewer points every point is its own representative (default
        :data:`MIN_POINTS`).

    Returns
    -------
    Representatives
        Every answer for ``representatives.lon/lat``, taken at ``take``, is the
        answer for the input points.
    """
    n = len(lon)
    lines = np.atleast_1d(np.asarray(boundaries, dtype=object))
    lines = lines[~(shapely.is_missing(lines) | shapely.is_empty(lines))]
    if n < (MIN_POINTS if min_points is None else min_points) or not len(lines):
        return Representatives(lon, lat, np.arange(n))
    x0, y0, x1, y1 = shapely.total_bounds(lines)
    nx, ny = int((x1 - x0) // cell_deg) + 1, int((y1 - y0) // cell_deg) + 1
    crossed = _crossed(lines, x0, y0, nx, ny, cell_deg)

    with np.errstate(invalid="ignore"):
        cx = np.floor((lon - x0) / cell_deg)
        cy = np.floor((lat - y0) / cell_deg)
        on_grid = (cx >= 0) & (cx < nx) & (cy >= 0) & (cy < ny)  # False for NaN
    cell = np.where(on_grid, cy * nx + cx, 0).astype(np.int64)
    clear = on_grid & ~crossed[cell]
    alone = np.flatnonzero(~clear)
    held = cell[clear]
    occupied = np.bincount(held, minlength=nx * ny) > 0  # cheaper than sorting the points
    cells = np.flatnonzero(occupied)
    rank = np.cumsum(occupied) - 1  # a cell's place among the occupied cells
    take = np.empty(n, dtype=np.int64)
    take[alone] = np.arange(len(alone))
    take[clear] = len(alone) + rank[held]
    centre_x = x0 + (cells % nx + 0.5) * cell_deg
    centre_y = y0 + (cells // nx + 0.5) * cell_deg
    return Representatives(
        np.concatenate((lon[alone], centre_x)), np.concatenate((lat[alone], centre_y)), take
    )


def _crossed(lines: np.ndarray, x0: float, y0: float, nx: int, ny: int, cell: float) -> np.ndarray:
    """Return, per cell (row-major), whether any of the lines touches it.

    The lines are densified to vertices at most ``cell / 8`` apart, so every point
    of a line is within ``cell / 16`` of a vertex: it lies in the vertex's cell or,
    when the vertex is that close to a side, in the neighbour across it. Marking
    those neighbours too (with a margin) never misses a crossed cell.
    """
    vertices = shapely.get_coordinates(shapely.segmentize(lines, cell / 8))
    fx, fy = (vertices[:, 0] - x0) / cell, (vertices[:, 1] - y0) / cell
    ix, iy = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
    rx, ry = fx - ix, fy - iy
    near = 1 / 8  # twice the largest gap, for rounding
    marked = np.zeros((ny + 2, nx + 2), dtype=bool)  # a frame of one cell on every side
    every = np.ones(len(vertices), dtype=bool)
    for dx, sel_x in ((-1, rx < near), (0, every), (1, rx > 1 - near)):
        for dy, sel_y in ((-1, ry < near), (0, every), (1, ry > 1 - near)):
            sel = sel_x & sel_y
            marked[iy[sel] + 1 + dy, ix[sel] + 1 + dx] = True
    return marked[1:-1, 1:-1].ravel()
