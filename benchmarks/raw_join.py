"""The raw-library floor for ``geo join``: the naive script's columns, fastest calls, no checks.

What the libraries alone can do for the columns ``naive_join.py`` writes (every
input column, the governorate, district and sub-district codes and names, and the
distance to the KRG line), with no validation, rejection report, border rules,
provenance or other zone and distance columns:

    pyarrow.csv (multithreaded, every column as text but the coordinates)
    → bounding box + ``shapely.contains_xy`` per sub-district (parents from its fields)
    → pyproj to UTM 38N → nearest vertex of the 50 m-densified KRG line (pykdtree)
    → pyarrow.parquet

Usage::

    python benchmarks/raw_join.py EVENTS.csv COD_AB_FOLDER OUT.parquet
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely
from pykdtree.kdtree import KDTree
from pyproj import Transformer


def main(events_csv: str, cod_ab: str, out: str) -> None:
    folder = Path(cod_ab)
    adm = {
        level: gpd.read_file(next(folder.glob(f"irq_admbnda_adm{level}_*.geojson")))
        for level in (0, 2, 3)
    }
    with open(events_csv, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    types = {c: pa.string() for c in header}
    types.update(latitude=pa.float64(), longitude=pa.float64())
    table = pacsv.read_csv(events_csv, convert_options=pacsv.ConvertOptions(column_types=types))
    lon = table["longitude"].to_numpy()
    lat = table["latitude"].to_numpy()

    subdistricts = adm[3]
    where = np.full(len(lon), -1)
    for i, geom in enumerate(subdistricts.geometry.values):
        shapely.prepare(geom)
        minx, miny, maxx, maxy = geom.bounds
        cand = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
        where[cand[shapely.contains_xy(geom, lon[cand], lat[cand])]] = i
    for field in ("ADM1_PCODE", "ADM1_EN", "ADM2_PCODE", "ADM2_EN", "ADM3_PCODE", "ADM3_EN"):
        values = np.append(subdistricts[field].to_numpy(dtype=object), None)
        table = table.append_column(field, pa.array(values[where], type=pa.string()))

    districts = adm[2]
    krg_govs = districts["ADM1_EN"].isin(["Duhok", "Erbil", "Al-Sulaymaniyah"])
    makhmour = districts["ADM2_EN"].str.contains("Makhmou", case=False)
    aqra = districts["ADM2_EN"].str.contains("Aqra|Akre", case=False)
    krg = districts[(krg_govs & ~makhmour) | aqra].union_all()
    line = krg.boundary.difference(adm[0].union_all().boundary.buffer(1e-6))
    utm = Transformer.from_crs("EPSG:4326", "EPSG:32638", always_xy=True)
    line_utm = shapely.transform(line, lambda xy: np.column_stack(utm.transform(*xy.T)))
    vertices = shapely.get_coordinates(shapely.segmentize(line_utm, 50.0))
    x, y = utm.transform(lon, lat)
    distance, _ = KDTree(vertices).query(np.column_stack((x, y)), k=1)
    table = table.append_column("dist_krg_line_km", pa.array(distance / 1000))
    pq.write_table(table, out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
