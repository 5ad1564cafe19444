"""Benchmark the hot-spot statistics against the raw esda/libpysal calls they reproduce.

Synthetic, deterministic events (seed 0): each event is given a sub-district
drawn with clustered weights (a few areas far busier than the rest), a place
near that area's representative point (normal jitter of about 5 km, so it is
a point location) and a day drawn uniformly from ``--months`` months. Two
cases, each timed end to end through ``geo.hotspots.hotspots`` with
``period="month"`` (one Gi* over the whole span, one per month, FDR, two
Mann-Kendall tests per unit and the emerging classes):

* the sub-districts (294 on COD-AB) with queen contiguity;
* an H3 hexagon grid over the country (resolution by the tool's rule, or
  ``--hex-resolution``) with the distance band.

The baseline is the raw library work for the same cube, measured in the same
run: the weights (``Queen.from_dataframe`` or ``DistanceBand``) and one
``esda.G_Local(y, w, transform="B", star=True, permutations=0)`` per month
plus one for the whole span, with the counts already in hand. The ratio is
tool / raw. The tool computes the same numbers (``geo.gistar``, tested bit for
bit against these calls) without importing esda or libpysal.

Usage::

    python benchmarks/bench_hotspots.py --events 100000 --months 36 --out BENCH_HOTSPOTS.md
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import hotspots as hs
from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS
from geo.write import write_text

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "ocha-cod-ab"
TARGETS = {"subdistrict": 10.0, "hex": 20.0}


def real_layers(path: Path):
    """Return the project layers built by the tool from a COD-AB folder."""
    from geo.boundaries import load_boundaries
    from geo.layers import project_layers

    return project_layers(load_boundaries(path=path))


def grid_layers(rows: int = 14, cols: int = 21):
    """Return a stand-in: ``rows × cols`` (294) square sub-districts over Iraq's extent."""
    dx, dy = (48.5 - 39.0) / cols, (37.3 - 29.1) / rows
    polys, codes = [], []
    for j in range(rows):
        for i in range(cols):
            x, y = 39.0 + i * dx, 29.1 + j * dy
            polys.append(shapely.box(x, y, x + dx, y + dy))
            codes.append(f"G{j:02d}{i:02d}")
    units = gpd.GeoDataFrame({"code": codes, "name": codes}, geometry=polys, crs=GEOGRAPHIC_CRS)
    country = gpd.GeoDataFrame(
        {"code": ["IQ"]}, geometry=[shapely.box(39.0, 29.1, 48.5, 37.3)], crs=GEOGRAPHIC_CRS
    )
    boundaries = SimpleNamespace(
        level=lambda level: units if level == "subdistrict" else None,
        subdistricts=units,
        country=country,
        governorates=None,
        source=SimpleNamespace(key="grid"),
    )
    return SimpleNamespace(boundaries=boundaries)


def synthetic_events(layers, n: int, months: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """Return ``n`` deterministic point events over the sub-districts and ``months`` months."""
    rng = np.random.default_rng(seed)
    subs = layers.boundaries.subdistricts.sort_values("code").reset_index(drop=True)
    weights = rng.pareto(1.5, len(subs)) + 0.05
    area = rng.choice(len(subs), size=n, p=weights / weights.sum())
    reps = subs.geometry.representative_point()
    lon = reps.x.to_numpy()[area] + rng.normal(0, 0.05, n)
    lat = reps.y.to_numpy()[area] + rng.normal(0, 0.05, n)
    start = pd.Timestamp("2016-01-01")
    days = (start + pd.DateOffset(months=months) - start).days
    return gpd.GeoDataFrame(
        {
            "adm3_code": subs["code"].to_numpy()[area],
            "coarse_adm3": np.zeros(n, dtype=bool),
            "date": start + pd.to_timedelta(rng.integers(0, days, n), unit="D"),
            "fatalities": pd.array(rng.integers(0, 4, n), dtype="Int64"),
            "precision_level": np.full(n, "point"),
            "geo_precision": np.full(n, "near"),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=GEOGRAPHIC_CRS,
    )


def raw_esda(units: gpd.GeoDataFrame, cube: np.ndarray, *, hex_band: float | None) -> float:
    """Time the bare library calls: weights, then G_Local for the total and each period."""
    from esda import G_Local
    from libpysal.weights import DistanceBand, Queen

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if hex_band is None:
            w = Queen.from_dataframe(units, use_index=False, silence_warnings=True)
        else:
            c = units.to_crs(METRIC_CRS).geometry.centroid
            xy = np.column_stack([c.x.to_numpy(), c.y.to_numpy()])
            w = DistanceBand(xy, threshold=hex_band, binary=True, silence_warnings=True)
        for y in [cube.sum(axis=1), *cube.T]:
            if y.sum() > 0:
                G_Local(y, w, transform="B", star=True, permutations=0)
    return time.perf_counter() - t0


def run_case(layers, events, *, by: str, months: int, hex_resolution: int | None) -> dict:
    """Time the tool and the raw calls on one case; return a result row."""
    t0 = time.perf_counter()
    result = hs.hotspots(events, layers, by=by, period="month", hex_resolution=hex_resolution)
    tool = time.perf_counter() - t0
    table = result.table
    cube = table[[c for c in table.columns if c.startswith("gi_z_")]].to_numpy()
    # rebuild the counts cube for the raw calls (not timed): same units, same months
    units = result.units.reset_index(drop=True)
    pos = pd.Index(units["code"]).get_indexer(
        events["adm3_code"] if by != "hex" else _cells(events, units)
    )
    keep = pos >= 0
    per = pd.PeriodIndex(events["date"][keep].dt.to_period("M"))
    t = per.asi8 - per.min().ordinal
    counts = np.zeros((len(units), cube.shape[1]))
    np.add.at(counts, (pos[keep], t), 1.0)
    band = None
    if by == "hex":
        band = float(result.method["weights"].split(" of ")[1].split(" km")[0]) * 1000
    raw = raw_esda(units, counts, hex_band=band)
    return {
        "case": "sub-districts, queen" if by != "hex" else f"H3 {table['level'].iloc[0]}, band",
        "units": len(units),
        "periods": cube.shape[1],
        "events": len(events),
        "tool": tool,
        "raw": raw,
        "target": TARGETS["hex" if by == "hex" else "subdistrict"],
        "classes": int((table["emerging_class"] != hs.NO_PATTERN).sum()),
    }


def _cells(events: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> list[str]:
    import h3

    res = h3.get_resolution(units["code"].iloc[0])
    return [
        h3.latlng_to_cell(y, x, res)
        for x, y in zip(events.geometry.x, events.geometry.y, strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    parser.add_argument("--hex-resolution", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    if (args.boundaries / "irq_admbnda_adm3_cso_20190603.geojson").exists():
        layers, where = real_layers(args.boundaries), "real COD-AB layers"
    else:
        layers, where = grid_layers(), "a grid stand-in (294 squares; COD-AB not found)"
    events = synthetic_events(layers, args.events, args.months)
    import esda  # noqa: F401 -- imports (esda loads numba) are not part of either time
    import h3  # noqa: F401
    import libpysal.weights  # noqa: F401

    rows = [
        run_case(layers, events, by="subdistrict", months=args.months, hex_resolution=None),
        run_case(layers, events, by="hex", months=args.months, hex_resolution=args.hex_resolution),
    ]
    lines = [
        "# Hot spots",
        "",
        f'`geo.hotspots.hotspots(..., period="month")` on {args.events:,} synthetic point '
        f"events (seed 0) over {args.months} months, {where}; against the raw libpysal weights "
        "and `esda.G_Local` calls for the same cube in the same run. "
        f"Python {platform.python_version()}.",
        "",
        "| case | units | months | events | tool s | raw esda s | tool / raw | target s | "
        "areas with an emerging class |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['units']:,} | {r['periods']} | {r['events']:,} | "
            f"**{r['tool']:.2f}** | {r['raw']:.2f} | {r['tool'] / r['raw']:.2f} | "
            f"< {r['target']:.0f} | {r['classes']:,} |"
        )
    lines += [
        "",
        "The tool's time includes counting, the weights, FDR, both Mann-Kendall tests per unit "
        "and the classes; the hexagon case also builds the grid and assigns each event its cell.",
        "",
    ]
    table = "\n".join(lines)
    if args.out is not None:
        write_text(args.out, table)
    print(table)
    return table


if __name__ == "__main__":
    main()
