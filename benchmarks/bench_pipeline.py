"""Benchmark the whole pipeline (``geo.pipeline.build``) by size, with browser timing.

For each size the synthetic generator (``geo.incidents.synth``, seed 0) writes an
ACLED-format CSV (not timed); then a fresh child process runs
``geo.pipeline.build(incidents=[csv], out=…, boundaries=…, force=True)`` with an empty
``GEO_DATA_DIR``, ``GEO_OFFLINE=1`` and a filled offline asset cache, and reports the time
of every stage (timestamped through the pipeline's ``progress`` callback), the total wall
time and its own peak resident memory. Unless ``--no-browser``, headless chromium then
opens every page from disk (tiles get a transparent PNG, any other http(s) request is
aborted) and reports the time from navigation to ``window.__geoReady`` (the map's layers
are ready) and the JavaScript heap in use.

The targets at 1,000,000 events are checked and printed as PASS/FAIL: the whole build
under 60 s, peak memory under 4 GB, every page under 25 MB; at 100,000 events, every page
adds under 60 bytes per event to its fixed part (measured as the same page at the smallest
size run) and opens to layers-ready in under 1.5 s.

    python benchmarks/bench_pipeline.py --sizes 1000,10000,100000,1000000 --out BENCH.md
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from geo import snapshot

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "ocha-cod-ab"
DEFAULT_SIZES = "1000,10000,100000,1000000"
CHROMIUM_ARGS = [*snapshot.CHROMIUM_ARGS, "--enable-precise-memory-info"]  # unrounded heap
CHROMIUM = snapshot.CHROMIUM
TRANSPARENT_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
TILE = re.compile(r"/\d+/\d+/\d+(@2x)?\.png(\?.*)?$")
READY_TIMEOUT_MS = 180_000

# Targets (issue 7).
BIG, MID = 1_000_000, 100_000
TOTAL_MAX_S = 60.0
PEAK_MAX_GB = 4.0
PAGE_MAX_MB = 25.0
BYTES_PER_EVENT_MAX = 60.0
READY_MAX_S = 1.5


@dataclass
class Run:
    """One size: what the child measured, then what the browser measured."""

    n: int
    stages: dict[str, float]
    total: float
    peak_mb: float
    pages: list[dict]
    summary: str
    browser: dict[str, tuple[float, float]] = field(default_factory=dict)


# --------------------------------------------------------------------------- child


def child(csv: str, out: str, boundaries: str) -> dict:
    """Run one build in this (fresh) process and return its measurements."""
    from geo.pipeline import build

    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    report = build(
        incidents=[Path(csv)],
        out=Path(out),
        boundaries=boundaries or None,
        force=True,
        progress=lambda msg: marks.append((msg, time.perf_counter())),
    )
    end = time.perf_counter()
    stages: dict[str, float] = {}
    bounds = [*marks, ("end", end)]
    if marks:
        stages["setup"] = marks[0][1] - start
    for (name, t0), (_next, t1) in itertools.pairwise(bounds):
        stages[name] = stages.get(name, 0.0) + t1 - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "stages": stages,
        "total": end - start,
        "peak_mb": peak_kb * 1024 / 1e6,
        "pages": [
            {
                "name": m.name,
                "path": str(m.path),
                "mode": m.mode,
                "events": m.events,
                "size": m.size,
            }
            for m in report.maps
        ],
        "summary": report.summary(),
    }


def run_child(csv: Path, out: Path, boundaries: Path | None, env: dict[str, str]) -> dict:
    """Run :func:`child` in a fresh interpreter, so peak memory is that build's alone."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(csv), str(out), str(boundaries or "")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the build at {csv.name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- browser


def browser_times(pages: list[Path]) -> dict[str, tuple[float, float]]:
    """Open each page in headless chromium; return ``{path: (seconds to ready, heap MB)}``."""
    from playwright.sync_api import sync_playwright

    def route(r) -> None:
        if TILE.search(r.request.url.split("#", 1)[0]):
            r.fulfill(status=200, content_type="image/png", body=TRANSPARENT_PNG)
        else:
            r.abort()

    out: dict[str, tuple[float, float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in pages:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route(re.compile(r"^https?://"), route)
            page = context.new_page()
            page.goto(path.resolve().as_uri(), wait_until="commit", timeout=READY_TIMEOUT_MS)
            page.wait_for_function(
                "window.__geoReady === true", polling="raf", timeout=READY_TIMEOUT_MS
            )
            ready = page.evaluate("performance.now()") / 1000
            heap = page.evaluate("performance.memory.usedJSHeapSize") / 1e6
            out[str(path)] = (ready, heap)
            context.close()
        browser.close()
    return out


# --------------------------------------------------------------------------- report


def check_targets(runs: list[Run], *, browser: bool) -> list[tuple[str, str, str]]:
    """Return ``(target, measured, PASS/FAIL/n/a)`` for each target the sizes cover."""
    by_n = {r.n: r for r in runs}
    rows: list[tuple[str, str, str]] = []

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    big = by_n.get(BIG)
    if big is not None:
        rows.append(
            (
                f"{BIG:,} events: whole build < {TOTAL_MAX_S:g} s",
                f"{big.total:.1f} s",
                verdict(big.total < TOTAL_MAX_S),
            )
        )
        rows.append(
            (
                f"{BIG:,} events: peak memory < {PEAK_MAX_GB:g} GB",
                f"{big.peak_mb / 1e3:.2f} GB",
                verdict(big.peak_mb < PEAK_MAX_GB * 1e3),
            )
        )
        largest = max(big.pages, key=lambda p: p["size"])
        rows.append(
            (
                f"{BIG:,} events: every page < {PAGE_MAX_MB:g} MB",
                f"largest {largest['size'] / 1e6:.1f} MB ({largest['name']})",
                verdict(largest["size"] < PAGE_MAX_MB * 1e6),
            )
        )
    mid = by_n.get(MID)
    small = min(runs, key=lambda r: r.n)
    if mid is not None and small.n < MID:
        fixed = {p["name"]: p for p in small.pages}
        for p in mid.pages:
            base = fixed.get(p["name"])
            if base is None or p["events"] <= base["events"]:
                continue
            per = (p["size"] - base["size"]) / (p["events"] - base["events"])
            rows.append(
                (
                    f"{MID:,} events: {p['name']} adds < {BYTES_PER_EVENT_MAX:g} B/event",
                    f"{per:.1f} B/event ({p['mode']})",
                    verdict(per < BYTES_PER_EVENT_MAX),
                )
            )
    if mid is not None and browser:
        for p in mid.pages:
            ready = mid.browser.get(p["path"])
            if ready is not None:
                rows.append(
                    (
                        f"{MID:,} events: {p['name']} layers ready < {READY_MAX_S:g} s",
                        f"{ready[0]:.2f} s ({p['mode']})",
                        verdict(ready[0] < READY_MAX_S),
                    )
                )
    return rows


def markdown(runs: list[Run], *, described: str, browser: bool, note: str) -> str:
    """Return the results as Markdown: stage times, pages, targets."""
    stages: list[str] = []
    for r in runs:
        stages += [s for s in r.stages if s not in stages]
    lines = [
        "# Whole-pipeline benchmark",
        "",
        f"`geo.pipeline.build` on synthetic ACLED-format events (`geo.incidents.synth`, seed 0), "
        f"{described}; every shipped map, `force=True`, offline asset cache; one fresh process "
        f"per size. {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs.{note}",
        "",
        "## Stage times (seconds) and peak memory",
        "",
        "| events | " + " | ".join(stages) + " | total | peak RSS |",
        "|---:|" + "---:|" * (len(stages) + 2),
    ]
    for r in runs:
        cells = [f"{r.stages[s]:.2f}" if s in r.stages else "–" for s in stages]
        lines.append(
            f"| {r.n:,} | " + " | ".join(cells) + f" | **{r.total:.2f}** | {r.peak_mb:,.0f} MB |"
        )
    lines += [
        "",
        "`setup` is reading the map specs; `map X` covers filtering, aggregation, rendering "
        "and writing that page; `index` writes the index page and the manifest.",
        "",
        "## Pages",
        "",
        "| events | map | events on map | mode | page MB | B/event | ready s | JS heap MB |",
        "|---:|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in runs:
        for p in r.pages:
            ready, heap = r.browser.get(p["path"], (None, None))
            per = p["size"] / p["events"] if p["events"] else float("nan")
            lines.append(
                f"| {r.n:,} | {p['name']} | {p['events']:,} | {p['mode']} | "
                f"{p['size'] / 1e6:.2f} | {per:.1f} | "
                + (f"{ready:.2f} | {heap:.0f} |" if ready is not None else "– | – |")
            )
    lines += [
        "",
        "Page sizes include the inlined Leaflet, plugin and project files (about the same at "
        "every size). B/event is page bytes / events on the map; the coordinate floor is about "
        "20 B/event as JSON text, 8 as float32. Ready: navigation start to "
        "`window.__geoReady` in headless chromium (page opened from disk), JS heap: "
        "`performance.memory.usedJSHeapSize` at that moment."
        + ("" if browser else " The browser was not run."),
        "",
        "## Targets",
        "",
        "| target | measured | result |",
        "|---|---|---|",
    ]
    targets = check_targets(runs, browser=browser)
    lines += [f"| {t} | {m} | {v} |" for t, m, v in targets] or ["| (none at these sizes) | | |"]
    if any("B/event" in t for t, _m, _v in targets):
        lines += [
            "",
            f"B/event targets compare each page at {MID:,} events with the same page at "
            f"{min(r.n for r in runs):,} events (its fixed part: assets, polygons, legends).",
        ]
    lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _asset_cache(tmp: Path) -> tuple[Path | None, str]:
    """Return a complete asset cache (``GEO_ASSETS_DIR`` or a temporary one) and a note."""
    from geo import assets
    from geo.errors import AssetError

    env = os.environ.get("GEO_ASSETS_DIR")
    if env and assets.AssetStore.open(Path(env)).complete:
        return Path(env), ""
    folder = tmp / "assets"
    try:
        assets.fetch(dest=folder)
    except AssetError as exc:
        return None, f" The offline asset cache could not be filled ({exc.one_line()}): pages "
    return folder, ""


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the Markdown (and write it with ``--out``); 1 on a FAIL."""
    from geo.incidents.synth import write_synthetic
    from geo.write import write_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown here")
    parser.add_argument("--no-browser", action="store_true", help="skip the chromium timings")
    parser.add_argument("--keep", type=Path, default=None, help="keep CSVs and pages here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    boundaries: Path | None = args.boundaries
    if boundaries.exists():
        described = f"real COD-AB boundaries from `{boundaries.name}`"
    else:
        print(f"note: no boundaries at {boundaries}; using the schematic fallback", file=sys.stderr)
        boundaries, described = None, "the schematic fallback boundaries (COD-AB not found)"

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp_name:
        tmp = args.keep or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        cache, note = _asset_cache(Path(tmp_name))
        browser = not args.no_browser and cache is not None
        if cache is None:
            note += "load Leaflet from the CDN, so the browser was not run."
        env = {k: v for k, v in os.environ.items() if k != "GEO_BOUNDARIES"}
        env |= {"GEO_OFFLINE": "1", "GEO_DATA_DIR": str(Path(tmp_name) / "data")}
        if cache is not None:
            env["GEO_ASSETS_DIR"] = str(cache)
        for n in sizes:
            csv = tmp / f"synthetic-{n}.csv"
            if not csv.exists():
                write_synthetic(n, seed=0, out=csv)
            got = run_child(csv, tmp / f"out-{n}", boundaries, env)
            run = Run(n, got["stages"], got["total"], got["peak_mb"], got["pages"], got["summary"])
            if browser:
                run.browser = browser_times([Path(p["path"]) for p in run.pages])
            runs.append(run)
            print(f"n={n:,}: {run.total:.2f} s, peak {run.peak_mb:,.0f} MB", file=sys.stderr)
    table = markdown(runs, described=described, browser=browser, note=note)
    print(table)
    if args.out is not None:
        write_text(args.out, table)
    return 1 if "| FAIL |" in table else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(child(*sys.argv[2:])))
    else:
        sys.exit(main())
