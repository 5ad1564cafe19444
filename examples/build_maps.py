"""Build the maps from Python: load, join, count, and render — the same steps as `geo build`.

Run it from anywhere:  python examples/build_maps.py [INCIDENTS.csv ...]
"""

from __future__ import annotations

import sys

from geo import aggregate, pipeline
from geo.boundaries.resolve import resolve_boundaries
from geo.incidents import load_incidents, load_sample
from geo.join import join_events
from geo.layers import project_layers

# 1. Everything at once, as the command line does it (output/ by default).
report = pipeline.build(incidents=sys.argv[1:], out="output")
print(report.summary())

# 2. Or step by step, to work with the tables yourself.
boundaries = resolve_boundaries().boundaries  # cache → download → schematic fallback
layers = project_layers(boundaries)  # disputed zones, KRG area and line, Hamrin, places
loaded = load_incidents(sys.argv[1:], is_only=True) if sys.argv[1:] else load_sample()
joined = join_events(loaded.events, layers).events  # areas, zone flags, distances in km
per_district = aggregate.aggregate(joined, layers, by="district", period="year")
print(per_district[per_district["events"] > 0].head(10).to_string(index=False))
print(aggregate.seam_stats(joined).to_string(index=False))
