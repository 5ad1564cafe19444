"""The table jobs behind ``geo join`` and ``geo stats``: files in, tables with provenance out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from geo import export, provenance
from geo.boundaries.load import project_provenance
from geo.boundaries.resolve import resolve_boundaries
from geo.incidents import load_incidents
from geo.join import JoinResult, join_events
from geo.layers import project_layers


def _joined(
    inputs: Sequence[Path],
    *,
    fmt: str,
    boundaries: Path | None,
    is_only: bool,
    date_from: dt.date | None,
    date_to: dt.date | None,
    roles: Sequence[str] = (),
):
    loaded = load_incidents(
        list(inputs),
        format=fmt,
        is_only=is_only,
        date_from=date_from,
        date_to=date_to,
        roles=roles,
    )
    resolved = resolve_boundaries(boundaries)
    layers = project_layers(resolved.boundaries)
    joined: JoinResult = join_events(loaded.events, layers)
    prov = provenance.build(
        inputs=loaded.datasets,
        filters=loaded.filters,
        boundaries=resolved.boundaries.source,
        extra_sources=project_provenance(),
    )
    return loaded, resolved, layers, joined, prov


def join_file(
    inputs: Sequence[Path],
    *,
    out: Path,
    fmt: str = "auto",
    boundaries: Path | None = None,
    is_only: bool = False,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    roles: Sequence[str] = (),
) -> str:
    """Join incident files to every area and zone and write the table; return a summary."""
    export.check_events_path(out)  # fail before the work, not after it
    loaded, resolved, _layers, joined, prov = _joined(
        inputs,
        fmt=fmt,
        boundaries=boundaries,
        is_only=is_only,
        date_from=date_from,
        date_to=date_to,
        roles=roles,
    )
    path = export.write_events(joined.events, out, provenance=prov)
    return "\n".join(
        [
            loaded.summary(),
            f"boundaries: {resolved.detail}",
            joined.report.summary(),
            f"wrote {len(joined.events)} events to {path}",
        ]
    )


def stats_file(
    inputs: Sequence[Path],
    *,
    out: Path,
    by: str = "district",
    period: str = "month",
    fmt: str = "auto",
    boundaries: Path | None = None,
    is_only: bool = False,
    include_coarse: bool = False,
    seam: bool = False,
    roles: Sequence[str] = (),
) -> str:
    """Aggregate incident files per area × period × type (or seam bands); return a summary."""
    from geo import aggregate  # only the stats command needs it

    export.check_table_path(out)
    loaded, resolved, layers, joined, prov = _joined(
        inputs,
        fmt=fmt,
        boundaries=boundaries,
        is_only=is_only,
        date_from=None,
        date_to=None,
        roles=roles,
    )
    if seam:
        table = aggregate.seam_stats(joined.events)
    else:
        table = aggregate.aggregate(
            joined.events, layers, by=by, period=period, include_coarse=include_coarse
        )
    path = export.write_table(table, out, provenance=prov)
    return "\n".join(
        [
            loaded.summary(),
            f"boundaries: {resolved.detail}",
            joined.report.summary(),
            f"wrote {len(table)} rows to {path}",
        ]
    )
