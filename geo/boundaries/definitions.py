"""The project's own definitions: ``disputed.toml`` and ``hamrin.toml`` read into frozen records.

``boundaries/disputed.toml`` lists the disputed districts and sub-districts, the named
definitions built from them and the recipe of the KRG-administered area;
``boundaries/hamrin.toml`` holds the dam, the ridge vertices and the focus-area members.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from geo import paths, tomlread
from geo.errors import CatalogError
from geo.types import Level

Definition = Literal["unami-2009", "article-140-wide", "article-140-subdistricts"]
DEFINITIONS: tuple[Definition, ...] = ("unami-2009", "article-140-wide", "article-140-subdistricts")

T = TypeVar("T")


@dataclass(frozen=True)
class DisputedArea:
    """One district or sub-district on a disputed-territories list."""

    code: str
    level: Level
    name: str
    name_ar: str
    governorate: str
    variants: tuple[str, ...]
    status: Literal["whole", "partly"]
    source: str
    note: str
    parent: str = ""


@dataclass(frozen=True)
class ZoneDefinition:
    """A named list of disputed areas (``unami-2009``, ``article-140-wide`` …).

    ``parent_fallback`` lists the sub-district members that, without a sub-district layer,
    are replaced by their whole parent district (the others are then left out).
    """

    key: str
    name: str
    source: str
    description: str
    members: tuple[str, ...]
    parent_fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class KrgMember:
    """A governorate or district added to or removed from the KRG-administered area, and why."""

    code: str
    level: Level
    name: str
    action: Literal["include", "exclude"]
    variants: tuple[str, ...]
    reason: str
    source: str
    governorate: str = ""


@dataclass(frozen=True)
class KrgSpec:
    """How the KRG-administered area and its line are derived."""

    name: str
    line_name: str
    border_buffer_m: float
    source: str
    members: tuple[KrgMember, ...] = field(metadata=tomlread.option(key="member"))


@dataclass(frozen=True)
class DisputedData:
    """Everything ``boundaries/disputed.toml`` declares."""

    definitions: tuple[ZoneDefinition, ...] = field(metadata=tomlread.option(keyed=True))
    areas: tuple[DisputedArea, ...] = field(metadata=tomlread.option(key="area"))
    krg: KrgSpec

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: definitions name listed areas, none is missing."""
        listed = {a.code for a in self.areas}
        for d in self.definitions:
            for code in d.members:
                if code not in listed:
                    yield f"[definitions.{d.key}] names {code}, which has no [[area]] entry", ""
        for key in DEFINITIONS:
            if not any(d.key == key for d in self.definitions):
                yield f"definition {key!r} is missing", ""

    def definition(self, key: str) -> ZoneDefinition:
        """Return the definition called ``key``."""
        for d in self.definitions:
            if d.key == key:
                return d
        known = ", ".join(d.key for d in self.definitions)
        raise CatalogError(f"unknown disputed-zone definition {key!r}", hint=f"use one of: {known}")

    def area(self, code: str) -> DisputedArea:
        """Return the listed area with this P-code."""
        return next(a for a in self.areas if a.code == code)


@dataclass(frozen=True)
class RidgeVertex:
    """One sourced point of the Hamrin ridge polyline, with its stated precision.

    ``subdistrict`` is the COD-AB sub-district that holds the point (checked by the tests
    against the real layer); ``precision_km`` how far the crest may be from it.
    """

    label: str
    lat: float
    lon: float
    precision_km: float
    subdistrict: str
    source: str
    note: str


@dataclass(frozen=True)
class HamrinMember:
    """One sub-district of the Hamrin focus area, the part of the rule that puts it in, and why.

    ``basis`` is ``ridge`` (the ridge crosses it), ``lake`` (it reaches the lake circle) or
    ``addition`` (named, with ``reason``); see ``[area] rule`` in ``boundaries/hamrin.toml``.
    """

    code: str
    name: str
    district: str
    governorate: str
    basis: Literal["ridge", "lake", "addition"]
    reason: str


@dataclass(frozen=True)
class HamrinData:
    """Everything ``boundaries/hamrin.toml`` declares."""

    dam: dict[str, Any]
    ridge_name: str
    ridge_method: str
    vertices: tuple[RidgeVertex, ...]
    area_name: str
    area_description: str
    area_rule: str
    expected_km2: float
    fallback_buffer_km: float
    min_crossing_km: float
    lake_lat: float
    lake_lon: float
    lake_radius_km: float
    lake_source: str
    members: tuple[HamrinMember, ...]


@dataclass(frozen=True)
class _Dam:
    """``[dam]`` of ``hamrin.toml``."""

    name: str
    name_ar: str
    variants: tuple[str, ...]
    lat: float
    lon: float
    source: str
    note: str


@dataclass(frozen=True)
class _Ridge:
    """``[ridge]`` of ``hamrin.toml``."""

    name: str
    name_ar: str
    approximate: bool
    method: str
    vertices: tuple[RidgeVertex, ...] = field(metadata=tomlread.option(key="vertex"))

    def toml_problems(self, name: Callable[[str], str]) -> Iterator[tuple[str, str]]:
        """Yield what the types cannot say: a line needs two vertices."""
        if len(self.vertices) < 2:
            yield "[ridge] needs at least two [[ridge.vertex]] entries", ""


@dataclass(frozen=True)
class _Area:
    """``[area]`` of ``hamrin.toml``."""

    name: str
    expected_km2: float
    fallback_buffer_km: float
    min_crossing_km: float
    lake_lat: float
    lake_lon: float
    lake_radius_km: float
    lake_source: str
    rule: str
    description: str
    members: tuple[HamrinMember, ...] = field(metadata=tomlread.option(key="member"))


@dataclass(frozen=True)
class _HamrinFile:
    """``boundaries/hamrin.toml`` as written."""

    dam: _Dam
    ridge: _Ridge
    area: _Area


def _read(cls: type[T], name: str) -> T:
    """Read the project file ``name`` into ``cls``, raising once with every problem."""
    file = paths.resource(name)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(
            f"{file} is not valid TOML: {exc}", hint="fix the file or reinstall"
        ) from exc
    problems: list[tomlread.Problem] = []
    record = tomlread.read(cls, data, problems=problems)
    tomlread.raise_problems(
        problems,
        source=str(file),
        error=CatalogError,
        hint="fix the file (unknown keys are errors) or reinstall disputed-maps",
    )
    assert record is not None  # no problems, so the file was read
    return record


@functools.cache
def disputed_data() -> DisputedData:
    """Read ``boundaries/disputed.toml`` (definitions, listed areas, the KRG area's recipe).

    Raises
    ------
    CatalogError
        If the file has unknown or missing keys, or a definition names an unlisted code.
    """
    return _read(DisputedData, "boundaries/disputed.toml")


@functools.cache
def hamrin_data() -> HamrinData:
    """Read ``boundaries/hamrin.toml`` (dam, ridge vertices, focus-area sub-districts).

    Raises
    ------
    CatalogError
        If the file has unknown or missing keys.
    """
    raw = _read(_HamrinFile, "boundaries/hamrin.toml")
    return HamrinData(
        dam=dataclasses.asdict(raw.dam),
        ridge_name=raw.ridge.name,
        ridge_method=raw.ridge.method,
        vertices=raw.ridge.vertices,
        area_name=raw.area.name,
        area_description=raw.area.description,
        area_rule=raw.area.rule,
        expected_km2=raw.area.expected_km2,
        fallback_buffer_km=raw.area.fallback_buffer_km,
        min_crossing_km=raw.area.min_crossing_km,
        lake_lat=raw.area.lake_lat,
        lake_lon=raw.area.lake_lon,
        lake_radius_km=raw.area.lake_radius_km,
        lake_source=raw.area.lake_source,
        members=raw.area.members,
    )
