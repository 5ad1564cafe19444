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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from geo import tomlread
from geo.constants import DISTANCE_BANDS_KM
from geo.errors import SpecError
from geo.paths import resource
from geo.types import Role

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

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: the bounds must be ordered."""
        b = self.bounds
        if b is not None and not (b[0] < b[2] and b[1] < b[3]):
            yield (
                f"{name('bounds')} should be [south, west, north, east] with south < north "
                f"and west < east, got {list(b)!r}",
                "e.g. [33.5, 44.0, 35.5, 46.0]",
            )


@dataclass(frozen=True)
class Filters:
    """Which events the map shows."""

    is_only: bool = True
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    event_types: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()  # is_attack, against_is, clash, none; empty: all

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: the dates must be in order."""
        if self.date_from and self.date_to and self.date_from > self.date_to:
            yield (
                f"{name('date_from')} {self.date_from} is after {name('date_to')} {self.date_to}",
                "swap the dates",
            )


@dataclass(frozen=True)
class Events:
    """How events are drawn."""

    mode: EventMode = "points"
    color_by: ColorBy = "event_type"
    distance_bands_km: tuple[float, ...] = DISTANCE_BANDS_KM

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: distance bands are positive."""
        yield from _positive(self.distance_bands_km, name("distance_bands_km"))


@dataclass(frozen=True)
class Choropleth:
    """The choropleth of events per area (the disputed zones are overlays, never units)."""

    level: ChoroLevel = "district"
    measure: Measure = "events"
    scheme: Scheme = "NaturalBreaks"
    k: int = 5
    levels: tuple[ChoroLevel, ...] = ()  # extra levels drawn as toggleable choropleths

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: 2 to 9 classes."""
        if not 2 <= self.k <= 9:
            yield f"{name('k')} = {self.k} must be 2 to 9", "use 5"


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
    basemaps: tuple[Basemap, ...] = ("osm",)
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

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: known layers, positive ring radii."""
        for layer in self.layers:
            if layer not in LAYER_NAMES:
                yield (
                    f"{name('layers')} names {layer!r}, which does not exist",
                    f"known layers: {', '.join(LAYER_NAMES)}",
                )
        yield from _positive(self.rings_km, name("rings_km"))


def _positive(values: tuple[float, ...], key: str) -> Iterator[tuple[str, str]]:
    if any(v <= 0 for v in values):
        yield f"{key} must be positive numbers of km", "e.g. [10, 25]"


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
    digest
        The sha256 of the spec file, kept for rebuild decisions.

    Raises
    ------
    SpecError
        Naming every unknown key, missing key, wrong type and value outside its choices.
    """
    problems: list[tomlread.Problem] = []
    spec = tomlread.read(
        MapSpec,
        data,
        problems=problems,
        given={"name": name, "path": source, "digest": digest},
    )
    tomlread.raise_problems(
        problems, source=source, error=SpecError, hint="fix the value in the TOML file"
    )
    assert spec is not None  # no problems, so the spec was read
    return spec


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
