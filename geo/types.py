"""Shared record types passed between the stages: provenance, boundary sets, project layers.

Schemas (all GeoDataFrames are in EPSG:4326)
--------------------------------------------
Admin layers (``Boundaries.governorates`` …), one row per area:
    ``code``, ``name``, ``name_ar`` (may be empty), ``level`` (one of
    :data:`LEVELS`), ``adm1_code``, ``adm1_name``, ``adm2_code``, ``adm2_name``,
    ``adm3_code``, ``adm3_name`` (the ``admN_*`` columns are filled for every
    N up to the row's own level, the row itself included, and empty below it),
    ``source`` (the source key), ``geometry``.
Project zone layers (disputed zones, KRG area, Hamrin area), one row:
    ``key``, ``name``, ``kind``, ``members`` (``;``-joined codes), ``area_km2``,
    ``source``, ``licence``, ``notes``, ``geometry``.
Line and point features (KRG line, Hamrin ridge and dam, places):
    ``key`` (or ``name`` for places), ``name``, ``kind``, ``source``,
    ``notes``, ``geometry``.
Events: see :data:`EVENT_COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

Level = Literal["country", "governorate", "district", "subdistrict"]
LEVELS: tuple[Level, ...] = ("country", "governorate", "district", "subdistrict")

#: An event's role with respect to IS (rules per source: :mod:`geo.incidents.roles`).
Role = Literal["is_attack", "against_is", "clash", "none"]
ROLES: tuple[Role, ...] = ("is_attack", "against_is", "clash", "none")

ADMIN_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "name_ar",
    "level",
    "adm1_code",
    "adm1_name",
    "adm2_code",
    "adm2_name",
    "adm3_code",
    "adm3_name",
    "source",
    "geometry",
)

ZONE_COLUMNS: tuple[str, ...] = (
    "key",
    "name",
    "kind",
    "members",
    "area_km2",
    "source",
    "licence",
    "notes",
    "geometry",
)

#: Canonical events table, in this order. Types: ``event_id`` str; ``date``
#: datetime64 (day); ``date_precision`` one of day/week/month/year;
#: ``fatalities*`` nullable Int64; ``latitude``/``longitude`` float64;
#: ``geo_precision`` one of exact/near/area; ``geo_precision_code`` the source's
#: own code as text (``acled:1``, ``ucdp:4``, ``user:exact``); ``source_row`` the
#: 1-based line number in the file (header = line 1); ``quality_flags`` ``;``-joined
#: markers such as ``outside_iraq`` or ``swapped_latlon_fixed``; ``is_match_rule`` the
#: IS-filter rule that matched, empty when none did; ``role`` the event's role
#: with respect to IS (``is_attack``, ``against_is``, ``clash`` or ``none``; see
#: :mod:`geo.incidents.roles`); ``synthetic`` True only for
#: generated rows; ``provisional`` True for rows not yet vetted by their source
#: (UCDP Candidate events); ``precision_level`` the finest admin level the location can
#: support: ``point`` (exact or near), ``subdistrict``, ``district``,
#: ``governorate`` or ``country`` (UCDP ``where_prec`` 3 → district, 4 →
#: governorate, 5 → governorate, 6-7 → country; ACLED ``geo_precision`` 3 →
#: governorate; everything exact or near → point); ``src_area_code`` the area a
#: plain-CSV row is known to (an admin P-code such as ``IQG10Q06``, a project
#: zone key such as ``hamrin-area``, or several joined by ``&``), empty for
#: other sources: a row with an area code and no coordinates is placed by
#: :func:`geo.place.place_events` at that area's representative point.
EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "date",
    "date_end",
    "date_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "location",
    "src_admin1",
    "src_admin2",
    "src_admin3",
    "latitude",
    "longitude",
    "geo_precision",
    "geo_precision_code",
    "precision_level",
    "src_area_code",
    "source",
    "source_url",
    "notes",
    "dataset",
    "source_row",
    "is_match_rule",
    "role",
    "quality_flags",
    "synthetic",
    "provisional",
    "geometry",
)


def point_columns(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return an events table's ``longitude`` and ``latitude`` as floats (NaN where missing).

    They are the points of a table loaded without point objects
    (``load_incidents(points=False)``).
    """
    lon, lat = (
        pd.to_numeric(events[c]).to_numpy(dtype="float64", na_value=np.nan)
        for c in ("longitude", "latitude")
    )
    return lon, lat


#: Columns the join adds to the events table (see :mod:`geo.join`).
#: ``join_status``: ``matched`` (inside one polygon), ``on_edge`` (on a shared
#: edge, given to the lowest code), ``nearest`` (in no polygon but within the
#: tolerance of one; ``join_distance_m`` says how far), ``unmatched``.
#: ``coarse_adm1``/``_adm2``/``_adm3``: True where ``precision_level`` is coarser
#: than that level, so aggregates at that level can leave the event out.
#: Distances are in km, computed in EPSG:32638, all unsigned (>= 0); the side of
#: the KRG line is ``in_krg_area``. :mod:`geo.columns` describes every column.
JOIN_COLUMNS: tuple[str, ...] = (
    "adm1_code",
    "adm1_name",
    "adm2_code",
    "adm2_name",
    "adm3_code",
    "adm3_name",
    "join_status",
    "join_distance_m",
    "coarse_adm1",
    "coarse_adm2",
    "coarse_adm3",
    "in_disputed_unami",
    "in_disputed_wide",
    "in_krg_area",
    "in_hamrin_area",
    "dist_krg_line_km",
    "dist_unami_edge_km",
    "dist_wide_edge_km",
    "dist_hamrin_ridge_km",
    "dist_hamrin_dam_km",
    "boundary_source",
)

#: Rejection report columns: one row per rejected input row.
REJECTION_COLUMNS: tuple[str, ...] = ("file", "line", "field", "value", "reason")

BoundaryKind = Literal["authoritative", "schematic", "project"]


@dataclass(frozen=True)
class Provenance:
    """Where a layer or input came from, carried into every output and map."""

    key: str
    title: str
    licence: str
    attribution: str
    version: str
    url: str = ""
    kind: BoundaryKind = "authoritative"
    files: tuple[tuple[str, str], ...] = ()  # (file name, sha256)
    notes: str = ""


@dataclass(frozen=True, eq=False)
class Boundaries:
    """The admin layers of one source, in the canonical schema."""

    source: Provenance
    country: gpd.GeoDataFrame
    governorates: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    subdistricts: gpd.GeoDataFrame | None = None
    report: tuple[str, ...] = ()
    #: For boundaries loaded from the cache: the folder and key under which layers
    #: derived from them may be stored (:mod:`geo.boundaries.validated`); else None.
    snapshot: tuple[Path, str] | None = None

    def level(self, level: Level) -> gpd.GeoDataFrame | None:
        """Return the layer of one level (``None`` where the source lacks it)."""
        return {
            "country": self.country,
            "governorate": self.governorates,
            "district": self.districts,
            "subdistrict": self.subdistricts,
        }[level]


@dataclass(frozen=True, eq=False)
class ProjectLayers:
    """Every layer a map or a join needs, derived from one :class:`Boundaries`."""

    boundaries: Boundaries
    disputed_unami: gpd.GeoDataFrame
    disputed_wide: gpd.GeoDataFrame
    krg_area: gpd.GeoDataFrame
    krg_line: gpd.GeoDataFrame
    hamrin_area: gpd.GeoDataFrame
    hamrin_ridge: gpd.GeoDataFrame
    hamrin_dam: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    notes: tuple[str, ...] = field(default=())
