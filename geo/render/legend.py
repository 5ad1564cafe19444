"""Legends: the records every coloured layer returns, and their HTML control."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Swatch = Literal["circle", "hollow", "ring", "square", "line", "dashed", "hatch"]


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
