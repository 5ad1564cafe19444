"""Fisher-Jenks natural breaks, computed as mapclassify computes them, without its imports.

mapclassify's ``FisherJenks`` runs an exact dynamic programme in single
precision (``_fisher_jenks_means``); without numba it runs it in pure Python.
Importing mapclassify also imports scipy and scikit-learn (about a second).
:func:`fisher_jenks` runs the same programme, the same float32 operations in
the same order, with each row's inner loop done by numpy: the same class
bounds, bit for bit (``tests/test_render_jenks.py`` compares the two).
"""

from __future__ import annotations

import numpy as np


def _rows(values: np.ndarray, k: int) -> np.ndarray:
    """Return the programme's table of lower class limits (mapclassify's ``mat1``).

    For each prefix length ``l`` and class count ``j`` the best split of the
    first ``l`` sorted values: the 1-based position where the last class
    starts. Ties go to the last candidate, as in mapclassify's ``>=`` loop.
    """
    n = len(values)
    lower = np.zeros((n + 1, k + 1), dtype=np.int32)
    cost = np.zeros((n + 1, k + 1), dtype=np.float32)
    lower[1, 1:] = 1
    cost[2:, 1:] = np.inf
    v32 = values.astype(np.float32)
    for length in range(2, n + 1):
        run = v32[length - 1 :: -1]  # the last value first, as the loop adds them
        s1 = np.cumsum(run, dtype=np.float32)
        s2 = np.cumsum(run * run, dtype=np.float32)
        w = np.arange(1, length + 1, dtype=np.float32)
        var = s2 - (s1 * s1) / w
        if k >= 2:
            # candidate m (1 … length-1) closes the last class at i4 = length - m
            cand = var[: length - 1, None] + cost[length - 1 : 0 : -1, 1:k]
            last = (length - 2) - np.argmin(cand[::-1], axis=0)  # last of equal minima
            cols = np.arange(k - 1)
            lower[length, 2:] = length - last  # i3 = length - m + 1, m = last + 1
            cost[length, 2:] = cand[last, cols]
        lower[length, 1] = 1
        cost[length, 1] = var[length - 1]
    return lower


def fisher_jenks(values: np.ndarray, k: int) -> np.ndarray:
    """Return the ``k`` upper class bounds of ``values`` (mapclassify ``FisherJenks(y, k).bins``).

    Needs more distinct values than ``k`` (as mapclassify does); finite values.
    """
    x = np.sort(np.asarray(values).flatten()).astype("f8")
    lower = _rows(x, k)
    bounds = np.zeros(k + 1, dtype=x.dtype)
    bounds[k] = x[len(x) - 1]
    bounds[0] = x[0]
    row = len(x)
    for count in range(k, 1, -1):
        pivot = lower[row, count]
        bounds[count - 1] = x[int(pivot - 2)]
        row = int(pivot - 1)
    return np.delete(bounds, 0)


def bin_ids(values: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Return each value's class given upper bounds (mapclassify ``bin1d``): 0 … len(bins)-1."""
    x = np.asarray(values).flatten()
    left = [-float("inf"), *bins[:-1]]
    out = np.zeros(x.shape, dtype="int")
    for i in range(len(bins) - 1, -1, -1):
        out += (x > left[i]) * (x <= bins[i]) * i
    return out
