"""The map's information panel and the schematic-boundaries banner, from autoescaped templates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geo.render.jinja import render, trusted
from geo.spec import MapSpec
from geo.types import Provenance

ACLED_CITATION = (
    "Armed Conflict Location & Event Data Project (ACLED); www.acleddata.com. "
    "Cite: Raleigh, C., Linke, A., Hegre, H. and Karlsen, J. (2010). Introducing ACLED: "
    "An Armed Conflict Location and Event Dataset. Journal of Peace Research 47(5), 651-660."
)
AGGREGATES_ONLY = (
    "Aggregates only: the individual events are left out of this page (their licence may "
    "not allow republishing them); only counts per area or cell are shown."
)
SCHEMATIC_BANNER = (
    "Approximate schematic boundaries — the areas on this map are simplified outlines for "
    "orientation only, not authoritative administrative boundaries. Run "
    "<code>geo boundaries import PATH</code> or <code>geo boundaries fetch</code> for the "
    "authoritative layers, then rebuild."
)


LICENSED_ROWS_BANNER = (
    "This page contains licensed rows — internal use: it embeds individual events whose "
    "licence (ACLED's terms of use) does not allow republishing them; do not publish it "
    "or share it outside your organisation."
)


def licensed_banner_html(licensed_rows: bool) -> str:
    """Return the banner of a page that embeds rows that may not be republished, or ``""``."""
    if not licensed_rows:
        return ""
    return render("licensed_banner", message=LICENSED_ROWS_BANNER)


def banner_html(source: Provenance) -> str:
    """Return the top banner for schematic boundaries, or ``""`` for real ones."""
    if source.kind != "schematic":
        return ""
    return render("banner", message=trusted(SCHEMATIC_BANNER), title=source.title)


def sample_banner_html(note: str) -> str:
    """Return the banner saying what the shipped sample is (autoescaped), or ``""``."""
    return render("sample_banner", note=note) if note else ""


def panel_html(
    spec: MapSpec,
    *,
    sources: Sequence[Provenance],
    boundary: Provenance,
    filters: Mapping[str, Any],
    period: tuple[str, str] | None,
    caveats: Sequence[str],
    acled: bool,
    built: str,
    tool_version: str,
) -> str:
    """Return the ``#geo-panel`` block: title, description, period, sources, filters, caveats.

    Every string is escaped (``templates/panel.html.j2``); source links are
    kept only when they are http(s). The page script moves the block into a
    Leaflet control.
    """
    unique = {(p.key, p.title, p.version): p for p in sources}
    notes = list(dict.fromkeys(caveats))
    if spec.aggregates_only:
        notes.insert(0, AGGREGATES_ONLY)
    return render(
        "panel",
        spec=spec,
        period=period,
        boundary=" ".join(b for b in (boundary.title or boundary.key, boundary.version) if b),
        built=built,
        tool_version=tool_version,
        sources=[p for _k, p in sorted(unique.items())],
        acled=acled,
        acled_citation=ACLED_CITATION,
        filters=sorted(filters.items(), key=str),
        caveats=notes,
    )
