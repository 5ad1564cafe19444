"""``geo doctor``: say what is ready and what to run next for anything missing."""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass

from geo.errors import GeoError
from geo.paths import data_dir, offline

CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        """Return the check as one line, with the fix when it failed."""
        mark = "ok     " if self.ok else "missing"
        text = f"[{mark}] {self.name}: {self.detail}"
        return text if self.ok or not self.fix else f"{text}\n          next: {self.fix}"


def _boundaries() -> Check:
    from geo import boundaries

    env = os.environ.get("GEO_BOUNDARIES")
    if env:
        return Check("boundaries", True, f"GEO_BOUNDARIES={env}")
    try:
        cached = boundaries.cached_sources()
    except GeoError as exc:
        return Check("boundaries", False, exc.one_line(), "geo boundaries import PATH")
    if cached:
        b = boundaries.load_boundaries(cached[0])
        return Check(
            "boundaries",
            True,
            f"{b.source.title}, version {b.source.version} (cached: {', '.join(cached)})",
        )
    return Check(
        "boundaries",
        False,
        "none cached: maps will use the approximate schematic fallback",
        "geo boundaries import PATH (an OCHA COD-AB folder or zip) or "
        "geo boundaries fetch (geoBoundaries, needs a connection)",
    )


def _assets() -> Check:
    from geo import assets

    st = assets.status()
    if st.complete:
        return Check("offline assets", True, st.summary().splitlines()[0])
    return Check(
        "offline assets",
        False,
        st.summary().splitlines()[0],
        "geo assets fetch (once, with a connection or an npm registry)",
    )


def _browser() -> Check:
    has_pw = importlib.util.find_spec("playwright") is not None
    has_chromium = shutil.which("chromium") is not None or os.path.exists(CHROMIUM)
    if has_pw and has_chromium:
        return Check("browser for PNGs", True, f"playwright and {CHROMIUM}")
    missing = [n for n, ok in (("playwright", has_pw), ("chromium", has_chromium)) if not ok]
    return Check(
        "browser for PNGs",
        False,
        f"{' and '.join(missing)} not found (only `geo build --png` needs it)",
        "pip install 'disputed-maps[png]' and apt-get install chromium",
    )


def _sample() -> Check:
    from geo.incidents import sample_path

    try:
        path = sample_path()
    except FileNotFoundError as exc:
        return Check("sample incidents", False, str(exc), "reinstall disputed-maps")
    return Check("sample incidents", True, f"{path.name} (documented events with sources)")


def _incidents() -> Check:
    from geo.incidents import store

    versions = store.cached_ucdp()
    acled = store.cached_acled()
    extra = f"; also cached: {acled.describe()}" if acled is not None else ""
    if versions:
        newest = versions[0]
        return Check(
            "incident data",
            True,
            f"{newest.describe()} (used by `geo build` without --incidents){extra}",
        )
    return Check(
        "incident data",
        False,
        "none cached: `geo build` uses the shipped sample" + extra,
        store.SAMPLE_NEXT,
    )


def checks() -> list[Check]:
    """Run every check and return them in a fixed order."""
    return [_boundaries(), _assets(), _browser(), _sample(), _incidents()]


def report() -> str:
    """Return the doctor's report as text."""
    lines = [
        f"data folder: {data_dir()}" + ("  (downloads off: GEO_OFFLINE=1)" if offline() else "")
    ]
    lines += [c.line() for c in checks()]
    return "\n".join(lines)
