"""Built maps in headless chromium: offline, layers and legends present, hostile text inert."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from browser import ready
from fixtures import PROV, synthetic_events, synthetic_layers

from geo import render
from geo.snapshot import screenshot
from geo.spec import LAYER_NAMES, parse_spec
from geo.types import Provenance

pytestmark = pytest.mark.browser

HOSTILE = (
    "<img src=x onerror=alert(1)> </script><script>alert(2)</script> ${alert(3)} "
    "\\\\`);alert(4);// `+alert(5)+`"
)
LAYERS = [n for n in LAYER_NAMES if n not in ("grid",)]  # every layer a map can have


def write_map(
    tmp_path: Path,
    store,
    *,
    title: str = "Test map",
    description: str = "Synthetic",
    layers=None,
    events=None,
    sources=(PROV,),
    **spec_over,
) -> Path:
    spec = parse_spec(
        {
            "title": title,
            "description": description,
            "layers": LAYERS,
            "basemaps": ["osm", "terrain"],
            "choropleth": {"level": "district", "levels": ["governorate"]},
            **spec_over,
        },
        name="test",
    )
    ctx = render.RenderContext(
        sources=sources,
        filters={"IS actors only": "yes"},
        period=("2020-01-06", "2020-04-14"),
        built="2024-05-01",
        tool_version="0.1.0",
        acled=True,
    )
    m = render.build_map(
        spec,
        layers=layers or synthetic_layers(),
        events=synthetic_events() if events is None else events,
        context=ctx,
    )
    path = tmp_path / "map.html"
    path.write_text(render.page_html(m, assets=store), encoding="utf-8")
    return path


def texts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.trim())")


def map_js(page, expr: str):
    """Evaluate ``expr`` with ``map`` bound to the page's Leaflet map."""
    return page.evaluate(
        f"(() => {{ const map = window[document.querySelector('.folium-map').id]; "
        f"return {expr}; }})()"
    )


def click_event(page, lat: float, lon: float) -> None:
    x, y = map_js(
        page,
        f"(() => {{ const p = map.latLngToContainerPoint([{lat}, {lon}]); "
        "const r = map.getContainer().getBoundingClientRect(); "
        "return [r.left + p.x, r.top + p.y]; })()",
    )
    page.mouse.click(x, y)


def test_full_map_works_offline(open_page, offline_assets, tmp_path):
    page, errors, dialogs = open_page(write_map(tmp_path, offline_assets))
    assert ready(page)
    assert errors == [] and dialogs == []
    labels = texts(page, ".leaflet-control-layers label")
    for name in (
        "OpenStreetMap",
        "Terrain (OpenTopoMap)",
        "Events per district",
        "Disputed (UNAMI)",
        "Disputed (wide)",
        "Kurdistan Region boundary, 2019 administrative (proxy)",
        "Hamrin ridge (approximate)",
        "Distance rings around the ridge",
        "Hamrin dam",
        "Places (gazetteer)",
    ):
        assert name in labels, name
    headings = texts(page, ".geo-layer-group")
    assert headings[:6] == [
        "Base maps",
        "Boundaries",
        "Disputed areas & KRG",
        "Hamrin",
        "Places",
        "Events",
    ]
    legend = texts(page, ".geo-legend.leaflet-control h4")
    for title in (
        "Events per district",
        "Disputed territories (UNAMI 2009)",
        "Kurdistan Region (KRG)",
        "Hamrin",
    ):
        assert title in legend, title
    for control in (
        ".leaflet-control-zoom-fullscreen",
        ".leaflet-control-measure",
        ".leaflet-control-minimap",
        ".leaflet-control-scale",
        ".leaflet-control-search",
        ".geo-coords",
        ".geo-panel.leaflet-control",
    ):
        assert page.locator(control).count() == 1, control
    assert page.locator("#geo-panel summary").inner_text() == "Test map"
    assert page.locator("#geo-schematic-banner").count() == 0
    assert page.locator("#geo-assets-notice").count() == 0
    # hatched zones really use the SVG pattern
    fills = page.eval_on_selector_all(
        ".leaflet-geo-zones-pane path", "p => p.map(e => e.getAttribute('fill'))"
    )
    assert "url(#geo-hatch-unami-2009)" in fills


def test_mouse_coordinates_follow_the_pointer(open_page, offline_assets, tmp_path):
    page, errors, _ = open_page(write_map(tmp_path, offline_assets))
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6)
    lat, lon = (float(v) for v in page.locator(".geo-coords").inner_text().split(","))
    assert 33 < lat < 37 and 43 < lon < 47
    assert errors == []


def test_clicking_an_event_opens_its_popup_with_the_source(open_page, offline_assets, tmp_path):
    events = synthetic_events(1)
    page, errors, _ = open_page(write_map(tmp_path, offline_assets, events=events))
    page.locator("#geo-panel summary").click()  # fold the panel away
    click_event(page, events["latitude"].iloc[0], events["longitude"].iloc[0])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert popup.locator('a[href="https://example.org/report"]').count() == 1
    assert errors == []


def test_schematic_boundaries_show_the_banner(open_page, offline_assets, tmp_path):
    path = write_map(tmp_path, offline_assets, layers=synthetic_layers(kind="schematic"))
    page, errors, _ = open_page(path)
    banner = page.locator("#geo-schematic-banner")
    assert banner.is_visible()
    assert "geo boundaries import PATH" in banner.inner_text()
    assert errors == [] and ready(page)


def test_hostile_text_everywhere_fires_nothing(open_page, offline_assets, tmp_path):
    source = Provenance(
        key="x",
        title=HOSTILE,
        licence=HOSTILE,
        attribution=HOSTILE,
        version=HOSTILE,
        url="javascript:alert(6)",
    )
    events = synthetic_events(6, hostile=HOSTILE)
    events["source_url"] = ["javascript:alert(7)", HOSTILE, *["https://example.org/r"] * 4]
    path = write_map(
        tmp_path,
        offline_assets,
        title=HOSTILE,
        description=HOSTILE,
        layers=synthetic_layers(hostile=HOSTILE),
        events=events,
        sources=(source,),
    )
    page, errors, dialogs = open_page(path)
    assert ready(page), errors
    page.locator("#geo-panel summary").click()
    map_js(
        page,
        "(window.__opened = {popup: 0, tooltip: 0}, "
        "map.on('popupopen', () => window.__opened.popup++), "
        "map.on('tooltipopen', () => window.__opened.tooltip++))",
    )
    # hover every polygon, line and place; click every event; search a place
    box = page.locator(".folium-map").bounding_box()
    for fx in (0.3, 0.5, 0.7):
        for fy in (0.3, 0.5, 0.7):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    for lat, lon in zip(events["latitude"], events["longitude"], strict=True):
        click_event(page, lat, lon)
        page.keyboard.press("Escape")
    page.locator(".leaflet-control-search .search-button").click()
    page.locator(".leaflet-control-search input.search-input").press_sequentially("img")
    opened = page.evaluate("window.__opened")
    assert opened["popup"] >= 1 and opened["tooltip"] >= 3, opened
    page.locator(".search-tip").first.wait_for(timeout=5_000)  # leaflet-search waits 400 ms
    assert dialogs == []
    assert errors == []
    assert page.locator("#geo-panel summary").inner_text().startswith("<img src=x")
    assert page.title().startswith("<img src=x")  # the <title> shows the text, runs nothing
    assert page.locator("a[href^='javascript']").count() == 0


def test_page_without_assets_says_how_to_fix_it(open_page, tmp_path):
    page, errors, _ = open_page(write_map(tmp_path, None))
    notice = page.locator("#geo-assets-notice")
    assert notice.is_visible() and "geo assets fetch" in notice.inner_text()
    assert any(e.startswith("blocked request: https://cdn") for e in errors)
    assert not ready(page)


def test_snapshot_writes_a_png(offline_assets, tmp_path):
    pytest.importorskip("playwright.sync_api")
    path = write_map(tmp_path, offline_assets, basemaps=["none"])  # no tile requests
    # its own thread: the session's Playwright owns this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(screenshot, path, tmp_path / "map.png", width=800, height=600)
        png = job.result()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_event_points_are_drawn_once_on_load_at_the_fitted_view(chromium, offline_assets, tmp_path):
    """The page fits its view after every layer is on: the points wait for that fit."""
    from browser import route_offline

    path = write_map(tmp_path, offline_assets)
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    route_offline(context, blocked := [])
    context.add_init_script(
        """window.__draws = [];
        new MutationObserver((records) => records.forEach((r) => window.__draws.push(
            r.target.getAttribute("data-role"))))
          .observe(document, {subtree: true, attributes: true, attributeFilter: ["data-drawn"]});"""
    )
    try:
        page = context.new_page()
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function("window.__geoReady === true", timeout=15_000)
        page.wait_for_timeout(200)  # let the observer report
        draws = page.evaluate("window.__draws")
        canvases = page.eval_on_selector_all(
            ".geo-events-canvas", "cs => cs.map(c => c.getAttribute('data-role'))"
        )
        assert canvases and sorted(draws) == sorted(canvases)  # once each, at the fitted view
        assert blocked == []
    finally:
        context.close()
