"""Pinned Leaflet/plugin files from the cache, inlined into pages.

``geo/assets.toml`` pins every third-party file a map loads: the URL folium
writes into the page (the key), the package version and path that hold the
same bytes, its sha256 and its licence. :func:`fetch` fills the cache
(``geo.paths.assets_dir()``, laid out as ``<package>@<version>/<path>``) from
``npm pack``, from a mirror with that same layout (a folder or an http(s)
base URL, e.g. a copied cache), or from the public CDN, checking every hash;
every download goes through :func:`geo.download.retrieve` (pooch).
Nothing third-party is ever committed to the repository.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.request import url2pathname

from geo import download
from geo.errors import AssetError, ChecksumError, DownloadError
from geo.paths import assets_dir, offline
from geo.write import write_bytes

AssetKind = Literal["script", "style", "image"]

OFFLINE_HINT = "run `geo assets fetch` once online, or copy an asset cache and set GEO_ASSETS_DIR"
_CDN = "https://cdn.jsdelivr.net/npm/{package}/{path}"
_CHECKSUM_HINT = "the source changed or is corrupt; use another mirror or report it"
_MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class Asset:
    """One pinned file: the URL pages name it by and where its bytes come from."""

    url: str
    package: str
    path: str
    kind: AssetKind
    sha256: str
    licence: str

    @property
    def cache_path(self) -> str:
        """Return the file's path inside a cache or mirror (``<package>/<path>``)."""
        return f"{self.package}/{self.path}"

    @property
    def mime(self) -> str:
        """Return the media type used when the file becomes a data URI."""
        return _MIME.get(Path(self.path).suffix.lower(), "application/octet-stream")


def manifest() -> dict[str, Asset]:
    """Return the pinned assets of ``geo/assets.toml``, keyed by URL."""
    with open(Path(__file__).with_name("assets.toml"), "rb") as fh:
        rows = tomllib.load(fh)["asset"]
    return {row["url"]: Asset(**row) for row in rows}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class AssetStatus:
    """What an asset cache holds: files present and valid, missing, or failing their hash."""

    folder: Path
    valid: tuple[str, ...]
    missing: tuple[str, ...]
    corrupt: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Return True when every pinned file is present and valid."""
        return not self.missing and not self.corrupt

    def summary(self) -> str:
        """Return a few lines for the terminal."""
        lines = [f"asset cache {self.folder}: {len(self.valid)} valid"]
        if self.missing:
            lines.append(f"{len(self.missing)} missing: {', '.join(self.missing)}")
        if self.corrupt:
            lines.append(f"{len(self.corrupt)} failing sha256: {', '.join(self.corrupt)}")
        if not self.complete:
            lines.append(f"maps will load these from the network; {OFFLINE_HINT}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AssetReport:
    """What :func:`fetch` did: where the files went and where they came from."""

    folder: Path
    fetched: tuple[str, ...]
    already: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]  # (package, "npm" | "folium" | mirror | "cdn")

    def summary(self) -> str:
        """Return a few lines for the terminal."""
        lines = [
            f"asset cache {self.folder}: fetched {len(self.fetched)}, "
            f"already valid {len(self.already)}"
        ]
        lines += [f"  {package} from {origin}" for package, origin in self.sources]
        return "\n".join(lines)


@dataclass
class AssetStore:
    """A cache folder read through the manifest; every file is hash-checked on first read."""

    folder: Path
    assets: dict[str, Asset] = field(default_factory=manifest)
    _memo: dict[str, bytes | None] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, folder: Path | None = None) -> AssetStore:
        """Return the store of ``folder`` (default: ``geo.paths.assets_dir()``)."""
        return cls(Path(folder) if folder is not None else assets_dir())

    @property
    def complete(self) -> bool:
        """Return True when every pinned file is cached and valid."""
        return all(self.data(url) is not None for url in self.assets)

    def fingerprint(self) -> str:
        """Return a short hash of the manifest and of which files are usable (for rebuilds)."""
        usable = [
            f"{u} {a.sha256} {self.data(u) is not None}" for u, a in sorted(self.assets.items())
        ]
        return _sha256("\n".join(usable).encode())[:16]

    def data(self, url: str) -> bytes | None:
        """Return the bytes of the asset pinned under ``url``, or None if absent or corrupt."""
        if url not in self._memo:
            asset = self.assets.get(url)
            file = self.folder / asset.cache_path if asset else None
            raw = file.read_bytes() if file is not None and file.is_file() else None
            ok = raw is not None and asset is not None and _sha256(raw) == asset.sha256
            self._memo[url] = raw if ok else None
        return self._memo[url]

    def text(self, url: str) -> str | None:
        """Return the asset under ``url`` as UTF-8 text, or None if absent or corrupt."""
        raw = self.data(url)
        return None if raw is None else raw.decode("utf-8")

    def data_uri(self, url: str) -> str | None:
        """Return the asset under ``url`` as a base64 ``data:`` URI, or None."""
        raw = self.data(url)
        if raw is None:
            return None
        return f"data:{self.assets[url].mime};base64,{base64.b64encode(raw).decode('ascii')}"

    def status(self) -> AssetStatus:
        """Return which pinned files this cache holds, lacks or holds corrupted."""
        valid, missing, corrupt = [], [], []
        for url, asset in sorted(self.assets.items()):
            if self.data(url) is not None:
                valid.append(url)
            elif (self.folder / asset.cache_path).is_file():
                corrupt.append(url)
            else:
                missing.append(url)
        return AssetStatus(self.folder, tuple(valid), tuple(missing), tuple(corrupt))


def store(folder: Path | None = None) -> AssetStore:
    """Return the asset store of ``folder`` (default: ``geo.paths.assets_dir()``)."""
    return AssetStore.open(folder)


def status(folder: Path | None = None) -> AssetStatus:
    """Return what the asset cache holds (see :class:`AssetStatus`)."""
    return store(folder).status()


def load(url: str) -> str | None:
    """Return the cached, hash-checked text of the asset pinned under ``url``, or None."""
    return store().text(url)


def _from_npm(package: str, npm: str) -> dict[str, bytes]:
    """Return every file of ``npm pack package`` keyed by its path inside the package."""
    with tempfile.TemporaryDirectory(prefix="geo-npm-") as tmp:
        done = subprocess.run(
            [npm, "pack", package, "--silent", "--fetch-timeout=20000", "--fetch-retries=1"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise OSError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
        files: dict[str, bytes] = {}
        with tarfile.open(tarballs[0]) as tar:
            for member in tar.getmembers():
                handle = tar.extractfile(member) if member.isfile() else None
                if handle is not None:
                    files[member.name.split("/", 1)[1]] = handle.read()
        return files


def _from_folium(path: str) -> bytes:
    spec = importlib.util.find_spec("folium")
    if spec is None or spec.origin is None:
        raise OSError("folium is not installed")
    return (Path(spec.origin).parent / path).read_bytes()


def _is_url(mirror: str) -> bool:
    return mirror.startswith(("http://", "https://"))


def _mirror_folder(mirror: str) -> Path:
    """Return the folder of a folder or ``file://`` mirror."""
    if mirror.startswith("file://"):
        return Path(url2pathname(urllib.parse.urlparse(mirror).path))
    return Path(mirror).expanduser()


def _store_bytes(folder: Path, asset: Asset, data: bytes, origin: str) -> None:
    """Write one asset's bytes into the cache after checking its pinned sha256."""
    if _sha256(data) != asset.sha256:
        raise AssetError(
            f"{asset.cache_path} from {origin} has sha256 {_sha256(data)[:16]}…, "
            f"expected {asset.sha256[:16]}… (pinned in geo/assets.toml)",
            hint=_CHECKSUM_HINT,
        )
    write_bytes(folder / asset.cache_path, data)


def _store_url(folder: Path, asset: Asset, url: str) -> None:
    """Download one asset into the cache through :func:`geo.download.retrieve`.

    Raises
    ------
    AssetError
        If the file that arrives fails its pinned sha256 (it is not stored).
    DownloadError
        If the server cannot be reached or answers with an HTTP error.
    """
    target = folder / asset.cache_path
    try:
        download.retrieve(
            url,
            directory=target.parent,
            fname=target.name,
            sha256=asset.sha256,
            hint=OFFLINE_HINT,
            checksum_hint=_CHECKSUM_HINT,
        )
    except ChecksumError as exc:
        raise AssetError(
            f"{asset.cache_path}: {exc.message} (pinned in geo/assets.toml)",
            hint=_CHECKSUM_HINT,
        ) from exc


def fetch(*, dest: Path | None = None, mirror: str | None = None) -> AssetReport:
    """Fill the asset cache with every pinned file, checking each sha256.

    Per package the bytes come from ``mirror`` when given (a folder or an
    http(s)/file URL laid out like the cache), else from ``npm pack`` when
    ``npm`` is on PATH, else from the public CDN. folium's bundled heat plugin
    is read from the installed folium. Files already cached and valid are kept.

    Parameters
    ----------
    dest
        The cache folder (default: ``geo.paths.assets_dir()``).
    mirror
        A folder or base URL holding ``<package>@<version>/<path>`` files.

    Returns
    -------
    AssetReport
        What was fetched, what was already there and where each package came from.

    Raises
    ------
    AssetError
        When a file fails its hash check, or when a package can be reached
        nowhere (offline, or ``GEO_OFFLINE=1`` without a mirror).
    """
    folder = Path(dest) if dest is not None else assets_dir()
    target = AssetStore(folder)
    by_package: dict[str, list[Asset]] = {}
    for asset in sorted(target.assets.values(), key=lambda a: (a.package, a.path)):
        by_package.setdefault(asset.package, []).append(asset)
    npm = shutil.which("npm")
    fetched: list[str] = []
    already: list[str] = []
    sources: list[tuple[str, str]] = []
    for package, assets in by_package.items():
        todo = [a for a in assets if target.data(a.url) is None]
        already.extend(a.url for a in assets if a not in todo)
        if not todo:
            continue
        sources.append((package, _package_files(package, todo, folder, npm=npm, mirror=mirror)))
        fetched.extend(a.url for a in todo)
    return AssetReport(folder, tuple(fetched), tuple(sorted(already)), tuple(sources))


def _package_files(
    package: str, todo: list[Asset], folder: Path, *, npm: str | None, mirror: str | None
) -> str:
    """Store the files of ``todo`` in ``folder``, each hash-checked; return where they came from.

    Raises
    ------
    AssetError
        If a file fails its hash, or the package can be reached nowhere.
    """
    if package.startswith("folium@"):
        version = package.split("@", 1)[1]
        installed = importlib.metadata.version("folium")
        if installed != version:
            raise AssetError(
                f"the heat plugin is pinned to folium {version}, but folium {installed} "
                "is installed",
                hint=f"install folium=={version}",
            )
        try:
            files = {a.path: _from_folium(a.path) for a in todo}
        except OSError as exc:
            msg = f"cannot read {package} files: {exc}"
            raise AssetError(msg, hint="reinstall folium") from exc
        for asset in todo:
            _store_bytes(folder, asset, files[asset.path], "folium")
        return "folium"
    if mirror is not None:
        _from_mirror(package, todo, folder, mirror)
        return mirror
    if offline():
        raise AssetError(f"cannot fetch {package}: GEO_OFFLINE is set", hint=OFFLINE_HINT)
    errors: list[str] = []
    if npm is not None:
        try:
            files = _from_npm(package, npm)
            missing = [a.path for a in todo if a.path not in files]
            if not missing:
                for asset in todo:
                    _store_bytes(folder, asset, files[asset.path], "npm")
                return "npm"
            errors.append(f"npm pack lacks {', '.join(missing)}")
        except (OSError, subprocess.SubprocessError) as exc:
            errors.append(f"npm pack failed ({exc})" if str(exc) else "npm pack failed")
    try:
        for asset in todo:
            _store_url(folder, asset, _CDN.format(package=package, path=asset.path))
        return "cdn"
    except DownloadError as exc:
        errors.append(f"CDN unreachable ({exc.message})")
    raise AssetError(f"cannot fetch {package}: {'; '.join(errors)}", hint=OFFLINE_HINT)


def _from_mirror(package: str, todo: list[Asset], folder: Path, mirror: str) -> None:
    """Store the files of ``todo`` from a mirror laid out like the cache (a folder or URL)."""
    hint = "copy a complete asset cache there, or fetch without --mirror"
    if _is_url(mirror):
        try:
            for asset in todo:
                _store_url(folder, asset, f"{mirror.rstrip('/')}/{asset.cache_path}")
        except DownloadError as exc:
            raise AssetError(f"mirror {mirror} lacks {package}: {exc.message}", hint=hint) from exc
        return
    try:
        files = {a.path: (_mirror_folder(mirror) / a.cache_path).read_bytes() for a in todo}
    except OSError as exc:
        raise AssetError(f"mirror {mirror} lacks {package}: {exc}", hint=hint) from exc
    for asset in todo:
        _store_bytes(folder, asset, files[asset.path], mirror)


__all__ = [
    "OFFLINE_HINT",
    "Asset",
    "AssetReport",
    "AssetStatus",
    "AssetStore",
    "fetch",
    "load",
    "manifest",
    "status",
    "store",
]
