"""Detect a text file's encoding and return its content as UTF-8 bytes.

UTF-8 (with or without a byte-order mark) is tried first and costs one
decode. Only when that fails is charset-normalizer asked; Windows-1256
(Arabic, as saved by Excel on Arabic Windows) is then decoded exactly. A
file that is neither — binary, or text no detector can read — is an
:class:`~geo.errors.InputError` asking the user to re-save it as UTF-8.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import charset_normalizer

from geo.errors import InputError


def to_utf8(data: bytes, path: Path, *, check: bool = True) -> tuple[bytes, str]:
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
    content : bytes
        UTF-8 text without a byte-order mark.
    encoding : str
        ``"utf-8"``, ``"utf-8-sig"`` or the codec charset-normalizer chose.

    Raises
    ------
    InputError
        When the content is not text in any encoding the detector recognises.
    """
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    else:
        body, encoding = data, "utf-8"
    if b"\x00" in body[:65536]:
        raise InputError(
            f"{path}: the file contains NUL bytes, so it is binary or UTF-16, not a UTF-8 table",
            hint="save it as CSV UTF-8 (or pass a GeoPackage with a .gpkg name)",
        )
    if not check:
        return body, encoding
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        best = charset_normalizer.from_bytes(data).best()
        text = None if best is None else str(best)
        if text is None or "\x00" in text or "\ufffd" in text:
            raise InputError(
                f"{path}: line {line}: the file is not UTF-8 and its encoding cannot be "
                f"detected (byte 0x{body[exc.start]:02x} at offset {exc.start})",
                hint="open it in a spreadsheet or editor and save it as CSV UTF-8",
            ) from exc
        return text.encode("utf-8"), best.encoding
    return body, encoding
