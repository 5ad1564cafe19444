"""Counts per area × period × role × type, seam statistics (pure).

Rules
-----
* Every area of the chosen level appears, for every period between the first
  and the last event and every role and event type present, with zeros where
  nothing happened. Events the join left without an area (``join_status``
  ``unmatched``) are counted in an extra area with an empty code, so totals
  always add up to the events given.
* A zone (``unami-2009``, ``article-140-wide``, ``krg-area``, ``hamrin-area``)
  is not a partition: its table has two areas, the zone (code = its key) and
  everything else (code ``not-<key>``).
* Coarse events (an area centroid, see :data:`geo.types.JOIN_COLUMNS`) are
  left out at the levels they are coarse for, unless ``include_coarse``; the
  ``coarse_excluded`` column says how many were left out of each row. Zones
  built from districts (the disputed zones, the KRG area) use the district
  flag, the Hamrin area (built from sub-districts) the sub-district flag.
* Change is against the previous period of the same area and type: absolute,
  and in percent where the previous period had events.
* Rows are sorted by area code, period, role and event type, so reruns give
  identical files.
* The role (``is_attack``, ``against_is``, ``clash``, ``none``; see
  :mod:`geo.incidents.roles`) is a column of every table; the seam
  statistics count each role in its own column (``events_is_attack`` …).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.constants import (
    DISTANCE_BANDS_KM,
    METRIC_CRS,
    PERIOD_FREQ,
    AreaUnit,
    Period,
    band_edges,
    band_index,
)
from geo.errors import ValidationError
from geo.types import ROLES, Level, ProjectLayers

By = AreaUnit
AdminLevel = Literal["governorate", "district", "subdistrict"]

#: admin level → (prefix of the joined code/name columns, coarse flag).
ADMIN: dict[str, tuple[str, str]] = {
    "governorate": ("adm1", "coarse_adm1"),
    "district": ("adm2", "coarse_adm2"),
    "subdistrict": ("adm3", "coarse_adm3"),
}
#: zone key → (joined flag column, ProjectLayers attribute, coarse flag).
ZONES: dict[str, tuple[str, str, str]] = {
    "unami-2009": ("in_disputed_unami", "disputed_unami", "coarse_adm2"),
    "article-140-wide": ("in_disputed_wide", "disputed_wide", "coarse_adm2"),
    "krg-area": ("in_krg_area", "krg_area", "coarse_adm2"),
    "hamrin-area": ("in_hamrin_area", "hamrin_area", "coarse_adm3"),
}
NO_AREA = "(no area: outside every polygon, see the join report)"
TABLE_COLUMNS: tuple[str, ...] = (
    "level", "area_code", "area_name", "period", "period_start", "role", "event_type",
    "events", "fatalities", "events_change", "events_change_pct", "fatalities_change",
    "coarse_excluded",
)  # fmt: skip


def _areas(joined: pd.DataFrame, layers: ProjectLayers, by: str) -> tuple[pd.Series, pd.Series]:
    """Return each event's area code, and the name of every area (indexed by code)."""
    if by in ADMIN:
        frame = layers.boundaries.level(cast(Level, by))
        if frame is None:
            raise ValidationError(
                f"the boundaries ({layers.boundaries.source.key}) have no {by} layer",
                hint="aggregate by district, or import COD-AB with `geo boundaries import PATH`",
            )
        prefix = ADMIN[by][0]
        codes = joined[f"{prefix}_code"].fillna("").astype(str)
        names = pd.Series(frame["name"].astype(str).to_numpy(), index=frame["code"].astype(str))
        seen = pd.Series(
            joined[f"{prefix}_name"].fillna("").astype(str).to_numpy(), index=codes.to_numpy()
        )
        extra = seen[~seen.index.isin(names.index)]
        extra = extra[~extra.index.duplicated()]
        extra[extra.index == ""] = NO_AREA
        return codes, pd.concat([names, extra])
    if by in ZONES:
        flag, attr, _ = ZONES[by]
        zone = getattr(layers, attr)
        name = str(zone["name"].iloc[0]) if len(zone) else by
        codes = pd.Series(
            np.where(joined[flag].to_numpy(bool), by, f"not-{by}"), index=joined.index
        )
        return codes, pd.Series([name, f"outside {name}"], index=[by, f"not-{by}"])
    raise ValidationError(
        f"cannot aggregate by {by!r}", hint=f"choose one of {', '.join([*ADMIN, *ZONES])}"
    )


def _periods(dates: pd.Series, period: str) -> tuple[pd.Series, pd.Index]:
    """Return each event's period label, and every label from the first to the last."""
    if dates.isna().any():
        bad = int(dates.isna().sum())
        raise ValidationError(
            f"{bad} event(s) have no date, so they cannot be counted per period",
            hint="load events through geo.incidents, which rejects rows without a date",
        )
    if period == "all":
        return pd.Series("all", index=dates.index), pd.Index(["all"])
    if period not in PERIOD_FREQ:
        raise ValidationError(
            f"unknown period {period!r}", hint="choose week, month, quarter, year or all"
        )
    per = dates.dt.to_period(PERIOD_FREQ[period])
    if per.empty:
        return per.astype(str), pd.Index([], dtype=str)
    full = pd.period_range(per.min(), per.max(), freq=PERIOD_FREQ[period])
    return per.map(_label), pd.Index([_label(p) for p in full])


def _label(p: pd.Period) -> str:
    """Return a sortable label: ``2021-W05`` (ISO week), ``2021-03``, ``2021Q1``, ``2021``."""
    if p.freqstr.startswith("W"):
        return p.start_time.strftime("%G-W%V")
    return str(p)


def _start(label: str, period: str) -> pd.Timestamp:
    if period == "all":
        return pd.NaT
    if period == "week":
        return pd.Timestamp.fromisocalendar(int(label[:4]), int(label[6:]), 1)
    return pd.Period(label, freq=PERIOD_FREQ[period]).start_time


def aggregate(
    joined: pd.DataFrame,
    layers: ProjectLayers,
    *,
    by: By,
    period: Period = "month",
    by_type: bool = True,
    by_role: bool = True,
    include_coarse: bool = False,
) -> pd.DataFrame:
    """Count events and fatalities per area × period × role × event type.

    Parameters
    ----------
    joined
        Events with the join columns (:attr:`geo.join.JoinResult.events`).
    layers
        The layers the events were joined against (for the list of areas).
    by
        An admin level or a zone key.
    period
        Calendar bucket; ``week`` is the ISO week (Monday to Sunday).
    by_type
        One row per event type present; otherwise all types together (``all``).
    by_role
        One row per role present; otherwise all roles together (``all``).
    include_coarse
        Count events whose location is coarser than the level too.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`, every area × period × role × type
        (zeros included), sorted by area code, period, role and type.
    """
    codes, names = _areas(joined, layers, by)
    labels, all_labels = _periods(pd.to_datetime(joined["date"]), period)
    types = joined["event_type"].fillna("").astype(str) if by_type else None
    if types is None:
        types = pd.Series("all", index=joined.index)
    roles = _roles(joined) if by_role else pd.Series("all", index=joined.index)
    coarse_col = ADMIN[by][1] if by in ADMIN else ZONES[by][2]
    coarse = joined[coarse_col].fillna(False).to_numpy(bool)
    excluded = coarse & (not include_coarse)

    keys = pd.DataFrame(
        {
            "area_code": codes.to_numpy(),
            "period": labels.to_numpy(),
            "role": roles.to_numpy(),
            "event_type": types.to_numpy(),
            "fatalities": pd.array(joined["fatalities"], dtype="Int64"),
            "excluded": excluded,
        }
    )
    group = ["area_code", "period", "role", "event_type"]
    kept = keys[~keys["excluded"]].groupby(group, sort=False)
    counts = pd.DataFrame({"events": kept.size(), "fatalities": kept["fatalities"].sum()})
    left = keys[keys["excluded"]].groupby(group, sort=False).size().rename("coarse_excluded")

    grid = pd.MultiIndex.from_product(
        [
            sorted(names.index),
            all_labels,
            _role_order(roles.unique()) if len(keys) else [],
            sorted(types.unique()) if len(keys) else [],
        ],
        names=group,
    )
    table = counts.join(left, how="outer").reindex(grid).fillna(0).astype("int64")
    table = table.reset_index()
    table["fatalities"] = table["fatalities"].astype("Int64")

    by_series = table.groupby(["area_code", "role", "event_type"], sort=False)
    for col in ("events", "fatalities"):
        previous = by_series[col].shift(1).astype("Int64")
        table[f"{col}_change"] = (table[col].astype("Int64") - previous).astype("Int64")
        if col == "events":
            pct = table["events_change"].astype("Float64") / previous.astype("Float64") * 100
            table["events_change_pct"] = pct.where(previous > 0).round(1)
    table["events"] = table["events"].astype("int64")
    table["level"] = by
    table["area_name"] = table["area_code"].map(names)
    table["period_start"] = pd.to_datetime(
        table["period"].map(dict((lab, _start(lab, period)) for lab in all_labels))
    )
    table = table[list(TABLE_COLUMNS)]
    order = {r: k for k, r in enumerate(_role_order(table["role"].unique()))}
    return table.sort_values(
        ["area_code", "period", "role", "event_type"],
        key=lambda col: col.map(order) if col.name == "role" else col,
        kind="stable",
    ).reset_index(drop=True)


def _roles(joined: pd.DataFrame) -> pd.Series:
    """Return each event's role (``all`` for tables from before roles existed)."""
    if "role" not in joined:
        return pd.Series("all", index=joined.index)
    return joined["role"].fillna("").astype(str)


def _role_order(values: Sequence[str]) -> list[str]:
    """Return roles in the order of :data:`geo.types.ROLES`, others after them."""
    rank: dict[str, int] = {r: k for k, r in enumerate(ROLES)}
    return sorted(set(values), key=lambda r: (rank.get(r, len(rank)), r))


def area_measures(
    joined: pd.DataFrame,
    layers: ProjectLayers,
    *,
    level: AdminLevel,
    include_coarse: bool = False,
) -> gpd.GeoDataFrame:
    """Return one row per admin area with event counts and density, for choropleths.

    Parameters
    ----------
    joined
        Events with the join columns.
    layers
        The layers the events were joined against.
    level
        The admin level.
    include_coarse
        Count events whose location is coarser than the level too.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name``, ``events``, ``fatalities``, ``coarse_excluded``,
        ``area_km2`` (EPSG:32638), ``events_per_1000km2`` and the geometry
        (EPSG:4326), one row per area (zeros included), sorted by code.
    """
    table = _area_counts(joined, layers, level=level, include_coarse=include_coarse)
    frame = layers.boundaries.level(level)
    assert frame is not None  # _area_counts() above refuses a level the boundaries lack
    out = frame[["code", "name", "geometry"]].sort_values("code", kind="stable")
    out = out.reset_index(drop=True)
    for col in ("events", "fatalities", "coarse_excluded"):
        out[col] = table[col].reindex(out["code"]).fillna(0).astype("int64").to_numpy()
    out["area_km2"] = (out.to_crs(METRIC_CRS).area / 1e6).round(1).to_numpy()
    out["events_per_1000km2"] = (out["events"] / out["area_km2"] * 1000).round(3)
    cols = ["code", "name", "events", "fatalities", "coarse_excluded", "area_km2"]
    return gpd.GeoDataFrame(
        out[[*cols, "events_per_1000km2", "geometry"]], geometry="geometry", crs=frame.crs
    )


def _area_counts(
    joined: pd.DataFrame, layers: ProjectLayers, *, level: AdminLevel, include_coarse: bool
) -> pd.DataFrame:
    """Return events, fatalities and coarse_excluded per area code over the whole span.

    The counts :func:`aggregate` gives with ``period="all"`` and neither types
    nor roles (the same checks, the same numbers), without its full table.
    """
    codes, _names = _areas(joined, layers, level)
    _periods(pd.to_datetime(joined["date"]), "all")  # refuses events without a date
    excluded = joined[ADMIN[level][1]].fillna(False).to_numpy(bool) & (not include_coarse)
    keys = pd.DataFrame(
        {
            "area_code": codes.to_numpy(),
            "fatalities": pd.array(joined["fatalities"], dtype="Int64"),
        }
    )
    kept = keys[~excluded].groupby("area_code", sort=False)
    return pd.DataFrame(
        {
            "events": kept.size(),
            "fatalities": kept["fatalities"].sum(),
            "coarse_excluded": keys[excluded].groupby("area_code", sort=False).size(),
        }
    )


def seam_selection(joined: pd.DataFrame, *, include_coarse: bool = False) -> np.ndarray:
    """Return which events the seam statistics and chart count.

    Events with a known distance to the KRG line, leaving out those located
    only to a district or coarser (``coarse_adm3``) unless ``include_coarse``.
    """
    n = len(joined)
    dist = pd.to_numeric(
        joined["dist_krg_line_km"] if "dist_krg_line_km" in joined else pd.Series(np.nan, range(n)),
        errors="coerce",
    ).to_numpy(float)
    use = np.isfinite(dist)
    if not include_coarse and "coarse_adm3" in joined:
        use &= ~joined["coarse_adm3"].fillna(False).to_numpy(bool)
    return use


def seam_stats(
    joined: pd.DataFrame,
    *,
    bands_km: Sequence[float] = DISTANCE_BANDS_KM,
    include_coarse: bool = False,
) -> pd.DataFrame:
    """Count the events near the KRG line ("seam" statistics).

    Parameters
    ----------
    joined
        Events with the join columns: ``dist_krg_line_km`` (unsigned) and
        ``in_krg_area`` (the side of the line).
    bands_km
        Band edges in km; "within" an edge follows
        :func:`geo.constants.band_index` (the edge itself included).
    include_coarse
        Count events located only to a district or coarser too (by default
        they are left out: a district centroid says little about the distance
        to the line).

    Returns
    -------
    pandas.DataFrame
        One row per side (``both``, ``krg``, ``federal``) and band: ``events``
        and ``fatalities`` within the band on that side, ``share_pct`` of the
        events considered, ``events_considered`` and ``left_out`` (coarse, or no
        distance because the event has no location), then ``events_<role>``
        for each role (:data:`geo.types.ROLES`): the band's events of that role.
    """
    inside = joined["in_krg_area"].fillna(False).to_numpy(bool)
    codes = band_index(joined["dist_krg_line_km"], bands_km)
    use = seam_selection(joined, include_coarse=include_coarse)
    fatalities = pd.array(joined["fatalities"], dtype="Int64").fillna(0).to_numpy("int64")
    considered = int(use.sum())
    roles = _roles(joined).to_numpy()
    rows = []
    for side in ("both", "krg", "federal"):
        on_side = {"both": use, "krg": use & inside, "federal": use & ~inside}[side]
        for k, band in enumerate(band_edges(bands_km)):
            near = on_side & (codes >= 0) & (codes <= k)
            count = int(near.sum())
            rows.append(
                {
                    "side": side,
                    "band_km": float(band),
                    "events": count,
                    "fatalities": int(fatalities[near].sum()),
                    "share_pct": round(100 * count / considered, 2) if considered else np.nan,
                    "events_considered": considered,
                    "left_out": len(joined) - considered,
                    **{f"events_{r}": int((near & (roles == r)).sum()) for r in ROLES},
                }
            )
    return pd.DataFrame(rows)
