"""The one writer: atomic, deterministic writes of text and bytes to disk.

Every output goes to a temporary file in the target's own folder, is flushed
and fsynced, then moved over the final name with :func:`os.replace`, so a
reader never sees a half-written file and an interrupted build leaves the
previous output intact.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from geo.errors import OutputError


def sha256_file(path: Path, *, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _explain(path: Path, exc: OSError) -> OutputError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "the folder is read-only or not yours"
        hint = "choose another folder with --out, or fix its permissions"
    elif exc.errno == errno.ENOSPC:
        reason = "the disk is full"
        hint = "free some space or write to another disk with --out"
    else:
        reason = exc.strerror or str(exc)
        hint = "check that the folder exists and can be written"
    return OutputError(f"cannot write {path}: {reason}", hint=hint)


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it over ``path``.

    Use it for writers that insist on a file name (GeoPackage, Parquet). The
    temporary file is removed if the body raises.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
        os.close(fd)
    except OSError as exc:
        raise _explain(target, exc) from exc
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as pyogrio refuse to overwrite
    try:
        yield tmp
        if tmp.exists():
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise _explain(target, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    target = Path(path)
    with atomic_path(target) as tmp:
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise _explain(target, exc) from exc
    return target


def write_text(path: Path | str, text: str) -> Path:
    """Write ``text`` as UTF-8 bytes, atomically (line ends are kept as given)."""
    return write_bytes(path, text.encode("utf-8"))
