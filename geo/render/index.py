"""The ``index.html`` page listing every built map: description, period, sources, build time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from geo.render.jinja import render, trusted
from geo.render.safe import text

_STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; background: #fafaf7; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
.built { color: #555; margin-top: 0; }
article { border-top: 1px solid #ddd; padding: .6rem 0; }
article h2 { font-size: 1.15rem; margin: .2rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .3rem 0; }
dt { color: #555; }
dd { margin: 0; }
"""


@dataclass(frozen=True)
class IndexEntry:
    """One map in the index."""

    name: str
    title: str
    description: str
    href: str
    period: tuple[str, str] | None = None
    events: int = 0
    sources: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    built: str = ""
    incidents: str = ""


def _href(value: str) -> Markup:
    """Return a relative link to a file beside the index (no scheme, no parent folders)."""
    name = value.replace("\\", "/").rsplit("/", 1)[-1]
    return trusted(text(quote(name, safe="-_.~")))


def index_html(
    entries: Iterable[IndexEntry], *, built: str, title: str = "disputed-maps: maps"
) -> str:
    """Return the index page (plain HTML, no script), entries sorted by name, all escaped."""
    rows = [(e, sorted(set(e.sources))) for e in sorted(entries, key=lambda e: e.name)]
    return render(
        "index", entries=rows, built=built, title=title, style=trusted(_STYLE), href=_href
    )
