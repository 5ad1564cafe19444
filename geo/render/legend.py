"""Legends: the records every coloured layer returns, and their HTML control."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from geo.render.safe import text

Swatch = Literal[
    "circle", "hollow", "ring", "square", "triangle", "diamond", "line", "dashed", "hatch"
]


@dataclass(frozen=True)
class LegendItem:
    """One row of a legend: a swatch of ``color`` drawn as ``shape``, then ``label``."""

    label: str
    color: str
    shape: Swatch = "circle"
    count: int | None = None


@dataclass(frozen=True)
class Legend:
    """A titled legend for one layer (or one group of layers)."""

    title: str
    items: tuple[LegendItem, ...]
    note: str = ""


_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]{5,40}\)")


def _color(value: str) -> str:
    """Return ``value`` when it is a plain CSS colour, else a neutral grey."""
    return value if _COLOR.fullmatch(value) else "#888888"


def legend_html(legends: Sequence[Legend]) -> str:
    """Return the legends as one plain-HTML block (``#geo-legend``), every string escaped.

    The page script moves the block into a Leaflet control; without JavaScript
    it still shows as plain HTML. Returns ``""`` when there is nothing to show.
    """
    parts: list[str] = []
    for legend in legends:
        if not legend.items:
            continue
        rows = []
        for item in legend.items:
            count = ""
            if item.count is not None:
                count = f' <span class="geo-count">({item.count:,})</span>'
            rows.append(
                f'<li><span class="geo-sw geo-sw-{text(item.shape)}" '
                f'style="--c:{text(_color(item.color))}"></span>'
                f"<span>{text(item.label)}{count}</span></li>"
            )
        note = f'<p class="geo-note">{text(legend.note)}</p>' if legend.note else ""
        parts.append(
            f"<section><h4>{text(legend.title)}</h4><ul>{''.join(rows)}</ul>{note}</section>"
        )
    if not parts:
        return ""
    return f'<div id="geo-legend" class="geo-legend" aria-label="Legend">{"".join(parts)}</div>'
