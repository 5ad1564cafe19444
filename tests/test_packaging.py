"""The wheel ships what the tool reads at run time: specs, catalog, layers, sample, static JS."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import geo
from geo.paths import resource

ROOT = Path(__file__).resolve().parents[1]
NEEDED = [
    "geo/_data/maps/iraq-overview.toml",
    "geo/_data/maps/diyala-hamrin.toml",
    "geo/_data/maps/timeline.toml",
    "geo/_data/maps/seam.toml",
    "geo/_data/boundaries/catalog.toml",
    "geo/_data/boundaries/disputed.toml",
    "geo/_data/boundaries/hamrin.toml",
    "geo/_data/boundaries/places.csv",
    "geo/_data/boundaries/outline.csv",
    "geo/_data/samples/incidents_documented.csv",
    "geo/assets.toml",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("not running from a source checkout")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
    )
    (whl,) = out.glob("disputed_maps-*.whl")
    return zipfile.ZipFile(whl)


@pytest.mark.slow
def test_wheel_ships_runtime_files(wheel):
    names = set(wheel.namelist())
    missing = [n for n in NEEDED if n not in names]
    assert not missing, f"missing from the wheel: {missing}"
    assert any(n.startswith("geo/render/static/") and n.endswith(".js") for n in names)
    assert not any(
        "leaflet" in n.lower() and n.endswith((".js", ".css")) and "static" not in n for n in names
    ), "third-party JS/CSS must not be packaged"


@pytest.mark.slow
def test_wheel_ships_every_template(wheel):
    templates = sorted(p.name for p in (ROOT / "geo/render/templates").glob("*.html.j2"))
    assert "panel.html.j2" in templates
    names = set(wheel.namelist())
    assert [t for t in templates if f"geo/render/templates/{t}" not in names] == []


def test_installed_package_finds_its_files():
    for name in ("maps", "boundaries/catalog.toml", "samples/incidents_documented.csv"):
        path = resource(name)
        assert path.exists()
        if "site-packages" in geo.__file__:
            assert "_data" in path.parts, f"{name} should come from the wheel, got {path}"


@pytest.mark.slow
def test_wheel_ships_the_typed_marker(wheel):
    assert "geo/py.typed" in set(wheel.namelist())
