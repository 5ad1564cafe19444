"""The bad-input catalogue: every hostile or broken input through the ``geo`` command line.

Whole-file problems (empty, truncated, wrong columns, wrong encoding, bad boundary
folders, bad map specs) must end the command with the error's exit code and exactly
one line on stderr naming the file and the line, field or key, plus what to do.
Row problems must not end ``geo incidents check``: the row is rejected, counted and
written to the rejection CSV with its file, line, field, value and a reason naming
the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fixtures import BAD_SPECS, GOOD_SPEC

from geo import boundaries
from geo.boundaries import schematic
from geo.cli import main
from geo.errors import BoundaryError
from geo.incidents import load_incidents

HEADER = "event_id,date,latitude,longitude,fatalities\n"
GOOD = "G1,2021-08-01,35.4681,44.3922,2\n"  # Kirkuk city
ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,actor2,"
    "admin1,admin2,location,latitude,longitude,geo_precision,source,notes,fatalities\n"
)
ACLED_GOOD = (
    "IRQ1,01 August 2021,2021,1,Battles,Armed clash,Islamic State (Iraq),Military Forces of "
    "Iraq,Kirkuk,Kirkuk,Kirkuk,35.4681,44.3922,1,Shafaq News,Clash near Kirkuk.,2\n"
)
UCDP_HEADER = (
    "id,year,type_of_violence,side_a,side_b,where_prec,latitude,longitude,date_prec,"
    "date_start,date_end,best,low,high\n"
)
UCDP_GOOD = "1001,2016,1,Government of Iraq,IS,1,35.4681,44.3922,1,2016-05-01,2016-05-01,3,2,4\n"


# --------------------------------------------------------------------------- helpers


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """Run ``geo ARGV`` in-process; return exit code, stdout and stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, expected_code: int, *needles: str) -> str:
    """Check the exit code and that stderr is one ``geo: error:`` line with a hint."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    line = lines[0]
    assert line.startswith("geo: error: "), line
    assert code == expected_code, line
    assert " — " in line, f"no hint (what to do next) in: {line}"
    for needle in needles:
        assert needle in line, f"{needle!r} not in: {line}"
    return line


def options_of(capsys: pytest.CaptureFixture[str], *command: str) -> set[str]:
    """Return the long options a command accepts, read from its ``--help``."""
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    return set(re.findall(r"(--[a-z][a-z-]*)", out))


def write(path: Path, content: str | bytes) -> Path:
    """Write text as UTF-8 (no newline translation) or bytes as given."""
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def rejected_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- whole incident files

TEN_ROWS = HEADER + "".join(f"R{i},2021-08-{i + 1:02d},35.4681,44.3922,1\n" for i in range(10))

# (id, file name, content, extra args, environment, exit code, needles in the message)
FILE_CASES = [
    ("empty", "empty.csv", b"", (), {}, 5, ("empty.csv", "empty", "export")),
    ("blank-lines-only", "blank.csv", b"\n \n\r\n", (), {}, 5, ("blank.csv", "empty")),
    (
        "missing-longitude-column",
        "nolon.csv",
        "event_id,date,latitude\nA1,2021-08-01,35.4\n",
        (),
        {},
        5,
        ("nolon.csv", "line 1", "no longitude column", "latitude"),
    ),
    (
        "missing-latitude-column",
        "nolat.csv",
        "event_id,date,longitude\nA1,2021-08-01,44.3\n",
        (),
        {},
        5,
        ("nolat.csv", "line 1", "no latitude column"),
    ),
    (
        "missing-date-column",
        "nodate.csv",
        "event_id,latitude,longitude\nA1,35.4,44.3\n",
        (),
        {},
        5,
        ("nodate.csv", "line 1", "no date column", "rename"),
    ),
    (
        "acled-missing-required-columns",
        "acled.csv",
        "event_id_cnty,event_date,latitude,longitude\nIRQ1,2021-08-01,35.4,44.3\n",
        (),
        {},
        5,
        ("acled.csv", "line 1", "ACLED", "event_type", "actor1", "export it again"),
    ),
    (
        "plain-csv-read-as-acled",
        "plain.csv",
        HEADER + GOOD,
        ("--format", "acled"),
        {},
        5,
        ("plain.csv", "line 1", "ACLED", "event_id_cnty", "--format"),
    ),
    (
        "plain-csv-read-as-ucdp",
        "plain.csv",
        HEADER + GOOD,
        ("--format", "ucdp"),
        {},
        5,
        ("plain.csv", "line 1", "UCDP", "where_prec", "--format"),
    ),
    (
        "duplicate-column-names",
        "dupcols.csv",
        "event_id,date,latitude,latitude,longitude\nA1,2021-08-01,35.4,35.4,44.3\n",
        (),
        {},
        5,
        ("dupcols.csv", "line 1", "duplicate column names latitude", "rename"),
    ),
    (
        "truncated-inside-quoted-field",
        "cut.csv",
        HEADER + GOOD + 'G2,2021-08-02,"35.4',
        (),
        {},
        5,
        ("cut.csv", "line 3", "never closed", "truncated", "again"),
    ),
    (
        "unclosed-quote-swallows-later-rows",
        "quote.csv",
        HEADER + 'G1,2021-08-01,"35.4681,44.3922,2\n' + GOOD.replace("G1", "G2") * 3,
        (),
        {},
        5,
        ("quote.csv", "line 2", "never closed"),
    ),
    (
        "utf16-file",
        "utf16.csv",
        (HEADER + GOOD).encode("utf-16"),
        (),
        {},
        5,
        ("utf16.csv", "UTF-16", "save it as CSV UTF-8"),
    ),
    (
        "binary-file",
        "binary.csv",
        bytes(range(256)) * 8,
        (),
        {},
        5,
        ("binary.csv", "binary", "UTF-8"),
    ),
    (
        "latin-garbage-not-any-encoding",
        "garbage.csv",
        HEADER.encode() + bytes(range(128, 256)) * 4 + b"\n",
        (),
        {},
        5,
        ("garbage.csv",),
    ),
    (
        "geojson-that-is-not-json",
        "events.geojson",
        "event_id,date\nthis is CSV, not JSON\n",
        (),
        {},
        5,
        ("events.geojson", "not JSON", "--format csv"),
    ),
    (
        "geojson-truncated",
        "cut.geojson",
        '{"type": "FeatureCollection", "features": [\n{"type": "Feature", "properties": {',
        (),
        {},
        5,
        ("cut.geojson", "line 2", "valid JSON"),
    ),
    (
        "over-the-row-limit",
        "ten.csv",
        TEN_ROWS,
        (),
        {"GEO_MAX_ROWS": "5"},
        6,
        ("ten.csv", "10 data rows", "limit of 5", "filter", "GEO_MAX_ROWS"),
    ),
    (
        "row-limit-not-a-number",
        "ten.csv",
        TEN_ROWS,
        (),
        {"GEO_MAX_ROWS": "lots"},
        5,
        ("GEO_MAX_ROWS='lots'", "whole number"),
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "args", "env", "exit_code", "needles"),
    [pytest.param(*case[1:], id=case[0]) for case in FILE_CASES],
)
def test_unreadable_incident_file_gives_one_line(
    tmp_path, capsys, monkeypatch, name, content, args, env, exit_code, needles
):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = write(tmp_path / name, content)
    code, _, err = run(capsys, "incidents", "check", path, *args, "--out", tmp_path / "rej.csv")
    assert_one_line_error(code, err, exit_code, *needles)
    assert not (tmp_path / "rej.csv").exists()


def test_missing_incident_file(tmp_path, capsys):
    code, _, err = run(capsys, "incidents", "check", tmp_path / "absent.csv")
    assert_one_line_error(code, err, 5, "absent.csv", "no such file", "check the path")


@pytest.mark.parametrize("command", ["check", "join"])
def test_folder_given_as_incident_file(tmp_path, capsys, command):
    folder = tmp_path / "exports"
    folder.mkdir()
    args = ["incidents", "check", folder] if command == "check" else ["join", folder]
    code, _, err = run(capsys, *args, "--out", tmp_path / "out.csv")
    assert_one_line_error(code, err, 5, "exports", "is a folder", "folder/*.csv")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("header", ["event_id,date,latitude", "event_id,date,longitude"])
def test_missing_coordinate_column_hint_names_a_real_option(tmp_path, capsys, header):
    path = write(tmp_path / "x.csv", f"{header}\nA1,2021-08-01,35.4\n")
    code, _, err = run(capsys, "incidents", "check", path)
    line = assert_one_line_error(code, err, 5)
    named = set(re.findall(r"(--[a-z][a-z-]*)", line))
    assert named, line
    assert named <= options_of(capsys, "incidents", "check")


def test_header_only_file_is_read_not_refused(tmp_path, capsys):
    path = write(tmp_path / "header.csv", HEADER)
    code, out, err = run(capsys, "incidents", "check", path)
    assert (code, err) == (0, "")
    assert "rows read: 0 = accepted 0 + rejected 0" in out
    assert "header only" in out


# --------------------------------------------------------------------------- encodings

PLACE_NAMES = ["كركوك", "ديالى", "خانقين"]
SENTENCES = [
    "هجوم لتنظيم داعش على نقطة تفتيش للجيش العراقي قرب كركوك",
    "اشتباك مسلح في قضاء خانقين بمحافظة ديالى",
    "تفجير عبوة ناسفة على طريق بعقوبة المقدادية",
]


def _arabic_rows(texts: list[str], n: int) -> str:
    return HEADER.replace("\n", ",location\n") + "".join(
        f"A{i},2021-08-01,35.4681,44.3922,1,{texts[i % len(texts)]}\n" for i in range(n)
    )


@pytest.mark.parametrize(
    "texts",
    [
        pytest.param(SENTENCES, id="sentences"),
        pytest.param(PLACE_NAMES, id="place-names"),
    ],
)
def test_windows_1256_file_decodes_arabic(tmp_path, capsys, texts):
    path = write(tmp_path / "arabic.csv", _arabic_rows(texts, 30).encode("cp1256"))
    code, out, err = run(capsys, "incidents", "check", path)
    assert (code, err) == (0, "")
    assert "accepted 30 + rejected 0" in out
    assert "decoded from cp1256" in out
    events = load_incidents(path).events.sort_values("source_row")
    assert list(events["location"]) == [texts[i % len(texts)] for i in range(30)]


def test_windows_1256_file_with_a_ragged_row(tmp_path, capsys):
    text = _arabic_rows(SENTENCES, 30) + "B1,2021-08-01,35.4681,44.3922,1,كركوك,extra\n"
    path = write(tmp_path / "arabic.csv", text.encode("cp1256"))
    rejected = tmp_path / "rejected.csv"
    code, out, err = run(capsys, "incidents", "check", path, "--out", rejected)
    assert (code, err) == (0, "")
    assert "rows read: 31 = accepted 30 + rejected 1" in out
    assert [r["line"] for r in rejected_rows(rejected)] == ["32"]


def test_utf8_bom_file_keeps_its_first_column(tmp_path, capsys):
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbf" + (HEADER + GOOD).encode())
    code, out, err = run(capsys, "incidents", "check", path)
    assert (code, err) == (0, "")
    assert "rows read: 1 = accepted 1 + rejected 0" in out
    assert "utf-8-sig" in out
    assert list(load_incidents(path).events["event_id"]) == ["G1"]


# --------------------------------------------------------------------------- rejected rows


def _row(
    *,
    event_id: str = "B1",
    date: str = "2021-08-02",
    lat: str = "35.4681",
    lon: str = "44.3922",
    fatalities: str = "1",
) -> str:
    return f"{event_id},{date},{lat},{lon},{fatalities}\n"


# Plain CSV rows after GOOD: (id, bad row, field(s) named, reason code).
PLAIN_ROW_CASES = [
    (
        "swapped-lat-lon",
        _row(lat="44.3922", lon="35.4681"),
        "latitude;longitude",
        "swapped lat/lon?",
    ),
    ("nan-latitude", _row(lat="NaN"), "latitude", "not finite"),
    ("empty-latitude", _row(lat=""), "latitude", "missing coordinates"),
    ("empty-coordinates", _row(lat="", lon=""), "latitude;longitude", "missing coordinates"),
    ("inf-latitude", _row(lat="inf"), "latitude", "not finite"),
    ("minus-inf-longitude", _row(lon="-inf"), "longitude", "not finite"),
    ("1e400-latitude", _row(lat="1e400"), "latitude", "not finite"),
    ("comma-decimal", _row(lat='"35,4681"'), "latitude", "comma decimal"),
    ("dms-degrees-sign", _row(lat='"35°28\'5""N"'), "latitude", "DMS coordinates"),
    ("dms-hemisphere-first", _row(lon="E 44 23 32"), "longitude", "DMS coordinates"),
    ("latitude-out-of-range", _row(lat="95.5"), "latitude", "out of range"),
    ("23-digit-latitude", _row(lat="12345678901234567890123"), "latitude", "out of range"),
    ("words-for-coordinates", _row(lat="Kirkuk"), "latitude", "non-numeric coordinates"),
    ("impossible-date-words", _row(date="31 February 2021"), "date", "impossible date"),
    ("impossible-date-iso", _row(date="2021-02-30"), "date", "impossible date"),
    ("month-13", _row(date="2021-13-01"), "date", "bad date"),
    ("ambiguous-slashed-date", _row(date="03/08/2021"), "date", "ambiguous date"),
    ("ambiguous-dotted-date", _row(date="03.08.2021"), "date", "ambiguous date"),
    ("unrecognised-date", _row(date="last Tuesday"), "date", "bad date"),
    ("empty-date", _row(date=""), "date", "missing date"),
    ("duplicate-event-id", _row(event_id="G1"), "event_id", "duplicate event_id"),
    ("negative-fatalities", _row(fatalities="-3"), "fatalities", "bad count"),
    ("non-numeric-fatalities", _row(fatalities="dozens"), "fatalities", "bad count"),
    ("fractional-fatalities", _row(fatalities="2.5"), "fatalities", "bad count"),
    ("23-digit-fatalities", _row(fatalities="1" * 23), "fatalities", "bad count"),
    ("ragged-row", _row().replace("\n", ",extra\n"), "(row)", "ragged row"),
]
# Other layouts: (id, header, good row, bad row, field(s) named, reason code).
LAYOUT_ROW_CASES = [
    (
        "date-end-before-date",
        HEADER.replace("date,", "date,date_end,"),
        GOOD.replace("2021-08-01,", "2021-08-01,2021-08-01,"),
        _row(date="2021-08-05,2021-08-01"),
        "date_end",
        "bad date",
    ),
    (
        "acled-bad-geo-precision",
        ACLED_HEADER,
        ACLED_GOOD,
        ACLED_GOOD.replace("IRQ1", "IRQ2").replace(",1,Shafaq", ",9,Shafaq"),
        "geo_precision",
        "bad code",
    ),
    (
        "acled-bad-time-precision",
        ACLED_HEADER,
        ACLED_GOOD,
        ACLED_GOOD.replace("IRQ1", "IRQ2").replace(",2021,1,", ",2021,7,"),
        "time_precision",
        "bad code",
    ),
    (
        "acled-missing-event-id",
        ACLED_HEADER,
        ACLED_GOOD,
        ACLED_GOOD.replace("IRQ1", ""),
        "event_id",
        "missing event_id",
    ),
    (
        "acled-slashed-date",
        ACLED_HEADER,
        ACLED_GOOD,
        ACLED_GOOD.replace("IRQ1", "IRQ2").replace("01 August 2021", "8/1/2021"),
        "event_date",
        "ambiguous date",
    ),
    (
        "ucdp-bad-where-prec",
        UCDP_HEADER,
        UCDP_GOOD,
        UCDP_GOOD.replace("1001", "1002").replace(",IS,1,", ",IS,8,"),
        "where_prec",
        "bad code",
    ),
    (
        "ucdp-negative-best",
        UCDP_HEADER,
        UCDP_GOOD,
        UCDP_GOOD.replace("1001", "1002").replace(",3,2,4", ",-3,2,4"),
        "fatalities",
        "bad count",
    ),
]
ROW_CASES = [
    (name, HEADER, GOOD, bad, field, code) for name, bad, field, code in PLAIN_ROW_CASES
] + LAYOUT_ROW_CASES


@pytest.mark.parametrize(
    ("header", "good", "bad", "field", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in ROW_CASES],
)
def test_bad_row_is_rejected_with_file_line_field_and_reason(
    tmp_path, capsys, header, good, bad, field, code
):
    path = write(tmp_path / "events.csv", header + good + bad)
    rejected = tmp_path / "rejected.csv"
    exit_code, out, err = run(capsys, "incidents", "check", path, "--out", rejected)
    assert (exit_code, err) == (0, "")
    assert "rows read: 2 = accepted 1 + rejected 1" in out
    assert f"  {code}: 1" in out
    rows = rejected_rows(rejected)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {"file", "line", "field", "value", "reason"}
    assert Path(row["file"]).name == "events.csv"
    assert row["line"] == "3"
    assert row["field"] == field
    assert code in row["reason"]
    for name in field.split(";"):
        if name != "(row)":
            assert name in row["reason"], row["reason"]


def test_duplicate_id_names_the_first_line(tmp_path):
    path = write(tmp_path / "dup.csv", HEADER + GOOD + _row() + _row(event_id="G1"))
    rejected = load_incidents(path).rejected
    assert list(rejected["line"]) == [4]
    assert "already seen on line 2 of dup.csv" in rejected["reason"].iloc[0]


def test_every_problem_of_a_row_is_reported(tmp_path):
    path = write(tmp_path / "many.csv", HEADER + _row(date="03/08/2021", lat="x", fatalities="-1"))
    result = load_incidents(path)
    assert result.rows_rejected == 1
    reason = result.rejected["reason"].iloc[0]
    for code in ("ambiguous date", "non-numeric coordinates", "bad count"):
        assert code in reason


def test_point_outside_iraq_is_kept_and_flagged(tmp_path, capsys):
    path = write(tmp_path / "far.csv", HEADER + GOOD + _row(lat="48.8566", lon="2.3522"))
    code, out, err = run(capsys, "incidents", "check", path)
    assert (code, err) == (0, "")
    assert "rows read: 2 = accepted 2 + rejected 0" in out
    assert "outside_iraq 1" in out


def test_fix_swapped_accepts_and_flags(tmp_path, capsys):
    path = write(tmp_path / "swap.csv", HEADER + GOOD + _row(lat="44.3922", lon="35.4681"))
    code, out, err = run(capsys, "incidents", "check", path, "--fix-swapped")
    assert (code, err) == (0, "")
    assert "accepted 2 + rejected 0" in out
    assert "swapped_latlon_fixed 1" in out
    events = load_incidents(path, fix_swapped=True).events.set_index("event_id")
    assert (events.at["B1", "latitude"], events.at["B1", "longitude"]) == (35.4681, 44.3922)


def test_date_format_resolves_ambiguous_dates(tmp_path, capsys):
    path = write(tmp_path / "slash.csv", HEADER + _row(date="03/08/2021"))
    code, out, err = run(capsys, "incidents", "check", path, "--date-format", "%d/%m/%Y")
    assert (code, err) == (0, "")
    assert "accepted 1 + rejected 0" in out
    for fmt, day in (("%d/%m/%Y", dt.date(2021, 8, 3)), ("%m/%d/%Y", dt.date(2021, 3, 8))):
        assert load_incidents(path, date_format=fmt).events["date"].iloc[0].date() == day


# Every date form the readers accept, with the day (and precision) it means.
ACCEPTED_DATES = [
    ("2021-08-01", dt.date(2021, 8, 1), "day"),
    ("2021-8-1", dt.date(2021, 8, 1), "day"),
    ("1 August 2021", dt.date(2021, 8, 1), "day"),
    ("01 Aug 2021", dt.date(2021, 8, 1), "day"),
    ("20210801", dt.date(2021, 8, 1), "day"),
    ("01-Aug-21", dt.date(2021, 8, 1), "day"),
    ("01-Aug-2021", dt.date(2021, 8, 1), "day"),
    ("2021-08-01T10:30:00Z", dt.date(2021, 8, 1), "day"),
    ("2021-08-01 10:30", dt.date(2021, 8, 1), "day"),
    ("2021-08", dt.date(2021, 8, 1), "month"),
    ("2021", dt.date(2021, 1, 1), "year"),
]


@pytest.mark.parametrize(
    ("raw", "day", "precision"), ACCEPTED_DATES, ids=[d[0] for d in ACCEPTED_DATES]
)
def test_accepted_date_forms(tmp_path, capsys, raw, day, precision):
    path = write(tmp_path / "dates.csv", HEADER + _row(date=raw))
    code, out, err = run(capsys, "incidents", "check", path)
    assert (code, err) == (0, "")
    assert "accepted 1 + rejected 0" in out
    event = load_incidents(path).events.iloc[0]
    assert event["date"].date() == day
    assert event["date_precision"] == precision


# --------------------------------------------------------------------------- boundary folders

METRIC = "EPSG:32638"
COD_FIELDS = {
    "country": {"ADM0_PCODE": "code", "ADM0_EN": "name", "ADM0_AR": "name_ar"},
    "governorate": {"ADM1_PCODE": "code", "ADM1_EN": "name", "ADM1_AR": "name_ar"},
    "district": {
        "ADM1_PCODE": "adm1_code",
        "ADM1_EN": "adm1_name",
        "ADM2_PCODE": "code",
        "ADM2_EN": "name",
        "ADM2_AR": "name_ar",
    },
}
COD_FILES = {
    "country": "irq_admbnda_adm0_test.geojson",
    "governorate": "irq_admbnda_adm1_test.geojson",
    "district": "irq_admbnda_adm2_test.geojson",
}


def _bowtie(polygon: shapely.Polygon) -> shapely.Polygon:
    """Return ``polygon`` with a figure-of-eight twist in its first four corners."""
    coords = list(polygon.exterior.coords)[:-1]
    coords[1], coords[2] = coords[2], coords[1]
    twisted = shapely.Polygon(coords)
    assert not twisted.is_valid
    return twisted


def fake_cod_ab(
    folder: Path,
    *,
    to_crs: str | None = None,
    drop_crs: bool = False,
    twist_district: bool = False,
    skip: tuple[str, ...] = (),
) -> Path:
    """Write the schematic layers as a COD-AB-schema folder (GeoJSON), optionally broken."""
    b = schematic.build_boundaries()
    folder.mkdir(parents=True, exist_ok=True)
    levels = {"country": b.country, "governorate": b.governorates, "district": b.districts}
    for level, frame in levels.items():
        if level in skip:
            continue
        out = gpd.GeoDataFrame(
            {field: frame[column].to_numpy() for field, column in COD_FIELDS[level].items()}
            | ({"ADM0_PCODE": "IQ", "ADM0_EN": "Iraq"} if level != "country" else {}),
            geometry=frame.geometry.to_numpy(),
            crs="EPSG:4326",
        )
        if twist_district and level == "district":
            geoms = out.geometry.to_numpy().copy()
            geoms[0] = _bowtie(shapely.get_parts(geoms[0])[0])
            out = out.set_geometry(gpd.GeoSeries(geoms, crs="EPSG:4326"))
        if to_crs:
            out = out.to_crs(to_crs)
        path = folder / COD_FILES[level]
        out.to_file(path, driver="GeoJSON")
        if drop_crs:
            text = path.read_text(encoding="utf-8")
            text = re.sub(r'"crs": \{.*?\} \},\n', "", text, count=1, flags=re.S)
            assert '"crs"' not in text
            path.write_text(text, encoding="utf-8")
    return folder


def _empty_folder(tmp: Path) -> Path:
    (tmp / "b").mkdir()
    return tmp / "b"


def _unrelated_geojson(tmp: Path) -> Path:
    gpd.GeoDataFrame({"road": ["A1"]}, geometry=[shapely.Point(44, 35)], crs="EPSG:4326").to_file(
        tmp / "roads.geojson", driver="GeoJSON"
    )
    return tmp


def _no_districts(tmp: Path) -> Path:
    return fake_cod_ab(tmp / "b", skip=("district",))


def _not_a_zip(tmp: Path) -> Path:
    return write(tmp / "boundaries.zip", b"this is not a zip archive")


def _absent(tmp: Path) -> Path:
    return tmp / "nowhere"


def _utm_without_crs(tmp: Path) -> Path:
    return fake_cod_ab(tmp / "b", to_crs=METRIC, drop_crs=True)


def _pinned_hashes_differ(tmp: Path) -> Path:
    return fake_cod_ab(tmp / "b")


# (id, builder, extra args, exit code, needles)
IMPORT_CASES: list[tuple[str, Callable[[Path], Path], tuple[str, ...], int, tuple[str, ...]]] = [
    ("empty-folder", _empty_folder, (), 3, ("no boundary files", "COD-AB")),
    (
        "unrelated-geojson",
        _unrelated_geojson,
        (),
        3,
        ("no known boundary source", "roads.geojson", "ADM0_PCODE"),
    ),
    (
        "missing-district-layer",
        _no_districts,
        (),
        3,
        ("lacks the ocha-cod-ab layer(s) district", "irq_admbnda_adm2_*", "add the missing"),
    ),
    (
        "not-a-folder-or-zip",
        _not_a_zip,
        (),
        3,
        ("boundaries.zip", "neither a folder nor a zip", "give the folder"),
    ),
    ("path-does-not-exist", _absent, (), 3, ("nowhere", "does not exist")),
    (
        "hashes-differ-from-pinned-release",
        _pinned_hashes_differ,
        (),
        3,
        ("irq_admbnda_adm1_test.geojson", "differ", "expected", "--allow-unverified"),
    ),
]


@pytest.mark.parametrize(
    ("make", "args", "exit_code", "needles"),
    [pytest.param(*case[1:], id=case[0]) for case in IMPORT_CASES],
)
def test_bad_boundary_import_gives_one_line(tmp_path, capsys, make, args, exit_code, needles):
    folder = make(tmp_path)
    code, _, err = run(capsys, "boundaries", "import", folder, *args)
    assert_one_line_error(code, err, exit_code, *needles)
    assert boundaries.cached_sources() == []


def test_boundary_file_that_is_not_json_is_named(tmp_path, capsys):
    folder = fake_cod_ab(tmp_path / "b")
    write(folder / COD_FILES["governorate"], "this is not JSON {")
    code, _, err = run(capsys, "boundaries", "import", folder, "--allow-unverified")
    assert_one_line_error(code, err, 3, "irq_admbnda_adm1_test.geojson", "not")


def test_import_refuses_utm_metres_without_crs(tmp_path, capsys):
    folder = _utm_without_crs(tmp_path)
    code, _, err = run(capsys, "boundaries", "import", folder, "--allow-unverified")
    assert_one_line_error(code, err, 3, "irq_admbnda_adm0_test.geojson", "metres")
    assert boundaries.cached_sources() == []


def test_import_of_a_good_folder_with_allow_unverified(tmp_path, capsys):
    folder = fake_cod_ab(tmp_path / "b")
    code, out, err = run(capsys, "boundaries", "import", folder, "--allow-unverified")
    assert (code, err) == (0, "")
    assert "differs from the catalog" in out or "differ from the catalog" in out
    assert boundaries.cached_sources() == ["ocha-cod-ab"]


def test_build_refuses_utm_metres_without_crs(tmp_path, capsys):
    folder = _utm_without_crs(tmp_path)
    code, _, err = run(
        capsys, "build", "timeline", "--boundaries", folder, "--out", tmp_path / "out"
    )
    assert_one_line_error(
        code, err, 3, "irq_admbnda_adm0_test.geojson", "metres", "EPSG:4326", "re-export"
    )
    assert not (tmp_path / "out" / "timeline.html").exists()


def test_boundaries_in_web_mercator_are_converted(tmp_path, capsys):
    folder = fake_cod_ab(tmp_path / "b", to_crs="EPSG:3857")
    loaded = boundaries.load_boundaries(path=folder)
    assert loaded.governorates.crs == "EPSG:4326"
    assert any("converted from EPSG:3857 to EPSG:4326" in note for note in loaded.report)
    reference = schematic.build_boundaries().governorates.total_bounds
    assert loaded.governorates.total_bounds == pytest.approx(reference, abs=1e-6)
    out_dir = tmp_path / "o"
    code, _, err = run(capsys, "build", "timeline", "--boundaries", folder, "--out", out_dir)
    assert (code, err) == (0, "")
    assert (out_dir / "timeline.html").exists()


def test_self_intersecting_polygon_is_repaired_and_reported(tmp_path, capsys):
    folder = fake_cod_ab(tmp_path / "b", twist_district=True)
    loaded = boundaries.load_boundaries(path=folder)
    assert loaded.districts.geometry.is_valid.all()
    notes = [n for n in loaded.report if "invalid geometry" in n]
    assert len(notes) == 1
    assert "irq_admbnda_adm2_test.geojson feature 1" in notes[0]
    assert "Self-intersection" in notes[0] and "repaired" in notes[0]
    out_dir = tmp_path / "o"
    code, _, err = run(capsys, "build", "timeline", "--boundaries", folder, "--out", out_dir)
    assert (code, err) == (0, "")
    page = (out_dir / "timeline.html").read_text(encoding="utf-8")
    assert "repaired with make_valid" in page  # among the map's caveats


def test_build_summary_reports_the_repair(tmp_path, capsys):
    folder = fake_cod_ab(tmp_path / "b", twist_district=True)
    out_dir = tmp_path / "o"
    code, out, _ = run(capsys, "build", "timeline", "--boundaries", folder, "--out", out_dir)
    assert code == 0
    assert "irq_admbnda_adm2_test.geojson feature 1: invalid geometry" in out


def test_utm_without_crs_raises_boundary_error_naming_the_file(tmp_path):
    with pytest.raises(BoundaryError, match=r"irq_admbnda_adm0_test\.geojson.*projected metres"):
        boundaries.load_boundaries(path=_utm_without_crs(tmp_path))


# --------------------------------------------------------------------------- map specs


@pytest.mark.parametrize(
    ("spec", "needles"), [pytest.param(*case[1:], id=case[0]) for case in BAD_SPECS]
)
def test_bad_map_spec_gives_one_line(tmp_path, capsys, spec, needles):
    folder = tmp_path / "maps"
    folder.mkdir()
    write(folder / "bad.toml", spec)
    code, _, err = run(capsys, "maps", "--maps-dir", folder)
    assert_one_line_error(code, err, 4, "bad.toml", *needles)


def test_good_spec_folder_lists(tmp_path, capsys):
    folder = tmp_path / "maps"
    folder.mkdir()
    write(folder / "good.toml", GOOD_SPEC)
    code, out, err = run(capsys, "maps", "--maps-dir", folder)
    assert (code, err) == (0, "")
    assert out.startswith("good") and "Test map" in out


def test_spec_not_utf8(tmp_path, capsys):
    folder = tmp_path / "maps"
    folder.mkdir()
    write(folder / "bad.toml", GOOD_SPEC.replace("Test map", "خريطة").encode("cp1256"))
    code, _, err = run(capsys, "maps", "--maps-dir", folder)
    assert_one_line_error(code, err, 4, "bad.toml", "not UTF-8", "save the spec as UTF-8")


def test_build_with_a_bad_spec_stops_before_writing(tmp_path, capsys):
    folder = tmp_path / "maps"
    folder.mkdir()
    write(folder / "bad.toml", BAD_SPECS[0][1])
    code, _, err = run(capsys, "build", "--maps-dir", folder, "--out", tmp_path / "out")
    assert_one_line_error(code, err, 4, "bad.toml", "unknown key 'colour'")
    assert not (tmp_path / "out").exists()


def test_build_unknown_map_name(tmp_path, capsys):
    code, _, err = run(capsys, "build", "no-such-map", "--out", tmp_path / "out")
    assert_one_line_error(code, err, 4, "no map spec named 'no-such-map'", "available:")


def test_build_bad_date_option(tmp_path, capsys):
    code, _, err = run(capsys, "build", "--from", "2021-13-01", "--out", tmp_path / "out")
    assert_one_line_error(code, err, 2, "--from", "'2021-13-01'", "YYYY-MM-DD")


# --------------------------------------------------------------------------- join and stats

# (id, argv after the incident file, exit code, needles)
TABLE_CASES = [
    (
        "join-unknown-extension",
        ("join", "{events}", "--out", "{tmp}/x.xlsx"),
        7,
        ("x.xlsx", "'.xlsx'", ".parquet"),
    ),
    (
        "join-into-missing-folder",
        ("join", "{events}", "--out", "/proc/no-such-dir/x.csv"),
        7,
        ("/proc/no-such-dir/x.csv", "cannot write"),
    ),
    ("join-empty-file", ("join", "{empty}", "--out", "{tmp}/x.csv"), 5, ("empty.csv", "empty")),
    (
        "stats-unknown-area",
        ("stats", "{events}", "--out", "{tmp}/s.csv", "--by", "village"),
        2,
        ("'village'", "district", "krg-area"),
    ),
    (
        "stats-unknown-period",
        ("stats", "{events}", "--out", "{tmp}/s.csv", "--period", "decade"),
        2,
        ("'decade'", "month"),
    ),
]


@pytest.mark.parametrize(
    ("argv", "exit_code", "needles"), [pytest.param(*case[1:], id=case[0]) for case in TABLE_CASES]
)
def test_bad_table_command_gives_one_line(tmp_path, capsys, argv, exit_code, needles):
    names = {
        "events": write(tmp_path / "events.csv", HEADER + GOOD),
        "empty": write(tmp_path / "empty.csv", b""),
        "tmp": tmp_path,
    }
    code, _, err = run(capsys, *(a.format(**names) for a in argv))
    assert_one_line_error(code, err, exit_code, *needles)
