"""Where the tool keeps things: data and asset caches, and the files it ships.

Caches live in the user cache directory unless ``GEO_DATA_DIR`` (boundaries
and everything else) or ``GEO_ASSETS_DIR`` (JavaScript/CSS) say otherwise.
Project-owned files (``boundaries/``, ``maps/``, ``samples/``) are read from
the installed wheel (``geo/_data``) or, in a source checkout, from the
repository root.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """Return the root of the tool's writable cache (``GEO_DATA_DIR`` or the user cache)."""
    env = os.environ.get("GEO_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("disputed-maps", appauthor=False))


def private_file(path: Path) -> bool:
    """Return True when ``path`` is the user's own file that nobody else may write.

    Caches that hold code or pickles are read only from such files.
    """
    info = path.stat()
    getuid = getattr(os, "getuid", None)  # POSIX only; elsewhere the folder's ACLs decide
    return getuid is None or (info.st_uid == getuid() and not info.st_mode & 0o022)


def boundaries_cache_dir() -> Path:
    """Return the folder holding fetched or imported boundary sources."""
    return data_dir() / "boundaries"


def assets_dir() -> Path:
    """Return the folder holding the pinned JavaScript/CSS files (``GEO_ASSETS_DIR``)."""
    env = os.environ.get("GEO_ASSETS_DIR")
    if env:
        return Path(env).expanduser()
    return data_dir() / "assets"


def offline() -> bool:
    """Return True when downloads are disabled (``GEO_OFFLINE=1``)."""
    return os.environ.get("GEO_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def resource(name: str) -> Path:
    """Return the path of a project-owned folder or file shipped with the package.

    Parameters
    ----------
    name
        A path relative to the project root, such as ``"boundaries/catalog.toml"``
        or ``"maps"``.

    Returns
    -------
    Path
        The file inside the installed wheel (``geo/_data/<name>``) or, when
        running from a source checkout, inside the repository.
    """
    packaged = _PACKAGE_DIR / "_data" / name
    if packaged.exists():
        return packaged
    checkout = _PACKAGE_DIR.parent / name
    if checkout.exists():
        return checkout
    raise FileNotFoundError(
        f"project file {name!r} is neither in the installed package ({packaged}) "
        f"nor in a source checkout ({checkout}); reinstall disputed-maps"
    )
