"""Tests of geo.download: pooch fetch with size and sha256 checks, one-line errors."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import pytest

from geo import download
from geo.errors import ChecksumError, DownloadError


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / "a.txt").write_bytes(b"hello\n")
    handler = functools.partial(_Quiet, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


SHA = hashlib.sha256(b"hello\n").hexdigest()


def get(url, tmp_path, **pins):
    pins = {"sha256": SHA, "size": 6, **pins}
    return download.retrieve(
        url, directory=tmp_path / "cache", fname="a.txt", hint="HINT", checksum_hint="CHK", **pins
    )


def test_a_pinned_file_is_downloaded_once(server, tmp_path):
    path = get(f"{server}/a.txt", tmp_path)
    assert path == tmp_path / "cache" / "a.txt" and path.read_bytes() == b"hello\n"
    assert get(f"{server}/gone.txt", tmp_path) == path  # cached and valid: no request


@pytest.mark.parametrize(
    ("pins", "needle"),
    [({"size": 7}, "has 6 bytes, expected 7"), ({"sha256": "0" * 64}, f"has sha256 {SHA}")],
)
def test_a_file_that_differs_from_its_pins_is_not_stored(server, tmp_path, pins, needle):
    with pytest.raises(ChecksumError) as info:
        get(f"{server}/a.txt", tmp_path, **pins)
    assert needle in info.value.message and info.value.hint == "CHK"
    assert not (tmp_path / "cache" / "a.txt").exists()


def test_http_errors_and_unreachable_servers_are_one_line(server, tmp_path):
    with pytest.raises(DownloadError) as info:
        get(f"{server}/missing.txt", tmp_path)
    assert "HTTP 404" in info.value.message and info.value.hint == "HINT"
    with pytest.raises(DownloadError, match="cannot be reached"):
        get("http://127.0.0.1:9/a.txt", tmp_path)


def test_commands_that_download_nothing_never_import_requests_or_pooch():
    """`geo join`'s and `geo build`'s modules leave the HTTP libraries to a download."""
    import subprocess
    import sys

    code = (
        "import sys; import geo.analysis, geo.pipeline, geo.boundaries.store, geo.assets; "
        "print(sorted({'requests', 'pooch', 'urllib3'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
