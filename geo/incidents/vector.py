"""Read GeoJSON and GeoPackage point layers into a plain table for :mod:`table`.

Point coordinates become the ``latitude``/``longitude`` columns (after
reprojection to EPSG:4326 where the file declares another CRS); the
attributes are mapped like a plain CSV. ``source_row`` is the 1-based feature
number. A feature without geometry is rejected as having no coordinates and a
non-point geometry is rejected naming its type. A GeoPackage without a CRS is
an error; a GeoJSON without one is EPSG:4326, as RFC 7946 says.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.constants import GEOGRAPHIC_CRS
from geo.errors import InputError, LimitError
from geo.incidents.validate import Problems

LAT_COLUMN = "__latitude"
LON_COLUMN = "__longitude"


def read_points(
    path: Path, problems: Problems, *, max_rows: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Return a vector file's attributes as strings plus coordinate columns.

    Parameters
    ----------
    path
        A GeoJSON or GeoPackage file.
    problems
        Collector receiving one problem per non-point feature.
    max_rows
        The most features allowed; counted from the layer metadata first.

    Returns
    -------
    frame : pandas.DataFrame
        Attributes as strings, with :data:`LAT_COLUMN` and :data:`LON_COLUMN`
        holding float degrees (NaN where there is no point).
    lines : numpy.ndarray
        1-based feature numbers.

    Raises
    ------
    InputError
        When the file cannot be read as a vector layer or has no usable CRS.
    LimitError
        When it has more than ``max_rows`` features.
    """
    import pyogrio  # only for GeoJSON/GeoPackage inputs: it costs import time

    try:
        info = pyogrio.read_info(path)
        if info["features"] > max_rows:
            raise LimitError(
                f"{path}: {info['features']:,} features, more than the limit of {max_rows:,}",
                hint="filter or split the file, or raise GEO_MAX_ROWS / max_rows",
            )
        layer = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(
            f"{path}: cannot be read as GeoJSON/GeoPackage ({' '.join(str(exc).split())})",
            hint="check that the file is complete and valid JSON or a GeoPackage",
        ) from exc
    if layer.crs is None:
        if path.suffix.lower() == ".gpkg":
            raise InputError(
                f"{path}: the layer declares no CRS",
                hint="assign its CRS (e.g. EPSG:4326) in QGIS or with ogr2ogr -a_srs",
            )
        layer = layer.set_crs(GEOGRAPHIC_CRS)
    layer = layer.to_crs(GEOGRAPHIC_CRS).reset_index(drop=True)
    geometry = layer.geometry
    kinds = geometry.geom_type.fillna("")
    not_point = np.flatnonzero(((kinds != "Point") & (kinds != "")).to_numpy())
    problems.add(
        not_point,
        "geometry",
        kinds.to_numpy(dtype=object)[not_point],
        "not a point",
        [
            f"geometry is a {k}, not a Point; convert it to a point first"
            for k in kinds.iloc[not_point]
        ],
    )
    is_point = (kinds == "Point").to_numpy()
    lat = np.full(len(layer), np.nan)
    lon = np.full(len(layer), np.nan)
    lat[is_point] = geometry[is_point].y.to_numpy()
    lon[is_point] = geometry[is_point].x.to_numpy()
    frame = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    frame[LAT_COLUMN] = lat
    frame[LON_COLUMN] = lon
    return frame, np.arange(1, len(layer) + 1, dtype=np.int64)
