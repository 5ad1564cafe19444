"""The naive join pipeline that ``geo join`` is measured against, written out in full.

What an analyst would write with geopandas alone, producing the columns ``geo join``
computes for areas and the KRG line:

    read_csv → points_from_xy → sjoin to governorates, districts and sub-districts
    → distance to the KRG line (in UTM 38N) → to_parquet

Usage::

    python benchmarks/naive_join.py EVENTS.csv COD_AB_FOLDER OUT.parquet

``EVENTS.csv`` is an ACLED-layout file (``latitude``/``longitude`` columns), the
folder holds the OCHA COD-AB GeoJSON files. The KRG line is built the way the
tool defines it: the boundary of Duhok, Erbil and Al-Sulaymaniyah without
Makhmour and with Aqra, minus the international border.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd


def main(events_csv: str, cod_ab: str, out: str) -> None:
    folder = Path(cod_ab)
    adm = {
        level: gpd.read_file(next(folder.glob(f"irq_admbnda_adm{level}_*.geojson")))
        for level in (0, 1, 2, 3)
    }
    events = pd.read_csv(events_csv, low_memory=False)
    points = gpd.GeoDataFrame(
        events,
        geometry=gpd.points_from_xy(events["longitude"], events["latitude"]),
        crs="EPSG:4326",
    )
    for level, cols in (
        (1, ["ADM1_PCODE", "ADM1_EN"]),
        (2, ["ADM2_PCODE", "ADM2_EN"]),
        (3, ["ADM3_PCODE", "ADM3_EN"]),
    ):
        right = adm[level][[*cols, "geometry"]]
        points = gpd.sjoin(points, right, how="left", predicate="within")
        points = points.drop(columns="index_right")
        points = points[~points.index.duplicated(keep="first")]

    districts = adm[2]
    krg_govs = districts["ADM1_EN"].isin(["Duhok", "Erbil", "Al-Sulaymaniyah"])
    makhmour = districts["ADM2_EN"].str.contains("Makhmou", case=False)
    aqra = districts["ADM2_EN"].str.contains("Aqra|Akre", case=False)
    krg = districts[(krg_govs & ~makhmour) | aqra].union_all()
    line = krg.boundary.difference(adm[0].union_all().boundary.buffer(1e-6))
    line_utm = gpd.GeoSeries([line], crs="EPSG:4326").to_crs("EPSG:32638").iloc[0]
    points["dist_krg_line_km"] = points.geometry.to_crs("EPSG:32638").distance(line_utm) / 1000
    points.to_parquet(out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
