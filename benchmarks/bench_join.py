"""Benchmark the full join against the naive geopandas pipeline and the raw kernels.

For each size the same synthetic events (``geo.incidents.synth``, seed 0, written
to a temporary ACLED CSV) go through

* the tool: ``geo.join.join_events`` (governorate + district + sub-district,
  four zone flags, four line distances and the dam distance, border rules and
  report), in a child process that loads the CSV with ``geo.incidents`` and
  reports the join time and its peak resident memory;
* the naive pipeline: ``points_from_xy``, one ``geopandas.sjoin`` per admin
  layer and per zone, ``to_crs(32638)`` and ``GeoSeries.distance`` to each line,
  edge and the dam. Above ``--naive-max`` events it runs on the first
  ``--naive-max`` events and the time is extrapolated linearly (marked ``*``);
* the raw kernels alone: bounding-box prefilter + ``shapely.contains_xy`` per
  polygon of every admin layer and zone, reprojection with pyproj, and the
  KD-tree line-distance kernel, with no bookkeeping at all.

Usage::

    python benchmarks/bench_join.py --sizes 1000,10000,100000,1000000 --out BENCH_JOIN.md
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import platform
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box

from geo.distance import LineDistance
from geo.join import join_events
from geo.measure import to_metric
from geo.types import ADMIN_COLUMNS, ZONE_COLUMNS, Boundaries, ProjectLayers, Provenance
from geo.write import write_text

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "ocha-cod-ab"
DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
LEVEL_NUMBER = {"governorate": 1, "district": 2, "subdistrict": 3}


# --------------------------------------------------------------------------- layers


def real_layers(path: Path) -> ProjectLayers:
    """Return the project layers built by the tool from a COD-AB folder."""
    from geo.boundaries import load_boundaries
    from geo.layers import project_layers

    return project_layers(load_boundaries(path=path))


def grid_layers() -> ProjectLayers:
    """Return stand-in layers over Iraq's bounding box, for when the real ones are absent.

    18 governorates (3 x 6), each split into 6 districts, each into 3 sub-districts;
    edges densified to 0.01 degrees so the polygons have realistic vertex counts.
    """

    def frame(rows: list[dict]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")[list(ADMIN_COLUMNS)]

    def row(level: str, geom, **codes: str) -> dict:
        names = {k.replace("_code", "_name"): v for k, v in codes.items()}
        code = codes[f"adm{LEVEL_NUMBER[level]}_code"]
        return dict.fromkeys(ADMIN_COLUMNS, "") | codes | names | {
            "code": code, "name": code, "level": level, "source": "grid", "geometry": geom,
        }  # fmt: skip

    govs, dists, subs = [], [], []
    xs, ys = np.linspace(38.8, 48.6, 4), np.linspace(29.1, 37.4, 7)
    for gi in range(3):
        for gj in range(6):
            g = f"G{gi}{gj}"
            x0, y0, x1, y1 = xs[gi], ys[gj], xs[gi + 1], ys[gj + 1]
            govs.append(row("governorate", box(x0, y0, x1, y1), adm1_code=g))
            dx, dy = (x1 - x0) / 2, (y1 - y0) / 3
            for di in range(2):
                for dj in range(3):
                    d = f"{g}D{di}{dj}"
                    dx0, dy0 = x0 + di * dx, y0 + dj * dy
                    geom = box(dx0, dy0, dx0 + dx, dy0 + dy)
                    dists.append(row("district", geom, adm1_code=g, adm2_code=d))
                    for si in range(3):
                        sx = dx0 + si * dx / 3
                        geom = box(sx, dy0, sx + dx / 3, dy0 + dy)
                        codes = {"adm1_code": g, "adm2_code": d, "adm3_code": f"{d}S{si}"}
                        subs.append(row("subdistrict", geom, **codes))
    admin = [frame(rows) for rows in (govs, dists, subs)]
    for f in admin:
        f["geometry"] = shapely.segmentize(f.geometry.values, 0.01)
    bbox = box(38.8, 29.1, 48.6, 37.4)
    country = frame([dict.fromkeys(ADMIN_COLUMNS, "") | {"code": "IQ", "level": "country",
                                                         "geometry": bbox}])  # fmt: skip

    def zone(key: str, geom) -> gpd.GeoDataFrame:
        row = dict.fromkeys(ZONE_COLUMNS, "") | {"key": key, "area_km2": 0.0}
        row["geometry"] = shapely.segmentize(geom, 0.01)
        return gpd.GeoDataFrame([row], geometry="geometry", crs="EPSG:4326")

    def feature(key: str, geom) -> gpd.GeoDataFrame:
        row = {"key": key, "name": key, "kind": "", "source": "", "notes": "", "geometry": geom}
        return gpd.GeoDataFrame([row], geometry="geometry", crs="EPSG:4326")

    krg = box(42.0, 35.8, 46.5, 37.4)
    unami = box(41.5, 34.2, 46.0, 36.2).difference(krg)
    return ProjectLayers(
        boundaries=Boundaries(
            source=Provenance(key="grid", title="grid stand-in", licence="", attribution="",
                              version="0", kind="schematic"),
            country=country, governorates=admin[0], districts=admin[1], subdistricts=admin[2],
        ),
        disputed_unami=zone("unami-2009", unami),
        disputed_wide=zone("article-140-wide", unami.buffer(0.2).difference(krg)),
        krg_area=zone("krg-area", krg),
        krg_line=feature("krg-line", shapely.segmentize(
            LineString([(42.0, 37.4), (42.0, 35.8), (46.5, 35.8)]), 0.01)),
        hamrin_area=zone("hamrin-area", box(43.5, 34.0, 45.3, 35.2)),
        hamrin_ridge=feature("hamrin-ridge", LineString(
            [(43.4, 35.2), (43.6464, 35.0325), (43.9147, 35.0569), (44.96778, 34.11444)])),
        hamrin_dam=feature("hamrin-dam", Point(44.96778, 34.11444)),
        places=feature("none", Point(44.0, 33.0)).iloc[:0],
    )  # fmt: skip


def load_layers(path: Path, *, quiet: bool = False) -> tuple[ProjectLayers, str]:
    """Return the layers to benchmark and a line describing them."""
    if path.exists():
        return real_layers(path), f"real COD-AB layers from {path}"
    if not quiet:
        print(f"note: no boundaries at {path}; using an 18x6x3 grid stand-in", file=sys.stderr)
    return grid_layers(), "grid stand-in layers (real COD-AB boundaries not found)"


# --------------------------------------------------------------------------- pipelines


def _zones(layers: ProjectLayers) -> list[gpd.GeoDataFrame]:
    return [layers.disputed_unami, layers.disputed_wide, layers.krg_area, layers.hamrin_area]


def _admin(layers: ProjectLayers) -> list[gpd.GeoDataFrame]:
    b = layers.boundaries
    return [f for f in (b.governorates, b.districts, b.subdistricts) if f is not None]


def _targets(layers: ProjectLayers) -> list[shapely.Geometry]:
    """The lines, zone edges and dam, in EPSG:32638, as the distances use them."""

    def metric(frame: gpd.GeoDataFrame) -> shapely.Geometry:
        return shapely.union_all(frame.to_crs(32638).geometry.values)

    return [
        metric(layers.krg_line),
        metric(layers.disputed_unami).boundary,
        metric(layers.disputed_wide).boundary,
        metric(layers.hamrin_ridge),
        metric(layers.hamrin_dam),
    ]


def naive(lon: np.ndarray, lat: np.ndarray, layers: ProjectLayers) -> None:
    """The pipeline one writes with plain geopandas."""
    pts = gpd.GeoDataFrame(
        {"i": np.arange(len(lon))}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )
    for frame in _admin(layers) + _zones(layers):
        joined = gpd.sjoin(pts, frame[["geometry"]], how="left", predicate="intersects")
        joined[~joined.index.duplicated()]
    metric = pts.to_crs(32638)
    for geom in _targets(layers):
        metric.distance(geom)


def raw_kernels(lon: np.ndarray, lat: np.ndarray, layers: ProjectLayers) -> None:
    """The kernels alone: bbox + contains_xy per polygon, reprojection, line distances."""
    for frame in _admin(layers) + _zones(layers):
        for geom in frame.geometry.values:
            shapely.prepare(geom)
            minx, miny, maxx, maxy = geom.bounds
            cand = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
            shapely.contains_xy(geom, lon[cand], lat[cand])
    x, y = to_metric(lon, lat)
    *lines, dam = _targets(layers)
    for line in lines:
        LineDistance(line)(x, y)
    dx, dy = shapely.get_coordinates(dam)[0]
    np.hypot(x - dx, y - dy)


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _rss_mib() -> float:
    """Return the current resident memory of this process in MiB (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class _PeakRSS(threading.Thread):
    """Sample the resident memory every few milliseconds and keep the peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mib()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, _rss_mib())

    def stop(self) -> float:
        self._done.set()
        self.join()
        return max(self.peak, _rss_mib())


def _tool_child(csv: str, boundaries: str) -> tuple[float, float, float, str]:
    """Load the events, join them, and report time and peak memory (runs in a child).

    The loader's own peak is not counted: memory is sampled only while the join runs.
    """
    from geo.incidents import load_incidents

    layers, _ = load_layers(Path(boundaries), quiet=True)
    events = load_incidents(csv).events
    gc.collect()
    before = _rss_mib()
    sampler = _PeakRSS()
    sampler.start()
    start = time.perf_counter()
    result = join_events(events, layers)
    seconds = time.perf_counter() - start
    peak = sampler.stop()
    return seconds, before, peak, result.report.summary()


def run_tool(csv: Path, boundaries: Path) -> tuple[float, float, float, str]:
    """Run the tool's join in a fresh process; return time, RSS before/after (MiB), report."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_tool_child, str(csv), str(boundaries)).result()


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> str:
    """Run the benchmark; print and optionally write the Markdown table; return it."""
    from geo.incidents.synth import write_synthetic

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    parser.add_argument(
        "--naive-max",
        type=int,
        default=100_000,
        help="run the naive pipeline on at most this many events and extrapolate",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    layers, described = load_layers(args.boundaries)

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-join-") as tmp:
        for n in sizes:
            csv = Path(tmp) / f"synthetic-{n}.csv"
            write_synthetic(n, seed=args.seed, out=csv)
            coords = pd.read_csv(csv, usecols=["latitude", "longitude"])
            lon = coords["longitude"].to_numpy(dtype="float64")
            lat = coords["latitude"].to_numpy(dtype="float64")
            tool, rss_before, rss_after, report = run_tool(csv, args.boundaries)
            raw = _timed(lambda lon=lon, lat=lat: raw_kernels(lon, lat, layers))
            m = min(n, args.naive_max)
            naive_s = _timed(lambda m=m, lon=lon, lat=lat: naive(lon[:m], lat[:m], layers))
            naive_s *= n / m
            rows.append((n, tool, naive_s, m < n, raw, rss_before, rss_after))
            progress = f"n={n:,}: tool {tool:.2f} s, naive {naive_s:.2f} s, raw {raw:.2f} s"
            print(progress, file=sys.stderr)
            print(report, file=sys.stderr)

    extrapolation = "."
    if any(r[3] for r in rows):
        extrapolation = (
            f"; `*` = run on the first {args.naive_max:,} events, extrapolated linearly."
        )
    lines = [
        "# Join benchmark",
        "",
        f"{described}; synthetic events from `geo.incidents.synth` (seed {args.seed}); "
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.machine()}, {mp.cpu_count()} CPUs.",
        "",
        "| events | tool join | naive geopandas | raw kernels | naive ÷ tool | tool ÷ raw "
        "| peak RSS during the join (with events loaded) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, tool, naive_s, extrapolated, raw, before, after in rows:
        star = "*" if extrapolated else ""
        lines.append(
            f"| {n:,} | {tool:.3f} s | {naive_s:.3f} s{star} | {raw:.3f} s "
            f"| {naive_s / tool:.1f}x | {tool / raw:.2f}x | {after:,.0f} MiB ({before:,.0f}) |"
        )
    lines += [
        "",
        "Tool: `join_events` on the loaded events (geometry already built by the loader). "
        "Naive: `points_from_xy` + one `sjoin` per admin layer and zone + `to_crs` + "
        "`GeoSeries.distance` to each line, zone edge and the dam" + extrapolation,
        "Raw: bbox prefilter + `shapely.contains_xy` per polygon of every layer and zone, "
        "pyproj reprojection, KD-tree line distances; no statuses, columns or report.",
        "Targets: naive ÷ tool ≥ 5, tool ÷ raw ≤ 1.5, peak memory < 2 GiB at 1,000,000 events.",
        "Memory: resident set of the join process sampled every 5 ms during the join "
        "(in brackets: before it, with the loaded events table).",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    if args.out is not None:
        write_text(args.out, table)
    return table


if __name__ == "__main__":
    main()
