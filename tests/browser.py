"""Browser test harness: headless Debian chromium via Playwright (inputs: ``fixtures.py``).

The fixtures ``chromium`` and ``open_page`` are registered in ``conftest.py``::

    @pytest.mark.browser
    def test_x(open_page, tmp_path):
        page, errors, dialogs = open_page(tmp_path / "map.html")

``open_page`` opens a file:// URL; every http(s) request is intercepted:
basemap tile requests get a transparent 1x1 PNG, anything else is aborted and
recorded in ``errors`` as ``"blocked request: URL"`` (so ``errors == []`` also
proves the page needs no CDN). Console errors and uncaught page errors are
collected; dialogs (``alert`` …) are recorded and dismissed. The page has
waited for ``window.__geoReady`` (up to 15 s) but does not fail if it never
came: assert ``ready(page)``.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from geo.snapshot import CHROMIUM, CHROMIUM_ARGS

TRANSPARENT_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
_TILE = re.compile(r"/\d+/\d+/\d+(@2x)?\.png(\?.*)?$")

OpenPage = Callable[[Path], tuple[object, list[str], list[str]]]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A session-wide headless chromium; skip when Playwright or chromium is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium) -> Iterator[OpenPage]:
    """Return ``open(path) -> (page, console_errors, dialogs)``; pages close after the test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})

    def route(r) -> None:
        url = r.request.url
        if _TILE.search(url.split("#", 1)[0]):
            r.fulfill(status=200, content_type="image/png", body=TRANSPARENT_PNG)
        else:
            blocked.append(f"blocked request: {url}")
            r.abort()

    blocked: list[str] = []
    context.route(re.compile(r"^https?://"), route)

    def open_(path: Path) -> tuple[object, list[str], list[str]]:
        page = context.new_page()
        errors = blocked  # blocked requests count as errors
        dialogs: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

        def on_dialog(dialog) -> None:
            dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        with contextlib.suppress(Exception):  # the test asserts ready(page) itself
            page.wait_for_function("window.__geoReady === true", timeout=15_000)
        return page, errors, dialogs

    yield open_
    context.close()


def ready(page) -> bool:
    """Return True when the page's map script ran to its end (``window.__geoReady``)."""
    return bool(page.evaluate("window.__geoReady === true"))
