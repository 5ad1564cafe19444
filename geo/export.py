"""Write joined events and statistics tables, by extension, with provenance.

Formats (chosen by the file extension):

* ``.parquet``: GeoParquet for events, plain Parquet for tables; the
  provenance is JSON in the file's key-value metadata under
  ``disputed_maps:provenance``.
* ``.gpkg``: GeoPackage (events only), layer ``events``; the provenance is the
  layer's GDAL metadata item ``provenance``. The file's timestamps are pinned
  to the provenance run date so that the same input gives the same bytes.
* ``.geojson``: a FeatureCollection with a top-level ``provenance`` member,
  coordinates rounded to 6 decimals (0.1 m), keys sorted.
* ``.csv``: no geometry column (latitude/longitude instead); the provenance is
  written beside it as ``<stem>.provenance.json``.
* ``.md``: tables only; a header listing the provenance, then the table.

Every file goes through :mod:`geo.write` (temporary file, then rename), and
the same input gives byte-identical files.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyproj
import shapely

from geo.columns import describe
from geo.constants import GEOGRAPHIC_CRS
from geo.errors import OutputError
from geo.types import EVENT_COLUMNS, point_columns
from geo.write import atomic_path, write_text

PROVENANCE_KEY = "disputed_maps:provenance"
EVENT_FORMATS = (".parquet", ".gpkg", ".geojson", ".csv")
TABLE_FORMATS = (".csv", ".md", ".parquet")
#: Rows looked at to decide whether a column is worth dictionary-encoding in Parquet.
DICTIONARY_SAMPLE = 10_000


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise OutputError(
            f"cannot write {what} to {path}: unknown extension {path.suffix or '(none)'!r}",
            hint=f"use one of {', '.join(allowed)}",
        )
    return suffix


def check_events_path(path: Path | str) -> Path:
    """Return ``path`` if events can be written to it, else raise :class:`OutputError`."""
    _suffix(Path(path), EVENT_FORMATS, "events")
    return Path(path)


def check_table_path(path: Path | str) -> Path:
    """Return ``path`` if a table can be written to it, else raise :class:`OutputError`."""
    _suffix(Path(path), TABLE_FORMATS, "a table")
    return Path(path)


def with_columns(provenance: Mapping[str, Any], columns: Any) -> dict[str, Any]:
    """Return the provenance record with the dictionary entry of every written column."""
    return {**provenance, "columns": describe(columns)}


def _dumps(value: Any, *, indent: int | None = None) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, allow_nan=False)


def sidecar_path(path: Path | str) -> Path:
    """Return where the provenance of a CSV file is written (``<stem>.provenance.json``)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.provenance.json")


def _iso_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with datetime columns as ISO text (date only where all are midnight)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            values = out[col]
            fmt = "%Y-%m-%d" if (values.dropna() == values.dropna().dt.normalize()).all() else None
            text = values.dt.strftime(fmt or "%Y-%m-%dT%H:%M:%S")
            out[col] = text.astype(object).where(values.notna(), None)
    return out


def _point_wkb(x: np.ndarray, y: np.ndarray, missing: np.ndarray) -> pa.Array:
    """Return the WKB of many points as one Arrow binary array, built from their coordinates.

    A WKB point is 21 bytes (byte order, type 1, x, y), so the whole column is
    one NumPy record array; missing geometries become nulls.
    """
    n = len(x)
    record = np.empty(n, dtype=[("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
    record["order"], record["type"] = 1, 1
    record["x"], record["y"] = x, y
    offsets = np.arange(n + 1, dtype=np.int64) * record.itemsize
    validity = None
    if missing.any():
        keep = ~missing
        offsets = np.concatenate(([0], np.cumsum(np.where(keep, record.itemsize, 0))))
        record = record[keep]
        validity = pa.array(keep).buffers()[1]
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(record.tobytes())]
    )


def geometry_position(columns: Any) -> int:
    """Return where the points of an events table without geometry go: after the event columns.

    That is where :func:`geo.incidents.load_incidents` puts ``geometry``, so a table
    joined without point objects is written exactly as one joined with them.
    """
    names = list(columns)
    return next((i for i, c in enumerate(names) if c not in EVENT_COLUMNS), len(names))


def _with_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return an events table without geometry as points at its longitude/latitude."""
    columns = {name: frame[name] for name in frame.columns}
    names = list(columns)
    names.insert(geometry_position(names), "geometry")
    columns["geometry"] = gpd.points_from_xy(
        frame["longitude"], frame["latitude"], crs=GEOGRAPHIC_CRS
    )
    return gpd.GeoDataFrame({name: columns[name] for name in names}, copy=False)


def _geoparquet_table(frame: pd.DataFrame) -> pa.Table:
    """Return events as an Arrow table with GeoParquet 1.0 metadata.

    Point layers (every joined events table) are encoded straight from their
    coordinates, several times faster than ``GeoDataFrame.to_parquet``, which
    inspects every geometry; a table without geometry gets its points from its
    ``longitude``/``latitude`` columns; other layers go through geopandas.
    """
    if isinstance(frame, gpd.GeoDataFrame):
        name = frame.geometry.name
        geoms = np.asarray(frame.geometry.values, dtype=object)
        missing = shapely.is_missing(geoms)
        if not (shapely.get_type_id(geoms[~missing]) == 0).all():
            from geopandas.io.arrow import _geopandas_to_arrow

            return _geopandas_to_arrow(frame, index=False)
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        position = list(frame.columns).index(name)
        crs = frame.crs
        frame = pd.DataFrame(frame.drop(columns=name))
    else:
        name = "geometry"
        x, y = point_columns(frame)
        missing = np.zeros(len(x), dtype=bool)
        position = geometry_position(frame.columns)
        crs = pyproj.CRS.from_user_input(GEOGRAPHIC_CRS)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.add_column(position, pa.field(name, pa.large_binary()), _point_wkb(x, y, missing))
    px, py = x[~missing], y[~missing]
    bbox = (
        [float(v.min()) for v in (px, py)] + [float(v.max()) for v in (px, py)] if len(px) else []
    )
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["Point"]}
    if crs is not None:
        column["crs"] = crs.to_json_dict()
    if bbox:
        column["bbox"] = [bbox[0], bbox[1], bbox[2], bbox[3]]
    geo = {"version": "1.0.0", "primary_column": name, "columns": {name: column}}
    metadata = dict(table.schema.metadata or {})
    metadata[b"geo"] = json.dumps(geo).encode("utf-8")
    return table.replace_schema_metadata(metadata)


def _write_parquet(
    frame: pd.DataFrame, path: Path, provenance: Mapping[str, Any], *, events: bool = False
) -> None:
    """Write (Geo)Parquet with the provenance in the file metadata, atomically, in one pass.

    Events (with point geometry, or with ``longitude``/``latitude`` for points) and
    any GeoDataFrame become GeoParquet; other tables plain Parquet. Column
    statistics are written for every column but text: min/max of a million strings
    cost a fifth of the write and only help readers that filter on string ranges.
    """
    if events or isinstance(frame, gpd.GeoDataFrame):
        table = _geoparquet_table(frame)
    else:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[PROVENANCE_KEY.encode()] = _dumps(provenance).encode("utf-8")
    text = (pa.types.is_string, pa.types.is_large_string, pa.types.is_large_binary)
    stats = [f.name for f in table.schema if not any(t(f.type) for t in text)]
    with atomic_path(path) as tmp:
        pq.write_table(
            table.replace_schema_metadata(metadata),
            tmp,
            write_statistics=stats,
            use_dictionary=repetitive_columns(table),
        )


def repetitive_columns(table: pa.Table) -> list[str]:
    """Return the columns worth dictionary-encoding: those repeating their values.

    A column whose first :data:`DICTIONARY_SAMPLE` values are less than half
    distinct (areas, types, dates, flags) is smaller and as fast dictionary-encoded;
    one of mostly distinct values (identifiers, distances, point geometry) only
    costs Arrow a hash of every value before it falls back to plain encoding
    (a fifth of a million-event write). Binary columns are never encoded so.
    """
    sample = table.slice(0, DICTIONARY_SAMPLE)
    binary = (pa.types.is_binary, pa.types.is_large_binary)
    return [
        f.name
        for f in sample.schema
        if not any(t(f.type) for t in binary)
        and pc.count_distinct(sample[f.name], mode="all").as_py() * 2 < max(sample.num_rows, 1)
    ]


@contextlib.contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    """Set GDAL configuration options for the duration of a block, then restore them."""
    import pyogrio  # GeoPackage only: a Parquet or CSV output never needs it

    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, provenance: Mapping[str, Any]) -> None:
    stamp = f"{provenance.get('run_date', '1970-01-01')}T00:00:00.000Z"
    with atomic_path(path) as tmp, _gdal_config(OGR_CURRENT_DATE=stamp), warnings.catch_warnings():
        # the temporary file ends in ".part", which GDAL warns about
        warnings.filterwarnings("ignore", message="The filename extension should be")
        import pyogrio

        pyogrio.write_dataframe(
            gdf,
            tmp,
            layer="events",
            driver="GPKG",
            layer_metadata={"provenance": _dumps(provenance)},
        )


def _round6(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out[out.geometry.name] = shapely.transform(out.geometry.values, lambda c: np.round(c, 6))
    return out


def _geojson(gdf: gpd.GeoDataFrame, provenance: Mapping[str, Any]) -> str:
    data = json.loads(
        _round6(_iso_dates(gdf.to_crs(GEOGRAPHIC_CRS))).to_json(drop_id=True, na="null")
    )
    data["provenance"] = provenance
    return _dumps(data) + "\n"


def _csv(frame: pd.DataFrame) -> str:
    return _iso_dates(frame).to_csv(index=False, lineterminator="\n")


def write_events(
    gdf: gpd.GeoDataFrame | pd.DataFrame, path: Path | str, *, provenance: Mapping[str, Any]
) -> Path:
    """Write joined events in the format the extension names, with provenance.

    Parameters
    ----------
    gdf
        The events (e.g. :attr:`geo.join.JoinResult.events`); without point geometry,
        their ``longitude``/``latitude`` are the points (the file is the same).
    path
        Target file: ``.parquet``, ``.gpkg``, ``.geojson`` or ``.csv``.
    provenance
        The record from :func:`geo.provenance.build`.

    Returns
    -------
    Path
        The file written (for CSV, its provenance sidecar is written too).

    Raises
    ------
    OutputError
        For an unknown extension, or when the file cannot be written.
    """
    path = Path(path)
    suffix = _suffix(path, EVENT_FORMATS, "events")
    columns = list(gdf.columns)
    if not isinstance(gdf, gpd.GeoDataFrame):
        columns.insert(geometry_position(columns), "geometry")  # as the file will have it
        if suffix in (".gpkg", ".geojson"):
            gdf = _with_points(gdf)
    provenance = with_columns(provenance, columns)
    if suffix == ".parquet":
        _write_parquet(gdf, path, provenance, events=True)
    elif suffix == ".gpkg":
        _write_gpkg(gdf, path, provenance)
    elif suffix == ".geojson":
        write_text(path, _geojson(gdf, provenance))
    else:
        geometry = [gdf.geometry.name] if isinstance(gdf, gpd.GeoDataFrame) else []
        table = pd.DataFrame(gdf.drop(columns=geometry))
        if "latitude" not in table or "longitude" not in table:
            wgs = gdf.geometry.to_crs(GEOGRAPHIC_CRS)
            table["latitude"] = np.round(wgs.y.to_numpy(), 6)
            table["longitude"] = np.round(wgs.x.to_numpy(), 6)
        write_text(path, _csv(table))
        write_text(sidecar_path(path), _dumps(provenance, indent=1) + "\n")
    return path


def _cell(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _markdown(df: pd.DataFrame, provenance: Mapping[str, Any], title: str) -> str:
    tool = provenance.get("tool", {})
    b = provenance.get("boundaries", {})
    lines = [
        f"# {title}",
        "",
        f"- Tool: {tool.get('name', 'disputed-maps')} {tool.get('version', '')}, "
        f"run {provenance.get('run_date', '')}",
        f"- Boundaries: {b.get('title', '')} ({b.get('key', '')}, {b.get('version', '')}); "
        f"licence {b.get('licence', '')}; {b.get('attribution', '')}",
    ]
    for item in provenance.get("inputs", []):
        lines.append(f"- Input: {item.get('file', '')} (sha256 {item.get('sha256', '')})")
    filters = provenance.get("filters", {})
    shown = "; ".join(f"{k} = {v}" for k, v in filters.items()) or "none"
    lines.append(f"- Filters: {shown}")
    for s in provenance.get("sources", []):
        lines.append(f"- Source: {s.get('title', '')} ({s.get('licence', '')})")
    if "acled" in provenance:
        lines.append(f"- Citation: {provenance['acled']['citation']}")
    for key, value in provenance.get("method", {}).items():
        lines.append(f"- Method ({key}): {value}")
    for note in provenance.get("notes", []):
        lines.append(f"- Note: {note}")
    # "-->" would end the comment early; "\u003e" is the same JSON text.
    machine = _dumps(provenance).replace("-->", "--\\u003e")
    lines += ["", f"<!-- provenance: {machine} -->", ""]
    text = _iso_dates(df)
    lines.append("| " + " | ".join(_cell(c) for c in text.columns) + " |")
    lines.append("|" + "|".join("---" for _ in text.columns) + "|")
    for row in text.itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_table(df: pd.DataFrame, path: Path | str, *, provenance: Mapping[str, Any]) -> Path:
    """Write a statistics table in the format the extension names, with provenance.

    Parameters
    ----------
    df
        The table (e.g. from :func:`geo.aggregate.aggregate`), written in its row order.
    path
        Target file: ``.csv``, ``.md`` or ``.parquet``.
    provenance
        The record from :func:`geo.provenance.build`.

    Returns
    -------
    Path
        The file written (for CSV, its provenance sidecar is written too).

    Raises
    ------
    OutputError
        For an unknown extension, or when the file cannot be written.
    """
    path = Path(path)
    suffix = _suffix(path, TABLE_FORMATS, "a table")
    frame = (
        pd.DataFrame(df.drop(columns=df.geometry.name)) if isinstance(df, gpd.GeoDataFrame) else df
    )
    provenance = with_columns(provenance, frame.columns)
    if suffix == ".parquet":
        _write_parquet(frame, path, provenance)
    elif suffix == ".md":
        write_text(path, _markdown(frame, provenance, title=path.stem))
    else:
        write_text(path, _csv(frame))
        write_text(sidecar_path(path), _dumps(provenance, indent=1) + "\n")
    return path


def read_provenance(path: Path | str) -> dict[str, Any]:
    """Return the provenance stored in (or beside) a file this module wrote.

    Parameters
    ----------
    path
        A ``.parquet``, ``.gpkg``, ``.geojson``, ``.csv`` or ``.md`` file.

    Returns
    -------
    dict
        The provenance record.
    """
    path = Path(path)
    suffix = _suffix(path, (*EVENT_FORMATS, ".md"), "provenance")
    if suffix == ".parquet":
        return json.loads(pq.read_schema(path).metadata[PROVENANCE_KEY.encode()])
    if suffix == ".gpkg":
        import pyogrio

        return json.loads(pyogrio.read_info(path, layer="events")["layer_metadata"]["provenance"])
    if suffix == ".geojson":
        return json.loads(path.read_text(encoding="utf-8"))["provenance"]
    if suffix == ".md":
        text = path.read_text(encoding="utf-8")
        start = text.index("<!-- provenance: ") + len("<!-- provenance: ")
        return json.loads(text[start : text.index(" -->", start)])
    return json.loads(sidecar_path(path).read_text(encoding="utf-8"))
