"""Benchmark the event layers by size against folium's own ways of drawing many points.

For each size: build time (layer + page HTML) and bytes of our layer in each rendering
mode, against folium baselines measured in the same run — ``MarkerCluster`` of
per-event ``folium.Marker`` with popups (built up to 1e4 events only and extrapolated
linearly above, as marked), ``FastMarkerCluster`` and one ``GeoJson`` layer — with
ratios; bytes per event against the coordinate floor (about 20 B/event as JSON text, 8
as float32); and, unless ``--no-browser``, headless chromium opening each of our pages
from disk with its assets inlined: time to ``window.__geoReady`` and JS heap.

Events come from ``geo.incidents.synth`` (written as ACLED CSV, read back by the
loader) with the join columns filled with simple values.

    python benchmarks/bench_render.py --sizes 1000,10000,100000,1000000 --out BENCH.md
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
from folium.plugins import FastMarkerCluster, MarkerCluster

from geo import assets
from geo.incidents import load_incidents
from geo.incidents.synth import write_synthetic
from geo.render import events as ev
from geo.render.html import page_html, stable_ids
from geo.spec import parse_spec
from geo.types import JOIN_COLUMNS

MARKER_CLUSTER_MAX = 10_000
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def synthetic_events(n: int) -> gpd.GeoDataFrame:
    """Return ``n`` synthetic events through the real loader, minimally joined."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.csv"
        write_synthetic(n, seed=0, out=path)
        frame = load_incidents(path, max_rows=max(n, 1) + 10).events
    rng = np.random.default_rng(0)
    for col in JOIN_COLUMNS:
        frame[col] = ""
    frame["adm1_name"] = "Diyala"
    frame["adm2_name"] = "Khanaqin"
    frame["join_status"] = "matched"
    signed = np.round(rng.normal(20, 30, len(frame)), 3)
    frame["dist_krg_line_km"] = np.abs(signed)
    frame["in_krg_area"] = signed < 0
    return frame


def new_map() -> folium.Map:
    m = folium.Map(location=[34.5, 44.0], zoom_start=7, tiles=None, maxZoom=18)
    m.default_js = [folium.Map.default_js[0]]
    m.default_css = [folium.Map.default_css[0]]
    return m


def ours(events: gpd.GeoDataFrame, mode: str, store) -> str:
    spec = parse_spec(
        {"title": "bench", "description": "bench", "layers": ["events", "heat"]}, name="bench"
    )
    with stable_ids():
        m = new_map()
        ev.add_event_layers(m, events, spec=spec, mode=mode)
        folium.LayerControl().add_to(m)
        m.get_root().script.add_child(folium.Element("window.__geoReady = true;"))
    return page_html(m, assets=store)


def marker_cluster(events: gpd.GeoDataFrame) -> str:
    m = new_map()
    cluster = MarkerCluster().add_to(m)
    for lat, lon, text in zip(
        events["latitude"], events["longitude"], events["event_type"], strict=True
    ):
        folium.Marker([round(lat, 5), round(lon, 5)], popup=folium.Popup(str(text))).add_to(cluster)
    return m.get_root().render()


def fast_marker_cluster(events: gpd.GeoDataFrame) -> str:
    m = new_map()
    FastMarkerCluster(events[["latitude", "longitude"]].round(5).to_numpy().tolist()).add_to(m)
    return m.get_root().render()


def geojson(events: gpd.GeoDataFrame) -> str:
    m = new_map()
    cols = ["event_type", "location", "geometry"]
    folium.GeoJson(
        events[cols].set_precision(1e-5) if hasattr(events, "set_precision") else events[cols],
        marker=folium.CircleMarker(radius=4),
    ).add_to(m)
    return m.get_root().render()


def timed(fn, *args) -> tuple[float, int, str]:
    start = time.perf_counter()
    html = fn(*args)
    return time.perf_counter() - start, len(html.encode("utf-8")), html


def browser_times(pages: list[Path]) -> dict[Path, tuple[float, float]]:
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for path in pages:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("http*://**", lambda route: route.abort())
            page.goto(path.resolve().as_uri(), wait_until="commit")
            page.wait_for_function("window.__geoReady === true", timeout=120_000)
            ready = page.evaluate("performance.now()") / 1000
            heap = page.evaluate("performance.memory.usedJSHeapSize") / 1e6
            out[path] = (ready, heap)
            page.close()
        browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown table here")
    parser.add_argument("--no-browser", action="store_true", help="skip the chromium timings")
    parser.add_argument("--pages", type=Path, default=None, help="keep the pages in this folder")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    store = assets.store()
    if not store.status().complete:
        store = None  # pages keep CDN tags; browser timing needs the cache
    tmp = tempfile.TemporaryDirectory()
    folder = args.pages or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    rows, pages = [], []
    for n in sizes:
        events = synthetic_events(n)
        base: dict[str, tuple[float, int, bool]] = {}
        if n <= MARKER_CLUSTER_MAX:
            secs, size, _ = timed(marker_cluster, events)
            base["MarkerCluster"] = (secs, size, False)
        else:
            small = events.iloc[:MARKER_CLUSTER_MAX]
            secs, size, _ = timed(marker_cluster, small)
            scale = n / MARKER_CLUSTER_MAX
            base["MarkerCluster"] = (secs * scale, int(size * scale), True)
        for name, fn in (("FastMarkerCluster", fast_marker_cluster), ("GeoJson", geojson)):
            if n <= 100_000:
                secs, size, _ = timed(fn, events)
                base[name] = (secs, size, False)
        modes = [ev.choose_mode(n)] + (["aggregate"] if ev.choose_mode(n) != "aggregate" else [])
        for mode in modes:
            secs, size, html = timed(ours, events, mode, store)
            path = folder / f"events-{n}-{mode}.html"
            path.write_text(html, encoding="utf-8")
            pages.append(path)
            rows.append((n, mode, secs, size, path, base))
    times = browser_times(pages) if not args.no_browser and store is not None else {}
    table = render_table(rows, times, inlined=store is not None)
    print(table)
    if args.out:
        args.out.write_text(table, encoding="utf-8")
    tmp.cleanup()
    return 0


def render_table(rows, times, *, inlined: bool) -> str:
    lines = [
        "| events | mode | build s | page MB | B/event | x coord floor (20 B) | "
        "MarkerCluster s (ratio) | FastMarkerCluster s (ratio) | GeoJson s (ratio) | "
        "ready s | JS heap MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, mode, secs, size, path, base in rows:
        per = size / max(n, 1)
        cells = []
        for name in ("MarkerCluster", "FastMarkerCluster", "GeoJson"):
            if name in base:
                b_secs, _, extrapolated = base[name]
                mark = "*" if extrapolated else ""
                cells.append(f"{b_secs:.2f}{mark} ({b_secs / secs:.1f}x)")
            else:
                cells.append("–")
        ready, heap = times.get(path, (float("nan"), float("nan")))
        lines.append(
            f"| {n:,} | {mode} | {secs:.2f} | {size / 1e6:.2f} | {per:.1f} | {per / 20:.1f} | "
            + " | ".join(cells)
            + f" | {ready:.2f} | {heap:.0f} |"
        )
    lines += [
        "",
        f"\\* MarkerCluster of per-event markers is built for {MARKER_CLUSTER_MAX:,} events "
        "and extrapolated linearly above that. Ratios are baseline time / our build time. "
        "Page sizes include the inlined Leaflet and plugin files"
        + ("" if inlined else " (not inlined here: the asset cache is incomplete)")
        + "; B/event is page bytes / events.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
