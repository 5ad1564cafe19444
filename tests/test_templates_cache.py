"""Tests of geo.render.templates_cache: templates compiled from the cache render as fresh ones."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import jinja2
import pytest

from geo.render import templates_cache

RENDER = """
import sys
from geo.render.templates_cache import import_folium
import_folium()
import folium, folium.plugins
m = folium.Map(location=[34.5, 44.5], zoom_start=7, tiles=None)
folium.plugins.MarkerCluster().add_to(m)
folium.Marker([34.5, 44.5], tooltip="Hamrin").add_to(m)
sys.stdout.write(m.get_root().render())
"""


def _render(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", RENDER], env=env, capture_output=True, text=True, check=True
    )
    return re.sub(r"_[0-9a-f]{32}", "_ID", done.stdout)  # folium's random element ids


def test_folium_renders_the_same_from_the_cache(tmp_path):
    env = dict(os.environ, GEO_DATA_DIR=str(tmp_path))
    cold = _render(env)
    files = list((tmp_path / "jinja").glob("*.marshal"))
    assert len(files) == 1
    stored = files[0].read_bytes()
    warm = _render(env)
    assert warm == cold and "Hamrin" in warm
    assert files[0].read_bytes() == stored  # nothing new compiled the second time


def test_the_cache_holds_one_code_per_source_and_settings(tmp_path):
    path = tmp_path / "t.marshal"
    source = "{% if x %}\n  yes\n{% endif %}\n"
    plain, trimmed = jinja2.Environment(), jinja2.Environment(trim_blocks=True)
    with templates_cache.cached_compiles(path) as codes:
        first = plain.from_string(source).render(x=True)
        second = trimmed.from_string(source).render(x=True)
    assert first != second and len(codes) == 2
    with templates_cache.cached_compiles(path) as codes:
        assert len(codes) == 2
        assert plain.from_string(source).render(x=True) == first
        assert trimmed.from_string(source).render(x=True) == second
        assert len(codes) == 2
    assert jinja2.Environment.compile is not None
    assert "templates_cache" not in jinja2.Environment.compile.__module__


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")
def test_a_cache_others_may_write_or_a_broken_one_is_ignored(tmp_path):
    path = tmp_path / "t.marshal"
    with templates_cache.cached_compiles(path):
        jinja2.Environment().from_string("{{ 1 + 1 }}").render()
    with templates_cache.cached_compiles(path) as codes:
        assert len(codes) == 1
    path.chmod(0o666)
    with templates_cache.cached_compiles(path) as codes:
        assert codes == {}
    path.write_bytes(b"not marshal data")
    path.chmod(0o600)
    with templates_cache.cached_compiles(path) as codes:
        assert codes == {}
        assert jinja2.Environment().from_string("{{ 2 + 2 }}").render() == "4"
