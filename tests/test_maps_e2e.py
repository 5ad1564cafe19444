"""Every shipped map, built by the pipeline, works in headless chromium (issue 5 and 6).

Built from the shipped sample incidents, on the real COD-AB boundaries where
``../shared/data`` is present and on the schematic fallback everywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser import ready

from geo import boundaries, pipeline

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
MAPS = ("diyala-hamrin", "hotspots", "iraq-overview", "seam", "timeline")
CONTROLLER = "window.__geoEventLayers[0]"
EXPECTED_LAYERS = {
    "iraq-overview": [
        "Events per district",
        "Events per governorate",
        "Disputed territories, UNAMI 2009",
        "Disputed territories, Article 140 committee (wider list)",
        "Kurdistan Region boundary, 2019 administrative (proxy)",
        "Hamrin ridge (approximate)",
        "Places (gazetteer)",
        "IS attacks",
        "Operations against IS",
    ],
    "diyala-hamrin": [
        "Events per sub-district",
        "Districts",
        "Disputed territories, UNAMI 2009",
        "Kurdistan Region boundary, 2019 administrative (proxy)",
        "Hamrin focus area",
        "Hamrin ridge (approximate)",
        "Distance rings around the ridge",
        "Hamrin dam",
        "Places (gazetteer)",
        "Event heat",
        "IS attacks",
        "Operations against IS",
    ],
    "timeline": [
        "Disputed territories, UNAMI 2009",
        "Kurdistan Region boundary, 2019 administrative (proxy)",
        "IS attacks",
        "Operations against IS",
    ],
    "seam": [
        "KRG-administered area",
        "Kurdistan Region boundary, 2019 administrative (proxy)",
        "Disputed territories, UNAMI 2009",
        "IS attacks",
        "Operations against IS",
    ],
    "hotspots": [
        "Gi* hot and cold spots per sub-district",
        "Emerging hot spots per quarter",
        "Governorates",
        "Disputed territories, UNAMI 2009",
        "Kurdistan Region boundary, 2019 administrative (proxy)",
    ],
}
EXPECTED_LEGENDS = {
    "iraq-overview": ["Events per district", "Disputed territories (UNAMI 2009)", "Events by role"],
    "diyala-hamrin": ["Events per sub-district", "Hamrin", "Events by type", "Events by role"],
    "timeline": ["Events by type", "Events by role"],
    "seam": ["Events by distance to the KRG line", "Events by role"],
    "hotspots": ["Gi* hot and cold spots per sub-district", "Emerging hot spots per quarter"],
}


def texts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.trim())")


@pytest.fixture(scope="module")
def cod_ab_build(tmp_path_factory, cod_ab_dir, offline_assets):
    """Build every shipped map once on the real COD-AB layers (imported into a temp cache)."""
    data = tmp_path_factory.mktemp("e2e-data")
    out = tmp_path_factory.mktemp("e2e-out")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEO_DATA_DIR", str(data))
        mp.setenv("GEO_ASSETS_DIR", str(offline_assets.folder))
        mp.setenv("GEO_OFFLINE", "1")
        mp.setenv("SOURCE_DATE_EPOCH", "1764374400")
        boundaries.import_boundaries(cod_ab_dir)
        report = pipeline.build(out=out, force=True)
    return report


def test_build_writes_every_map_and_the_index(cod_ab_build):
    names = sorted(m.name for m in cod_ab_build.maps)
    assert names == list(MAPS)
    assert cod_ab_build.resolved.how == "cache"
    assert cod_ab_build.resolved.boundaries.source.key == "ocha-cod-ab"
    assert cod_ab_build.index.exists()
    index = cod_ab_build.index.read_text(encoding="utf-8")
    for name in MAPS:
        assert f'href="{name}.html"' in index


@pytest.mark.parametrize("name", MAPS)
def test_every_map_opens_without_errors(cod_ab_build, open_page, name):
    page, errors, dialogs = open_page(cod_ab_build.out_dir / f"{name}.html")
    assert ready(page)
    assert errors == [] and dialogs == []
    labels = texts(page, ".leaflet-control-layers label")
    for layer in EXPECTED_LAYERS[name]:
        assert layer in labels, (layer, labels)
    legends = " | ".join(texts(page, ".geo-legend h4"))
    for legend in EXPECTED_LEGENDS[name]:
        assert legend in legends, (legend, legends)
    assert page.locator("#geo-schematic-banner").count() == 0
    assert page.locator("#geo-assets-notice").count() == 0
    panel = page.inner_text("#geo-panel")
    assert "COD-AB" in panel and "CC BY 3.0 IGO" in panel


def test_clicking_an_event_shows_its_source(cod_ab_build, open_page):
    page, errors, _ = open_page(cod_ab_build.out_dir / "diyala-hamrin.html")
    assert ready(page) and errors == []
    page.locator("#geo-panel summary").click()  # fold the panel out of the way
    n = page.evaluate(f"{CONTROLLER}.n")
    assert n > 0
    x, y = page.evaluate(
        f"""() => {{
            const c = {CONTROLLER};
            c.map.setView([c.lat[0], c.lng[0]], 11, {{animate: false}});
            const p = c.map.latLngToContainerPoint([c.lat[0], c.lng[0]]);
            const box = c.map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }}"""
    )
    page.mouse.click(x, y)
    link = page.locator(".geo-event-popup a.geo-source-link")
    link.wait_for(timeout=5_000)
    assert link.get_attribute("href").startswith("https://")
    text = page.inner_text(".geo-event-popup")
    # the sample's precision is shown: a town centre (near) or an area
    assert "near" in text.lower() or "area precision" in text.lower()


def test_timeline_slider_changes_the_visible_events(cod_ab_build, open_page):
    page, errors, _ = open_page(cod_ab_build.out_dir / "timeline.html")
    assert ready(page) and errors == []
    total = int(page.get_attribute(".geo-timeslider", "data-visible-count"))
    assert total == page.evaluate(f"{CONTROLLER}.n") > 1
    page.fill(".geo-timeslider-range", "0")
    first = int(page.get_attribute(".geo-timeslider", "data-visible-count"))
    assert 0 < first < total
    assert "event" in page.inner_text(".geo-timeslider-label")


def test_seam_map_has_its_chart(cod_ab_build, open_page):
    page, errors, _ = open_page(cod_ab_build.out_dir / "seam.html")
    assert ready(page) and errors == []
    assert page.locator("svg.geo-seam-chart").count() == 1
    assert page.locator("table.geo-seam-stats").count() >= 1


def test_hotspots_map_legend_and_popup(cod_ab_build, open_page):
    page, errors, _ = open_page(cod_ab_build.out_dir / "hotspots.html")
    assert ready(page) and errors == []
    legend = page.inner_text("#geo-legend")
    for needle in (
        "Hot spot, 99% confidence",
        "Cold spot, 90% confidence",
        "Not significant",
        "more reported events than chance",
        "False Discovery Rate",
        "counts reports, not activity",
        "Emerging hot spots per quarter",
        "No pattern",
    ):
        assert needle in legend, needle  # fmt: skip
    assert "counts reports, not activity" in page.inner_text("#geo-panel")
    page.locator("#geo-panel summary").click()  # fold the panel out of the way
    # Baghdad's centre lies in some sub-district: click it and read the popup
    x, y = page.evaluate(
        """() => {
            const map = window[document.querySelector('.folium-map').id];
            map.setView([33.33, 44.40], 10, {animate: false});
            const p = map.latLngToContainerPoint([33.33, 44.40]);
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }"""
    )
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    for needle in (
        "Gi* class",
        "Events",
        "Gi* z",
        "p (FDR)",
        "Emerging class",
        "Trend of counts",
        "Mann-Kendall",
    ):
        assert needle in text, (needle, text)  # fmt: skip


def test_build_png_writes_a_picture_of_each_map(cod_ab_build, tmp_path, offline_assets):
    # a separate process: Playwright's sync API cannot nest inside the session browser
    env = os.environ | {"GEO_ASSETS_DIR": str(offline_assets.folder)}
    out = tmp_path / "png"
    done = _geo("build", "seam", "timeline", "--png", "--out", str(out), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("seam", "timeline"):
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _readme_main_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0].strip() for b in text.split("```sh\n")[1:]]
    return blocks[0]


def _geo(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_fresh_machine_without_network_builds_schematic_maps(tmp_path, open_page, cod_ab_dir):
    """Issue 6: empty GEO_DATA_DIR, no network → every map from the schematic layers + banner."""
    command = _readme_main_command()
    assert command == "pip install . && geo build"
    empty = tmp_path / "empty-data"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEO_", "SOURCE_DATE"))}
    env |= {
        "GEO_DATA_DIR": str(empty),
        "GEO_OFFLINE": "1",  # and no route out either:
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    done = _geo("build", env=env, cwd=tmp_path)  # the README's `geo build`, run in tmp_path
    assert done.returncode == 0, done.stderr
    assert "schematic" in done.stdout
    out = tmp_path / "output"
    for name in MAPS:
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        assert 'id="geo-schematic-banner"' in html, name
        page, _errors, dialogs = open_page(out / f"{name}.html")
        assert page.locator("#geo-schematic-banner").is_visible(), name
        assert page.locator("#geo-assets-notice").is_visible(), name  # no assets: says so
        assert dialogs == []
        # the shipped sample says what it is, apart from the schematic banner
        sample = page.locator("#geo-sample-banner")
        assert sample.is_visible() and "not a record of all activity" in sample.inner_text()
        top, bottom = page.locator("#geo-schematic-banner").bounding_box(), sample.bounding_box()
        assert top["y"] + top["height"] <= bottom["y"], name
    assert "placed by area code: 23" in done.stdout

    done = _geo("boundaries", "import", str(cod_ab_dir), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = _geo("build", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "COD-AB" in done.stdout
    assert "placed by area code: 23" in done.stdout and "coarser" not in done.stdout
    for name in MAPS:
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        assert 'id="geo-schematic-banner"' not in html, name
