"""Seam chart: events by distance band to the KRG line (both sides) and the seam statistics box.

The chart is an inline SVG bar chart drawn from ``templates/seam.html.j2``
(autoescaped), so it reads even without JavaScript; a three-line script
moves it into a Leaflet control.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from geo.aggregate import seam_selection
from geo.constants import band_edges, band_index
from geo.render.jinja import render

#: Bar colours outside the KRG area, nearest band first.
BAND_COLORS: tuple[str, ...] = ("#b2182b", "#ef8a62", "#fddbc7", "#92c5de", "#4393c3", "#2166ac")
#: Bar colour of every band inside the KRG-administered area.
INSIDE_COLOR = "#762a83"
#: Most rows of a seam statistics table shown in the box.
MAX_ROWS = 30

_W, _H, _BAR, _GAP = 300, 90, 30, 6


def seam_bands(bands_km: tuple[float, ...]) -> list[tuple[str, float, float]]:
    """Return the distance bands across the KRG line, deepest inside first.

    Each band is ``(label, low, high)``, ``low``/``high`` in km signed for
    display only (negative inside the KRG-administered area). Which band an
    event falls in is :func:`geo.constants.band_index` of its unsigned
    distance, on the side ``in_krg_area`` gives it.
    """
    edges = [0.0, *sorted(float(b) for b in bands_km), math.inf]
    outside = []
    for lo, hi in itertools.pairwise(edges):
        label = f"> {_km(lo)} km" if math.isinf(hi) else f"{_km(lo)}–{_km(hi)} km"
        outside.append((label, lo, hi))
    inside = [(f"{label} inside", -hi, -lo) for label, lo, hi in reversed(outside)]
    return inside + outside


def _km(value: float) -> str:
    return f"{value:g}"


def band_counts(
    events: pd.DataFrame, bands_km: tuple[float, ...], *, include_coarse: bool = False
) -> tuple[np.ndarray, int]:
    """Count events per band of :func:`seam_bands`, and those left out.

    The events counted are those of :func:`geo.aggregate.seam_selection`
    (the same set as the seam statistics); the others are left out.
    """
    use = seam_selection(events, include_coarse=include_coarse)
    codes = band_index(events["dist_krg_line_km"], bands_km)
    inside = events["in_krg_area"].fillna(False).to_numpy(bool)
    nb = len(bands_km) + 1
    outside_counts = np.bincount(codes[use & ~inside], minlength=nb)
    inside_counts = np.bincount(codes[use & inside], minlength=nb)[::-1]
    counts = np.concatenate([inside_counts, outside_counts]).astype(int)
    return counts, int((~use).sum())


@dataclass(frozen=True)
class _Table:
    """A statistics table: header cells, rows of cells (plain text) and a note below."""

    head: tuple[str, ...]
    rows: list[list[str]]
    note: str = ""


def chart_html(
    events: pd.DataFrame,
    *,
    bands_km: tuple[float, ...],
    seam: pd.DataFrame | None,
    include_coarse: bool = False,
) -> str:
    """Return the seam box: an SVG bar chart by band and a table of seam statistics.

    The chart counts the same events as the table (:func:`geo.aggregate.seam_selection`).
    """
    bands = seam_bands(bands_km)
    counts, left_out = band_counts(events, bands_km, include_coarse=include_coarse)
    nb = len(bands) // 2
    colors = [INSIDE_COLOR] * nb + [BAND_COLORS[i % len(BAND_COLORS)] for i in range(nb)]
    top = max(int(counts.max()) if len(counts) else 0, 1)
    width = len(bands) * (_BAR + _GAP) + _GAP
    bars = []
    for k, ((label, _, _), count, color) in enumerate(zip(bands, counts, colors, strict=True)):
        x = _GAP + k * (_BAR + _GAP)
        h = round(_H * int(count) / top, 1)
        bars.append(
            {
                "label": label,
                "count": int(count),
                "x": x,
                "y": _H - h + 14,
                "count_y": _H - h + 11,
                "mid": x + _BAR / 2,
                "width": _BAR,
                "height": h,
                "color": color,
                "short": _short(label),
            }
        )
    line_x = _GAP / 2 + nb * (_BAR + _GAP)
    return render(
        "seam",
        width=width,
        height=_H + 44,
        shown_width=min(width, _W),
        bars=bars,
        axis_y=_H + 26,
        line_x=line_x,
        line_bottom=_H + 16,
        caption_y=_H + 40,
        left_out=left_out,
        what="unknown distance"
        if include_coarse
        else "unknown distance or district-level location",
        table=(
            _seam_table(seam)
            if seam is not None
            else _shares_table(events, bands_km, include_coarse=include_coarse)
        ),
        roles=_role_table(seam) if seam is not None else None,
    )


#: Per-role columns of the seam statistics, and their headings in the box.
_ROLE_COLUMNS = (
    ("events_is_attack", "IS attacks"),
    ("events_against_is", "Operations against IS"),
    ("events_clash", "Clashes"),
)


def _role_table(seam: pd.DataFrame) -> _Table | None:
    """Lay out the events within each band (both sides) per role, when the table has roles."""
    columns = [(c, label) for c, label in _ROLE_COLUMNS if c in seam.columns]
    if not columns or "side" not in seam.columns:
        return None
    both = seam[seam["side"] == "both"].sort_values("band_km")
    rows = [
        [f"{_km(float(r['band_km']))} km", *(f"{int(r[c]):,}" for c, _ in columns)]
        for _, r in both.iterrows()
    ]
    return _Table(("Within", *(label for _, label in columns)), rows) if rows else None


def _short(label: str) -> str:
    return label.replace(" km", "").replace(" inside", "")


def _share(part: int, total: int) -> str:
    return f"{100 * part / total:.1f}%" if total else "–"


def _shares_table(
    events: pd.DataFrame, bands_km: tuple[float, ...], *, include_coarse: bool
) -> _Table:
    """Return the shares of events within each band edge of the line, both sides together."""
    use = seam_selection(events, include_coarse=include_coarse)
    codes = band_index(events["dist_krg_line_km"], bands_km)[use]
    total = int(use.sum())
    rows = []
    for k, edge in enumerate(band_edges(bands_km)):
        within = int((codes <= k).sum())
        rows.append([f"Within {_km(edge)} km of the line", f"{within:,}", _share(within, total)])
    inside = int(events["in_krg_area"].fillna(False).to_numpy(bool)[use].sum())
    rows.append(["Inside the KRG-administered area", f"{inside:,}", _share(inside, total)])
    return _Table(("Seam statistic", "Events", "Share"), rows)


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return f"{float(value):,.2f}"
    return str(value)


_SIDES = (("both", "Both sides"), ("krg", "KRG side"), ("federal", "Federal side"))
_SEAM_COLUMNS = {"side", "band_km", "events", "share_pct", "events_considered", "left_out"}


def _seam_table(seam: pd.DataFrame) -> _Table:
    """Lay out :func:`geo.aggregate.seam_stats` as bands × sides: events and share.

    A table of another shape is shown as given (first rows only).
    """
    if not set(seam.columns) >= _SEAM_COLUMNS:
        return _generic_table(seam)
    rows = []
    for band, group in seam.groupby("band_km", sort=True):
        by_side = {str(r.side): r for r in group.itertuples(index=False)}
        cells = [f"{_km(float(band))} km"]
        for side, _label in _SIDES:
            r = by_side.get(side)
            cells.append("" if r is None else f"{int(r.events):,} ({float(r.share_pct):.1f}%)")
        rows.append(cells)
    first = seam.iloc[0]
    note = (
        f"Shares of the {int(first.events_considered):,} events with a precise location; "
        f"{int(first.left_out):,} located only to a district or coarser are left out."
    )
    return _Table(("Within", *(label for _, label in _SIDES)), rows, note)


def _generic_table(seam: pd.DataFrame) -> _Table:
    rows = [
        [_cell(v) for v in row] for row in seam.head(MAX_ROWS).itertuples(index=False, name=None)
    ]
    more = (
        f"{len(seam) - MAX_ROWS:,} more rows are in the seam statistics table."
        if len(seam) > MAX_ROWS
        else ""
    )
    return _Table(tuple(str(c) for c in seam.columns), rows, more)


class SeamChart(MacroElement):
    """The seam box as a Leaflet control (plain HTML in the page, moved into the map)."""

    static: tuple[str, ...] = ("seam.css",)

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div id="{{ this.get_name() }}" class="geo-seam">{{ this.body }}</div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var box = document.getElementById("{{ this.get_name() }}");
            var control = L.control({position: "bottomleft"});
            control.onAdd = function () {
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.disableScrollPropagation(box);
                return box;
            };
            control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        events: pd.DataFrame,
        *,
        seam: pd.DataFrame | None,
        bands_km: tuple[float, ...],
        include_coarse: bool = False,
    ) -> None:
        super().__init__()
        self._name = "GeoSeamChart"
        self.body = chart_html(events, bands_km=bands_km, seam=seam, include_coarse=include_coarse)
