"""Event layers: points, clusters, heat and grid counts, drawn by a strategy chosen by size.

Strategy
--------
``full`` (up to :data:`FULL_MAX` events)
    Every attribute, notes included, is embedded; popups are built in the
    browser on click.
``compact`` (up to :data:`COMPACT_MAX` events)
    The same columnar encoding without the notes: coordinates as integers of
    1e-5 degree, dates as day offsets, categorical fields dictionary-encoded,
    every column packed as a little-endian typed array in base64.
``aggregate`` (above :data:`COMPACT_MAX`, or when the spec says
``aggregates_only``)
    Counts in regular :data:`GRID_DEG`-degree cells and a heat layer built
    from them; the raw points are left out of the page.

Each layer's data goes into the page once, as one JSON blob written by
:func:`geo.render.safe.script_json`; ``static/events.js`` decodes it, draws
the points on one canvas (or in leaflet.markercluster clusters, up to
:data:`CLUSTER_MAX` events) and builds popups and tooltips with DOM text nodes,
never ``innerHTML`` with data.
"""

from __future__ import annotations

import base64
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import HeatMap, MarkerCluster
from folium.template import Template

from geo.constants import band_index
from geo.render import safe
from geo.render.html import RawHtml, static
from geo.render.legend import Legend, LegendItem
from geo.render.seam import BAND_COLORS, INSIDE_COLOR, SeamChart, seam_bands
from geo.render.timeslider import TimeSlider, Unit, period_starts
from geo.spec import MapSpec

Mode = Literal["full", "compact", "aggregate"]

#: Up to this many events, every attribute (notes included) is embedded.
FULL_MAX = 20_000
#: Up to this many events, points are drawn from the compact encoding (no notes).
COMPACT_MAX = 300_000
#: Above this many events, a spec asking for clusters gets canvas points instead:
#: leaflet.markercluster builds one marker per event and takes seconds to open beyond it.
CLUSTER_MAX = 20_000
#: Coordinates are stored as integers of ``1 / COORD_SCALE`` degree (about 1 m).
COORD_SCALE = 100_000
#: Side of the aggregate grid cells, in degrees (about 11 km by 9 km in Iraq).
GRID_DEG = 0.1
#: Event types beyond this many (by count) share the "Other" colour.
MAX_TYPES = 8

CLUSTER_NOTE = (
    f"More than {CLUSTER_MAX:,} events: points are drawn one by one instead of in clusters, "
    "which would take too long to open."
)

MODE_NOTES: dict[Mode, str] = {
    "full": ("Events are drawn one by one with every attribute, notes included, in the popups."),
    "compact": (
        f"More than {FULL_MAX:,} events: points are stored in a compact encoding "
        "(coordinates rounded to 1e-5 degree, about 1 m) and the notes are left out of "
        "the popups; find them in the joined table by dataset and line."
    ),
    "aggregate": (
        f"More than {COMPACT_MAX:,} events, or aggregates only: raw points are left out "
        f"of this page; events are shown as counts in {GRID_DEG}-degree grid cells "
        "and as a heat layer built from those counts."
    ),
}

#: Okabe–Ito colours (colour-blind safe), in legend order.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
OTHER_COLOR = "#999999"
#: The popup's "Status" line for a provisional event (see :func:`status_column`).
PROVISIONAL_STATUS = "PROVISIONAL: a UCDP Candidate event, not yet vetted for GED"
PRECISION_COLORS: dict[str, str] = {"exact": "#0072B2", "near": "#56B4E9", "area": "#E69F00"}
#: Grid count classes: 1–9, 10–99, 100–999, 1,000–9,999, 10,000 or more.
GRID_COLORS: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")

_EPOCH = np.datetime64("1970-01-01", "D")
_DTYPES = {"u1": "<u1", "u2": "<u2", "u4": "<u4", "i4": "<i4"}

#: Dictionary-encoded column groups: each event stores one index per group.
_GROUPS: dict[str, tuple[str, ...]] = {
    "kind": ("event_type", "sub_event_type"),
    "actors": ("actor1", "actor2"),
    "place": ("location", "adm3_name", "adm2_name", "adm1_name"),
    "prec": ("date_precision", "geo_precision", "geo_precision_code"),
    "src": ("dataset", "source", "status"),
    "fat": ("fatalities", "fatalities_low", "fatalities_high"),
    "url": ("source_url",),
}


def choose_mode(n: int, *, aggregates_only: bool = False) -> Mode:
    """Return the rendering mode for ``n`` events.

    Parameters
    ----------
    n
        Number of events on the map.
    aggregates_only
        True when raw points may not be republished: always aggregate.

    Returns
    -------
    str
        ``"full"`` up to :data:`FULL_MAX`, ``"compact"`` up to
        :data:`COMPACT_MAX`, else ``"aggregate"``.
    """
    if aggregates_only or n > COMPACT_MAX:
        return "aggregate"
    return "full" if n <= FULL_MAX else "compact"


# --------------------------------------------------------------------------- classes


def classify(events: pd.DataFrame, spec: MapSpec) -> tuple[np.ndarray, Legend]:
    """Return each event's colour class and the legend of the classes, with counts.

    The classes follow ``spec.events.color_by``: event types (the
    :data:`MAX_TYPES` most frequent, then "Other"), distance bands to the KRG
    line (inside the KRG area distinct), or location precision.
    """
    by = spec.events.color_by
    if by == "distance_band":
        codes, labels, colors, title = _band_classes(events, spec.events.distance_bands_km)
    elif by == "precision":
        values = _strings(events.get("geo_precision"), len(events))
        labels = list(PRECISION_COLORS)
        colors = list(PRECISION_COLORS.values())
        lookup = {label: i for i, label in enumerate(labels)}
        codes = values.map(lookup).fillna(len(labels)).to_numpy(dtype=np.int64)
        if (codes == len(labels)).any():
            labels.append("unknown")
            colors.append(OTHER_COLOR)
        title = "Events by location precision"
    else:
        values = _strings(events.get("event_type"), len(events)).replace("", "(no type)")
        ranked = sorted(values.value_counts().items(), key=lambda kv: (-kv[1], kv[0]))
        labels = [name for name, _ in ranked]
        if len(labels) > MAX_TYPES:
            labels = [*labels[: MAX_TYPES - 1], "Other"]
        colors = list(PALETTE[: len(labels)])
        if len(ranked) > MAX_TYPES:
            colors[-1] = OTHER_COLOR
        lookup = {label: i for i, label in enumerate(labels)}
        other = len(labels) - 1
        codes = values.map(lookup).fillna(other).to_numpy(dtype=np.int64)
        title = "Events by type"
    counts_per = np.bincount(codes, minlength=len(labels)) if len(codes) else np.zeros(len(labels))
    items = tuple(
        LegendItem(label=label, color=color, shape="circle", count=int(c))
        for label, color, c in zip(labels, colors, counts_per, strict=True)
    )
    return codes, Legend(title=title, items=items)


def _band_classes(
    events: pd.DataFrame, bands_km: tuple[float, ...]
) -> tuple[np.ndarray, list[str], list[str], str]:
    """Return distance-band codes, labels and colours (bands outward, then inside, unknown)."""
    bands = seam_bands(bands_km)
    n = len(events)
    dist = events["dist_krg_line_km"] if "dist_krg_line_km" in events else np.full(n, np.nan)
    codes = band_index(dist, bands_km)  # the one band rule, -1 when unknown
    in_krg = (
        events["in_krg_area"].fillna(False).to_numpy(bool)
        if "in_krg_area" in events
        else np.zeros(n, bool)
    )
    labels = [label for label, lo, _ in bands if lo >= 0]
    colors = list(BAND_COLORS[: len(labels)])
    inside, unknown = len(labels), len(labels) + 1
    codes = np.where(in_krg, inside, codes)
    codes = np.where(codes < 0, unknown, codes)
    labels += ["Inside the KRG-administered area", "Distance unknown"]
    colors += [INSIDE_COLOR, OTHER_COLOR]
    return codes.astype(np.int64), labels, colors, "Events by distance to the KRG line"


# --------------------------------------------------------------------------- encoding


def _strings(column: Any, n: int) -> pd.Series:
    """Return a column as text, missing values as ``""``."""
    if column is None:
        return pd.Series([""] * n, dtype=object)
    series = pd.Series(column).reset_index(drop=True).astype(object)
    return series.where(series.notna(), "").astype(str)


def _codes(column: Any, n: int, *, numeric: bool) -> tuple[np.ndarray, list[Any]]:
    """Dictionary-encode one column: codes in order of first appearance and the values.

    Text is kept as text (missing as ``""``); numbers as rounded ints (missing as ``None``).
    """
    if column is None:
        return np.zeros(n, dtype=np.int64), [None if numeric else ""]
    if numeric:
        series = pd.Series(column).reset_index(drop=True)
        ints = pd.Series(pd.to_numeric(series, errors="coerce").round().astype("Int64"))
        codes, uniques = pd.factorize(ints, use_na_sentinel=False)
        return codes.astype(np.int64), [None if v is pd.NA else int(v) for v in uniques]
    codes, uniques = pd.factorize(_strings(column, n))
    return codes.astype(np.int64), [str(v) for v in uniques]


def _group_codes(
    columns: list[tuple[np.ndarray, list[Any]]],
) -> tuple[np.ndarray, list[list[Any]]]:
    """Dictionary-encode tuples of encoded columns: one code per distinct tuple, by appearance."""
    codes = columns[0][0]
    for more, values in columns[1:]:
        codes = pd.factorize(codes * len(values) + more)[0].astype(np.int64)
    if not len(codes):
        return codes, []
    _, first = np.unique(codes, return_index=True)
    rows = [[values[c[i]] for c, values in columns] for i in first]
    return codes, rows


def _pack(values: np.ndarray, *, signed: bool = False) -> dict[str, str]:
    """Pack integers as the narrowest little-endian typed array, in base64."""
    values = np.asarray(values, dtype=np.int64)
    if signed:
        kind = "i4"
    else:
        top = int(values.max()) if len(values) else 0
        kind = "u1" if top < 2**8 else "u2" if top < 2**16 else "u4"
    return {"t": kind, "b64": base64.b64encode(values.astype(_DTYPES[kind]).tobytes()).decode()}


def unpack(column: dict[str, str]) -> np.ndarray:
    """Decode one packed column (the inverse of the encoder), as int64."""
    data = base64.b64decode(column["b64"])
    return np.frombuffer(data, dtype=_DTYPES[column["t"]]).astype(np.int64)


def _days(dates: Any) -> np.ndarray:
    """Return dates as days since 1970-01-01 (int64)."""
    values = pd.to_datetime(pd.Series(dates)).to_numpy().astype("datetime64[D]")
    return (values - _EPOCH).astype(np.int64)


def sort_events(events: pd.DataFrame) -> pd.DataFrame:
    """Return events with coordinates in a deterministic order (date, dataset, line, id)."""
    keys = [c for c in ("date", "dataset", "source_row", "event_id") if c in events.columns]
    return events.sort_values(keys, kind="stable").reset_index(drop=True) if keys else events


def encode_events(
    events: pd.DataFrame, *, mode: Mode, classes: np.ndarray, unit: Unit = "none"
) -> dict[str, Any]:
    """Encode events as the compact columnar blob that ``events.js`` draws.

    Parameters
    ----------
    events
        Events with coordinates, already in the order to draw (see :func:`sort_events`).
    mode
        ``"full"`` also embeds ``event_id`` and ``notes``; ``"compact"`` leaves them out.
    classes
        Each event's colour class (see :func:`classify`).
    unit
        Time-slider periods to describe (``"week"``, ``"month"``) or ``"none"``.

    Returns
    -------
    dict
        ``n``; ``scale`` (coordinate divisor); ``day0`` (days since 1970 of day
        offset 0); ``cols`` (packed integer columns ``x``, ``y``, ``day``,
        ``span``, ``cls``, ``row`` and one per dictionary group); ``dicts``
        (the group values, JSON lists); ``text`` (full mode: ``id``, ``notes``);
        ``periods`` (or ``None``).
    """
    n = len(events)
    lon = np.round(np.asarray(events["longitude"], dtype=float) * COORD_SCALE).astype(np.int64)
    lat = np.round(np.asarray(events["latitude"], dtype=float) * COORD_SCALE).astype(np.int64)
    days = _days(events["date"]) if n else np.zeros(0, dtype=np.int64)
    day0 = int(days.min()) if n else 0
    if "date_end" in events.columns and n:
        end = pd.to_datetime(pd.Series(events["date_end"]))
        end_days = np.where(end.isna(), days, _days(end.fillna(pd.Timestamp(0))))
        span = np.clip(end_days - days, 0, None)
    else:
        span = np.zeros(n, dtype=np.int64)
    rows = pd.to_numeric(
        pd.Series(events.get("source_row", 0), index=events.index), errors="coerce"
    )
    cols: dict[str, dict[str, str]] = {
        "x": _pack(lon, signed=True),
        "y": _pack(lat, signed=True),
        "day": _pack(days - day0),
        "span": _pack(span),
        "cls": _pack(classes),
        "row": _pack(rows.fillna(0).to_numpy(dtype=np.int64)),
    }
    dicts: dict[str, list[list[Any]]] = {}
    for group, fields in _GROUPS.items():
        numeric = group == "fat"
        encoded = [_codes(events.get(f), n, numeric=numeric) for f in fields]
        if group == "url":  # only http(s) links reach the page
            codes, values = encoded[0]
            encoded = [(codes, [v if safe.is_http_url(v) else "" for v in values])]
        codes, dicts[group] = _group_codes(encoded)
        cols[group] = _pack(codes)
    text = {}
    if mode == "full":
        text = {
            "id": _strings(events.get("event_id"), n).tolist(),
            "notes": _strings(events.get("notes"), n).tolist(),
        }
    return {
        "n": n,
        "scale": COORD_SCALE,
        "day0": day0,
        "cols": cols,
        "dicts": dicts,
        "text": text,
        "periods": _periods(days, unit, cells=None) if unit != "none" and n else None,
    }


def _periods(days: np.ndarray, unit: Unit, *, cells: np.ndarray | None) -> dict[str, Any]:
    """Describe the periods present: start days, labels, counts (and per-cell counts)."""
    starts, labels, index = period_starts(days, unit)
    out: dict[str, Any] = {
        "unit": unit,
        "starts": [int(s) for s in starts],
        "labels": labels,
        "counts": np.bincount(index, minlength=len(starts)).astype(int).tolist(),
    }
    if cells is not None:  # sparse per-period cell counts for the aggregate grid
        pairs, counts = np.unique(np.stack([index, cells]), axis=1, return_counts=True)
        offsets = np.searchsorted(pairs[0], np.arange(len(starts) + 1))
        out["cell"] = pairs[1].astype(int).tolist()
        out["cellCount"] = counts.astype(int).tolist()
        out["offsets"] = offsets.astype(int).tolist()
    return out


def encode_grid(events: pd.DataFrame, *, unit: Unit = "none") -> dict[str, Any]:
    """Count events in :data:`GRID_DEG`-degree cells (raw points are not kept).

    Returns
    -------
    dict
        ``deg`` (cell size), ``i``/``j`` (cell column and row: the cell's
        south-west corner is ``(j * deg, i * deg)`` as lat, lon), ``count``,
        ``fatalities`` (sum of known best estimates), ``cls`` (count class),
        ``n`` and ``periods`` (with sparse per-period cell counts, or ``None``).
    """
    n = len(events)
    per = round(GRID_DEG * COORD_SCALE)
    lon = np.round(np.asarray(events["longitude"], dtype=float) * COORD_SCALE).astype(np.int64)
    lat = np.round(np.asarray(events["latitude"], dtype=float) * COORD_SCALE).astype(np.int64)
    ci, cj = np.floor_divide(lon, per), np.floor_divide(lat, per)
    # One int64 key per cell, ordered as (ci, cj): np.unique on it is far faster than axis=1.
    cj0 = cj.min() if n else 0
    width = (cj.max() - cj0 + 1) if n else 1
    keys, inverse, counts = np.unique(
        ci * width + (cj - cj0), return_inverse=True, return_counts=True
    )
    cells = np.stack([np.floor_divide(keys, width), keys % width + cj0])
    inverse = np.asarray(inverse).reshape(-1)
    fat = pd.to_numeric(
        pd.Series(events.get("fatalities", pd.Series(dtype=float))), errors="coerce"
    )
    fat = np.nan_to_num(np.asarray(fat, dtype=float)) if n else np.zeros(0)
    fat_sum = np.bincount(inverse, weights=fat, minlength=cells.shape[1]) if n else np.zeros(0)
    days = _days(events["date"]) if n else np.zeros(0, dtype=np.int64)
    return {
        "n": n,
        "deg": GRID_DEG,
        "i": cells[0].astype(int).tolist(),
        "j": cells[1].astype(int).tolist(),
        "count": np.asarray(counts).astype(int).tolist(),
        "fatalities": np.round(fat_sum).astype(int).tolist(),
        "cls": grid_class(np.asarray(counts)).tolist(),
        "periods": _periods(days, unit, cells=inverse) if unit != "none" and n else None,
    }


def grid_class(counts: np.ndarray) -> np.ndarray:
    """Return the count class of each cell: the decade of its count (0–4)."""
    counts = np.maximum(np.asarray(counts, dtype=float), 1)
    return np.minimum(np.floor(np.log10(counts)), len(GRID_COLORS) - 1).astype(int)


def _grid_legend(grid: dict[str, Any]) -> Legend:
    labels = ("1–9", "10–99", "100–999", "1,000–9,999", "10,000 or more")
    per_class = np.bincount(np.asarray(grid["cls"], dtype=int), minlength=len(labels))
    items = tuple(
        LegendItem(label=f"{label} events", color=color, shape="square", count=int(c))
        for label, color, c in zip(labels, GRID_COLORS, per_class, strict=True)
        if c
    )
    return Legend(
        title=f"Events per {GRID_DEG}° cell",
        items=items,
        note=f"{grid['n']:,} events in {len(grid['count']):,} cells; counts are cells per class.",
    )


# --------------------------------------------------------------------------- elements


def add_static(m: folium.Map, filename: str) -> None:
    """Inline one of our own ``static/`` files into the page body, once per page.

    The body comes after the head's Leaflet and plugin scripts, which ours extend.
    """
    body = static(filename)
    tag = "script" if filename.endswith(".js") else "style"
    if f"</{tag}" in body.lower():
        raise ValueError(f"static/{filename} must not contain '</{tag}'")
    m.get_root().html.add_child(RawHtml(f"<{tag}>\n{body}</{tag}>"), name=f"geo_{filename}")


class EventData(MacroElement):
    """The events controller: one data blob, decoded and drawn by ``GeoEvents``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new GeoEvents({{ this._parent.get_name() }},
            {{ this.blob }}, {{ this.options }});
        {% endmacro %}
        """
    )

    def __init__(self, blob: dict[str, Any], options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GeoEventData"
        self.blob = safe.script_json(blob)
        self.options = safe.script_json(options)

    def render(self, **kwargs: Any) -> None:
        """Add the script as raw text: branca would compile the megabytes of data as a template."""
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(RawHtml(script(self, kwargs)), name=self.get_name())


class EventLayer(JSCSSMixin, folium.map.Layer):
    """One layer of the controller (points, clusters, heat or grid) in the layer control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.data.get_name() }}.layers[{{ this.key_json }}];
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: EventData,
        key: Literal["events", "heat", "grid"],
        *,
        name: str,
        show: bool = True,
        js: list[tuple[str, str]] | None = None,
        css: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(name=safe.text(name), overlay=True, control=True, show=show)
        self._name = "GeoEventLayer"
        self.data = data
        self.key_json = safe.script_json(key)
        self.default_js = list(js or [])
        self.default_css = list(css or [])


def add_event_layers(
    m: folium.Map,
    events: gpd.GeoDataFrame,
    *,
    spec: MapSpec,
    mode: str,
    pane: str = "events",
    seam: pd.DataFrame | None = None,
) -> list[Legend]:
    """Add the event layers the spec names and return their legends (with counts).

    Parameters
    ----------
    m
        The map to draw on.
    events
        The joined events table (event and join columns, EPSG:4326); may be empty.
    spec
        The map spec: ``layers`` (``events``, ``heat``, ``grid``),
        ``events.mode`` / ``color_by`` / ``distance_bands_km``, ``time``,
        ``seam_chart`` and ``aggregates_only``.
    mode
        The rendering mode from :func:`choose_mode`.
    pane
        The Leaflet pane for points and cells (created if the page lacks it).
    seam
        Seam statistics from the analysis step for the seam chart, or ``None``
        to compute the band counts from ``dist_krg_line_km``.

    Returns
    -------
    list of Legend
        One legend per coloured layer, events without coordinates named in a note.
    """
    if mode not in MODE_NOTES:
        raise ValueError(f"mode must be one of {', '.join(MODE_NOTES)}, got {mode!r}")
    frame = pd.DataFrame(events.drop(columns="geometry", errors="ignore"))
    has_xy = (
        pd.to_numeric(frame.get("latitude"), errors="coerce").notna()
        & pd.to_numeric(frame.get("longitude"), errors="coerce").notna()
        if len(frame)
        else pd.Series([], dtype=bool)
    )
    missing = int((~has_xy).sum())
    frame = sort_events(frame[has_xy.to_numpy()])
    frame["status"] = status_column(frame)
    provisional = provisional_note(frame)
    unit: Unit = spec.time if spec.time in ("week", "month") else "none"
    want_points = spec.has("events") and spec.events.mode != "none"
    want_grid = spec.has("grid") or (mode == "aggregate" and want_points)
    want_heat = spec.has("heat")
    legends: list[Legend] = []
    missing_note = (
        f"{missing:,} events without coordinates are not drawn (they are in the joined table)."
        if missing
        else ""
    )

    for filename in ("events.js", "events.css"):
        add_static(m, filename)
    blob: dict[str, Any] = {"points": None, "grid": None, "classes": []}
    if mode != "aggregate" and (want_points or want_heat):
        codes, legend = classify(frame, spec)
        blob["points"] = encode_events(frame, mode=mode, classes=codes, unit=unit)  # type: ignore[arg-type]
        blob["classes"] = [{"label": i.label, "color": i.color} for i in legend.items]
        if want_points:
            hollow = _hollow_item(frame)
            items = legend.items + ((hollow,) if hollow else ())
            too_many = spec.events.mode == "cluster" and len(frame) > CLUSTER_MAX
            note = _join(
                MODE_NOTES[mode],  # type: ignore[index]
                CLUSTER_NOTE if too_many else "",
                provisional,
                missing_note,
            )
            legends.append(Legend(legend.title, items, note=note))
    if want_grid or (mode == "aggregate" and want_heat):
        blob["grid"] = encode_grid(frame, unit=unit)
        if want_grid:
            grid_legend = _grid_legend(blob["grid"])
            note = _join(
                grid_legend.note,
                MODE_NOTES["aggregate"] if mode == "aggregate" else "",
                provisional,
                missing_note,
            )
            legends.append(Legend(grid_legend.title, grid_legend.items, note=note))
    draw = "cluster" if spec.events.mode == "cluster" and len(frame) <= CLUSTER_MAX else "points"
    options = {
        "pane": pane,
        "draw": draw,
        "mode": mode,
        "events": bool(want_points and blob["points"]),
        "heat": bool(want_heat),
        "grid": bool(want_grid),
        "gridColors": list(GRID_COLORS),
        "notesOmitted": mode == "compact",
    }
    data = EventData(blob, options)
    data.add_to(m)
    if want_grid:
        EventLayer(data, "grid", name="Event counts (grid cells)").add_to(m)
    if want_heat:
        EventLayer(data, "heat", name="Event heat", show=False, js=HeatMap.default_js).add_to(m)
    if options["events"]:
        js, css = (
            (MarkerCluster.default_js, MarkerCluster.default_css)
            if draw == "cluster"
            else (None, None)
        )
        EventLayer(data, "events", name="Events", js=js, css=css).add_to(m)
    if any(part and part["periods"] for part in (blob["points"], blob["grid"])):
        for filename in TimeSlider.static:
            add_static(m, filename)
        TimeSlider(data).add_to(m)
    if spec.seam_chart:
        for filename in SeamChart.static:
            add_static(m, filename)
        chart = SeamChart(frame, seam=seam, bands_km=spec.events.distance_bands_km)
        chart.add_to(m)
    return legends


def status_column(frame: pd.DataFrame) -> pd.Series:
    """Return each event's status text for popups: provisional events say so, others are empty."""
    flag = frame["provisional"] if "provisional" in frame else pd.Series(False, index=frame.index)
    flag = flag.fillna(False).astype(bool)
    return pd.Series(np.where(flag, PROVISIONAL_STATUS, ""), index=frame.index)


def provisional_note(frame: pd.DataFrame) -> str:
    """Return the legend's sentence on provisional events, or ``""`` when there are none."""
    count = int(status_column(frame).ne("").sum()) if len(frame) else 0
    if not count:
        return ""
    return (
        f"{count:,} of these events are provisional (UCDP Candidate events, not yet vetted "
        "for GED); their popups say so."
    )


def _hollow_item(frame: pd.DataFrame) -> LegendItem | None:
    """Return the legend item for area-centroid events, when there are any."""
    count = int((_strings(frame.get("geo_precision"), len(frame)) == "area").sum())
    if not count:
        return None
    return LegendItem(
        label="Hollow dashed circle: area centroid (location known only to an area)",
        color="#333333",
        shape="hollow",
        count=count,
    )


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)
