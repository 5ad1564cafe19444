"""Input files read ahead while the command starts (geo.prefetch), and what uses them."""

from __future__ import annotations

import hashlib
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
