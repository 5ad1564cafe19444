"""Benchmark the UCDP GED Iraq filter on a synthetic global-sized archive against naive pandas.

A deterministic generator (``--seed``) writes a GED-shaped CSV of ``--rows`` rows
(default 300,000, about the size of the global GED) with GED's columns, text fields
of realistic length, quoted commas and newlines, and ``;``-joined ``gwnoa`` codes in
some rows; about 3 % of the rows are Iraq (``country_id`` 645). The CSV is zipped like
UCDP's ``ged{NN}{N}-csv.zip``. Then, each in a fresh process so the peak resident
memory belongs to it alone:

* the tool: :func:`geo.incidents.fetch_ucdp.filter_iraq` streaming the CSV out of
  the zip in blocks (every column as text) and writing the Iraq rows;
* naive pandas: ``pandas.read_csv`` of the whole zip (type inference, the default),
  then ``df[df.country_id == 645]`` and ``to_csv``.

No real data is used. Usage::

    python benchmarks/bench_ucdp_filter.py [--rows 300000] [--seed 0] [--out ucdp_filter.md]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
    "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
    "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
    "source_date,source_headline,source_original,where_prec,where_coordinates,where_description,"
    "adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,region,"
    "event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,"
    "deaths_unknown,best,high,low,gwnoa,gwnob"
)
COLUMNS = HEADER.split(",")
LIMIT_BYTES = 1 << 30  # the bound: under 1 GB


def synthetic_ged(rows: int, seed: int) -> pd.DataFrame:
    """Return ``rows`` GED-shaped rows of text, deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    countries = np.array(["645", "652", "630", "700", "770", "500", "520", "615", "625", "540"])
    weights = np.array([0.03, 0.12, 0.03, 0.2, 0.12, 0.1, 0.12, 0.08, 0.1, 0.1])
    country = rng.choice(countries, size=rows, p=weights)
    best = rng.integers(0, 50, size=rows)
    low = best - rng.integers(0, 3, size=rows).clip(max=best)
    high = best + rng.integers(0, 10, size=rows)
    day = rng.integers(0, 35 * 365, size=rows)
    start = (np.datetime64("1989-01-01") + day.astype("timedelta64[D]")).astype(str)
    idx = np.arange(rows)
    words = np.array(["attack", "clash", "village", "district", "forces", "report", "killed"])
    headline = pd.Series(rng.choice(words, size=(rows, 8)).tolist()).str.join(" ")
    frame = pd.DataFrame(
        {
            "id": (idx + 1).astype(str),
            "relid": pd.Series(idx).map("IRQ-{:07d}".format),
            "year": pd.Series(start).str[:4],
            "active_year": "1",
            "code_status": "Clear",
            "type_of_violence": rng.integers(1, 4, size=rows).astype(str),
            "conflict_dset_id": rng.integers(200, 15000, size=rows).astype(str),
            "conflict_new_id": rng.integers(200, 15000, size=rows).astype(str),
            "conflict_name": "Country: Government",
            "dyad_dset_id": rng.integers(400, 16000, size=rows).astype(str),
            "dyad_new_id": rng.integers(400, 16000, size=rows).astype(str),
            "dyad_name": "Government of X - Group Y",
            "side_a_dset_id": "116",
            "side_a_new_id": "116",
            "side_a": "Government of X",
            "side_b_dset_id": "234",
            "side_b_new_id": "234",
            "side_b": np.where(rng.random(rows) < 0.3, "IS", "Group Y"),
            "number_of_sources": rng.integers(1, 5, size=rows).astype(str),
            "source_article": '"Agency,' + pd.Series(start) + "," + headline + '";"Other,x"',
            "source_office": "Agency",
            "source_date": start,
            "source_headline": headline + np.where(idx % 97 == 0, "\nsecond line", ""),
            "source_original": "Official, local source",
            "where_prec": rng.integers(1, 8, size=rows).astype(str),
            "where_coordinates": "Some town",
            "where_description": "near the river, east bank",
            "adm_1": "Province",
            "adm_2": "District",
            "latitude": np.round(rng.uniform(-35, 60, size=rows), 6).astype(str),
            "longitude": np.round(rng.uniform(-20, 120, size=rows), 6).astype(str),
            "geom_wkt": "POINT (44.1 35.2)",
            "priogrid_gid": rng.integers(1, 259200, size=rows).astype(str),
            "country": "Country",
            "country_id": country,
            "region": "Middle East",
            "event_clarity": "1",
            "date_prec": "1",
            "date_start": start + " 00:00:00.000",
            "date_end": start + " 00:00:00.000",
            "deaths_a": "0",
            "deaths_b": best.astype(str),
            "deaths_civilians": "0",
            "deaths_unknown": "0",
            "best": best.astype(str),
            "high": high.astype(str),
            "low": low.astype(str),
            "gwnoa": np.where(idx % 50 == 0, country + ";2", country),
            "gwnob": np.where(idx % 70 == 0, "640;651", ""),
        }
    )
    return frame[COLUMNS]


def _peak() -> int:
    """Return the peak resident memory in bytes (VmHWM: reset by exec, unlike ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _tool(archive: str, member: str, out: str, queue: mp.Queue) -> None:
    from geo.incidents.fetch_ucdp import filter_iraq

    base = _peak()
    t0 = time.perf_counter()
    with zipfile.ZipFile(archive) as zf:
        _, report = filter_iraq(lambda: zf.open(member), Path(out), what=member)
    queue.put((time.perf_counter() - t0, _peak(), base, report.rows_read, report.rows_iraq))


def _naive(archive: str, member: str, out: str, queue: mp.Queue) -> None:
    base = _peak()
    t0 = time.perf_counter()
    frame = pd.read_csv(archive, low_memory=False)
    iraq = frame[frame["country_id"] == 645]
    iraq.to_csv(out, index=False)
    queue.put((time.perf_counter() - t0, _peak(), base, len(frame), len(iraq)))


def _run(target, *args) -> tuple[float, int, int, int, int]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv: list[str] | None = None) -> int:
    """Generate the archive, time both filters, print (and optionally write) a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        member = "GEDEvent_v25_1.csv"
        csv_path = Path(tmp) / member
        t0 = time.perf_counter()
        synthetic_ged(args.rows, args.seed).to_csv(csv_path, index=False)
        archive = Path(tmp) / "ged251-csv.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(csv_path, member)
        gen = time.perf_counter() - t0
        size_csv, size_zip = csv_path.stat().st_size, archive.stat().st_size
        csv_path.unlink()
        tool = _run(_tool, str(archive), member, str(Path(tmp) / "tool.csv"))
        naive = _run(_naive, str(archive), member, str(Path(tmp) / "naive.csv"))
    lines = [
        f"# UCDP GED Iraq filter, {args.rows:,} synthetic rows (seed {args.seed})",
        "",
        f"CSV {size_csv / 1e6:.0f} MB, zip {size_zip / 1e6:.0f} MB (generated in {gen:.0f} s, "
        f"not timed); {platform.python_version()}, pandas {pd.__version__}, "
        f"{platform.machine()}",
        "",
        "| method | time (s) | peak RSS (MB) | peak before (MB) | rows read | Iraq rows |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (sec, peak, base, read, kept) in (
        ("geo filter_iraq (streamed, all text)", tool),
        ("naive pandas.read_csv + filter", naive),
    ):
        lines.append(
            f"| {name} | {sec:.2f} | {peak / 1e6:.0f} | {base / 1e6:.0f} | {read:,} | {kept:,} |"
        )
    verdict = "under" if tool[1] < LIMIT_BYTES else "OVER"  # 1 GiB
    lines += [
        "",
        f"geo's peak is {verdict} 1 GB; time {tool[0] / naive[0]:.2f}x naive, "
        f"peak memory {tool[1] / naive[1]:.2f}x naive.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0 if tool[1] < LIMIT_BYTES and tool[4] == naive[4] else 1


if __name__ == "__main__":
    raise SystemExit(main())
