"""Event layers in headless chromium: popups, hostile text, the time slider, hollow centroids."""

from __future__ import annotations

import folium
import pytest
from browser import ready
from fixtures import synthetic_events

from geo.render import events as ev
from geo.render.html import page_html, stable_ids
from geo.spec import parse_spec

pytestmark = pytest.mark.browser

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "${alert(3)}",
    "\\\\`);alert(4);//",
    "`+alert(5)+`",
]
BAD_URLS = ["javascript:alert(6)", "JaVaScRiPt:alert(7)", " javascript:alert(8)", "data:,x"]

CONTROLLER = "window.__geoEventLayers[0]"


def write_page(tmp_path, frame, assets, *, mode="full", name="map", **spec):
    data = {"title": "T", "description": "D", "layers": ["events"], **spec}
    the_spec = parse_spec(data, name=name)
    with stable_ids():
        m = folium.Map(tiles=None, maxZoom=18, location=[35.0, 45.0], zoom_start=7)
        m.default_js = [folium.Map.default_js[0]]
        m.default_css = [folium.Map.default_css[0]]
        ev.add_event_layers(m, frame, spec=the_spec, mode=mode)
        folium.LayerControl(collapsed=False).add_to(m)
        m.get_root().script.add_child(folium.Element("window.__geoReady = true;"))
    path = tmp_path / f"{name}.html"
    path.write_text(page_html(m, assets=assets), encoding="utf-8")
    return path


def screen_point(page, i):
    """Return the page coordinates of event ``i`` of the first controller."""
    return page.evaluate(
        f"""(i) => {{
            const c = {CONTROLLER};
            const p = c.map.latLngToContainerPoint([c.lat[i], c.lng[i]]);
            const box = c.map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }}""",
        i,
    )


def visible_count(page):
    return int(page.get_attribute(".geo-timeslider", "data-visible-count"))


def test_clicking_an_event_opens_its_popup_with_the_source_link(
    open_page, tmp_path, offline_assets
):
    path = write_page(tmp_path, synthetic_events(12), offline_assets)
    page, errors, dialogs = open_page(path)
    assert ready(page) and errors == [] and dialogs == []
    x, y = screen_point(page, 1)
    page.mouse.move(x, y)
    assert page.locator(".leaflet-tooltip .geo-tooltip").count() == 1
    page.mouse.click(x, y)
    link = page.locator(".geo-event-popup a.geo-source-link")
    link.wait_for(timeout=5_000)
    assert link.get_attribute("href") == "https://example.org/report"
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.inner_text() == "Test source"
    content = page.inner_text(".leaflet-popup-content")
    assert "Islamic State" in content and "synthetic, line" in content and "A note" in content


def test_provisional_event_popup_says_so(open_page, tmp_path, offline_assets):
    frame = synthetic_events(12)  # events 3 and 10 are provisional (UCDP Candidate events)
    path = write_page(tmp_path, frame, offline_assets)
    page, errors, dialogs = open_page(path)
    assert ready(page) and errors == [] and dialogs == []
    texts = [
        page.evaluate(f"(i) => {CONTROLLER}.popup(i).textContent", i) for i in range(len(frame))
    ]
    flagged = [t for t in texts if "PROVISIONAL" in t]
    assert len(flagged) == int(frame["provisional"].sum()) == 2
    assert all("Status" in t and "not yet vetted" in t for t in flagged)


@pytest.mark.parametrize(
    ("draw", "mode"), [("points", "full"), ("points", "compact"), ("cluster", "full")]
)
def test_hostile_text_fires_no_dialog(open_page, tmp_path, offline_assets, draw, mode):
    n = 10
    events = synthetic_events(n)
    for col in (
        "notes",
        "actor1",
        "actor2",
        "location",
        "source",
        "event_type",
        "sub_event_type",
        "adm2_name",
        "event_id",
        "dataset",
    ):
        events[col] = [HOSTILE[i % len(HOSTILE)] for i in range(n)]
    events["source_url"] = [BAD_URLS[i % len(BAD_URLS)] for i in range(n)]
    path = write_page(
        tmp_path,
        events,
        offline_assets,
        mode=mode,
        events={"mode": draw},
        layers=["events", "heat", "grid"],
        time="month",
        seam_chart=True,
    )
    page, errors, dialogs = open_page(path)
    assert ready(page)
    for i in range(n):
        page.evaluate(
            f"(i) => {CONTROLLER}.map.setView([{CONTROLLER}.lat[i], {CONTROLLER}.lng[i]], 16, "
            "{animate: false})",
            i,
        )
        if draw == "cluster":  # ask markercluster to show the marker (zoom or spiderfy)
            page.evaluate(
                f"""(i) => new Promise((done) => {{
                    const c = {CONTROLLER};
                    if (c.map.hasLayer(c.markers[i])) return done();
                    c.layerOf(i).zoomToShowLayer(c.markers[i], done);
                    setTimeout(done, 3000);  // the callback does not come when nothing moves
                }})""",
                i,
            )
            page.wait_for_function(
                f"(i) => {CONTROLLER}.map.hasLayer({CONTROLLER}.markers[i])", arg=i
            )
        x, y = screen_point(page, i)
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        payload = HOSTILE[i % len(HOSTILE)]
        popup = page.locator(".geo-event-popup .geo-popup", has_text=payload).last
        popup.wait_for(timeout=5_000)  # the payload is shown as text, not run
        assert popup.locator(".geo-popup-title").inner_text() == f"{payload} — {payload}"
    page.locator(".leaflet-control-layers-overlays input").evaluate_all(
        "(boxes) => boxes.forEach((b) => b.click())"
    )
    assert dialogs == []
    assert errors == []
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    hrefs = page.eval_on_selector_all("a[href]", "(as) => as.map((a) => a.href)")
    assert all(h.startswith(("http://", "https://", "file://")) for h in hrefs), hrefs
    assert page.locator("a.geo-source-link").count() == 0


def test_time_slider_changes_the_visible_events(open_page, tmp_path, offline_assets):
    events = synthetic_events(40)  # one event every 9 days: 12 months
    path = write_page(tmp_path, events, offline_assets, time="month")
    page, errors, dialogs = open_page(path)
    assert ready(page) and errors == [] and dialogs == []
    assert visible_count(page) == 40
    counts = page.evaluate(f"{CONTROLLER}.periods().counts")
    assert sum(counts) == 40 and len(counts) > 3
    page.fill(".geo-timeslider-range", "2")
    assert visible_count(page) == counts[2] < 40
    assert "events" in page.inner_text(".geo-timeslider-label")
    assert int(page.get_attribute(".geo-events-canvas", "data-drawn")) <= counts[2]
    page.check(".geo-timeslider-cumulative input")
    assert visible_count(page) == sum(counts[:3])
    page.click(".geo-timeslider-all")
    assert visible_count(page) == 40
    assert errors == []


def test_canvas_points_are_drawn_once_per_view_and_period(open_page, tmp_path, offline_assets):
    """A view change fires viewreset, moveend and resize: the points are drawn once for it."""
    events = synthetic_events(40)
    path = write_page(tmp_path, events, offline_assets, time="month")
    page, errors, dialogs = open_page(path)
    assert ready(page) and errors == [] and dialogs == []
    page.evaluate(
        """() => {
            window.__stamps = 0;
            const draw = CanvasRenderingContext2D.prototype.drawImage;
            CanvasRenderingContext2D.prototype.drawImage = function () {
                window.__stamps += 1;
                return draw.apply(this, arguments);
            };
        }"""
    )
    drawn = int(page.get_attribute(".geo-events-canvas", "data-drawn"))
    assert drawn > 0
    stamps = "window.__stamps"
    page.evaluate(
        f"() => ['viewreset', 'moveend', 'resize'].forEach((e) => {CONTROLLER}.map.fire(e))"
    )
    assert page.evaluate(stamps) == 0  # same view, same period: nothing to draw again
    page.evaluate(f"() => {CONTROLLER}.map.panBy([40, 0], {{animate: false}})")
    assert page.evaluate(stamps) > 0  # moved: drawn again, once
    after_pan = page.evaluate(stamps)
    page.evaluate(f"() => {CONTROLLER}.map.fire('moveend')")
    assert page.evaluate(stamps) == after_pan
    page.fill(".geo-timeslider-range", "2")  # another period: drawn again
    assert page.evaluate(stamps) > after_pan
    assert int(page.get_attribute(".geo-events-canvas", "data-drawn")) < drawn
    assert errors == []


@pytest.mark.parametrize("mode", ["full", "aggregate"])
def test_cluster_and_grid_follow_the_slider(open_page, tmp_path, offline_assets, mode):
    path = write_page(
        tmp_path,
        synthetic_events(30),
        offline_assets,
        mode=mode,
        events={"mode": "cluster"},
        layers=["events", "heat"],
        time="month",
    )
    page, errors, dialogs = open_page(path)
    assert ready(page) and errors == [] and dialogs == []
    if mode == "full":
        assert page.locator(".marker-cluster").count() > 0
    else:
        assert page.evaluate(f"{CONTROLLER}.eventLayers().length === 0")
        assert page.evaluate(f"{CONTROLLER}.cells.length") > 0
    page.fill(".geo-timeslider-range", "0")
    first = visible_count(page)
    assert 0 < first < 30
    if mode == "aggregate":
        shown = page.evaluate(f"{CONTROLLER}.cellCounts.reduce((a, b) => a + b, 0)")
        assert shown == first
    assert errors == []


def test_area_centroids_are_drawn_hollow(open_page, tmp_path, offline_assets):
    events = synthetic_events(2)
    events["latitude"] = [34.0, 34.0]
    events["longitude"] = [44.0, 46.0]
    events["geo_precision"] = ["area", "exact"]
    events["role"] = ["is_attack", "is_attack"]  # one layer, one canvas
    path = write_page(tmp_path, events, offline_assets)
    page, errors, _ = open_page(path)
    assert ready(page) and errors == []
    alpha = page.evaluate(
        f"""() => {{
            const c = {CONTROLLER}, canvas = document.querySelector(".geo-events-canvas");
            const ctx = canvas.getContext("2d"), r = window.devicePixelRatio || 1;
            const out = {{}};
            for (let i = 0; i < c.n; i++) {{
                const p = c.map.latLngToContainerPoint([c.lat[i], c.lng[i]]);
                const centre = ctx.getImageData(Math.round(p.x * r), Math.round(p.y * r), 1, 1);
                const rim = ctx.getImageData(Math.round((p.x + 6) * r), Math.round(p.y * r), 1, 1);
                out[c.area[i] ? "area" : "exact"] = [centre.data[3], rim.data[3]];
            }}
            return out;
        }}"""
    )
    assert alpha["area"][0] == 0 and alpha["area"][1] > 0  # hollow: empty centre, drawn rim
    assert alpha["exact"][0] > 0


def test_roles_are_separate_layers_with_shapes_and_say_who_did_what(
    open_page, tmp_path, offline_assets
):
    events = synthetic_events(9)  # roles cycle: is_attack, against_is, clash
    events["actor1"] = ["Islamic State (Iraq)", "Global Coalition Against Daesh", "PMF"] * 3
    events["actor2"] = ["Civilians (Iraq)", "Islamic State (Iraq)", "Islamic State (Iraq)"] * 3
    events["latitude"] = [34.0 + 0.2 * i for i in range(9)]
    events["longitude"] = [44.0 + 0.2 * i for i in range(9)]
    events["geo_precision"] = "exact"
    path = write_page(tmp_path, events, offline_assets, time="month")
    page, errors, dialogs = open_page(path)
    assert ready(page) and errors == [] and dialogs == []
    labels = page.eval_on_selector_all(
        ".leaflet-control-layers label", "els => els.map(e => e.textContent.trim())"
    )
    for name in ("IS attacks", "Operations against IS", "Clashes involving IS"):
        assert name in labels, labels
    roles = page.eval_on_selector_all(
        ".geo-events-canvas", "els => els.map(e => e.getAttribute('data-role'))"
    )
    assert sorted(roles) == ["against_is", "clash", "is_attack"]
    shapes = page.evaluate(f"{CONTROLLER}.roles.map(r => r.key + ':' + r.shape)")
    assert {"is_attack:triangle", "against_is:square", "clash:diamond"} <= set(shapes)
    said = {}
    for i in range(3):
        page.evaluate(
            f"(i) => {CONTROLLER}.map.setView([{CONTROLLER}.lat[i], {CONTROLLER}.lng[i]], 12, "
            "{animate: false})",
            i,
        )
        x, y = screen_point(page, i)
        page.mouse.click(x, y)
        role = page.locator(".geo-event-popup .geo-popup-role").last
        role.wait_for(timeout=5_000)
        said[i] = role.inner_text()
    assert said == {
        0: "IS attack on Civilians (Iraq)",
        1: "Operation by Global Coalition Against Daesh against IS",
        2: "Clash between IS and PMF",
    }
    # switching a role's layer off leaves the others drawn
    page.locator(".leaflet-control-layers label", has_text="IS attacks").locator("input").click()
    roles = page.eval_on_selector_all(
        ".geo-events-canvas", "els => els.map(e => e.getAttribute('data-role'))"
    )
    assert sorted(roles) == ["against_is", "clash"]
    # the time slider reads per role
    page.fill(".geo-timeslider-range", "0")
    counts = page.get_attribute(".geo-timeslider", "data-role-counts")
    assert counts and '"is_attack"' in counts
    line = page.inner_text(".geo-timeslider-roles")
    assert "IS attacks 1" in line and "Operations against IS 1" in line
    assert errors == []
