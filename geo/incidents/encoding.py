"""Read a text file's bytes and return them as UTF-8, detecting the encoding.

Files are memory-mapped rather than copied (:func:`read_content`): a large
CSV is then hashed, counted and parsed straight from the operating system's
file cache. UTF-8 (with or without a byte-order mark) is tried first and
costs one decode. Only when that fails is charset-normalizer asked;
Windows-1256 (Arabic, as saved by Excel on Arabic Windows) is then decoded
exactly. A file that is neither — binary, or text no detector can read — is
an :class:`~geo.errors.InputError` asking the user to re-save it as UTF-8.
"""

from __future__ import annotations

import codecs
import mmap
from pathlib import Path
from typing import TypeAlias

import charset_normalizer

from geo.errors import InputError

#: A file's content: bytes, a read-only memory map of the file, or a view of one.
#: Only ``len``, slicing and the buffer protocol are used on it.
Content: TypeAlias = bytes | mmap.mmap | memoryview

_CHUNK = 1 << 16


def read_content(path: Path) -> Content:
    """Return a file's content, memory-mapped (read-only) unless it is empty.

    The map is released when the last reference to it goes away.
    """
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return b""
        if hasattr(mmap, "MAP_POPULATE"):  # Linux: map every page in one call
            return mmap.mmap(
                fh.fileno(), 0, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ
            )
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def lead_byte(data: Content) -> bytes:
    """Return the first byte that is not ASCII whitespace, or ``b""`` when there is none."""
    for start in range(0, len(data), _CHUNK):
        chunk = bytes(data[start : start + _CHUNK]).lstrip()
        if chunk:
            return chunk[:1]
    return b""


def _as_cp1256(raw: bytes) -> str | None:
    """Return ``raw`` decoded as Windows-1256 when that reads as Arabic text, else None.

    Detectors guess short Arabic texts (place names) as other code pages, so
    Windows-1256 is tried first: it is taken when most non-ASCII characters it
    yields are Arabic letters.
    """
    try:
        text = raw.decode("cp1256")
    except UnicodeDecodeError:
        return None
    wide = [ch for ch in text if ord(ch) > 127]
    arabic = sum("\u0600" <= ch <= "\u06ff" for ch in wide)
    return text if wide and arabic >= 0.6 * len(wide) else None


def to_utf8(data: Content, path: Path, *, check: bool = True) -> tuple[Content, str]:
    """Return ``data`` re-encoded as UTF-8 without a BOM, and the encoding found.

    Parameters
    ----------
    data
        The raw file content.
    path
        The file, named in error messages.
    check
        Decode the whole content to prove it is UTF-8. Pass False when a later
        reader validates UTF-8 itself (Arrow's CSV reader does) and call again
        with ``check=True`` if it fails.

    Returns
    -------
    content : Content
        UTF-8 text without a byte-order mark (a view of ``data`` when it
        already is UTF-8: nothing is copied).
    encoding : str
        ``"utf-8"``, ``"utf-8-sig"`` or the codec charset-normalizer chose.

    Raises
    ------
    InputError
        When the content is not text in any encoding the detector recognises.
    """
    body: Content
    if data[: len(codecs.BOM_UTF8)] == codecs.BOM_UTF8:
        body, encoding = memoryview(data)[len(codecs.BOM_UTF8) :], "utf-8-sig"
    else:
        body, encoding = data, "utf-8"
    if b"\x00" in bytes(body[:65536]):
        raise InputError(
            f"{path}: the file contains NUL bytes, so it is binary or UTF-16, not a UTF-8 table",
            hint="save it as CSV UTF-8 (or pass a GeoPackage with a .gpkg name)",
        )
    if not check:
        return body, encoding
    try:
        str(body, "utf-8")
    except UnicodeDecodeError as exc:
        line = bytes(body[: exc.start]).count(b"\n") + 1
        arabic = _as_cp1256(bytes(data))
        if arabic is not None:
            return arabic.encode("utf-8"), "cp1256"
        best = charset_normalizer.from_bytes(bytes(data)).best()
        text = None if best is None else str(best)
        if best is None or text is None or "\x00" in text or "\ufffd" in text:
            raise InputError(
                f"{path}: line {line}: the file is not UTF-8 and its encoding cannot be "
                f"detected (byte 0x{body[exc.start]:02x} at offset {exc.start})",
                hint="open it in a spreadsheet or editor and save it as CSV UTF-8",
            ) from exc
        return text.encode("utf-8"), best.encoding
    return body, encoding
