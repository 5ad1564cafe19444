"""The folium maps: one spec, the project layers and the joined events in; a Map and HTML out.

Rendering never writes files and never reads the clock: the pipeline passes
the build date in :class:`RenderContext` and writes the page through
:mod:`geo.write`. Element ids are counted, coordinates rounded and rows
sorted, so the same inputs give the same bytes.

The names below load on first use: importing ``geo.render.safe`` (as the
manifest does) or ``geo.pipeline`` does not import folium, branca or jinja2,
so a build's setup stays small and the first map imports them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from geo.render.templates_cache import import_folium

#: Each public name and the module it lives in.
_HOMES: dict[str, str] = {
    "ACLED_CITATION": "panel",
    "HOLLOW_NOTE": "maps",
    "IndexEntry": "index",
    "Legend": "legend",
    "LegendItem": "legend",
    "RenderContext": "maps",
    "build_map": "maps",
    "choose_mode": "events",
    "index_html": "index",
    "legend_html": "legend",
    "page_html": "html",
    "shared_display": "display",
}

__all__ = [
    "ACLED_CITATION",
    "HOLLOW_NOTE",
    "IndexEntry",
    "Legend",
    "LegendItem",
    "RenderContext",
    "build_map",
    "choose_mode",
    "index_html",
    "legend_html",
    "page_html",
    "shared_display",
]


def __getattr__(name: str) -> Any:
    """Load a public name (or a submodule such as ``polygons``) on first use."""
    import_folium()  # before any module of the package imports folium
    home = _HOMES.get(name)
    if home is not None:
        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from geo.render.display import shared_display
    from geo.render.events import choose_mode
    from geo.render.html import page_html
    from geo.render.index import IndexEntry, index_html
    from geo.render.legend import Legend, LegendItem, legend_html
    from geo.render.maps import HOLLOW_NOTE, RenderContext, build_map
    from geo.render.panel import ACLED_CITATION
