"""GeoJSON and GeoPackage point layers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from geo.errors import InputError
from geo.incidents import load_incidents


def layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "event_id": ["p1", "p2", "p3", "p4"],
            "date": ["2021-08-01", "2021-08-02", "2021-08-03", "2021-08-04"],
            "actor1": ["ISIS", "ISF", "ISF", "ISF"],
            "fatalities": [1, 2, None, 0],
        },
        geometry=[Point(45.1, 34.2), Point(44.4, 35.1), LineString([(44, 34), (45, 35)]), None],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_points_load_and_others_are_rejected(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"events{suffix}"
    layer().to_file(path)
    result = load_incidents(path)
    assert result.rows_read == 4 == result.rows_accepted + result.rows_rejected
    assert list(result.events["event_id"]) == ["p1", "p2"]
    assert result.events["is_match_rule"].tolist() == ["isis", ""]
    assert result.events.iloc[0][["latitude", "longitude"]].tolist() == [34.2, 45.1]
    rejected = result.rejected.set_index("line")
    assert "not a point" in rejected.loc[3, "reason"]
    assert "LineString" in rejected.loc[3, "reason"]
    assert "missing coordinates" in rejected.loc[4, "reason"]
    assert result.datasets[0].format == suffix[1:]


def test_other_crs_is_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "utm.gpkg"
    layer().iloc[:2].to_crs(32638).to_file(path)
    result = load_incidents(path)
    assert result.events["latitude"].round(6).tolist() == [34.2, 35.1]
    assert result.events["longitude"].round(6).tolist() == [45.1, 44.4]


def test_broken_geojson(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.geojson: cannot be read"):
        load_incidents(path)
