"""The load report: accepted events, rejected rows, counts and dataset provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from geo.types import Provenance

Format = Literal["auto", "acled", "ucdp", "csv", "geojson", "gpkg", "joined"]


@dataclass(frozen=True)
class DatasetInfo:
    """One input file: what it is, where it came from and how it loaded.

    Attributes
    ----------
    name
        The file name.
    path
        The full path as given.
    sha256
        Hex digest of the file's bytes.
    format
        The reader used (``acled``, ``ucdp``, ``csv``, ``geojson``, ``gpkg``).
    encoding
        The text encoding found (``utf-8``, ``utf-8-sig``, ``cp1256`` …; empty
        for GeoPackage).
    rows_read, rows_accepted, rows_rejected
        Data rows in the file (header and HXL rows excluded), and how they split.
    licence, citation
        The terms and the citation the source requires.
    acled
        True for ACLED data: raw rows may not be republished, so maps should
        show aggregates only.
    synthetic
        True when the file holds generated rows (``SYN-`` ids).
    provisional
        True when the file's rows are provisional (UCDP Candidate events).
    notes
        Anything worth telling the reader (sample data, header only, re-encoding).
    """

    name: str
    path: str
    sha256: str
    format: str
    encoding: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    licence: str
    citation: str
    acled: bool = False
    synthetic: bool = False
    notes: str = ""
    provisional: bool = False

    def provenance(self) -> Provenance:
        """Return this file as a :class:`geo.types.Provenance` record for maps."""
        return Provenance(
            key=f"incidents:{self.name}",
            title=f"{self.name} (synthetic, {self.format} layout)"
            if self.synthetic
            else f"{self.name} ({self.format})",
            licence=self.licence,
            attribution=self.citation,
            version=self.sha256[:12],
            kind="project" if self.synthetic else "authoritative",
            files=((self.name, self.sha256),),
            notes=self.notes,
        )


@dataclass(frozen=True, eq=False)
class LoadResult:
    """The outcome of :func:`geo.incidents.load_incidents`.

    ``rows_read == rows_accepted + rows_rejected`` and
    ``rows_accepted == len(events) + rows_filtered_out`` always hold.

    Attributes
    ----------
    events
        Kept events: :data:`geo.types.EVENT_COLUMNS`, EPSG:4326, sorted by
        ``date``, ``dataset``, ``source_row``; a plain DataFrame without the
        ``geometry`` column when loaded with ``points=False``.
    rejected
        One row per rejected input row: :data:`geo.types.REJECTION_COLUMNS`.
    rows_read, rows_accepted, rows_rejected, rows_filtered_out
        Row counts over all input files.
    flag_counts
        Accepted rows carrying each flag (before filters).
    reason_counts
        Problems found, by reason (a rejected row may have several).
    datasets
        One record per input file, in input order.
    filters
        The filters applied.
    """

    events: gpd.GeoDataFrame | pd.DataFrame
    rejected: pd.DataFrame
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_filtered_out: int
    flag_counts: dict[str, int] = field(default_factory=dict)
    reason_counts: dict[str, int] = field(default_factory=dict)
    datasets: tuple[DatasetInfo, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_flagged(self) -> int:
        """Accepted rows carrying at least one flag (before filters)."""
        return self.flag_counts.get("any", 0)

    def summary(self) -> str:
        """Return a short plain-text report: counts, flags, reasons and sources."""
        lines = [
            f"rows read: {self.rows_read:,} = accepted {self.rows_accepted:,}"
            f" + rejected {self.rows_rejected:,}",
            f"flagged: {self.rows_flagged:,}"
            + "".join(f"; {k} {v:,}" for k, v in self.flag_counts.items() if k != "any"),
        ]
        if self.filters:
            applied = ", ".join(f"{k}={v}" for k, v in self.filters.items())
            lines.append(
                f"kept after filters ({applied}): {len(self.events):,};"
                f" filtered out {self.rows_filtered_out:,}"
            )
        if self.reason_counts:
            lines.append("rejection reasons:")
            lines += [f"  {reason}: {count:,}" for reason, count in self.reason_counts.items()]
        for info in self.datasets:
            lines.append(
                f"{info.name} [{info.format}, {info.encoding or 'binary'}, sha256 "
                f"{info.sha256[:12]}]: read {info.rows_read:,}, accepted "
                f"{info.rows_accepted:,}, rejected {info.rows_rejected:,}"
            )
            lines.append(f"  licence: {info.licence}")
            lines.append(f"  cite: {info.citation}")
            if info.notes:
                lines.append(f"  note: {info.notes}")
        return "\n".join(lines)
