"""Map specs: ``maps/*.toml`` read into frozen :class:`MapSpec` objects; unknown keys are errors.

A spec names what one map shows. Example (``maps/diyala-hamrin.toml``)::

    title = "Diyala and the Hamrin range"
    description = "IS activity around Hamrin Lake and the Hamrin mountains."
    layers = ["districts", "subdistricts", "hamrin-area", "hamrin-ridge",
              "hamrin-dam", "hamrin-rings", "places", "events", "heat"]
    basemaps = ["osm", "terrain"]

    [view]
    governorates = ["IQG10", "IQG16", "IQG13"]   # fit the map to these

    [filters]
    is_only = true
    date_from = 2019-01-01

    [events]
    mode = "points"          # points | cluster | none
    color_by = "event_type"  # event_type | distance_band | precision

    [choropleth]
    level = "district"       # governorate | district | subdistrict
    measure = "events"       # events | fatalities | events_per_1000km2
    scheme = "NaturalBreaks"
    k = 5

    [hotspots]               # Getis-Ord Gi* hot spots (maps/hotspots.toml)
    level = "subdistrict"    # governorate | district | subdistrict | hex
    period = "quarter"       # month | quarter | year: adds the emerging hot spots
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from geo.constants import DISTANCE_BANDS_KM
from geo.errors import SpecError
from geo.paths import resource
from geo.types import ROLES

LayerName = Literal[
    "governorates",
    "districts",
    "subdistricts",
    "unami-2009",
    "article-140-wide",
    "krg-area",
    "krg-line",
    "hamrin-area",
    "hamrin-ridge",
    "hamrin-dam",
    "hamrin-rings",
    "places",
    "events",
    "heat",
    "grid",
]
LAYER_NAMES: tuple[str, ...] = get_args(LayerName)
Basemap = Literal["osm", "terrain", "none"]
EventMode = Literal["points", "cluster", "none"]
ColorBy = Literal["event_type", "distance_band", "precision"]
Period = Literal["none", "week", "month"]
ChoroLevel = Literal["governorate", "district", "subdistrict"]
Measure = Literal["events", "fatalities", "events_per_1000km2"]
HotspotLevel = Literal["governorate", "district", "subdistrict", "hex"]
HotspotPeriod = Literal["month", "quarter", "year"]
Scheme = Literal["NaturalBreaks", "Quantiles", "EqualInterval", "FisherJenks", "HeadTailBreaks"]


@dataclass(frozen=True)
class View:
    """Where the map opens: fit to governorates (P-codes) or to explicit bounds."""

    governorates: tuple[str, ...] = ()
    bounds: tuple[float, float, float, float] | None = None  # south, west, north, east


@dataclass(frozen=True)
class Filters:
    """Which events the map shows."""

    is_only: bool = True
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    event_types: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # is_attack, against_is, clash, none; empty: all


@dataclass(frozen=True)
class Events:
    """How events are drawn."""

    mode: EventMode = "points"
    color_by: ColorBy = "event_type"
    distance_bands_km: tuple[float, ...] = DISTANCE_BANDS_KM


@dataclass(frozen=True)
class Choropleth:
    """The choropleth of events per area (the disputed zones are overlays, never units)."""

    level: ChoroLevel = "district"
    measure: Measure = "events"
    scheme: Scheme = "NaturalBreaks"
    k: int = 5
    levels: tuple[ChoroLevel, ...] = ()  # extra levels drawn as toggleable choropleths


@dataclass(frozen=True)
class Hotspots:
    """Gi* hot spots per area (a coarser admin level where the boundaries lack this one).

    With a ``period``, the emerging hot-spot classes are drawn as a second layer.
    """

    level: HotspotLevel = "subdistrict"
    period: HotspotPeriod | None = None


@dataclass(frozen=True)
class MapSpec:
    """One map, as read from ``maps/<name>.toml``."""

    name: str
    title: str
    description: str
    path: str
    layers: tuple[str, ...]
    basemaps: tuple[str, ...] = ("osm",)
    view: View = field(default_factory=View)
    filters: Filters = field(default_factory=Filters)
    events: Events = field(default_factory=Events)
    choropleth: Choropleth | None = None
    hotspots: Hotspots | None = None
    time: Period = "none"
    rings_km: tuple[float, ...] = (10.0, 25.0)
    seam_chart: bool = False
    aggregates_only: bool = False
    digest: str = ""  # sha256 of the spec file, for rebuild decisions

    def has(self, layer: str) -> bool:
        """Return True when the spec lists ``layer``."""
        return layer in self.layers


_TOP = {
    "title": str,
    "description": str,
    "layers": list,
    "basemaps": list,
    "time": str,
    "rings_km": list,
    "seam_chart": bool,
    "aggregates_only": bool,
    "view": dict,
    "filters": dict,
    "events": dict,
    "choropleth": dict,
    "hotspots": dict,
}
_VIEW = {"governorates": list, "bounds": list}
_FILTERS = {
    "is_only": bool,
    "date_from": dt.date,
    "date_to": dt.date,
    "event_types": list,
    "roles": list,
}
_EVENTS = {"mode": str, "color_by": str, "distance_bands_km": list}
_CHORO = {"level": str, "measure": str, "scheme": str, "k": int, "levels": list}
_HOTSPOTS = {"level": str, "period": str}
_REQUIRED = ("title", "description", "layers")


def _check(table: dict[str, Any], allowed: dict[str, type], where: str, src: str) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise SpecError(
                f"{src}: unknown key {where}{key!r}",
                hint=f"allowed keys here: {', '.join(sorted(allowed))}",
            )
        want = allowed[key]
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        if want is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if want is dt.date:
            ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        if not ok:
            raise SpecError(
                f"{src}: key {where}{key!r} should be {_type_name(want)}, "
                f"got {type(value).__name__} {value!r}",
                hint="fix the value in the TOML file",
            )


def _type_name(t: type) -> str:
    return {
        str: "a string",
        bool: "true or false",
        int: "an integer",
        list: "a list",
        dict: "a table",
        dt.date: "a date such as 2021-01-31",
        float: "a number",
    }.get(t, t.__name__)


def _choice(value: str, options: tuple[str, ...], key: str, src: str) -> str:
    if value not in options:
        raise SpecError(
            f"{src}: {key} = {value!r} is not one of {', '.join(options)}",
            hint="use one of the listed values",
        )
    return value


def _strings(values: list[Any], key: str, src: str) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in values):
        raise SpecError(f"{src}: every item of {key} should be a string", hint="quote the items")
    return tuple(values)


def _numbers(values: list[Any], key: str, src: str) -> tuple[float, ...]:
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise SpecError(f"{src}: every item of {key} should be a number", hint="e.g. [10, 25]")
    if any(v <= 0 for v in values):
        raise SpecError(f"{src}: {key} must be positive numbers of km", hint="e.g. [10, 25]")
    return tuple(float(v) for v in values)


def parse_spec(
    data: dict[str, Any], *, name: str, source: str = "<spec>", digest: str = ""
) -> MapSpec:
    """Turn a parsed TOML table into a :class:`MapSpec`, checking every key.

    Parameters
    ----------
    data
        The TOML document as a dict.
    name
        The map's name (the file stem), used for the output file.
    source
        Where the data came from, for error messages.

    Raises
    ------
    SpecError
        On an unknown key, a missing key, a wrong type or a value outside its choices.
    """
    src = source
    _check(data, _TOP, "", src)
    for key in _REQUIRED:
        if key not in data:
            raise SpecError(f"{src}: missing required key {key!r}", hint="add it to the file")
    layers = _strings(data["layers"], "layers", src)
    for layer in layers:
        if layer not in LAYER_NAMES:
            raise SpecError(
                f"{src}: layers names {layer!r}, which does not exist",
                hint=f"known layers: {', '.join(LAYER_NAMES)}",
            )
    basemaps = _strings(data.get("basemaps", ["osm"]), "basemaps", src)
    for b in basemaps:
        _choice(b, get_args(Basemap), "basemaps item", src)

    view_t = data.get("view", {})
    _check(view_t, _VIEW, "view.", src)
    bounds = view_t.get("bounds")
    if bounds is not None:
        nums = bounds
        numeric = all(isinstance(b, int | float) and not isinstance(b, bool) for b in nums)
        if not numeric or len(nums) != 4 or not (nums[0] < nums[2] and nums[1] < nums[3]):
            raise SpecError(
                f"{src}: view.bounds should be [south, west, north, east] with south < north "
                f"and west < east, got {bounds!r}",
                hint="e.g. [33.5, 44.0, 35.5, 46.0]",
            )
        bounds = tuple(float(b) for b in nums)
    view = View(
        governorates=_strings(view_t.get("governorates", []), "view.governorates", src),
        bounds=bounds,
    )

    f_t = data.get("filters", {})
    _check(f_t, _FILTERS, "filters.", src)
    filters = Filters(
        is_only=f_t.get("is_only", True),
        date_from=f_t.get("date_from"),
        date_to=f_t.get("date_to"),
        event_types=_strings(f_t.get("event_types", []), "filters.event_types", src),
        roles=tuple(
            _choice(r, ROLES, "filters.roles item", src)
            for r in _strings(f_t.get("roles", []), "filters.roles", src)
        ),
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise SpecError(
            f"{src}: filters.date_from {filters.date_from} is after filters.date_to "
            f"{filters.date_to}",
            hint="swap the dates",
        )

    e_t = data.get("events", {})
    _check(e_t, _EVENTS, "events.", src)
    events = Events(
        mode=_choice(e_t.get("mode", "points"), get_args(EventMode), "events.mode", src),
        color_by=_choice(
            e_t.get("color_by", "event_type"), get_args(ColorBy), "events.color_by", src
        ),
        distance_bands_km=_numbers(
            e_t.get("distance_bands_km", list(DISTANCE_BANDS_KM)), "events.distance_bands_km", src
        ),
    )

    choropleth = None
    if "choropleth" in data:
        c_t = data["choropleth"]
        _check(c_t, _CHORO, "choropleth.", src)
        k = c_t.get("k", 5)
        if not 2 <= k <= 9:
            raise SpecError(f"{src}: choropleth.k = {k} must be 2 to 9", hint="use 5")
        choropleth = Choropleth(
            level=_choice(
                c_t.get("level", "district"), get_args(ChoroLevel), "choropleth.level", src
            ),
            measure=_choice(
                c_t.get("measure", "events"), get_args(Measure), "choropleth.measure", src
            ),
            scheme=_choice(
                c_t.get("scheme", "NaturalBreaks"), get_args(Scheme), "choropleth.scheme", src
            ),
            k=k,
            levels=tuple(
                _choice(v, get_args(ChoroLevel), "choropleth.levels item", src)
                for v in _strings(c_t.get("levels", []), "choropleth.levels", src)
            ),
        )

    hotspots = None
    if "hotspots" in data:
        h_t = data["hotspots"]
        _check(h_t, _HOTSPOTS, "hotspots.", src)
        period = h_t.get("period")
        hotspots = Hotspots(
            level=_choice(
                h_t.get("level", "subdistrict"), get_args(HotspotLevel), "hotspots.level", src
            ),  # type: ignore[arg-type]
            period=None
            if period is None
            else _choice(period, get_args(HotspotPeriod), "hotspots.period", src),  # type: ignore[arg-type]
        )

    return MapSpec(
        name=name,
        title=data["title"],
        description=data["description"],
        path=src,
        layers=layers,
        basemaps=basemaps,
        view=view,
        filters=filters,
        events=events,
        choropleth=choropleth,
        hotspots=hotspots,
        time=_choice(data.get("time", "none"), get_args(Period), "time", src),
        rings_km=_numbers(data.get("rings_km", [10, 25]), "rings_km", src),
        seam_chart=data.get("seam_chart", False),
        aggregates_only=data.get("aggregates_only", False),
        digest=digest,
    )


def load_spec(path: Path | str) -> MapSpec:
    """Read one ``maps/<name>.toml`` file into a :class:`MapSpec`.

    Raises
    ------
    SpecError
        If the file is missing, is not valid TOML, or fails :func:`parse_spec`.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SpecError(f"{p}: no such map spec", hint="run `geo maps` to list the specs") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"{p}: not UTF-8 text", hint="save the spec as UTF-8") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{p}: not valid TOML ({exc})", hint="fix the syntax at that line") from exc
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return parse_spec(data, name=p.stem, source=str(p.name), digest=digest)


def specs_dir() -> Path:
    """Return the folder of the shipped map specs."""
    return resource("maps")


def load_specs(
    names: list[str] | tuple[str, ...] = (), *, folder: Path | None = None
) -> list[MapSpec]:
    """Load the shipped specs (or those in ``folder``), all or the named ones, sorted by name.

    Raises
    ------
    SpecError
        If a named spec does not exist.
    """
    base = folder or specs_dir()
    available = {p.stem: p for p in sorted(base.glob("*.toml"))}
    if not names:
        return [load_spec(p) for p in available.values()]
    missing = [n for n in names if n not in available]
    if missing:
        raise SpecError(
            f"no map spec named {', '.join(map(repr, missing))} in {base}",
            hint=f"available: {', '.join(available) or 'none'}",
        )
    return [load_spec(available[n]) for n in sorted(set(names))]
