"""The final HTML string: stable element ids, inlined assets, raw HTML blocks."""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any
from urllib.parse import urljoin

import branca.element
import folium
import folium.features
from branca.element import Element
from folium.template import Template as FoliumTemplate

from geo.assets import OFFLINE_HINT, AssetStore
from geo.render.display import geojson_dumps

#: Ids created while a map is built count from 0; ids created while it renders
#: count from here, so the two ranges never meet.
RENDER_ID_START = 1 << 124

_SCRIPT = re.compile(r'<script src="(https?://[^"]+)"></script>')
_LINK = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"/>')
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")

NOTICE_ID = "geo-assets-notice"


@contextlib.contextmanager
def stable_ids(*, start: int = 0) -> Iterator[None]:
    """Give every branca element created inside the block a counted id, then restore.

    branca names elements with ``os.urandom``; a per-build counter makes the
    same inputs render the same bytes.
    """
    counter = itertools.count(start)
    original = Element.__dict__["_generate_id"]
    Element._generate_id = classmethod(lambda cls: f"{next(counter):032x}")  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Element._generate_id = original  # type: ignore[method-assign]


#: What makes a string a jinja2 template rather than plain text: a tag opening, or a
#: carriage return (jinja2 turns line ends into ``\n``).
_JINJA_SYNTAX = re.compile(r"\{[{%#]|\r")


class _Text:
    """A template without jinja2 syntax: it renders to its own text, as jinja2 would.

    jinja2 drops one trailing newline (``keep_trailing_newline`` is off in
    branca's templates), so this does too.
    """

    def __init__(self, source: str) -> None:
        self.source = source[:-1] if source.endswith("\n") else source

    def render(self, *_args: object, **_kwargs: object) -> str:
        """Return the text."""
        return self.source


@contextlib.contextmanager
def plain_text_templates() -> Iterator[None]:
    """Inside the block, branca elements made from plain text skip jinja2, then restore.

    Rendering a folium map wraps every rendered script, header and HTML block
    in a new ``Element(text)``, which compiles the text (megabytes of GeoJSON)
    as a jinja2 template. Text with no jinja2 syntax renders to itself, so it
    is kept as text; anything else is still compiled, so the page is the same.
    The constant templates folium's GeoJSON tooltips compile at each render
    are compiled once.
    """
    branca_names, folium_names = vars(branca.element), vars(folium.features)
    original = branca_names["Template"]

    def template(source: Any) -> Any:
        if isinstance(source, str) and not _JINJA_SYNTAX.search(source):
            return _Text(source)
        return original(source)

    branca_names["Template"], folium_names["Template"] = template, _folium_template
    try:
        yield
    finally:
        branca_names["Template"], folium_names["Template"] = original, FoliumTemplate


@contextlib.contextmanager
def shared_geometry_json() -> Iterator[None]:
    """Inside the block, folium's ``tojson`` is :func:`geo.render.display.geojson_dumps`.

    The same text as ``json.dumps``; within a build, geometry several maps draw
    is encoded once. Every folium template shares one jinja2 environment.
    """
    policies = FoliumTemplate("").environment.policies
    original = policies["json.dumps_function"]
    policies["json.dumps_function"] = geojson_dumps
    try:
        yield
    finally:
        policies["json.dumps_function"] = original


@functools.lru_cache(maxsize=64)
def _folium_template(source: str) -> FoliumTemplate:
    """Return folium's template of ``source``, compiled once (tooltips compile one per layer)."""
    return FoliumTemplate(source)


class RawHtml(Element):
    """A block of HTML inserted as is (never through a template): build it escaped."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.html = html

    def render(self, **kwargs: object) -> str:
        """Return the HTML unchanged."""
        return self.html


def static(name: str) -> str:
    """Return the text of one of our own files in ``geo/render/static``."""
    return (resources.files("geo.render") / "static" / name).read_text(encoding="utf-8")


def _guard_script(js: str) -> str:
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _inline_css(css: str, css_url: str, store: AssetStore) -> str:
    def swap(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith(("#", "data:")):
            return match.group(0)
        uri = store.data_uri(urljoin(css_url, ref))
        return f'url("{uri}")' if uri else match.group(0)

    return _CSS_URL.sub(swap, css).replace("</style", "<\\/style")


def inline_assets(html: str, store: AssetStore | None) -> tuple[str, tuple[str, ...]]:
    """Replace CDN ``<script src>``/``<link href>`` tags by inline copies from ``store``.

    Returns
    -------
    tuple
        The new HTML and the URLs that could not be inlined (sorted, unique).
    """
    missing: set[str] = set()

    def script(match: re.Match[str]) -> str:
        js = store.text(match.group(1)) if store is not None else None
        if js is None:
            missing.add(match.group(1))
            return match.group(0)
        return f"<script>{_guard_script(js)}</script>"

    def link(match: re.Match[str]) -> str:
        url = match.group(1)
        css = store.text(url) if store is not None else None
        if css is None:
            missing.add(url)
            return match.group(0)
        return f"<style>{_inline_css(css, url, store)}</style>"  # type: ignore[arg-type]

    return _LINK.sub(link, _SCRIPT.sub(script, html)), tuple(sorted(missing))


def notice_html(missing: tuple[str, ...]) -> str:
    """Return the plain-HTML notice shown when Leaflet cannot load (hidden by JS once it does)."""
    return (
        f'<div id="{NOTICE_ID}" class="geo-notice" role="alert"><strong>This map needs '
        f"{len(missing)} JavaScript/CSS file(s) that are not in the offline asset cache"
        "</strong>, so it loads them from the internet. If the map stays blank, "
        f"{OFFLINE_HINT.replace('`geo assets fetch`', '<code>geo assets fetch</code>')}, "
        "then rebuild the map.</div>"
    )


_HIDE_NOTICE = (
    f'<script>if (window.L) {{ var n = document.getElementById("{NOTICE_ID}"); '
    "if (n) { n.remove(); } }</script>"
)


def page_html(m: folium.Map, *, assets: AssetStore | None) -> str:
    """Render ``m`` to one deterministic HTML page with its assets inlined.

    Parameters
    ----------
    m
        A map from :func:`geo.render.build_map`.
    assets
        The asset cache. With every pinned file present the page is
        self-contained; with ``None`` or an incomplete cache the CDN tags stay
        and a visible notice (removed by JavaScript once Leaflet loads) tells
        the user to run ``geo assets fetch``.

    Raises
    ------
    AssertionError
        If a complete cache still leaves a remote script or stylesheet (a bug:
        an asset the manifest lacks).
    """
    with stable_ids(start=RENDER_ID_START), plain_text_templates(), shared_geometry_json():
        html = m.get_root().render()
    html = html.replace("<html>", '<html lang="en">', 1)
    html, missing = inline_assets(html, assets)
    if missing and assets is not None and assets.complete:
        raise AssertionError(f"assets not in geo/assets.toml left remote: {', '.join(missing)}")
    if missing:
        html = html.replace("<body>", "<body>\n" + notice_html(missing), 1)
        html = html.replace("</html>", _HIDE_NOTICE + "\n</html>", 1)
    return html
