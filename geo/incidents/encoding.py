"""Read a text file's bytes and return them as UTF-8, detecting the encoding.

Files are read into memory in one call (:func:`read_content`), not
memory-mapped: a file that another program truncates while it is being read
must give an input error, never a crash (SIGBUS) from a mapped page that no
longer exists. The size is checked before and after the read. UTF-8
(with or without a byte-order mark) is tried first and costs one decode.
Only when that fails is charset-normalizer asked;
Windows-1256 (Arabic, as saved by Excel on Arabic Windows) is then decoded
exactly. A file that is neither — binary, or text no detector can read — is
an :class:`~geo.errors.InputError` asking the user to re-save it as UTF-8.
"""

from __future__ import annotations

import codecs
import mmap
import os
from pathlib import Path
from typing import TypeAlias

from geo.errors import InputError

#: A file's content: bytes, a read-only memory map of the file, or a view of one.
#: Only ``len``, slicing and the buffer protocol are used on it.
Content: TypeAlias = bytes | mmap.mmap | memoryview

_CHUNK = 1 << 16


def read_content(path: Path) -> Content:
    """Return a file's content as bytes, refusing a file that changes size while read.

    Raises
    ------
    InputError
        When the file is shorter or longer after the read than before it
        (truncated or still being written).
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data = fh.read()
        after = os.fstat(fh.fileno()).st_size
    if len(data) != size or after != size:
        raise InputError(
            f"{path}: the file changed while it was read ({size:,} bytes before, "
            f"{after:,} after; {len(data):,} read)",
            hint="wait until the download or copy has finished, then run again",
        )
    return data


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
        import charset_normalizer  # only for files that are not UTF-8

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
