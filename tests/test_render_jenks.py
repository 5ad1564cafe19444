"""Render speed-ups give the same bytes: Fisher-Jenks, templates, shared geometry, lazy imports."""

from __future__ import annotations

import json
import warnings

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pytest
from fixtures import synthetic_layers
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geo.render import display, html, jenks, polygons


def _mapclassify_fisher_jenks(values: np.ndarray, k: int):
    mapclassify = pytest.importorskip("mapclassify")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed"
        return mapclassify.FisherJenks(values, k=k)


def _samples() -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(16)
    out = [
        (np.array([0, 0, 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89], dtype=float), 5),
        (np.array([0.5, 0.5, 0.5, 0.5, 1.0, 2.0, 2.0, 7.25, 7.25, 100.0]), 4),
        (np.arange(12, dtype=float), 11),
        (np.array([3.0, 1.0, 2.0, 9.0]), 2),
    ]
    for i in range(24):
        n = int(rng.integers(8, 60))
        k = int(rng.integers(2, 8))
        values = (
            rng.poisson(4, n).astype(float),  # event counts, many ties
            rng.lognormal(1.0, 1.5, n),  # events per 1,000 km²
            np.concatenate([np.zeros(n), rng.pareto(1.1, n) * 50]),  # mostly zero
        )[i % 3]
        out.append((values, k))
    return [(v, k) for v, k in out if len(np.unique(v)) > k]


@pytest.mark.parametrize("values,k", _samples())
def test_fisher_jenks_matches_mapclassify_bit_for_bit(values, k):
    ref = _mapclassify_fisher_jenks(values, k)
    bins = jenks.fisher_jenks(values, k)
    assert bins.dtype == ref.bins.dtype and bins.tobytes() == ref.bins.tobytes()
    classes = jenks.bin_ids(values, bins)
    assert classes.dtype == ref.yb.dtype and np.array_equal(classes, ref.yb)


def test_fisher_jenks_on_a_few_hundred_areas_matches_mapclassify():
    values = np.random.default_rng(3).negative_binomial(1, 0.05, 320).astype(float)
    ref = _mapclassify_fisher_jenks(values, 5)
    assert jenks.fisher_jenks(values, 5).tobytes() == ref.bins.tobytes()


def test_classify_fisher_jenks_gives_mapclassify_classes_and_labels():
    values = np.array([0, 0, 1, 2, 2, 3, 7, 9, 15, 40, 41, 120], dtype=float)
    classes, bins, labels = polygons.classify(values, scheme="FisherJenks", k=5)
    ref = _mapclassify_fisher_jenks(values, 5)
    assert bins == [float(b) for b in ref.bins]
    assert np.array_equal(classes, ref.yb)
    assert labels[0].startswith("0 – ") and len(labels) == 5


@pytest.mark.parametrize(
    "source",
    [
        "plain text",
        "ends with a newline\n",
        "two newlines\n\n",
        "\n    var x = {a: 1};\n    ",
        "a {{ 'template' }} here\n",
        "a {% if true %}block{% endif %}",
        "a {# comment #} here",
        "windows\r\nline ends\r\n",
        "braces { { } } and }} alone",
    ],
)
def test_plain_text_templates_render_as_jinja2_would(source):
    expected = branca.element.Element(source).render()
    with html.plain_text_templates():
        element = branca.element.Element(source)
        got = element.render()
    assert got == expected
    assert branca.element.Element("x")._template.__class__.__name__ == "Template"  # restored


def test_plain_text_templates_leave_the_page_unchanged():
    def page() -> str:
        with html.stable_ids():
            m = folium.Map(location=[33.0, 44.0], zoom_start=6, tiles=None)
            gdf = gpd.GeoDataFrame(
                {"name": ["{{ 7 * 7 }}", "a\nb"]},
                geometry=[Point(44, 33), Point(45, 34)],
                crs="EPSG:4326",
            )
            for _ in range(2):  # the tooltip's template is compiled once, rendered twice
                folium.GeoJson(
                    gdf,
                    style_function=lambda _f: {"color": "#123456"},
                    tooltip=folium.GeoJsonTooltip(fields=["name"]),
                ).add_to(m)
        with html.stable_ids(start=html.RENDER_ID_START):
            return m.get_root().render()

    plain = page()
    with html.plain_text_templates():
        fast = page()
    assert fast == plain


def _frames() -> gpd.GeoDataFrame:
    square = Polygon([(43, 33), (44, 33), (44, 34), (43, 34)])
    holed = Polygon(
        [(44, 33), (45, 33), (45, 34.123456789), (44, 34)],
        [[(44.2, 33.2), (44.4, 33.2), (44.4, 33.4)], [(44.6, 33.6), (44.8, 33.6), (44.8, 33.8)]],
    )
    return gpd.GeoDataFrame(
        {"code": list("ABCDEFGH"), "name": list("abcdefgh")},
        geometry=[
            holed,
            MultiPolygon([square, holed.buffer(-0.01)]),
            LineString([(43, 35), (44.0000004, 35.5)]),
            Point(44.1234567, 33.7654321),
            None,
            Polygon(),
            Polygon([(43, 33, 1), (44, 33, 2), (44, 34, 3)]),  # 3-D: shapely's own mapping
            MultiPolygon([square, Polygon()]),
        ],
        crs="EPSG:4326",
    )


def test_features_are_what_geopandas_gives():
    gdf = _frames()
    props = {"name": ["x", "y", None, "<b>", "", "e", "z", "m"], "code": list("12345678")}
    frame = gpd.GeoDataFrame(
        dict(props), geometry=display.round6(np.asarray(gdf.geometry.values)), crs="EPSG:4326"
    )
    expected = frame.to_geo_dict(drop_id=False)
    got = display.features(gdf, props)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)


@pytest.mark.shared_data
def test_geojson_of_real_boundaries_is_shapelys(cod_ab_dir):
    from shapely.geometry import mapping

    areas = gpd.read_file(cod_ab_dir / "irq_admbnda_adm3_cso_20190603.geojson")
    geoms = display.round6(np.asarray(areas.geometry.values))
    got = display.geojson_geometries(geoms)
    assert json.dumps(got) == json.dumps([mapping(g) for g in geoms])


def test_shared_display_computes_a_layer_once_and_changes_nothing():
    layers = synthetic_layers()
    gov = layers.boundaries.governorates
    alone = display.display_areas(gov)
    assert display.display_areas(gov) is not alone  # no sharing outside the block
    with display.shared_display():
        first = display.display_areas(gov)
        assert display.display_areas(gov) is first
        assert display.simplified(layers.krg_line) is display.simplified(layers.krg_line)
        feats = display.features(first, {"code": list(first["code"])})
        again = display.features(first, {"code": list(first["code"])})
    assert first.equals(alone)
    assert feats == again == display.features(alone, {"code": list(alone["code"])})


def test_frames_with_the_same_shapes_share_their_display_geometry(monkeypatch):
    calls = []
    simplify = display.shapely.coverage_simplify
    monkeypatch.setattr(
        display.shapely, "coverage_simplify", lambda *a, **k: calls.append(1) or simplify(*a, **k)
    )
    gov = synthetic_layers().boundaries.governorates
    other = gov[["code", "geometry"]].copy()  # another frame, the same shapes
    moved = other.assign(geometry=other.geometry.translate(0.5, 0))
    with display.shared_display():
        first = display.display_areas(gov)
        again = display.display_areas(other)
        assert len(calls) == 1  # the same shapes: simplified once
        shifted = display.display_areas(moved)
        assert len(calls) == 2
    assert again.geometry.equals(first.geometry)
    assert not shifted.geometry.geom_equals(first.geometry).any()
    alone = display.display_areas(other)
    assert len(calls) == 3 and alone.geometry.equals(again.geometry)


def test_importing_the_pipeline_leaves_the_render_libraries_to_the_first_map():
    import subprocess
    import sys

    heavy = [
        "folium",
        "branca",
        "jinja2",
        "mapclassify",
        "esda",
        "libpysal",
        "h3",
        "sklearn",
        "scipy",
    ]
    code = (
        "import sys; import geo.pipeline, geo.manifest, geo.render.safe; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_maps_loop_puts_the_garbage_collector_back_as_it_was():
    import gc

    from geo import pipeline

    before = gc.get_threshold(), gc.get_freeze_count()
    with pytest.raises(RuntimeError), pipeline._few_collections():
        assert gc.get_threshold()[0] > before[0][0]
        raise RuntimeError("a map failed")
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
