"""The column dictionary: one line describing every column the tool writes.

:data:`COLUMNS` is the single place the meaning of an output column is
written down; the README's column dictionary and the ``columns`` member of
every provenance record (:func:`describe`) come from it.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Column name → its meaning (units, allowed values, how it is computed).
COLUMNS: dict[str, str] = {
    # --- events: as read and validated ---------------------------------------------------
    "event_id": "the source's event identifier (text; a row number when the file has none)",
    "date": "event date (first day when the source gives a range); YYYY-MM-DD",
    "date_end": "last day of the event's date range (equal to date for single days)",
    "date_precision": "how precise the date is: day, week, month or year",
    "event_type": "the source's event type, as written in the source",
    "sub_event_type": "the source's sub-event type, as written (may be empty)",
    "actor1": "first actor, as written in the source",
    "actor2": "second actor, as written in the source (may be empty)",
    "fatalities": "reported fatalities (best estimate), empty when not reported; in "
    "statistics tables their sum (missing counted as 0)",
    "fatalities_low": "low estimate of fatalities (UCDP); else equal to fatalities",
    "fatalities_high": "high estimate of fatalities (UCDP); else equal to fatalities",
    "location": "place name given by the source",
    "src_admin1": "first-level admin name given by the source (not the join's)",
    "src_admin2": "second-level admin name given by the source (not the join's)",
    "src_admin3": "third-level admin name given by the source (not the join's)",
    "src_area_code": "the area a plain-CSV row is known to (its area_code/pcode column: a "
    "P-code, a zone key such as hamrin-area, or parts joined by &); rows with it and no "
    "coordinates are placed at that area's representative point (geo_precision area)",
    "latitude": "latitude in degrees, EPSG:4326",
    "longitude": "longitude in degrees, EPSG:4326",
    "geo_precision": "how precise the location is: exact, near or area (a point standing "
    "for an area: the source's own, or the area's representative point for area-coded rows)",
    "geo_precision_code": "the source's own location-precision code (acled:1, ucdp:4, user:exact)",
    "precision_level": "finest admin level the location supports: point, subdistrict, "
    "district, governorate or country",
    "source": "the source's citation of its own sources (text)",
    "source_url": "a link given by the source (http/https only; others removed)",
    "notes": "the source's free-text notes",
    "dataset": "which input file the row came from",
    "source_row": "line number in the input file (header = line 1)",
    "is_match_rule": "name of the IS-actor rule that matched actor1 or actor2 "
    "(islamic-state, isis, isil, daesh, ucdp-IS, is-abbrev); empty when none matched",
    "role": "the event's role toward IS: is_attack, against_is, clash or none",
    "quality_flags": "';'-joined data-quality markers such as outside_iraq or "
    "swapped_latlon_fixed; empty when none",
    "synthetic": "True only for generated (synthetic) rows",
    "provisional": "True for rows not yet vetted by their source (UCDP Candidate events)",
    "geometry": "the event's point, EPSG:4326",
    # --- events: added by the join --------------------------------------------------------
    "adm1_code": "governorate P-code the event is assigned to (empty when unmatched)",
    "adm1_name": "governorate name the event is assigned to",
    "adm2_code": "district P-code the event is assigned to",
    "adm2_name": "district name the event is assigned to",
    "adm3_code": "sub-district P-code the event is assigned to (empty without sub-districts)",
    "adm3_name": "sub-district name the event is assigned to",
    "join_status": "how the area was assigned: matched, on_edge (lowest code wins), "
    "nearest (in no polygon, within the tolerance; zone flags and distances are then "
    "measured from the nearest point of the assigned area) or unmatched",
    "join_distance_m": "metres from the point to its assigned area (0 unless nearest/unmatched)",
    "coarse_adm1": "True where the location is coarser than a governorate",
    "coarse_adm2": "True where the location is coarser than a district",
    "coarse_adm3": "True where the location is coarser than a sub-district",
    "in_disputed_unami": "inside the UNAMI 2009 disputed districts (boundary included)",
    "in_disputed_wide": "inside the wide Article 140 disputed zone (boundary included)",
    "in_krg_area": "inside the KRG-administered area (boundary included): the side of the KRG line",
    "in_hamrin_area": "inside the Hamrin mountains area (boundary included)",
    "dist_krg_line_km": "unsigned distance to the KRG line in km (EPSG:32638); the side is "
    "in_krg_area",
    "dist_unami_edge_km": "unsigned distance to the edge of the UNAMI 2009 zone in km",
    "dist_wide_edge_km": "unsigned distance to the edge of the wide disputed zone in km",
    "dist_hamrin_ridge_km": "unsigned distance to the Hamrin ridge line in km",
    "dist_hamrin_dam_km": "distance to the Hamrin dam in km",
    "boundary_source": "key of the boundary source the event was joined against",
    # --- statistics tables (geo stats) ----------------------------------------------------
    "level": "what the rows count by: an admin level or a zone key",
    "area_code": "area P-code or zone key (empty: outside every polygon)",
    "area_name": "area or zone name",
    "period": "period label: 2021-W05 (ISO week), 2021-03, 2021Q1, 2021 or all",
    "period_start": "first day of the period (empty for all)",
    "events": "number of events",
    "events_change": "events minus the previous period's, same area and type",
    "events_change_pct": "events_change in percent of the previous period (empty when it had 0)",
    "fatalities_change": "fatalities minus the previous period's, same area and type",
    "coarse_excluded": "events left out because their location is coarser than the level",
    # --- seam statistics (geo stats --seam) -----------------------------------------------
    "side": "side of the KRG line: both, krg (in_krg_area) or federal",
    "band_km": "band edge in km: events with dist_krg_line_km at or below it",
    "share_pct": "events in percent of events_considered",
    "events_considered": "events with a known distance (coarse ones only with --include-coarse)",
    "events_is_attack": "events in the band whose role is is_attack (IS attacked)",
    "events_against_is": "events in the band whose role is against_is (action against IS)",
    "events_clash": "events in the band whose role is clash (IS and another party fought)",
    "events_none": "events in the band whose role is none (IS not involved)",
    "left_out": "events not considered (no distance, or located only to a district or coarser)",
    # --- area measures (choropleths) ------------------------------------------------------
    "code": "area P-code",
    "name": "area name",
    "area_km2": "area in km² (EPSG:32638)",
    "events_per_1000km2": "events per 1000 km²",
}


def describe(columns: Iterable[str]) -> dict[str, str]:
    """Return the dictionary entries of ``columns`` (unknown ones say so), in order."""
    return {str(c): COLUMNS.get(str(c), "(not in the column dictionary)") for c in columns}


def markdown() -> str:
    """Return the column dictionary as a Markdown table (for the README)."""
    lines = ["| column | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {text.replace('|', '/')} |" for name, text in COLUMNS.items()]
    return "\n".join(lines) + "\n"
