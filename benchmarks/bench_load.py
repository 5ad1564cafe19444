"""Time load_incidents on a synthetic ACLED-format CSV against pandas.read_csv(engine="pyarrow").

Usage: python benchmarks/bench_load.py [--n 1000000] [--seed 0] [--repeat 3] [--keep DIR]

Prints the best of ``--repeat`` interleaved runs of each and their ratio; the
target is a ratio of at most 2.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from geo.incidents import load_incidents
from geo.incidents.synth import write_synthetic


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to keep the generated CSV in")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        path = folder / f"synthetic_acled_{args.n}_{args.seed}.csv"
        start = time.perf_counter()
        report = write_synthetic(args.n, seed=args.seed, out=path)
        print(f"generated {report.rows:,} rows in {time.perf_counter() - start:.2f} s")
        baseline, ours = [], []
        result = None
        for _ in range(args.repeat):
            baseline.append(best_of(lambda: pd.read_csv(path, engine="pyarrow"), 1))
            start = time.perf_counter()
            result = load_incidents(path, max_rows=max(args.n, 1))
            ours.append(time.perf_counter() - start)
        assert result is not None
        assert result.rows_read == result.rows_accepted + result.rows_rejected == args.n
        print(f"pandas.read_csv(engine='pyarrow'): {min(baseline):.3f} s")
        print(f"geo.incidents.load_incidents:      {min(ours):.3f} s")
        print(f"ratio: {min(ours) / min(baseline):.2f} (target <= 2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
