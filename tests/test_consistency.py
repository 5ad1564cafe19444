"""Issue 13: one definition of each shared constant and column, used everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from test_join import make_events, tiny_layers
from test_render_events import make_spec

from geo import aggregate
from geo.render import classes
from geo.render.seam import band_counts, seam_bands

GEO = Path(__file__).resolve().parents[1] / "geo"


def _code_lines():
    for path in sorted(GEO.rglob("*.py")):
        if path.name == "constants.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if '"""' in code or code.strip().startswith(("``", "-", "*")):
                continue
            yield path, n, code


def test_crs_bbox_and_band_constants_are_defined_once():
    patterns = [
        r"\"EPSG:(4326|32638)\"|crs\((4326|32638)\)|crs=(4326|32638)",  # a CRS spelled out again
        r"\b38\.7\b|\b48\.[78]\b",  # the Iraq bounding box
        r"\(10,\s*25,\s*50\)|\(10\.0,\s*25\.0,\s*50\.0\)|\[10,\s*25,\s*50\]",  # band edges
        r"W-SUN|\(days \+ 3\) % 7",  # week bucketing
    ]
    found = [
        f"{path.relative_to(GEO)}:{n}: {code.strip()}"
        for path, n, code in _code_lines()
        if any(re.search(p, code) for p in patterns)
    ]
    assert found == [], "constants defined outside geo/constants.py:\n" + "\n".join(found)


def test_an_event_on_the_krg_line_falls_in_one_band_everywhere():
    # one event exactly on the line (0 km) inside the KRG area, one exactly at 10 km outside
    joined = pd.DataFrame(
        {
            "dist_krg_line_km": [0.0, 10.0],
            "in_krg_area": [True, False],
            "coarse_adm3": [False, False],
            "fatalities": [1, 2],
        }
    )
    seam = aggregate.seam_stats(joined).set_index(["side", "band_km"])
    assert seam.loc[("krg", 10.0), "events"] == 1
    assert seam.loc[("federal", 10.0), "events"] == 1
    # the seam chart: inside 0–10 and outside 0–10
    counts, unknown = band_counts(joined, (10, 25, 50))
    labels = [label for label, _, _ in seam_bands((10, 25, 50))]
    got = {labels[i]: int(c) for i, c in enumerate(counts) if c}
    assert got == {"0–10 km inside": 1, "0–10 km": 1} and unknown == 0
    # the distance-band colouring of the event layer
    spec = make_spec(events={"color_by": "distance_band", "distance_bands_km": [10, 25, 50]})
    codes, legend = classes.classify(joined, spec)
    names = [item.label for item in legend.items]
    assert [names[c] for c in codes] == ["Inside the KRG-administered area", "0–10 km"]


def test_krg_line_distance_is_unsigned_and_side_is_in_krg_area():
    e = _joined()
    assert (e["dist_krg_line_km"].dropna() >= 0).all()
    assert e["in_krg_area"].any() and (~e["in_krg_area"]).any()


def _joined():
    from geo.join import join_events

    return join_events(
        make_events([(45.0, 34.9), (45.0, 34.5), (44.1, 34.1)]), tiny_layers()
    ).events


def test_renamed_columns():
    e = _joined()
    assert "quality_flags" in e and "flags" not in e.columns
    assert "is_match_rule" in e and "is_rule" not in e.columns


def test_every_join_output_column_is_in_the_column_dictionary():
    from geo.columns import COLUMNS

    missing = [c for c in _joined().columns if c not in COLUMNS]
    assert missing == []
    assert all(isinstance(v, str) and len(v) > 5 for v in COLUMNS.values())


def test_band_index_rule():
    from geo.constants import band_index

    got = band_index([0.0, 9.999, 10.0, 10.001, 25.0, 50.0, 50.5, np.nan], (10, 25, 50))
    assert got.tolist() == [0, 0, 0, 1, 1, 2, 3, -1]


def test_column_dictionary_is_in_the_readme_and_in_the_provenance(tmp_path):
    from geo import export
    from geo.columns import COLUMNS

    readme = (GEO.parent / "README.md").read_text(encoding="utf-8")
    missing = [c for c in COLUMNS if f"| `{c}` |" not in readme]
    assert missing == [], "README column dictionary lacks: " + ", ".join(missing)
    e = _joined()
    for suffix in (".parquet", ".gpkg", ".geojson", ".csv"):
        path = export.write_events(
            e, tmp_path / f"j{suffix}", provenance={"run_date": "2020-01-01"}
        )
        cols = export.read_provenance(path)["columns"]
        assert set(cols) == set(e.columns)
        assert cols["dist_krg_line_km"] == COLUMNS["dist_krg_line_km"]
