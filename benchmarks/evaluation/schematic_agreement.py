"""Measure how well the schematic boundaries agree with COD-AB on real UCDP events.

Every UCDP GED event in Iraq with an exact location (``where_prec`` 1) is placed in a
governorate and a district twice: in the authoritative OCHA COD-AB layers (read-only
from ``../shared/data``) and in the schematic layers the project derives from its own
gazetteer (:func:`geo.boundaries.schematic.build_boundaries`). The script prints the share of events
placed in the same governorate, the same district and with the same disputed / not
disputed status, as a Markdown table, and exits 1 when a target is missed.

Run from the repository root or from this folder::

    python benchmarks/evaluation/schematic_agreement.py [--shared PATH] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.boundaries.schematic import build_boundaries
from geo.write import write_text

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
UCDP = Path("incidents/ucdp_ged_iraq_1989-2018.csv")
COD_AB = Path("boundaries/ocha-cod-ab")
ADM1_FILE = "irq_admbnda_adm1_cso_20190603.geojson"
ADM2_FILE = "irq_admbnda_adm2_cso_20190603.geojson"

#: UNAMI 2009: 14 districts (its 15th area, Mandali sub-district IQG10Q03N01, is below
#: district level and is left out on both sides: the comparison is at district level).
UNAMI_2009 = frozenset(
    {
        "IQG15Q07",
        "IQG15Q08",
        "IQG15Q09",
        "IQG15Q06",
        "IQG15Q01",
        "IQG15Q03",
        "IQG11Q04",
        "IQG13Q01",
        "IQG13Q03",
        "IQG13Q02",
        "IQG13Q04",
        "IQG16Q07",
        "IQG10Q06",
        "IQG10Q05",
    }
)
#: The Article 140 committee's wider list adds Baladruz, Badra and Al-Baaj.
ARTICLE_140_WIDE = UNAMI_2009 | {"IQG10Q03", "IQG18Q05", "IQG15Q02"}

TARGETS = {"governorate": 90.0, "disputed (UNAMI 2009)": 95.0}


@dataclass(frozen=True)
class Agreement:
    """The share (%) of events on which both layer sets agree, per comparison."""

    events: int
    unplaced_cod_ab: int
    unplaced_schematic: int
    percent: dict[str, float]
    percent_locations: dict[str, float]
    percent_area: dict[str, float]

    def failures(self) -> list[str]:
        """Return the comparisons whose agreement is below its target."""
        return [k for k, target in TARGETS.items() if self.percent[k] < target]


def read_events(path: Path) -> gpd.GeoDataFrame:
    """Read the UCDP CSV (HXL row skipped) and keep the events with exact locations."""
    frame = pd.read_csv(path, skiprows=[1], low_memory=False)
    exact = frame[pd.to_numeric(frame["where_prec"], errors="coerce") == 1]
    return gpd.GeoDataFrame(
        {"id": exact["id"].astype(str)},
        geometry=gpd.points_from_xy(exact["longitude"], exact["latitude"]),
        crs="EPSG:4326",
    ).reset_index(drop=True)


def place(events: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, code: str) -> pd.Series:
    """Return the code of the area each event falls in (lowest code on shared edges)."""
    joined = gpd.sjoin(events, areas[[code, "geometry"]], how="left", predicate="intersects")
    lowest = joined.sort_values(code).groupby(level=0)[code].first()
    return lowest.reindex(events.index)


def agreement(shared: Path) -> Agreement:
    """Place the exact UCDP events in COD-AB and in the schematic layers and compare."""
    events = read_events(shared / UCDP)
    adm1 = gpd.read_file(shared / COD_AB / ADM1_FILE).to_crs("EPSG:4326")
    adm2 = gpd.read_file(shared / COD_AB / ADM2_FILE).to_crs("EPSG:4326")
    schematic = build_boundaries()
    ref = pd.DataFrame(
        {
            "governorate": place(events, adm1, "ADM1_PCODE"),
            "district": place(events, adm2, "ADM2_PCODE"),
        }
    )
    est = pd.DataFrame(
        {
            "governorate": place(events, schematic.governorates, "code"),
            "district": place(events, schematic.districts, "code"),
        }
    )
    for label, members in (
        ("disputed (UNAMI 2009)", UNAMI_2009),
        ("disputed (Article 140 wide)", ARTICLE_140_WIDE),
    ):
        ref[label] = ref["district"].isin(members).where(ref["district"].notna())
        est[label] = est["district"].isin(members).where(est["district"].notna())
    # Events outside every COD-AB polygon have no reference answer: leave them out.
    # Events outside the schematic outline count as disagreements.
    judged = ref["district"].notna() & ref["governorate"].notna()
    same = (ref == est)[judged]
    # The same, counting each distinct event location once (UCDP reuses town points).
    where = events.geometry.to_wkb()[judged]
    return Agreement(
        events=int(judged.sum()),
        unplaced_cod_ab=int((~judged).sum()),
        unplaced_schematic=int(est.loc[judged, "district"].isna().sum()),
        percent={c: _pct(same[c].mean()) for c in same.columns},
        percent_locations={c: _pct(same[c].groupby(where).first().mean()) for c in same.columns},
        percent_area={
            "governorate": _area_share(adm1, "ADM1_PCODE", schematic.governorates),
            "district": _area_share(adm2, "ADM2_PCODE", schematic.districts),
        },
    )


def _pct(share: float) -> float:
    return round(100.0 * float(share), 1)


def _area_share(reference: gpd.GeoDataFrame, code: str, estimate: gpd.GeoDataFrame) -> float:
    """Return the share (%) of the COD-AB area that the schematic gives the same code."""
    pieces = gpd.overlay(
        reference[[code, "geometry"]].to_crs("EPSG:32638"),
        estimate[["code", "geometry"]].to_crs("EPSG:32638"),
        how="intersection",
        keep_geom_type=True,
    )
    area = pieces.area
    return _pct(
        area[pieces[code] == pieces["code"]].sum() / reference.to_crs("EPSG:32638").area.sum()
    )


def to_markdown(result: Agreement) -> str:
    """Format the figures as a Markdown table with the targets."""
    lines = [
        f"UCDP GED events with exact locations (where_prec 1) placed by COD-AB: "
        f"{result.events} (outside every COD-AB polygon, left out: {result.unplaced_cod_ab}; "
        f"outside the schematic outline, counted as disagreeing: {result.unplaced_schematic})",
        "",
        "| same … in schematic and COD-AB | events | target | distinct locations | area |",
        "|---|---:|---:|---:|---:|",
    ]
    for column, value in result.percent.items():
        target = TARGETS.get(column)
        area = result.percent_area.get(column)
        lines.append(
            f"| {column} | {value:.1f} % | {f'≥ {target:g} %' if target else '—'} | "
            f"{result.percent_locations[column]:.1f} % | "
            f"{f'{area:.1f} %' if area is not None else '—'} |"
        )
    lines += [
        "",
        "Targets apply to the events column. Distinct locations counts each event location "
        "once; area is the share of Iraq's COD-AB area given the same code. Disputed status "
        "is compared at district level: UNAMI's Mandali sub-district (IQG10Q03N01) is not "
        "counted on either side.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison; print (and optionally write) the table; 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared data folder (default: ../shared/data beside the repo)",
    )
    parser.add_argument("--out", type=Path, help="also write the Markdown table to this file")
    args = parser.parse_args(argv)
    result = agreement(args.shared)
    table = to_markdown(result)
    print(table, end="")
    if args.out:
        write_text(args.out, table)
    failed = result.failures()
    if failed:
        print(f"below target: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
