"""Map specs: every shipped spec loads; unknown keys, wrong types and bad values are errors."""

from __future__ import annotations

import tomllib

import pytest
from fixtures import BAD_SPECS

from geo.errors import SpecError
from geo.spec import LAYER_NAMES, load_spec, load_specs, parse_spec, specs_dir

SHIPPED = sorted(p.stem for p in specs_dir().glob("*.toml"))
BASE = {"title": "T", "description": "D", "layers": ["governorates", "events"]}


def test_five_maps_are_shipped():
    assert SHIPPED == ["diyala-hamrin", "hotspots", "iraq-overview", "seam", "timeline"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_spec_loads(name):
    spec = load_spec(specs_dir() / f"{name}.toml")
    assert spec.name == name
    assert spec.title and spec.description
    assert set(spec.layers) <= set(LAYER_NAMES)


def test_specs_cover_the_issue():
    specs = {s.name: s for s in load_specs()}
    overview = specs["iraq-overview"]
    assert overview.choropleth is not None and overview.events.mode == "cluster"
    assert {"unami-2009", "article-140-wide", "krg-line"} <= set(overview.layers)
    hamrin = specs["diyala-hamrin"]
    assert {"hamrin-area", "hamrin-ridge", "hamrin-dam", "hamrin-rings", "heat"} <= set(
        hamrin.layers
    )
    assert "terrain" in hamrin.basemaps and "osm" in hamrin.basemaps
    assert hamrin.rings_km == (10.0, 25.0)
    assert specs["timeline"].time in {"week", "month"}
    assert specs["seam"].seam_chart and specs["seam"].events.color_by == "distance_band"
    hot = specs["hotspots"]
    assert hot.hotspots is not None and hot.hotspots.level == "subdistrict"
    assert hot.hotspots.period == "quarter"
    assert {"unami-2009", "article-140-wide", "krg-line"} <= set(hot.layers)


def test_hotspots_section():
    spec = parse_spec({**BASE, "hotspots": {"level": "hex"}}, name="x")
    assert spec.hotspots is not None
    assert (spec.hotspots.level, spec.hotspots.period) == ("hex", None)
    assert parse_spec(dict(BASE), name="x").hotspots is None


def test_defaults():
    spec = parse_spec(dict(BASE), name="x")
    assert spec.filters.is_only is True
    assert spec.events.mode == "points"
    assert spec.choropleth is None
    assert spec.has("events") and not spec.has("heat")


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        pytest.param(text, needles, id=name)
        for name, text, needles in BAD_SPECS
        if name != "not-toml"
    ],
)
def test_bad_specs_name_the_key(text, needles):
    with pytest.raises(SpecError) as err:
        parse_spec(tomllib.loads(text), name="bad", source="bad.toml")
    for needle in needles:
        assert needle in str(err.value)
    assert str(err.value).startswith("bad.toml")
    assert "\n" not in err.value.one_line()


def test_invalid_toml_names_the_file(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text('title = "unterminated\n', encoding="utf-8")
    with pytest.raises(SpecError, match=r"broken\.toml: not valid TOML"):
        load_spec(p)


def test_unknown_spec_name_lists_available():
    with pytest.raises(SpecError, match="available: diyala-hamrin"):
        load_specs(["nope"])


def test_spec_objects_are_frozen():
    spec = parse_spec(dict(BASE), name="x")
    with pytest.raises(AttributeError):
        spec.title = "changed"  # type: ignore[misc]
