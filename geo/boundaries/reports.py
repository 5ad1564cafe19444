"""What fetching, importing and listing boundaries report: frozen records for the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from geo.boundaries.catalog import Variant
from geo.types import Level, Provenance

FileAction = Literal["downloaded", "already cached", "copied", "read"]


@dataclass(frozen=True)
class FileStatus:
    """One stored file: which layer it is, its hash and size, and what was done with it."""

    name: str
    level: Level
    variant: Variant
    sha256: str
    size: int
    action: FileAction
    verified: bool


@dataclass(frozen=True)
class FetchReport:
    """What :func:`fetch` downloaded or found already cached."""

    source: str
    directory: Path
    url_base: str
    files: tuple[FileStatus, ...]
    provenance: Provenance

    def summary(self) -> str:
        """Return a few human-readable lines for the terminal."""
        lines = [
            f"{self.source}: {len(self.files)} file(s) in {self.directory} (from {self.url_base})"
        ]
        lines += [
            f"  {f.name}: {f.action}, {f.size} bytes, sha256 {f.sha256} verified"
            for f in self.files
        ]
        lines.append(
            f"  licence {self.provenance.licence}; attribution: {self.provenance.attribution}"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_boundaries` recognised, verified and copied into the cache."""

    source: str
    origin: Path
    directory: Path
    verified: bool
    files: tuple[FileStatus, ...]
    notes: tuple[str, ...]
    provenance: Provenance

    def summary(self) -> str:
        """Return a few human-readable lines for the terminal."""
        state = "verified against the catalog" if self.verified else "UNVERIFIED (hashes recorded)"
        lines = [
            f"{self.source}: imported {len(self.files)} file(s) from {self.origin} "
            f"into {self.directory}, {state}"
        ]
        for f in self.files:
            mark = "ok" if f.verified else "differs from the catalog"
            lines.append(
                f"  {f.level}/{f.variant}: {f.name}, {f.size} bytes, sha256 {f.sha256} ({mark})"
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class LayerStatus:
    """One row of ``geo boundaries list``: a catalog layer or a project layer."""

    key: str
    source: str
    level: str
    variant: str
    kind: str
    licence: str
    attribution: str
    version: str
    features: int | None
    location: str

    def line(self) -> str:
        """Return the row as one line for ``geo boundaries list``."""
        count = "-" if self.features is None else str(self.features)
        return (
            f"{self.key:<36} {count:>5}  {self.licence} | {self.attribution} | "
            f"version {self.version} | {self.location}"
        )
