"""Templates: every value escaped by construction, fragments joined, pages' lines kept."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from fixtures import PROV

from geo.render import jinja, safe
from geo.render.index import IndexEntry, index_html
from geo.render.legend import Legend, LegendItem, legend_html
from geo.render.panel import banner_html
from geo.types import Provenance

TEMPLATES = Path(jinja.__file__).parent / "templates"
HOSTILE = "</div><script>alert(1)</script>${alert(2)}`\\{{ 7*7 }}'\""


def test_every_template_compiles():
    names = sorted(p.name for p in TEMPLATES.glob("*.html.j2"))
    assert {"panel.html.j2", "legend.html.j2", "index.html.j2", "seam.html.j2"} <= set(names)
    for name in names:
        jinja.ENV.get_template(name)


def test_values_are_escaped_with_safe_text():
    html = banner_html(Provenance("s", HOSTILE, "", "", "", kind="schematic"))
    assert f"({safe.text(HOSTILE)})" in html
    assert "<script>" not in html and "${" not in html and "{{" not in html


def test_only_trusted_markup_passes_as_is():
    env = jinja.ENV.from_string("{{ a }}|{{ b }}")
    assert env.render(a="<b>", b=jinja.trusted("<b>")) == "&lt;b&gt;|<b>"


def test_missing_values_are_errors_not_blanks():
    with pytest.raises(jinja2.UndefinedError):
        jinja.render("banner", message="m")


def test_fragments_are_one_line_and_pages_keep_their_lines():
    legend = legend_html([Legend("T", (LegendItem("a", "#fff", "square", 3),), note="n")])
    assert "\n" not in legend and legend.startswith('<div id="geo-legend"')
    page = index_html([IndexEntry("m", "M", "D", "m.html", sources=(PROV.title,))], built="x")
    assert page.startswith("<!DOCTYPE html>\n<html") and page.endswith("</body>\n</html>\n")
    assert '<article id="map-m"><h2><a href="m.html">M</a></h2>' in page
