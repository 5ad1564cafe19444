"""Every shipped map reads well at a laptop, a big screen and a phone size (issue 12).

Pages are built by the pipeline from real data: UCDP GED (``ucdp_csv``) on
the OCHA COD-AB boundaries (``cod_ab_dir``, imported into the test's cache).
Each page is opened in chromium at 1400×900, 1920×1080 and 390×844 and
checked for what a reader needs: controls that never overlap and stay in the
window, the map framed on its subject, readable event popups, every legend
and layer entry reachable, panels folded on a phone, a reset-view control,
a title and language, legible text, colour-blind-safe legends and keyboard
access. A screenshot of each page at each size (and with a popup open) is
written to ``GEO_SCREENSHOTS_DIR`` (default ``test-screenshots/``, git-ignored)
for a reviewer to look at.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import ready, route_offline

from geo import boundaries, pipeline
from geo.boundaries.resolve import resolve_boundaries
from geo.layers import project_layers
from geo.spec import load_specs

pytestmark = [pytest.mark.browser, pytest.mark.shared_data, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
MAPS = tuple(spec.name for spec in load_specs())
SPECS = {spec.name: spec for spec in load_specs()}
SIZES = {"1400x900": (1400, 900), "1920x1080": (1920, 1080), "390x844": (390, 844)}
PHONE = "390x844"
#: What each map is about (the rest: the whole country): governorate P-codes and project layers.
SUBJECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "diyala-hamrin": (("IQG10",), ("hamrin-area",)),
}
MIN_SPAN = 0.65
MIN_CONTRAST = 4.5
#: Smallest colour difference (CAM02-UCS ΔE) between two swatches of one legend, also
#: under simulated deuteranomaly, protanomaly and tritanomaly (Machado et al. 2009);
#: neighbours in the legend's order (steps of an ordered ramp, read side by side) need 8.
MIN_DELTA_E = 10.0
MIN_DELTA_E_NEIGHBOURS = 8.0

# Every box a reader sees on top of the map.
CONTROLS = (
    ".leaflet-control, .geo-panel, .geo-legend, .geo-seam, .geo-coords, .geo-timeslider, "
    ".leaflet-control-minimap, .leaflet-control-search, .geo-banner, .geo-notice"
)

JS_HELPERS = """
window.__t = window.__t || (() => {
  const t = {};
  t.map = () => window.__geoMap || Object.values(window).find((v) => v instanceof L.Map);
  t.visible = (e) => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 1 && r.height > 1 && s.visibility !== "hidden" && s.display !== "none"
      && Number(s.opacity) > 0;
  };
  t.rect = (e) => { const r = e.getBoundingClientRect();
    return {x: r.left, y: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height}; };
  t.name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + [...e.classList].filter(
    (c) => c !== "leaflet-control" && !c.startsWith("leaflet-bar")).slice(0, 2)
    .map((c) => "." + c).join("");
  t.controls = (sel) => {
    const els = [...document.querySelectorAll(sel)].filter(t.visible);
    return els.filter((e) => !els.some((o) => o !== e && o.contains(e)));
  };
  t.covered = (e) => {  // the element at the centre of e, if it is not e itself
    const r = e.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    return hit && (hit === e || e.contains(hit)) ? null : (hit ? t.name(hit) : "nothing");
  };
  return t;
})();
"""


@dataclass(frozen=True)
class Built:
    """The built pages and each map's subject bounds (south, west, north, east)."""

    out: Path
    subjects: dict[str, tuple[float, float, float, float]]


def _bounds(frames) -> tuple[float, float, float, float]:
    west = min(f.total_bounds[0] for f in frames)
    south = min(f.total_bounds[1] for f in frames)
    east = max(f.total_bounds[2] for f in frames)
    north = max(f.total_bounds[3] for f in frames)
    return (float(south), float(west), float(north), float(east))


@pytest.fixture(scope="module")
def built(tmp_path_factory, cod_ab_dir, ucdp_csv, offline_assets) -> Built:
    """Build every shipped map from UCDP GED on the COD-AB boundaries (in a temp cache)."""
    data = tmp_path_factory.mktemp("layout-data")
    out = tmp_path_factory.mktemp("layout-out")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEO_DATA_DIR", str(data))
        mp.setenv("GEO_ASSETS_DIR", str(offline_assets.folder))
        mp.setenv("GEO_OFFLINE", "1")
        mp.setenv("SOURCE_DATE_EPOCH", "1764374400")
        boundaries.import_boundaries(cod_ab_dir)
        pipeline.build(incidents=[ucdp_csv], out=out, force=True)
        layers = project_layers(resolve_boundaries().boundaries)
    subjects = {}
    for name in MAPS:
        codes, extra = SUBJECTS.get(name, ((), ()))
        govs = layers.boundaries.governorates
        frames = [govs[govs["code"].isin(codes)]] if codes else [layers.boundaries.country]
        frames += [getattr(layers, key.replace("-", "_")) for key in extra]
        subjects[name] = _bounds([f.to_crs("EPSG:4326") for f in frames if not f.empty])
    return Built(out=out, subjects=subjects)


@pytest.fixture(scope="module")
def screenshots() -> Path:
    """The folder the screenshots go to (``GEO_SCREENSHOTS_DIR``, else ``test-screenshots/``)."""
    folder = Path(os.environ.get("GEO_SCREENSHOTS_DIR") or ROOT / "test-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Pages:
    """Opens built pages at a window size; one shared fresh page per map and size."""

    def __init__(self, browser, built: Built) -> None:
        self.browser, self.built = browser, built
        self.contexts: dict[str, object] = {}
        self.fresh_pages: dict[tuple[str, str], object] = {}
        self.errors: list[str] = []

    def open(self, name: str, size: str):
        """Open a new page of map ``name`` at ``size``; it has waited for the map to be ready."""
        if size not in self.contexts:
            w, h = SIZES[size]
            context = self.browser.new_context(viewport={"width": w, "height": h})
            route_offline(context, self.errors)
            self.contexts[size] = context
        page = self.contexts[size].new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.goto((self.built.out / f"{name}.html").as_uri(), wait_until="load")
        page.wait_for_function("window.__geoReady === true", timeout=30_000)
        page.wait_for_timeout(250)  # let the last canvas frame and tiles paint
        page.evaluate(JS_HELPERS)
        return page

    def fresh(self, name: str, size: str):
        """The shared, untouched page of ``name`` at ``size`` (tests must not change it)."""
        key = (name, size)
        if key not in self.fresh_pages:
            self.fresh_pages[key] = self.open(name, size)
        return self.fresh_pages[key]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def pages(chromium, built) -> Pages:
    opened = Pages(chromium, built)
    yield opened
    opened.close()


def control_boxes(page) -> list[dict]:
    return page.evaluate(
        "(sel) => __t.controls(sel).map((e) => ({name: __t.name(e), ...__t.rect(e)}))", CONTROLS
    )


def overlap(a: dict, b: dict) -> float:
    w = min(a["r"], b["r"]) - max(a["x"], b["x"])
    h = min(a["b"], b["b"]) - max(a["y"], b["y"])
    return w * h if w > 0.5 and h > 0.5 else 0.0


# ----------------------------------------------------------------------------- the page


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", MAPS)
def test_screenshot_and_no_errors(pages, screenshots, name, size):
    page = pages.fresh(name, size)
    assert ready(page)
    page.screenshot(path=str(screenshots / f"{name}-{size}.png"))
    assert pages.errors == []


@pytest.mark.parametrize("name", MAPS)
def test_title_and_language(pages, name):
    page = pages.fresh(name, "1400x900")
    assert page.title() == SPECS[name].title
    assert page.evaluate("document.documentElement.lang") == "en"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", MAPS)
def test_controls_never_overlap_and_stay_in_the_window(pages, name, size):
    page = pages.fresh(name, size)
    boxes = control_boxes(page)
    assert len(boxes) >= 4, boxes
    clashes = [
        f"{a['name']} × {b['name']} ({overlap(a, b):.0f} px²)"
        for a, b in itertools.combinations(boxes, 2)
        if overlap(a, b)
    ]
    assert clashes == []
    w, h = SIZES[size]
    outside = [
        b["name"] for b in boxes if b["x"] < -1 or b["y"] < -1 or b["r"] > w + 1 or b["b"] > h + 1
    ]
    assert outside == []


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", MAPS)
def test_the_map_opens_framed_on_its_subject(pages, built, name, size):
    """The subject is wholly in view and the drawn data spans ≥ 65% of the map's width or height."""
    page = pages.fresh(name, size)
    south, west, north, east = built.subjects[name]
    got = page.evaluate(
        """([s, w, n, e]) => {
            const map = __t.map(), box = map.getContainer().getBoundingClientRect();
            const nw = map.latLngToContainerPoint([n, w]), se = map.latLngToContainerPoint([s, e]);
            // the polygons drawn, clipped to the map
            let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
            for (const p of document.querySelectorAll(".leaflet-pane svg path")) {
                if (!__t.visible(p)) continue;
                const r = p.getBoundingClientRect();
                const l = Math.max(r.left, box.left), t = Math.max(r.top, box.top);
                const rr = Math.min(r.right, box.right), b = Math.min(r.bottom, box.bottom);
                if (rr <= l || b <= t) continue;
                x0 = Math.min(x0, l); y0 = Math.min(y0, t);
                x1 = Math.max(x1, rr); y1 = Math.max(y1, b);
            }
            return {w: box.width, h: box.height, subject: [nw.x, nw.y, se.x, se.y],
                    drawn: [x1 - x0, y1 - y0]};
        }""",
        [south, west, north, east],
    )
    x0, y0, x1, y1 = got["subject"]
    assert x0 >= -2 and y0 >= -2 and x1 <= got["w"] + 2 and y1 <= got["h"] + 2, got
    subject_span = max((x1 - x0) / got["w"], (y1 - y0) / got["h"])
    assert subject_span >= MIN_SPAN, got
    drawn_span = max(got["drawn"][0] / got["w"], got["drawn"][1] / got["h"])
    assert drawn_span >= MIN_SPAN, got


# ----------------------------------------------------------------------------- popups

PICK_EVENT = """
() => {
    const c = window.__geoEventLayers[0], map = c.map;
    const box = map.getContainer().getBoundingClientRect();
    const notes = (c.p.text && c.p.text.notes) || [];
    const order = [...Array(c.n).keys()].sort((a, b) =>
        ((notes[b] || "").length - (notes[a] || "").length) || a - b);
    // a marker in a stack of hundreds at one place is spiderfied out of reach: skip those
    const stack = {};
    const key = (i) => c.lat[i] + "," + c.lng[i];
    for (let i = 0; i < c.n; i++) stack[key(i)] = (stack[key(i)] || 0) + 1;
    for (const i of order) {
        if (c.visible && !c.visible[i]) continue;
        if (c.markers && stack[key(i)] > 20) continue;
        const pt = map.latLngToContainerPoint([c.lat[i], c.lng[i]]);
        if (pt.x < 30 || pt.y < 30 || pt.x > box.width - 30 || pt.y > box.height - 30) continue;
        const hit = document.elementFromPoint(box.left + pt.x, box.top + pt.y);
        if (!hit || hit.closest(".leaflet-control-container, .geo-banner")) continue;
        return i;
    }
    return -1;
}
"""


def open_event_popup(page, *, draw: str) -> int:
    """Click a real event marker (the one with the longest notes in view); return its index."""
    i = page.evaluate(PICK_EVENT)
    assert i >= 0, "no event marker in view and free of the controls"
    if draw == "cluster":  # ask markercluster to show the marker (zoom or spiderfy)
        page.evaluate(
            """(i) => new Promise((done) => {
                const c = window.__geoEventLayers[0];
                c.map.setView([c.lat[i], c.lng[i]], 14, {animate: false});
                if (c.map.hasLayer(c.markers[i])) return done();
                const group = c.layerOf ? c.layerOf(i) : c.layers.events;
                group.zoomToShowLayer(c.markers[i], () => done());
                setTimeout(() => done(), 3000);
            }).then(() => null)""",
            i,
        )
        page.wait_for_timeout(600)  # the zoom and spiderfy animations end
    x, y = page.evaluate(
        """(i) => {
            const c = window.__geoEventLayers[0];
            const box = c.map.getContainer().getBoundingClientRect();
            // a spiderfied cluster marker is drawn away from its own place
            const at = c.markers ? c.markers[i].getLatLng() : [c.lat[i], c.lng[i]];
            const p = c.map.latLngToContainerPoint(at);
            // a marker drawn as an element: a point of it that nothing (a spider leg) covers
            const icon = c.markers && c.markers[i].getElement && c.markers[i].getElement();
            if (icon) {
                const r = icon.getBoundingClientRect();
                for (const fy of [0.5, 0.3, 0.7, 0.2, 0.8]) {
                    for (const fx of [0.5, 0.3, 0.7, 0.2, 0.8]) {
                        const x = r.left + fx * r.width, y = r.top + fy * r.height;
                        const hit = document.elementFromPoint(x, y);
                        if (hit && icon.contains(hit)) return [x, y];
                    }
                }
            }
            return [box.left + p.x, box.top + p.y];
        }""",
        i,
    )
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.locator(".leaflet-popup .geo-popup").first.wait_for(timeout=5_000)
    page.wait_for_timeout(600)  # auto-pan
    return i


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", MAPS)
def test_an_event_popup_reads_well(pages, screenshots, name, size):
    spec = SPECS[name]
    if not (spec.has("events") and spec.events.mode != "none"):
        pytest.skip(f"{name} draws no event points")
    page = pages.open(name, size)
    try:
        i = open_event_popup(page, draw=spec.events.mode)
        page.screenshot(path=str(screenshots / f"{name}-{size}-popup.png"))
        got = page.evaluate(
            """(i) => {
                const c = window.__geoEventLayers[0], map = c.map;
                const box = map.getContainer().getBoundingClientRect();
                const popup = document.querySelector(".leaflet-popup");
                const content = popup.querySelector(".leaflet-popup-content");
                const cells = [...content.querySelectorAll("dd, td")].map(
                    (d) => [d.previousElementSibling ? d.previousElementSibling.textContent : "",
                            d.getBoundingClientRect().width]);
                const r = popup.getBoundingClientRect();
                // points inside the popup where a reader must see the popup, not a control
                const probes = [[0.5, 0.5], [0.1, 0.1], [0.9, 0.1], [0.1, 0.8], [0.9, 0.8]];
                const at_ = ([fx, fy]) =>
                    document.elementFromPoint(r.left + fx * r.width, r.top + fy * r.height);
                const hidden = probes.filter((f) => !(at_(f) && popup.contains(at_(f))))
                    .map((f) => f + ": " + (at_(f) ? __t.name(at_(f)) : "nothing"));
                const inMap = (x0, y0, x1, y1) =>
                    x1 > box.left && x0 < box.right && y1 > box.top && y0 < box.bottom;
                const paths = document.querySelectorAll(".leaflet-pane svg path");
                const polygons = [...paths].filter((p) => {
                    if (!__t.visible(p)) return false;
                    const q = p.getBoundingClientRect();
                    return inMap(q.left, q.top, q.right, q.bottom);
                }).length;
                const at = map.latLngToContainerPoint(
                    c.markers ? c.markers[i].getLatLng() : [c.lat[i], c.lng[i]]);
                return {content: content.getBoundingClientRect().width, cells: cells,
                        popup: [r.left, r.top, r.right, r.bottom], hidden: hidden,
                        polygons: polygons, anchor: [at.x, at.y], map: [box.width, box.height]};
            }""",
            i,
        )
    finally:
        page.close()
    w, h = SIZES[size]
    assert got["content"] >= 240, got
    narrow = [(label, round(width)) for label, width in got["cells"] if width < 100]
    assert got["cells"] and narrow == [], got
    left, top, right, bottom = got["popup"]
    assert bottom - top < h, got
    assert left >= -1 and top >= -1 and right <= w + 1 and bottom <= h + 1, got
    assert got["hidden"] == [], got
    assert got["polygons"] > 0, got
    ax, ay = got["anchor"]
    assert 0 <= ax <= got["map"][0] and 0 <= ay <= got["map"][1], got
    assert pages.errors == []


# ----------------------------------------------------------------------------- controls

UNFOLD = """
(el) => {
    const control = el.closest(".leaflet-control") || el;
    const details = control.querySelector("details");
    if (details && !details.open) details.querySelector("summary").click();
}
"""


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", MAPS)
def test_every_legend_and_layer_entry_can_be_reached(pages, name, size):
    """Each legend row and layer toggle can be brought into view, uncovered, inside the window."""
    page = pages.open(name, size)
    try:
        unreachable = []
        for selector in (".leaflet-control-layers label", ".geo-legend li"):
            entries = page.locator(selector)
            n = entries.count()
            assert n > 0, selector
            page.evaluate(UNFOLD, entries.first.element_handle())
            page.wait_for_timeout(100)
            for k in range(n):
                found = entries.nth(k).evaluate(
                    """(e) => {
                        e.scrollIntoView({block: "nearest", inline: "nearest"});
                        const r = e.getBoundingClientRect();
                        if (r.width < 2 || r.height < 2) return "not shown";
                        if (r.top < 0 || r.left < 0 || r.bottom > innerHeight
                            || r.right > innerWidth) return "outside the window";
                        const covered = __t.covered(e);
                        return covered ? "covered by " + covered : null;
                    }"""
                )
                if found:
                    unreachable.append(f"{selector} #{k} {entries.nth(k).inner_text()!r}: {found}")
        assert unreachable == []
    finally:
        page.close()


def test_on_a_phone_panels_start_folded_and_leave_the_map_free(pages):
    problems = []
    for name in MAPS:
        page = pages.fresh(name, PHONE)
        boxes = control_boxes(page)
        w, h = SIZES[PHONE]
        covered = sum(b["w"] * b["h"] for b in boxes) / (w * h)
        if covered > 0.2:
            problems.append(f"{name}: controls cover {covered:.0%} of the map")
        for sel in (".geo-panel", ".geo-legend", ".leaflet-control-layers", ".geo-seam"):
            state = page.evaluate(
                """(sel) => {
                    const el = document.querySelector(sel);
                    if (!el) return "absent";
                    const details = el.querySelector("details");
                    const toggle = details && details.querySelector(":scope > summary");
                    if (!toggle || !__t.visible(toggle)) return "no fold button";
                    return details.open ? "open" : "folded";
                }""",
                sel,
            )
            if state not in ("absent", "folded"):
                problems.append(f"{name}: {sel} {state}")
    assert problems == []


@pytest.mark.parametrize("name", MAPS)
def test_reset_view_returns_to_the_opening_view(pages, name):
    page = pages.open(name, "1400x900")
    try:
        start = page.evaluate("__t.map().getBounds().toBBoxString()")
        page.evaluate("void __t.map().setView([36.5, 43.0], 10, {animate: false})")
        button = page.locator(".geo-reset-view")
        assert button.count() == 1, "no reset-view control"
        button.first.click()
        page.wait_for_timeout(300)
        back = page.evaluate("__t.map().getBounds().toBBoxString()")
    finally:
        page.close()
    a = [float(v) for v in start.split(",")]
    b = [float(v) for v in back.split(",")]
    span = max(a[2] - a[0], a[3] - a[1])
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 0.02 * span, (start, back)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (0-255)."""
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


TEXT_COLOURS = """
(sel) => {
    const parse = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
    const out = [];
    for (const box of document.querySelectorAll(sel)) {
        for (const e of box.querySelectorAll("*")) {
            const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
            if (!own || !__t.visible(e)) continue;
            const s = getComputedStyle(e);
            const svg = e instanceof SVGElement;
            const fg = parse(svg ? s.fill : s.color);
            // the backgrounds below, nearest first, until an opaque one
            const layers = [];
            for (let a = e; a; a = a.parentElement) {
                const bg = parse(getComputedStyle(a).backgroundColor);
                if (bg.length >= 3 && (bg.length < 4 || bg[3] > 0)) {
                    layers.push(bg.length < 4 ? [...bg, 1] : bg);
                    if (bg.length < 4 || bg[3] >= 1) break;
                }
            }
            out.push({text: e.textContent.trim().slice(0, 40), fg: fg, layers: layers});
        }
    }
    return out;
}
"""


def _over(layers: list[list[float]], base: tuple[float, float, float]) -> tuple[float, ...]:
    colour = base
    for r, g, b, a in reversed(layers):
        colour = tuple(a * c + (1 - a) * u for c, u in zip((r, g, b), colour, strict=True))
    return colour


@pytest.mark.parametrize("name", MAPS)
def test_text_on_controls_has_enough_contrast(pages, name):
    """Legend, panel, layer list, seam box and slider text: WCAG contrast ≥ 4.5:1."""
    page = pages.fresh(name, "1400x900")
    sel = (
        ".geo-legend, .geo-panel, .leaflet-control-layers, .geo-seam, .geo-timeslider, .geo-coords"
    )
    found = page.evaluate(TEXT_COLOURS, sel)
    assert len(found) > 10
    low = []
    for item in found:
        fg = tuple(item["fg"][:3])
        # a control's translucent background over the lightest and darkest basemap
        worst = min(contrast(fg, _over(item["layers"], base)) for base in ((255,) * 3, (0,) * 3))
        if worst < MIN_CONTRAST:
            low.append(f"{item['text']!r}: {worst:.2f}")
    assert low == []


def _cvd_distances(colours: list[str]) -> list[tuple[float, str, str, str, bool]]:
    """ΔE of every pair of ``colours`` (in order) in each vision; True for neighbours."""
    cs = pytest.importorskip("colorspacious")
    import numpy as np

    rgb = {c: np.array([int(c[k : k + 2], 16) for k in (1, 3, 5)]) / 255 for c in colours}
    out = []
    for vision in ("normal", "deuteranomaly", "protanomaly", "tritanomaly"):
        seen = {}
        for c, v in rgb.items():
            if vision != "normal":
                cvd = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
                v = np.clip(cs.cspace_convert(v, cvd, "sRGB1"), 0, 1)
            seen[c] = cs.cspace_convert(v, "sRGB1", "CAM02-UCS")
        for (i, a), (j, b) in itertools.combinations(enumerate(colours), 2):
            d = float(np.linalg.norm(seen[a] - seen[b]))
            out.append((d, vision, a, b, j - i == 1))
    return out


@pytest.mark.parametrize("name", MAPS)
def test_legend_colours_stay_distinct_for_colour_blind_readers(built, name):
    html = (built.out / f"{name}.html").read_text(encoding="utf-8")
    legend = re.search(r'<div id="geo-legend".*?</div>', html, re.S)
    assert legend
    problems = []
    for section in re.findall(r"<section>.*?</section>", legend.group(0), re.S):
        swatches = re.findall(r'class="geo-sw geo-sw-(\w+)" style="--c:(#[0-9a-fA-F]{6})"', section)
        for shape in sorted({s for s, _ in swatches}):
            colours = list(dict.fromkeys(c.lower() for s, c in swatches if s == shape))
            for d, vision, a, b, neighbours in _cvd_distances(colours):
                if d < (MIN_DELTA_E_NEIGHBOURS if neighbours else MIN_DELTA_E):
                    problems.append(f"{shape} {a} vs {b} ({vision}): ΔE {d:.1f}")
    assert problems == []


@pytest.mark.parametrize("name", MAPS)
def test_keyboard_focus_reaches_every_control(pages, name):
    """Tabbing from the top reaches every control that can be used or scrolled."""
    page = pages.open(name, "1400x900")
    try:
        wanted = set(
            page.evaluate(
                """(sel) => __t.controls(sel).filter((e) =>
                    e.querySelector("a[href], button, input, select, summary, [tabindex]")
                    || (e.scrollHeight > e.clientHeight + 1
                        && /auto|scroll/.test(getComputedStyle(e).overflowY))
                ).map(__t.name)""",
                CONTROLS,
            )
        )
        reached = set()
        page.evaluate("document.activeElement && document.activeElement.blur()")
        for _ in range(160):
            page.keyboard.press("Tab")
            name_ = page.evaluate(
                """(sel) => {
                    const a = document.activeElement;
                    if (!a || a === document.body) return null;
                    const owner = __t.controls(sel).find((c) => c === a || c.contains(a));
                    return owner ? __t.name(owner) : null;
                }""",
                CONTROLS,
            )
            if name_:
                reached.add(name_)
            if wanted <= reached:
                break
    finally:
        page.close()
    assert wanted - reached == set(), (sorted(wanted), sorted(reached))
