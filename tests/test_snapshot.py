"""The validated-boundary snapshot and the cached project layers: same layers, faster."""

from __future__ import annotations

import shutil

import pytest

from geo import boundaries, layers
from geo.boundaries import load as bload
from geo.boundaries import validated
from geo.types import ProjectLayers

FRAMES = [
    "disputed_unami",
    "disputed_wide",
    "krg_area",
    "krg_line",
    "hamrin_area",
    "hamrin_ridge",
    "hamrin_dam",
    "places",
]


def _fresh_load() -> ProjectLayers:
    """Load boundaries and project layers as a new process would (no in-process caches)."""
    bload._load_cache.cache_clear()
    layers._PROJECT_LAYERS.clear()
    return layers.project_layers(boundaries.load_boundaries())


def _assert_same(a: ProjectLayers, b: ProjectLayers) -> None:
    for level in ("country", "governorates", "districts", "subdistricts"):
        fa, fb = getattr(a.boundaries, level), getattr(b.boundaries, level)
        assert fa.equals(fb), level  # geometries compare exactly (WKB round trip)
        assert fa.crs == fb.crs
    for name in FRAMES:
        fa, fb = getattr(a, name), getattr(b, name)
        assert fa.equals(fb) and fa.crs == fb.crs, name
    assert a.notes == b.notes and a.boundaries.report == b.boundaries.report


@pytest.fixture
def imported(cod_ab_dir):
    boundaries.import_boundaries(cod_ab_dir)
    return cod_ab_dir


def test_a_second_load_reads_the_snapshot_and_gives_the_same_layers(imported, monkeypatch):
    first = _fresh_load()
    assert first.boundaries.snapshot is not None
    folder = first.boundaries.snapshot[0]
    assert {p.name for p in folder.iterdir()} == {"boundaries.pickle", "project-layers.pickle"}

    def refuse(*args, **kwargs):
        raise AssertionError("validated or derived again although the snapshot is current")

    monkeypatch.setattr(bload, "read_source", refuse)
    monkeypatch.setattr(layers, "disputed_zone", refuse)
    second = _fresh_load()
    _assert_same(first, second)
    assert second.boundaries is not first.boundaries


def test_a_corrupt_or_stale_snapshot_is_validated_again(imported):
    first = _fresh_load()
    folder = first.boundaries.snapshot[0]
    (folder / "boundaries.pickle").write_bytes(b"not a pickle")
    (folder / "project-layers.pickle").write_bytes(b"\x80\x05junk")
    again = _fresh_load()
    _assert_same(first, again)
    key = again.boundaries.snapshot[1]
    assert validated.read(folder.parent, key) is not None  # written anew
    assert validated.read(folder.parent, "another key") is None


def test_editing_a_project_definition_changes_the_layers_key(imported, tmp_path, monkeypatch):
    b = _fresh_load().boundaries
    copy = tmp_path / "boundaries"
    shutil.copytree(layers.paths.resource("boundaries"), copy)
    monkeypatch.setattr(layers.paths, "resource", lambda name: tmp_path / name)
    validated.code_fingerprint.cache_clear()
    before = layers._stored_key(b)
    with (copy / "hamrin.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n# an edit\n")
    validated.code_fingerprint.cache_clear()
    assert layers._stored_key(b) != before
    validated.code_fingerprint.cache_clear()


def test_boundaries_read_from_a_folder_are_not_cached(cod_ab_dir):
    b = boundaries.load_boundaries(path=cod_ab_dir)
    assert b.snapshot is None and layers._stored_key(b) is None


def test_a_snapshot_others_may_write_is_not_read(imported):
    first = _fresh_load()
    folder, key = first.boundaries.snapshot
    pickled = folder / "boundaries.pickle"
    assert validated.read(folder.parent, key) is not None
    pickled.chmod(0o666)
    assert validated.read(folder.parent, key) is None
    pickled.chmod(0o644)
    assert validated.read(folder.parent, key) is not None
