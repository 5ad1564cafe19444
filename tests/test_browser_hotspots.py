"""The hot-spot layers in chromium: hostile area names stay inert in popups and tooltips."""

from __future__ import annotations

import pytest
from browser import ready
from fixtures import PROV, synthetic_events, synthetic_layers
from test_browser_maps import HOSTILE, map_js

from geo import hotspots, render
from geo.spec import parse_spec

pytestmark = pytest.mark.browser


def test_hostile_area_names_in_hotspot_popups_fire_nothing(open_page, offline_assets, tmp_path):
    layers = synthetic_layers(hostile=HOSTILE)
    events = synthetic_events(40, hostile=HOSTILE)
    result = hotspots.hotspots(events, layers, by="district", period="month")
    spec = parse_spec(
        {
            "title": HOSTILE,
            "description": HOSTILE,
            "layers": ["governorates", "unami-2009", "krg-line"],
            "events": {"mode": "none"},
            "hotspots": {"level": "district", "period": "month"},
        },
        name="hot",
    )
    ctx = render.RenderContext(sources=(PROV,), built="2024-05-01", hotspots=result)
    m = render.build_map(spec, layers=layers, events=events, context=ctx)
    path = tmp_path / "hot.html"
    path.write_text(render.page_html(m, assets=offline_assets), encoding="utf-8")
    page, errors, dialogs = open_page(path)
    assert ready(page), errors
    page.locator("#geo-panel summary").click()
    map_js(
        page,
        "(window.__opened = {popup: 0, tooltip: 0}, "
        "map.on('popupopen', () => window.__opened.popup++), "
        "map.on('tooltipopen', () => window.__opened.tooltip++))",
    )
    # the hostile district (IQG01D01: 43-45°E, 35-37°N), away from the panel and the controls
    x, y = map_js(
        page,
        "(() => { const p = map.latLngToContainerPoint([36.3, 44.3]); "
        "const r = map.getContainer().getBoundingClientRect(); "
        "return [r.left + p.x, r.top + p.y]; })()",
    )
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert "<img src=x" in text  # shown as text, not run
    assert "Gi* z" in text and "Emerging class" in text
    opened = page.evaluate("window.__opened")
    assert opened["popup"] >= 1 and opened["tooltip"] >= 1, opened
    assert dialogs == [] and errors == []
    legend = page.inner_text("#geo-legend")
    assert "Gi* hot and cold spots per district" in legend
    assert "Emerging hot spots per month" in legend


def test_hex_hotspot_layer_names_its_unit(tmp_path):
    layers = synthetic_layers()
    events = synthetic_events(60)
    result = hotspots.hotspots(events, layers, by="hex")
    spec = parse_spec(
        {"title": "T", "description": "D", "layers": ["governorates"],
         "events": {"mode": "none"}, "hotspots": {"level": "hex"}},
        name="hex",
    )  # fmt: skip
    ctx = render.RenderContext(sources=(PROV,), built="2024-05-01", hotspots=result)
    m = render.build_map(spec, layers=layers, events=events, context=ctx)
    html = render.page_html(m, assets=None)
    assert "Gi* hot and cold spots per H3 hexagon" in html
    assert "count = H3 hexagons." in html
    assert "Emerging hot spots" not in html  # no period, no second layer
