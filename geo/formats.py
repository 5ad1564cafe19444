"""The incident formats' headers: which file is ACLED or UCDP GED, which columns each reads.

Kept free of pandas so that :mod:`geo.prefetch` can tell, while the command is
still starting, which columns the loader will ask the CSV parser for. The
readers (:mod:`geo.incidents.acled`, :mod:`geo.incidents.ucdp`) take their
column lists from here.
"""

from __future__ import annotations

from collections.abc import Collection

ACLED_REQUIRED: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "actor1",
    "latitude",
    "longitude",
)
#: Canonical text field ← ACLED column.
ACLED_TEXTS = {
    "event_id": "event_id_cnty",
    "event_type": "event_type",
    "sub_event_type": "sub_event_type",
    "actor1": "actor1",
    "actor2": "actor2",
    "location": "location",
    "src_admin1": "admin1",
    "src_admin2": "admin2",
    "src_admin3": "admin3",
    "source": "source",
    "notes": "notes",
}
#: Every column the ACLED reader reads.
ACLED_COLUMNS: frozenset[str] = frozenset(
    (*ACLED_REQUIRED, "time_precision", "geo_precision", "fatalities", *ACLED_TEXTS.values())
)

UCDP_REQUIRED: tuple[str, ...] = (
    "id",
    "date_start",
    "date_end",
    "date_prec",
    "where_prec",
    "side_a",
    "side_b",
    "latitude",
    "longitude",
    "best",
)
#: Canonical text field ← UCDP GED column.
UCDP_TEXTS = {
    "actor1": "side_a",
    "actor2": "side_b",
    "location": "where_coordinates",
    "src_admin1": "adm_1",
    "src_admin2": "adm_2",
    "source": "source_article",
    "notes": "source_headline",
}
#: Every column the UCDP GED reader reads.
UCDP_COLUMNS: frozenset[str] = frozenset(
    (*UCDP_REQUIRED, "type_of_violence", "low", "high", *UCDP_TEXTS.values())
)


def is_acled(columns: Collection[str]) -> bool:
    """Return True when a header is an ACLED export (current or pre-2023)."""
    return {"event_id_cnty", "event_date"} <= set(columns)


def is_ucdp(columns: Collection[str]) -> bool:
    """Return True when a header is a UCDP GED file."""
    return {"date_start", "where_prec", "side_a"} <= set(columns)


def detect(columns: Collection[str]) -> str:
    """Return the reader a header calls for: ``"acled"``, ``"ucdp"`` or ``"csv"`` (plain)."""
    if is_acled(columns):
        return "acled"
    if is_ucdp(columns):
        return "ucdp"
    return "csv"


def detected_columns(columns: Collection[str]) -> frozenset[str] | None:
    """Return the columns the reader detected from a header reads (None: every column)."""
    return {"acled": ACLED_COLUMNS, "ucdp": UCDP_COLUMNS}.get(detect(columns))
