"""Time load_incidents on a synthetic ACLED-format CSV against pandas.read_csv(engine="pyarrow").

Usage: python benchmarks/bench_load.py [--n 1000000] [--seed 0] [--repeat 3] [--keep DIR]
[--out FILE.md] [--profile]

Runs the two readers alternately ``--repeat`` times on the same file (so both see
the same machine load) and prints the best time of each, their ratio (the
target is at most 2) and the median of the per-round ratios. ``--out`` also
writes the numbers as a Markdown table; ``--profile`` prints where the
loader's time goes (cProfile, by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa

from geo.incidents import load_incidents
from geo.incidents.synth import write_synthetic
from geo.write import write_text

TARGET = 2.0


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def markdown(rows: list[tuple[str, str]]) -> str:
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the generated CSV")
    parser.add_argument("--out", type=Path, help="also write the results as a Markdown table")
    parser.add_argument("--profile", action="store_true", help="print the loader's profile")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        path = folder / f"synthetic_acled_{args.n}_{args.seed}.csv"
        if not path.exists():
            start = time.perf_counter()
            write_synthetic(args.n, seed=args.seed, out=path)
            print(f"generated {args.n:,} rows in {time.perf_counter() - start:.2f} s")
        size_mb = path.stat().st_size / 1e6
        baseline, ours = [], []
        result = None

        def load() -> None:
            nonlocal result
            result = load_incidents(path, max_rows=max(args.n, 1))

        for _ in range(args.repeat):
            baseline.append(timed(lambda: pd.read_csv(path, engine="pyarrow")))
            ours.append(timed(load))
        assert result is not None
        assert result.rows_read == result.rows_accepted + result.rows_rejected == args.n
        ratios = [o / b for o, b in zip(ours, baseline, strict=True)]
        ratio = min(ours) / min(baseline)
        table_mb = result.events.memory_usage(deep=True).sum() / 1e6
        rows = [
            ("rows", f"{args.n:,}"),
            ("file size", f"{size_mb:,.0f} MB"),
            ("rounds", f"{args.repeat} (the readers alternate)"),
            ("pandas.read_csv(engine='pyarrow'), best", f"{min(baseline):.3f} s"),
            ("geo.incidents.load_incidents, best", f"{min(ours):.3f} s"),
            ("ratio of the best times", f"{ratio:.2f} (target <= {TARGET:g})"),
            ("median of the per-round ratios", f"{statistics.median(ratios):.2f}"),
            ("events table in memory (without geometries)", f"{table_mb:,.0f} MB"),
            (
                "machine",
                f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
                f"pandas {pd.__version__}, pyarrow {pa.__version__}",
            ),
        ]
        print(f"pandas.read_csv(engine='pyarrow'): {min(baseline):.3f} s (best of {args.repeat})")
        print(f"geo.incidents.load_incidents:      {min(ours):.3f} s (best of {args.repeat})")
        print(
            f"ratio: {ratio:.2f} (target <= {TARGET:g}); median of per-round ratios: "
            f"{statistics.median(ratios):.2f}"
        )
        if args.out:
            title = f"# Incident loading: {args.n:,} ACLED-format rows\n\n"
            write_text(args.out, title + markdown(rows))
            print(f"wrote {args.out}")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(load)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
