"""Event layers: points, clusters, heat and grid counts, drawn by a strategy chosen by size.

Strategy
--------
``full`` (up to :data:`FULL_MAX` events)
    Every attribute, notes included, is embedded; popups are built in the
    browser on click.
``compact`` (up to :data:`COMPACT_MAX` events)
    The same columnar encoding without the notes: coordinates as integers of
    1e-5 degree, dates as day offsets, categorical fields dictionary-encoded,
    every column packed as a little-endian typed array in base64.
``aggregate`` (above :data:`COMPACT_MAX`, or when the spec says
``aggregates_only``)
    Counts in regular :data:`GRID_DEG`-degree cells and a heat layer built
    from them; the raw points are left out of the page.

The encoding lives in :mod:`geo.render.packing`, the colour classes in
:mod:`geo.render.classes` and the grid counting in :mod:`geo.grid`; this
module chooses the strategy and adds the layers. Each layer's data goes into
the page once, as one JSON blob written by :func:`geo.render.safe.script_json`;
``static/events.js`` decodes it, draws the points on one canvas (or in
leaflet.markercluster clusters, up to :data:`CLUSTER_MAX` events) and builds
popups and tooltips with DOM text nodes, never ``innerHTML`` with data.
"""

from __future__ import annotations

from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import HeatMap, MarkerCluster
from folium.template import Template

from geo.grid import GRID_DEG, Unit
from geo.render import safe
from geo.render.classes import GRID_COLORS, classify, grid_legend, hollow_item, provisional_note
from geo.render.display import cached
from geo.render.html import RawHtml, static
from geo.render.legend import Legend
from geo.render.packing import Mode, encode_events, encode_grid, sort_events, status_column
from geo.render.roles import ROLE_KEYS, ROLE_LAYERS, headlines, role_blob, role_codes, role_legend
from geo.render.seam import SeamChart
from geo.render.timeslider import TimeSlider
from geo.spec import MapSpec

#: Up to this many events, every attribute (notes included) is embedded.
FULL_MAX = 20_000
#: Up to this many events, points are drawn from the compact encoding (no notes).
COMPACT_MAX = 300_000
#: Above this many events, a spec asking for clusters gets canvas points instead:
#: leaflet.markercluster builds one marker per event and takes seconds to open beyond it.
CLUSTER_MAX = 20_000

CLUSTER_NOTE = (
    f"More than {CLUSTER_MAX:,} events: points are drawn one by one instead of in clusters, "
    "which would take too long to open."
)

MODE_NOTES: dict[Mode, str] = {
    "full": ("Events are drawn one by one with every attribute, notes included, in the popups."),
    "compact": (
        f"More than {FULL_MAX:,} events: points are stored in a compact encoding "
        "(coordinates rounded to 1e-5 degree, about 1 m) and the notes are left out of "
        "the popups; find them in the joined table by dataset and line."
    ),
    "aggregate": (
        f"More than {COMPACT_MAX:,} events, or aggregates only: raw points are left out "
        f"of this page; events are shown as counts in {GRID_DEG}-degree grid cells "
        "and as a heat layer built from those counts."
    ),
}


def choose_mode(n: int, *, aggregates_only: bool = False) -> Mode:
    """Return the rendering mode for ``n`` events.

    Parameters
    ----------
    n
        Number of events on the map.
    aggregates_only
        True when raw points may not be republished: always aggregate.

    Returns
    -------
    str
        ``"full"`` up to :data:`FULL_MAX`, ``"compact"`` up to
        :data:`COMPACT_MAX`, else ``"aggregate"``.
    """
    if aggregates_only or n > COMPACT_MAX:
        return "aggregate"
    return "full" if n <= FULL_MAX else "compact"


def add_static(m: folium.Map, filename: str) -> None:
    """Inline one of our own ``static/`` files into the page body, once per page.

    The body comes after the head's Leaflet and plugin scripts, which ours extend.
    """
    body = static(filename)
    tag = "script" if filename.endswith(".js") else "style"
    if f"</{tag}" in body.lower():
        raise ValueError(f"static/{filename} must not contain '</{tag}'")
    root = cast(Figure, m.get_root())
    root.html.add_child(RawHtml(f"<{tag}>\n{body}</{tag}>"), name=f"geo_{filename}")


class EventData(MacroElement):
    """The events controller: one data blob, decoded and drawn by ``GeoEvents``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new GeoEvents({{ this._parent.get_name() }},
            {{ this.blob }}, {{ this.options }});
        {% endmacro %}
        """
    )

    def __init__(self, blob: dict[str, Any], options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GeoEventData"
        self.blob = safe.script_json(blob)
        self.options = safe.script_json(options)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca: returns nothing
        """Add the script as raw text: branca would compile the megabytes of data as a template."""
        script = self._template.module.__dict__["script"]
        root = cast(Figure, self.get_root())
        root.script.add_child(RawHtml(script(self, kwargs)), name=self.get_name())


class EventLayer(JSCSSMixin, folium.map.Layer):
    """One layer of the controller (points, clusters, heat or grid) in the layer control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.data.get_name() }}.layers[{{ this.key_json }}];
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: EventData,
        key: str,
        *,
        name: str,
        show: bool = True,
        js: list[tuple[str, str]] | None = None,
        css: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(name=safe.text(name), overlay=True, control=True, show=show)
        self._name = "GeoEventLayer"
        self.data = data
        self.key_json = safe.script_json(key)
        self.default_js = list(js or [])
        self.default_css = list(css or [])


MISSING_NOTE = "{:,} events without coordinates are not drawn (they are in the joined table)."


def add_event_layers(
    m: folium.Map,
    events: gpd.GeoDataFrame,
    *,
    spec: MapSpec,
    mode: str,
    pane: str = "events",
    seam: pd.DataFrame | None = None,
) -> list[Legend]:
    """Add the event layers the spec names and return their legends (with counts).

    Parameters
    ----------
    m
        The map to draw on.
    events
        The joined events table (event and join columns, EPSG:4326); may be empty.
    spec
        The map spec: ``layers`` (``events``, ``heat``, ``grid``),
        ``events.mode`` / ``color_by`` / ``distance_bands_km``, ``time``,
        ``seam_chart`` and ``aggregates_only``.
    mode
        The rendering mode from :func:`choose_mode`.
    pane
        The Leaflet pane for points and cells (created if the page lacks it).
    seam
        Seam statistics from the analysis step for the seam chart, or ``None``
        to compute the band counts from ``dist_krg_line_km``.

    Returns
    -------
    list of Legend
        One legend per coloured layer, events without coordinates named in a note.
    """
    if mode not in MODE_NOTES:
        raise ValueError(f"mode must be one of {', '.join(MODE_NOTES)}, got {mode!r}")
    frame, missing = cached("located", events, lambda: _located(events))
    provisional = provisional_note(frame)
    unit: Unit = spec.time if spec.time in ("week", "month") else "none"
    want_points = spec.has("events") and spec.events.mode != "none"
    want_grid = spec.has("grid") or (mode == "aggregate" and want_points)
    want_heat = spec.has("heat")
    legends: list[Legend] = []
    missing_note = MISSING_NOTE.format(missing) if missing else ""

    for filename in ("events.js", "events.css"):
        add_static(m, filename)
    blob: dict[str, Any] = {"points": None, "grid": None, "classes": [], "roles": role_blob()}
    present: list[str] = []
    if mode != "aggregate" and (want_points or want_heat):
        codes, legend = classify(frame, spec)
        roles = role_codes(frame)
        blob["points"] = encode_events(
            cached("headlines", frame, lambda: _with_headlines(frame)),
            mode=cast(Mode, mode),
            classes=codes,
            unit=unit,
            roles=roles,
            n_roles=len(ROLE_KEYS),
        )
        blob["classes"] = [{"label": i.label, "color": i.color} for i in legend.items]
        if want_points:
            hollow = hollow_item(frame)
            items = legend.items + ((hollow,) if hollow else ())
            too_many = spec.events.mode == "cluster" and len(frame) > CLUSTER_MAX
            note = _join(
                MODE_NOTES[mode],
                CLUSTER_NOTE if too_many else "",
                provisional,
                missing_note,
            )
            legends.append(Legend(legend.title, items, note=note))
            per_role = np.bincount(roles, minlength=len(ROLE_KEYS))
            present = [k for k, c in zip(ROLE_KEYS, per_role, strict=True) if c]
            legends.append(role_legend(per_role))
    if want_grid or (mode == "aggregate" and want_heat):
        blob["grid"] = encode_grid(frame, unit=unit)
        if want_grid:
            cells = grid_legend(blob["grid"])
            note = _join(
                cells.note,
                MODE_NOTES["aggregate"] if mode == "aggregate" else "",
                provisional,
                missing_note,
            )
            legends.append(Legend(cells.title, cells.items, note=note))
    draw = "cluster" if spec.events.mode == "cluster" and len(frame) <= CLUSTER_MAX else "points"
    options = _options(
        pane=pane,
        draw=draw,
        mode=mode,
        layers=(bool(want_points and blob["points"]), bool(want_heat), bool(want_grid)),
        roles=present,
    )
    data = EventData(blob, options)
    data.add_to(m)
    _add_layers(m, data, options)
    _add_widgets(m, data, blob, frame, spec=spec, seam=seam)
    return legends


def _options(
    *, pane: str, draw: str, mode: str, layers: tuple[bool, bool, bool], roles: list[str]
) -> dict[str, Any]:
    """Return the event layer's options for the page script (which layers, how drawn)."""
    events, heat, grid = layers
    return {
        "pane": pane,
        "draw": draw,
        "mode": mode,
        "events": events,
        "heat": heat,
        "grid": grid,
        "gridColors": list(GRID_COLORS),
        "notesOmitted": mode == "compact",
        "roles": roles,
    }


def _add_widgets(
    m: folium.Map,
    data: EventData,
    blob: dict[str, Any],
    frame: pd.DataFrame,
    *,
    spec: MapSpec,
    seam: pd.DataFrame | None,
) -> None:
    """Add the time slider (when the data has periods) and the seam chart (when asked)."""
    if any(part and part["periods"] for part in (blob["points"], blob["grid"])):
        for filename in TimeSlider.static:
            add_static(m, filename)
        TimeSlider(data).add_to(m)
    if spec.seam_chart:
        for filename in SeamChart.static:
            add_static(m, filename)
        chart = SeamChart(frame, seam=seam, bands_km=spec.events.distance_bands_km)
        chart.add_to(m)


def _with_headlines(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the events with each one's headline (who did what to whom)."""
    return frame.assign(headline=headlines(frame).to_numpy()) if len(frame) else frame


def _located(events: gpd.GeoDataFrame) -> tuple[pd.DataFrame, int]:
    """Return the events with coordinates (and status), in drawing order, and how many lack them."""
    frame = pd.DataFrame(events.drop(columns="geometry", errors="ignore"))
    has_xy = (
        pd.to_numeric(frame.get("latitude"), errors="coerce").notna()
        & pd.to_numeric(frame.get("longitude"), errors="coerce").notna()
        if len(frame)
        else pd.Series([], dtype=bool)
    )
    frame = sort_events(frame[has_xy.to_numpy()])
    frame["status"] = status_column(frame)
    return frame, int((~has_xy).sum())


def _add_layers(m: folium.Map, data: EventData, options: dict[str, Any]) -> None:
    """Add the grid, heat and events layers the options ask for, in this order."""
    if options["grid"]:
        EventLayer(data, "grid", name="Event counts (grid cells)").add_to(m)
    if options["heat"]:
        EventLayer(data, "heat", name="Event heat", show=False, js=HeatMap.default_js).add_to(m)
    if options["events"]:
        js, css = (
            (MarkerCluster.default_js, MarkerCluster.default_css)
            if options["draw"] == "cluster"
            else (None, None)
        )
        for key in options["roles"]:  # one layer per role: IS attacks, operations against IS …
            EventLayer(data, f"events:{key}", name=ROLE_LAYERS[key], js=js, css=css).add_to(m)


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)
