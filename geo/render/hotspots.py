"""Hot-spot layers: the Gi* classes as a diverging choropleth and the emerging hot-spot classes."""

from __future__ import annotations

from typing import cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure

from geo.hotspots import CONFIDENCE, ISLAND, NO_PATTERN, HotspotResult
from geo.render.display import display_areas, features
from geo.render.html import RawHtml
from geo.render.legend import Legend, LegendItem
from geo.render.polygons import Layers
from geo.render.safe import text

GROUP = "Hot spots"
#: The hot-spot polygons get their own pane just below the admin outlines, which (with the
#: zones and lines above them) let clicks through on this page, so that every area's popup
#: opens wherever it is clicked, inside the disputed zones too.
PANE = "geo-hotspots"
PANE_Z = 404
PASS_THROUGH_CSS = (
    "<style>"
    + ", ".join(
        f".leaflet-pane.leaflet-{pane}-pane > svg path.leaflet-interactive"
        for pane in ("geo-areas", "geo-zones", "geo-lines")
    )
    + " { pointer-events: none; }</style>"
)
#: What Gi* can and cannot say, once, on every hot-spot page (legend and panel).
GI_NOTE = (
    "Gi* finds areas whose reported events, with their neighbours', are more (hot) or fewer "
    "(cold) than chance would give; it counts reports, not activity, depends on the chosen "
    "areas, and is unreliable where counts are small."
)
#: ColorBrewer RdBu (9-class colours, colour-blind safe): hot 99/95/90 %, not significant,
#: cold. The two palest classes are skipped: for protan readers they fall within ΔE 10 of
#: "not significant" (tests/test_layout.py checks every legend under simulated CVD).
GI_COLORS: dict[int, str] = {
    3: "#b2182b",
    2: "#d6604d",
    1: "#f4a582",
    0: "#f7f7f7",
    -1: "#92c5de",
    -2: "#4393c3",
    -3: "#2166ac",
}
ISLAND_COLOR = "#bdbdbd"
HOT_COLD = (
    "Hot: the area and its neighbours together have more reported events than chance would "
    "give; cold: fewer."
)
#: Emerging classes: hot in reds (ColorBrewer YlOrRd), cold in blues (PuBu), no pattern clear.
_HOT = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")
_COLD = ("#fff7fb", "#ece7f2", "#d0d1e6", "#a6bddb", "#74a9cf", "#3690c0", "#0570b0", "#034e7b")
#: Patterns from faint (the past) to strong (now and growing).
ORDER = (
    "historical",
    "diminishing",
    "sporadic",
    "oscillating",
    "new",
    "consecutive",
    "persistent",
    "intensifying",
)
EMERGING_COLORS: dict[str, str] = {
    **{f"{p} hot spot": _HOT[i] for i, p in enumerate(ORDER)},
    **{f"{p} cold spot": _COLD[i] for i, p in enumerate(ORDER)},
    NO_PATTERN: "#ffffff",
}
EMERGING_NOTE = (
    "ArcGIS Pro's emerging hot spot classes: Gi* per period (FDR, 90 %) and a Mann-Kendall "
    "trend of each area's Gi* z-scores (p < 0.05). New: hot only in the last period; "
    "consecutive: an unbroken run at the end; intensifying/persistent/diminishing: hot in at "
    "least 90 % of periods with a rising/no/falling trend; sporadic: on and off; oscillating: "
    "also cold before; historical: hot in 90 % of periods but not the last."
)
LEVEL_WORD = {
    "governorate": "governorate",
    "district": "district",
    "subdistrict": "sub-district",
}


def _number(value: float, digits: int) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _p(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _trend(row: pd.Series) -> str:
    if "trend_s" not in row.index:
        return ""
    direction = "rising" if row["trend_z"] > 0 else "falling" if row["trend_z"] < 0 else "flat"
    return f"{direction} (Mann-Kendall S = {int(row['trend_s'])}, p = {_p(row['trend_p'])})"


def unit_label(level: str) -> str:
    """Return the unit word for a table ``level`` (``hex-r5`` → ``H3 hexagon``)."""
    if level.startswith("hex"):
        return "H3 hexagon"
    return LEVEL_WORD.get(level, level)


def _popup_fields(
    rows: pd.DataFrame, period: str | None
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Return the escaped popup values per field, the fields shown and their labels."""
    names = [text(n) for n in rows["area_name"]]
    trends = [text(_trend(r)) for _, r in rows.iterrows()]
    props: dict[str, list[str]] = {
        "name": names,
        "code": [text(c) for c in rows["area_code"]],
        "events": [text(f"{int(v):,}") for v in rows["events"]],
        "fatalities": [text(f"{int(v):,}") for v in rows["fatalities"]],
        "neighbours": [text(str(int(v))) for v in rows["neighbours"]],
        "z": [text(_number(v, 2)) for v in rows["gi_z"]],
        "p": [text(_p(v)) for v in rows["gi_p"]],
        "p_fdr": [text(_p(v)) for v in rows["gi_p_fdr"]],
        "hotspot": [text(v) for v in rows["hotspot"]],
    }
    fields = ["name", "code", "hotspot", "events", "fatalities", "z", "p", "p_fdr", "neighbours"]
    aliases = [
        "Area",
        "Code",
        "Gi* class",
        "Events",
        "Fatalities",
        "Gi* z",
        "p",
        "p (FDR)",
        "Neighbours",
    ]
    if period is not None and "emerging_class" in rows.columns:
        props["emerging"] = [text(v) for v in rows["emerging_class"]]
        props["trend"] = trends
        props["hot_periods"] = [
            text(f"{int(h)} hot, {int(c)} cold of {int(n)} {period}s")
            for h, c, n in zip(
                rows["hot_periods"], rows["cold_periods"], rows["periods"], strict=True
            )
        ]
        fields += ["emerging", "hot_periods", "trend"]
        aliases += ["Emerging class", f"Per {period}", "Trend of counts"]
    return props, fields, aliases


def _gi_legend(rows: pd.DataFrame, island: np.ndarray, *, name: str, units: str) -> Legend:
    """Return the legend of the Gi* classes, with the areas per class."""
    bins = rows["gi_bin"].to_numpy()
    labels = {mag: label for _a, label, mag in CONFIDENCE}
    items = [
        LegendItem(
            f"{'Hot' if b > 0 else 'Cold'} spot, {labels[abs(b)]} confidence"
            if b
            else "Not significant",
            GI_COLORS[b],
            "square",
            int(((bins == b) & ~island).sum()),
        )
        for b in (3, 2, 1, 0, -1, -2, -3)
    ]
    if island.any():
        items.append(
            LegendItem("No neighbours: not tested", ISLAND_COLOR, "square", int(island.sum()))
        )
    return Legend(
        title=name,
        items=tuple(items),
        note=f"{HOT_COLD} Confidence after the False Discovery Rate correction "
        f"(Benjamini-Hochberg); count = {units}s. {GI_NOTE}",
    )


def _add_emerging(
    m: folium.Map,
    shown: gpd.GeoDataFrame,
    rows: pd.DataFrame,
    props: dict[str, list[str]],
    fields: list[str],
    aliases: list[str],
    *,
    period: str,
    out: Layers,
) -> None:
    """Add the emerging hot-spot layer (hidden at first) and its legend."""
    classes = rows["emerging_class"].astype(str)
    em_fill = [EMERGING_COLORS.get(c, "#ffffff") for c in classes]
    em_name = f"Emerging hot spots per {period}"
    layer = folium.GeoJson(
        features(shown, {**props, "fill": em_fill}),
        name=text(em_name),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.0 if f["properties"]["emerging"] == NO_PATTERN else 0.8,
            "color": "#666666",
            "weight": 0.5,
        },
        popup=folium.GeoJsonPopup(
            fields=fields, aliases=[text(a) for a in aliases], localize=False, labels=True
        ),
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "emerging"],
            aliases=["Area", "Emerging class"],
            sticky=True,
            localize=False,
        ),
        pane=PANE,
        smooth_factor=0.5,
        show=False,
    ).add_to(m)
    out.groups[layer.get_name()] = GROUP
    counts = classes.value_counts()
    em_items = [
        LegendItem(f"{p.capitalize()} {kind} spot", EMERGING_COLORS[f"{p} {kind} spot"], "square",
                   int(counts.get(f"{p} {kind} spot", 0)))
        for kind in ("hot", "cold")
        for p in reversed(ORDER)
        if counts.get(f"{p} {kind} spot", 0) > 0
    ]  # fmt: skip
    em_items.append(LegendItem("No pattern", "#ffffff", "square", int(counts.get(NO_PATTERN, 0))))
    out.legends.append(Legend(title=em_name, items=tuple(em_items), note=EMERGING_NOTE))


def add_hotspot_layers(
    m: folium.Map, result: HotspotResult, *, period: str | None, out: Layers
) -> None:
    """Add the Gi* class layer (and the emerging class layer with a period) and their legends.

    Every string in the popups is escaped (:func:`geo.render.safe.text`); the
    areas are simplified for display like every other admin layer.
    """
    table = result.table.set_index("area_code", drop=False)
    folium.map.CustomPane(PANE, z_index=PANE_Z, pointer_events=True).add_to(m)
    cast(Figure, m.get_root()).html.add_child(RawHtml(PASS_THROUGH_CSS), name="geo_hotspots_css")
    shown = display_areas(result.units)
    rows = table.loc[shown["code"].astype(str)]
    level = str(rows["level"].iloc[0]) if len(rows) else ""
    units = unit_label(level)
    props, fields, aliases = _popup_fields(rows, period)
    island = (rows["hotspot"] == ISLAND).to_numpy()
    gi_fill = [
        ISLAND_COLOR if isl else GI_COLORS[int(b)]
        for b, isl in zip(rows["gi_bin"], island, strict=True)
    ]
    popup = folium.GeoJsonPopup(
        fields=fields, aliases=[text(a) for a in aliases], localize=False, labels=True
    )
    name = f"Gi* hot and cold spots per {units}"
    layer = folium.GeoJson(
        features(shown, {**props, "fill": gi_fill}),
        name=text(name),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.75,
            "color": "#666666",
            "weight": 0.5,
        },
        popup=popup,
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "hotspot"], aliases=["Area", "Gi* class"], sticky=True, localize=False
        ),
        pane=PANE,
        smooth_factor=0.5,
    ).add_to(m)
    out.groups[layer.get_name()] = GROUP
    out.legends.append(_gi_legend(rows, island, name=name, units=units))
    if period is not None and "emerging_class" in rows.columns:
        _add_emerging(m, shown, rows, props, fields, aliases, period=period, out=out)
