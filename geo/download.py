"""One download discipline: pooch fetches a file, size and sha256 are checked, errors are one line.

Every remote file the tool downloads (boundary sources, map assets) goes through
:func:`retrieve`: pooch stores it in a cache folder only when its size and sha256
match the pins, a rich progress bar can show the transfer, and a failed request
becomes one :class:`~geo.errors.DownloadError` line naming the URL and the reason.
"""

from __future__ import annotations

from pathlib import Path

import pooch
import requests
import rich.progress

from geo.errors import ChecksumError, DownloadError
from geo.write import sha256_file

#: Seconds to wait for a server before giving up on a download.
TIMEOUT_S = 20


class RichBar:
    """Adapt a rich progress bar to the interface pooch drives (total, update, reset, close)."""

    def __init__(self, label: str) -> None:
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
        bar = RichBar(self.name) if self.progress else False
        try:
            pooch.HTTPDownloader(progressbar=bar, timeout=TIMEOUT_S)(url, output_file, pooch_)
        finally:
            if bar:
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
