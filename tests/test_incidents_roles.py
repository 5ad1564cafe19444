"""Event roles per source, the IS match without anti-IS actors, and the --role filter.

The ACLED fixture uses actor names as ACLED spells them (its actor lists and
public exports): "Islamic State (Iraq)", "Islamic State in Iraq and the Levant
(ISIL)", "Global Coalition Against Daesh", "Military Forces of Iraq (2022-)
Popular Mobilization Forces", "Military Forces of Iraq (2022-) Peshmerga",
"Police Forces of Iraq (2022-) Asayish", "Kataib Hezbollah (Iraq)",
"Unidentified Armed Group (Iraq)", "Civilians (Iraq)". No real ACLED export is
available to the tests; the UCDP GED file is (``ucdp_csv``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from geo.cli import main
from geo.errors import InputError
from geo.incidents import load_incidents
from geo.incidents.filters import is_rule_for
from geo.incidents.roles import parse_roles

IS1 = "Islamic State (Iraq)"
ISIL = "Islamic State in Iraq and the Levant (ISIL)"
COALITION = "Global Coalition Against Daesh"
PMF = "Military Forces of Iraq (2022-) Popular Mobilization Forces"
PESH = "Military Forces of Iraq (2022-) Peshmerga"
ASAYISH = "Police Forces of Iraq (2022-) Asayish"
ARMY = "Military Forces of Iraq (2022-)"
KH = "Kataib Hezbollah (Iraq)"
UNIDENTIFIED = "Unidentified Armed Group (Iraq)"
CIVILIANS = "Civilians (Iraq)"
US = "Military Forces of the United States (2021-)"

#: (id, event_type, sub_event_type, actor1, actor2, expected role)
# fmt: off
ACLED_ROWS: list[tuple[str, str, str, str, str, str]] = [
    ("IRQ1", "Violence against civilians", "Attack", IS1, CIVILIANS, "is_attack"),
    ("IRQ2", "Explosions/Remote violence", "Remote explosive/landmine/IED", IS1, PMF, "is_attack"),
    ("IRQ3", "Explosions/Remote violence", "Air/drone strike", COALITION, IS1, "against_is"),
    ("IRQ4", "Explosions/Remote violence", "Air/drone strike", ARMY, ISIL, "against_is"),
    ("IRQ5", "Battles", "Armed clash", PESH, IS1, "clash"),
    ("IRQ6", "Battles", "Armed clash", IS1, PMF, "clash"),
    ("IRQ7", "Strategic developments", "Arrests", ASAYISH, IS1, "against_is"),
    ("IRQ8", "Explosions/Remote violence", "Shelling/artillery/missile attack", PMF, IS1,
     "against_is"),
    # only an anti-IS actor, or nobody naming the group: not IS-related
    ("IRQ9", "Explosions/Remote violence", "Air/drone strike", COALITION, "", "none"),
    ("IRQ10", "Battles", "Armed clash", COALITION, UNIDENTIFIED, "none"),
    ("IRQ11", "Explosions/Remote violence", "Remote explosive/landmine/IED", UNIDENTIFIED,
     CIVILIANS, "none"),
    ("IRQ12", "Explosions/Remote violence", "Air/drone strike", KH, US, "none"),
    ("IRQ13", "Violence against civilians", "Attack", "Islamic Resistance in Iraq", CIVILIANS,
     "none"),
    ("IRQ14", "Strategic developments", "Looting/property destruction", ISIL, CIVILIANS,
     "is_attack"),
    ("IRQ15", "Explosions/Remote violence", "Air/drone strike", US, "Anti-IS coalition", "none"),
]
# fmt: on


@pytest.mark.parametrize(
    ("actor", "rule"),
    [
        (IS1, "islamic-state"),
        (ISIL, "islamic-state"),
        ("IS", "ucdp-IS"),
        ("Daesh", "daesh"),
        ("داعش", "daesh"),
        (COALITION, ""),
        ("Global Coalition against Da'esh", ""),
        ("Coalition to Defeat ISIS", ""),
        ("Counter-ISIS Finance Group", ""),
        ("Anti-IS militia", ""),
        ("anti-ISIL tribal fighters", ""),
        ("التحالف الدولي ضد داعش", ""),
        ("قوات مكافحة داعش", ""),
        (PMF, ""),
        (PESH, ""),
        (UNIDENTIFIED, ""),
        ("Islamic Resistance in Iraq", ""),
        # both in one name: the group itself still counts
        ("Islamic State (Iraq); Global Coalition Against Daesh", "islamic-state"),
    ],
)
def test_anti_is_actors_never_name_the_group(actor: str, rule: str) -> None:
    assert is_rule_for(actor) == rule


def _acled_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                *("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1"),
                *("actor2", "latitude", "longitude", "geo_precision", "fatalities", "admin1"),
                "location",
            ]
        )
        for k, (eid, etype, sub, a1, a2, _role) in enumerate(ACLED_ROWS):
            place = [f"{34.1 + k / 100:.4f}", "44.95", "1", str(k % 3), "Diyala", "Jalawla"]
            writer.writerow([eid, f"2021-03-{k + 1:02d}", etype, sub, a1, a2, *place])
    return path


def _independent_roles(frame: pd.DataFrame) -> pd.Series:
    """Derive the ACLED roles again with plain pandas, from the rules as stated."""
    anti = r"(?i)(?:against|anti|counter|defeat)[\s\-]*(?:the\s+)?(?:daesh|isis|isil|is)\b"
    names = r"(?i)islamic\s+state|\bisis\b|\bisil\b|\bdaesh\b|داعش"

    def names_group(actor: pd.Series) -> pd.Series:
        return actor.fillna("").str.replace(anti, "", regex=True).str.contains(names, regex=True)

    is1, is2 = names_group(frame["actor1"]), names_group(frame["actor2"])
    role = pd.Series("none", index=frame.index)
    role[(is1 | is2) & ~is1] = "against_is"
    role[is1] = "is_attack"
    role[(is1 | is2) & (frame["event_type"] == "Battles")] = "clash"
    return role


def test_acled_roles_follow_the_rules(tmp_path: Path) -> None:
    path = _acled_csv(tmp_path / "acled.csv")
    events = load_incidents(path).events.set_index("event_id")
    expected = {eid: role for eid, *_, role in ACLED_ROWS}
    assert events["role"].to_dict() == expected
    raw = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("event_id_cnty")
    independent = _independent_roles(raw)
    assert events["role"].sort_index().tolist() == independent.sort_index().tolist()
    assert events.loc["IRQ3", "is_match_rule"] == "islamic-state"  # via actor2, not the coalition
    assert events.loc["IRQ9", "is_match_rule"] == ""


def test_join_is_only_keeps_exactly_the_events_naming_the_group(tmp_path, capsys) -> None:
    path = _acled_csv(tmp_path / "acled.csv")
    out = tmp_path / "joined.csv"
    assert main(["join", str(path), "--out", str(out), "--is-only"]) == 0
    capsys.readouterr()
    joined = pd.read_csv(out, dtype=str, keep_default_na=False)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    independent = _independent_roles(raw)
    wanted = set(raw.loc[independent != "none", "event_id_cnty"])
    assert set(joined["event_id"]) == wanted
    assert not {"IRQ9", "IRQ10", "IRQ15"} & set(joined["event_id"])  # only anti-IS actors
    counts = joined["role"].value_counts().to_dict()
    assert counts == independent[independent != "none"].value_counts().to_dict()
    assert set(counts) == {"is_attack", "against_is", "clash"}


def test_role_filter_in_join_and_stats(tmp_path, capsys) -> None:
    path = _acled_csv(tmp_path / "acled.csv")
    out = tmp_path / "attacks.csv"
    assert main(["join", str(path), "--out", str(out), "--role", "attack"]) == 0
    joined = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(joined["event_id"]) == {"IRQ1", "IRQ2", "IRQ14"}
    stats = tmp_path / "stats.csv"
    argv = ["stats", str(path), "--out", str(stats), "--role", "against,clash"]
    assert main([*argv, "--period", "all"]) == 0
    capsys.readouterr()
    table = pd.read_csv(stats, keep_default_na=False)
    assert set(table["role"]) == {"against_is", "clash"}
    assert table.groupby("role")["events"].sum().to_dict() == {"against_is": 4, "clash": 2}
    seam = tmp_path / "seam.csv"
    assert main(["stats", str(path), "--out", str(seam), "--seam", "--role", "attack"]) == 0
    seam_table = pd.read_csv(seam)
    assert {"events_is_attack", "events_against_is", "events_clash"} <= set(seam_table.columns)
    assert (seam_table["events_against_is"] == 0).all()


def test_bad_role_option(tmp_path, capsys) -> None:
    assert parse_roles("attack, against") == ("is_attack", "against_is")
    assert parse_roles("is_attack,none") == ("is_attack", "none")
    with pytest.raises(InputError, match=r"--role 'attacks' is not one of attack, against"):
        parse_roles("attacks")
    path = _acled_csv(tmp_path / "acled.csv")
    code = main(["join", str(path), "--out", str(tmp_path / "j.csv"), "--role", "bogus"])
    assert code == 2  # a usage error, like any other bad option value
    err = capsys.readouterr().err
    assert "--role 'bogus' is not one of attack, against" in err and err.count("\n") == 1
    assert not (tmp_path / "j.csv").exists()


def test_plain_csv_role_column(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(
        "id,date,latitude,longitude,event_type,actor1,actor2,role\n"
        "a,2021-01-01,34.2,45.1,security operation,ISF,IS,\n"  # derived: against_is
        "b,2021-01-02,34.2,45.1,attack,IS,,\n"  # derived: is_attack
        "c,2021-01-03,34.2,45.1,armed clash,Peshmerga,Daesh,\n"  # derived: clash
        "d,2021-01-04,34.2,45.1,security operation,Peshmerga,,Against_IS\n"  # stated
        "e,2021-01-05,34.2,45.1,attack,Unknown,,is_attack\n"  # stated
        "f,2021-01-06,34.2,45.1,attack,Unknown,,\n"  # derived: none
        "g,2021-01-07,34.2,45.1,attack,IS,,attacker\n",  # rejected
        encoding="utf-8",
    )
    result = load_incidents(path)
    roles = result.events.set_index("event_id")["role"].to_dict()
    assert roles == {
        "a": "against_is",
        "b": "is_attack",
        "c": "clash",
        "d": "against_is",
        "e": "is_attack",
        "f": "none",
    }
    assert result.rows_read == result.rows_accepted + result.rows_rejected == 7
    bad = result.rejected.iloc[0]
    assert (Path(bad["file"]).name, bad["line"], bad["field"], bad["value"]) == (
        "plain.csv",
        8,
        "role",
        "attacker",
    )
    assert "is not one of is_attack, against_is, clash, none" in bad["reason"]
    only = load_incidents(path, is_only=True)
    assert set(only.events["event_id"]) == {"a", "b", "c", "d", "e"}


def test_plain_csv_without_role_or_actors_is_none(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_text("date,latitude,longitude\n2021-01-01,34.2,45.1\n", encoding="utf-8")
    result = load_incidents(path)
    assert result.events["role"].tolist() == ["none"]
    assert len(load_incidents(path, is_only=True).events) == 0


def test_geojson_role_property(tmp_path: Path) -> None:
    path = tmp_path / "events.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","geometry":{"type":"Point","coordinates":[45.1,34.2]},'
        '"properties":{"id":"a","date":"2021-01-01","actor1":"PMF","actor2":"ISIS"}},'
        '{"type":"Feature","geometry":{"type":"Point","coordinates":[45.1,34.2]},'
        '"properties":{"id":"b","date":"2021-01-02","actor1":"PMF","role":"clash"}},'
        '{"type":"Feature","geometry":{"type":"Point","coordinates":[45.1,34.2]},'
        '"properties":{"id":"c","date":"2021-01-03","actor1":"PMF","role":"raid"}}]}',
        encoding="utf-8",
    )
    result = load_incidents(path)
    assert result.events.set_index("event_id")["role"].to_dict() == {
        "a": "against_is",
        "b": "clash",
    }
    assert result.rejected["field"].tolist() == ["role"]
    assert result.rejected["line"].tolist() == [3]


def test_ucdp_roles_match_an_independent_derivation(ucdp_csv: Path) -> None:
    result = load_incidents(ucdp_csv)
    raw = pd.read_csv(ucdp_csv, skiprows=[1], dtype=str, keep_default_na=False)
    raw = raw[raw["id"].isin(result.events["event_id"].str.removeprefix("UCDP-"))]
    side_a_is = raw["side_a"].str.fullmatch(r"IS|.*\bIslamic State\b.*")
    side_b_is = raw["side_b"].str.fullmatch(r"IS|.*\bIslamic State\b.*")
    one_sided = raw["type_of_violence"] == "3"
    expected = pd.Series("none", index=raw.index)
    expected[side_a_is | side_b_is] = "clash"
    expected[one_sided & side_a_is] = "is_attack"
    got = result.events["role"].value_counts().to_dict()
    assert got == expected.value_counts().to_dict()
    assert set(got) == {"is_attack", "clash", "none"}  # GED codes no side as "against IS"
    roles = result.events.set_index(result.events["event_id"].str.removeprefix("UCDP-"))["role"]
    assert (roles.reindex(raw["id"]).to_numpy() == expected.to_numpy()).all()
