"""The HTML templates: jinja2, every value escaped through :func:`geo.render.safe.text`.

Every ``{{ … }}`` is escaped by construction: the environment's ``finalize``
runs :func:`geo.render.safe.text` on each value (inert in HTML, in attribute
values and inside folium's JavaScript template strings), so a template never
has to remember to escape. Only :class:`markupsafe.Markup` passes as it is:
our own constant HTML (:func:`trusted`) and links already checked by
:func:`geo.render.safe.url` (the ``url`` filter).

The templates ship in the package, in ``geo/render/templates/*.html.j2``.
Fragments (every template but the index page) are written one element per
line for reading; when they load, each line break is dropped together with
the indentation after it, so the HTML is compact and byte-for-byte
reproducible (write a space explicitly where two lines must be separated).
The index page keeps its line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jinja2
from markupsafe import Markup

from geo.render import safe

#: Templates whose line breaks are kept (whole pages); the others are joined.
PAGES = frozenset({"index.html.j2"})

_JOIN = re.compile(r"\n[ \t]*")


class _Loader(jinja2.PackageLoader):
    """Load the package's templates, joining the lines of fragments."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool] | None]:
        source, filename, uptodate = super().get_source(environment, template)
        return (source if template in PAGES else _JOIN.sub("", source)), filename, uptodate


def trusted(html: str) -> Markup:
    """Mark our own constant HTML (never data) to be inserted as it is."""
    return Markup(html)  # noqa: S704 - constants of this package only


def _finalize(value: Any) -> Any:
    """Escape every value with :func:`geo.render.safe.text` unless it is already markup."""
    return value if isinstance(value, Markup) else trusted(safe.text(value))


def _url(value: Any) -> Markup:
    """Return an http(s) link, escaped, or empty markup for anything else."""
    return trusted(safe.url(value))


def _count(value: int) -> str:
    """Return an integer with thousands separators."""
    return f"{int(value):,}"


ENV = jinja2.Environment(
    loader=_Loader("geo.render", "templates"),
    autoescape=True,
    finalize=_finalize,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
ENV.filters["url"] = _url
ENV.filters["count"] = _count


def render(name: str, **context: Any) -> str:
    """Render ``templates/<name>.html.j2`` with ``context`` and return the HTML."""
    return ENV.get_template(f"{name}.html.j2").render(**context)
