"""Issue 13: commands that agree, licence-safe defaults, empty and wrong input refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_incidents_acled import CURRENT, acled_text

from geo.cli import main
from geo.export import read_provenance

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def acled_csv(tmp_path) -> Path:
    """Five invented ACLED-format rows (three IS-involved)."""
    path = tmp_path / "acled.csv"
    path.write_text(acled_text(columns=CURRENT, date_form="iso"), encoding="utf-8")
    return path


@pytest.fixture
def synth_csv(tmp_path, capsys) -> Path:
    path = tmp_path / "synthetic.csv"
    assert run(capsys, "incidents", "synth", "--n", 40, "--out", path)[0] == 0
    return path


# --- 1. stats and build read every join output, provenance carried through ---------------


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".geojson", ".csv"])
def test_stats_reads_every_join_output_and_keeps_acled_citation(
    tmp_path, capsys, acled_csv, suffix
):
    joined = tmp_path / f"joined{suffix}"
    code, out, err = run(capsys, "join", acled_csv, "--out", joined, "--all-events")
    assert (code, err) == (0, "")
    table = tmp_path / "stats.csv"
    code, out, err = run(capsys, "stats", joined, "--out", table, "--all-events")
    assert (code, err) == (0, ""), err
    prov = read_provenance(table)
    assert "acled" in prov and "ACLED" in prov["acled"]["citation"]
    assert any(
        "ACLED" in i.get("licence", "") or "acled" in i.get("licence", "").lower()
        for i in prov["inputs"]
    )
    assert "rows read: 5" in out


def test_build_reads_a_joined_parquet(tmp_path, capsys, acled_csv):
    joined = tmp_path / "joined.parquet"
    assert run(capsys, "join", acled_csv, "--out", joined)[0] == 0
    code, _out, err = run(capsys, "build", "seam", "-i", joined, "--out", tmp_path / "o")
    assert (code, err) == (0, ""), err
    assert "ACLED" in (tmp_path / "o" / "seam.html").read_text(encoding="utf-8")


# --- 2. ACLED rows are not published by default ------------------------------------------


def test_acled_build_is_aggregates_only_by_default(tmp_path, capsys, acled_csv):
    code, out, err = run(capsys, "build", "seam", "-i", acled_csv, "--out", tmp_path / "o")
    assert (code, err) == (0, ""), err
    html = (tmp_path / "o" / "seam.html").read_text(encoding="utf-8")
    assert "IRQ1" not in html and "Invented row for tests" not in html
    notes = [line for line in out.splitlines() if "--include-rows" in line]
    assert len(notes) == 1 and "aggregates only" in notes[0]
    assert "contains licensed rows" not in html


def test_include_rows_embeds_rows_with_a_banner(tmp_path, capsys, acled_csv):
    code, _out, err = run(
        capsys, "build", "seam", "-i", acled_csv, "--out", tmp_path / "o", "--include-rows"
    )
    assert (code, err) == (0, ""), err
    html = (tmp_path / "o" / "seam.html").read_text(encoding="utf-8")
    assert "IRQ1" in html
    assert "contains licensed rows — internal use" in html


# --- 3. synthetic files are labelled synthetic ----------------------------------------------


def test_synthetic_file_is_not_labelled_acled(tmp_path, capsys, synth_csv):
    code, out, err = run(capsys, "incidents", "check", synth_csv)
    assert code == 0
    assert "synthetic" in out.lower()
    joined = tmp_path / "j.geojson"
    assert run(capsys, "join", synth_csv, "--out", joined)[0] == 0
    prov = read_provenance(joined)
    assert "acled" not in prov
    (item,) = prov["inputs"]
    assert "ACLED" not in item["licence"] + item["citation"]
    assert "synthetic" in (item["licence"] + item["citation"]).lower()
    code, out, err = run(capsys, "build", "seam", "-i", synth_csv, "--out", tmp_path / "o")
    assert code == 0, err
    html = (tmp_path / "o" / "seam.html").read_text(encoding="utf-8")
    assert "Armed Conflict Location" not in html and "SYNTHETIC" in html.upper()


# --- 4. --include-coarse honoured by --seam ---------------------------------------------------


def test_seam_honours_include_coarse(tmp_path, capsys, acled_csv):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    base = ["stats", acled_csv, "--seam", "--all-events"]
    assert run(capsys, *base, "--out", a)[0] == 0
    assert run(capsys, *base, "--out", b, "--include-coarse")[0] == 0
    import pandas as pd

    ta, tb = pd.read_csv(a), pd.read_csv(b)
    # IRQ3 has ACLED geo_precision 3 (governorate): coarse, left out unless asked
    assert ta["events_considered"].iloc[0] + 1 == tb["events_considered"].iloc[0]


# --- 7. index page: citations and one build date ----------------------------------------------


def test_index_cites_its_data_and_shows_the_pages_build_date(
    tmp_path, capsys, acled_csv, monkeypatch
):
    out_dir = tmp_path / "o"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")  # 2020-09-13
    assert run(capsys, "build", "seam", "-i", acled_csv, "--out", out_dir)[0] == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14: page unchanged
    code, out, _ = run(capsys, "build", "seam", "-i", acled_csv, "--out", out_dir)
    assert code == 0 and "unchanged" in out
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    page = (out_dir / "seam.html").read_text(encoding="utf-8")
    assert "Armed Conflict Location" in index and "Raleigh" in index
    assert "2020-09-13" in page and "2020-09-13" in index
    assert "2023-11-14" not in index


# --- 8. empty input never overwrites maps ------------------------------------------------------


def test_empty_input_refused_and_previous_maps_untouched(tmp_path, capsys, acled_csv):
    out_dir = tmp_path / "o"
    assert run(capsys, "build", "seam", "-i", acled_csv, "--out", out_dir)[0] == 0
    before = (out_dir / "seam.html").read_bytes()
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(CURRENT) + "\n", encoding="utf-8")
    code, _out, err = run(capsys, "build", "seam", "-i", empty, "--out", out_dir, "--force")
    assert code == 5
    assert len(err.strip().splitlines()) == 1 and "--allow-empty" in err
    assert (out_dir / "seam.html").read_bytes() == before
    code, _out, err = run(
        capsys, "build", "seam", "-i", empty, "--out", out_dir, "--force", "--allow-empty"
    )
    assert code == 0 and (out_dir / "seam.html").read_bytes() != before


def test_check_strict_fails_on_rejected_rows(tmp_path, capsys, acled_csv):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        acled_csv.read_text(encoding="utf-8").replace("34.2719", "north"), encoding="utf-8"
    )
    assert run(capsys, "incidents", "check", bad)[0] == 0
    code, _out, err = run(capsys, "incidents", "check", bad, "--strict")
    assert code == 5 and "1 row" in err
    assert run(capsys, "incidents", "check", acled_csv, "--strict")[0] == 0


# --- 9. usage errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["join", "{acled}", "--out", "{tmp}/j.csv", "--from", "2022-01-01", "--to", "2021-01-01"],
        ["build", "--from", "2022-01-01", "--to", "2021-01-01"],
        ["incidents", "synth", "--n", "-5", "--out", "{tmp}/s.csv"],
        ["join", "{acled}", "--out", "{tmp}/j.csv", "--from", "01/02/2020"],
        ["stats", "{acled}", "--out", "{tmp}/s.csv", "--by", "county"],
        ["stats", "{acled}", "--out", "{tmp}/s.csv", "--period", "fortnight"],
        ["stats", "{acled}", "--out", "{tmp}/s.csv", "--seam", "--by", "governorate"],
        ["stats", "{acled}", "--out", "{tmp}/s.csv", "--seam", "--period", "year"],
        ["incidents", "check", "{acled}", "--format", "excel"],
    ],
)
def test_usage_errors_exit_2_in_one_message(tmp_path, capsys, acled_csv, argv):
    args = [a.format(acled=acled_csv, tmp=tmp_path) for a in argv]
    code, out, err = run(capsys, *args)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err


def test_version_option(capsys):
    import geo

    assert run(capsys, "--version") == (0, f"disputed-maps {geo.__version__}\n", "")


def test_choices_are_listed_in_help(capsys):
    code, out, _ = run(capsys, "stats", "--help")
    assert code == 0
    for choice in ("governorate", "krg-area", "quarter", "parquet"):
        assert choice in out


# --- 10. one filter, one default ------------------------------------------------------------


def test_join_stats_build_share_one_default_filter(tmp_path, capsys, acled_csv):
    joined = tmp_path / "j.csv"
    code, out, _ = run(capsys, "join", acled_csv, "--out", joined)
    assert code == 0
    import pandas as pd

    ids = sorted(pd.read_csv(joined)["event_id"])
    assert ids == ["IRQ1", "IRQ3", "IRQ4"]  # IS-involved only, by default
    code, out, _ = run(capsys, "join", acled_csv, "--out", joined, "--all-events")
    assert sorted(pd.read_csv(joined)["event_id"]) == [f"IRQ{k}" for k in range(1, 6)]
    for cmd in ("build", "join", "stats"):
        code, out, _ = run(capsys, cmd, "--help")
        assert "--is-only" in out and "--all-events" in out


def test_event_types_match_without_case_everywhere():
    import pandas as pd

    from geo.incidents.filters import filter_mask

    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["2021-01-01", "2021-01-02"]),
            "event_type": ["Battles", "battles "],
            "is_match_rule": ["isis", ""],
        }
    )
    keep, _ = filter_mask(events, event_types=["BATTLES"])
    assert keep.tolist() == [True, True]
    from geo import pipeline

    assert not hasattr(pipeline, "_filter") or "filter_mask" in Path(pipeline.__file__).read_text(
        encoding="utf-8"
    )


# --- 11. one set of input options ----------------------------------------------------------


@pytest.mark.parametrize("cmd", ["build", "join", "stats", "incidents check"])
def test_every_reading_command_has_the_input_options(capsys, cmd):
    code, out, _ = run(capsys, *cmd.split(), "--help")
    assert code == 0
    for option in ("--format", "--lat", "--lon", "--date-format", "--fix-swapped"):
        assert option in out, (cmd, option)


def test_build_takes_a_file_that_check_takes(tmp_path, capsys):
    path = tmp_path / "plain.csv"
    path.write_text(
        "event_id,date,y,x,event_type,actor1,actor2\n1,03/08/2021,34.27,45.16,Battles,ISIS,\n",
        encoding="utf-8",
    )
    opts = ["--lat", "y", "--lon", "x", "--date-format", "%d/%m/%Y"]
    assert run(capsys, "incidents", "check", path, *opts)[0] == 0
    code, _out, err = run(capsys, "build", "seam", "-i", path, *opts, "--out", tmp_path / "o")
    assert (code, err) == (0, ""), err


# --- 12. a file that is not an incident table ----------------------------------------------


def test_check_readme_says_it_is_not_an_incident_table(capsys):
    code, _out, err = run(capsys, "incidents", "check", ROOT / "README.md")
    assert code == 5
    assert "not an incident table" in err and "truncated" not in err
    assert "column" in err


# --- README and --help agree --------------------------------------------------------------


def test_readme_exit_codes_match_the_errors():
    from geo import errors

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for cls in (
        errors.CatalogError,
        errors.SpecError,
        errors.InputError,
        errors.LimitError,
        errors.OutputError,
    ):
        assert re.search(rf"\|\s*{cls.exit_code}\s*\|", readme), cls
    assert re.search(r"\|\s*2\s*\|\s*usage", readme)


@pytest.mark.parametrize("cmd", ["build", "join", "stats", "incidents check", "incidents synth"])
def test_readme_lists_every_option_of_help(capsys, cmd):
    _code, out, _ = run(capsys, *cmd.split(), "--help")
    options = set(re.findall(r"(--[a-z][a-z-]+)", out)) - {"--help"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(o for o in options if o not in readme)
    assert missing == [], (cmd, missing)


def test_provenance_records_acled_and_synthetic_marks(tmp_path, capsys, acled_csv):
    joined = tmp_path / "j.geojson"
    assert run(capsys, "join", acled_csv, "--out", joined)[0] == 0
    data = json.loads(joined.read_text(encoding="utf-8"))
    (item,) = data["provenance"]["inputs"]
    assert item["acled"] is True and item["synthetic"] is False


# --- 14. a file truncated while it is loaded ------------------------------------------------


def test_file_truncated_during_load_is_an_input_error(tmp_path):
    """Load in a child process whose file shrinks mid-read: exit 5, never a signal."""
    import subprocess
    import sys

    path = tmp_path / "big.csv"
    path.write_text(acled_text(columns=CURRENT, date_form="iso") * 1, encoding="utf-8")
    script = f"""
import os, sys
from pathlib import Path
import geo.incidents.encoding as enc
from geo.cli import main
path = Path({str(path)!r})
real = os.fstat
calls = []
def shrinking(fd):
    st = real(fd)
    if not calls:  # the file is cut to half just after it was opened and sized
        calls.append(1)
        os.truncate(path, st.st_size // 2)
    return st
enc.os.fstat = shrinking
import mmap
_orig = mmap.mmap
def mapped(*a, **k):
    m = _orig(*a, **k)
    os.truncate(path, 10)
    return m
mmap.mmap = mapped
sys.exit(main(["incidents", "check", str(path)]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 5, (done.returncode, done.stderr[-500:])
    assert "changed while it was read" in done.stderr
