"""The table jobs behind ``geo join`` and ``geo stats``: files in, tables with provenance out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from geo import export, provenance
from geo.boundaries.resolve import Resolved, resolve_boundaries
from geo.errors import ValidationError
from geo.incidents import Format, LoadResult, load_incidents
from geo.join import JoinResult, join_events
from geo.layers import project_layers, used_provenance
from geo.place import PlaceResult, place_events
from geo.types import ProjectLayers, Provenance
from geo.userline import user_krg_line

if TYPE_CHECKING:  # aggregate is imported only by the stats command
    from geo.aggregate import By
    from geo.constants import Period


def _joined(
    inputs: Sequence[Path],
    *,
    fmt: Format,
    boundaries: Path | None,
    is_only: bool,
    date_from: dt.date | None,
    date_to: dt.date | None,
    roles: Sequence[str] = (),
    krg_line: Path | None = None,
    read_options: Mapping[str, Any] | None = None,
    points: bool = True,
) -> tuple[LoadResult, Resolved, ProjectLayers, JoinResult, dict[str, Any], PlaceResult]:
    loaded = load_incidents(
        list(inputs),
        format=fmt,
        is_only=is_only,
        date_from=date_from,
        date_to=date_to,
        roles=roles,
        points=points,
        **dict(read_options or {}),
    )
    resolved = resolve_boundaries(boundaries)
    layers = project_layers(resolved.boundaries)
    line_sources: tuple[Provenance, ...] = ()
    if krg_line is not None:
        layers, line_prov = user_krg_line(layers, krg_line)
        line_sources = (line_prov,)
    placed = place_events(loaded.events, layers)
    joined: JoinResult = join_events(placed.events, layers)
    prov = provenance.build(
        inputs=loaded.datasets,
        filters=loaded.filters,
        boundaries=resolved.boundaries.source,
        extra_sources=(*used_provenance(), *line_sources),
    )
    return loaded, resolved, layers, joined, prov, placed


def join_file(
    inputs: Sequence[Path],
    *,
    out: Path,
    fmt: Format = "auto",
    boundaries: Path | None = None,
    is_only: bool = True,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    roles: Sequence[str] = (),
    krg_line: Path | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> str:
    """Join incident files to every area and zone and write the table; return a summary.

    ``is_only`` (the default, as for ``build`` and ``stats``) keeps IS-involved
    events only; ``read_options`` go to :func:`geo.incidents.load_incidents`.
    """
    export.check_events_path(out)  # fail before the work, not after it
    loaded, resolved, _layers, joined, prov, placed = _joined(
        inputs,
        fmt=fmt,
        boundaries=boundaries,
        is_only=is_only,
        date_from=date_from,
        date_to=date_to,
        roles=roles,
        krg_line=krg_line,
        read_options=read_options,
        points=False,  # the writer takes the points from longitude/latitude
    )
    path = export.write_events(joined.events, out, provenance=prov)
    return "\n".join(
        [
            loaded.summary(),
            f"boundaries: {resolved.detail}",
            *([placed.summary()] if placed.placed or len(placed.unplaced) else []),
            joined.report.summary(),
            f"wrote {len(joined.events)} events to {path}",
        ]
    )


def stats_file(
    inputs: Sequence[Path],
    *,
    out: Path,
    by: str = "district",
    period: str | None = None,
    fmt: Format = "auto",
    boundaries: Path | None = None,
    is_only: bool = True,
    include_coarse: bool = False,
    seam: bool = False,
    hotspot: bool = False,
    roles: Sequence[str] = (),
    krg_line: Path | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> str:
    """Aggregate incident files per area × period × type (or seam bands); return a summary.

    Inputs may be incident files or tables ``geo join`` wrote (any of its
    formats); their provenance (licence, citation) carries through.
    ``include_coarse`` applies to the seam statistics too. ``period`` defaults
    to ``month`` for counts and to none (one Gi* over the whole span) for
    ``hotspot``, which writes :func:`geo.hotspots.hotspots`' table with the
    method and the left-out events in the provenance.
    """
    from geo import aggregate, hotspots  # only the stats command needs them

    export.check_table_path(out)
    if hotspot and (seam or include_coarse):
        raise ValidationError(
            "--hotspots cannot be combined with --seam or --include-coarse",
            hint="hot spots count only events located at least as precisely as the unit",
        )
    loaded, resolved, layers, joined, prov, placed = _joined(
        inputs,
        fmt=fmt,
        boundaries=boundaries,
        is_only=is_only,
        date_from=date_from,
        date_to=date_to,
        roles=roles,
        krg_line=krg_line,
        read_options=read_options,
    )
    notes: tuple[str, ...] = ()
    if seam:
        table = aggregate.seam_stats(joined.events, include_coarse=include_coarse)
    elif hotspot:
        result = hotspots.hotspots(joined.events, layers, by=by, period=period)  # type: ignore[arg-type]
        table, notes = result.table, result.notes
        prov = {**prov, "method": result.method, "notes": list(notes)}
    else:
        table = aggregate.aggregate(
            joined.events,
            layers,
            by=cast("By", by),
            period=cast("Period", period or "month"),
            include_coarse=include_coarse,
        )
    path = export.write_table(table, out, provenance=prov)
    return "\n".join(
        [
            loaded.summary(),
            f"boundaries: {resolved.detail}",
            *([placed.summary()] if placed.placed or len(placed.unplaced) else []),
            joined.report.summary(),
            *(f"note: {n}" for n in notes),
            f"wrote {len(table)} rows to {path}",
        ]
    )
