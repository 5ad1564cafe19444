"""Place events known only to an area at that area's representative point (pure).

A plain-CSV row may carry an ``area_code`` column (canonical ``src_area_code``) instead of
coordinates (see
:mod:`geo.incidents.table`): an admin P-code, a project zone key, or several
joined by ``&`` (their intersection, e.g. ``IQG10&hamrin-area`` for "the Hamrin
range in Diyala"). Such rows are placed here, at run time, in whichever
boundaries are loaded — never with coordinates committed to a file.

Rules
-----
* An admin code is looked up at every level. When the loaded layers lack it
  (the schematic and geoBoundaries layers have no sub-districts), the longest
  code of a coarser level that prefixes it is used instead (``IQG10Q06N03`` →
  district ``IQG10Q06`` → governorate ``IQG10``); the event's
  ``precision_level`` becomes that coarser level and its ``quality_flags`` gain
  ``area_parent_fallback``. It is never placed finer than its code.
* A project zone key (``hamrin-area``, ``unami-2009``, ``article-140-wide``,
  ``krg-area``) stands for that zone's polygon in the loaded layers.
* The point is the area's (or the intersection's) representative point,
  which always lies inside it; ``geo_precision`` is ``area``,
  ``precision_level`` the admin level used (``country`` when only a zone is
  given), and ``quality_flags`` gain ``placed_by_area``.
* The point says nothing about where in its area the event was: when it
  falls inside a project zone but the area reaches beyond that zone (more
  than 1 % of its surface outside), the event gets the flag
  ``area_exceeds_<zone key>`` and the join leaves it out of that zone
  (``in_hamrin_area`` … False): an event known only to Diyala is not counted
  in the Hamrin focus area.
* A code found nowhere, or parts that do not intersect, leave the event
  unplaced: it is moved to :attr:`PlaceResult.unplaced` with the reason,
  never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.types import Level, ProjectLayers

AREA_SEPARATOR = "&"
#: Largest share of an area that may lie outside a zone for the area to count as inside it.
OUTSIDE_TOLERANCE = 0.01
UNPLACED_COLUMNS: tuple[str, ...] = ("event_id", "dataset", "source_row", "area_code", "reason")
_ADMIN_ORDER: tuple[Level, ...] = ("subdistrict", "district", "governorate")


@dataclass(frozen=True, eq=False)
class PlaceResult:
    """Events with a point (the placed ones included) and those that could not be placed.

    ``placed`` counts events placed by area code, ``fallbacks`` those placed at a coarser
    level than their code, and ``unplaced`` lists the rest (:data:`UNPLACED_COLUMNS`).
    """

    events: gpd.GeoDataFrame | pd.DataFrame
    unplaced: pd.DataFrame
    placed: int
    fallbacks: int
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return one line: how many events were placed by area code, and how many not."""
        text = f"placed by area code: {self.placed}"
        if self.fallbacks:
            text += f" ({self.fallbacks} at a coarser level the loaded boundaries have)"
        if len(self.unplaced):
            text += f"; not placed: {len(self.unplaced)}"
        return text


@dataclass(frozen=True)
class _Area:
    geometry: shapely.Geometry | None
    level: str  # subdistrict, district, governorate, country (zones only)
    fallback: bool
    reason: str = ""


def _zones(layers: ProjectLayers) -> dict[str, gpd.GeoDataFrame]:
    return {
        "hamrin-area": layers.hamrin_area,
        "unami-2009": layers.disputed_unami,
        "article-140-wide": layers.disputed_wide,
        "krg-area": layers.krg_area,
    }


def _admin_area(code: str, layers: ProjectLayers) -> _Area:
    """Find ``code`` at its own level, else the longest coarser code that prefixes it."""
    b = layers.boundaries
    frames = {level: b.level(level) for level in _ADMIN_ORDER}
    for level in _ADMIN_ORDER:
        frame = frames[level]
        if frame is not None and not frame.empty:
            hits = frame.loc[frame["code"] == code]
            if len(hits):
                return _Area(shapely.union_all(hits.geometry.values), level, False)
    for level in _ADMIN_ORDER:
        frame = frames[level]
        if frame is None or frame.empty:
            continue
        codes = frame["code"].astype(str)
        prefixes = codes[codes.map(lambda c: len(c) < len(code) and code.startswith(c))]
        if len(prefixes):
            best = max(prefixes, key=len)
            hits = frame.loc[frame["code"] == best]
            return _Area(shapely.union_all(hits.geometry.values), level, True)
    return _Area(None, "", False, f"area code {code!r} is in no {b.source.key} layer")


def _resolve(value: str, layers: ProjectLayers) -> _Area:
    """Return the geometry an ``area_code`` value stands for, with its level."""
    zones = _zones(layers)
    geoms, levels, fallback = [], [], False
    for part in (p.strip() for p in value.split(AREA_SEPARATOR)):
        if not part:
            return _Area(None, "", False, f"area code {value!r} has an empty part")
        if part in zones:
            frame = zones[part]
            if frame is None or frame.empty:
                return _Area(None, "", False, f"zone {part!r} is empty in the loaded layers")
            geoms.append(shapely.union_all(frame.geometry.values))
            continue
        area = _admin_area(part, layers)
        if area.geometry is None:
            return area
        geoms.append(area.geometry)
        levels.append(area.level)
        fallback |= area.fallback
    geom = geoms[0]
    for other in geoms[1:]:
        geom = geom.intersection(other)
    if geom.is_empty or geom.area == 0:
        return _Area(None, "", False, f"the parts of area code {value!r} do not overlap")
    # the finest admin level named (a zone alone says nothing about admin areas)
    level = next((lv for lv in _ADMIN_ORDER if lv in levels), "country")
    return _Area(geom, level, fallback)


def place_events(events: gpd.GeoDataFrame | pd.DataFrame, layers: ProjectLayers) -> PlaceResult:
    """Place the events that carry a ``src_area_code`` but no point (see the module docstring).

    Parameters
    ----------
    events
        Canonical events (EPSG:4326), e.g. ``load_incidents(...).events``, with or
        without point geometry (``latitude``/``longitude`` are set either way).
    layers
        The loaded boundaries and project layers.

    Returns
    -------
    PlaceResult
        ``events``: the same rows in the same order, less the unplaced ones, with points,
        ``latitude``/``longitude``, ``geo_precision``, ``precision_level`` and ``quality_flags``
        set for the placed ones; ``unplaced``: the rows that could not be placed, and why.
    """
    if "src_area_code" not in events.columns or events.empty:
        return PlaceResult(events, pd.DataFrame(columns=list(UNPLACED_COLUMNS)), 0, 0)
    missing = events["latitude"].isna() | events["longitude"].isna()
    codes = events["src_area_code"].fillna("").astype(str).str.strip()
    todo = (missing & (codes != "")).to_numpy()
    if not todo.any():
        return PlaceResult(events, pd.DataFrame(columns=list(UNPLACED_COLUMNS)), 0, 0)
    resolved = {value: _resolve(value, layers) for value in sorted(set(codes[todo]))}
    points = {  # rounded to 6 decimals (0.1 m) like every coordinate the tool writes
        v: shapely.set_precision(a.geometry.representative_point(), 1e-6)
        for v, a in resolved.items()
        if a.geometry is not None
    }
    zones = {
        key: shapely.union_all(frame.geometry.values)
        for key, frame in _zones(layers).items()
        if frame is not None and not frame.empty
    }
    exceeds = {  # zones the point falls in although the area reaches beyond them
        v: [
            f"area_exceeds_{key}"
            for key, zone in zones.items()
            if zone.covers(points[v])
            and a.geometry.difference(zone).area > OUTSIDE_TOLERANCE * a.geometry.area
        ]
        for v, a in resolved.items()
        if a.geometry is not None
    }
    out = events.copy()
    rows = np.flatnonzero(todo)
    ok = np.array([codes.iat[i] in points for i in rows], dtype=bool)
    placed_rows, failed_rows = rows[ok], rows[~ok]
    values = [codes.iat[i] for i in placed_rows]
    geoms = [points[v] for v in values]
    if isinstance(out, gpd.GeoDataFrame):
        geometry = out.geometry.values.copy()
        geometry[placed_rows] = geoms
        out = out.set_geometry(gpd.GeoSeries(geometry, index=out.index, crs=out.crs))
    col = out.columns.get_loc
    out.iloc[placed_rows, col("longitude")] = [g.x for g in geoms]
    out.iloc[placed_rows, col("latitude")] = [g.y for g in geoms]
    out.iloc[placed_rows, col("geo_precision")] = "area"
    out.iloc[placed_rows, col("precision_level")] = [resolved[v].level for v in values]
    flags = out["quality_flags"].astype(str).to_numpy(dtype=object)
    fallbacks = 0
    for i, v in zip(placed_rows, values, strict=True):
        extra = ["placed_by_area"]
        if resolved[v].fallback:
            extra.append("area_parent_fallback")
            fallbacks += 1
        extra += exceeds[v]
        flags[i] = ";".join([f for f in flags[i].split(";") if f] + extra)
    out["quality_flags"] = pd.array(flags, dtype=events["quality_flags"].dtype)
    unplaced = pd.DataFrame(
        {
            "event_id": out["event_id"].iloc[failed_rows].to_numpy(dtype=object),
            "dataset": out["dataset"].iloc[failed_rows].to_numpy(dtype=object),
            "source_row": out["source_row"].iloc[failed_rows].to_numpy(),
            "area_code": codes.iloc[failed_rows].to_numpy(dtype=object),
            "reason": [resolved[codes.iat[i]].reason for i in failed_rows],
        },
        columns=list(UNPLACED_COLUMNS),
    )
    if len(failed_rows):
        keep = np.ones(len(out), dtype=bool)
        keep[failed_rows] = False
        out = out.iloc[keep].reset_index(drop=True)
    notes = tuple(
        f"area code {v} placed at the {a.level} level"
        + (" (coarser than the code: the loaded boundaries lack its level)" if a.fallback else "")
        for v, a in resolved.items()
        if a.geometry is not None
    )
    return PlaceResult(out, unplaced, len(placed_rows), fallbacks, notes)
