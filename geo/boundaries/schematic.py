"""The schematic boundary fallback, derived from the project's own gazetteer and outline.

When no authoritative boundaries are at hand (first run, no connection), the tool still
draws maps from two files the project owns and ships:

``boundaries/places.csv``
    The gazetteer: named places with the COD-AB P-codes of the governorate and district
    each belongs to, as its source states it, and coordinates where a source gives them.
``boundaries/outline.csv``
    A coarse outline of Iraq: an ordered ring of sourced border points.

Method, in one paragraph: every place with coordinates and a district code is a seed; the
plane is cut into Voronoi cells (each point of the country goes to its nearest seed,
measured in UTM 38N, EPSG:32638), the cells are clipped to the outline, and the cells of
one district code are dissolved into that district, the districts of one governorate code
into that governorate. District borders are therefore the perpendicular bisectors between
towns of neighbouring districts: right near the towns, approximate (often by 10-30 km)
far from them. The layers are never anything but approximate; the authoritative ones come
from ``geo boundaries fetch`` or ``geo boundaries import PATH``.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS
from geo.errors import BoundaryError
from geo.paths import resource
from geo.types import ADMIN_COLUMNS, Boundaries, Provenance

PLACES_FILE = "boundaries/places.csv"
OUTLINE_FILE = "boundaries/outline.csv"
SOURCE_KEY = "schematic"

PLACE_COLUMNS: tuple[str, ...] = (
    "name",
    "alt_names",
    "name_ar",
    "governorate",
    "district",
    "adm1_code",
    "adm2_code",
    "lat",
    "lon",
    "kind",
    "source",
)
OUTLINE_COLUMNS: tuple[str, ...] = ("seq", "name", "lat", "lon", "kind", "source")

COUNTRY_CODE = "IQ"
COUNTRY_NAME = "Iraq"
COUNTRY_NAME_AR = "العراق"

#: How far (m) the Voronoi diagram is extended beyond the outline before clipping.
_EXTENT_MARGIN_M = 200_000.0

_HOW_TO_FIX = (
    "get the authoritative layers with `geo boundaries fetch` (online) or "
    "`geo boundaries import PATH` (a COD-AB or geoBoundaries folder or zip)"
)


def build_boundaries(*, places: Path | None = None, outline: Path | None = None) -> Boundaries:
    """Build the schematic governorates, districts and country from the project's own files.

    Parameters
    ----------
    places
        The gazetteer CSV; defaults to the shipped ``boundaries/places.csv``.
    outline
        The outline CSV; defaults to the shipped ``boundaries/outline.csv``.

    Returns
    -------
    Boundaries
        Country, governorate and district layers in the canonical schema (EPSG:4326,
        ``source`` = ``"schematic"``), no sub-districts, and a provenance of kind
        ``"schematic"``. The report lists the districts named in the gazetteer that got
        no polygon and the gazetteer rows that seed nothing. The result is cached per
        file content, so treat it as read-only.

    Raises
    ------
    BoundaryError
        If either file is missing a column, has unreadable values or inconsistent codes
        (every problem is listed), or if the outline is not a usable polygon.
    """
    places_path = Path(places) if places is not None else resource(PLACES_FILE)
    outline_path = Path(outline) if outline is not None else resource(OUTLINE_FILE)
    places_bytes = places_path.read_bytes()
    outline_bytes = outline_path.read_bytes()
    return _build_cached(
        str(places_path),
        str(outline_path),
        hashlib.sha256(places_bytes).hexdigest(),
        hashlib.sha256(outline_bytes).hexdigest(),
    )


@functools.lru_cache(maxsize=8)
def _build_cached(
    places_path: str, outline_path: str, places_sha: str, outline_sha: str
) -> Boundaries:
    places = read_places(Path(places_path))
    ring = read_outline(Path(outline_path))
    return _build(
        places,
        ring,
        places_sha=places_sha,
        outline_sha=outline_sha,
        places_name=Path(places_path).name,
        outline_name=Path(outline_path).name,
    )


def read_places(path: Path) -> pd.DataFrame:
    """Read and validate the gazetteer.

    Parameters
    ----------
    path
        A CSV with the columns of :data:`PLACE_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        One row per place, text columns as ``str`` (empty where blank), ``lat``/``lon``
        as float (NaN where blank) and ``line``, the 1-based line in the file.

    Raises
    ------
    BoundaryError
        Listing every problem: missing columns, unreadable or out-of-range coordinates,
        half-given coordinates, a district code outside its governorate, a code with two
        names, duplicate place names.
    """
    frame = _read_csv(path, PLACE_COLUMNS)
    problems: list[str] = []
    coords = {}
    for axis, (low, high) in {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0)}.items():
        values = pd.to_numeric(frame[axis].replace("", np.nan), errors="coerce")
        bad = values.isna() & (frame[axis] != "")
        bad |= values.notna() & ~values.between(low, high)
        problems += [
            f"line {line}, field {axis}: expected a number in [{low:g}, {high:g}], got {value!r}"
            for line, value in zip(frame.loc[bad, "line"], frame.loc[bad, axis], strict=True)
        ]
        coords[axis] = values.where(~bad)
    frame["lat"], frame["lon"] = coords["lat"], coords["lon"]
    half = frame["lat"].isna() != frame["lon"].isna()
    problems += [
        f"line {line}: give both lat and lon or neither" for line in frame.loc[half, "line"]
    ]
    outside = (frame["adm2_code"] != "") & ~frame.apply(
        lambda r: r["adm1_code"] != "" and r["adm2_code"].startswith(r["adm1_code"]), axis=1
    )
    problems += [
        f"line {line}, field adm2_code: {code!r} is not a district of governorate {gov!r}"
        for line, code, gov in zip(
            frame.loc[outside, "line"],
            frame.loc[outside, "adm2_code"],
            frame.loc[outside, "adm1_code"],
            strict=True,
        )
    ]
    for code_col, name_col in (("adm1_code", "governorate"), ("adm2_code", "district")):
        coded = frame[frame[code_col] != ""]
        names = coded.groupby(code_col)[name_col].unique()
        problems += [
            f"field {name_col}: code {code} has several names {sorted(n)}; use one"
            for code, n in names.items()
            if len(n) > 1
        ]
    dup = frame["name"].duplicated(keep=False)
    problems += [
        f"line {line}, field name: {name!r} appears more than once"
        for line, name in zip(frame.loc[dup, "line"], frame.loc[dup, "name"], strict=True)
    ]
    if problems:
        raise BoundaryError(
            f"{path}: {len(problems)} problem(s) in the gazetteer: " + "; ".join(problems),
            hint="fix these rows; each needs a name, codes from the COD-AB district list "
            "and, if it has coordinates, both lat and lon in degrees",
        )
    return frame


def read_outline(path: Path) -> shapely.Polygon:
    """Read the outline ring and return it as a valid polygon in EPSG:4326.

    Parameters
    ----------
    path
        A CSV with the columns of :data:`OUTLINE_COLUMNS`, one border point per row,
        ``seq`` giving the order around the ring (1, 2, 3, ...).

    Returns
    -------
    shapely.Polygon
        The outline, repaired with ``make_valid`` if the ring touches itself.

    Raises
    ------
    BoundaryError
        Listing every unreadable point or out-of-order ``seq``, or if the ring does not
        enclose a single area.
    """
    frame = _read_csv(path, OUTLINE_COLUMNS)
    problems: list[str] = []
    numbers = {col: pd.to_numeric(frame[col], errors="coerce") for col in ("seq", "lat", "lon")}
    for col, values in numbers.items():
        problems += [
            f"line {line}, field {col}: expected a number, got {value!r}"
            for line, value in zip(
                frame.loc[values.isna(), "line"], frame.loc[values.isna(), col], strict=True
            )
        ]
    expected = np.arange(1, len(frame) + 1)
    if numbers["seq"].notna().all() and not np.array_equal(numbers["seq"].to_numpy(), expected):
        problems.append(f"field seq: expected 1, 2, ... {len(frame)} in file order")
    if len(frame) < 3:
        problems.append(f"expected at least 3 border points, got {len(frame)}")
    if problems:
        raise BoundaryError(
            f"{path}: {len(problems)} problem(s) in the outline: " + "; ".join(problems),
            hint="each row is one border point: seq, name, lat, lon (degrees), kind, source",
        )
    ring = shapely.Polygon(np.column_stack([numbers["lon"], numbers["lat"]]))
    polygons = [
        g
        for g in shapely.get_parts(shapely.make_valid(ring))
        if isinstance(g, shapely.Polygon) and not g.is_empty
    ]
    if not polygons:
        raise BoundaryError(
            f"{path}: the border points enclose no area", hint="check the order of seq"
        )
    return max(polygons, key=lambda g: g.area)


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read a project CSV as text, check its columns and add the 1-based ``line``."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise BoundaryError(
            f"{path}: cannot be read as UTF-8 CSV ({exc})",
            hint="restore the file from the project (reinstall disputed-maps)",
        ) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BoundaryError(
            f"{path}: missing column(s) {missing}; expected {list(columns)}, "
            f"got {list(frame.columns)}",
            hint="restore the header row",
        )
    frame = frame[list(columns)].apply(lambda col: col.str.strip())
    frame["line"] = np.arange(2, len(frame) + 2)
    return frame


def voronoi_cells(seeds: gpd.GeoDataFrame, extent: BaseGeometry) -> gpd.GeoDataFrame:
    """Cut ``extent`` into the Voronoi cells of ``seeds``, keeping the seeds' columns.

    Parameters
    ----------
    seeds
        Points in a metric CRS. Seeds at the same position must share every column;
        only the first is kept.
    extent
        The area to cover, in the same CRS; the cells are clipped to it.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per distinct seed position, with its cell (clipped to ``extent``) as
        geometry, in the seeds' order.
    """
    seeds = seeds[~seeds.geometry.duplicated()].reset_index(drop=True)
    points = shapely.multipoints(seeds.geometry.to_numpy())
    envelope = extent.buffer(_EXTENT_MARGIN_M).envelope
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=envelope, ordered=True))
    clipped = shapely.intersection(cells, extent)
    return gpd.GeoDataFrame(seeds.drop(columns="geometry"), geometry=clipped, crs=seeds.crs)


def _build(
    places: pd.DataFrame,
    outline: shapely.Polygon,
    *,
    places_sha: str,
    outline_sha: str,
    places_name: str,
    outline_name: str,
) -> Boundaries:
    """Partition the outline by the seeds of the gazetteer and dissolve it into admin layers."""
    usable = places["lat"].notna() & (places["adm2_code"] != "")
    seeds = gpd.GeoDataFrame(
        places.loc[usable, ["adm1_code", "governorate", "adm2_code", "district", "name"]],
        geometry=gpd.points_from_xy(places.loc[usable, "lon"], places.loc[usable, "lat"]),
        crs=GEOGRAPHIC_CRS,
    ).to_crs(METRIC_CRS)
    # Sort so that the same rows in another order give the same geometry.
    seeds = seeds.assign(_x=seeds.geometry.x, _y=seeds.geometry.y)
    seeds = seeds.sort_values(["_x", "_y", "adm2_code", "name"]).drop(columns=["_x", "_y"])
    clash = seeds[seeds.geometry.duplicated(keep=False)].groupby(seeds.geometry.to_wkb())
    conflicts = [sorted(g["name"]) for _, g in clash if g["adm2_code"].nunique() > 1]
    if conflicts:
        raise BoundaryError(
            f"{places_name}: places at the same coordinates belong to different districts: "
            f"{conflicts}",
            hint="fix the district codes or coordinates of these places",
        )
    extent = gpd.GeoSeries([outline], crs=GEOGRAPHIC_CRS).to_crs(METRIC_CRS).iloc[0]
    cells = voronoi_cells(seeds, extent)

    districts = _dissolve(cells, "adm2_code", "district", parent=("adm1_code", "governorate"))
    governorates = _dissolve(cells, "adm1_code", "governorate", parent=None)
    country = gpd.GeoDataFrame(
        {"code": [COUNTRY_CODE], "name": [COUNTRY_NAME], "name_ar": [COUNTRY_NAME_AR]},
        geometry=[extent],
        crs=METRIC_CRS,
    )
    layers = {
        level: _canonical(frame, level)
        for level, frame in (
            ("country", country),
            ("governorate", governorates),
            ("district", districts),
        )
    }
    outside = seeds[~seeds.within(extent)]
    report = _report(places, usable, set(districts["code"]), set(governorates["code"]))
    report += tuple(
        f"place {row.name!r} lies {row.geometry.distance(extent) / 1000:.1f} km outside the "
        "outline: its district is drawn from the part of its cell inside"
        for row in outside.sort_values("name").itertuples()
    )
    return Boundaries(
        source=_provenance(
            places_sha,
            outline_sha,
            places_name,
            outline_name,
            n_seeds=len(cells),
            n_districts=len(districts),
        ),
        country=layers["country"],
        governorates=layers["governorate"],
        districts=layers["district"],
        subdistricts=None,
        report=report,
    )


def _dissolve(
    cells: gpd.GeoDataFrame, code: str, name: str, parent: tuple[str, str] | None
) -> gpd.GeoDataFrame:
    """Union the cells of each code into one area, keeping its name and its parent's."""
    keys = [code, name] + (list(parent) if parent else [])
    groups = cells.groupby(code, sort=True)
    first = groups[keys].first()
    geometry = [
        shapely.make_valid(shapely.union_all(groups.get_group(c).geometry.to_numpy()))
        for c in first.index
    ]
    out = gpd.GeoDataFrame(first.reset_index(drop=True), geometry=geometry, crs=cells.crs)
    rename = {code: "code", name: "name"}
    if parent:
        rename |= {parent[0]: "adm1_code", parent[1]: "adm1_name"}
    return out.rename(columns=rename)


def _canonical(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Fill the canonical admin columns for one level and move it to EPSG:4326."""
    out = frame.copy()
    out["level"] = level
    out["name_ar"] = out.get("name_ar", "")
    if level == "governorate":
        out["adm1_code"], out["adm1_name"] = out["code"], out["name"]
    if level == "district":
        out["adm2_code"], out["adm2_name"] = out["code"], out["name"]
    for column in ADMIN_COLUMNS:
        if column not in out:
            out[column] = ""
    out["source"] = SOURCE_KEY
    out = out[list(ADMIN_COLUMNS)].sort_values("code").reset_index(drop=True)
    return out.set_geometry("geometry").to_crs(GEOGRAPHIC_CRS)


def _report(
    places: pd.DataFrame, usable: pd.Series, district_codes: set[str], governorate_codes: set[str]
) -> tuple[str, ...]:
    """Say what the partition could not cover and which gazetteer rows seed nothing."""
    lines = [
        f"schematic: {len(district_codes)} districts and {len(governorate_codes)} "
        f"governorates from {int(usable.sum())} of {len(places)} gazetteer places"
    ]
    named = places.loc[places["adm2_code"] != "", ["adm2_code", "district"]]
    missing = named[~named["adm2_code"].isin(district_codes)].drop_duplicates("adm2_code")
    lines += [
        f"district {code} ({name}) has no place with coordinates: no polygon drawn"
        for code, name in missing.sort_values("adm2_code").itertuples(index=False)
    ]
    idle = places[~usable]
    for reason, mask in (
        ("no coordinates", idle["lat"].isna()),
        ("no district code", idle["lat"].notna()),
    ):
        if mask.any():
            lines.append(
                f"{int(mask.sum())} place(s) seed no area ({reason}): "
                + ", ".join(sorted(idle.loc[mask, "name"]))
            )
    return tuple(lines)


def _provenance(
    places_sha: str,
    outline_sha: str,
    places_name: str,
    outline_name: str,
    *,
    n_seeds: int,
    n_districts: int,
) -> Provenance:
    version = hashlib.sha256(f"{places_sha}\n{outline_sha}\n".encode()).hexdigest()
    return Provenance(
        key=SOURCE_KEY,
        kind="schematic",
        title="Schematic boundaries (approximate)",
        licence=(
            "disputed-maps (MIT) compilation; coordinates from the sources named per row: "
            "GeoNames-derived city lists (CC BY 4.0), Wikipedia and mirrors (CC BY-SA 4.0), "
            "outline after mledoze/countries (ODbL 1.0, from Natural Earth, public domain)"
        ),
        attribution="disputed-maps schematic layers derived from its sourced gazetteer",
        version=version,
        files=((places_name, places_sha), (outline_name, outline_sha)),
        notes=(
            f"Approximate: Voronoi partition (in EPSG:32638) of {n_seeds} gazetteer places, "
            f"clipped to a coarse sourced outline of Iraq and dissolved into {n_districts} "
            "districts by their COD-AB P-codes, then into governorates. Borders run halfway "
            "between towns of neighbouring districts, so they are close near towns and can "
            "be tens of km off elsewhere; no sub-districts. Not for measuring areas or "
            f"placing points near a border. For the authoritative layers, {_HOW_TO_FIX}."
        ),
    )
