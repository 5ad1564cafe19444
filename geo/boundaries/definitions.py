"""The project's own definitions: ``disputed.toml`` and ``hamrin.toml`` read into frozen records.

``boundaries/disputed.toml`` lists the disputed districts and sub-districts, the named
definitions built from them and the recipe of the KRG-administered area;
``boundaries/hamrin.toml`` holds the dam, the ridge vertices and the focus-area members.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from geo import paths
from geo.boundaries.catalog import check_keys
from geo.errors import CatalogError
from geo.types import Level

Definition = Literal["unami-2009", "article-140-wide"]
DEFINITIONS: tuple[Definition, ...] = ("unami-2009", "article-140-wide")


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
    """A named list of disputed areas (``unami-2009``, ``article-140-wide``)."""

    key: str
    name: str
    source: str
    description: str
    members: tuple[str, ...]


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
    members: tuple[KrgMember, ...]


@dataclass(frozen=True)
class DisputedData:
    """Everything ``boundaries/disputed.toml`` declares."""

    definitions: tuple[ZoneDefinition, ...]
    areas: tuple[DisputedArea, ...]
    krg: KrgSpec

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
    """One sourced point of the Hamrin ridge polyline."""

    label: str
    lat: float
    lon: float
    source: str


@dataclass(frozen=True)
class HamrinMember:
    """One sub-district of the Hamrin focus area, with the reason it is in."""

    code: str
    name: str
    district: str
    governorate: str
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
    expected_km2: float
    fallback_buffer_km: float
    members: tuple[HamrinMember, ...]


def _record(cls: type, table: dict[str, Any], where: str, problems: list[str], **extra: Any) -> Any:
    if not check_keys(table, cls, where, problems, derived=tuple(extra)):
        return None
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    return cls(**values, **extra)


def _read_toml(name: str) -> tuple[Path, dict[str, Any]]:
    file = paths.resource(name)
    try:
        return file, tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(
            f"{file} is not valid TOML: {exc}", hint="fix the file or reinstall"
        ) from exc


def _raise(file: Path, problems: list[str]) -> None:
    if problems:
        raise CatalogError(
            f"{file} has {len(problems)} problem(s): " + "; ".join(problems),
            hint="fix the file (unknown keys are errors) or reinstall disputed-maps",
        )


@functools.cache
def disputed_data() -> DisputedData:
    """Read ``boundaries/disputed.toml`` (definitions, listed areas, the KRG area's recipe).

    Raises
    ------
    CatalogError
        If the file has unknown or missing keys, or a definition names an unlisted code.
    """
    file, data = _read_toml("boundaries/disputed.toml")
    problems: list[str] = []
    for key in sorted(set(data) - {"definitions", "area", "krg"}):
        problems.append(f"unknown top-level key {key!r}")
    definitions = [
        _record(ZoneDefinition, table, f"[definitions.{key}]", problems, key=key)
        for key, table in data.get("definitions", {}).items()
    ]
    areas = [
        _record(DisputedArea, t, f"[[area]] #{i + 1}", problems)
        for i, t in enumerate(data.get("area", []))
    ]
    krg_table = dict(data.get("krg", {}))
    members = [
        _record(KrgMember, t, f"[[krg.member]] #{i + 1}", problems)
        for i, t in enumerate(krg_table.pop("member", []))
    ]
    krg = _record(KrgSpec, krg_table, "[krg]", problems, members=tuple(m for m in members if m))
    listed = {a.code for a in areas if a}
    for d in definitions:
        if d:
            problems += [
                f"[definitions.{d.key}] names {c}, which has no [[area]] entry"
                for c in d.members
                if c not in listed
            ]
    for key in DEFINITIONS:
        if not any(d and d.key == key for d in definitions):
            problems.append(f"definition {key!r} is missing")
    _raise(file, problems)
    return DisputedData(definitions=tuple(definitions), areas=tuple(areas), krg=krg)


@functools.cache
def hamrin_data() -> HamrinData:
    """Read ``boundaries/hamrin.toml`` (dam, ridge vertices, focus-area sub-districts).

    Raises
    ------
    CatalogError
        If the file has unknown or missing keys.
    """
    file, data = _read_toml("boundaries/hamrin.toml")
    problems: list[str] = []
    for key in sorted(set(data) - {"dam", "ridge", "area"}):
        problems.append(f"unknown top-level key {key!r}")
    dam = data.get("dam", {})
    for key in sorted({"name", "name_ar", "variants", "lat", "lon", "source", "note"} ^ set(dam)):
        problems.append(f"[dam]: {'missing' if key not in dam else 'unknown'} key {key!r}")
    ridge, area = dict(data.get("ridge", {})), dict(data.get("area", {}))
    vertices = [
        _record(RidgeVertex, t, f"[[ridge.vertex]] #{i + 1}", problems)
        for i, t in enumerate(ridge.pop("vertex", []))
    ]
    members = [
        _record(HamrinMember, t, f"[[area.member]] #{i + 1}", problems)
        for i, t in enumerate(area.pop("member", []))
    ]
    for where, table, keys in (
        ("[ridge]", ridge, {"name", "name_ar", "approximate", "method"}),
        ("[area]", area, {"name", "expected_km2", "fallback_buffer_km", "description"}),
    ):
        for key in sorted(keys ^ set(table)):
            problems.append(f"{where}: {'missing' if key not in table else 'unknown'} key {key!r}")
    if len(vertices) < 2:
        problems.append("[ridge] needs at least two [[ridge.vertex]] entries")
    _raise(file, problems)
    return HamrinData(
        dam=dam,
        ridge_name=ridge["name"],
        ridge_method=ridge["method"],
        vertices=tuple(vertices),
        area_name=area["name"],
        area_description=area["description"],
        expected_km2=float(area["expected_km2"]),
        fallback_buffer_km=float(area["fallback_buffer_km"]),
        members=tuple(members),
    )
