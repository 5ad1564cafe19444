"""``geo incidents fetch acled`` against a fake ACLED API on 127.0.0.1.

The fake implements the documented endpoints: OAuth password and refresh grants,
paged reads, 429 with Retry-After, and the deletions endpoint.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import DownloadError, GeoError
from geo.incidents import fetch_acled as fa
from geo.incidents import load_incidents, store

EMAIL = "analyst@example.org"
PASSWORD = "Pa55-w0rd-NEVER-STORED-7f3c"


def _event(n: int, *, stamp: int = 1_700_000_000, date: str = "2024-05-01", **over) -> dict:
    row = {
        "event_id_cnty": f"IRQ{n:05d}",
        "event_date": date,
        "year": date[:4],
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Remote explosive/landmine/IED",
        "actor1": "Islamic State (Iraq)",
        "actor2": "Military Forces of Iraq (2022-)",
        "country": "Iraq",
        "admin1": "Kirkuk",
        "location": "Kirkuk",
        "latitude": "35.4681",
        "longitude": "44.3922",
        "geo_precision": "1",
        "source": "Shafaq News",
        "notes": f"Event {n}",
        "fatalities": "1",
        "timestamp": str(stamp),
    }
    row.update(over)
    return row


class FakeAcled:
    """The state behind the fake API: accounts, tokens, events, deletions and rate limits."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.deleted: list[dict] = []
        self.tokens: dict[str, bool] = {}  # token -> valid
        self.refresh_tokens: set[str] = set()
        self.issued = 0
        self.expires_in = 86400
        self.rate_limit = 0  # answer the next N reads with 429
        self.retry_after = "2"
        self.requests: list[tuple[str, str, dict]] = []
        self.bodies: list[str] = []

    def expire_all(self) -> None:
        for token in self.tokens:
            self.tokens[token] = False


def _handler(state: FakeAcled):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _issue(self) -> None:
            state.issued += 1
            token, refresh = f"tok-{state.issued}", f"ref-{state.issued}"
            state.tokens[token] = True
            state.refresh_tokens.add(refresh)
            self._send(
                200,
                {
                    "token_type": "Bearer",
                    "expires_in": state.expires_in,
                    "access_token": token,
                    "refresh_token": refresh,
                },
            )

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length).decode()
            state.bodies.append(raw)
            form = dict(urllib.parse.parse_qsl(raw))
            state.requests.append(("POST", self.path, {k: v for k, v in form.items()}))
            if self.path != "/oauth/token" or form.get("client_id") != "acled":
                self._send(400, {"error": "invalid_client"})
            elif form.get("grant_type") == "password":
                if form.get("username") == EMAIL and form.get("password") == PASSWORD:
                    self._issue()
                else:
                    self._send(400, {"error": "invalid_grant", "message": "bad credentials"})
            elif form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") in state.refresh_tokens:
                    state.refresh_tokens.discard(form["refresh_token"])
                    self._issue()
                else:
                    self._send(400, {"error": "invalid_grant"})
            else:
                self._send(400, {"error": "unsupported_grant_type"})

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(url.query))
            state.requests.append(("GET", url.path, q))
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if not state.tokens.get(token):
                self._send(401, {"message": "Unauthorized"})
                return
            if url.path == "/api/acled/read":
                if state.rate_limit:
                    state.rate_limit -= 1
                    self._send(429, {"message": "Too many"}, {"Retry-After": state.retry_after})
                    return
                rows = [e for e in state.events if e["country"] == q.get("country")]
                lo, hi = q["event_date"].split("|")
                rows = [e for e in rows if lo <= e["event_date"] <= hi]
                if "timestamp" in q:
                    assert q["timestamp_where"] == ">="
                    rows = [e for e in rows if int(e["timestamp"]) >= int(q["timestamp"])]
                limit, page = int(q.get("limit", 5000)), int(q.get("page", 1))
                chunk = rows[(page - 1) * limit : page * limit] if limit else rows
                self._send(
                    200, {"status": 200, "success": True, "count": len(chunk), "data": chunk}
                )
            elif url.path == "/api/deleted/read":
                since = int(q.get("deleted_timestamp", 0))
                rows = [d for d in state.deleted if int(d["deleted_timestamp"]) >= since]
                self._send(200, {"status": 200, "success": True, "count": len(rows), "data": rows})
            else:
                self._send(404, {"message": "not found"})

    return Handler


@pytest.fixture
def api(monkeypatch):
    """A fake ACLED API; yields (state, client factory)."""
    state = FakeAcled()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("GEO_OFFLINE", "0")
    monkeypatch.setattr(fa, "PAGE_LIMIT", 3)  # small pages, so paging is exercised
    clock = {"now": 0.0}
    slept: list[float] = []

    def client(password: str = PASSWORD) -> fa.Client:
        def sleep(s: float) -> None:
            slept.append(s)
            clock["now"] += s

        return fa.Client(
            fa.Credentials(EMAIL, password),
            token_url=f"{base}/oauth/token",
            read_url=f"{base}/api/acled/read",
            deleted_url=f"{base}/api/deleted/read",
            sleep=sleep,
            clock=lambda: clock["now"],
        )

    state.clock, state.slept, state.base = clock, slept, base
    yield state, client
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _all_cache_bytes() -> bytes:
    root = store.incidents_dir()
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


# --------------------------------------------------------------------------- login


def test_good_login_paging_and_cache(api):
    state, client = api
    state.events = [_event(i) for i in range(1, 8)] + [_event(99, country="Syria")]
    report = fa.fetch_acled(
        date_from=fa.dt.date(2024, 1, 1), date_to=fa.dt.date(2024, 12, 31), client=client()
    )
    assert report.mode == "full" and report.rows == 7 and report.pages == 3  # 3 + 3 + 1
    reads = [r for r in state.requests if r[1] == "/api/acled/read"]
    assert [r[2]["page"] for r in reads] == ["1", "2", "3"]
    assert reads[0][2]["country"] == "Iraq" and reads[0][2]["event_date_where"] == "BETWEEN"
    token_posts = [r for r in state.requests if r[1] == "/oauth/token"]
    assert token_posts[0][2]["grant_type"] == "password"
    assert token_posts[0][2]["client_id"] == "acled"
    cached = store.cached_acled()
    assert cached is not None and cached.record["rows"] == 7
    assert "ACLED" in cached.record["citation"] and "aggregates" in cached.record["licence"]
    loaded = load_incidents(cached.path)
    assert loaded.datasets[0].acled and loaded.rows_accepted == 7  # maps default to aggregates
    assert PASSWORD.encode() not in _all_cache_bytes()
    assert EMAIL.encode() not in _all_cache_bytes()


def test_bad_password_is_one_line_without_the_password(api):
    _state, client = api
    with pytest.raises(fa.AcledError) as info:
        fa.fetch_acled(client=client(password="wrong-" + PASSWORD))
    text = info.value.one_line() + repr(info.value) + str(info.value.__cause__)
    assert "refused the login" in text and "wrong email or password" in text
    assert PASSWORD not in text and "wrong-" not in text
    assert store.cached_acled() is None


def test_credentials_never_printed():
    account = fa.Credentials(EMAIL, PASSWORD)
    assert PASSWORD not in repr(account) and PASSWORD not in str(account)
    assert EMAIL not in repr(account)


def test_credentials_from_environment_or_missing(monkeypatch):
    monkeypatch.setenv("ACLED_EMAIL", EMAIL)
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)
    assert fa.credentials(prompt=False) == fa.Credentials(EMAIL, PASSWORD)
    monkeypatch.delenv("ACLED_PASSWORD")
    with pytest.raises(fa.AcledError, match="ACLED_EMAIL and ACLED_PASSWORD"):
        fa.credentials(prompt=False)


def test_prompt_uses_getpass(monkeypatch):
    monkeypatch.delenv("ACLED_EMAIL", raising=False)
    monkeypatch.delenv("ACLED_PASSWORD", raising=False)
    asked = []
    monkeypatch.setattr(fa.getpass, "getpass", lambda text: asked.append(text) or PASSWORD)
    account = fa.credentials(prompt=True, ask=lambda text: EMAIL)
    assert account == fa.Credentials(EMAIL, PASSWORD) and "not stored" in asked[0]


# --------------------------------------------------------------------------- tokens, limits


def test_expired_token_is_refreshed(api):
    state, client = api
    state.events = [_event(i) for i in range(1, 8)]
    api_client = client()
    pages = api_client.pages(
        api_client.read_url, {"country": "Iraq", "event_date": "2024-01-01|2024-12-31"}
    )
    first = next(pages)
    state.expire_all()  # the server now refuses the token: 401, then a refresh
    rest = [row for page in pages for row in page]
    assert len(first) + len(rest) == 7
    assert api_client.refreshes == 1 and api_client.logins == 1
    grants = [r[2]["grant_type"] for r in state.requests if r[1] == "/oauth/token"]
    assert grants == ["password", "refresh_token"]


def test_token_refreshed_before_it_expires(api):
    state, client = api
    state.events = [_event(1)]
    state.expires_in = 100
    api_client = client()
    api_client.get(api_client.read_url, {"country": "Iraq", "event_date": "2024-01-01|2024-12-31"})
    state.clock["now"] += 90  # within the margin of the expiry
    api_client.get(api_client.read_url, {"country": "Iraq", "event_date": "2024-01-01|2024-12-31"})
    assert api_client.refreshes == 1


def test_rate_limit_waits_retry_after_then_succeeds(api):
    state, client = api
    state.events = [_event(1)]
    state.rate_limit = 2
    report = fa.fetch_acled(client=client(), today=fa.dt.date(2025, 1, 1))
    assert report.rows == 1 and state.slept == [2.0, 2.0]


def test_rate_limit_is_bounded(api):
    state, client = api
    state.rate_limit = 100
    with pytest.raises(fa.AcledError, match=r"429 \(rate limit\) after 5 waits"):
        fa.fetch_acled(client=client())
    state.rate_limit, state.retry_after = 1, "3600"
    with pytest.raises(fa.AcledError, match="asks to wait 3600 s"):
        fa.fetch_acled(client=client())
    assert store.cached_acled() is None


# --------------------------------------------------------------------------- updates


def test_update_fetches_changes_and_applies_deletions(api):
    state, client = api
    state.events = [_event(i, stamp=1000 + i) for i in range(1, 6)]
    span = {"date_from": fa.dt.date(2024, 1, 1), "date_to": fa.dt.date(2024, 12, 31)}
    fa.fetch_acled(client=client(), **span)
    # ACLED changes event 2, adds event 6 and deletes event 4
    state.events[1] = _event(2, stamp=2000, fatalities="5")
    state.events.append(_event(6, stamp=2001))
    del state.events[3]
    state.deleted = [
        {"event_id_cnty": "IRQ00004", "deleted_timestamp": "1999"},
        {"event_id_cnty": "IRQ00001", "deleted_timestamp": "10"},  # deleted before: not again
    ]
    state.requests.clear()
    report = fa.fetch_acled(client=client())  # the cached period, incremental
    assert report.mode == "update"
    # event 5 (timestamp 1005, the newest cached) comes back too: ``>=`` includes it
    assert (report.received, report.added, report.changed, report.deleted) == (3, 1, 1, 1)
    read = next(r for r in state.requests if r[1] == "/api/acled/read")[2]
    assert read["timestamp"] == "1005" and read["event_date"] == "2024-01-01|2024-12-31"
    deleted = next(r for r in state.requests if r[1] == "/api/deleted/read")[2]
    assert deleted["deleted_timestamp"] == "1005"
    loaded = load_incidents(store.cached_acled().path)
    by_id = loaded.events.set_index("event_id")
    assert sorted(by_id.index) == ["IRQ00001", "IRQ00002", "IRQ00003", "IRQ00005", "IRQ00006"]
    assert by_id.loc["IRQ00002", "fatalities"] == 5
    assert store.cached_acled().record["last_timestamp"] == 2001


def test_other_period_fetches_everything_again(api):
    state, client = api
    state.events = [_event(1, date="2023-03-01"), _event(2, date="2024-03-01")]
    fa.fetch_acled(
        client=client(), date_from=fa.dt.date(2024, 1, 1), date_to=fa.dt.date(2024, 12, 31)
    )
    report = fa.fetch_acled(
        client=client(), date_from=fa.dt.date(2023, 1, 1), date_to=fa.dt.date(2024, 12, 31)
    )
    assert report.mode == "full" and report.rows == 2 and "period changed" in report.summary()


# --------------------------------------------------------------------------- CLI


def test_cli_offline_never_tries(monkeypatch, capsys):
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("ACLED_EMAIL", EMAIL)
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)
    assert main(["incidents", "fetch", "acled"]) == 3
    err = capsys.readouterr().err
    assert "GEO_OFFLINE" in err and len(err.strip().splitlines()) == 1 and PASSWORD not in err


def test_cli_bad_password_and_good_fetch_never_show_the_password(api, monkeypatch, capsys):
    state, _client = api
    state.events = [_event(1)]
    monkeypatch.setattr(fa, "TOKEN_URL", f"{state.base}/oauth/token")
    monkeypatch.setattr(fa, "READ_URL", f"{state.base}/api/acled/read")
    monkeypatch.setattr(fa, "DELETED_URL", f"{state.base}/api/deleted/read")
    monkeypatch.setenv("ACLED_EMAIL", EMAIL)
    monkeypatch.setenv("ACLED_PASSWORD", "not-" + PASSWORD)
    assert main(["incidents", "fetch", "acled"]) == 3
    out = capsys.readouterr()
    assert "refused the login" in out.err and PASSWORD not in out.err + out.out
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)
    assert main(["incidents", "fetch", "acled", "--from", "2024-01-01"]) == 0
    out = capsys.readouterr()
    assert "1 rows cached" in out.out and PASSWORD not in out.err + out.out
    assert EMAIL not in out.out
    assert PASSWORD.encode() not in _all_cache_bytes()
    main(["incidents", "list"])
    assert "ACLED: 1 Iraq rows" in capsys.readouterr().out


def test_server_down(monkeypatch):
    monkeypatch.setenv("GEO_OFFLINE", "0")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = fa.Client(
        fa.Credentials(EMAIL, PASSWORD), token_url=f"http://127.0.0.1:{port}/oauth/token"
    )
    with pytest.raises(DownloadError, match="cannot be reached") as info:
        fa.fetch_acled(client=client)
    assert PASSWORD not in info.value.one_line()
    assert info.value.__cause__ is None  # the request (with the password) is not chained


def test_reversed_dates(api):
    _state, client = api
    with pytest.raises(GeoError, match="after --to"):
        fa.fetch_acled(
            client=client(), date_from=fa.dt.date(2025, 1, 1), date_to=fa.dt.date(2024, 1, 1)
        )


def test_cache_path_is_under_incidents(api):
    state, client = api
    state.events = [_event(1)]
    report = fa.fetch_acled(client=client())
    assert Path(report.path).parent == store.acled_dir()
