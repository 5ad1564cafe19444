"""Tiny synthetic map inputs for the tests: project layers and joined events, hostile text optional.

``synthetic_layers`` builds two governorates split into four districts, the
disputed zones, the KRG line, the Hamrin features and two places;
``synthetic_events`` builds joined events inside them with every event and
join column. Both take ``hostile=``, a string put into names and text fields
(see each function), for the escaping tests.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, box

from geo.types import EVENT_COLUMNS, JOIN_COLUMNS, Boundaries, ProjectLayers, Provenance

PROV = Provenance(
    key="synthetic",
    title="Synthetic test boundaries",
    licence="CC0",
    attribution="tests",
    version="2024-01",
    url="https://example.org/boundaries",
    kind="authoritative",
)


def _admin(rows: list[tuple[str, str, str, str, object]], level: str) -> gpd.GeoDataFrame:
    data = []
    for code, name, name_ar, parent, geom in rows:
        row = dict.fromkeys(
            ("adm1_code", "adm1_name", "adm2_code", "adm2_name", "adm3_code", "adm3_name"), ""
        )
        if level == "governorate":
            row.update(adm1_code=code, adm1_name=name)
        elif level == "district":
            row.update(adm1_code=parent, adm1_name=parent, adm2_code=code, adm2_name=name)
        data.append(
            {
                "code": code,
                "name": name,
                "name_ar": name_ar,
                "level": level,
                **row,
                "source": "synthetic",
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(data, geometry="geometry", crs="EPSG:4326")


def _zone(key: str, name: str, geom: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [
            {
                "key": key,
                "name": name,
                "kind": "zone",
                "members": "",
                "area_km2": 1234.5,
                "source": "synthetic",
                "licence": "CC0",
                "notes": "test zone",
                "geometry": geom,
            }
        ],
        geometry="geometry",
        crs="EPSG:4326",
    )


def _feature(key: str, name: str, geom: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [
            {
                "key": key,
                "name": name,
                "kind": key,
                "source": "synthetic",
                "notes": "",
                "geometry": geom,
            }
        ],
        geometry="geometry",
        crs="EPSG:4326",
    )


def synthetic_layers(*, kind: str = "authoritative", hostile: str | None = None) -> ProjectLayers:
    """Two governorates (43-45°E, 45-47°E; 33-37°N), four districts, zones, lines, places.

    ``hostile`` replaces the names of areas, zones and places with that text.
    """
    h = hostile
    govs = _admin(
        [
            ("IQG01", h or "West", h or "غرب", "", box(43, 33, 45, 37)),
            ("IQG02", h or "East", "", "", box(45, 33, 47, 37)),
        ],
        "governorate",
    )
    dists = _admin(
        [
            ("IQG01D01", h or "West North", "", "IQG01", box(43, 35, 45, 37)),
            ("IQG01D02", "West South", "", "IQG01", box(43, 33, 45, 35)),
            ("IQG02D01", "East North", "", "IQG02", box(45, 35, 47, 37)),
            ("IQG02D02", "East South", "", "IQG02", box(45, 33, 47, 35)),
        ],
        "district",
    )
    country = _admin([("IQ", "Iraq", "العراق", "", box(43, 33, 47, 37))], "country")
    prov = Provenance(**{**PROV.__dict__, "kind": kind, "title": h or PROV.title})
    boundaries = Boundaries(source=prov, country=country, governorates=govs, districts=dists)
    places = gpd.GeoDataFrame(
        {
            "name": [h or "Alpha", "Beta"],
            "alt_names": ["Alfa", ""],
            "name_ar": ["ألفا", ""],
            "kind": ["town", "village"],
        },
        geometry=[Point(44, 34), Point(46, 36)],
        crs="EPSG:4326",
    )
    return ProjectLayers(
        boundaries=boundaries,
        disputed_unami=_zone("unami-2009", h or "Disputed (UNAMI)", box(44, 34, 46, 35.5)),
        disputed_wide=_zone("article-140-wide", "Disputed (wide)", box(43.5, 33.5, 46.5, 36)),
        krg_area=_zone("krg-area", "KRG area", box(43, 36, 47, 37)),
        krg_line=_feature(
            "krg-line",
            "Kurdistan Region boundary, 2019 administrative (proxy)",
            LineString([(43, 36), (47, 36)]),
        ),
        hamrin_area=_zone("hamrin-area", "Hamrin", box(45.5, 34, 46.5, 34.8)),
        hamrin_ridge=_feature(
            "hamrin-ridge", "Hamrin ridge", LineString([(45.6, 34.2), (46.4, 34.6)])
        ),
        hamrin_dam=_feature("hamrin-dam", h or "Hamrin dam", Point(45.9, 34.3)),
        places=places,
    )


def synthetic_events(n: int = 12, *, hostile: str | None = None, seed: int = 0) -> gpd.GeoDataFrame:
    """Return ``n`` joined events inside the synthetic layers (every event and join column)."""
    rng = np.random.default_rng(seed)
    lon = np.round(rng.uniform(43.2, 46.8, n), 5)
    lat = np.round(rng.uniform(33.2, 36.8, n), 5)
    h = hostile
    gov = np.where(lon < 45, "IQG01", "IQG02")
    dist = np.char.add(gov.astype(str), np.where(lat >= 35, "D01", "D02"))
    frame = pd.DataFrame(
        {
            "event_id": [f"E{i:03d}" for i in range(n)],
            "date": pd.to_datetime("2020-01-06") + pd.to_timedelta(np.arange(n) * 9, unit="D"),
            "date_end": pd.NaT,
            "date_precision": "day",
            "event_type": [
                h or ("Battles" if i % 2 else "Explosions/Remote violence") for i in range(n)
            ],
            "sub_event_type": "",
            "actor1": h or "Islamic State",
            "actor2": h or "Iraqi forces",
            "fatalities": pd.array(np.arange(n) % 4, dtype="Int64"),
            "fatalities_low": pd.array([pd.NA] * n, dtype="Int64"),
            "fatalities_high": pd.array([pd.NA] * n, dtype="Int64"),
            "location": h or "Somewhere",
            "src_admin1": "",
            "src_admin2": "",
            "src_admin3": "",
            "latitude": lat,
            "longitude": lon,
            "geo_precision": ["area" if i % 5 == 0 else "exact" for i in range(n)],
            "geo_precision_code": "user:exact",
            "precision_level": "point",
            "src_area_code": "",
            "source": h or "Test source",
            "source_url": h or "https://example.org/report",
            "notes": h or "A note",
            "dataset": "synthetic",
            "source_row": np.arange(2, n + 2),
            "is_match_rule": "actor",
            "role": [("is_attack", "against_is", "clash")[i % 3] for i in range(n)],
            "quality_flags": "",
            "synthetic": True,
            "provisional": [i % 7 == 3 for i in range(n)],
            "adm1_code": gov,
            "adm1_name": gov,
            "adm2_code": dist,
            "adm2_name": dist,
            "adm3_code": "",
            "adm3_name": "",
            "join_status": "matched",
            "join_distance_m": 0.0,
            "coarse_adm1": False,
            "coarse_adm2": False,
            "coarse_adm3": True,
            "in_disputed_unami": False,
            "in_disputed_wide": False,
            "in_krg_area": lat > 36,
            "in_hamrin_area": False,
            "dist_krg_line_km": np.round(np.abs(36 - lat) * 111.0, 3),
            "dist_unami_edge_km": 1.0,
            "dist_wide_edge_km": 1.0,
            "dist_hamrin_ridge_km": 5.0,
            "dist_hamrin_dam_km": 5.0,
            "boundary_source": "synthetic",
        }
    )
    assert set(EVENT_COLUMNS[:-1]) <= set(frame.columns) and set(JOIN_COLUMNS) <= set(frame.columns)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


# --- map specs --------------------------------------------------------------------------------

GOOD_SPEC = """\
title = "Test map"
description = "A map for the tests."
layers = ["governorates", "events"]

[filters]
is_only = false

[events]
mode = "points"
"""


def _top(line: str) -> str:
    """Return the good spec with one more top-level line (before the first table)."""
    return GOOD_SPEC.replace("[filters]", f"{line}\n[filters]")


#: Bad map specs, one problem each: (id, spec text, text the error must contain). The
#: error's message starts with the file name (``bad.toml``) and carries a hint.
BAD_SPECS: list[tuple[str, str, tuple[str, ...]]] = [
    ("unknown-top-level-key", _top('colour = "red"'), ("unknown key 'colour'", "allowed keys")),
    (
        "unknown-filters-key",
        GOOD_SPEC.replace("is_only = false", "is_ony = true"),
        ("unknown key filters.'is_ony'",),
    ),
    ("unknown-nested-key", GOOD_SPEC + "size = 3\n", ("unknown key events.'size'", "allowed keys")),
    (
        "title-wrong-type",
        GOOD_SPEC.replace('"Test map"', "3"),
        ("key 'title' should be a string", "got int"),
    ),
    (
        "seam-chart-as-string",
        _top('seam_chart = "yes"'),
        ("key 'seam_chart' should be true or false",),
    ),
    (
        "boolean-as-string",
        GOOD_SPEC.replace("is_only = false", 'is_only = "no"'),
        ("filters.'is_only'", "true or false", "got str"),
    ),
    (
        "date-as-string",
        GOOD_SPEC.replace("is_only = false", 'date_from = "2021-01-01"'),
        ("filters.'date_from'", "should be a date", "a date such as"),
    ),
    ("k-as-string", GOOD_SPEC + '[choropleth]\nk = "five"\n', ("choropleth.'k'", "an integer")),
    ("k-as-boolean", GOOD_SPEC + "[choropleth]\nk = true\n", ("should be an integer",)),
    ("k-out-of-range", GOOD_SPEC + "[choropleth]\nk = 12\n", ("choropleth.k = 12", "2 to 9")),
    (
        "unknown-measure",
        GOOD_SPEC + '[choropleth]\nmeasure = "deaths"\n',
        ("choropleth.measure = 'deaths'",),
    ),
    ("unknown-time-unit", _top('time = "day"'), ("time = 'day'",)),
    (
        "unknown-hotspot-level",
        GOOD_SPEC + '[hotspots]\nlevel = "village"\n',
        ("hotspots.level = 'village'",),
    ),
    (
        "unknown-hotspot-period",
        GOOD_SPEC + '[hotspots]\nperiod = "week"\n',
        ("hotspots.period = 'week'",),
    ),
    ("unknown-hotspot-key", GOOD_SPEC + "[hotspots]\nk = 3\n", ("unknown key hotspots.'k'",)),
    ("unknown-basemap", _top('basemaps = ["satellite"]'), ("'satellite'",)),
    ("negative-ring", _top("rings_km = [10, -5]"), ("rings_km must be positive",)),
    (
        "layer-that-does-not-exist",
        GOOD_SPEC.replace('"events"]', '"events", "roads"]'),
        ("'roads', which does not exist", "known layers"),
    ),
    (
        "layer-list-not-strings",
        GOOD_SPEC.replace('"events"]', '"events", 7]'),
        ("layers", "should be a string"),
    ),
    (
        "missing-required-key",
        GOOD_SPEC.replace('description = "A map for the tests."\n', ""),
        ("missing required key 'description'", "add it"),
    ),
    (
        "bad-choice",
        GOOD_SPEC.replace('"points"', '"dots"'),
        ("events.mode = 'dots'", "points, cluster, none"),
    ),
    (
        "dates-backwards",
        GOOD_SPEC.replace("is_only = false", "date_from = 2022-01-01\ndate_to = 2021-01-01"),
        ("date_from 2022-01-01 is after filters.date_to", "swap"),
    ),
    (
        "bounds-wrong-order",
        GOOD_SPEC + "[view]\nbounds = [36, 46, 33, 44]\n",
        ("view.bounds", "south < north"),
    ),
    ("not-toml", GOOD_SPEC.replace("[filters]", "[filters"), ("not valid TOML", "line")),
]
