"""Benchmark whole commands as a user runs them: ``geo join`` and ``geo build``.

Stage benchmarks (``bench_join.py``, ``bench_load.py``) time one function inside a
warm process. A user runs a command: a new process that imports the libraries,
reads the boundaries, loads, joins and writes. This script times exactly that, in
the same run as the baseline:

* ``geo join EVENTS.csv --out joined.parquet`` in a fresh process, against the naive
  pipeline written out in full in ``naive_join.py`` (read_csv → points_from_xy →
  sjoin to governorates, districts and sub-districts → distance to the KRG line →
  to_parquet), also a fresh process. ``geo join`` computes more than the naive script
  (zone flags, three more distances, border rules, validation and provenance), so the
  ratio is conservative. The raw-library floor ``raw_join.py`` (pyarrow CSV, shapely
  ``contains_xy``, pykdtree, pyarrow Parquet; the naive script's columns, no checks)
  runs beside them: "tool ÷ raw" says how close the command comes to its fastest parts.
* ``geo build --incidents EVENTS.csv`` (every shipped map) at the smallest size, with
  its setup time (imports, boundaries, specs) read from the pipeline's progress marks:
  the first build after installing (which fills the compiled-template cache) and the
  median of ``--repeat`` builds after it.

Commands alternate (naive, raw, tool, naive, raw, tool …) so that a change of machine load hits
both; the reported time is the median of ``--repeat`` runs at every size, and each round's
own naive ÷ tool ratio is reported (lowest–highest) to show how much the load moves it.
Peak memory is the child's maximum resident set (``wait4``). For each size one extra
``geo join`` runs under ``cProfile`` and its ten largest cumulative entries are printed,
so the next bottleneck is visible.

    python benchmarks/bench_commands.py --sizes 10000,200000,1000000 --out commands.md
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "ocha-cod-ab"
NAIVE = Path(__file__).with_name("naive_join.py")
RAW = Path(__file__).with_name("raw_join.py")
GEO = [sys.executable, "-m", "geo"]

# Targets (issue 16), whole command against the naive pipeline in the same run.
JOIN_RATIO_MIN = {1_000_000: 4.0, 200_000: 3.0, 10_000: 1.0}
BUILD_MAX_S, SETUP_MAX_S, BUILD_SIZE = 3.0, 1.0, 10_000

BUILD_CHILD = """
import sys, time, json
t0 = time.perf_counter()
from geo import pipeline
marks = [("imports", time.perf_counter() - t0)]
def progress(stage):
    marks.append((stage, time.perf_counter() - t0))
pipeline.build(incidents=[sys.argv[1]], out=sys.argv[2], force=True, progress=progress)
marks.append(("done", time.perf_counter() - t0))
print(json.dumps(marks))
"""


TOUCH_CHILD = """
import time, numpy as np
time.sleep(5)  # long enough for memory freed by earlier commands to go back to the host
t = time.perf_counter(); a = np.ones(2**25); cold = time.perf_counter() - t; del a
t = time.perf_counter(); a = np.ones(2**25); warm = time.perf_counter() - t
print(cold * 4, warm * 4)
"""


def times(ratio: float) -> str:
    """Return a speed ratio cut (not rounded) to two decimals: 2.996 is "2.99x", never "3.00x".

    A ratio just under a target must not print as the target while the verdict says FAIL.
    """
    return f"{math.floor(ratio * 100 + 1e-9) / 100:.2f}x"


def touch_cost(env: dict[str, str]) -> tuple[float, float]:
    """Return seconds per GiB to write fresh memory, cold and just-freed (a child process).

    On some virtual machines memory a process frees goes back to the host within
    seconds, and the next first touch is slow; a command's peak memory then costs
    it time, which is why the table gives the peaks beside the times.
    """
    cold, warm = run([sys.executable, "-c", TOUCH_CHILD], env).stdout.split()
    return float(cold), float(warm)


@dataclass
class Timed:
    """One child process: wall time in seconds, peak resident memory in MB, its stdout."""

    seconds: float
    peak_mb: float
    stdout: str


def run(cmd: list[str], env: dict[str, str]) -> Timed:
    """Run ``cmd`` in a new process and return its wall time and peak memory."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return Timed(seconds, usage.ru_maxrss / 1024, out)


def profile(cmd: list[str], env: dict[str, str], prof: Path, top: int = 10) -> str:
    """Run ``cmd`` (a ``python -m …`` command) under cProfile; return its top entries."""
    # `python -m geo` leaves through os._exit (no teardown), before cProfile could write;
    # so the child profiles the imports and `main()` itself.
    child = (
        "import cProfile, sys; "
        "cProfile.run('from geo.cli import main; main(sys.argv[2:])', sys.argv[1])"
    )
    subprocess.run(
        [sys.executable, "-c", child, str(prof), *cmd[3:]],
        env=env,
        check=True,
        capture_output=True,
    )
    text = io.StringIO()
    stats = pstats.Stats(str(prof), stream=text)
    stats.sort_stats("cumulative").print_stats(r"geo/|pyarrow|geopandas|pandas|shapely|scipy", top)
    lines = [ln for ln in text.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    return "\n".join(lines[start:])


def synthetic(n: int, folder: Path) -> Path:
    """Write the synthetic ACLED-layout file for ``n`` events (not timed), in a child.

    Not in this process: Linux keeps a process's peak resident set across ``exec``, so
    every command started after a large in-process generation would report this
    process's size at the fork as its own peak.
    """
    path = folder / f"synthetic-{n}.csv"
    code = (
        "import sys; from geo.incidents.synth import write_synthetic as w; "
        "w(int(sys.argv[1]), seed=0, out=sys.argv[2])"
    )
    subprocess.run([sys.executable, "-c", code, str(n), str(path)], check=True)
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the command benchmarks and write a Markdown report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,200000,1000000")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command per size")
    ap.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    ap.add_argument("--out", type=Path, help="Markdown report (default: stdout only)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if not (args.boundaries / "irq_admbnda_adm3_cso_20190603.geojson").exists():
        print(f"COD-AB not found at {args.boundaries}: the naive join needs it", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="geo-bench-commands-"))
    env = dict(os.environ, GEO_OFFLINE="1", GEO_DATA_DIR=str(work / "data"))
    env.pop("GEO_BOUNDARIES", None)
    run([*GEO, "boundaries", "import", str(args.boundaries)], env)  # the user's one-time step
    # `pip install` byte-compiles the package; a checkout run under PYTHONDONTWRITEBYTECODE
    # would otherwise compile every module of `geo` again in every timed command.
    import geo

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(geo.__file__).parent)], check=True
    )

    cold, warm = touch_cost(env)
    rows, profiles, verdicts = [], [], []
    for n in sizes:
        csv = synthetic(n, work)
        naive, raw, tool = [], [], []
        for _ in range(args.repeat):
            for script, into, runs in ((NAIVE, "naive", naive), (RAW, "raw", raw)):
                runs.append(run([sys.executable, str(script), str(csv), str(args.boundaries),
                                 str(work / f"{into}.parquet")], env))  # fmt: skip
            tool.append(run([*GEO, "join", str(csv), "--out", str(work / "geo.parquet")], env))
        t_naive = statistics.median(t.seconds for t in naive)
        t_raw = statistics.median(t.seconds for t in raw)
        t_tool = statistics.median(t.seconds for t in tool)
        m_naive = max(t.peak_mb for t in naive)
        m_tool = max(t.peak_mb for t in tool)
        ratio = t_naive / t_tool
        # each round runs naive, raw and tool back to back: its own ratio shows the noise
        rounds = [a.seconds / b.seconds for a, b in zip(naive, tool, strict=True)]
        spread = f"{times(min(rounds))}–{times(max(rounds))}" if len(rounds) > 1 else "—"
        rows.append((n, t_tool, m_tool, t_naive, m_naive, ratio, spread, t_raw))
        target = JOIN_RATIO_MIN.get(n)
        if target is not None:
            ok = ratio >= target and (n < 200_000 or m_tool < m_naive)
            verdicts.append((f"`geo join` at {n:,} events ≥ {target:g}x naive"
                             + (", less memory" if n >= 200_000 else ""),
                             f"{times(ratio)}, {m_tool:,.0f} vs {m_naive:,.0f} MB",
                             "PASS" if ok else "FAIL"))  # fmt: skip
        cmd = [*GEO, "join", str(csv), "--out", str(work / "prof.parquet")]
        profiles.append((n, profile(cmd, env, work / f"join-{n}.prof")))
        csv.unlink() if n != BUILD_SIZE else None

    csv = work / f"synthetic-{BUILD_SIZE}.csv"
    if not csv.exists():
        csv = synthetic(BUILD_SIZE, work)
    # The first build after installing compiles folium's templates into the cache
    # (geo/render/templates_cache.py); the builds after it, timed for the target, read them.
    builds = [
        run([sys.executable, "-c", BUILD_CHILD, str(csv), str(work / "maps")], env)
        for _ in range(1 + args.repeat)
    ]
    first, later = builds[0], builds[1:]
    timed = sorted(later, key=lambda t: t.seconds)[len(later) // 2]  # the median build
    marks = dict(json.loads(timed.stdout.strip().splitlines()[-1]))
    setup = marks.get("incidents", marks.get("boundaries", 0.0))
    build_line = (
        f"| `geo build` ({BUILD_SIZE:,} events, every map), median of {len(later)} "
        f"| {timed.seconds:.2f} s | setup {setup:.2f} s (imports {marks['imports']:.2f} s) "
        f"| {timed.peak_mb:,.0f} MB |\n"
        f"| the first build after installing (compiles the template cache) "
        f"| {first.seconds:.2f} s | | {first.peak_mb:,.0f} MB |"
    )
    verdicts.append(
        (
            f"`geo build` at {BUILD_SIZE:,} events under {BUILD_MAX_S:g} s",
            f"{timed.seconds:.2f} s",
            "PASS" if timed.seconds < BUILD_MAX_S else "FAIL",
        )
    )
    verdicts.append((f"its setup (imports, boundaries, specs) under {SETUP_MAX_S:g} s",
                     f"{setup:.2f} s", "PASS" if setup < SETUP_MAX_S else "FAIL"))  # fmt: skip

    out = [
        "# Whole commands",
        "",
        "Each command ran in a fresh process, as a user runs it; the naive pipeline is "
        "[`benchmarks/naive_join.py`](benchmarks/naive_join.py), written out in full; the raw "
        "floor is [`benchmarks/raw_join.py`](benchmarks/raw_join.py) (the same columns with "
        "the libraries' fastest calls and no checks). "
        f"Median of {args.repeat} alternating rounds (naive, raw, tool) at every size; "
        '"each round" gives the lowest and highest naive ÷ tool of a single round, '
        "how far the machine's load moves the ratio. "
        "Synthetic events (`geo.incidents.synth`, seed 0), real COD-AB boundaries.",
        "",
        f"On this machine, writing memory no process has touched lately took {cold:.2f} s "
        f"per GiB (memory just freed: {warm:.2f} s per GiB), so a command's peak memory is "
        "part of its time.",
        "",
        "| events | `geo join … --out j.parquet` | peak | naive pipeline | peak "
        "| naive ÷ tool | each round | raw floor | tool ÷ raw | naive ÷ raw |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {n:,} | {t:.2f} s | {m:,.0f} MB | {tn:.2f} s | {mn:,.0f} MB | **{times(r)}** "
            f"| {sp} | {tr:.2f} s | {t / tr:.2f} | {tn / tr:.2f}x |"
            for n, t, m, tn, mn, r, sp, tr in rows
        ),
        "",
        "| command | wall time | setup | peak |",
        "|---|---:|---:|---:|",
        build_line,
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in verdicts),
        "",
        "## Profiles of `geo join` (top 10 cumulative, geo and library frames)",
        "",
    ]
    for n, text in profiles:
        out += [f"{n:,} events:", "", "```text", text, "```", ""]
    report = "\n".join(out)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0 if all(v[2] == "PASS" for v in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
