"""Safe text: escape every string from data before it reaches a page.

folium 0.20 puts popup and tooltip text inside JavaScript template literals
and Leaflet writes layer names and GeoJSON tooltips into ``innerHTML``.
``html.escape`` alone leaves ``${…}``, backticks and backslashes live inside
those template literals, so :func:`text` also turns them into character
references: the result is inert as HTML text, as an attribute value and
inside a template literal. Data embedded in ``<script>`` goes through
:func:`script_json`; links through :func:`url`, which keeps http(s) only.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any
from urllib.parse import urlsplit

_EXTRA = str.maketrans({"\\": "&#92;", "`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;"})


def text(value: Any) -> str:
    """Return ``value`` as text that is inert in HTML and in JS template literals.

    ``None`` and NaN become the empty string.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_EXTRA)


def url(value: Any) -> str:
    """Return an escaped http(s) URL, or ``""`` for anything else (``javascript:`` …)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    raw = str(value).strip()
    if any(ch in raw for ch in "\x00\r\n\t") or " " in raw:
        return ""
    try:
        parts = urlsplit(raw)
    except ValueError:  # e.g. a malformed IPv6 host such as "http://]]>"
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    return text(raw)


def is_http_url(value: Any) -> bool:
    """Return True when ``value`` is an http(s) URL that :func:`url` would keep."""
    return bool(url(value))


def script_json(obj: Any) -> str:
    """Serialise ``obj`` as JSON that can sit inside a ``<script>`` element.

    ``<``, ``>``, ``&`` and the JS line separators are written as unicode
    escapes, so no string can close the script or start a comment; keys are
    sorted and separators compact, so the output is deterministic.
    """
    out = json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return (
        out.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
