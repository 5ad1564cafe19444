"""Unit tests of the page shell: determinism, asset inlining, escaping, choropleth classes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import branca.element
import folium.template
import geopandas as gpd
import numpy as np
import pytest
import shapely
from fixtures import PROV, synthetic_events, synthetic_layers
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from geo import render
from geo.assets import Asset, AssetStore
from geo.render import display, panel, polygons
from geo.render import html as page_html_mod
from geo.render.legend import Legend, LegendItem, legend_html
from geo.spec import LAYER_NAMES, parse_spec
from geo.types import Provenance

ALL_LAYERS = [
    n
    for n in LAYER_NAMES
    if n
    not in (
        "heat",
        "grid",
    )
]  # every layer a map can have
PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "${alert(3)}",
    "\\\\`);alert(4);//",
    "`+alert(5)+`",
)
HOSTILE = " ".join(PAYLOADS)


def make_spec(**over):
    data = {
        "title": "Test map",
        "description": "A synthetic map",
        "layers": ALL_LAYERS,
        "basemaps": ["osm", "terrain"],
        "choropleth": {"level": "district", "levels": ["governorate"]},
    }
    data.update(over)
    return parse_spec(data, name="test")


def context(**over) -> render.RenderContext:
    base = {
        "sources": (PROV,),
        "filters": {"IS actors only": "yes"},
        "period": ("2020-01-06", "2020-04-14"),
        "built": "2024-05-01",
        "tool_version": "0.1.0",
    }
    base.update(over)
    return render.RenderContext(**base)


def build(spec=None, layers=None, events=None, ctx=None, assets=None) -> str:
    m = render.build_map(
        spec or make_spec(),
        layers=layers or synthetic_layers(),
        events=synthetic_events() if events is None else events,
        context=ctx or context(),
    )
    return render.page_html(m, assets=assets)


# --- determinism -------------------------------------------------------------------------


def test_same_inputs_give_identical_bytes():
    assert build() == build()


def test_stable_ids_restore_branca_ids():
    before = branca.element.Element._generate_id()
    with page_html_mod.stable_ids():
        inside = branca.element.Element._generate_id()
    after = branca.element.Element._generate_id()
    assert inside == "0" * 32
    assert before != after and len(after) == 32 and after != "0" * 31 + "1"


def test_ids_are_counted_not_random():
    html = build()
    ids = set(re.findall(r"map_([0-9a-f]{32})", html))
    assert ids and all(int(i, 16) < 10_000 for i in ids)


# --- assets ------------------------------------------------------------------------------


def fake_store(tmp_path: Path) -> AssetStore:
    """A store whose every pinned URL holds a tiny fake file (the hashes made to match)."""
    import hashlib

    from geo.assets import manifest

    assets = {}
    for url, a in manifest().items():
        if a.kind == "script":
            data = f"/* fake {url} */ window.fake = (window.fake || 0) + 1;".encode()
        elif a.kind == "style":
            data = b".x { background: url(images/layers.png); } .y { behavior: url(#default#VML); }"
        else:
            data = b"\x89PNG fake"
        (tmp_path / a.cache_path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / a.cache_path).write_bytes(data)
        assets[url] = Asset(**{**a.__dict__, "sha256": hashlib.sha256(data).hexdigest()})
    return AssetStore(tmp_path, assets)


def test_complete_store_inlines_every_asset(tmp_path):
    html = build(assets=fake_store(tmp_path))
    assert not re.search(r'<script src="https?://', html)
    assert not re.search(r'<link rel="stylesheet" href="https?://', html)
    assert "/* fake https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js */" in html
    assert 'url("data:image/png;base64,' in html  # leaflet.css image became a data URI
    assert "url(#default#VML)" in html  # not an asset reference: left alone
    assert page_html_mod.NOTICE_ID not in html
    # jQuery, Bootstrap and the icon fonts are gone
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    assert "fontawesome" not in html.lower()


def test_missing_assets_keep_cdn_tags_and_show_notice():
    html = build(assets=None)
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">' in html
    assert f'<div id="{page_html_mod.NOTICE_ID}"' in html
    assert "geo assets fetch" in html
    assert "if (window.L)" in html  # the notice hides itself once Leaflet loads


def test_incomplete_store_keeps_missing_tags(tmp_path):
    store = fake_store(tmp_path)
    leaflet = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
    (tmp_path / store.assets[leaflet].cache_path).write_text("tampered")
    html = build(assets=store)
    assert f'<script src="{leaflet}">' in html
    assert page_html_mod.NOTICE_ID in html
    assert '<link rel="stylesheet" href="https://cdn' not in html  # the rest is inlined


def test_inlined_script_cannot_close_its_tag(tmp_path):
    store = fake_store(tmp_path)
    url = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
    data = b"var s = '</script><script>alert(1)</script>';"
    import hashlib

    (tmp_path / store.assets[url].cache_path).write_bytes(data)
    store.assets[url] = Asset(
        **{**store.assets[url].__dict__, "sha256": hashlib.sha256(data).hexdigest()}
    )
    html, missing = page_html_mod.inline_assets(f'<script src="{url}"></script>', store)
    assert missing == ()
    assert "</script><script>alert(1)" not in html and "<\\/script>" in html


# --- escaping ----------------------------------------------------------------------------


def test_hostile_text_never_reaches_the_page_raw():
    spec = make_spec(title=HOSTILE, description=HOSTILE)
    hostile_source = Provenance(
        key="x",
        title=HOSTILE,
        licence=HOSTILE,
        attribution=HOSTILE,
        version=HOSTILE,
        url="javascript:alert(6)",
    )
    html = build(
        spec=spec,
        layers=synthetic_layers(hostile=HOSTILE),
        events=synthetic_events(hostile=HOSTILE),
        ctx=context(
            sources=(hostile_source,),
            filters={HOSTILE: HOSTILE},
            caveats=(HOSTILE,),
            period=(HOSTILE, HOSTILE),
        ),
    )
    # Markup payloads are escaped everywhere (JSON in scripts writes < as \u003c) ...
    for payload in PAYLOADS[:2]:
        assert payload not in html, payload
    # ... and no payload survives in the page's HTML outside scripts. Inside JSON
    # blobs "${...}" is inert text; the browser tests prove nothing fires.
    markup = re.sub(r"<script>.*?</script>|<style>.*?</style>", "", html, flags=re.S)
    for payload in PAYLOADS:
        assert payload not in markup, payload
    assert 'href="javascript:' not in html


def test_layer_names_are_escaped():
    layers = synthetic_layers(hostile="<b>x</b>")
    html = build(layers=layers, spec=make_spec(layers=["unami-2009"]))
    names = re.findall(r'^\s*("[^"]*") : (?:geo_json|feature_group)', html, flags=re.M)
    # html-escaped by us, then JSON-escaped by folium: Leaflet's innerHTML shows the text
    assert '"\\u0026lt;b\\u0026gt;x\\u0026lt;/b\\u0026gt;"' in names


def test_legend_html_escapes_and_checks_colours():
    out = legend_html(
        [
            Legend(
                title="<t>",
                items=(
                    LegendItem("<i>", 'red;" onmouseover="x'),
                    LegendItem("ok", "#abc", count=3),
                ),
                note="${n}",
            )
        ]
    )
    assert "<t>" not in out and "&lt;t&gt;" in out and "&#36;&#123;n&#125;" in out
    assert "onmouseover" not in out and "--c:#888888" in out
    assert "(3)" in out
    assert legend_html([]) == ""


def test_schematic_banner_only_for_schematic_boundaries():
    assert "geo-schematic-banner" in build(layers=synthetic_layers(kind="schematic"))
    assert "geo-schematic-banner" not in build()
    banner = panel.banner_html(Provenance("s", "S", "", "", "", kind="schematic"))
    assert "geo boundaries import PATH" in banner and "geo boundaries fetch" in banner


def test_panel_lists_sources_filters_caveats_and_acled():
    html = build(ctx=context(acled=True, caveats=("Check the dates",)))
    assert "Journal of Peace Research" in html
    assert "Check the dates" in html and polygons.SIMPLIFY_NOTE in html
    assert render.HOLLOW_NOTE in html
    assert "IS actors only: yes" in html
    assert 'href="https://example.org/boundaries"' in html
    assert "Journal of Peace Research" not in build()


def test_aggregates_only_is_stated():
    html = build(spec=make_spec(aggregates_only=True))
    assert panel.AGGREGATES_ONLY.split(":")[0] in html


# --- layers ------------------------------------------------------------------------------


def test_every_layer_kind_appears_with_its_group():
    html = build()
    for name in (
        "Events per district",
        "Events per governorate",
        "Disputed (UNAMI)",
        "Kurdistan Region boundary, 2019 administrative (proxy)",
        "Hamrin ridge (approximate)",
        "Distance rings around the ridge",
        "Hamrin dam",
        "Places (gazetteer)",
    ):
        assert f'"{name}" :' in html, name
    groups = re.search(r"geoFinish\(map_[0-9a-f]+, (\{.*?\})\);", html).group(1)
    assert '["Boundaries",2]' in groups and '["Disputed areas \\u0026 KRG",4]' in groups
    assert '["Hamrin",4]' in groups and '["Places",1]' in groups
    assert "window.__geoReady" in html


def test_panes_order_polygons_below_lines_below_points():
    html = build()
    z = dict(re.findall(r'createPane\(\s*"([\w-]+)"\);\s*\S+\.style\.zIndex = (\d+);', html))
    assert int(z["geo-areas"]) < int(z["geo-zones"]) < int(z["geo-lines"])
    assert int(z["geo-lines"]) < int(z["geo-places"]) < int(z["events"])


def test_map_sets_max_zoom_and_no_default_tiles():
    html = build(spec=make_spec(basemaps=["none"]))
    assert '"maxZoom": 18' in html
    assert "tile.openstreetmap.org" not in html


def test_basemaps_carry_attribution():
    html = build()
    assert "tile.openstreetmap.org" in html
    assert "OpenStreetMap\\u003c/a\\u003e contributors" in html
    assert "opentopomap.org" in html and "CC-BY-SA" in html


@pytest.mark.parametrize(
    ("values", "k", "n_classes"),
    [
        (np.zeros(6), 5, 1),
        (np.array([0, 0, 1, 1, 2, 2.0]), 5, 3),
        (np.arange(40, dtype=float), 5, 5),
    ],
)
def test_classify_handles_zero_and_few_values(values, k, n_classes):
    classes, bins, labels = polygons.classify(values, scheme="NaturalBreaks", k=k)
    assert len(bins) == len(labels) == n_classes
    assert classes.min() >= 0 and classes.max() < n_classes
    assert np.all(np.diff(bins) > 0)


def test_classify_labels_cover_the_range():
    _classes, _bins, labels = polygons.classify(np.arange(40, dtype=float), scheme="Quantiles", k=4)
    assert labels[0].startswith("0 – ") and labels[-1].endswith("39")


def test_area_values_counts_precise_events_and_prefers_given_measures():
    layers = synthetic_layers()
    dists = layers.boundaries.districts.sort_values("code").reset_index(drop=True)
    events = synthetic_events(20)
    counts = polygons.area_values(dists, events, level="district", measure="events")
    assert counts.sum() == 20
    events.loc[events.index[:5], "coarse_adm2"] = True
    assert polygons.area_values(dists, events, level="district", measure="events").sum() == 15
    fat = polygons.area_values(dists, events, level="district", measure="fatalities")
    assert fat.sum() == events.loc[~events["coarse_adm2"], "fatalities"].sum()
    given = dists[["code"]].assign(events=[7, 0, 1, 2])
    got = polygons.area_values(dists, events, level="district", measure="events", given=given)
    assert list(got) == [7, 0, 1, 2]
    per = polygons.area_values(dists, events, level="district", measure="events_per_1000km2")
    assert np.all(per <= counts * 1000 / 30_000)  # each district is over 30,000 km²


def test_empty_events_draw_zero_choropleth():
    html = build(events=synthetic_events(0))
    assert "Events per district" in html


def test_display_areas_keep_shared_edges():
    t = np.linspace(0, np.pi, 400)
    wiggle = [(44 + 0.0002 * np.sin(40 * s), 33 + s) for s in t]  # ~20 m of noise
    west = Polygon([(43, 33), *wiggle, (43, 33 + np.pi)])
    east = Polygon([(45, 33), *wiggle, (45, 33 + np.pi)])
    gdf = gpd.GeoDataFrame(
        {"code": ["A", "B"]}, geometry=[west.buffer(0), east.buffer(0)], crs="EPSG:4326"
    )
    out = polygons.display_areas(gdf)
    assert shapely.get_num_coordinates(out.geometry.values).sum() < 400  # from 810
    geoms = out.geometry.values
    gap = shapely.union_all(geoms).area - shapely.area(geoms).sum()
    assert abs(gap) < 1e-9 and geoms[0].intersection(geoms[1]).area < 1e-9


_TEXT = st.lists(st.sampled_from(["a", "\0", "geometry ", "0", "1", '"', "\\", "é"])).map("".join)
_GEOMETRIES = [
    {"type": "Point", "coordinates": [44.5, 35.25]},
    {"type": "Polygon", "coordinates": [[[44.0, 35.0], [44.1, 35.0], [44.0, 35.1], [44.0, 35.0]]]},
    {"type": "LineString", "coordinates": [[44.0, 35.0], [45.0, 36.0]]},
]


@settings(max_examples=200, deadline=None)
@given(
    picks=st.lists(st.sampled_from([0, 1, 2, None]), min_size=1, max_size=6),
    names=st.lists(_TEXT, min_size=6, max_size=6),
    sort_keys=st.booleans(),
)
def test_geojson_dumps_is_json_dumps_with_shared_geometry(picks, names, sort_keys):
    # The same geometry objects in several collections, properties that spell the
    # placeholder (NUL, "geometry ", digits), a missing geometry: always json.dumps' text.
    feats = [
        {"type": "Feature", "id": str(i), "properties": {"name": names[i], names[i]: i},
         "geometry": None if k is None else _GEOMETRIES[k]}
        for i, k in enumerate(picks)
    ]  # fmt: skip
    collections = [
        {"type": "FeatureCollection", "features": feats},
        {"type": "FeatureCollection", "features": feats[::-1]},
        {"features": feats[:1], "type": names[0]},
    ]
    with display.shared_display():
        for obj in collections * 2:  # the second time from the cache
            assert display.geojson_dumps(obj, sort_keys=sort_keys) == json.dumps(
                obj, sort_keys=sort_keys
            )
    assert display.geojson_dumps(collections[0]) == json.dumps(collections[0])


def test_folium_tojson_shares_geometry_text_only_while_rendering():
    policies = folium.template.Template("").environment.policies
    before = policies["json.dumps_function"]
    with display.shared_display():
        first = build()
        second = build()  # the outlines' geometry text comes from the cache
    assert first == second == build()  # shared or not, the same page
    assert policies["json.dumps_function"] is before


def test_rings_are_buffered_in_metres():
    ridge = synthetic_layers().hamrin_ridge
    rings = polygons.rings(ridge, [25, 10])
    assert list(rings["km"]) == [10, 25]
    metric = rings.to_crs("EPSG:32638")
    line = ridge.to_crs("EPSG:32638").geometry.iloc[0]
    for km, ring in zip(rings["km"], metric.geometry, strict=True):
        assert abs(ring.distance(line) - km * 1000) < 50


def test_index_lists_maps_escaped_and_sorted():
    entries = [
        render.IndexEntry(
            name="b", title="<B>", description="${x}", href="b.html", period=("2020", "2021")
        ),
        render.IndexEntry(
            name="a", title="A", description="d", href="../../etc/javascript:a.html", events=3
        ),
    ]
    out = render.index_html(entries, built="2024-05-01")
    assert out.index('id="map-a"') < out.index('id="map-b"')
    assert "<B>" not in out and "&#36;&#123;x&#125;" in out
    assert 'href="javascript%3Aa.html"' in out
    assert "2020 to 2021" in out and "Built 2024-05-01" in out
    assert "<script" not in out


def test_natural_breaks_are_the_same_every_time():
    import numpy as np

    from geo.render.polygons import classify

    values = np.random.default_rng(7).integers(0, 500, 300).astype(float)
    first = classify(values, scheme="NaturalBreaks", k=5)
    for _ in range(4):
        again = classify(values, scheme="NaturalBreaks", k=5)
        assert again[1] == first[1]
        assert (again[0] == first[0]).all()
