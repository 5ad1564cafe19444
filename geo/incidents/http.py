"""Stream one incident file over HTTP into a temporary file, hashing it on the way.

The incident fetchers' only network code, kept in one place so it can move to
the shared download helper. A download is never trusted by its status code
alone: a body shorter or longer than ``Content-Length``, an HTML page served
with status 200, or a refused connection each raise one-line
:class:`~geo.errors.DownloadError` and leave no file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from geo.errors import DownloadError
from geo.paths import offline

TIMEOUT_S = 30
CHUNK = 1 << 16
USER_AGENT = "disputed-maps (https://github.com/disputed-maps)"
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")


@dataclass(frozen=True)
class Downloaded:
    """A file fetched to a temporary path, with what was received.

    Attributes
    ----------
    url
        The address asked for.
    path
        The temporary file (deleted when the :func:`download` context ends).
    sha256, size
        Hex digest and length of the bytes received.
    """

    url: str
    path: Path
    sha256: str
    size: int


def reason(exc: requests.exceptions.RequestException) -> str:
    """Return a short reason for a failed request: the HTTP status, or the kind of failure."""
    if exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason}"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {TIMEOUT_S} s"
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, requests.exceptions.ChunkedEncodingError
    ):
        return "the server cannot be reached (connection refused, no network or unknown host)"
    return "the connection broke off before the whole file arrived"


def offline_error(what: str, url: str, hint: str) -> DownloadError:
    """Return the error for a download refused because ``GEO_OFFLINE`` is set."""
    return DownloadError(
        f"could not download {what} from {url}: downloads are disabled (GEO_OFFLINE is set)",
        hint=f"unset GEO_OFFLINE; {hint}",
    )


class _Bar:
    """A rich download bar on stderr (no-op when ``progress`` is false)."""

    def __init__(self, label: str, *, progress: bool) -> None:
        self._progress = None
        if progress:
            import rich.progress

            self._progress = rich.progress.Progress(
                *rich.progress.Progress.get_default_columns(),
                rich.progress.DownloadColumn(),
                transient=True,
            )
            self._task = self._progress.add_task(label, total=None)
            self._progress.start()

    def total(self, value: int | None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=value)

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _receive(
    response: requests.Response, fd: int, digest: hashlib._Hash, *, progress: bool, label: str
) -> tuple[int, int | None, str, bytes]:
    """Write the body to ``fd`` (closed here); return size, announced size, type, first bytes."""
    encoded = bool(response.headers.get("Content-Encoding"))
    announced = response.headers.get("Content-Length")
    expected = int(announced) if announced and announced.isdigit() and not encoded else None
    bar = _Bar(label, progress=progress)
    bar.total(expected)
    size, head = 0, b""
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in response.iter_content(CHUNK):
                if len(head) < 64:
                    head += chunk[:64]
                digest.update(chunk)
                size += len(chunk)
                fh.write(chunk)
                bar.advance(len(chunk))
    finally:
        bar.close()
    return size, expected, response.headers.get("Content-Type", "").lower(), head


@contextlib.contextmanager
def download(
    url: str,
    *,
    folder: Path,
    hint: str,
    progress: bool = False,
    session: requests.Session | None = None,
    missing_ok: bool = False,
) -> Iterator[Downloaded | None]:
    """Stream ``url`` into a temporary file in ``folder`` and yield what arrived.

    The temporary file is removed when the context ends, whatever happens; the
    caller copies or parses it inside the ``with`` block.

    Parameters
    ----------
    url
        The file's address.
    folder
        Where to put the temporary file (created if needed).
    hint
        What the user can do when the download fails (goes into every error).
    progress
        Show a download bar on stderr.
    session
        A requests session to reuse (connection pooling across monthly files).
    missing_ok
        Yield ``None`` instead of raising on HTTP 404 (a file not published yet).

    Raises
    ------
    DownloadError
        Offline, server unreachable, an HTTP error, a body of the wrong length or
        an HTML page instead of the file.
    """
    if offline():
        raise offline_error(url.rsplit("/", 1)[-1], url, hint)
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".download.", suffix=".part")
    tmp = Path(name)
    try:
        digest = hashlib.sha256()
        http = session or requests
        missing = False
        try:
            with http.get(
                url, stream=True, timeout=TIMEOUT_S, headers={"User-Agent": USER_AGENT}
            ) as response:
                if missing_ok and response.status_code == 404:
                    missing = True
                else:
                    response.raise_for_status()
                    owned, fd = fd, -1  # _receive closes it
                    size, expected_size, kind, head = _receive(
                        response, owned, digest, progress=progress, label=url.rsplit("/", 1)[-1]
                    )
        except requests.exceptions.RequestException as exc:
            raise DownloadError(f"could not download {url}: {reason(exc)}", hint=hint) from exc
        if missing:
            yield None
            return
        if expected_size is not None and size != expected_size:
            raise DownloadError(
                f"could not download {url}: received {size:,} bytes, the server announced "
                f"{expected_size:,}; nothing was cached",
                hint=hint,
            )
        if "text/html" in kind or head.lstrip().lower().startswith(_HTML_STARTS):
            raise DownloadError(
                f"could not download {url}: the server sent a web page (HTML), not the data "
                "file; nothing was cached",
                hint=f"the address may have moved or need a login; {hint}",
            )
        yield Downloaded(url=url, path=tmp, sha256=digest.hexdigest(), size=size)
    finally:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
