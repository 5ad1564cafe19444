"""One download discipline: pooch fetches a file, size and sha256 are checked, errors are one line.

Every remote file with pinned hashes (boundary sources, map assets) goes through
:func:`retrieve`: pooch stores it in a cache folder only when its size and sha256
match the pins, a rich progress bar can show the transfer, and a failed request
becomes one :class:`~geo.errors.DownloadError` line naming the URL and the reason.
Files whose publisher gives no hash (UCDP's archives) are streamed with
:func:`stream_unpinned` into a temporary file, hashed on the way, for the caller to
check against the hash recorded at first use.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geo.errors import ChecksumError, DownloadError
from geo.paths import offline
from geo.write import sha256_file

if TYPE_CHECKING:  # imported where a download happens, not by every command that imports this
    import pooch
    import requests

#: Seconds to wait for a server before giving up on a download.
TIMEOUT_S = 20


class RichBar:
    """Adapt a rich progress bar to the interface pooch drives (total, update, reset, close)."""

    def __init__(self, label: str) -> None:
        import rich.progress  # only when a bar is drawn: rich costs a short command's import time

        self._progress = rich.progress.Progress(
            *rich.progress.Progress.get_default_columns(), rich.progress.DownloadColumn()
        )
        self._task = self._progress.add_task(label, total=None)
        self._progress.start()

    @property
    def total(self) -> float | None:
        """The expected number of bytes, or ``None`` while unknown."""
        return self._progress.tasks[0].total

    @total.setter
    def total(self, value: float | None) -> None:
        self._progress.update(self._task, total=value or None)

    def update(self, n: float) -> None:
        """Advance the bar by ``n`` bytes."""
        self._progress.advance(self._task, n)

    def reset(self) -> None:
        """Start the bar again from zero."""
        self._progress.reset(self._task, total=self.total)

    def close(self) -> None:
        """Stop drawing the bar."""
        self._progress.stop()


class _CheckedDownload:
    """A pooch downloader that checks size and sha256 itself, so it can say which failed."""

    def __init__(
        self, name: str, *, sha256: str, size: int | None, progress: bool, hint: str
    ) -> None:
        self.name = name
        self.sha256 = sha256
        self.size = size
        self.progress = progress
        self.hint = hint

    def __call__(
        self, url: str, output_file: str, pooch_: pooch.Pooch | None, check_only: bool = False
    ) -> None:
        import pooch

        bar: RichBar | bool = RichBar(self.name) if self.progress else False
        try:
            pooch.HTTPDownloader(progressbar=bar, timeout=TIMEOUT_S)(url, output_file, pooch_)
        finally:
            if isinstance(bar, RichBar):
                bar.close()
        file = Path(output_file)
        size = file.stat().st_size
        if self.size is not None and size != self.size:
            raise ChecksumError(
                f"{self.name} from {url} has {size} bytes, expected {self.size}; "
                "the file was not cached",
                hint=self.hint,
            )
        digest = sha256_file(file)
        if digest != self.sha256:
            raise ChecksumError(
                f"{self.name} from {url} has sha256 {digest}, expected {self.sha256}; "
                "the file was not cached",
                hint=self.hint,
            )


def reason(exc: requests.exceptions.RequestException) -> str:
    """Return a short reason for a failed request: the HTTP status, or the kind of failure."""
    import requests

    if exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason}"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {TIMEOUT_S} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the server cannot be reached (connection refused, no network or unknown host)"
    return type(exc).__name__


def retrieve(
    url: str,
    *,
    directory: Path,
    fname: str,
    sha256: str,
    size: int | None = None,
    progress: bool = False,
    hint: str,
    checksum_hint: str,
) -> Path:
    """Download ``url`` into ``directory/fname`` unless a copy with the pinned hash is there.

    Parameters
    ----------
    url
        Where the file is.
    directory
        The cache folder; created when missing.
    fname
        The file's name in the cache.
    sha256
        The pinned hash; a file that differs is never stored.
    size
        The pinned size in bytes, checked before the hash when given.
    progress
        Show a progress bar while downloading.
    hint
        What the user can do when the server cannot be reached.
    checksum_hint
        What the user can do when the file differs from the pins.

    Returns
    -------
    Path
        The verified file.

    Raises
    ------
    DownloadError
        If the server cannot be reached or answers with an HTTP error.
    ChecksumError
        If the file has the wrong size or sha256; it is not stored.
    """
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")
    downloader = _CheckedDownload(
        fname, sha256=sha256, size=size, progress=progress, hint=checksum_hint
    )
    try:
        return Path(
            pooch.retrieve(
                url,
                known_hash=f"sha256:{sha256}",
                fname=fname,
                path=directory,
                downloader=downloader,
            )
        )
    except requests.exceptions.RequestException as exc:
        raise DownloadError(f"could not download {url}: {reason(exc)}", hint=hint) from exc


# --------------------------------------------------------------------------- unpinned files

CHUNK = 1 << 16
USER_AGENT = "disputed-maps"
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")


@dataclass(frozen=True)
class Downloaded:
    """A file fetched to a temporary path, with what was received.

    Attributes
    ----------
    url
        The address asked for.
    path
        The temporary file (deleted when the :func:`stream_unpinned` context ends).
    sha256, size
        Hex digest and length of the bytes received.
    """

    url: str
    path: Path
    sha256: str
    size: int


def offline_error(what: str, url: str, hint: str) -> DownloadError:
    """Return the error for a download refused because ``GEO_OFFLINE`` is set."""
    return DownloadError(
        f"could not download {what} from {url}: downloads are disabled (GEO_OFFLINE is set)",
        hint=f"unset GEO_OFFLINE; {hint}",
    )


class _StreamBar:
    """A rich download bar on stderr (no-op when ``progress`` is false)."""

    def __init__(self, label: str, *, progress: bool) -> None:
        self._progress = None
        if progress:
            import rich.progress  # only when a bar is drawn

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
    bar = _StreamBar(label, progress=progress)
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
def stream_unpinned(
    url: str,
    *,
    folder: Path,
    hint: str,
    progress: bool = False,
    session: requests.Session | None = None,
    missing_ok: bool = False,
) -> Iterator[Downloaded | None]:
    """Stream ``url`` (no pinned hash) into a temporary file in ``folder``; yield what arrived.

    For sources that publish no checksum (UCDP): the caller records the hash of the
    first download (trust on first use) and compares later ones with it. A body
    shorter or longer than ``Content-Length``, an HTML page served with status 200
    or a refused connection each raise a one-line :class:`DownloadError`.

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
    import requests

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
        except requests.exceptions.ChunkedEncodingError as exc:
            raise DownloadError(
                f"could not download {url}: the connection broke off before the whole file "
                "arrived; nothing was cached",
                hint=hint,
            ) from exc
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
