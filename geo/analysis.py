"""The table jobs behind ``geo join`` and ``geo stats``: files in, tables with provenance out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from geo import ahead, export, provenance
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


@dataclass(frozen=True)
class Selection:
    """The incident files, how to read them, the events kept and the boundaries to join to.

    What ``geo join`` and ``geo stats`` share; ``read_options`` go to
    :func:`geo.incidents.load_incidents` (``lat_col``, ``lon_col``, ``date_format``,
    ``fix_swapped``). ``is_only`` (the default, as for ``build``) keeps IS-involved
    events only.
    """

    inputs: Sequence[Path]
    fmt: Format = "auto"
    boundaries: Path | None = None
    is_only: bool = True
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    roles: Sequence[str] = ()
    krg_line: Path | None = None
    read_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Joined:
    """Events loaded, placed and joined, with everything their report and provenance need."""

    loaded: LoadResult
    resolved: Resolved
    layers: ProjectLayers
    placed: PlaceResult
    joined: JoinResult
    provenance: dict[str, Any]

    def summary_lines(self) -> list[str]:
        """Return the report's lines: rows read and kept, boundaries, placing, joining."""
        placed = self.placed
        return [
            self.loaded.summary(),
            f"boundaries: {self.resolved.detail}",
            *([placed.summary()] if placed.placed or len(placed.unplaced) else []),
            self.joined.report.summary(),
        ]


def join_selection(selection: Selection, *, points: bool = True) -> Joined:
    """Load, place and join the selected events to the boundaries and project layers.

    ``points=False`` loads without point objects (``longitude``/``latitude`` are
    the points): a table writer needs no more, and a million points cost a second.
    """
    resolved = resolve_boundaries(selection.boundaries)
    layers = project_layers(resolved.boundaries)
    line_sources: tuple[Provenance, ...] = ()
    if selection.krg_line is not None:
        layers, line_prov = user_krg_line(layers, selection.krg_line)
        line_sources = (line_prov,)
    options = dict(selection.read_options)
    # the first file's points are located and measured on the other core while it is validated
    filtered = bool(selection.date_from or selection.date_to or selection.roles)
    with ahead.measuring(
        layers, selection.inputs, options, filtered=filtered, is_only=selection.is_only
    ) as early:
        loaded = load_incidents(
            list(selection.inputs),
            format=selection.fmt,
            is_only=selection.is_only,
            date_from=selection.date_from,
            date_to=selection.date_to,
            roles=selection.roles,
            points=points,
            **options,
        )
        placed = place_events(loaded.events, layers)
        joined: JoinResult = join_events(placed.events, layers, ahead=early)
    prov = provenance.build(
        inputs=loaded.datasets,
        filters=loaded.filters,
        boundaries=resolved.boundaries.source,
        extra_sources=(*used_provenance(), *line_sources),
    )
    return Joined(loaded, resolved, layers, placed, joined, prov)


def join_file(selection: Selection, *, out: Path) -> str:
    """Join the selected files to every area and zone, write the table; return a summary."""
    export.check_events_path(out)  # fail before the work, not after it
    done = join_selection(selection, points=False)  # the writer takes longitude/latitude
    path = export.write_events(done.joined.events, out, provenance=done.provenance)
    return "\n".join([*done.summary_lines(), f"wrote {len(done.joined.events)} events to {path}"])


def stats_file(
    selection: Selection,
    *,
    out: Path,
    by: str = "district",
    period: str | None = None,
    include_coarse: bool = False,
    seam: bool = False,
    hotspot: bool = False,
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
    done = join_selection(selection)
    events, prov = done.joined.events, done.provenance
    notes: tuple[str, ...] = ()
    if seam:
        table = aggregate.seam_stats(events, include_coarse=include_coarse)
    elif hotspot:
        result = hotspots.hotspots(events, done.layers, by=by, period=period)  # type: ignore[arg-type]
        table, notes = result.table, result.notes
        prov = {**prov, "method": result.method, "notes": list(notes)}
    else:
        table = aggregate.aggregate(
            events,
            done.layers,
            by=cast("By", by),
            period=cast("Period", period or "month"),
            include_coarse=include_coarse,
        )
    path = export.write_table(table, out, provenance=prov)
    notes_lines = [f"note: {n}" for n in notes]
    return "\n".join([*done.summary_lines(), *notes_lines, f"wrote {len(table)} rows to {path}"])
