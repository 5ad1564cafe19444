"""disputed-maps: map Islamic State activity in Iraq's disputed territories.

The package is a one-way pipeline (load, validate, join, aggregate, render,
write); :mod:`geo.pipeline` ties the stages together and :mod:`geo.cli` is
the ``geo`` command over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
