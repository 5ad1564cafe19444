"""The options shared by the ``geo`` commands that read incidents, and their checks.

Every command that reads incident files takes the same options, declared once
here as ``Annotated`` types; the helpers turn them into the library's arguments
and refuse bad values (malformed dates, unknown roles) as usage errors (exit 2)
before any file is loaded (the first may already be read ahead: :mod:`geo.prefetch`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from geo.constants import AreaUnit
from geo.errors import GeoError

if TYPE_CHECKING:  # geo.analysis imports pandas: only once a command runs
    from geo.analysis import Selection


def parse_date(value: str | None, option: str) -> dt.date | None:
    """Return an option's ``YYYY-MM-DD`` value as a date; a usage error when malformed."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date: write it as YYYY-MM-DD", param_hint=f"'{option}'"
        ) from exc


# --- shared options: every command that reads incidents takes the same ones -------------

InputFormat = Literal["auto", "acled", "ucdp", "csv", "geojson", "gpkg", "joined"]
By = Literal[AreaUnit, "hex"]  # hex: hot spots only

FormatOpt = Annotated[
    InputFormat,
    typer.Option(
        "--format",
        help="Reader: auto (from the header or file type), acled, ucdp, csv, geojson, gpkg, "
        "or joined (a table geo join wrote).",
    ),
]
LatOpt = Annotated[str | None, typer.Option("--lat", help="Latitude column name (plain CSV).")]
LonOpt = Annotated[str | None, typer.Option("--lon", help="Longitude column name (plain CSV).")]
DateFormatOpt = Annotated[
    str | None,
    typer.Option("--date-format", help="strftime format for every date, e.g. %d/%m/%Y."),
]
FixSwappedOpt = Annotated[
    bool,
    typer.Option("--fix-swapped", help="Swap lat/lon where only the swapped point is in Iraq."),
]
IsOnlyOpt = Annotated[
    bool | None,
    typer.Option(
        "--is-only/--all-events",
        help="IS-involved events only (role other than none) — the default for build, join "
        "and stats (build: as each map spec says) — or every event.",
    ),
]
FromOpt = Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")]


def _role_choice(value: str | None) -> str | None:
    """Refuse an unknown ``--role`` name as a usage error (exit 2), before any work."""
    if value is not None:
        from geo.incidents.roles import parse_roles

        try:
            parse_roles(value)
        except GeoError as exc:
            raise typer.BadParameter(str(exc)) from exc
    return value


RoleOpt = Annotated[
    str | None,
    typer.Option(
        "--role",
        callback=_role_choice,
        help="Keep only these roles, comma-separated: attack (IS attacks), against "
        "(operations against IS), clash, none.",
    ),
]

BoundariesOpt = Annotated[
    Path | None,
    typer.Option("--boundaries", help="Boundary folder or zip to use instead of the cache."),
]
KrgLineOpt = Annotated[
    Path | None,
    typer.Option(
        "--krg-line",
        help="GeoJSON/GeoPackage line or polygon to use as the KRG line instead of the "
        "2019 administrative boundary of the Kurdistan Region (a proxy).",
    ),
]


def _is_only(flag: bool | None, role: str | None) -> bool:
    """Return the IS-only choice: as given, else IS-only unless ``--role`` names the roles."""
    return flag if flag is not None else not role


def read_options(
    *, lat: str | None, lon: str | None, date_format: str | None, fix_swapped: bool
) -> dict[str, Any]:
    """Return the reader options of :func:`geo.incidents.load_incidents` from the CLI's."""
    return {"lat_col": lat, "lon_col": lon, "date_format": date_format, "fix_swapped": fix_swapped}


def date_range(date_from: str | None, date_to: str | None) -> tuple[dt.date | None, dt.date | None]:
    """Return ``--from``/``--to`` as dates; a usage error (exit 2) when malformed or reversed."""
    lo, hi = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if lo is not None and hi is not None and lo > hi:
        raise typer.BadParameter(
            f"--from {lo} is after --to {hi}; swap them", param_hint="'--from'/'--to'"
        )
    return lo, hi


def selection_of(
    inputs: list[Path],
    *,
    fmt: InputFormat,
    boundaries: Path | None,
    is_only: bool | None,
    role: str | None,
    date_from: str | None,
    date_to: str | None,
    krg_line: Path | None,
    options: dict[str, Any],
) -> Selection:
    """Return the :class:`geo.analysis.Selection` of ``geo join`` and ``geo stats``' options.

    Dates, roles and the IS-only choice are checked here: a usage error (exit 2)
    before any file is loaded.
    """
    from geo.analysis import Selection
    from geo.incidents.roles import parse_roles

    lo, hi = date_range(date_from, date_to)
    return Selection(
        inputs,
        fmt=fmt,
        boundaries=boundaries,
        is_only=_is_only(is_only, role),
        date_from=lo,
        date_to=hi,
        roles=parse_roles(role),
        krg_line=krg_line,
        read_options=options,
    )
