"""The incident cache: fetched Iraq rows and their provenance, and which source a build uses.

Layout under ``geo.paths.data_dir()/incidents/``::

    ucdp/<version>/GEDEvent_v25_1_IRQ.csv        Iraq rows of UCDP GED <version>
    ucdp/<version>/provenance.json               what was downloaded, from where, when
    ucdp/<version>/candidate/GEDEvent_v25_0_1_IRQ.csv …   Candidate months after it
    ucdp/<version>/candidate/provenance.json
    acled/IRQ.csv, acled/provenance.json         ACLED rows for Iraq (no credentials)

A ``provenance.json`` is written last, after the data file it describes, and
records that file's sha256: an entry counts as cached only when both exist
and agree, so an interrupted fetch never leaves a half-written entry in use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.paths import data_dir
from geo.write import sha256_file, write_text

PROVENANCE = "provenance.json"
_VERSION = re.compile(r"^(\d{1,3})\.(\d{1,2})$")


def incidents_dir() -> Path:
    """Return the root of the incident cache."""
    return data_dir() / "incidents"


def ucdp_dir(version: str | None = None) -> Path:
    """Return the UCDP cache folder, or one GED version's folder in it."""
    base = incidents_dir() / "ucdp"
    return base if version is None else base / version


def acled_dir() -> Path:
    """Return the ACLED cache folder."""
    return incidents_dir() / "acled"


def version_key(version: str) -> tuple[int, int]:
    """Return a GED version (``"25.1"``) as a sortable tuple; ``(-1, -1)`` if malformed."""
    match = _VERSION.match(version)
    return (int(match[1]), int(match[2])) if match else (-1, -1)


def read_json(path: Path) -> dict[str, Any] | None:
    """Return a JSON object from ``path``, or ``None`` when it is missing or unreadable."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_json(path: Path, value: dict[str, Any]) -> Path:
    """Write ``value`` as sorted, indented JSON, atomically."""
    return write_text(path, json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def _intact(folder: Path, record: dict[str, Any] | None) -> list[Path] | None:
    """Return the data files a provenance record lists, when all exist with their sha256."""
    if not record:
        return None
    files = []
    for entry in record.get("files", []):
        path = folder / str(entry.get("name", ""))
        if not path.is_file() or sha256_file(path) != entry.get("sha256"):
            return None
        files.append(path)
    return files or None


@dataclass(frozen=True)
class CachedUcdp:
    """One cached UCDP GED version and the Candidate months fetched after it.

    Attributes
    ----------
    version
        The GED version, e.g. ``"25.1"``.
    folder
        Its cache folder.
    ged
        The Iraq rows of the GED file.
    candidates
        The Iraq rows of each Candidate month, oldest first (empty when none).
    record, candidate_record
        The provenance records as written by the fetch.
    """

    version: str
    folder: Path
    ged: Path
    candidates: tuple[Path, ...]
    record: dict[str, Any]
    candidate_record: dict[str, Any] | None

    @property
    def files(self) -> tuple[Path, ...]:
        """Return the GED file, then the Candidate months: the inputs of a build."""
        return (self.ged, *self.candidates)

    def describe(self) -> str:
        """Return one line naming the version, its rows and its Candidate months."""
        rows = self.record.get("rows_iraq", "?")
        text = f"UCDP GED {self.version}: {rows:,} Iraq rows" if isinstance(rows, int) else ""
        text = text or f"UCDP GED {self.version}"
        text += f", fetched {self.record.get('fetched', '?')}"
        if self.candidates and self.candidate_record:
            months = self.candidate_record.get("months", [])
            kept = self.candidate_record.get("rows_kept", "?")
            text += (
                f"; Candidate {months[0]}…{months[-1]} ({len(months)} months, "
                f"{kept} provisional rows)"
                if months
                else ""
            )
        return text


def cached_ucdp() -> list[CachedUcdp]:
    """Return every intact cached UCDP GED version, newest first."""
    base = ucdp_dir()
    if not base.is_dir():
        return []
    found = []
    for folder in base.iterdir():
        if not folder.is_dir() or version_key(folder.name) == (-1, -1):
            continue
        record = read_json(folder / PROVENANCE)
        files = _intact(folder, record)
        if not files or record is None:
            continue
        cand_folder = folder / "candidate"
        cand_record = read_json(cand_folder / PROVENANCE)
        candidates = _intact(cand_folder, cand_record) or []
        found.append(
            CachedUcdp(
                version=folder.name,
                folder=folder,
                ged=files[0],
                candidates=tuple(candidates),
                record=record,
                candidate_record=cand_record if candidates else None,
            )
        )
    return sorted(found, key=lambda c: version_key(c.version), reverse=True)


@dataclass(frozen=True)
class CachedAcled:
    """The cached ACLED rows for Iraq and their provenance record."""

    path: Path
    record: dict[str, Any]

    def describe(self) -> str:
        """Return one line: rows, period and when it was last updated."""
        r = self.record
        return (
            f"ACLED: {r.get('rows', '?')} Iraq rows, {r.get('date_from', '?')} to "
            f"{r.get('date_to', '?')}, updated {r.get('fetched', '?')}"
        )


def cached_acled() -> CachedAcled | None:
    """Return the cached ACLED data when it is intact, else ``None``."""
    folder = acled_dir()
    record = read_json(folder / PROVENANCE)
    files = _intact(folder, record)
    if not files or record is None:
        return None
    return CachedAcled(files[0], record)


@dataclass(frozen=True)
class DefaultIncidents:
    """The incident input a build uses when it is given none.

    Attributes
    ----------
    paths
        The files to load (empty: the shipped sample).
    label
        ``"ucdp"`` or ``"sample"``.
    detail
        One line for the build's output saying which data, and why.
    """

    paths: tuple[Path, ...]
    label: str
    detail: str

    @property
    def sample(self) -> bool:
        """Return True when the shipped sample is used."""
        return self.label == "sample"


SAMPLE_NEXT = (
    "for real data run `geo incidents fetch ucdp` (UCDP GED, open, CC BY 4.0; add "
    "--candidate for recent months) or `geo incidents fetch acled` (needs an ACLED account)"
)


def default_incidents() -> DefaultIncidents:
    """Return the cached UCDP data (newest version plus its Candidate months), else the sample."""
    cached = cached_ucdp()
    if cached:
        newest = cached[0]
        return DefaultIncidents(
            newest.files, "ucdp", f"incidents: cached {newest.describe()} ({newest.folder})"
        )
    return DefaultIncidents((), "sample", "incidents: the shipped sample (no cached UCDP data)")


def listing() -> list[str]:
    """Return the lines of ``geo incidents list``: every cached source, then the default."""
    lines = [f"incident cache: {incidents_dir()}"]
    versions = cached_ucdp()
    for c in versions:
        lines.append(f"  {c.describe()}")
        lines.append(f"    {c.ged}")
        lines.extend(f"    {p}  (provisional)" for p in c.candidates)
    acled = cached_acled()
    if acled is not None:
        lines.append(f"  {acled.describe()}")
        lines.append(
            f"    {acled.path}  (use with `geo build --incidents PATH`; ACLED's terms: "
            "maps default to aggregates)"
        )
    if not versions and acled is None:
        lines.append("  nothing cached")
    default = default_incidents()
    lines.append(
        "`geo build` without --incidents uses: "
        + (f"UCDP GED {versions[0].version}" if versions else "the shipped sample")
    )
    if default.sample:
        lines.append(f"next: {SAMPLE_NEXT}")
    return lines
