"""Queen weights, Gi* and FDR as libpysal, esda and scipy compute them, without importing them.

Importing esda and libpysal takes about 1.5 s (they pull in scikit-learn and
most of scipy), longer than every hot-spot statistic of a build together. The
functions here do the same arithmetic in the same order with numpy alone
(``scipy.special.ndtr`` for the normal tail, what ``scipy.stats.norm.sf``
calls), so the results are the same floats; ``tests/test_hotspots.py``
checks them against the libraries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely


@dataclass(frozen=True, eq=False)
class Weights:
    """Binary spatial weights of units 0 … n-1: each unit's neighbours, itself excluded.

    ``indptr``/``indices`` are the neighbour lists in compressed sparse row form
    (neighbours of ``i``: ``indices[indptr[i]:indptr[i + 1]]``, ascending).
    """

    n: int
    indptr: np.ndarray
    indices: np.ndarray

    @property
    def cardinalities(self) -> np.ndarray:
        """Return each unit's number of neighbours."""
        return np.diff(self.indptr)

    @classmethod
    def from_pairs(cls, n: int, i: np.ndarray, j: np.ndarray) -> Weights:
        """Return weights from neighbour pairs (both directions; duplicates and self dropped)."""
        a, b = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        key = np.unique(a[a != b] * max(n, 1) + b[a != b])  # sorted by unit, then neighbour
        rows, cols = np.divmod(key, max(n, 1))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        return cls(n, indptr.astype(np.int64), cols.astype(np.int64))

    @classmethod
    def from_neighbours(cls, neighbours: Mapping[int, object]) -> Weights:
        """Return weights from a libpysal-style ``{unit: [neighbour, …]}`` (ids 0 … n-1)."""
        n = len(neighbours)
        i = [a for a, nbrs in neighbours.items() for _b in nbrs]  # type: ignore[attr-defined]
        j = [b for _a, nbrs in neighbours.items() for b in nbrs]  # type: ignore[attr-defined]
        return cls.from_pairs(n, np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64))

    def neighbours(self) -> dict[int, list[int]]:
        """Return ``{unit: [neighbour, …]}``, as libpysal's ``W.neighbors`` (sorted)."""
        return {
            i: self.indices[self.indptr[i] : self.indptr[i + 1]].tolist() for i in range(self.n)
        }


def queen(geometries: np.ndarray) -> Weights:
    """Return queen contiguity: units sharing at least one boundary vertex (libpysal ``Queen``).

    Like libpysal's vertex lists, two polygons are neighbours when a vertex of
    one has exactly the coordinates of a vertex of the other (holes and every
    part of a multipolygon included).
    """
    geoms = np.asarray(geometries)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    if not len(coords):
        return Weights.from_pairs(len(geoms), np.zeros(0), np.zeros(0))
    points = np.empty(len(coords), dtype=complex)  # one number per vertex: a fast unique
    points.real, points.imag = coords[:, 0], coords[:, 1]
    _, vertex = np.unique(points, return_inverse=True)
    frame = pd.DataFrame({"v": vertex.ravel(), "p": owner}).drop_duplicates()
    shared = frame[frame.duplicated("v", keep=False)]
    pairs = shared.merge(shared, on="v")
    return Weights.from_pairs(len(geoms), pairs["p_x"].to_numpy(), pairs["p_y"].to_numpy())


def norm_sf(x: np.ndarray) -> np.ndarray:
    """Return the standard normal upper tail, as ``scipy.stats.norm.sf`` (``ndtr(-x)``)."""
    from scipy.special import ndtr  # a tenth of a second; scipy.stats takes half a second

    return np.asarray(ndtr(-np.asarray(x, dtype=float)), dtype=float)


def g_local_star(y: np.ndarray, w: Weights) -> tuple[np.ndarray, np.ndarray]:
    """Return Gi* z-scores and one-sided normal p of ``y`` (esda ``G_Local``, star, binary).

    esda's ``calc`` with each unit in its own neighbourhood (self-weight 1,
    ``transform="B"``): the same expressions in the same order. The spatial
    lag is a sum of counts, exact in any order.
    """
    y = np.asarray(y, dtype=float).flatten()
    n = len(y)
    rows = np.repeat(np.arange(n), w.cardinalities)
    lag = y + np.bincount(rows, weights=y[w.indices], minlength=n)
    remove_self = False
    big_n = n - remove_self
    statistic = lag / (y.sum() - y * remove_self)
    empirical_mean = (y.sum() - y * remove_self) / big_n
    mean_of_squares = ((y**2).sum() - (y**2) * remove_self) / big_n
    empirical_variance = mean_of_squares - empirical_mean**2
    cardinality = (w.cardinalities + 1).astype(float)
    expected_value = cardinality / big_n
    expected_variance = cardinality * (big_n - cardinality)
    expected_variance /= big_n - 1
    expected_variance *= 1 / big_n**2
    expected_variance *= empirical_variance / (empirical_mean**2)
    z = (statistic - expected_value) / np.sqrt(expected_variance)
    return z, norm_sf(np.abs(z))


def false_discovery_bh(p: np.ndarray) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``)."""
    ps = np.asarray(p, dtype=float)
    if ps.size <= 1:
        return ps
    m = ps.shape[-1]
    order = np.argsort(ps)
    ordered = ps[order] * (m / np.arange(1, m + 1, dtype=ps.dtype))
    np.minimum.accumulate(ordered[::-1], out=ordered[::-1])
    out = np.empty_like(ordered)
    out[order] = ordered
    return np.clip(out, 0.0, 1.0)
