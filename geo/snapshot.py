"""PNG snapshots of built maps through headless chromium (Playwright, an optional dependency)."""

from __future__ import annotations

from pathlib import Path

from geo.errors import GeoError
from geo.write import write_bytes

CHROMIUM = "/usr/bin/chromium"  # Debian's chromium; Playwright downloads no browser
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
READY = "window.__geoReady === true"


def screenshot(
    html_path: Path,
    png_path: Path,
    *,
    width: int = 1400,
    height: int = 900,
    browser: str = CHROMIUM,
    timeout_s: float = 60.0,
) -> Path:
    """Open a built map in headless chromium, wait until its layers are ready, save a PNG.

    Parameters
    ----------
    html_path
        The map page.
    png_path
        Where to write the PNG (atomically).
    width, height
        The viewport in CSS pixels.
    browser
        The chromium executable.
    timeout_s
        How long to wait for the page's ``window.__geoReady``.

    Raises
    ------
    GeoError
        When Playwright or chromium is missing, or the page never becomes ready.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise GeoError(
            "PNG snapshots need Playwright, which is not installed",
            hint="pip install 'disputed-maps[png]'",
        ) from exc
    if not Path(browser).exists():
        raise GeoError(f"no chromium at {browser}", hint="apt-get install chromium")
    page_url = Path(html_path).resolve().as_uri()
    try:
        with sync_playwright() as pw:
            chrome = pw.chromium.launch(executable_path=browser, args=list(CHROMIUM_ARGS))
            try:
                page = chrome.new_page(viewport={"width": width, "height": height})
                page.goto(page_url, wait_until="load")
                page.wait_for_function(READY, timeout=timeout_s * 1000)
                page.wait_for_timeout(300)  # let the last tiles and canvas frames paint
                png = page.screenshot(type="png")
            finally:
                chrome.close()
    except PlaywrightError as exc:
        raise GeoError(
            f"could not snapshot {html_path}: {str(exc).splitlines()[0]}",
            hint="open the page in a browser to see its console errors",
        ) from exc
    return write_bytes(png_path, png)
