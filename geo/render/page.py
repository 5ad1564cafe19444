"""The folium map shell: basemaps, panes, controls, the grouped layer control, the ready flag."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, cast

import folium
import geopandas as gpd
from branca.element import Figure
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import Fullscreen, MeasureControl, MiniMap
from folium.template import Template

from geo.render.html import RawHtml, static
from geo.render.safe import script_json, text

LEAFLET_JS = folium.Map.default_js[0]
LEAFLET_CSS = folium.Map.default_css[0]
MAX_ZOOM = 18
#: Zoom steps of a tenth: a fitted view fills its box to within 7%, not 50%.
ZOOM_SNAP = 0.1

#: Panes, bottom to top: polygons below zones below lines below places below events.
PANES: dict[str, int] = {
    "geo-areas": 405,
    "geo-zones": 415,
    "geo-lines": 425,
    "geo-places": 435,
    "events": 445,
}

Group = Literal["Boundaries", "Disputed areas & KRG", "Hamrin", "Places", "Events"]

BASEMAPS: dict[str, dict[str, Any]] = {
    "osm": {
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "name": "OpenStreetMap",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        "contributors",
        "max_zoom": 19,
    },
    "terrain": {
        "tiles": "https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
        "name": "Terrain (OpenTopoMap)",
        "attr": 'Map data: &copy; <a href="https://www.openstreetmap.org/copyright">'
        "OpenStreetMap</a> contributors, SRTM | Map style: &copy; "
        '<a href="https://opentopomap.org">OpenTopoMap</a> '
        '(<a href="https://creativecommons.org/licenses/by-sa/3.0/">CC-BY-SA</a>)',
        "max_zoom": 17,
    },
}


def new_map(*, bounds: tuple[float, float, float, float], title: str = "") -> folium.Map:
    """Return an empty map around ``bounds`` (south, west, north, east), no tiles yet.

    The page script fits the map to ``bounds`` once the controls are in place
    (see :func:`finish`), so the opening view leaves room for the panels at
    any window size; zoom snaps to tenths so the fit is close. ``title``
    becomes the page's ``<title>`` (escaped). jQuery, Bootstrap and the icon
    fonts folium loads by default are dropped: nothing on our pages uses
    them. ``maxZoom`` is set on the map itself because ``tiles=None`` leaves
    Leaflet without one (marker clusters need it).
    """
    south, west, north, east = bounds
    m = folium.Map(
        location=[round((south + north) / 2, 6), round((west + east) / 2, 6)],
        zoom_start=6,
        tiles=None,
        control_scale=True,
        maxZoom=MAX_ZOOM,
        zoomSnap=ZOOM_SNAP,
    )
    m.default_js = [LEAFLET_JS]
    m.default_css = [LEAFLET_CSS]
    root = cast(Figure, m.get_root())
    root.title = text(title) if title else None
    root.html.add_child(RawHtml(f"<style>{static('geo.css')}</style>"), name="geo_css")
    root.html.add_child(RawHtml(f"<script>{static('geo.js')}</script>"), name="geo_js")
    for name, z in PANES.items():
        folium.map.CustomPane(name, z_index=z, pointer_events=True).add_to(m)
    return m


def add_basemaps(m: folium.Map, basemaps: Iterable[str]) -> None:
    """Add the named basemaps (the first one shown) with their attribution."""
    shown = False
    for key in basemaps:
        if key == "none":
            continue
        cfg = BASEMAPS[key]
        folium.TileLayer(
            tiles=cfg["tiles"],
            attr=cfg["attr"],
            name=cfg["name"],
            max_zoom=cfg["max_zoom"],
            overlay=False,
            control=True,
            show=not shown,
        ).add_to(m)
        shown = True


class VectorMiniMap(JSCSSMixin, folium.MacroElement):
    """leaflet-minimap over a vector layer (the country outline), so it works without tiles."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            /* Not on a phone: there it only takes room, and minimizing it moves the map. */
            var {{ this.get_name() }} = null;
            if (window.innerWidth >= 700 && window.innerHeight >= 500) {
                var {{ this.get_name() }}_layer = L.geoJSON({{ this.data }}, {
                    interactive: false,
                    style: {color: "#555", weight: 1, fillColor: "#ddd", fillOpacity: 0.7}
                });
                {{ this.get_name() }} = new L.Control.MiniMap(
                    {{ this.get_name() }}_layer,
                    {position: "bottomright", toggleDisplay: true, zoomLevelOffset: -5,
                     width: 130, height: 130}
                ).addTo({{ this._parent.get_name() }});
            }
        {% endmacro %}
        """
    )
    default_js = MiniMap.default_js
    default_css = MiniMap.default_css

    def __init__(self, outline: gpd.GeoDataFrame) -> None:
        super().__init__()
        self._name = "VectorMiniMap"
        geo = outline[["geometry"]].to_geo_dict(drop_id=True)
        self.data = script_json(geo)


def add_controls(m: folium.Map, *, outline: gpd.GeoDataFrame | None) -> None:
    """Add fullscreen, measure and (with an outline) the minimap; scale is on the map."""
    Fullscreen(position="topleft").add_to(m)
    MeasureControl(
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="meters",
        primary_area_unit="sqkilometers",
        secondary_area_unit="hectares",
    ).add_to(m)
    if outline is not None and len(outline):
        VectorMiniMap(outline).add_to(m)


class Finish(folium.MacroElement):
    """The last script on the map: layout, folding panels, the fit, then ``__geoReady``.

    ``window.__geoReady`` becomes true only when every earlier layer script ran. A
    line in the page head says the fit is coming, so that layers costly to draw
    (the canvas event points) wait for it instead of drawing the initial view first.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <script>window.__geoFinishPending = true;</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            geoFinish({{ this._parent.get_name() }}, {{ this.options }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        groups: list[tuple[str, int]],
        *,
        view: tuple[float, float, float, float] | None = None,
    ) -> None:
        super().__init__()
        self._name = "Finish"
        options: dict[str, object] = {"groups": groups}
        if view is not None:
            options["view"] = _corners(view)
        self.options = script_json(options)


def _corners(bounds: tuple[float, float, float, float]) -> list[list[float]]:
    south, west, north, east = bounds
    return [[round(south, 6), round(west, 6)], [round(north, 6), round(east, 6)]]


def control_groups(m: folium.Map, groups: dict[str, str]) -> list[tuple[str, int]]:
    """Return the layer-control headings as runs of (group, number of overlays).

    Overlays appear in the control in the order they were added; layers not
    in ``groups`` (the event layers) belong to "Events".
    """
    runs: list[tuple[str, int]] = []
    for child in m._children.values():
        if isinstance(child, Layer) and child.control and child.overlay:
            group = groups.get(child.get_name(), "Events")
            if runs and runs[-1][0] == group:
                runs[-1] = (group, runs[-1][1] + 1)
            else:
                runs.append((group, 1))
    return runs


def finish(
    m: folium.Map,
    *,
    groups: dict[str, str],
    body: list[str],
    view: tuple[float, float, float, float] | None = None,
) -> None:
    """Add the layer control, the plain-HTML blocks and the final script.

    Parameters
    ----------
    m
        The map.
    groups
        The layer-control heading of each layer (by element name).
    body
        Plain-HTML blocks (already escaped) added to the page body.
    view
        What the map is about (south, west, north, east): the page fits it
        with room for the panels, and the reset-view control returns to it.
    """
    root = cast(Figure, m.get_root())
    for i, block in enumerate(b for b in body if b):
        root.html.add_child(RawHtml(block), name=f"geo_block_{i}")
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    Finish(control_groups(m, groups), view=view).add_to(m)
