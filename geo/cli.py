"""The ``geo`` command: parse arguments, call the library, print errors as one line.

Everything here is a thin layer over functions you can call from Python;
:func:`main` returns an exit code instead of exiting, so tests call
``main([...])`` in-process.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError

import geo
from geo import prefetch
from geo.cli_options import (
    BoundariesOpt,
    By,
    DateFormatOpt,
    FixSwappedOpt,
    FormatOpt,
    FromOpt,
    IsOnlyOpt,
    KrgLineOpt,
    LatOpt,
    LonOpt,
    RoleOpt,
    ToOpt,
    date_range,
    parse_date,
    read_options,
    selection_of,
)
from geo.constants import Period
from geo.errors import GeoError, InputError

# A command spreads its work over the cores itself (geo.prefetch, geo.ahead, geo.measure);
# the KD-tree's OpenMP threads on top of that only compete with it (about a tenth of
# `geo join`'s time on two cores). Set before any command loads pykdtree; a user's own wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")

app = typer.Typer(
    name="geo",
    help="Map Islamic State activity in Iraq's disputed territories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
boundaries_app = typer.Typer(help="Get, check and list boundary layers.", no_args_is_help=True)
incidents_app = typer.Typer(
    help="Fetch real incident data (UCDP, ACLED), check files, generate synthetic events.",
    no_args_is_help=True,
)
fetch_app = typer.Typer(
    help="Download incident data for Iraq into the cache (UCDP GED open; ACLED with an account).",
    no_args_is_help=True,
)
incidents_app.add_typer(fetch_app, name="fetch")
assets_app = typer.Typer(
    help="Fill and check the offline JavaScript/CSS cache.", no_args_is_help=True
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"disputed-maps {geo.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Map Islamic State activity in Iraq's disputed territories."""


app.add_typer(boundaries_app, name="boundaries")
app.add_typer(incidents_app, name="incidents")
app.add_typer(assets_app, name="assets")


def _echo(text: str) -> None:
    typer.echo(text)


@contextlib.contextmanager
def _importing() -> Iterator[None]:
    """Import a command's libraries with the cycle collector paused, then freeze what they made.

    pandas, geopandas, pyarrow and shapely leave some 150,000 long-lived objects, and
    every full collection afterwards walks them all: 0.15 s of ``geo join`` on 200,000
    events, in pauses of up to 60 ms on the main thread. Frozen (:func:`gc.freeze`), they
    are out of the collector's reach, which then runs as usual on what the command
    makes; :func:`main` thaws them when the command ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _progress() -> tuple[Any, Callable[[str], None] | None]:
    # a rich status line on stderr, silent when not a terminal
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        return None, None
    status = console.status("starting")
    status.start()
    return status, (lambda msg: status.update(f"building: {msg}"))


@app.command()
def build(
    maps: Annotated[list[str] | None, typer.Argument(help="Map names (default: all).")] = None,
    incidents: Annotated[
        list[Path] | None,
        typer.Option(
            "--incidents",
            "-i",
            help="Incident file(s) or joined table(s); default: the shipped sample.",
        ),
    ] = None,
    fmt: FormatOpt = "auto",
    lat: LatOpt = None,
    lon: LonOpt = None,
    date_format: DateFormatOpt = None,
    fix_swapped: FixSwappedOpt = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    is_only: IsOnlyOpt = None,
    role: RoleOpt = None,
    boundaries: BoundariesOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild unchanged maps too.")] = False,
    png: Annotated[bool, typer.Option("--png", help="Also write a PNG of each map.")] = False,
    aggregates_only: Annotated[
        bool, typer.Option("--aggregates-only", help="Leave raw event points out of every map.")
    ] = False,
    include_rows: Annotated[
        bool,
        typer.Option(
            "--include-rows",
            help="Embed the event rows even when their licence forbids republishing them "
            "(ACLED); such pages carry a 'contains licensed rows — internal use' banner.",
        ),
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Build even when no event is accepted (otherwise refused, maps untouched).",
        ),
    ] = False,
    maps_dir: Annotated[
        Path | None,
        typer.Option(
            "--maps-dir", help="Folder of your own map specs (*.toml) instead of the shipped ones."
        ),
    ] = None,
    krg_line: KrgLineOpt = None,
) -> None:
    """Build every map (or the named ones) and the index page."""
    with prefetch.reading(incidents or ()):  # read while the libraries load
        with _importing():
            from geo import pipeline
            from geo.incidents.roles import parse_roles

        lo, hi = date_range(date_from, date_to)
        status, progress = _progress()
        try:
            report = pipeline.build(
                tuple(maps or ()),
                incidents=tuple(incidents or ()),
                incident_format=fmt,
                read_options=read_options(
                    lat=lat, lon=lon, date_format=date_format, fix_swapped=fix_swapped
                ),
                out=out,
                date_from=lo,
                date_to=hi,
                is_only=False if is_only is None and role else is_only,
                boundaries=boundaries,
                force=force,
                png=png,
                aggregates_only=aggregates_only,
                include_rows=include_rows,
                allow_empty=allow_empty,
                maps_dir=maps_dir,
                roles=parse_roles(role),
                krg_line=krg_line,
                progress=progress,
            )
        finally:
            if status is not None:
                status.stop()
        _echo(report.summary())


@app.command("maps")
def list_maps(
    maps_dir: Annotated[
        Path | None, typer.Option("--maps-dir", help="Folder of map specs.")
    ] = None,
) -> None:
    """List the map specs (the shipped ones, or those in --maps-dir)."""
    from geo.spec import load_specs

    for spec in load_specs(folder=maps_dir):
        _echo(f"{spec.name:16} {spec.title} — {spec.description}")


@app.command()
def join(
    input: Annotated[list[Path], typer.Argument(help="Incident file(s) or joined table(s).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output .parquet, .gpkg, .geojson or .csv")
    ],
    fmt: FormatOpt = "auto",
    lat: LatOpt = None,
    lon: LonOpt = None,
    date_format: DateFormatOpt = None,
    fix_swapped: FixSwappedOpt = False,
    boundaries: BoundariesOpt = None,
    is_only: IsOnlyOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    role: RoleOpt = None,
    krg_line: KrgLineOpt = None,
) -> None:
    """Place every event in its areas and zones, with distances; write a table."""
    with prefetch.reading(input):  # the files are read while the libraries load
        with _importing():
            from geo import analysis

        selection = selection_of(
            input,
            fmt=fmt,
            boundaries=boundaries,
            is_only=is_only,
            role=role,
            date_from=date_from,
            date_to=date_to,
            krg_line=krg_line,
            options=read_options(
                lat=lat, lon=lon, date_format=date_format, fix_swapped=fix_swapped
            ),
        )
        report = analysis.join_file(selection, out=out)
    _echo(report)


@app.command()
def stats(
    input: Annotated[list[Path], typer.Argument(help="Incident file(s) or joined table(s).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .csv, .md or .parquet")],
    by: Annotated[
        By | None,
        typer.Option(
            "--by",
            help="Areas to count by (default district); with --hotspots: governorate, district, "
            "subdistrict or hex; not with --seam.",
        ),
    ] = None,
    period: Annotated[
        Period | None,
        typer.Option(
            "--period",
            help="Period of each row (default month); with --hotspots: month, quarter or year "
            "for the space-time result (default: none); not with --seam.",
        ),
    ] = None,
    fmt: FormatOpt = "auto",
    lat: LatOpt = None,
    lon: LonOpt = None,
    date_format: DateFormatOpt = None,
    fix_swapped: FixSwappedOpt = False,
    boundaries: BoundariesOpt = None,
    is_only: IsOnlyOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    role: RoleOpt = None,
    include_coarse: Annotated[
        bool,
        typer.Option(
            "--include-coarse",
            help="Count area-centroid events at levels finer than their precision (and in "
            "the seam statistics).",
        ),
    ] = False,
    hotspot: Annotated[
        bool,
        typer.Option(
            "--hotspots",
            help="Write Getis-Ord Gi* hot spots per area instead (with --period: trends and "
            "emerging hot spots).",
        ),
    ] = False,
    seam: Annotated[
        bool,
        typer.Option(
            "--seam", help="Write seam statistics (bands × sides of the KRG line) instead."
        ),
    ] = False,
    krg_line: KrgLineOpt = None,
) -> None:
    """Count events and fatalities per area × period × type (or seam statistics, or hot spots)."""
    with prefetch.reading(input):  # the files are read while the libraries load
        with _importing():
            from geo import analysis

        if seam and (by is not None or period is not None):
            raise typer.BadParameter(
                "seam statistics are by distance band and side of the KRG line, not by area or "
                "period; drop --by/--period or --seam",
                param_hint="'--seam'",
            )
        selection = selection_of(
            input,
            fmt=fmt,
            boundaries=boundaries,
            is_only=is_only,
            role=role,
            date_from=date_from,
            date_to=date_to,
            krg_line=krg_line,
            options=read_options(
                lat=lat, lon=lon, date_format=date_format, fix_swapped=fix_swapped
            ),
        )
        _echo(
            analysis.stats_file(
                selection,
                out=out,
                by=by or "district",
                period=period,
                include_coarse=include_coarse,
                seam=seam,
                hotspot=hotspot,
            )
        )


@app.command()
def doctor() -> None:
    """Say what is ready (boundaries, assets, browser, sample) and what to run next."""
    from geo import doctor as doc

    _echo(doc.report())


@app.command()
def version() -> None:
    """Print the tool's version."""
    _echo(f"disputed-maps {geo.__version__}")


# --- geo boundaries ----------------------------------------------------------------------


@boundaries_app.command("fetch")
def boundaries_fetch(
    source: Annotated[str, typer.Argument(help="Source key.")] = "geoboundaries",
    mirror: Annotated[
        str | None, typer.Option("--mirror", help="Base URL of a mirror that holds the same files.")
    ] = None,
) -> None:
    """Download a boundary source, verify hash and size, and cache it."""
    from geo import boundaries

    _echo(boundaries.fetch(source, mirror=mirror, progress=sys.stderr.isatty()).summary())


@boundaries_app.command("import")
def boundaries_import(
    path: Annotated[Path, typer.Argument(help="Folder or zip with the boundary files.")],
    allow_unverified: Annotated[
        bool,
        typer.Option(
            "--allow-unverified",
            help="Accept files whose sha256 differs from the pinned release (a newer release); "
            "the actual hashes are recorded.",
        ),
    ] = False,
) -> None:
    """Import a local copy (folder or zip), verify it and copy it into the cache."""
    from geo import boundaries

    _echo(boundaries.import_boundaries(path, allow_unverified=allow_unverified).summary())


@boundaries_app.command("list")
def boundaries_list() -> None:
    """List every layer: source, licence, features, where cached."""
    from geo import boundaries

    rows = boundaries.list_layers()
    _echo(f"{len(rows)} layers (boundary sources first, then the project's own layers):")
    for row in rows:
        _echo(row.line())


# --- geo incidents -----------------------------------------------------------------------


@incidents_app.command("check")
def incidents_check(
    path: Annotated[list[Path], typer.Argument(help="Incident file(s).")],
    fmt: FormatOpt = "auto",
    lat: LatOpt = None,
    lon: LonOpt = None,
    date_format: DateFormatOpt = None,
    fix_swapped: FixSwappedOpt = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the rejected rows to this CSV.")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 5 when any row is rejected (for scripts)."),
    ] = False,
) -> None:
    """Read incident files and report rows read, accepted, rejected and flagged."""
    from geo import incidents

    result = incidents.load_incidents(
        path,
        format=fmt,
        **read_options(lat=lat, lon=lon, date_format=date_format, fix_swapped=fix_swapped),
    )
    _echo(result.summary())
    if out is not None:
        written = incidents.write_rejections(result, out)
        _echo(f"rejected rows written to {written}")
    if strict and result.rows_rejected:
        raise InputError(
            f"{result.rows_rejected:,} row(s) rejected of {result.rows_read:,} (--strict)",
            hint="see the rejection reasons above; write them with --out rejected.csv",
        )


@fetch_app.command("ucdp")
def incidents_fetch_ucdp(
    version: Annotated[
        str | None,
        typer.Option("--version", help="GED version, e.g. 25.1 (default: the newest known)."),
    ] = None,
    candidate: Annotated[
        bool,
        typer.Option("--candidate", help="Also fetch the monthly Candidate files after it."),
    ] = False,
    mirror: Annotated[
        str | None,
        typer.Option("--mirror", help="Base URL of a copy holding the same file names."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace cached rows whose download differs from the first."),
    ] = False,
) -> None:
    """Download UCDP GED (CC BY 4.0), keep Iraq's rows and cache them with provenance."""
    from geo.incidents import fetch_ucdp as fu

    report = fu.fetch_ucdp(
        version or fu.DEFAULT_VERSION,
        candidate=candidate,
        mirror=mirror,
        force=force,
        progress=sys.stderr.isatty(),
    )
    _echo(report.summary())


@fetch_app.command("acled")
def incidents_fetch_acled(
    date_from: Annotated[
        str | None, typer.Option("--from", help="First event date, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last event date, YYYY-MM-DD.")
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Fetch every row again, not only what changed since last."),
    ] = False,
) -> None:
    """Fetch ACLED's Iraq events through its API (account: ACLED_EMAIL/ACLED_PASSWORD or a prompt).

    The first run fetches the period; later runs fetch only rows changed since the
    last one and apply ACLED's deletions. Credentials are never stored.
    """
    from geo.incidents import fetch_acled as fa

    report = fa.fetch_acled(
        date_from=parse_date(date_from, "--from"), date_to=parse_date(date_to, "--to"), full=full
    )
    _echo(report.summary())


@incidents_app.command("list")
def incidents_list() -> None:
    """Show the incident data in the cache and which one `geo build` uses by default."""
    from geo.incidents import store

    for line in store.listing():
        _echo(line)


@incidents_app.command("synth")
def incidents_synth(
    n: Annotated[int, typer.Option("--n", min=1, help="Number of events (1 or more).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV.")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
) -> None:
    """Write deterministic synthetic events (ACLED layout, labelled synthetic), for tests only."""
    from geo.incidents import synth

    _echo(synth.write_synthetic(n, seed=seed, out=out).summary())


# --- geo assets --------------------------------------------------------------------------


@assets_app.command("fetch")
def assets_fetch(
    mirror: Annotated[str | None, typer.Option("--mirror")] = None,
) -> None:
    """Fetch the pinned Leaflet/plugin files into the cache and verify their sha256."""
    from geo import assets

    _echo(assets.fetch(mirror=mirror).summary())


@assets_app.command("status")
def assets_status() -> None:
    """Say which offline assets are cached and valid."""
    from geo import assets

    _echo(assets.status().summary())


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Parameters
    ----------
    argv
        Arguments without the program name; ``None`` reads ``sys.argv``.
    """
    thaw = gc.get_freeze_count() == 0  # what a command froze (_importing), not a caller
    try:
        # not standalone: usage errors come back here and are printed as one line
        result = app(args=argv, prog_name="geo", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        print("geo: interrupted", file=sys.stderr)
        return 130
    except UsageError as exc:
        if isinstance(exc, NoArgsIsHelpError):  # bare `geo` or `geo incidents`: the help
            print(exc.ctx.get_help() if exc.ctx else exc.format_message())
            return exc.exit_code
        where = exc.ctx.command_path if exc.ctx else "geo"
        message = " ".join(exc.format_message().split())
        print(
            f"geo: error: {message} — see `{where} --help` for the options and choices",
            file=sys.stderr,
        )
        return exc.exit_code
    except GeoError as exc:
        print(f"geo: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("geo: interrupted", file=sys.stderr)
        return 130
    finally:
        if thaw:
            gc.unfreeze()  # a process that runs commands again (the tests) collects as before
    return result if isinstance(result, int) else 0


def run() -> NoReturn:
    """Run the ``geo`` command and leave without tearing the interpreter down.

    Once a command has written its outputs and printed its report, freeing every
    module and object one by one (pandas' and pyarrow's caches, a million shapely
    points) takes 0.1-0.5 s and changes nothing. So the exit handlers run (temporary
    folders, logging), the streams are flushed, and the process ends at once.
    """
    code = main()
    atexit._run_exitfuncs()  # what a normal exit runs first: finalizers, logging
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`geo … | head`)
            code = code or 1
    os._exit(code)
