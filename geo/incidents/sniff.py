"""Which reader a CSV file needs, and whether it is an incident table at all."""

from __future__ import annotations

import csv
from pathlib import Path

from geo import formats
from geo.errors import InputError
from geo.incidents import acled, table, ucdp
from geo.incidents.encoding import Content
from geo.incidents.result import Format


def choose_format(path: Path, columns: list[str], requested: Format) -> str:
    """Return the reader a CSV header calls for: ``requested``, or detected with ``auto``."""
    names = set(columns)
    if requested == "auto":
        return formats.detect(names)
    required = {"acled": acled.REQUIRED, "ucdp": ucdp.REQUIRED}.get(requested, ())
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(
            f"{path}: line 1: missing {requested.upper()} column(s) {', '.join(missing)}",
            hint="check the export, or choose another format (--format)",
        )
    return requested


def check_is_incident_table(
    path: Path, body: Content, *, lat_col: str | None, lon_col: str | None
) -> None:
    """Refuse a file whose first line names no date and no coordinate column.

    Such a file (a README, a report, a spreadsheet of something else) is not
    an incident table; saying so beats a parser error deeper in the file.
    """
    head = bytes(body[: 1 << 16]).decode("utf-8", errors="replace")
    first = next(iter(head.splitlines()), "")
    try:
        names = next(csv.reader([first]), [])
    except csv.Error:
        names = [first]
    names = [n.strip() for n in names]
    wanted = set(names)
    if acled.looks_like(wanted) or ucdp.looks_like(wanted):
        return
    date = table.find_column(names, table.DATE_NAMES)
    lat = table.find_column(names, (lat_col.lower(),) if lat_col else table.LAT_NAMES)
    lon = table.find_column(names, (lon_col.lower(),) if lon_col else table.LON_NAMES)
    if date is None and (lat is None or lon is None):
        shown = ", ".join(repr(n[:40]) for n in names[:8]) + (" …" if len(names) > 8 else "")
        raise InputError(
            f"{path}: not an incident table: no date column ({'/'.join(table.DATE_NAMES)}) "
            f"and no latitude/longitude columns in line 1, which has {len(names)} "
            f"column(s): {shown}",
            hint="pass an ACLED, UCDP GED, CSV, GeoJSON or GeoPackage incident file "
            "(or name its columns with --lat/--lon)",
        )
