"""Read a table ``geo join`` wrote (Parquet, GeoPackage, GeoJSON, CSV) back as canonical events.

A joined table carries the provenance record of its inputs (see
:mod:`geo.export`); the licence, citation and ACLED/synthetic marks of those
inputs are carried over, so statistics and maps made from a joined table cite
the same sources as those made from the original files. The join columns are
dropped: the events are joined again against the boundaries in use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.types import EVENT_COLUMNS, JOIN_COLUMNS

#: The metadata key of the provenance in Parquet files (same as geo.export).
PROVENANCE_KEY = b"disputed_maps:provenance"
#: Join columns that mark a file as a joined table.
_MARK = {"join_status", "boundary_source", "dist_krg_line_km"}


def _sidecar(path: Path) -> Path:
    return path.with_name(f"{path.stem}.provenance.json")


def provenance_of(path: Path) -> dict[str, Any] | None:
    """Return the provenance stored in or beside a joined table, or ``None`` if it has none."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            meta = pq.read_schema(path).metadata or {}
            raw = meta.get(PROVENANCE_KEY)
            return json.loads(raw) if raw else None
        if suffix == ".gpkg":
            import pyogrio

            info = pyogrio.read_info(path)
            raw = (info.get("layer_metadata") or {}).get("provenance")
            return json.loads(raw) if raw else None
        if suffix in (".geojson", ".json"):
            with path.open("rb") as fh:
                head = fh.read(1)
            if head != b"{":
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
            prov = data.get("provenance") if isinstance(data, dict) else None
            return prov if isinstance(prov, dict) else None
        if suffix == ".csv" and _sidecar(path).is_file():
            return json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return None
    except Exception:
        return None
    return None


def is_joined(path: Path) -> bool:
    """Return True for a Parquet file, or a file carrying a ``geo join`` provenance record."""
    if path.suffix.lower() == ".parquet":
        return True
    prov = provenance_of(path)
    return prov is not None and "inputs" in prov


def read_joined(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return the canonical event columns of a joined table and its provenance record.

    Raises
    ------
    InputError
        When the file is not a table ``geo join`` wrote (no join columns).
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".gpkg", ".geojson", ".json"):
            import pyogrio

            frame = pd.DataFrame(pyogrio.read_dataframe(path))
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise InputError(
            f"{path}: cannot be read as a joined table ({type(exc).__name__}: {exc})",
            hint="pass the file geo join wrote, or the original incident file",
        ) from exc
    if not _MARK & set(frame.columns):
        raise InputError(
            f"{path}: not a joined table (no {', '.join(sorted(_MARK))} column)",
            hint="pass a table written by geo join, or an incident CSV/GeoJSON/GeoPackage",
        )
    missing = [c for c in EVENT_COLUMNS if c != "geometry" and c not in frame.columns]
    missing = [c for c in missing if c not in ("is_match_rule", "quality_flags")]
    if missing:
        raise InputError(
            f"{path}: joined table without column(s) {', '.join(missing)}",
            hint="write it again with geo join",
        )
    frame = frame.drop(columns=[c for c in JOIN_COLUMNS if c in frame.columns])
    return _canonical(frame), provenance_of(path) or {}


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the canonical columns with their canonical types."""
    out = pd.DataFrame(index=range(len(frame)))
    src = frame.reset_index(drop=True)
    for col in EVENT_COLUMNS:
        if col in ("geometry", "is_match_rule"):
            continue
        values = src[col] if col in src else pd.Series([""] * len(src))
        if col in ("date", "date_end"):
            out[col] = pd.to_datetime(values.replace("", None), errors="coerce").astype(
                "datetime64[s]"
            )
        elif col.startswith("fatalities"):
            out[col] = pd.array(pd.to_numeric(values.replace("", None), errors="coerce")).astype(
                "Int64"
            )
        elif col in ("latitude", "longitude"):
            out[col] = pd.to_numeric(values.replace("", None), errors="coerce").astype("float64")
        elif col == "source_row":
            out[col] = pd.to_numeric(values, errors="coerce").fillna(0).astype(np.int64)
        elif col == "synthetic":
            out[col] = values.map(lambda v: str(v).strip().lower() in ("true", "1")).astype(bool)
        else:
            out[col] = values.fillna("").astype(str).astype("str")
    return out


def dataset_marks(prov: dict[str, Any]) -> dict[str, Any]:
    """Return the licence, citation and ACLED/synthetic marks of a joined table's inputs."""
    inputs = [i for i in prov.get("inputs", []) if isinstance(i, dict)]
    licences = list(dict.fromkeys(str(i["licence"]) for i in inputs if i.get("licence")))
    citations = list(dict.fromkeys(str(i["citation"]) for i in inputs if i.get("citation")))
    acled = "acled" in prov or any(i.get("acled") or i.get("format") == "acled" for i in inputs)
    synthetic = bool(inputs) and all(i.get("synthetic") for i in inputs)
    return {
        "licence": "; ".join(licences) or "as stated by the joined table's sources (none recorded)",
        "citation": "; ".join(citations) or "none recorded in the joined table",
        "acled": bool(acled),
        "synthetic": synthetic,
        "formats": [str(i.get("format", "")) for i in inputs],
    }
