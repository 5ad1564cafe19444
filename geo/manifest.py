"""Which pages are up to date: fingerprints of code and inputs, the manifest beside the pages."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import geo
from geo.render.safe import script_json
from geo.write import write_text

MANIFEST = ".geo-manifest.json"
_BUILT = "_built"  # the manifest member holding each page's build date


@dataclass(frozen=True)
class Manifest:
    """Which inputs each page in an output folder was last built from.

    One key per map name: a fingerprint of everything the page depends on.
    A page whose key matches and whose files exist is left as it is. ``built``
    keeps the build date each page shows, so the index of a later build shows
    the same date as a page it left unchanged.
    """

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    built: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, out_dir: Path) -> Manifest:
        """Return the manifest of ``out_dir`` (empty when missing or unreadable)."""
        path = out_dir / MANIFEST
        try:
            keys = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            keys = {}
        keys = keys if isinstance(keys, dict) else {}
        built = keys.pop(_BUILT, {})
        return cls(path, keys, built if isinstance(built, dict) else {})

    def is_fresh(self, name: str, key: str, *files: Path) -> bool:
        """Return whether map ``name`` was built from ``key`` and all its ``files`` exist."""
        return self.keys.get(name) == key and all(f.exists() for f in files)

    def record(self, name: str, key: str, built: str) -> None:
        """Note that map ``name`` is now built from ``key``, on the date ``built``."""
        self.keys[name] = key
        self.built[name] = built

    def write(self) -> Path:
        """Write the manifest (atomically) and return its path."""
        data = {**self.keys, _BUILT: self.built}
        return write_text(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")


@functools.cache
def code_fingerprint() -> str:
    """Return a hash of the installed package's code and static files.

    A page depends on the code that drew it, so a changed tool (even at the
    same version number, as in a development checkout) rebuilds every map.
    """
    root = Path(geo.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".js", ".css", ".toml", ".j2"} and "_data" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(*parts: object) -> str:
    """Return the sha256 of the parts' text (their order counts)."""
    return hashlib.sha256(script_json([str(p) for p in parts]).encode()).hexdigest()
