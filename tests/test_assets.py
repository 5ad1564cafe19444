"""The pinned asset cache: manifest, fetch (mirror, offline, hash mismatch), status, load."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin

import folium
import pytest
from folium.plugins import Fullscreen, HeatMap, MarkerCluster, MeasureControl, MiniMap, Search

from geo import assets
from geo.errors import AssetError


def test_manifest_covers_every_url_our_maps_load():
    pinned = assets.manifest()
    wanted = [folium.Map.default_js[0], folium.Map.default_css[0]]
    for plugin in (MarkerCluster, HeatMap, Fullscreen, MiniMap, MeasureControl, Search):
        wanted += plugin.default_js + plugin.default_css
    for _name, url in wanted:
        assert url in pinned, url


def test_manifest_entries_are_pinned_and_licensed():
    for url, a in assets.manifest().items():
        assert url.startswith("https://")
        assert re.fullmatch(r"[0-9a-f]{64}", a.sha256), url
        assert re.fullmatch(r"[@\w.-]+@\d+\.\d+\.\d+", a.package), url
        assert a.licence and a.kind in {"script", "style", "image"}


def test_empty_cache_status_lists_everything_missing(tmp_path):
    status = assets.status(tmp_path)
    assert not status.complete and status.valid == ()
    assert set(status.missing) == set(assets.manifest())
    assert "geo assets fetch" in status.summary()


def test_fetch_offline_names_the_fix(tmp_path):
    with pytest.raises(AssetError) as err:
        assets.fetch(dest=tmp_path)  # GEO_OFFLINE=1 from the autouse fixture
    assert "GEO_OFFLINE" in str(err.value)
    assert "geo assets fetch" in err.value.one_line() and "GEO_ASSETS_DIR" in str(err.value)


def test_fetch_from_a_mirror_folder_fills_and_verifies(offline_assets, tmp_path):
    dest = tmp_path / "cache"
    report = assets.fetch(dest=dest, mirror=str(offline_assets.folder))
    assert set(report.fetched) == set(assets.manifest())
    assert assets.status(dest).complete
    again = assets.fetch(dest=dest, mirror=str(offline_assets.folder))
    assert again.fetched == () and set(again.already) == set(assets.manifest())
    assert "fetched 0" in again.summary()


def test_fetch_rejects_a_file_with_the_wrong_hash(offline_assets, tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(offline_assets.folder, mirror)
    target = mirror / "leaflet@1.9.3" / "dist" / "leaflet.js"
    target.write_bytes(target.read_bytes() + b"\n// tampered")
    with pytest.raises(AssetError, match=r"leaflet@1\.9\.3/dist/leaflet\.js .*sha256"):
        assets.fetch(dest=tmp_path / "cache", mirror=str(mirror))
    assert not (tmp_path / "cache" / "leaflet@1.9.3" / "dist" / "leaflet.js").exists()


def test_fetch_from_a_local_http_mirror(offline_assets, tmp_path):
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(offline_assets.folder)
    )
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        mirror = f"http://127.0.0.1:{server.server_address[1]}/"
        assets.fetch(dest=tmp_path / "cache", mirror=mirror)
    finally:
        server.shutdown()
        server.server_close()
    assert assets.status(tmp_path / "cache").complete


def test_status_flags_a_corrupt_file_and_load_refuses_it(offline_assets, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    shutil.copytree(offline_assets.folder, cache)
    css = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
    monkeypatch.setenv("GEO_ASSETS_DIR", str(cache))
    assert assets.load(css).startswith("/*")
    (cache / assets.manifest()[css].cache_path).write_text("tampered")
    status = assets.status()
    assert status.corrupt == (css,) and not status.complete
    assert assets.load(css) is None
    assert "failing sha256" in status.summary()


def test_every_stylesheet_image_is_pinned(offline_assets):
    pinned = assets.manifest()
    for url, a in pinned.items():
        if a.kind != "style":
            continue
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", offline_assets.text(url)):
            if not ref.startswith(("#", "data:")):
                assert urljoin(url, ref) in pinned, (url, ref)


def test_fingerprint_changes_with_the_cache(offline_assets, tmp_path):
    empty = assets.AssetStore.open(tmp_path)
    assert empty.fingerprint() != offline_assets.fingerprint()
    assert offline_assets.complete and not empty.complete
    assert isinstance(Path(offline_assets.folder), Path)


def test_an_http_mirror_with_a_wrong_file_is_refused(offline_assets, tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(offline_assets.folder, mirror)
    target = mirror / "leaflet@1.9.3" / "dist" / "leaflet.js"
    target.write_bytes(target.read_bytes() + b"\n// tampered")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(mirror))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with pytest.raises(AssetError, match=r"leaflet@1\.9\.3/dist/leaflet\.js: .*sha256"):
            assets.fetch(dest=tmp_path / "cache", mirror=url)
    finally:
        server.shutdown()
        server.server_close()
    assert not (tmp_path / "cache" / "leaflet@1.9.3" / "dist" / "leaflet.js").exists()


def test_a_file_url_mirror_is_read_as_a_folder(offline_assets, tmp_path):
    assets.fetch(dest=tmp_path / "cache", mirror=offline_assets.folder.resolve().as_uri())
    assert assets.status(tmp_path / "cache").complete
