"""The one writer: atomic replace, no partial files, clear errors on unwritable folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from geo.errors import OutputError
from geo.write import atomic_path, sha256_file, write_bytes, write_text


def test_write_text_replaces_atomically(tmp_path):
    target = tmp_path / "sub" / "map.html"
    write_text(target, "first")
    write_text(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["map.html"]


def test_failed_body_leaves_previous_file(tmp_path):
    target = tmp_path / "t.gpkg"
    target.write_text("previous")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["t.gpkg"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_folder_is_a_clear_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="read-only"):
            write_text(ro / "x.html", "x")
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("code", ["EROFS", "EACCES"])
def test_read_only_filesystem_is_a_clear_error(tmp_path, monkeypatch, code):
    import errno
    import tempfile

    def refuse(*_a, **_k):
        raise OSError(getattr(errno, code), "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="read-only") as err:
        write_text(tmp_path / "x.html", "x")
    assert "--out" in err.value.one_line()


def test_unwritable_target_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match=r"cannot write .*file/x\.html"):
        write_text(blocker / "x.html", "x")


def test_full_disk_is_a_clear_error(tmp_path, monkeypatch):
    import errno

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="disk is full"):
        write_bytes(tmp_path / "x.bin", b"data")
    assert not (tmp_path / "x.bin").exists()


def test_sigkill_mid_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "map.html"
    target.write_text("previous map")
    child = textwrap.dedent(
        f"""
        import os, sys, time
        import geo.write as w
        real_fsync = os.fsync
        def slow(fd):
            print("writing", flush=True)
            time.sleep(30)
        os.fsync = slow
        w.write_text({str(target)!r}, "new map " * 100000)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert target.read_text() == "previous map"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "map.html"]
    assert all(name.startswith(".map.html.") and name.endswith(".part") for name in leftovers)


def test_sha256_file(tmp_path):
    p = tmp_path / "a"
    p.write_bytes(b"abc")
    assert sha256_file(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
