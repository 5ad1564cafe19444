"""Hot spots and emerging hot spots: Getis-Ord Gi* per area, Mann-Kendall trends, classes (pure).

Method (stated once here, repeated in every output's provenance)
----------------------------------------------------------------
* **Units.** An admin level of the loaded boundaries (every area, zeros
  included) or an H3 hexagonal grid over the country outline.
* **Counts.** Events per unit (and per period). Events located only to an
  area coarser than the unit (``coarse_admN``; for hexagons every event not
  located to a point) are left out, as are events outside every unit; both
  are counted in the notes.
* **Weights.** Areas: binary queen contiguity (shared vertices, as ``libpysal`` ``Queen``);
  hexagons: a binary distance band of 1.5 × the mean centre-to-centre
  spacing in EPSG:32638, which is the six touching cells. Gi* adds each
  unit to its own neighbourhood (self-weight 1).
* **Islands.** A unit with no neighbour (an island) has only itself in its
  neighbourhood, so its Gi* says nothing about clustering: its ``gi_z`` is
  still esda's value, but it is not tested (``hotspot`` = ``no neighbours``)
  and is left out of the multiple-testing family.
* **Gi-star.** ``esda.G_Local(y, w, transform="B", star=True)`` with the
  analytic z-score ``Zs``; ``gi_p`` is two-sided (``2 × esda``'s one-sided
  ``p_norm``), as ArcGIS reports it. :mod:`geo.gistar` computes the weights,
  Gi* and the FDR as libpysal, esda and scipy do, the same floats, without
  importing them (1.5 s of imports).
* **Multiple testing.** Benjamini–Hochberg False Discovery Rate
  (``scipy.stats.false_discovery_control``) over the tested units of one
  map (of one period, for the space-time cube). ``hot``/``cold`` at 99, 95
  and 90 % confidence means an FDR-adjusted p below 0.01, 0.05 and 0.10.
* **Space-time cube.** Gi* is computed for each period on its own (a
  neighbourhood of one period in time, no temporal neighbours — ArcGIS's
  Emerging Hot Spot Analysis also adds neighbouring time steps). A period
  with no events anywhere, or the same count everywhere, has no Gi*
  (``NaN``) and counts as not significant. A bin is a hot (cold) spot when
  its FDR-adjusted p is below 0.10 and its z is positive (negative).
* **Trends.** The Mann-Kendall test (statistic ``S``, normal approximation
  with the tie correction and a continuity correction, two-sided p) on each
  unit's counts per period (``trend_*``) and on its Gi* z-scores per period
  (``gi_trend_*``, ``NaN`` z taken as 0): the second is the "intensity of
  clustering" the emerging classes use. A trend is significant at p < 0.05.
* **Emerging classes.** ArcGIS Pro's definitions ("How Emerging Hot Spot
  Analysis works"); see :func:`emerging_class` for the exact rules.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import gistar
from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS, PERIOD_FREQ
from geo.errors import ValidationError
from geo.types import ProjectLayers

Unit = Literal["governorate", "district", "subdistrict", "hex"]
UNITS: tuple[str, ...] = ("governorate", "district", "subdistrict", "hex")
HotspotPeriod = Literal["month", "quarter", "year"]
HOTSPOT_PERIODS: tuple[str, ...] = ("month", "quarter", "year")

#: (FDR-adjusted p below, confidence label, bin magnitude), strictest first.
CONFIDENCE: tuple[tuple[float, str, int], ...] = (
    (0.01, "99%", 3),
    (0.05, "95%", 2),
    (0.10, "90%", 1),
)
#: A bin of the space-time cube is significant at this FDR-adjusted p (90 % confidence).
BIN_ALPHA = 0.10
#: A Mann-Kendall trend is significant below this p.
TREND_ALPHA = 0.05
#: "at least 90 percent of the time-step intervals" in ArcGIS's definitions.
MOST = 0.9
NOT_SIGNIFICANT = "not significant"
ISLAND = "no neighbours"
NO_PATTERN = "no pattern"
PATTERNS: tuple[str, ...] = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
#: Every emerging class: eight hot, eight cold, and "no pattern".
EMERGING_CLASSES: tuple[str, ...] = (
    *(f"{p} hot spot" for p in PATTERNS),
    *(f"{p} cold spot" for p in PATTERNS),
    NO_PATTERN,
)
#: Every Gi* class, hot to cold, then the untested islands.
HOTSPOT_CLASSES: tuple[str, ...] = (
    *(f"hot ({c})" for _a, c, _b in CONFIDENCE),
    NOT_SIGNIFICANT,
    *(f"cold ({c})" for _a, c, _b in reversed(CONFIDENCE)),
    ISLAND,
)

_ADMIN = {"governorate": 1, "district": 2, "subdistrict": 3}
_LEVEL_WORD = {"governorate": "governorate", "district": "district", "subdistrict": "sub-district"}


@dataclass(frozen=True, eq=False)
class HotspotResult:
    """A hot-spot table with its units and what was left out.

    ``table`` has one row per unit (see :func:`hotspots`); ``units`` the
    units' ``code``, ``name`` and geometry (EPSG:4326) in the same order;
    ``notes`` says which events were left out and why; ``method`` states
    the choices (for provenance).
    """

    table: pd.DataFrame
    units: gpd.GeoDataFrame
    periods: tuple[str, ...]
    notes: tuple[str, ...]
    method: dict[str, str]


# --- weights -----------------------------------------------------------------------------


def queen_weights(units: gpd.GeoDataFrame) -> gistar.Weights:
    """Return binary queen contiguity weights of ``units`` (as libpysal ``Queen``, ids 0…n-1)."""
    return gistar.queen(np.asarray(units.geometry.values))


def hex_weights(cells: gpd.GeoDataFrame) -> tuple[gistar.Weights, float]:
    """Return binary distance-band weights of hexagon ``cells`` and the band in metres.

    The band is 1.5 × the mean distance from each cell centre to its nearest
    other centre (in EPSG:32638): the six touching cells, not the next ring
    (√3 ≈ 1.73 × the spacing).
    """
    from libpysal.weights import DistanceBand
    from scipy.spatial import cKDTree

    centres = cells.to_crs(METRIC_CRS).geometry.centroid
    xy = np.column_stack([centres.x.to_numpy(), centres.y.to_numpy()])
    if len(xy) < 2:
        raise ValidationError("a hexagon grid needs at least two cells", hint="widen the extent")
    dist, _ = cKDTree(xy).query(xy, k=2)
    band = float(1.5 * dist[:, 1].mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = DistanceBand(xy, threshold=band, binary=True, silence_warnings=True)
    return gistar.Weights.from_neighbours(w.neighbors), band


def choose_hex_resolution(extent_km2: float, *, exact_only: bool, max_cells: int = 5000) -> int:
    """Return the H3 resolution for a grid over ``extent_km2``.

    The rule: the finest resolution (0-9) whose cells over the extent number
    at most ``max_cells`` and whose mean edge is at least 5 km, or 1.5 km
    when every event is located exactly (``geo_precision`` ``exact``): a cell
    should not be finer than the locations it counts ("near" locations are
    within about 25 km).
    """
    import h3

    min_edge = 1.5 if exact_only else 5.0
    best = 0
    for res in range(10):
        cells = extent_km2 / h3.average_hexagon_area(res, "km^2")
        if cells > max_cells or h3.average_hexagon_edge_length(res, "km") < min_edge:
            break
        best = res
    return best


def hex_grid(extent: gpd.GeoDataFrame, *, resolution: int) -> gpd.GeoDataFrame:
    """Return the H3 cells whose centres fall in ``extent`` (``code``, ``name``, geometry)."""
    import h3
    import shapely

    shape = extent.to_crs(GEOGRAPHIC_CRS).geometry.union_all()
    ids = sorted(h3.geo_to_cells(shape.__geo_interface__, resolution))
    polys = [shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in ids]
    return gpd.GeoDataFrame({"code": ids, "name": ids}, geometry=polys, crs=GEOGRAPHIC_CRS)


# --- statistics --------------------------------------------------------------------------


def gi_star(y: np.ndarray, w: gistar.Weights) -> tuple[np.ndarray, np.ndarray]:
    """Return esda's analytic Gi* z-scores and two-sided p-values of ``y`` on binary ``w``.

    Each unit is in its own neighbourhood (self-weight 1). ``NaN`` where Gi* is
    undefined (no events, or the same count everywhere).
    """
    y = np.asarray(y, dtype=float)
    if y.sum() == 0 or np.all(y == y[0]):
        nan = np.full(len(y), np.nan)
        return nan, nan
    with np.errstate(all="ignore"):
        z, p_norm = gistar.g_local_star(y, w)
    return z, np.clip(2.0 * p_norm, 0.0, 1.0)


def fdr_adjust(p: np.ndarray, tested: np.ndarray) -> np.ndarray:
    """Return Benjamini–Hochberg adjusted p-values over the ``tested`` units (``NaN`` elsewhere)."""
    out = np.full(len(p), np.nan)
    mask = tested & np.isfinite(p)
    if mask.any():
        out[mask] = gistar.false_discovery_bh(p[mask])
    return out


def gi_bins(z: np.ndarray, p_fdr: np.ndarray) -> np.ndarray:
    """Return ArcGIS-style bins: ±3, ±2, ±1 for hot/cold at 99/95/90 %, 0 otherwise."""
    out = np.zeros(len(z), dtype=np.int64)
    ok = np.isfinite(z) & np.isfinite(p_fdr)
    for alpha, _label, mag in reversed(CONFIDENCE):
        hit = ok & (p_fdr < alpha)
        out[hit] = np.sign(z[hit]).astype(np.int64) * mag
    return out


def hotspot_labels(bins: np.ndarray, island: np.ndarray) -> list[str]:
    """Return the class name of each bin (``hot (99%)`` … ``cold (99%)``, ``no neighbours``)."""
    names = {0: NOT_SIGNIFICANT}
    for _a, label, mag in CONFIDENCE:
        names[mag], names[-mag] = f"hot ({label})", f"cold ({label})"
    return [ISLAND if isl else names[int(b)] for b, isl in zip(bins, island, strict=True)]


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall test of each row of a table (arrays, one value per row)."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray


def mann_kendall(x: np.ndarray) -> MannKendall:
    """Return the Mann-Kendall trend test of each row of ``x`` (rows = series in time order).

    ``S = Σ_{i<j} sign(x_j − x_i)``; its variance is
    ``[n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18`` over the groups of ``t`` tied
    values; ``z = (S − sign S) / √var``; p is two-sided from the normal
    distribution; tau is ``S / (n(n−1)/2)``. A series shorter than three,
    or constant, has ``z = 0`` and ``p = 1``.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    rows, n = x.shape
    if n < 2:
        zeros = np.zeros(rows)
        return MannKendall(zeros, zeros, zeros, np.ones(rows), zeros)
    i, j = np.triu_indices(n, k=1)
    s = np.sign(x[:, j] - x[:, i]).sum(axis=1)
    ties = np.zeros(rows)
    ordered = np.sort(x, axis=1)
    for r in range(rows):
        _vals, t = np.unique(ordered[r], return_counts=True)
        t = t[t > 1].astype(float)
        ties[r] = (t * (t - 1) * (2 * t + 5)).sum()
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(all="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(var), 0.0)
    if n < 3:
        z = np.zeros(rows)
    p = 2.0 * gistar.norm_sf(np.abs(z))
    return MannKendall(s, var, z, p, s / (n * (n - 1) / 2.0))


def emerging_class(
    z: Sequence[float], p_fdr: Sequence[float], *, trend_z: float, trend_p: float
) -> str:
    """Return the ArcGIS Pro emerging hot/cold spot class of one unit's series.

    ``z`` and ``p_fdr`` are the unit's Gi* z-scores and FDR-adjusted p-values
    per period, oldest first; ``trend_z``/``trend_p`` the Mann-Kendall test of
    its z-scores. A period is hot (cold) when ``p_fdr < 0.10`` and ``z > 0``
    (``< 0``). With ``n`` periods, the final one hot:

    * ≥ 90 % of periods hot: **intensifying** if the z trend rises
      significantly (p < 0.05), **diminishing** if it falls significantly,
      else **persistent**;
    * only the final period hot: **new**;
    * one uninterrupted run of at least two hot periods at the end and none
      before it: **consecutive**;
    * a cold period before: **oscillating**; otherwise **sporadic**.

    With the final period not hot and ≥ 90 % of periods hot: **historical**
    (historical takes precedence over persistent when the last period is not
    hot, since only historical speaks of the last period). Cold spots
    mirror this (a cold spot *intensifies* when its z falls). Anything else
    is ``no pattern``.
    """
    zz = np.asarray(z, dtype=float)
    pp = np.asarray(p_fdr, dtype=float)
    n = len(zz)
    if n == 0:
        return NO_PATTERN
    sig = np.isfinite(zz) & np.isfinite(pp) & (pp < BIN_ALPHA)
    hot = sig & (zz > 0)
    cold = sig & (zz < 0)
    rising = trend_p < TREND_ALPHA and trend_z > 0
    falling = trend_p < TREND_ALPHA and trend_z < 0
    for kind, this, other, stronger, weaker in (
        ("hot", hot, cold, rising, falling),
        ("cold", cold, hot, falling, rising),
    ):
        share = this.sum() / n
        if not this[-1]:
            continue
        if share >= MOST:
            if stronger:
                return f"intensifying {kind} spot"
            if weaker:
                return f"diminishing {kind} spot"
            return f"persistent {kind} spot"
        if this.sum() == 1:
            return f"new {kind} spot"
        run = n - int(np.flatnonzero(~this)[-1]) - 1 if (~this).any() else n
        if run >= 2 and not this[: n - run].any():
            return f"consecutive {kind} spot"
        if other[:-1].any():
            return f"oscillating {kind} spot"
        return f"sporadic {kind} spot"
    for kind, this in (("hot", hot), ("cold", cold)):
        if this.sum() / n >= MOST:
            return f"historical {kind} spot"
    return NO_PATTERN


# --- the table ---------------------------------------------------------------------------


def _period_labels(dates: pd.Series, period: str) -> tuple[np.ndarray, list[str]]:
    per = pd.to_datetime(dates).dt.to_period(PERIOD_FREQ[period])
    full = pd.period_range(per.min(), per.max(), freq=PERIOD_FREQ[period])
    labels = [str(p) for p in full]
    index = pd.PeriodIndex(per).asi8 - full[0].ordinal
    return index, labels


def _admin_units(
    events: pd.DataFrame, layers: ProjectLayers, by: str
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray, list[str]]:
    frame = layers.boundaries.level(by)  # type: ignore[arg-type]
    if frame is None or frame.empty:
        raise ValidationError(
            f"the boundaries ({layers.boundaries.source.key}) have no {by} layer",
            hint="use --by district or hex, or import COD-AB with `geo boundaries import PATH`",
        )
    units = (
        frame[["code", "name", "geometry"]]
        .assign(code=lambda f: f["code"].astype(str), name=lambda f: f["name"].astype(str))
        .sort_values("code", kind="stable")
        .reset_index(drop=True)
    )
    n = _ADMIN[by]
    codes = events[f"adm{n}_code"].fillna("").astype(str).to_numpy()
    coarse = events[f"coarse_adm{n}"].fillna(False).to_numpy(bool)
    pos = pd.Index(units["code"]).get_indexer(codes)
    notes = []
    word = _LEVEL_WORD[by]
    if coarse.any():
        notes.append(
            f"{int(coarse.sum())} event(s) located only to an area coarser than a {word} "
            "were left out"
        )
    outside = (~coarse) & (pos < 0)
    if outside.any():
        notes.append(
            f"{int(outside.sum())} event(s) in no {word} (see the join report) were left out"
        )
    keep = (~coarse) & (pos >= 0)
    return units, pos, keep, notes


def _hex_units(
    events: gpd.GeoDataFrame, layers: ProjectLayers, resolution: int | None
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray, list[str], str, int]:
    import h3

    point = events["precision_level"].astype(str).to_numpy() == "point"
    extent = layers.boundaries.country
    if extent is None or extent.empty:
        extent = layers.boundaries.governorates
    if extent is None or extent.empty:
        raise ValidationError(
            "a hexagon grid needs the country outline, and the boundaries have none",
            hint="import boundaries with a country layer (`geo boundaries import PATH`)",
        )
    km2 = float(extent.to_crs(METRIC_CRS).area.sum() / 1e6)
    exact_only = bool(
        point.any() and (events.loc[point, "geo_precision"].astype(str) == "exact").all()
    )
    res = (
        resolution if resolution is not None else choose_hex_resolution(km2, exact_only=exact_only)
    )
    units = hex_grid(extent, resolution=res)
    wgs = events.geometry.to_crs(GEOGRAPHIC_CRS) if len(events) else events.geometry
    cells = np.array(
        [h3.latlng_to_cell(lat, lng, res) if ok else "" for lat, lng, ok in
         zip(wgs.y.to_numpy(), wgs.x.to_numpy(), point, strict=True)],
        dtype=object,
    )  # fmt: skip
    pos = pd.Index(units["code"]).get_indexer(cells)
    notes = []
    if (~point).any():
        notes.append(
            f"{int((~point).sum())} event(s) located only to an area (coarser than a hexagon "
            "cell) were left out"
        )
    outside = point & (pos < 0)
    if outside.any():
        notes.append(f"{int(outside.sum())} event(s) outside the hexagon grid were left out")
    edge = h3.average_hexagon_edge_length(res, "km")
    rule = (
        f"H3 resolution {res} (mean edge {edge:.1f} km, {len(units)} cells whose centres are in "
        "the country outline): the finest resolution with at most 5,000 cells over the extent "
        f"and an edge of at least {'1.5' if exact_only else '5'} km "
        f"({'every event located exactly' if exact_only else 'some events only near their place'})"
    )
    return units, pos, point & (pos >= 0), notes, rule, res


def _units_and_weights(
    events: gpd.GeoDataFrame,
    layers: ProjectLayers,
    *,
    by: Unit,
    hex_resolution: int | None,
    method: dict[str, str],
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray, list[str], gistar.Weights, str]:
    """Return the units, each event's unit and whether it has one, notes, weights and level.

    The units and weights chosen are described in ``method`` (``units``, ``weights``).
    """
    if by == "hex":
        units, pos, keep, notes, rule, res = _hex_units(events, layers, hex_resolution)
        w, band = hex_weights(units)
        level = f"hex-r{res}"
        method["units"] = rule
        method["weights"] = f"binary distance band of {band / 1000:.1f} km (the six touching cells)"
    else:
        units, pos, keep, notes = _admin_units(events, layers, by)
        w = queen_weights(units)
        level = by
        method["units"] = f"every {_LEVEL_WORD[by]} of the boundaries ({len(units)})"
        method["weights"] = "binary queen contiguity (shared vertices, as libpysal Queen)"
    return units, pos, keep, notes, w, level


def _check_choices(by: str, period: str | None) -> None:
    """Raise when the unit or the period is not one the hot spots know."""
    if by not in UNITS:
        raise ValidationError(
            f"cannot find hot spots by {by!r}", hint=f"use one of {', '.join(UNITS)}"
        )
    if period is not None and period not in HOTSPOT_PERIODS:
        raise ValidationError(
            f"unknown hot-spot period {period!r}", hint=f"use one of {', '.join(HOTSPOT_PERIODS)}"
        )


def _space_time(
    table: pd.DataFrame,
    at: np.ndarray,
    t_index: np.ndarray,
    labels: list[str],
    *,
    w_star: gistar.Weights,
    island: np.ndarray,
) -> pd.DataFrame:
    """Add the space-time columns: Gi* per period, Mann-Kendall trends, emerging classes.

    ``at`` and ``t_index`` give each event's unit and period; ``labels`` name the periods.
    """
    n = len(table)
    cube = np.zeros((n, len(labels)))
    np.add.at(cube, (at, t_index), 1.0)
    zs = np.full(cube.shape, np.nan)
    ps = np.full(cube.shape, np.nan)
    for t in range(len(labels)):
        zt, pt = gi_star(cube[:, t], w_star)
        zs[:, t] = zt
        ps[:, t] = fdr_adjust(pt, ~island)
    zs[island] = np.nan
    counts_mk = mann_kendall(cube)
    gi_mk = mann_kendall(np.nan_to_num(zs, nan=0.0))
    sig = np.isfinite(ps) & (ps < BIN_ALPHA)
    table["periods"] = len(labels)
    table["hot_periods"] = (sig & (zs > 0)).sum(axis=1)
    table["cold_periods"] = (sig & (zs < 0)).sum(axis=1)
    table["trend_s"] = counts_mk.s.astype(np.int64)
    table["trend_z"], table["trend_p"] = counts_mk.z, counts_mk.p
    table["gi_trend_s"] = gi_mk.s.astype(np.int64)
    table["gi_trend_z"], table["gi_trend_p"] = gi_mk.z, gi_mk.p
    table["emerging_class"] = [
        NO_PATTERN
        if island[i]
        else emerging_class(zs[i], ps[i], trend_z=gi_mk.z[i], trend_p=gi_mk.p[i])
        for i in range(n)
    ]
    per_period = pd.DataFrame(zs, columns=[f"gi_z_{label}" for label in labels])
    return pd.concat([table, per_period], axis=1)


def hotspots(
    events: gpd.GeoDataFrame,
    layers: ProjectLayers,
    *,
    by: Unit = "subdistrict",
    period: HotspotPeriod | None = None,
    hex_resolution: int | None = None,
) -> HotspotResult:
    """Return Getis-Ord Gi* hot spots per unit, and the space-time result with ``period``.

    Parameters
    ----------
    events
        Joined events (:attr:`geo.join.JoinResult.events`), already filtered.
    layers
        The layers the events were joined against.
    by
        ``governorate``, ``district``, ``subdistrict`` or ``hex``.
    period
        ``month``, ``quarter`` or ``year`` for the space-time cube; ``None``
        for one Gi* over the whole span.
    hex_resolution
        An H3 resolution instead of the rule in :func:`choose_hex_resolution`.

    Returns
    -------
    HotspotResult
        ``table`` columns: ``level``, ``area_code``, ``area_name``,
        ``events``, ``fatalities``, ``neighbours``, ``gi_z``, ``gi_p``,
        ``gi_p_fdr``, ``gi_bin``, ``hotspot``; with ``period`` also
        ``periods``, ``hot_periods``, ``cold_periods``, ``trend_s``,
        ``trend_z``, ``trend_p`` (counts), ``gi_trend_s``, ``gi_trend_z``,
        ``gi_trend_p`` (Gi* z), ``emerging_class`` and one ``gi_z_<period>``
        column per period. Rows sorted by ``area_code``.
    """
    _check_choices(by, period)
    method = {
        "statistic": "Getis-Ord Gi* (as esda.G_Local: transform B, star, analytic z); p two-sided",
        "multiple_testing": "Benjamini-Hochberg FDR; hot/cold at 99/95/90% = adjusted p < "
        "0.01/0.05/0.10",
        "islands": "units without neighbours keep esda's z but are not tested (no neighbours)",
    }
    units, pos, keep, notes, w, level = _units_and_weights(
        events, layers, by=by, hex_resolution=hex_resolution, method=method
    )
    n = len(units)
    neighbours = w.cardinalities.astype(np.int64)
    island = neighbours == 0
    if island.any():
        notes.append(f"{int(island.sum())} unit(s) without neighbours were not tested")
    w_star = w  # gi_star puts each unit in its own neighbourhood (esda's star=True)

    at = pos[keep]
    fat = pd.array(events["fatalities"], dtype="Int64").fillna(0).to_numpy(dtype=np.int64)[keep]
    counts = np.bincount(at, minlength=n).astype(float)
    table = pd.DataFrame(
        {
            "level": level,
            "area_code": units["code"].to_numpy(),
            "area_name": units["name"].to_numpy(),
            "events": counts.astype(np.int64),
            "fatalities": np.bincount(at, weights=fat, minlength=n).astype(np.int64),
            "neighbours": neighbours,
        }
    )
    z, p = gi_star(counts, w_star)
    p_fdr = fdr_adjust(p, ~island)
    bins = gi_bins(z, p_fdr)
    bins[island] = 0
    table["gi_z"], table["gi_p"], table["gi_p_fdr"] = z, p, p_fdr
    table["gi_bin"] = bins
    table["hotspot"] = hotspot_labels(bins, island)
    labels: list[str] = []
    if period is not None and keep.any():
        t_index, labels = _period_labels(events["date"][keep], period)
        table = _space_time(table, at, t_index, labels, w_star=w_star, island=island)
        method["space_time"] = (
            f"Gi* per {period} on its own (no temporal neighbours), FDR per {period}; a bin is "
            "hot/cold at adjusted p < 0.10; Mann-Kendall on counts (trend_*) and on Gi* z "
            "(gi_trend_*), significant at p < 0.05; ArcGIS Pro emerging classes"
        )
    elif period is not None:
        table["emerging_class"] = NO_PATTERN
    table = table.sort_values("area_code", kind="stable").reset_index(drop=True)
    return HotspotResult(
        table=table,
        units=units.to_crs(GEOGRAPHIC_CRS),
        periods=tuple(labels),
        notes=tuple(notes),
        method=method,
    )
