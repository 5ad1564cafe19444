"""Browser test harness: headless Debian chromium via Playwright, plus tiny synthetic map inputs.

The fixtures ``chromium`` and ``open_page`` are registered in ``conftest.py``::

    @pytest.mark.browser
    def test_x(open_page, tmp_path):
        page, errors, dialogs = open_page(tmp_path / "map.html")

``open_page`` opens a file:// URL; every http(s) request is intercepted:
basemap tile requests get a transparent 1x1 PNG, anything else is aborted and
recorded in ``errors`` as ``"blocked request: URL"`` (so ``errors == []`` also
proves the page needs no CDN). Console errors and uncaught page errors are
collected; dialogs (``alert`` …) are recorded and dismissed. The page has
waited for ``window.__geoReady`` (up to 15 s) but does not fail if it never
came: assert ``ready(page)``.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geo.snapshot import CHROMIUM, CHROMIUM_ARGS
from geo.types import EVENT_COLUMNS, JOIN_COLUMNS, Boundaries, ProjectLayers, Provenance

TRANSPARENT_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
_TILE = re.compile(r"/\d+/\d+/\d+(@2x)?\.png(\?.*)?$")

OpenPage = Callable[[Path], tuple[object, list[str], list[str]]]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A session-wide headless chromium; skip when Playwright or chromium is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium) -> Iterator[OpenPage]:
    """Return ``open(path) -> (page, console_errors, dialogs)``; pages close after the test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})

    def route(r) -> None:
        url = r.request.url
        if _TILE.search(url.split("#", 1)[0]):
            r.fulfill(status=200, content_type="image/png", body=TRANSPARENT_PNG)
        else:
            blocked.append(f"blocked request: {url}")
            r.abort()

    blocked: list[str] = []
    context.route(re.compile(r"^https?://"), route)

    def open_(path: Path) -> tuple[object, list[str], list[str]]:
        page = context.new_page()
        errors = blocked  # blocked requests count as errors
        dialogs: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

        def on_dialog(dialog) -> None:
            dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        with contextlib.suppress(Exception):  # the test asserts ready(page) itself
            page.wait_for_function("window.__geoReady === true", timeout=15_000)
        return page, errors, dialogs

    yield open_
    context.close()


def ready(page) -> bool:
    """Return True when the page's map script ran to its end (``window.__geoReady``)."""
    return bool(page.evaluate("window.__geoReady === true"))


# --- tiny synthetic inputs ------------------------------------------------------------------

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
        krg_line=_feature("krg-line", "KRG line", LineString([(43, 36), (47, 36)])),
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
