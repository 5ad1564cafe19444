"""Time slider: periods (week or month) of the events and the control that steps through them.

The control (``static/timeslider.js``) is our own small Leaflet control over
the events controller of :mod:`geo.render.events`: a range input and a play
button over the periods present, the period's label and event count, and a
cumulative toggle. It filters the compact point layer (or, in aggregate mode,
recolours the grid from per-period cell counts) and writes the number of
visible events to its ``data-visible-count`` attribute.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from branca.element import MacroElement
from folium.template import Template

from geo.constants import month_start_days, week_start_days

Unit = Literal["none", "week", "month"]

_EPOCH = np.datetime64("1970-01-01", "D")


def period_starts(days: np.ndarray, unit: Unit) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Return the periods present in ``days``: start days, labels, each day's period index.

    Parameters
    ----------
    days
        Event dates as days since 1970-01-01.
    unit
        ``"week"`` (weeks start on Monday) or ``"month"``.

    Returns
    -------
    tuple
        Sorted start days of the periods that hold at least one event (days
        since 1970-01-01), their labels (``"2019-03"`` or ``"Week of
        2019-03-04"``), and the index of each input day's period.
    """
    days = np.asarray(days, dtype=np.int64)
    if unit == "week":
        start = week_start_days(days)
    elif unit == "month":
        start = month_start_days(days)
    else:
        raise ValueError(f"unit must be 'week' or 'month', got {unit!r}")
    starts, index = np.unique(start, return_inverse=True)
    dates = (_EPOCH + starts.astype("timedelta64[D]")).astype(str)
    labels = [d[:7] if unit == "month" else f"Week of {d}" for d in dates]
    return starts, labels, np.asarray(index).reshape(-1)


class TimeSlider(MacroElement):
    """The slider control over one events controller (``GeoTimeSlider`` in the page)."""

    static: tuple[str, ...] = ("timeslider.js", "timeslider.css")

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new GeoTimeSlider({{ this.data.get_name() }},
            {position: "bottomleft"}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: Any) -> None:
        super().__init__()
        self._name = "GeoTimeSlider"
        self.data = data
