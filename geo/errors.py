"""The error hierarchy: every failure a user can act on is a :class:`GeoError`.

Messages say what failed, where (file, line, field or key), what was expected
and what to do next. Only the command line catches :class:`GeoError`; any
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class GeoError(Exception):
    """Base class of every error the tool reports to its user."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} — {hint}")

    def one_line(self) -> str:
        """Return the message and hint folded into one line for the terminal."""
        text = str(self)
        return " ".join(text.split())


class CatalogError(GeoError):
    """A boundary source is unknown, missing, unreadable or inconsistent."""

    exit_code = 3


class ChecksumError(CatalogError):
    """A downloaded or imported file does not match its pinned sha256 or size."""


class DownloadError(CatalogError):
    """A file could not be downloaded (offline, server down, HTTP error)."""


class BoundaryError(CatalogError):
    """A boundary layer is invalid: CRS, geometry, codes or tiling."""


class AssetError(GeoError):
    """An offline JavaScript/CSS asset is missing or fails its hash check."""

    exit_code = 3


class SpecError(GeoError):
    """A map spec (``maps/*.toml``) has an unknown key, a wrong type or a bad value."""

    exit_code = 4


class InputError(GeoError):
    """An incident file cannot be read at all (empty, not a table, bad encoding)."""

    exit_code = 5


class ValidationError(GeoError):
    """Rows or fields failed validation; carries every problem found, not just the first."""

    exit_code = 5

    def __init__(
        self, message: str, *, problems: list[str] | None = None, hint: str | None = None
    ) -> None:
        self.problems = list(problems or [])
        super().__init__(message, hint=hint)


class LimitError(GeoError):
    """An input or output is larger than the configured limit."""

    exit_code = 6


class OutputError(GeoError):
    """An output cannot be written (read-only folder, full disk)."""

    exit_code = 7
