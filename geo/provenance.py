"""The provenance record every output carries.

:func:`build` returns a plain, JSON-ready dict with sorted keys: the input files
with their sha256, the filters applied, the boundary source (title, version,
licence, attribution, file hashes), any other sources, the tool version and
the run date. The run date is today's UTC date, or the date of
``SOURCE_DATE_EPOCH`` when that is set, so that builds are reproducible. When
any input is ACLED data, an ``acled`` member carries the attribution ACLED's
terms require: ACLED named with its address, the access date, the filters
and the manipulations applied, and the reminder that raw rows may not be
republished.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geo
from geo.types import Provenance
from geo.write import sha256_file

ACLED_CITATION = "Armed Conflict Location & Event Data Project (ACLED); www.acleddata.com"
ACLED_TERMS = (
    "ACLED's terms of use: raw event rows may not be republished; "
    "share derived aggregates, cite ACLED and the access date"
)


def run_date() -> str:
    """Return the UTC date of this run, or of ``SOURCE_DATE_EPOCH`` when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    return dt.datetime.now(tz=dt.UTC).date().isoformat()


def _jsonable(value: Any) -> Any:
    """Return ``value`` as JSON types, with dict keys sorted (deterministic output)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def source_record(source: Provenance) -> dict[str, Any]:
    """Return one :class:`geo.types.Provenance` as a provenance entry."""
    return _jsonable(
        {
            "key": source.key,
            "title": source.title,
            "kind": source.kind,
            "version": source.version,
            "licence": source.licence,
            "attribution": source.attribution,
            "url": source.url,
            "files": [{"file": name, "sha256": digest} for name, digest in source.files],
            "notes": source.notes,
        }
    )


def _input_record(item: Any) -> tuple[dict[str, Any], bool]:
    """Return the entry for one input and whether it is ACLED data."""
    if isinstance(item, (str, Path)):
        path = Path(item)
        record = {"file": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size}
        return record, False
    # A loaded dataset (geo.incidents.DatasetInfo or anything with the same fields).
    fields = (
        "format",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "licence",
        "citation",
        "acled",
        "synthetic",
    )
    record = {"file": item.name, "sha256": item.sha256}
    record.update({f: getattr(item, f) for f in fields if hasattr(item, f)})
    return record, bool(getattr(item, "acled", False))


def build(
    *,
    inputs: Sequence[Path | str | Any],
    filters: Mapping[str, Any],
    boundaries: Provenance,
    extra_sources: Iterable[Provenance] = (),
    tool_version: str = geo.__version__,
    acled: bool = False,
    acled_access_date: str | None = None,
    manipulations: str = "",
) -> dict[str, Any]:
    """Return the provenance record of one output.

    Parameters
    ----------
    inputs
        Input files (hashed here) or loaded datasets (objects with ``name``,
        ``sha256`` and optionally ``format``, ``rows_*``, ``licence``,
        ``citation`` and ``acled``, such as :class:`geo.incidents.DatasetInfo`).
    filters
        The filters applied, by name.
    boundaries
        The boundary source the events were joined against.
    extra_sources
        Other layers or sources the output depends on.
    tool_version
        The version of disputed-maps.
    acled
        Force the ACLED citation even when no input says it is ACLED data.
    acled_access_date
        The date the ACLED data was downloaded (ISO), for the citation.
    manipulations
        What was done to the data, for the ACLED citation (a default is written).

    Returns
    -------
    dict
        JSON-ready, keys sorted: ``boundaries``, ``filters``, ``inputs``,
        ``run_date``, ``sources``, ``tool`` and, for ACLED data, ``acled``.
    """
    records = [_input_record(item) for item in inputs]
    record: dict[str, Any] = {
        "tool": {"name": "disputed-maps", "version": tool_version},
        "run_date": run_date(),
        "inputs": [r for r, _ in records],
        "filters": dict(filters),
        "boundaries": source_record(boundaries),
        "sources": [source_record(s) for s in extra_sources],
    }
    if acled or any(is_acled for _, is_acled in records):
        accessed = acled_access_date or "not recorded"
        done = manipulations or (
            f"events filtered as listed, joined spatially to {boundaries.title} "
            f"({boundaries.version}) areas and aggregated by disputed-maps {tool_version}"
        )
        record["acled"] = {
            "citation": f"{ACLED_CITATION}. Accessed {accessed}.",
            "access_date": accessed,
            "filters": dict(filters),
            "manipulations": done,
            "terms": ACLED_TERMS,
        }
    return _jsonable(record)
