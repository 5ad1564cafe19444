"""Input files read ahead while the command starts (geo.prefetch), and what uses them."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys

import pytest

from geo import prefetch
from geo.cli import main
from geo.incidents import load_incidents
from geo.incidents.synth import write_synthetic


@pytest.fixture
def events_csv(tmp_path):
    path = tmp_path / "events.csv"
    write_synthetic(40, seed=3, out=path)
    return path


def test_a_prefetched_file_is_handed_out_once_with_its_sha256(events_csv):
    with prefetch.reading([events_csv]):
        got = prefetch.take(events_csv)
        assert got is not None
        assert got.data == events_csv.read_bytes()
        assert got.sha256 == hashlib.sha256(events_csv.read_bytes()).hexdigest()
        assert prefetch.take(events_csv) is None  # once only


def test_nothing_is_kept_after_the_block(events_csv):
    with prefetch.reading([events_csv]):
        pass
    assert prefetch.take(events_csv) is None


def test_a_file_changed_after_the_read_is_not_used(events_csv):
    with prefetch.reading([events_csv]):
        prefetch._files[os.path.abspath(events_csv)][0].wait()  # the read has finished
        with open(events_csv, "ab") as fh:
            fh.write(b"more\n")
        assert prefetch.take(events_csv) is None


def test_only_the_first_file_is_read_ahead(tmp_path, events_csv):
    second = tmp_path / "second.csv"
    second.write_bytes(events_csv.read_bytes())
    with prefetch.reading([tmp_path / "missing.csv", events_csv, second]):
        assert list(prefetch._files) == [os.path.abspath(events_csv)]
        assert prefetch.take(second) is None
        assert prefetch.take(events_csv) is not None


def test_folders_missing_files_and_parquet_are_left_to_the_loader(tmp_path, events_csv):
    parquet = tmp_path / "joined.parquet"
    parquet.write_bytes(b"PAR1")
    missing = tmp_path / "missing.csv"
    with prefetch.reading([tmp_path, missing, parquet]):
        assert prefetch._files == {}
        assert prefetch.take(parquet) is None and prefetch.take(missing) is None


def test_the_loader_takes_the_prefetched_bytes_and_loads_the_same(events_csv, monkeypatch):
    plain = load_incidents([events_csv], is_only=False)
    taken = []
    real_take = prefetch.take
    monkeypatch.setattr(prefetch, "take", lambda p: taken.append(real_take(p)) or taken[-1])
    with prefetch.reading([events_csv]):
        ahead = load_incidents([events_csv], is_only=False)
    assert taken and taken[0] is not None
    assert ahead.events.equals(plain.events)
    assert ahead.rejected.equals(plain.rejected)
    assert [d.sha256 for d in ahead.datasets] == [d.sha256 for d in plain.datasets]


def test_geo_join_reads_its_input_through_the_prefetch(tmp_path, events_csv, monkeypatch):
    taken = []
    real_take = prefetch.take
    monkeypatch.setattr(prefetch, "take", lambda p: taken.append(real_take(p)) or taken[-1])
    code = main(["join", str(events_csv), "--out", str(tmp_path / "j.parquet"), "--all-events"])
    assert code == 0
    assert len(taken) == 1 and taken[0] is not None
    assert prefetch._files == {}


def test_the_command_module_starts_without_pandas():
    """What makes the prefetch worth it: the libraries load after the read has begun."""
    probe = "import sys, geo.cli; print(sorted({'pandas', 'numpy'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_join_and_stats_read_their_first_file_from_the_start(events_csv, tmp_path):
    """``geo join FILE …``: read before the CLI loads; the command's block takes it over."""
    started = []
    real = prefetch._read
    try:
        prefetch._read = lambda *a: started.append(a[0]) or real(*a)
        prefetch.early(["join", str(events_csv), "--out", "j.parquet"])
        assert started == [str(events_csv)] and str(events_csv) in prefetch._files
        with prefetch.reading([events_csv]):  # adopts the read: no second one
            got = prefetch.take(events_csv)
        assert got is not None and got.data == events_csv.read_bytes()
        assert started == [str(events_csv)] and prefetch._files == {} and not prefetch._early
        for argv in (
            ["join", "--out", str(events_csv), str(events_csv)],  # an option first: left alone
            ["boundaries", "import", str(events_csv)],  # not an incident command
            ["stats", str(tmp_path)],  # a folder
            ["join"],
        ):
            prefetch.early(argv)
        assert started == [str(events_csv)] and prefetch._files == {}
    finally:
        prefetch._read = real
        prefetch._files.clear()
        prefetch._early.clear()


def test_python_m_geo_starts_the_read_before_the_command_line_library(events_csv, tmp_path):
    probe = (
        "import sys\n"
        "from geo import prefetch\n"
        "real = prefetch._read\n"
        "def read(*a):\n"
        "    print('read; typer loaded:', 'typer' in sys.modules, file=sys.stderr, flush=True)\n"
        "    real(*a)\n"
        "prefetch._read = read\n"
        "import geo.__main__ as entry\n"
        "sys.argv = ['geo', 'join', sys.argv[1], '--out', sys.argv[2]]\n"
        "entry.main()\n"  # ends the process (os._exit) with the command's code
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(events_csv), str(tmp_path / "j.parquet")],
        capture_output=True,
        text=True,
        check=True,
    )
    reads = [line for line in done.stderr.splitlines() if line.startswith("read;")]
    assert reads == ["read; typer loaded: False"]  # one read, begun before typer loaded
    assert (tmp_path / "j.parquet").exists()


def test_a_csv_is_parsed_ahead_as_the_loader_would(events_csv):
    from geo import arrowcsv
    from geo.incidents import acled

    data = events_csv.read_bytes()
    with prefetch.reading([events_csv]):
        got = prefetch.take(events_csv)
    assert got is not None and got.table is not None
    names = arrowcsv.first_names(data)
    read = [n for n in names if n in acled.COLUMNS]  # only what the ACLED reader reads
    assert got.table.column_names == read and len(read) < len(names)
    assert got.table.equals(arrowcsv.parse_lines(data, names, include=read))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bom.csv", "\ufeffa,b\n1,2\n"),
        ("ragged.csv", "a,b\n1,2,3\n"),
        ("points.geojson", '{"type": "FeatureCollection", "features": []}'),
    ],
)
def test_what_is_not_plain_csv_is_read_ahead_but_not_parsed(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    _read_but_not_parsed(path)


def test_a_file_too_large_to_parse_ahead_is_only_read(events_csv, monkeypatch):
    monkeypatch.setattr(prefetch, "PARSE_AHEAD_MAX_BYTES", 100)
    _read_but_not_parsed(events_csv)


def _read_but_not_parsed(path):
    with prefetch.reading([path]):
        got = prefetch.take(path)
    assert got is not None and got.data == path.read_bytes() and got.table is None


@pytest.mark.parametrize("kind", ["plain", "quoted newline", "bom", "read as a plain table"])
def test_the_loader_uses_the_parse_only_where_it_would_parse_the_same(tmp_path, kind, monkeypatch):
    from geo import arrowcsv

    path = tmp_path / "events.csv"
    write_synthetic(30, seed=4, out=path)
    text = path.read_text(encoding="utf-8")
    if kind == "quoted newline":  # the loader parses quote-aware: the fast parse is not used
        header, first, rest = text.split("\n", 2)
        cells = next(csv.reader([first]))
        cells[next(csv.reader([header])).index("notes")] = "two\nlines"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        text = f"{header}\n{buffer.getvalue()}{rest}"
    path.write_text(("\ufeff" if kind == "bom" else "") + text, encoding="utf-8")
    fmt = "csv" if kind == "read as a plain table" else "auto"  # wants every column
    plain = load_incidents([path], is_only=False, format=fmt)
    calls = []
    real = arrowcsv.parse_lines
    monkeypatch.setattr(arrowcsv, "parse_lines", lambda *a, **k: calls.append(1) or real(*a, **k))
    with prefetch.reading([path]):
        prefetch._files[os.path.abspath(path)][0].wait()  # the prefetch has parsed
        calls.clear()
        ahead = load_incidents([path], is_only=False, format=fmt)
    assert ahead.events.equals(plain.events)
    assert ahead.rejected.equals(plain.rejected)
    # parsed again by the loader where the prefetch's parse is not the one it needs
    assert len(calls) == {"plain": 0, "quoted newline": 0, "bom": 1}.get(kind, 1)
