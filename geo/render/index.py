"""The ``index.html`` page listing every built map: description, period, sources, build time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

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
    built: str = ""
    incidents: str = ""
    cite: tuple[str, ...] = ()


def _href(value: str) -> str:
    """Return a relative link to a file beside the index (no scheme, no parent folders)."""
    name = value.replace("\\", "/").rsplit("/", 1)[-1]
    return text(quote(name, safe="-_.~"))


def index_html(
    entries: Iterable[IndexEntry], *, built: str, title: str = "disputed-maps: maps"
) -> str:
    """Return the index page (plain HTML, no script), entries sorted by name, all escaped."""
    items = []
    for e in sorted(entries, key=lambda e: e.name):
        period = f"{text(e.period[0])} to {text(e.period[1])}" if e.period else "no events"
        sources = "; ".join(text(s) for s in sorted(set(e.sources))) or "none listed"
        items.append(
            f'<article id="map-{text(e.name)}"><h2><a href="{_href(e.href)}">{text(e.title)}</a>'
            f"</h2><p>{text(e.description)}</p><dl>"
            f"<dt>Data period</dt><dd>{period}</dd>"
            f"<dt>Events</dt><dd>{e.events:,}</dd>"
            f"<dt>Sources</dt><dd>{sources}</dd>"
            + (f"<dt>Incident data</dt><dd>{text(e.incidents)}</dd>" if e.incidents else "")
            + "".join(f'<dt>Cite</dt><dd class="geo-cite">{text(c)}</dd>' for c in e.cite)
            + f"<dt>Built</dt><dd>{text(e.built or built)}</dd></dl></article>"
        )
    body = "\n".join(items) or "<p>No maps were built.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f'<h1>{text(title)}</h1>\n<p class="built">Built {text(built)}. Each map is one '
        "self-contained file that opens offline; basemap tiles need the network.</p>\n"
        f"{body}\n</body>\n</html>\n"
    )
