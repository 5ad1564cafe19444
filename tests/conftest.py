"""Shared fixtures: the real data in ../shared/data (skipped where absent) and an isolated cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check results, never speed: no per-example deadline on a busy machine.
settings.register_profile("geo", deadline=None)
settings.load_profile("geo")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("GEO_SHARED_DATA", ROOT.parent / "shared" / "data"))
COD_AB = SHARED_DATA / "boundaries" / "ocha-cod-ab"
UCDP_CSV = SHARED_DATA / "incidents" / "ucdp_ged_iraq_1989-2018.csv"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets an empty cache and no network, unless it asks otherwise."""
    base = tmp_path_factory.mktemp("geo-data")
    monkeypatch.setenv("GEO_DATA_DIR", str(base))
    monkeypatch.setenv("GEO_OFFLINE", "1")
    # Keep a pre-filled asset cache if the developer or CI has one.
    if "GEO_ASSETS_DIR" not in os.environ:
        monkeypatch.setenv("GEO_ASSETS_DIR", str(base / "assets"))
    monkeypatch.delenv("GEO_BOUNDARIES", raising=False)


@pytest.fixture(scope="session")
def cod_ab_dir() -> Path:
    """The real OCHA COD-AB folder, read-only; skip where it is absent."""
    if not (COD_AB / "irq_admbnda_adm1_cso_20190603.geojson").exists():
        pytest.skip(f"real COD-AB boundaries not found at {COD_AB} (../shared/data is absent)")
    return COD_AB


@pytest.fixture(scope="session")
def ucdp_csv() -> Path:
    """The real UCDP GED Iraq CSV, read-only; skip where it is absent."""
    if not UCDP_CSV.exists():
        pytest.skip(f"real UCDP GED file not found at {UCDP_CSV} (../shared/data is absent)")
    return UCDP_CSV


@pytest.fixture(scope="session")
def offline_assets(tmp_path_factory):
    """A complete asset cache (``geo.assets.AssetStore``) for pages that must work offline.

    Uses ``GEO_TEST_ASSETS_DIR`` when set (a pre-filled cache), else fetches
    into a session folder (``npm pack``). Skips when fetching fails, unless
    ``CI`` is set: there it fails.
    """
    from geo import assets
    from geo.errors import AssetError

    given = os.environ.get("GEO_TEST_ASSETS_DIR")
    if given:
        store = assets.AssetStore.open(Path(given))
        status = store.status()
        if not status.complete:
            pytest.fail(f"GEO_TEST_ASSETS_DIR={given} is incomplete:\n{status.summary()}")
        return store
    folder = tmp_path_factory.mktemp("assets")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.delenv("GEO_OFFLINE", raising=False)
            assets.fetch(dest=folder)
    except AssetError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the offline assets: {exc.one_line()}")
        pytest.skip(f"offline assets unavailable ({exc.one_line()}); set GEO_TEST_ASSETS_DIR")
    return assets.AssetStore.open(folder)


# The browser harness's fixtures (`chromium`, `open_page`) for every test module.
from browser import chromium, open_page  # noqa: E402, F401
