"""The shipped sample of documented IS incidents, the default input when none is given."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.incidents.load import load_incidents
from geo.incidents.result import LoadResult
from geo.paths import resource

SAMPLE = "samples/incidents_documented.csv"
SAMPLE_NOTE = (
    "shipped sample (samples/incidents_documented.csv): documented IS incidents "
    "around Diyala, Hamrin, Salah al-Din and Kirkuk, 2019-2023, each row citing its "
    "source page; used because no incident file was given. Rows the sources place "
    "only to an area carry its code and are drawn at its representative point; rows "
    "the sources cannot place even to an area are reported as rejected"
)
SAMPLE_LICENCE = (
    "compiled by disputed-maps contributors from the cited public reports; "
    "MIT like the project (facts paraphrased, no text copied)"
)


def sample_path() -> Path:
    """Return the path of the shipped sample CSV (works from a wheel or a checkout)."""
    return resource(SAMPLE)


def load_sample(**options: Any) -> LoadResult:
    """Load the shipped sample; ``options`` are those of :func:`load_incidents`.

    The first dataset's ``notes`` say that this is the sample and why it was used.
    """
    result = load_incidents(sample_path(), format="csv", **options)
    info = dataclasses.replace(
        result.datasets[0],
        licence=SAMPLE_LICENCE,
        citation="see each row's source_url",
        notes="; ".join(filter(None, [SAMPLE_NOTE, result.datasets[0].notes])),
    )
    return dataclasses.replace(result, datasets=(info,))


#: Labels of the sample's ``role`` column, in the order the banner gives them.
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "is_attack": ("IS attack", "IS attacks"),
    "against_is": ("operation against IS", "operations against IS"),
    "clash": ("clash", "clashes"),
    "none": ("not IS-involved", "not IS-involved"),
}


def _roles(lines: pd.Series) -> pd.Series:
    """Return the sample's own ``role`` value for each of the given CSV line numbers."""
    table = pd.read_csv(sample_path(), dtype=str, keep_default_na=False, encoding="utf-8")
    roles = pd.Series(table["role"].to_numpy(), index=np.arange(2, len(table) + 2))
    return roles.reindex(lines.to_numpy()).fillna("")


def sample_counts(
    result: LoadResult, *, placed_lines: Sequence[int], unplaced_lines: Sequence[int] = ()
) -> dict[str, dict[str, int]]:
    """Count the sample's rows placed and not placed, by the sample's ``role`` column.

    Parameters
    ----------
    result
        The sample as loaded (:func:`load_sample`).
    placed_lines
        CSV line numbers (``source_row``) of the events that have a point.
    unplaced_lines
        Line numbers of accepted rows that no area in the loaded layers could hold
        (``geo.place.PlaceResult.unplaced``).

    Returns
    -------
    dict
        ``{"placed": {role: n}, "not placed": {role: n}}`` over :data:`ROLE_LABELS`; the rows
        not placed are those rejected on load plus those no area in the layers could hold.
    """
    on_map = _roles(pd.Series(list(placed_lines), dtype="int64"))
    lines = [*result.rejected["line"].astype("int64"), *unplaced_lines]
    off_map = _roles(pd.Series(lines, dtype="int64"))
    return {
        "placed": {k: int((on_map == k).sum()) for k in ROLE_LABELS},
        "not placed": {k: int((off_map == k).sum()) for k in ROLE_LABELS},
    }


def sample_banner(
    result: LoadResult, *, placed_lines: Sequence[int], unplaced_lines: Sequence[int] = ()
) -> str:
    """Return the banner text for pages built from the shipped sample, with its counts.

    The arguments are those of :func:`sample_counts`.
    """
    counts = sample_counts(result, placed_lines=placed_lines, unplaced_lines=unplaced_lines)
    parts = []
    for key in ("placed", "not placed"):
        total = sum(counts[key].values())
        by_role = ", ".join(f"{n} {ROLE_LABELS[r][n != 1]}" for r, n in counts[key].items() if n)
        parts.append(f"{total} {key}" + (f" ({by_role})" if by_role else ""))
    return (
        "Shipped sample, not a record of all activity: a small set of documented incidents "
        f"({result.rows_read} rows, each citing its source) around Diyala, Hamrin, Salah "
        f"al-Din and Kirkuk, 2019–2023. {'; '.join(parts)}. Rows known only to an area are "
        "drawn at that area's representative point. Load ACLED or UCDP GED for analysis."
    )
