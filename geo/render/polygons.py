"""Area and line layers: admin outlines, choropleths, disputed zones, KRG, Hamrin, places."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.utilities import color_brewer
from folium.plugins import Search

from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS, iraq_bounds_swne
from geo.render import jenks
from geo.render.display import SIMPLIFY_DEG, cached, display_areas, features, simplified
from geo.render.legend import Legend, LegendItem
from geo.render.safe import text
from geo.spec import Choropleth, MapSpec
from geo.types import Level, ProjectLayers

SIMPLIFY_NOTE = (
    "Boundaries are simplified for display (about 100 m, 0.001°) and coordinates rounded "
    "to 6 decimals; counts and distances use the full-resolution layers."
)

LEVEL_LAYER: dict[str, Level] = {
    "governorates": "governorate",
    "districts": "district",
    "subdistricts": "subdistrict",
}
LEVEL_LABEL: dict[str, str] = {
    "governorate": "Governorates",
    "district": "Districts",
    "subdistrict": "Sub-districts",
}
LEVEL_NUMBER: dict[str, int] = {"governorate": 1, "district": 2, "subdistrict": 3}
MEASURE_LABEL: dict[str, str] = {
    "events": "Events",
    "fatalities": "Fatalities",
    "events_per_1000km2": "Events per 1,000 km²",
}
SCHEME_LABEL: dict[str, str] = {
    "NaturalBreaks": "natural breaks",
    "Quantiles": "quantiles",
    "EqualInterval": "equal intervals",
    "FisherJenks": "natural breaks (Fisher-Jenks)",
    "HeadTailBreaks": "head/tail breaks",
}
OUTLINE_STYLE: dict[str, dict[str, Any]] = {
    "governorate": {"color": "#333333", "weight": 2.0},
    "district": {"color": "#666666", "weight": 1.0},
    "subdistrict": {"color": "#888888", "weight": 0.6, "dashArray": "3 3"},
}
#: Hatch patterns (SVG ``<pattern>``) for the disputed zones: (layer, colour).
HATCHES: dict[str, str] = {"unami-2009": "#6a3d9a", "article-140-wide": "#d95f02"}
UNAMI_LABEL = "Disputed territories (UNAMI 2009)"
WIDE_LABEL = "Disputed territories (Article 140, wide)"
KRG_COLOR = "#1b7837"
KRG_LINE_COLOR = "#b2182b"
HAMRIN_COLOR = "#8c510a"
DAM_COLOR = "#2166ac"
PLACE_COLOR = "#252525"


@dataclass
class Layers:
    """What the polygon layers added: legends and the layer-control group of each layer."""

    legends: list[Legend] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)
    hatch_defs: str = ""


def _col(gdf: pd.DataFrame, name: str) -> list[str]:
    if name not in gdf.columns:
        return [""] * len(gdf)
    return [text(v) for v in gdf[name]]


def _tooltip(fields: Sequence[str], aliases: Sequence[str]) -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(
        fields=list(fields), aliases=[text(a) for a in aliases], sticky=True, localize=False
    )


def _area_props(areas: gpd.GeoDataFrame) -> dict[str, list[str]]:
    names = []
    for name, arabic in zip(_col(areas, "name"), _col(areas, "name_ar"), strict=True):
        names.append(f"{name} — {arabic}" if arabic else name)
    return {"name": names, "code": _col(areas, "code")}


def add_outlines(
    m: folium.Map, areas: gpd.GeoDataFrame, *, level: str, out: Layers, show: bool = True
) -> None:
    """Add one admin level as outlines with a name/code tooltip."""
    style = {"fillOpacity": 0.0, "fill": True, "fillColor": "#ffffff", **OUTLINE_STYLE[level]}
    layer = folium.GeoJson(
        features(areas, _area_props(areas)),
        name=text(LEVEL_LABEL[level]),
        style_function=lambda _f: style,
        tooltip=_tooltip(["name", "code"], ["Name", "P-code"]),
        pane="geo-areas",
        show=show,
        smooth_factor=0.5,
    ).add_to(m)
    out.groups[layer.get_name()] = "Boundaries"


def area_values(
    areas: gpd.GeoDataFrame,
    events: pd.DataFrame,
    *,
    level: str,
    measure: str,
    given: pd.DataFrame | None = None,
) -> np.ndarray:
    """Return the measure per area (aligned with ``areas``).

    Uses ``given`` (the pipeline's ``geo.aggregate.area_measures`` table with
    ``code`` and a column named like the measure) when it has the measure;
    otherwise counts the joined events whose location is at least as precise
    as ``level`` (``coarse_admN`` false).
    """
    if given is not None and "code" in given.columns and measure in given.columns:
        by_code = pd.Series(given[measure].to_numpy(), index=given["code"].astype(str))
        return areas["code"].astype(str).map(by_code).fillna(0).to_numpy(dtype=float)
    n = LEVEL_NUMBER[level]
    code_col, coarse_col = f"adm{n}_code", f"coarse_adm{n}"
    if code_col in events.columns and len(events):
        usable = events
        if coarse_col in events.columns:
            usable = events[~events[coarse_col].fillna(False).astype(bool)]
        if measure == "fatalities" and "fatalities" in usable.columns:
            per = usable.groupby(code_col)["fatalities"].sum(min_count=1).fillna(0)
        else:
            per = usable.groupby(code_col).size()
    else:
        per = pd.Series(dtype=float)
    values = areas["code"].astype(str).map(per.astype(float)).fillna(0).to_numpy(dtype=float)
    if measure == "events_per_1000km2":
        km2 = areas.to_crs(METRIC_CRS).area.to_numpy() / 1e6
        values = np.where(km2 > 0, values / np.maximum(km2, 1e-9) * 1000.0, 0.0)
    return values


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def classify(
    values: np.ndarray, *, scheme: str, k: int
) -> tuple[np.ndarray, list[float], list[str]]:
    """Return each value's class, the class upper bounds and the class labels (mapclassify).

    With no more distinct values than ``k`` (all zero included) every distinct
    value is its own class, labelled by that value.
    """
    distinct = np.unique(values)
    if len(distinct) <= k:
        bins = [float(v) for v in distinct]
        return np.searchsorted(distinct, values), bins, [_fmt(v) for v in bins]
    if scheme == "FisherJenks":  # exact, as mapclassify computes it, without its imports
        bins_array = jenks.fisher_jenks(values, k)
        yb = jenks.bin_ids(values, bins_array)
    else:
        bins_array, yb = _mapclassify(values, scheme=scheme, k=k)
    bins = [float(b) for b in bins_array]
    labels, low = [], float(values.min())
    for high in bins:
        labels.append(f"{_fmt(low)} – {_fmt(high)}")
        low = high
    return np.asarray(yb), bins, labels


def _mapclassify(values: np.ndarray, *, scheme: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return mapclassify's class bounds and classes of ``values`` (imported here: ~1 s)."""
    # NaturalBreaks runs k-means in scikit-learn; on a few hundred areas its thread pool
    # costs ten times the work, and far more on a busy machine: keep it to one thread.
    # NaturalBreaks seeds its k-means from numpy's global generator: pin it for this call
    # (and put it back), so the same values always give the same classes.
    import mapclassify
    from threadpoolctl import threadpool_limits

    state = np.random.get_state()
    np.random.seed(0)
    try:
        with threadpool_limits(limits=1), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Numba not installed")
            classifier = mapclassify.classify(values, scheme=scheme, k=k)
    finally:
        np.random.set_state(state)
    return np.asarray(classifier.bins), np.asarray(classifier.yb)


def palette(n: int) -> list[str]:
    """Return ``n`` sequential colours (ColorBrewer YlOrRd), light to dark."""
    if n >= 3:
        return list(color_brewer("YlOrRd", n=n))
    three = color_brewer("YlOrRd", n=3)
    return [three[0], three[2]][:n] if n == 2 else [three[1]]


def add_choropleth(
    m: folium.Map,
    areas: gpd.GeoDataFrame,
    values: np.ndarray,
    *,
    level: str,
    choro: Choropleth,
    out: Layers,
    show: bool = True,
) -> None:
    """Add a classed choropleth of ``values`` over ``areas`` and its legend."""
    classes, bins, labels = classify(values, scheme=choro.scheme, k=choro.k)
    colors = palette(len(bins))
    measure = MEASURE_LABEL[choro.measure]
    name = f"{measure} per {LEVEL_LABEL[level].lower()[:-1]}"
    props = _area_props(areas)
    props["value"] = [text(_fmt(v)) for v in values]
    props["fill"] = [colors[int(c)] for c in classes]
    layer = folium.GeoJson(
        features(areas, props),
        name=text(name),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.65,
            "color": "#555555",
            "weight": 0.6,
        },
        tooltip=_tooltip(["name", "code", "value"], ["Name", "P-code", measure]),
        pane="geo-areas",
        show=show,
        smooth_factor=0.5,
    ).add_to(m)
    out.groups[layer.get_name()] = "Boundaries"
    counts = np.bincount(classes.astype(int), minlength=len(bins))
    out.legends.append(
        Legend(
            title=name,
            items=tuple(
                LegendItem(label, colors[i], "square", int(counts[i]))
                for i, label in enumerate(labels)
            ),
            note=f"Classes: {SCHEME_LABEL[choro.scheme]} (mapclassify); count = areas. "
            "Events located only to a coarser level are not counted here.",
        )
    )


def hatch_defs() -> str:
    """Return the hidden SVG ``<pattern>`` definitions the zone fills refer to."""
    patterns = "".join(
        f'<pattern id="geo-hatch-{key}" patternUnits="userSpaceOnUse" width="8" height="8" '
        f'patternTransform="rotate({45 if i == 0 else -45})">'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{color}" stroke-width="2" '
        'stroke-opacity="0.6"/></pattern>'
        for i, (key, color) in enumerate(HATCHES.items())
    )
    return (
        '<svg class="geo-hatch-defs" aria-hidden="true" focusable="false">'
        f"<defs>{patterns}</defs></svg>"
    )


def _zone_props(zone: gpd.GeoDataFrame) -> dict[str, list[str]]:
    area = [text(f"{v:,.0f}") if pd.notna(v) else "" for v in zone.get("area_km2", [])]
    return {
        "name": _col(zone, "name"),
        "area": area or [""] * len(zone),
        "source": _col(zone, "source"),
        "notes": _col(zone, "notes"),
    }


def add_zone(m: folium.Map, zone: gpd.GeoDataFrame, *, key: str, label: str, out: Layers) -> None:
    """Add one disputed-zone definition as a hatched, outlined overlay."""
    if zone.empty:
        return
    color = HATCHES[key]
    zone = simplified(zone)
    names = [n for n in _col(zone, "name") if n]
    title = names[0] if names else text(label)
    dash = "8 5" if key == "unami-2009" else "2 5"
    style = {
        "color": color,
        "weight": 2.0,
        "dashArray": dash,
        "fillColor": f"url(#geo-hatch-{key})",
        "fillOpacity": 1.0,
    }
    layer = folium.GeoJson(
        features(zone, _zone_props(zone)),
        name=title,
        style_function=lambda _f: style,
        tooltip=_tooltip(
            ["name", "area", "source", "notes"], ["Zone", "Area km²", "Source", "Notes"]
        ),
        pane="geo-zones",
    ).add_to(m)
    out.groups[layer.get_name()] = "Disputed areas & KRG"
    out.legends.append(
        Legend(
            title=label,
            items=(LegendItem(title, color, "hatch"),),
            note="Hatched overlay; the disputed zone is a flag on areas, never a map unit.",
        )
    )


def _line_props(gdf: gpd.GeoDataFrame, fallback: str) -> dict[str, list[str]]:
    names = [n or text(fallback) for n in _col(gdf, "name")]
    return {"name": names, "source": _col(gdf, "source"), "notes": _col(gdf, "notes")}


#: The caveat under the KRG legend (the panel carries the full text with its sources).
KRG_LEGEND_NOTE = (
    "A proxy: the 2019 administrative boundary, neither the 19 March 2003 line nor the "
    "contact line after October 2017; Kifri town and northern Shekhan lie on its federal "
    "side although the KRG has held them."
)
#: The KRG line's name where its row gives none.
KRG_LINE_NAME = "Kurdistan Region boundary, 2019 administrative (proxy)"


def add_krg(m: folium.Map, layers: ProjectLayers, spec: MapSpec, out: Layers) -> None:
    """Add the KRG-administered area and/or the KRG line (named as what it is)."""
    items: list[LegendItem] = []
    if spec.has("krg-area") and not layers.krg_area.empty:
        area = simplified(layers.krg_area)
        layer = folium.GeoJson(
            features(area, _line_props(area, "KRG-administered area")),
            name=text("KRG-administered area"),
            style_function=lambda _f: {
                "color": KRG_COLOR,
                "weight": 1.0,
                "fillColor": KRG_COLOR,
                "fillOpacity": 0.08,
            },
            tooltip=_tooltip(["name", "source", "notes"], ["Area", "Source", "Notes"]),
            pane="geo-zones",
        ).add_to(m)
        out.groups[layer.get_name()] = "Disputed areas & KRG"
        items.append(LegendItem("KRG-administered area", KRG_COLOR, "square"))
    if spec.has("krg-line") and not layers.krg_line.empty:
        line = simplified(layers.krg_line)
        label = str(line["name"].iat[0]) or KRG_LINE_NAME
        layer = folium.GeoJson(
            features(line, _line_props(line, KRG_LINE_NAME)),
            name=text(label),
            style_function=lambda _f: {"color": KRG_LINE_COLOR, "weight": 3.0},
            tooltip=_tooltip(["name", "source", "notes"], ["Line", "Source", "Notes"]),
            pane="geo-lines",
        ).add_to(m)
        out.groups[layer.get_name()] = "Disputed areas & KRG"
        items.append(LegendItem(label, KRG_LINE_COLOR, "line"))
    if items:
        user = (layers.krg_line["kind"] == "user-supplied").any()
        note = (
            "The KRG line here is a user-supplied file; see the sources panel."
            if user
            else KRG_LEGEND_NOTE
        )
        out.legends.append(Legend(title="Kurdistan Region (KRG)", items=tuple(items), note=note))


def rings(ridge: gpd.GeoDataFrame, distances_km: Sequence[float]) -> gpd.GeoDataFrame:
    """Return the outlines at ``distances_km`` around the ridge, buffered in EPSG:32638."""
    line = ridge.to_crs(METRIC_CRS).geometry.union_all()
    km = sorted(set(distances_km))
    shapes = [line.buffer(d * 1000.0, quad_segs=16).boundary for d in km]
    out = gpd.GeoDataFrame({"km": km}, geometry=shapes, crs=METRIC_CRS).to_crs(GEOGRAPHIC_CRS)
    out["geometry"] = shapely.simplify(out.geometry.values, SIMPLIFY_DEG / 10)
    return out


def add_hamrin(m: folium.Map, layers: ProjectLayers, spec: MapSpec, out: Layers) -> None:
    """Add the Hamrin focus area, the ridge (approximate), the dam and the rings."""
    items: list[LegendItem] = []

    def add(
        gdf: gpd.GeoDataFrame, name: str, pane: str, style: dict[str, Any], props: dict[str, Any]
    ) -> None:
        fields = list(props)
        layer = folium.GeoJson(
            features(gdf, props),
            name=text(name),
            style_function=lambda _f: style,
            tooltip=_tooltip(fields, [f.capitalize() for f in fields]),
            pane=pane,
            marker=folium.CircleMarker(
                radius=7, color="#ffffff", weight=2, fill_color=DAM_COLOR, fill_opacity=1.0
            )
            if pane == "geo-places"
            else None,
        ).add_to(m)
        out.groups[layer.get_name()] = "Hamrin"

    if spec.has("hamrin-area") and not layers.hamrin_area.empty:
        area = simplified(layers.hamrin_area, None)
        style = {"color": HAMRIN_COLOR, "weight": 1.5, "fillColor": HAMRIN_COLOR}
        add(
            area,
            "Hamrin focus area",
            "geo-zones",
            {**style, "fillOpacity": 0.1},
            _line_props(area, "Hamrin focus area"),
        )
        items.append(LegendItem("Hamrin focus area", HAMRIN_COLOR, "square"))
    if spec.has("hamrin-ridge") and not layers.hamrin_ridge.empty:
        ridge = simplified(layers.hamrin_ridge, None)
        props = _line_props(ridge, "Hamrin ridge")
        props["name"] = [f"{n} (approximate)" for n in props["name"]]
        add(
            ridge,
            "Hamrin ridge (approximate)",
            "geo-lines",
            {"color": HAMRIN_COLOR, "weight": 4.0},
            props,
        )
        items.append(LegendItem("Hamrin ridge (approximate line)", HAMRIN_COLOR, "line"))
    if spec.has("hamrin-rings") and not layers.hamrin_ridge.empty and spec.rings_km:
        km = tuple(spec.rings_km)
        ring = cached("rings", layers.hamrin_ridge, lambda: rings(layers.hamrin_ridge, km), km)
        labels = [text(f"{_fmt(k)} km from the Hamrin ridge (approximate)") for k in ring["km"]]
        add(
            ring,
            "Distance rings around the ridge",
            "geo-lines",
            {"color": HAMRIN_COLOR, "weight": 1.2, "dashArray": "6 6", "fill": False},
            {"ring": labels},
        )
        kms = ", ".join(_fmt(k) for k in ring["km"])
        items.append(LegendItem(f"{kms} km from the ridge", HAMRIN_COLOR, "dashed"))
    if spec.has("hamrin-dam") and not layers.hamrin_dam.empty:
        dam = simplified(layers.hamrin_dam, None)
        add(dam, "Hamrin dam", "geo-places", {}, _line_props(dam, "Hamrin dam"))
        items.append(LegendItem("Hamrin dam", DAM_COLOR, "circle"))
    if items:
        out.legends.append(Legend(title="Hamrin", items=tuple(items)))


def _sorted_places(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the gazetteer in EPSG:4326, sorted by name."""
    return places.to_crs(GEOGRAPHIC_CRS).sort_values("name", kind="stable")


def add_places(m: folium.Map, gazetteer: gpd.GeoDataFrame, out: Layers) -> None:
    """Add the gazetteer as small points with a search box over names and alternates."""
    if gazetteer.empty:
        return
    places = cached("places", gazetteer, lambda: _sorted_places(gazetteer))
    names, arabic, alts = _col(places, "name"), _col(places, "name_ar"), _col(places, "alt_names")
    label = [f"{n} — {a}" if a else n for n, a in zip(names, arabic, strict=True)]
    search = [
        "; ".join(x for x in (n, alt, a) if x)
        for n, alt, a in zip(names, alts, arabic, strict=True)
    ]
    props = {"name": label, "search": search, "kind": _col(places, "kind")}
    layer = folium.GeoJson(
        features(places, props),
        name=text("Places (gazetteer)"),
        marker=folium.CircleMarker(
            radius=4,
            color="#ffffff",
            weight=1,
            fill_color=PLACE_COLOR,
            fill_opacity=0.9,
            pane="geo-places",
        ),
        tooltip=_tooltip(["name", "kind"], ["Place", "Kind"]),
        pane="geo-places",
    ).add_to(m)
    out.groups[layer.get_name()] = "Places"
    Search(
        layer=layer,
        search_label="search",
        geom_type="Point",
        placeholder="Search places",
        collapsed=True,
        position="topleft",
        search_zoom=10,
    ).add_to(m)
    out.legends.append(
        Legend(title="Places", items=(LegendItem("Gazetteer place (search box)", PLACE_COLOR),))
    )


def _bounds(frames: Sequence[gpd.GeoDataFrame]) -> tuple[float, float, float, float] | None:
    """Return (south, west, north, east) around the non-empty ``frames``, or None."""
    boxes = [f.to_crs(GEOGRAPHIC_CRS).total_bounds for f in frames if f is not None and not f.empty]
    if not boxes:
        return None
    w, s, e, n = np.array(boxes).T
    return (float(s.min()), float(w.min()), float(n.max()), float(e.max()))


def country_bounds(layers: ProjectLayers) -> tuple[float, float, float, float]:
    """Return (south, west, north, east) of the country outline (Iraq's box without one)."""
    return _bounds([layers.boundaries.country]) or iraq_bounds_swne()


def view_bounds(spec: MapSpec, layers: ProjectLayers) -> tuple[float, float, float, float]:
    """Return (south, west, north, east) of what the map is about: its opening view.

    Explicit ``view.bounds`` win; else the ``view.governorates`` together with
    the Hamrin focus area when the map shows it; else the country.
    """
    if spec.view.bounds is not None:
        return spec.view.bounds
    govs = layers.boundaries.governorates
    if spec.view.governorates and govs is not None:
        frames = [govs[govs["code"].isin(spec.view.governorates)]]
        if spec.has("hamrin-area"):
            frames.append(layers.hamrin_area)
        if not frames[0].empty:
            return _bounds(frames) or country_bounds(layers)
    return country_bounds(layers)


def add_area_layers(
    m: folium.Map,
    spec: MapSpec,
    layers: ProjectLayers,
    *,
    events: pd.DataFrame,
    measures: Mapping[str, pd.DataFrame] | None,
) -> Layers:
    """Add every polygon, line and place layer the spec names, in layer-control order."""
    out = Layers(hatch_defs=hatch_defs())
    choro = spec.choropleth
    choro_levels = dict.fromkeys((choro.level, *choro.levels)) if choro else {}
    wanted = [lvl for layer, lvl in LEVEL_LAYER.items() if spec.has(layer)]
    shown: dict[str, gpd.GeoDataFrame] = {}
    for level in dict.fromkeys([*choro_levels, *wanted]):
        gdf = layers.boundaries.level(level)
        if gdf is not None and not gdf.empty:
            shown[level] = display_areas(gdf)
    if choro is not None:
        for i, level in enumerate(choro_levels):
            if level not in shown:
                continue
            layer = layers.boundaries.level(level)
            assert layer is not None  # shown holds only levels the boundaries have
            full = layer.sort_values("code", kind="stable")
            values = area_values(
                full.reset_index(drop=True),
                events,
                level=level,
                measure=choro.measure,
                given=(measures or {}).get(level),
            )
            add_choropleth(m, shown[level], values, level=level, choro=choro, out=out, show=i == 0)
    for level in wanted:
        if level in shown and level not in choro_levels:
            add_outlines(m, shown[level], level=level, out=out)
    if spec.has("unami-2009"):
        add_zone(m, layers.disputed_unami, key="unami-2009", label=UNAMI_LABEL, out=out)
    if spec.has("article-140-wide"):
        add_zone(m, layers.disputed_wide, key="article-140-wide", label=WIDE_LABEL, out=out)
    add_krg(m, layers, spec, out)
    add_hamrin(m, layers, spec, out)
    if spec.has("places"):
        add_places(m, layers.places, out)
    return out
