"""Colour classes of events (type, distance band or precision) and of grid counts, with legends."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo.constants import band_index
from geo.grid import DECADES, GRID_DEG
from geo.render.legend import Legend, LegendItem
from geo.render.packing import status_column, strings
from geo.render.seam import BAND_COLORS, INSIDE_COLOR, seam_bands
from geo.spec import MapSpec

#: Event types beyond this many (by count) share the "Other" colour.
MAX_TYPES = 8

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
PRECISION_COLORS: dict[str, str] = {"exact": "#0072B2", "near": "#56B4E9", "area": "#E69F00"}
#: Grid count classes (:data:`geo.grid.DECADES`): 1–9, 10–99, 100–999, 1,000–9,999, 10,000+.
GRID_COLORS: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


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
        values = strings(events.get("geo_precision"), len(events))
        labels = list(PRECISION_COLORS)
        colors = list(PRECISION_COLORS.values())
        lookup = {label: i for i, label in enumerate(labels)}
        codes = values.map(lookup).fillna(len(labels)).to_numpy(dtype=np.int64)
        if (codes == len(labels)).any():
            labels.append("unknown")
            colors.append(OTHER_COLOR)
        title = "Events by location precision"
    else:
        values = strings(events.get("event_type"), len(events)).replace("", "(no type)")
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


def grid_legend(grid: dict[str, Any]) -> Legend:
    """Return the legend of an encoded grid (see :func:`geo.render.packing.encode_grid`)."""
    per_class = np.bincount(np.asarray(grid["cls"], dtype=int), minlength=len(DECADES))
    items = tuple(
        LegendItem(label=f"{label} events", color=color, shape="square", count=int(c))
        for label, color, c in zip(DECADES, GRID_COLORS, per_class, strict=True)
        if c
    )
    return Legend(
        title=f"Events per {GRID_DEG}° cell",
        items=items,
        note=f"{grid['n']:,} events in {len(grid['count']):,} cells; counts are cells per class.",
    )


def provisional_note(frame: pd.DataFrame) -> str:
    """Return the legend's sentence on provisional events, or ``""`` when there are none."""
    count = int(status_column(frame).ne("").sum()) if len(frame) else 0
    if not count:
        return ""
    return (
        f"{count:,} of these events are provisional (UCDP Candidate events, not yet vetted "
        "for GED); their popups say so."
    )


def hollow_item(frame: pd.DataFrame) -> LegendItem | None:
    """Return the legend item for area-centroid events, when there are any."""
    count = int((strings(frame.get("geo_precision"), len(frame)) == "area").sum())
    if not count:
        return None
    return LegendItem(
        label="Hollow dashed circle: area centroid (location known only to an area)",
        color="#333333",
        shape="hollow",
        count=count,
    )
