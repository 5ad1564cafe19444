"""The map's information panel and the schematic-boundaries banner, as escaped plain HTML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geo.render.safe import text, url
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


def banner_html(source: Provenance) -> str:
    """Return the top banner for schematic boundaries, or ``""`` for real ones."""
    if source.kind != "schematic":
        return ""
    return (
        f'<div id="geo-schematic-banner" class="geo-banner" role="alert">{SCHEMATIC_BANNER}'
        f"{' (' + text(source.title) + ')' if source.title else ''}</div>"
    )


def sample_banner_html(note: str) -> str:
    """Return the banner saying what the shipped sample is (plain text, escaped), or ``""``."""
    if not note:
        return ""
    return (
        '<div id="geo-sample-banner" class="geo-banner geo-banner-sample" role="note">'
        f"{text(note)}</div>"
    )


def _source_item(p: Provenance) -> str:
    link = url(p.url)
    title = text(p.title or p.key)
    head = (
        f'<a href="{link}" target="_blank" rel="noopener noreferrer">{title}</a>' if link else title
    )
    bits = [
        f"licence: {text(p.licence)}" if p.licence else "",
        f"version: {text(p.version)}" if p.version else "",
        text(p.attribution),
    ]
    detail = "; ".join(b for b in bits if b)
    return f"<dt>{head}</dt><dd>{detail}</dd>"


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

    Every string is escaped; source links are kept only when they are http(s).
    The page script moves the block into a Leaflet control.
    """
    period_text = f"{text(period[0])} to {text(period[1])}" if period else "no events"
    boundary_text = " ".join(
        b for b in (text(boundary.title or boundary.key), text(boundary.version)) if b
    )
    sections = [
        f"<p>{text(spec.description)}</p>",
        f"<p><strong>Data period:</strong> {period_text}<br><strong>Boundaries:</strong> "
        f"{boundary_text}<br><strong>Built:</strong> {text(built)} with disputed-maps "
        f"{text(tool_version)}</p>",
    ]
    unique = {(p.key, p.title, p.version): p for p in sources}
    if unique:
        items = "".join(_source_item(p) for _k, p in sorted(unique.items()))
        sections.append(f"<h2>Sources and licences</h2><dl>{items}</dl>")
    if acled:
        sections.append(f'<h2>ACLED</h2><p class="geo-acled">{text(ACLED_CITATION)}</p>')
    if filters:
        rows = "".join(
            f"<li>{text(k)}: {text(v)}</li>" for k, v in sorted(filters.items(), key=str)
        )
        sections.append(f"<h2>Filters</h2><ul>{rows}</ul>")
    notes = list(dict.fromkeys(caveats))
    if spec.aggregates_only:
        notes.insert(0, AGGREGATES_ONLY)
    if notes:
        sections.append(
            "<h2>Caveats</h2><ul>" + "".join(f"<li>{text(c)}</li>" for c in notes) + "</ul>"
        )
    return (
        '<aside id="geo-panel" class="geo-panel" aria-label="About this map"><details open>'
        f"<summary>{text(spec.title)}</summary>{''.join(sections)}</details></aside>"
    )
