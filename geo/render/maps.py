"""One map: the spec, the project layers and the joined events in, a folium Map out.

Rendering never writes files and never reads the clock: the pipeline passes
the build date in :class:`RenderContext` and writes the page through
:mod:`geo.write`. Element ids are counted, coordinates rounded and rows
sorted, so the same inputs give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from geo.hotspots import HotspotResult
from geo.render import hotspots, page, panel, polygons
from geo.render.events import MODE_NOTES, add_event_layers, choose_mode
from geo.render.html import stable_ids
from geo.render.legend import Legend, legend_html
from geo.spec import MapSpec
from geo.types import ProjectLayers, Provenance

HOLLOW_NOTE = (
    "Events located only to an area (its centroid, not the place itself) are drawn hollow "
    "with an uncertainty ring; they are not exact positions."
)


@dataclass(frozen=True, eq=False)
class RenderContext:
    """What a map shows besides its layers: provenance, filters, period, caveats, build facts.

    ``built`` is a date string from the caller (render never reads the clock).
    ``hotspots`` is the Gi* result for a spec with a ``[hotspots]`` section.
    ``measures`` holds the choropleth values per level (``code`` plus one
    column per measure, from ``geo.aggregate.area_measures``); a level that is
    missing is counted here from the joined events.
    """

    sources: tuple[Provenance, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)
    period: tuple[str, str] | None = None
    caveats: tuple[str, ...] = ()
    acled: bool = False
    built: str = ""
    tool_version: str = ""
    seam: pd.DataFrame | None = None
    measures: dict[str, pd.DataFrame] | None = None
    licensed_rows: bool = False  # rows that may not be republished are embedded
    hotspots: HotspotResult | None = None
    banner: str = ""


def _event_layers_wanted(spec: MapSpec) -> bool:
    return any(spec.has(name) for name in ("events", "heat", "grid")) or spec.seam_chart


def build_map(
    spec: MapSpec,
    *,
    layers: ProjectLayers,
    events: gpd.GeoDataFrame,
    context: RenderContext,
) -> folium.Map:
    """Build the folium map of one spec: basemaps, areas, zones, events, controls, panel.

    Parameters
    ----------
    spec
        The map spec.
    layers
        The admin and project layers (EPSG:4326).
    events
        The joined events (event and join columns, EPSG:4326), already filtered
        for this spec; may be empty.
    context
        Provenance, filters, period, caveats and build facts for the panel.

    Returns
    -------
    folium.Map
        A map ready for :func:`page_html`.
    """
    with stable_ids():
        view = polygons.view_bounds(spec, layers)
        m = page.new_map(bounds=view, title=spec.title)
        page.add_basemaps(m, spec.basemaps)
        hot = polygons.Layers()
        if context.hotspots is not None and spec.hotspots is not None:
            hotspots.add_hotspot_layers(m, context.hotspots, period=spec.hotspots.period, out=hot)
        areas = polygons.add_area_layers(m, spec, layers, events=events, measures=context.measures)
        areas.legends[:0] = hot.legends
        areas.groups.update(hot.groups)
        mode = choose_mode(len(events), aggregates_only=spec.aggregates_only)
        event_legends: list[Legend] = []
        if _event_layers_wanted(spec):
            event_legends = add_event_layers(
                m, events, spec=spec, mode=mode, pane="events", seam=context.seam
            )
        page.add_controls(m, outline=layers.boundaries.country)
        caveats = [*context.caveats, polygons.SIMPLIFY_NOTE]
        if context.hotspots is not None:
            caveats = [hotspots.GI_NOTE, *context.hotspots.notes, *caveats]
        if _event_layers_wanted(spec):
            caveats += [MODE_NOTES[mode], HOLLOW_NOTE]
        source = layers.boundaries.source
        info = panel.panel_html(
            spec,
            sources=context.sources or (source,),
            boundary=source,
            filters=context.filters,
            period=context.period,
            caveats=caveats,
            acled=context.acled,
            built=context.built,
            tool_version=context.tool_version,
        )
        page.finish(
            m,
            groups=areas.groups,
            view=view,
            body=[
                panel.banner_html(source),
                panel.licensed_banner_html(context.licensed_rows and not spec.aggregates_only),
                panel.sample_banner_html(context.banner),
                areas.hatch_defs,
                info,
                legend_html([*areas.legends, *event_legends]),
            ],
        )
    return m
