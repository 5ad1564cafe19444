"""Legends: the records every coloured layer returns, and their HTML control (a template)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from geo.render.jinja import render

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
    shown = [legend for legend in legends if legend.items]
    if not shown:
        return ""
    return render("legend", legends=shown, color=_color)
