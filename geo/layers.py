"""The layers the project defines: disputed zones, KRG area and line, Hamrin, places.

The definitions live in files the project owns (``boundaries/disputed.toml``,
``boundaries/hamrin.toml``, ``boundaries/places.csv``); the polygons are cut from
whichever admin boundaries are loaded, matched by COD-AB P-code and, failing that,
by name through the spelling variants listed in the files (geoBoundaries). Areas and
lengths are computed in EPSG:32638; every layer is returned in EPSG:4326.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
import weakref
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo import paths
from geo.boundaries import validated
from geo.boundaries.catalog import load_catalog
from geo.boundaries.definitions import (
    Definition,
    disputed_data,
    hamrin_data,
)
from geo.boundaries.load import project_provenance
from geo.constants import GEOGRAPHIC_CRS, METRIC_CRS
from geo.errors import BoundaryError, CatalogError
from geo.types import ZONE_COLUMNS, Boundaries, ProjectLayers, Provenance

#: Line and point layers: the schema of geo/types.py plus ``length_km`` for lines.
LINE_COLUMNS: tuple[str, ...] = ("key", "name", "kind", "length_km", "source", "notes", "geometry")
POINT_COLUMNS: tuple[str, ...] = ("key", "name", "kind", "source", "notes", "geometry")
#: Columns ``boundaries/places.csv`` must have (more are kept).
PLACE_COLUMNS: tuple[str, ...] = (
    "name", "alt_names", "name_ar", "governorate", "district",
    "adm1_code", "adm2_code", "lat", "lon", "kind", "source",
)  # fmt: skip

_ARTICLES = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "az", "an"})
_SUFFIXES = frozenset(
    {"district", "governorate", "province", "qadha", "qada", "nahiya", "subdistrict"}
)


# --------------------------------------------------------------------------- helpers


def normalise_name(name: str) -> str:
    """Return a spelling-tolerant key for a place name.

    Accents and apostrophes are dropped, case folded, a leading Arabic article
    (``Al-``, ``As``, ``Ash`` …) and a trailing ``District``/``Governorate`` removed,
    and what remains is joined without spaces or hyphens: ``"Al-Hawiga"`` → ``"hawiga"``.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’ʼ`ʿʾ]", "", text))
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    if len(words) > 1 and words[-1] in _SUFFIXES:
        words = words[:-1]
    return "".join(words)


def _select(
    layer: gpd.GeoDataFrame | None,
    *,
    code: str,
    level: str,
    name: str,
    variants: tuple[str, ...],
    governorate: str,
    source: str,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """Return the rows of ``layer`` for one listed area: by code, else by name; note failures."""
    if layer is None:
        return gpd.GeoDataFrame(
            columns=["code", "geometry"], geometry="geometry", crs=GEOGRAPHIC_CRS
        )
    hits = layer[layer["code"] == code]
    if not hits.empty:
        return hits
    wanted = {normalise_name(n) for n in (name, *variants)}
    hits = layer[layer["name"].map(normalise_name).isin(wanted)]
    if len(hits) > 1 and governorate:
        narrowed = hits[hits["adm1_name"].map(normalise_name) == normalise_name(governorate)]
        hits = narrowed if len(narrowed) == 1 else hits
    if len(hits) > 1:
        notes.append(
            f"{level} {name} ({code}) matches several {source} areas by name "
            f"({', '.join(hits['code'])}); left out"
        )
        return hits.iloc[:0]
    if hits.empty:
        notes.append(
            f"{level} {name} ({code}) not found in the {source} {level} layer by code or "
            "name; left out"
        )
    else:
        notes.append(
            f"{level} {name} ({code}) matched by name to {source} "
            f"{hits['name'].iat[0]} ({hits['code'].iat[0]})"
        )
    return hits


def _km2(geom: shapely.Geometry) -> float:
    return float(gpd.GeoSeries([geom], crs=GEOGRAPHIC_CRS).to_crs(METRIC_CRS).area.iat[0]) / 1e6


def _km(geom: shapely.Geometry) -> float:
    return float(gpd.GeoSeries([geom], crs=GEOGRAPHIC_CRS).to_crs(METRIC_CRS).length.iat[0]) / 1e3


def _licence(key: str, b: Boundaries | None = None) -> str:
    entry = load_catalog().project_layer(key)
    return entry.licence if b is None else f"{entry.licence} ({b.source.key}: {b.source.licence})"


def zone_frame(
    key: str,
    name: str,
    kind: str,
    members: list[str],
    geom: shapely.Geometry,
    source: str,
    licence: str,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """Return one zone as a one-row frame in the zone schema, with its area in km²."""
    row = {
        "key": key,
        "name": name,
        "kind": kind,
        "members": ";".join(sorted(members)),
        "area_km2": round(_km2(geom), 3),
        "source": source,
        "licence": licence,
        "notes": " | ".join(notes),
        "geometry": geom,
    }
    return gpd.GeoDataFrame(
        [row], columns=list(ZONE_COLUMNS), geometry="geometry", crs=GEOGRAPHIC_CRS
    )


# --------------------------------------------------------------------------- zones


def disputed_zone(b: Boundaries, definition: Definition) -> gpd.GeoDataFrame:
    """Dissolve one definition of the disputed territories from the loaded admin layers.

    Parameters
    ----------
    b
        The admin boundaries to cut the zone from.
    definition
        ``"unami-2009"`` (14 districts and the Mandali sub-district),
        ``"article-140-wide"`` (adds Baladruz, Badra and Al-Baaj) or the variant
        ``"article-140-subdistricts"`` (the wider list with Telafar cut to Zummar, Baladruz to
        Mandali, and Bashiqa added; needs sub-districts, else falls back as its notes say).

    Returns
    -------
    geopandas.GeoDataFrame
        One row in the zone schema (:data:`geo.types.ZONE_COLUMNS`); ``area_km2`` is computed
        in EPSG:32638; ``notes`` says what could not be matched or cut out (Mandali without a
        sub-district layer) and which districts are only partly disputed but included whole.

    Raises
    ------
    BoundaryError
        If no listed area is found in the loaded layers.
    """
    data = disputed_data()
    spec = data.definition(definition)
    notes: list[str] = []
    parts, members, partly = [], [], []
    for code in spec.members:
        area = data.area(code)
        if area.level == "subdistrict" and b.subdistricts is None and code in spec.parent_fallback:
            notes.append(
                f"{area.name} sub-district ({code}) could not be cut out of its district "
                f"({area.parent}): {b.source.key} has no sub-districts, so the whole district "
                "is used instead (overstates the zone)"
            )
            area = data.area(area.parent)
            code = area.code
        elif area.level == "subdistrict" and b.subdistricts is None:
            notes.append(
                f"{area.name} sub-district ({code}) could not be cut out of its district "
                f"({area.parent}): {b.source.key} has no sub-districts, so it is left out "
                "of the zone"
            )
            continue
        rows = _select(
            b.level(area.level),
            code=code,
            level=area.level,
            name=area.name,
            variants=area.variants,
            governorate=area.governorate,
            source=b.source.key,
            notes=notes,
        )
        if not rows.empty:
            parts.extend(rows.geometry)
            members.extend(rows["code"])
            if area.status == "partly":
                partly.append(area.name)
    if not parts:
        raise BoundaryError(
            f"none of the {definition} areas was found in the {b.source.key} layers",
            hint="load COD-AB or geoBoundaries boundaries (`geo boundaries list`)",
        )
    if partly:
        notes.append(f"partly disputed, included whole: {', '.join(partly)}")
    return zone_frame(
        definition,
        spec.name,
        "disputed-zone",
        members,
        shapely.union_all(parts),
        f"{spec.source} — polygons from {b.source.key}",
        _licence(definition, b),
        notes,
    )


def _krg_parts(
    b: Boundaries, notes: list[str], choices: list[str]
) -> tuple[shapely.Geometry, list[str]]:
    """Return the KRG area's geometry and member codes; note matches and (in ``choices``) why."""
    spec = disputed_data().krg
    include: list[shapely.Geometry] = []
    exclude: list[shapely.Geometry] = []
    members: list[str] = []
    for m in spec.members:
        rows = _select(
            b.level(m.level),
            code=m.code,
            level=m.level,
            name=m.name,
            variants=m.variants,
            governorate=m.governorate,
            source=b.source.key,
            notes=notes,
        )
        if rows.empty:
            continue
        (include if m.action == "include" else exclude).extend(rows.geometry)
        if m.action == "include":
            members.extend(rows["code"])
        verb = "with" if m.action == "include" else "without"
        choices.append(f"{verb} {m.name} ({m.code}): {m.reason}")
    if not include:
        raise BoundaryError(
            f"none of the KRG governorates was found in the {b.source.key} layers",
            hint="load COD-AB or geoBoundaries boundaries (`geo boundaries list`)",
        )
    geom = shapely.union_all(include)
    if exclude:
        geom = geom.difference(shapely.union_all(exclude))
    return geom, members


def krg_area(b: Boundaries) -> gpd.GeoDataFrame:
    """Derive the KRG-administered area: Duhok, Erbil, Al-Sulaymaniyah, without Makhmour, with Aqra.

    Parameters
    ----------
    b
        The admin boundaries to cut the area from.

    Returns
    -------
    geopandas.GeoDataFrame
        One row in the zone schema; ``notes`` states each inclusion and exclusion with its reason.
    """
    notes: list[str] = []
    geom, members = _krg_parts(b, notes, notes)
    spec = disputed_data().krg
    notes.append(
        "a 2019 administrative proxy: it does not follow the October 2017 changes on the ground"
    )
    return zone_frame(
        "krg-area",
        spec.name,
        "krg-area",
        members,
        geom,
        f"disputed-maps boundaries/disputed.toml — polygons from {b.source.key}",
        _licence("krg-area", b),
        notes,
    )


#: The caveat every map with the KRG line carries (the administrative proxy).
KRG_LINE_CAVEAT = (
    "The KRG line is the 2019 administrative boundary of the Kurdistan Region (Duhok, Erbil "
    "and Al-Sulaymaniyah, without Makhmour, with Aqra), a proxy: it is neither the line of "
    "19 March 2003 (Transitional Administrative Law, Art. 53/58) nor the contact line after "
    "October 2017, and places the KRG has held, such as Kifri town and northern Shekhan, lie "
    "on its federal side. A better line can be given with --krg-line FILE."
)


def outline_line(area: shapely.Geometry, b: Boundaries, buffer_m: float) -> shapely.Geometry:
    """Return ``area``'s outline without the international border, in EPSG:32638."""
    metric = gpd.GeoSeries([area, b.country.union_all()], crs=GEOGRAPHIC_CRS).to_crs(METRIC_CRS)
    line = metric.iat[0].boundary.difference(metric.iat[1].boundary.buffer(buffer_m))
    return shapely.line_merge(line) if isinstance(line, shapely.MultiLineString) else line


def krg_line(b: Boundaries) -> gpd.GeoDataFrame:
    """Derive the KRG area's internal boundary with federal Iraq (the international border removed).

    The KRG area's outline minus a buffer of ``border_buffer_m`` (disputed.toml) around the
    country's outline, both in EPSG:32638: the 2019 administrative boundary of the Kurdistan
    Region, a proxy for the KRG line (see :data:`KRG_LINE_CAVEAT`).

    Parameters
    ----------
    b
        The admin boundaries to cut the line from.

    Returns
    -------
    geopandas.GeoDataFrame
        One (Multi)LineString row: ``key``, ``name``, ``kind``, ``length_km``, ``source``,
        ``notes``, ``geometry``.
    """
    notes: list[str] = []
    area, _ = _krg_parts(b, notes, [])
    spec = disputed_data().krg
    line = outline_line(area, b, spec.border_buffer_m)
    geom = gpd.GeoSeries([line], crs=METRIC_CRS).to_crs(GEOGRAPHIC_CRS).iat[0]
    notes.append(
        f"the KRG area's outline without the international border (everything within "
        f"{spec.border_buffer_m:g} m of the country outline removed)"
    )
    notes.append(KRG_LINE_CAVEAT)
    row = {
        "key": "krg-line",
        "name": spec.line_name,
        "kind": "administrative-boundary-proxy",
        "length_km": round(line.length / 1e3, 3),
        "source": f"disputed-maps boundaries/disputed.toml — derived from {b.source.key}",
        "notes": " | ".join(notes),
        "geometry": geom,
    }
    return gpd.GeoDataFrame(
        [row], columns=list(LINE_COLUMNS), geometry="geometry", crs=GEOGRAPHIC_CRS
    )


# --------------------------------------------------------------------------- Hamrin


def hamrin_ridge() -> gpd.GeoDataFrame:
    """Return the Jebel Hamrin ridge as an approximate polyline through sourced points.

    Returns
    -------
    geopandas.GeoDataFrame
        One LineString row (``kind`` says it is approximate); ``notes`` states the method and
        each vertex with its source; ``length_km`` is computed in EPSG:32638.
    """
    data = hamrin_data()
    line = shapely.LineString([(v.lon, v.lat) for v in data.vertices])
    vertices = "; ".join(
        f"{v.label} ({v.lat} N, {v.lon} E, within about {v.precision_km:g} km): {v.source}"
        for v in data.vertices
    )
    row = {
        "key": "hamrin-ridge",
        "name": data.ridge_name,
        "kind": "ridge (approximate)",
        "length_km": round(_km(line), 3),
        "source": "disputed-maps boundaries/hamrin.toml; "
        + "; ".join(dict.fromkeys(v.source for v in data.vertices)),
        "notes": f"APPROXIMATE. {data.ridge_method} Vertices: {vertices}",
        "geometry": line,
    }
    return gpd.GeoDataFrame(
        [row], columns=list(LINE_COLUMNS), geometry="geometry", crs=GEOGRAPHIC_CRS
    )


def hamrin_rule_members(subdistricts: gpd.GeoDataFrame) -> dict[str, str]:
    """Apply the focus-area rule of ``boundaries/hamrin.toml`` to a sub-district layer.

    Parameters
    ----------
    subdistricts
        A sub-district layer in the admin schema (COD-AB).

    Returns
    -------
    dict
        Code → ``"ridge"`` for the sub-districts the ridge runs through for at least
        ``min_crossing_km``, else ``"lake"`` for those within ``lake_radius_km`` of the lake
        point (both measured in EPSG:32638). The named additions are not included: they are
        the listed members whose basis is ``addition``.
    """
    data = hamrin_data()
    metric = subdistricts.to_crs(METRIC_CRS)
    ridge = hamrin_ridge().to_crs(METRIC_CRS).geometry.iat[0]
    lake = gpd.GeoSeries([shapely.Point(data.lake_lon, data.lake_lat)], crs=GEOGRAPHIC_CRS)
    circle = lake.to_crs(METRIC_CRS).iat[0].buffer(data.lake_radius_km * 1000)
    crossing = metric.geometry.intersection(ridge).length / 1000
    chosen: dict[str, str] = {}
    for code, km, geom in zip(metric["code"], crossing, metric.geometry, strict=True):
        if km >= data.min_crossing_km:
            chosen[str(code)] = "ridge"
        elif geom.intersects(circle):
            chosen[str(code)] = "lake"
    return dict(sorted(chosen.items()))


def hamrin_dam() -> gpd.GeoDataFrame:
    """Return the Hamrin dam as a point (34.11444 N, 44.96778 E) with its source."""
    dam = hamrin_data().dam
    row = {
        "key": "hamrin-dam",
        "name": dam["name"],
        "kind": "dam",
        "source": dam["source"],
        "notes": dam["note"],
        "geometry": shapely.Point(dam["lon"], dam["lat"]),
    }
    return gpd.GeoDataFrame(
        [row], columns=list(POINT_COLUMNS), geometry="geometry", crs=GEOGRAPHIC_CRS
    )


def hamrin_area(b: Boundaries) -> gpd.GeoDataFrame:
    """Return the Hamrin focus area: the listed sub-districts, else a buffer of the ridge.

    Parameters
    ----------
    b
        The admin boundaries to cut the area from.

    Returns
    -------
    geopandas.GeoDataFrame
        One row in the zone schema. With sub-districts (COD-AB) the listed ones dissolved
        (chosen by the rule in ``boundaries/hamrin.toml``, see :func:`hamrin_rule_members`);
        without (geoBoundaries, schematic) the ridge buffered by
        ``fallback_buffer_km`` in EPSG:32638 and clipped to the country, marked approximate.
    """
    data = hamrin_data()
    notes: list[str] = []
    members: list[str] = []
    if b.subdistricts is not None:
        parts = []
        for m in data.members:
            rows = _select(
                b.subdistricts,
                code=m.code,
                level="subdistrict",
                name=m.name,
                variants=(),
                governorate=m.governorate,
                source=b.source.key,
                notes=notes,
            )
            parts.extend(rows.geometry)
            members.extend(rows["code"])
        if parts:
            geom = shapely.union_all(parts)
            return zone_frame(
                "hamrin-area",
                data.area_name,
                "focus-area",
                members,
                geom,
                f"disputed-maps boundaries/hamrin.toml — polygons from {b.source.key}",
                _licence("hamrin-area", b),
                notes,
            )
        notes.append(f"none of the listed sub-districts is in the {b.source.key} layer")
    ridge = hamrin_ridge().to_crs(METRIC_CRS).geometry.iat[0]
    country = b.country.to_crs(METRIC_CRS).union_all()
    geom = ridge.buffer(data.fallback_buffer_km * 1000).intersection(country)
    geom = gpd.GeoSeries([geom], crs=METRIC_CRS).to_crs(GEOGRAPHIC_CRS).iat[0]
    notes.append(
        f"approximate: {b.source.key} has no sub-districts, so the area is the approximate "
        f"ridge buffered by {data.fallback_buffer_km:g} km and clipped to the country, "
        f"not the {len(data.members)} listed sub-districts (about {data.expected_km2:,.0f} km²)"
    )
    return zone_frame(
        "hamrin-area",
        f"{data.area_name} (approximate)",
        "focus-area",
        members,
        geom,
        f"disputed-maps boundaries/hamrin.toml — ridge buffer on {b.source.key}",
        _licence("hamrin-area", b),
        notes,
    )


# --------------------------------------------------------------------------- places


def gazetteer(*, path: Path | str | None = None) -> pd.DataFrame:
    """Return every row of the gazetteer, with or without coordinates.

    Parameters
    ----------
    path
        A places CSV; by default the project's ``boundaries/places.csv``.

    Returns
    -------
    pandas.DataFrame
        All rows in file order, text columns as strings, ``lat``/``lon`` as floats (NaN where
        the place has no coordinates).

    Raises
    ------
    CatalogError
        If the file is missing, lacks a column, or a row has half, unreadable or
        out-of-range coordinates (every problem is listed).
    """
    try:
        file = Path(path) if path is not None else paths.resource("boundaries/places.csv")
        table = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CatalogError(
            f"cannot read the gazetteer: {exc}",
            hint="reinstall disputed-maps or fix boundaries/places.csv",
        ) from exc
    missing = [c for c in PLACE_COLUMNS if c not in table.columns]
    if missing:
        raise CatalogError(
            f"{file}: missing column(s) {', '.join(missing)}",
            hint=f"the gazetteer needs the columns {', '.join(PLACE_COLUMNS)}",
        )
    table = table.apply(lambda col: col.str.strip())
    half = (table["lat"] == "") != (table["lon"] == "")
    problems = [
        f"line {i + 2} ({table.at[i, 'name']}): only one of lat/lon is given"
        for i in table.index[half]
    ]
    for axis, limit in (("lat", 90), ("lon", 180)):
        values = pd.to_numeric(table[axis].where(table[axis] != ""), errors="coerce")
        bad = (table[axis] != "") & (values.isna() | (values.abs() > limit))
        problems += [
            f"line {i + 2}, {axis}: {table.at[i, axis]!r} is not a number within ±{limit}"
            for i in table.index[bad]
        ]
        table[axis] = values
    if problems:
        raise CatalogError(
            f"{file} has {len(problems)} problem(s): " + "; ".join(problems),
            hint="give both lat and lon in degrees, or leave both empty",
        )
    return table


def places(*, path: Path | str | None = None) -> gpd.GeoDataFrame:
    """Return the gazetteer's places that have coordinates, as points.

    Parameters
    ----------
    path
        A places CSV; by default the project's ``boundaries/places.csv``.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows with coordinates (rows without are gazetteer entries only: see
        :func:`gazetteer`), every CSV column kept, plus ``notes`` if the file has none.
    """
    table = gazetteer(path=path)
    located = table[table["lat"].notna()].reset_index(drop=True)
    if "notes" not in located.columns:
        located["notes"] = ""
    return gpd.GeoDataFrame(
        located, geometry=gpd.points_from_xy(located["lon"], located["lat"]), crs=GEOGRAPHIC_CRS
    )


# --------------------------------------------------------------------------- all together

#: The catalog's project layers that :func:`project_layers` builds, and so every join and
#: map uses. The catalog also describes variants only the Python API builds
#: (``article-140-subdistricts``); pages and tables do not credit what they do not use.
USED_KEYS: tuple[str, ...] = (
    "unami-2009",
    "article-140-wide",
    "krg-area",
    "krg-line",
    "hamrin-area",
    "hamrin-ridge",
    "hamrin-dam",
    "places",
)


def used_provenance() -> tuple[Provenance, ...]:
    """Return the provenance of the project layers joins and maps use (:data:`USED_KEYS`)."""
    return tuple(p for p in project_provenance() if p.key in USED_KEYS)


_PROJECT_LAYERS: weakref.WeakKeyDictionary[Boundaries, ProjectLayers] = weakref.WeakKeyDictionary()


def project_layers(b: Boundaries) -> ProjectLayers:
    """Build every project layer from one set of admin boundaries (cached per ``b``).

    Parameters
    ----------
    b
        The admin boundaries to cut the zones and lines from.

    Returns
    -------
    geo.types.ProjectLayers
        Both disputed zones, the KRG area and line, the Hamrin area, ridge and dam, and the
        places; ``notes`` gathers the layers' notes, prefixed by their key.
    """
    if b in _PROJECT_LAYERS:
        return _PROJECT_LAYERS[b]
    stored = _stored_key(b)
    if stored is not None and b.snapshot is not None:
        fields = validated.read_derived(b.snapshot[0], "project-layers", stored)
        if fields is not None:
            _PROJECT_LAYERS[b] = ProjectLayers(boundaries=b, **fields)
            return _PROJECT_LAYERS[b]
    layers = ProjectLayers(
        boundaries=b,
        disputed_unami=disputed_zone(b, "unami-2009"),
        disputed_wide=disputed_zone(b, "article-140-wide"),
        krg_area=krg_area(b),
        krg_line=krg_line(b),
        hamrin_area=hamrin_area(b),
        hamrin_ridge=hamrin_ridge(),
        hamrin_dam=hamrin_dam(),
        places=places(),
    )
    notes = tuple(
        f"{frame['key'].iat[0]}: {note}"
        for frame in (
            layers.disputed_unami,
            layers.disputed_wide,
            layers.krg_area,
            layers.krg_line,
            layers.hamrin_area,
        )
        for note in frame["notes"].iat[0].split(" | ")
        if note
    )
    layers = dataclasses.replace(layers, notes=notes)
    _PROJECT_LAYERS[b] = layers
    if stored is not None and b.snapshot is not None:
        fields = {f.name: getattr(layers, f.name) for f in dataclasses.fields(layers)}
        del fields["boundaries"]
        validated.write_derived(b.snapshot[0], "project-layers", stored, fields)
    return layers


def _stored_key(b: Boundaries) -> str | None:
    """Return the key of ``b``'s project layers in its snapshot folder (None: not cached).

    It covers the boundaries' own snapshot key, this module and the project's
    definition files (zones, Hamrin, places), so editing any of them rebuilds the layers.
    """
    if b.snapshot is None:
        return None
    folder = paths.resource("boundaries")
    files = sorted(p for p in folder.iterdir() if p.is_file())
    code = validated.code_fingerprint(Path(__file__).resolve(), *files)
    return hashlib.sha256(f"{b.snapshot[1]}:{code}".encode()).hexdigest()
