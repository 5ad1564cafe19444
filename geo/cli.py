"""The ``geo`` command: parse arguments, call the library, print errors as one line.

Everything here is a thin layer over functions you can call from Python;
:func:`main` returns an exit code instead of exiting, so tests call
``main([...])`` in-process.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

import geo
from geo.errors import GeoError

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
app.add_typer(boundaries_app, name="boundaries")
app.add_typer(incidents_app, name="incidents")
app.add_typer(assets_app, name="assets")


def _echo(text: str) -> None:
    typer.echo(text)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise GeoError(f"{option} {value!r} is not a date", hint="write it as YYYY-MM-DD") from exc


def _progress():  # a rich status line on stderr, silent when not a terminal
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
        typer.Option("--incidents", "-i", help="Incident file(s); default: the shipped sample."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="auto, acled, ucdp, csv, geojson, gpkg")
    ] = "auto",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = None,
    boundaries: Annotated[
        Path | None,
        typer.Option("--boundaries", help="Boundary folder or zip to use instead of the cache."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild unchanged maps too.")] = False,
    png: Annotated[bool, typer.Option("--png", help="Also write a PNG of each map.")] = False,
    aggregates_only: Annotated[
        bool, typer.Option("--aggregates-only", help="Leave raw event points out of every map.")
    ] = False,
    maps_dir: Annotated[
        Path | None,
        typer.Option(
            "--maps-dir", help="Folder of your own map specs (*.toml) instead of the shipped ones."
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="Keep only these roles, comma-separated: attack (IS attacks), against "
            "(operations against IS), clash, none.",
        ),
    ] = None,
) -> None:
    """Build every map (or the named ones) and the index page."""
    from geo import pipeline
    from geo.incidents.roles import parse_roles

    status, progress = _progress()
    try:
        report = pipeline.build(
            tuple(maps or ()),
            incidents=tuple(incidents or ()),
            incident_format=fmt,
            out=out,
            date_from=_date(date_from, "--from"),
            date_to=_date(date_to, "--to"),
            boundaries=boundaries,
            force=force,
            png=png,
            aggregates_only=aggregates_only,
            maps_dir=maps_dir,
            roles=parse_roles(role),
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
    input: Annotated[list[Path], typer.Argument(help="Incident file(s).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output .parquet, .gpkg, .geojson or .csv")
    ],
    fmt: Annotated[str, typer.Option("--format")] = "auto",
    boundaries: Annotated[Path | None, typer.Option("--boundaries")] = None,
    is_only: Annotated[bool, typer.Option("--is-only", help="Keep IS events only.")] = False,
    date_from: Annotated[str | None, typer.Option("--from")] = None,
    date_to: Annotated[str | None, typer.Option("--to")] = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="Keep only these roles, comma-separated: attack (IS attacks), against "
            "(operations against IS), clash, none.",
        ),
    ] = None,
) -> None:
    """Place every event in its areas and zones, with distances; write a table."""
    from geo import analysis
    from geo.incidents.roles import parse_roles

    report = analysis.join_file(
        input,
        out=out,
        fmt=fmt,
        boundaries=boundaries,
        is_only=is_only,
        date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"),
        roles=parse_roles(role),
    )
    _echo(report)


@app.command()
def stats(
    input: Annotated[list[Path], typer.Argument(help="Incident file(s) or a joined table.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .csv, .md or .parquet")],
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="governorate, district, subdistrict, unami-2009, article-140-wide, "
            "krg-area, hamrin-area; with --hotspots: governorate, district, subdistrict, hex",
        ),
    ] = "district",
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="week, month, quarter, year, all (default month); with --hotspots: month, "
            "quarter or year for the space-time result (default: none)",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format")] = "auto",
    boundaries: Annotated[Path | None, typer.Option("--boundaries")] = None,
    is_only: Annotated[bool, typer.Option("--is-only")] = False,
    include_coarse: Annotated[
        bool,
        typer.Option(
            "--include-coarse",
            help="Count area-centroid events at levels finer than their precision.",
        ),
    ] = False,
    seam: Annotated[bool, typer.Option("--seam", help="Write seam statistics instead.")] = False,
    hotspot: Annotated[
        bool,
        typer.Option(
            "--hotspots",
            help="Write Getis-Ord Gi* hot spots per area instead (with --period: trends and "
            "emerging hot spots).",
        ),
    ] = False,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="Keep only these roles, comma-separated: attack (IS attacks), against "
            "(operations against IS), clash, none.",
        ),
    ] = None,
) -> None:
    """Count events and fatalities per area × period × type (or seam statistics, or hot spots)."""
    from geo import analysis
    from geo.incidents.roles import parse_roles

    _echo(
        analysis.stats_file(
            input,
            out=out,
            by=by,
            period=period,
            fmt=fmt,
            boundaries=boundaries,
            is_only=is_only,
            include_coarse=include_coarse,
            seam=seam,
            hotspot=hotspot,
            roles=parse_roles(role),
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
    fmt: Annotated[str, typer.Option("--format")] = "auto",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the rejected rows to this CSV.")
    ] = None,
    lat: Annotated[str | None, typer.Option("--lat", help="Latitude column name.")] = None,
    lon: Annotated[str | None, typer.Option("--lon", help="Longitude column name.")] = None,
    fix_swapped: Annotated[
        bool,
        typer.Option("--fix-swapped", help="Swap lat/lon where only the swapped point is in Iraq."),
    ] = False,
    date_format: Annotated[
        str | None,
        typer.Option("--date-format", help="strftime format for slashed dates, e.g. %d/%m/%Y."),
    ] = None,
) -> None:
    """Read incident files and report rows read, accepted, rejected and flagged."""
    from geo import incidents

    result = incidents.load_incidents(
        path, format=fmt, lat_col=lat, lon_col=lon, fix_swapped=fix_swapped, date_format=date_format
    )
    _echo(result.summary())
    if out is not None:
        written = incidents.write_rejections(result, out)
        _echo(f"rejected rows written to {written}")


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
        date_from=_date(date_from, "--from"), date_to=_date(date_to, "--to"), full=full
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
    n: Annotated[int, typer.Option("--n", help="Number of events.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV.")],
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Write deterministic synthetic events (ACLED layout), for scale tests only."""
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
    try:
        # standalone mode: typer prints usage errors and help itself, then exits
        app(args=argv, prog_name="geo", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except GeoError as exc:
        print(f"geo: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("geo: interrupted", file=sys.stderr)
        return 130
    return 0
