"""Time slider: the control that steps through the periods (week or month) of the events.

The control (``static/timeslider.js``) is our own small Leaflet control over
the events controller of :mod:`geo.render.events`: a range input and a play
button over the periods present (counted by :func:`geo.grid.period_counts`),
the period's label and event count, and a cumulative toggle. It filters the
compact point layer (or, in aggregate mode, recolours the grid from per-period
cell counts) and writes the number of visible events to its
``data-visible-count`` attribute.
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from folium.template import Template


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
