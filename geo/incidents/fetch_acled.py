"""Fetch ACLED events for Iraq through ACLED's API into the cache, and keep them up to date.

Protocol (ACLED's API documentation and its R package ``acledR``)
-----------------------------------------------------------------
- Login: an OAuth password grant, ``POST https://acleddata.com/oauth/token`` with
  ``username`` (the account's email), ``password``, ``grant_type=password`` and
  ``client_id=acled``; the answer holds ``access_token``, ``refresh_token`` and
  ``expires_in`` (seconds). Requests carry ``Authorization: Bearer <token>``. A token
  about to expire, or a request answered 401, is refreshed with
  ``grant_type=refresh_token`` (a new login when the refresh is refused).
- Rows: ``GET https://acleddata.com/api/acled/read?_format=json&country=Iraq``,
  ``event_date=FROM|TO&event_date_where=BETWEEN``, in pages of ``limit`` rows
  (``page=1, 2, …`` until a page is short). The answer is
  ``{"success": true, "count": n, "data": [...]}``; each row has ``event_id_cnty``
  and ``timestamp`` (when ACLED last changed it, Unix seconds).
- Updates: rows changed since the last fetch (``timestamp=T&timestamp_where=>=``,
  with T the newest ``timestamp`` cached) replace or join the cached ones by
  ``event_id_cnty``, and ``GET https://acleddata.com/api/deleted/read`` with
  ``deleted_timestamp=T&deleted_timestamp_where=>=`` lists the ids ACLED deleted,
  which are removed.
- HTTP 429 (rate limit): wait ``Retry-After`` seconds (at most :data:`MAX_WAIT_S`)
  and retry, at most :data:`MAX_RETRIES` times.

Credentials come from ``ACLED_EMAIL`` / ``ACLED_PASSWORD`` or a prompt (the password
through :func:`getpass.getpass`). They live in memory only: never in the cache, the
provenance, logs or error messages (the email is not recorded either).
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from geo.download import reason
from geo.errors import DownloadError, GeoError
from geo.incidents import store
from geo.incidents.acled import CITATION, LICENCE
from geo.paths import offline
from geo.provenance import ACLED_TERMS
from geo.write import atomic_path, sha256_file

TOKEN_URL = "https://acleddata.com/oauth/token"  # noqa: S105 - an address, not a secret
READ_URL = "https://acleddata.com/api/acled/read"
DELETED_URL = "https://acleddata.com/api/deleted/read"
CLIENT_ID = "acled"
COUNTRY = "Iraq"
ENV_EMAIL = "ACLED_EMAIL"
ENV_PASSWORD = "ACLED_PASSWORD"  # noqa: S105 - the variable's name, not a secret
PAGE_LIMIT = 5000
MAX_RETRIES = 5
MAX_WAIT_S = 60.0
TIMEOUT_S = 60
#: Refresh a token this many seconds before it expires.
EXPIRY_MARGIN_S = 60
FIRST_DATE = dt.date(1997, 1, 1)
CSV_NAME = "acled_IRQ.csv"
HINT = "check the connection and try again; `GEO_OFFLINE=1` keeps the cached rows in use"


class AcledError(GeoError):
    """ACLED refused the login or a request (credentials, rate limit, an API error)."""

    exit_code = 3


@dataclass(frozen=True)
class Credentials:
    """An ACLED account's email and password, kept in memory only (never printed)."""

    email: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return "Credentials(email=<hidden>, password=<hidden>)"

    __str__ = __repr__


def credentials(*, prompt: bool | None = None, ask: Callable[[str], str] = input) -> Credentials:
    """Return the account from ``ACLED_EMAIL``/``ACLED_PASSWORD``, else ask for it.

    Parameters
    ----------
    prompt
        Ask on the terminal for what the environment lacks (default: when stdin is one).
    ask
        How to ask for the email (the password always goes through ``getpass``).

    Raises
    ------
    AcledError
        When a value is missing and cannot be asked for.
    """
    email = os.environ.get(ENV_EMAIL, "").strip()
    password = os.environ.get(ENV_PASSWORD, "")
    can_ask = sys.stdin.isatty() if prompt is None else prompt
    if not email and can_ask:
        email = ask("ACLED account email: ").strip()
    if not password and can_ask:
        password = getpass.getpass("ACLED password (not stored): ")
    if not email or not password:
        raise AcledError(
            "no ACLED account given",
            hint=f"set {ENV_EMAIL} and {ENV_PASSWORD} in the environment, or run the command "
            "in a terminal to be asked (register at acleddata.com)",
        )
    return Credentials(email, password)


class Client:
    """An authenticated ACLED API session: login, token refresh, rate limits, JSON pages.

    Parameters
    ----------
    account
        The credentials (kept in memory for re-logins only).
    token_url, read_url, deleted_url
        The endpoints (default: ACLED's; tests point them at a local server).
    sleep, clock
        Injected for tests: how to wait and what time it is (seconds).
    """

    def __init__(
        self,
        account: Credentials,
        *,
        token_url: str | None = None,
        read_url: str | None = None,
        deleted_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._account = account
        self.token_url = token_url or TOKEN_URL
        self.read_url = read_url or READ_URL
        self.deleted_url = deleted_url or DELETED_URL
        self._sleep, self._clock = sleep, clock
        self._http = requests.Session()
        self._token = ""
        self._refresh = ""
        self._expires = 0.0
        self.logins = 0
        self.refreshes = 0
        self.waits: list[float] = []

    def close(self) -> None:
        """Close the connection pool and forget the tokens."""
        self._http.close()
        self._token = self._refresh = ""

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- tokens -------------------------------------------------------------------------

    def _post_token(self, data: dict[str, str]) -> requests.Response:
        try:
            return self._http.post(self.token_url, data=data, timeout=TIMEOUT_S)
        except requests.exceptions.RequestException as exc:
            raise DownloadError(
                f"could not reach ACLED's login at {self.token_url}: {reason(exc)}", hint=HINT
            ) from None

    def _take(self, response: requests.Response) -> None:
        body = _json(response, self.token_url)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AcledError(
                f"ACLED's login at {self.token_url} answered without an access token",
                hint="try again later; if it persists, ACLED's API may have changed",
            )
        self._token = token
        self._refresh = str(body.get("refresh_token") or "")
        expires = body.get("expires_in")
        self._expires = self._clock() + (float(expires) if expires else 24 * 3600.0)

    def login(self) -> None:
        """Get a new token with the password grant."""
        response = self._post_token(
            {
                "username": self._account.email,
                "password": self._account.password,
                "grant_type": "password",
                "client_id": CLIENT_ID,
            }
        )
        self.logins += 1
        if response.status_code in (400, 401, 403):
            raise AcledError(
                f"ACLED refused the login (HTTP {response.status_code}): wrong email or "
                "password, or the account has no API access",
                hint=f"check {ENV_EMAIL} and {ENV_PASSWORD} (or what you typed) and that the "
                "account is confirmed at acleddata.com",
            )
        self._check(response, self.token_url)
        self._take(response)

    def refresh(self) -> None:
        """Renew the token with the refresh grant; log in again when that is refused."""
        if not self._refresh:
            self.login()
            return
        response = self._post_token(
            {"grant_type": "refresh_token", "refresh_token": self._refresh, "client_id": CLIENT_ID}
        )
        self.refreshes += 1
        if response.status_code != 200:
            self.login()
            return
        self._take(response)

    # -- requests -----------------------------------------------------------------------

    def _check(self, response: requests.Response, url: str) -> None:
        if response.status_code >= 400:
            raise DownloadError(
                f"ACLED's API at {url} answered HTTP {response.status_code} {response.reason}",
                hint=HINT,
            )

    def get(self, url: str, params: dict[str, Any]) -> dict[str, Any]:
        """Return one JSON answer, refreshing the token and waiting out rate limits."""
        if not self._token:
            self.login()
        refreshed = False
        for _attempt in range(MAX_RETRIES + 1):
            if self._clock() >= self._expires - EXPIRY_MARGIN_S:
                self.refresh()
            try:
                response = self._http.get(
                    url,
                    params=params,
                    headers={"Authorization": f"Bearer {self._token}"},
                    timeout=TIMEOUT_S,
                )
            except requests.exceptions.RequestException as exc:
                raise DownloadError(
                    f"could not reach ACLED's API at {url}: {reason(exc)}", hint=HINT
                ) from None
            if response.status_code == 401 and not refreshed:
                refreshed = True
                self.refresh()
                continue
            if response.status_code == 429:
                wait = _retry_after(response)
                if wait > MAX_WAIT_S:
                    raise AcledError(
                        f"ACLED's rate limit asks to wait {wait:.0f} s (more than "
                        f"{MAX_WAIT_S:.0f} s)",
                        hint="try again later; the cached rows stay in use",
                    )
                self.waits.append(wait)
                self._sleep(wait)
                continue
            if response.status_code == 401:
                raise AcledError(
                    f"ACLED's API at {url} refused the token even after a new login (HTTP 401)",
                    hint="check that the account has API access at acleddata.com",
                )
            self._check(response, url)
            body = _json(response, url)
            if body.get("success") is False:
                raise AcledError(
                    f"ACLED's API at {url} reported an error: {_message(body)}",
                    hint="check --from/--to; try again later",
                )
            return body
        raise AcledError(
            f"ACLED's API at {url} still answered 429 (rate limit) after {MAX_RETRIES} waits",
            hint="try again later; the cached rows stay in use",
        )

    def pages(self, url: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Yield the ``data`` rows of each page until a short page."""
        page = 1
        while True:
            body = self.get(url, {**params, "limit": PAGE_LIMIT, "page": page})
            rows = body.get("data") or []
            if not isinstance(rows, list):
                raise AcledError(
                    f"ACLED's API at {url} answered without a list of rows",
                    hint="try again later; if it persists, ACLED's API may have changed",
                )
            yield rows
            if len(rows) < PAGE_LIMIT:
                return
            page += 1


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return 5.0


def _json(response: requests.Response, url: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AcledError(
            f"ACLED's API at {url} did not answer with JSON (HTTP {response.status_code})",
            hint="the address may have moved or need a login; try again later",
        )
    return body


def _message(body: dict[str, Any]) -> str:
    error = body.get("error") or body.get("message") or "unknown error"
    if isinstance(error, dict):
        error = error.get("message") or str(error)
    return " ".join(str(error).split())[:200]


# --------------------------------------------------------------------------- the fetch


@dataclass(frozen=True)
class AcledFetchReport:
    """What ``geo incidents fetch acled`` did."""

    path: Any
    mode: str  # "full" or "update"
    date_from: str
    date_to: str
    rows: int
    received: int
    added: int
    changed: int
    deleted: int
    pages: int
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return a short account of the fetch (no credentials)."""
        lines = [
            f"ACLED {COUNTRY} {self.date_from} to {self.date_to}: {self.mode} fetch, "
            f"{self.received:,} rows received in {self.pages} page(s); "
            f"{self.added:,} new, {self.changed:,} changed, {self.deleted:,} deleted; "
            f"{self.rows:,} rows cached",
            *self.notes,
            f"cached in {self.path}",
            f"licence: {LICENCE}",
            f"cite: {CITATION}",
            "maps from these rows: use `geo build --incidents "
            f"{self.path}`; ACLED's terms allow aggregates, not the raw rows",
        ]
        return "\n".join(lines)


def _read_cached(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write_rows(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    with atomic_path(path) as tmp:
        tmp.write_text(out.getvalue(), encoding="utf-8")
    return sha256_file(path)


def _sort_key(row: dict[str, Any]) -> tuple[str, str]:
    return (str(row.get("event_date", "")), str(row.get("event_id_cnty", "")))


def _max_timestamp(rows: list[dict[str, Any]]) -> int:
    stamps = [int(float(r["timestamp"])) for r in rows if str(r.get("timestamp", "")).strip()]
    return max(stamps, default=0)


def _download(
    api: Client, params: dict[str, Any], since: int | None
) -> tuple[list[dict[str, Any]], int, set[str]]:
    """Return the rows of every page, the number of pages and (for an update) the deleted ids."""
    received: list[dict[str, Any]] = []
    pages = 0
    for rows in api.pages(api.read_url, params):
        pages += 1
        received.extend(rows)
    if since is None:
        return received, pages, set()
    body = api.get(
        api.deleted_url,
        {
            "_format": "json",
            "deleted_timestamp": since,
            "deleted_timestamp_where": ">=",
            "limit": 0,
        },
    )
    return received, pages, {str(r.get("event_id_cnty", "")) for r in body.get("data") or []}


def _merge(
    columns: list[str],
    old: dict[str, dict[str, Any]],
    received: list[dict[str, Any]],
    deleted_ids: set[str],
) -> tuple[list[str], dict[str, dict[str, Any]], int, int, int]:
    """Apply received rows (by ``event_id_cnty``) and deletions to the cached rows.

    Returns the columns, the merged rows and how many were added, changed and deleted.
    """
    columns = list(columns)
    for row in received:
        columns.extend(key for key in row if key not in columns)
    if received and "event_id_cnty" not in columns:
        raise AcledError(
            "ACLED's API answered rows without event_id_cnty",
            hint="if it persists, ACLED's API may have changed",
        )
    merged = dict(old)
    added = changed = 0
    for row in received:
        key = str(row.get("event_id_cnty", ""))
        if key in merged:
            before = {k: str(v) for k, v in merged[key].items() if v not in (None, "")}
            after = {k: str(v) for k, v in row.items() if v not in (None, "")}
            changed += before != after  # ``>=`` returns the newest cached rows again
        else:
            added += 1
        merged[key] = row
    deleted = sum(1 for key in deleted_ids if merged.pop(key, None) is not None)
    return columns, merged, added, changed, deleted


def _save(
    path: Path,
    columns: list[str],
    rows: list[dict[str, Any]],
    *,
    lo: str,
    hi: str,
    today: dt.date,
    incremental: bool,
    since: int,
) -> None:
    """Write the rows, then the provenance record that makes them count (no credentials)."""
    digest = _write_rows(path, columns, rows)
    store.write_json(
        path.parent / store.PROVENANCE,
        {
            "source": "Armed Conflict Location & Event Data (ACLED) API",
            "url": READ_URL,
            "country": COUNTRY,
            "date_from": lo,
            "date_to": hi,
            "fetched": today.isoformat(),
            "access_date": today.isoformat(),
            "mode": "update" if incremental else "full",
            "last_timestamp": max(_max_timestamp(rows), since),
            "rows": len(rows),
            "files": [{"name": path.name, "sha256": digest}],
            "licence": LICENCE,
            "citation": CITATION,
            "terms": ACLED_TERMS,
        },
    )


def fetch_acled(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    account: Credentials | None = None,
    client: Client | None = None,
    full: bool = False,
    today: dt.date | None = None,
) -> AcledFetchReport:
    """Fetch ACLED's events for Iraq into the cache, or update the cached ones.

    Parameters
    ----------
    date_from, date_to
        Event dates to cover (default: those of the cache, else 1997-01-01 to today).
    account
        The ACLED account (default: :func:`credentials`).
    client
        An API client to use (tests); by default one for ACLED's own endpoints.
    full
        Fetch every row again instead of only what changed since the last fetch.
    today
        The current date (tests).

    Returns
    -------
    AcledFetchReport
        Counts, the period and where the rows were cached.

    Raises
    ------
    AcledError
        Wrong credentials, API errors, rate limits beyond the bounds.
    DownloadError
        Offline (``GEO_OFFLINE``) or ACLED cannot be reached.
    """
    if offline():
        raise DownloadError(
            f"could not fetch ACLED from {READ_URL}: downloads are disabled (GEO_OFFLINE is set)",
            hint="unset GEO_OFFLINE to fetch; the cached rows stay in use",
        )
    today = today or dt.datetime.now(tz=dt.UTC).date()
    folder = store.acled_dir()
    cached = store.cached_acled()
    record = cached.record if cached else {}
    lo = (date_from or _date(record.get("date_from")) or FIRST_DATE).isoformat()
    hi = (date_to or _date(record.get("date_to")) or today).isoformat()
    if lo > hi:
        raise GeoError(f"--from {lo} is after --to {hi}", hint="swap the dates")
    same_range = bool(cached) and record.get("date_from") == lo and record.get("date_to") == hi
    incremental = same_range and not full and bool(record.get("last_timestamp"))
    notes: list[str] = []
    if cached and not same_range and not full:
        notes.append(
            f"the period changed (cached {record.get('date_from')} to {record.get('date_to')}): "
            "every row was fetched again"
        )
    params: dict[str, Any] = {
        "_format": "json",
        "country": COUNTRY,
        "event_date": f"{lo}|{hi}",
        "event_date_where": "BETWEEN",
    }
    since = int(record.get("last_timestamp") or 0)
    if incremental:
        params |= {"timestamp": since, "timestamp_where": ">="}
    own = client is None
    api = client or Client(account or credentials())
    try:
        received, pages, deleted_ids = _download(api, params, since if incremental else None)
    finally:
        if own:
            api.close()
    old_columns: list[str] = []
    old: dict[str, dict[str, Any]] = {}
    if incremental and cached:
        old_columns, old_rows = _read_cached(cached.path)
        old = {r["event_id_cnty"]: r for r in old_rows}
    columns, merged, added, changed, deleted = _merge(old_columns, old, received, deleted_ids)
    rows = sorted(merged.values(), key=_sort_key)
    if not columns:
        columns = ["event_id_cnty", "event_date", "event_type", "actor1", "latitude", "longitude"]
    path = folder / CSV_NAME
    _save(path, columns, rows, lo=lo, hi=hi, today=today, incremental=incremental, since=since)
    return AcledFetchReport(
        path=path,
        mode="update" if incremental else "full",
        date_from=lo,
        date_to=hi,
        rows=len(rows),
        received=len(received),
        added=added,
        changed=changed,
        deleted=deleted,
        pages=pages,
        notes=tuple(notes),
    )


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
