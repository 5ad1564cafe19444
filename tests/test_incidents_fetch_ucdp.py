"""``geo incidents fetch ucdp``: download, Iraq filter, trust on first use, the cache, the build."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import http.server
import io
import json
import re
import socket
import threading
import zipfile
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

from geo import pipeline
from geo.cli import main
from geo.errors import ChecksumError, DownloadError
from geo.incidents import fetch_ucdp as fu
from geo.incidents import load_incidents, store

HEADER_LINE = (
    "id,year,active_year,type_of_violence,conflict_new_id,conflict_name,dyad_new_id,dyad_name,"
    "side_a_new_id,gwnoa,side_a,side_b_new_id,gwnob,side_b,number_of_sources,source_article,"
    "source_office,source_date,source_headline,source_original,where_prec,where_coordinates,"
    "adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,region,"
    "event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,"
    "deaths_unknown,low,best,high"
)
HEADER = HEADER_LINE.split(",")


def _row(event_id: str, country_id: str, *, date: str = "2024-03-05", **over: str) -> dict:
    row = dict.fromkeys(HEADER, "")
    row.update(
        id=event_id,
        year=date[:4],
        type_of_violence="1",
        side_a="Government of Iraq",
        side_b="IS",
        gwnoa="645",
        where_prec="1",
        where_coordinates="Kirkuk town",
        latitude="35.4681",
        longitude="44.3922",
        country="Iraq" if country_id == "645" else "Elsewhere",
        country_id=country_id,
        date_prec="1",
        date_start=date,
        date_end=date,
        low="1",
        best="2",
        high="3",
        source_headline='Quoted, "comma" text\nover two lines',
    )
    row.update(over)
    return row


def _csv(rows: list[dict], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


SMALL_ROWS = [
    _row("1", "645"),
    _row("2", "652", latitude="33.5", longitude="36.3"),  # Syria
    _row("3", "645", gwnoa="645;2", best="9", high="5"),  # several codes; best > high
    _row("4", "630", latitude="35.7", longitude="51.4"),  # Iran
    _row("5", "645", date="2024-12-30"),
]


def _zip(csv_bytes: bytes, member: str = "GEDEvent_v25_1.csv") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, csv_bytes)
    return buf.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple]] = {}
    hits: ClassVar[list[str]] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        self.hits.append(name)
        route = self.routes.get(name)
        if route is None:
            self.send_error(404)
            return
        status, body, kind, length = route
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


@pytest.fixture
def remote(monkeypatch):
    """A fake UCDP on 127.0.0.1; ``routes[name] = (status, body, type, length)``.

    Yields the handler class (``routes``, ``hits``) and the base URL.
    """
    handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GEO_OFFLINE", "0")
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _serve(handler, name: str, body: bytes, *, status=200, kind="application/zip", length=None):
    handler.routes[name] = (status, body, kind, length)


def _cache_files() -> list[Path]:
    root = store.incidents_dir()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --------------------------------------------------------------------------- success


def test_fetch_keeps_iraq_rows_with_provenance(remote):
    handler, url = remote
    archive = _zip(_csv(SMALL_ROWS))
    _serve(handler, "ged251-csv.zip", archive)
    report = fu.fetch_ucdp("25.1", mirror=url)
    assert handler.hits == ["ged251-csv.zip"]
    assert (report.filtered.rows_read, report.filtered.rows_iraq) == (5, 3)
    assert report.filtered.fatality_order == 1 and report.filtered.multi_gwno == 1
    cached = store.cached_ucdp()
    assert [c.version for c in cached] == ["25.1"]
    rows = pd.read_csv(cached[0].ged, dtype=str, keep_default_na=False)
    assert rows["id"].tolist() == ["1", "3", "5"]  # Syria and Iran dropped
    assert rows.loc[1, "gwnoa"] == "645;2"
    assert rows.loc[0, "source_headline"] == 'Quoted, "comma" text\nover two lines'
    record = json.loads((cached[0].folder / "provenance.json").read_text())
    download = record["downloads"]["ged251-csv.zip"]
    assert download["sha256"] == hashlib.sha256(archive).hexdigest()
    assert download["size"] == len(archive)
    assert download["url"] == url + "ged251-csv.zip"
    assert "first use" in download["trust"]
    assert record["rows_iraq"] == 3 and record["licence"] == "CC BY 4.0"
    assert "Sundberg" in record["citation"] and "Högbladh" in record["citation"]
    assert "first download" in report.summary()
    # the cached rows load with the UCDP reader, all accepted
    loaded = load_incidents(cached[0].ged)
    assert loaded.datasets[0].format == "ucdp" and loaded.rows_accepted == 3
    assert not loaded.events["provisional"].any()


def test_second_identical_fetch_is_unchanged(remote):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", _zip(_csv(SMALL_ROWS)))
    fu.fetch_ucdp("25.1", mirror=url)
    again = fu.fetch_ucdp("25.1", mirror=url)
    assert again.ged.action.startswith("unchanged")


def test_second_fetch_that_differs_is_refused_then_forced(remote):
    handler, url = remote
    first = _zip(_csv(SMALL_ROWS))
    _serve(handler, "ged251-csv.zip", first)
    fu.fetch_ucdp("25.1", mirror=url)
    before = {p: p.read_bytes() for p in _cache_files()}
    changed = _zip(_csv([*SMALL_ROWS, _row("6", "645")]))
    _serve(handler, "ged251-csv.zip", changed)
    with pytest.raises(ChecksumError) as info:
        fu.fetch_ucdp("25.1", mirror=url)
    message = info.value.one_line()
    assert hashlib.sha256(first).hexdigest() in message
    assert hashlib.sha256(changed).hexdigest() in message
    assert "--force" in message and "the cache was kept" in message
    assert {p: p.read_bytes() for p in _cache_files()} == before
    forced = fu.fetch_ucdp("25.1", mirror=url, force=True)
    assert forced.ged.action == "replaced (--force)" and forced.filtered.rows_iraq == 4
    assert store.cached_ucdp()[0].record["downloads"]["ged251-csv.zip"]["sha256"] == (
        hashlib.sha256(changed).hexdigest()
    )


# --------------------------------------------------------------------------- failures


def _no_cache_left():
    assert store.cached_ucdp() == []
    leftovers = [p for p in _cache_files() if p.name != "provenance.json"]
    assert leftovers == [], leftovers
    assert not store.ucdp_dir("25.1").exists()  # not even an empty version folder


def test_truncated_download_is_not_cached(remote):
    handler, url = remote
    archive = _zip(_csv(SMALL_ROWS))
    _serve(handler, "ged251-csv.zip", archive[: len(archive) // 2], length=len(archive))
    with pytest.raises(DownloadError, match=r"ged251-csv\.zip") as info:
        fu.fetch_ucdp("25.1", mirror=url)
    assert "nothing was cached" in info.value.one_line() or "broke off" in info.value.one_line()
    _no_cache_left()


def test_wrong_size_is_not_cached(remote):
    handler, url = remote
    archive = _zip(_csv(SMALL_ROWS))
    # the server announces fewer bytes than the archive: the body stops short
    _serve(handler, "ged251-csv.zip", archive, length=len(archive) - 10)
    with pytest.raises(DownloadError):
        fu.fetch_ucdp("25.1", mirror=url)
    _no_cache_left()


def test_corrupt_zip_is_not_cached(remote):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", b"PK\x03\x04" + b"\x00garbage" * 100)
    with pytest.raises(DownloadError, match="not a valid zip archive; nothing was cached"):
        fu.fetch_ucdp("25.1", mirror=url)
    _no_cache_left()


def test_zip_with_damaged_data_is_not_cached(remote):
    handler, url = remote
    archive = bytearray(_zip(_csv(SMALL_ROWS * 50)))
    archive[60:80] = b"\xff" * 20  # inside the compressed member: CRC/deflate error
    _serve(handler, "ged251-csv.zip", bytes(archive))
    with pytest.raises(DownloadError, match="nothing was cached"):
        fu.fetch_ucdp("25.1", mirror=url)
    _no_cache_left()


def test_zip_without_the_csv_is_not_cached(remote):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", _zip(_csv(SMALL_ROWS), member="readme.txt"))
    with pytest.raises(DownloadError, match=r"does not hold GEDEvent_v25_1\.csv.*readme\.txt"):
        fu.fetch_ucdp("25.1", mirror=url)
    _no_cache_left()


def test_zip_with_another_table_is_not_cached(remote):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", _zip(b"a,b\n1,2\n"))
    with pytest.raises(DownloadError, match="not a UCDP GED file"):
        fu.fetch_ucdp("25.1", mirror=url)
    _no_cache_left()


def test_404_names_the_url(remote):
    _, url = remote
    with pytest.raises(DownloadError, match=r"ged251-csv\.zip: HTTP 404"):
        fu.fetch_ucdp("25.1", mirror=url)
    _no_cache_left()


def test_html_with_status_200_is_not_cached(remote):
    handler, url = remote
    page = b"<!DOCTYPE html><html><body>Please log in</body></html>"
    _serve(handler, "ged251-csv.zip", page, kind="application/octet-stream")
    with pytest.raises(DownloadError, match=r"web page \(HTML\)"):
        fu.fetch_ucdp("25.1", mirror=url)
    _no_cache_left()


def test_server_down(monkeypatch):
    monkeypatch.setenv("GEO_OFFLINE", "0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot be reached") as info:
        fu.fetch_ucdp("25.1", mirror=f"http://127.0.0.1:{port}/")
    assert "--mirror" in info.value.one_line()
    _no_cache_left()


def test_offline_never_tries(remote, monkeypatch, capsys):
    handler, url = remote
    monkeypatch.setenv("GEO_OFFLINE", "1")
    code = main(["incidents", "fetch", "ucdp", "--version", "25.1", "--mirror", url])
    err = capsys.readouterr().err
    assert code == 3 and handler.hits == []
    assert len(err.strip().splitlines()) == 1 and "GEO_OFFLINE" in err


def test_cli_server_down_is_one_line_exit_3(monkeypatch, capsys):
    monkeypatch.setenv("GEO_OFFLINE", "0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = main(["incidents", "fetch", "ucdp", "--mirror", f"http://127.0.0.1:{port}/"])
    err = capsys.readouterr().err
    assert code == 3 and len(err.strip().splitlines()) == 1 and "cannot be reached" in err


def test_bad_version_is_a_usage_error(capsys):
    assert main(["incidents", "fetch", "ucdp", "--version", "latest"]) == 1
    assert "write it like" in capsys.readouterr().err


# --------------------------------------------------------------------------- Candidate months


def test_candidate_months_deduplicated_and_provisional(remote):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", _zip(_csv(SMALL_ROWS)))
    # January: one new event and one already in GED (id 5); February: a revision of 10 and 11
    jan = _csv([_row("10", "645", date="2025-01-04"), _row("5", "645"), _row("12", "652")])
    feb = _csv([_row("10", "645", date="2025-01-05"), _row("11", "645", date="2025-02-02")])
    _serve(handler, "GEDEvent_v25_0_1.csv", jan, kind="text/csv")
    _serve(handler, "GEDEvent_v25_0_2.csv", feb, kind="text/csv")
    report = fu.fetch_ucdp("25.1", mirror=url, candidate=True, today=dt.date(2025, 6, 15))
    # tried January, February, then March answered 404: the months end there
    assert handler.hits == [
        "ged251-csv.zip",
        "GEDEvent_v25_0_1.csv",
        "GEDEvent_v25_0_2.csv",
        "GEDEvent_v25_0_3.csv",
    ]
    assert [c.name for c in report.candidates] == ["GEDEvent_v25_0_1.csv", "GEDEvent_v25_0_2.csv"]
    assert (report.candidate_rows, report.dropped_in_ged, report.dropped_later_month) == (2, 1, 1)
    assert "GED wins" in fu.__doc__
    cached = store.cached_ucdp()[0]
    assert [p.name for p in cached.candidates] == [
        "GEDEvent_v25_0_1_IRQ.csv",
        "GEDEvent_v25_0_2_IRQ.csv",
    ]
    loaded = load_incidents(list(cached.files))
    assert loaded.rows_rejected == 0  # no duplicate ids across the files
    ids = sorted(loaded.events["event_id"])
    assert ids == ["UCDP-1", "UCDP-10", "UCDP-11", "UCDP-3", "UCDP-5"]
    provisional = loaded.events.set_index("event_id")["provisional"]
    assert provisional["UCDP-10"] and provisional["UCDP-11"] and not provisional["UCDP-5"]
    # the later month's version of event 10 won
    assert loaded.events.set_index("event_id").loc["UCDP-10", "date"] == pd.Timestamp("2025-01-05")
    assert any(d.provisional and "Candidate" in d.citation for d in loaded.datasets)
    record = cached.candidate_record
    assert record["dropped_in_ged"] == 1 and record["months"] == ["2025-01", "2025-02"]


def test_candidate_months_stop_at_today(remote):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", _zip(_csv(SMALL_ROWS)))
    _serve(handler, "GEDEvent_v25_0_1.csv", _csv([_row("10", "645")]), kind="text/csv")
    fu.fetch_ucdp("25.1", mirror=url, candidate=True, today=dt.date(2025, 2, 1))
    assert handler.hits == ["ged251-csv.zip", "GEDEvent_v25_0_1.csv"]


def test_candidate_html_page_keeps_previous_cache(remote):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", _zip(_csv(SMALL_ROWS)))
    _serve(handler, "GEDEvent_v25_0_1.csv", b"<html>moved</html>", kind="text/html")
    with pytest.raises(DownloadError, match="HTML"):
        fu.fetch_ucdp("25.1", mirror=url, candidate=True, today=dt.date(2025, 6, 1))
    cached = store.cached_ucdp()[0]  # the GED rows were cached; no Candidate rows were
    assert cached.candidates == ()


def test_names():
    assert fu.ged_names("25.1") == ("ged251-csv.zip", "GEDEvent_v25_1.csv")
    assert fu.candidate_name(2026, 8) == "GEDEvent_v26_0_8.csv"
    assert list(fu.candidate_months("25.1", dt.date(2025, 3, 9))) == [(2025, 1), (2025, 2)]


# --------------------------------------------------------------------------- list, doctor


def test_list_and_doctor_report_the_cache(remote, capsys):
    handler, url = remote
    assert main(["incidents", "list"]) == 0
    out = capsys.readouterr().out
    assert "nothing cached" in out and "the shipped sample" in out
    assert "geo incidents fetch ucdp" in out
    main(["doctor"])
    assert "incident data: none cached" in capsys.readouterr().out
    _serve(handler, "ged251-csv.zip", _zip(_csv(SMALL_ROWS)))
    assert main(["incidents", "fetch", "ucdp", "--version", "25.1", "--mirror", url]) == 0
    assert "Iraq (country_id 645) 3" in capsys.readouterr().out
    main(["incidents", "list"])
    out = capsys.readouterr().out
    assert "UCDP GED 25.1: 3 Iraq rows" in out and "uses: UCDP GED 25.1" in out
    main(["doctor"])
    assert re.search(r"\[ok +\] incident data: UCDP GED 25\.1", capsys.readouterr().out)


def test_corrupted_cache_file_is_not_used(remote):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", _zip(_csv(SMALL_ROWS)))
    fu.fetch_ucdp("25.1", mirror=url)
    cached = store.cached_ucdp()[0]
    cached.ged.write_bytes(cached.ged.read_bytes()[:-20])  # e.g. a disk error
    assert store.cached_ucdp() == []
    assert store.default_incidents().sample


# --------------------------------------------------------------------------- the real file


@pytest.fixture
def real_archive(ucdp_csv) -> bytes:
    """The shared UCDP GED Iraq file plus rows of two other countries, as GED 25.1's zip."""
    data = ucdp_csv.read_bytes()
    header = data.split(b"\n", 1)[0].decode().strip().split(",")
    extra = [
        _row("900000001", "652", latitude="33.5", longitude="36.3"),
        _row("900000002", "630", latitude="35.7", longitude="51.4"),
    ]
    others = _csv([{k: r.get(k, "") for k in header} for r in extra], header=header)
    body = data.rstrip(b"\n") + b"\n" + others.split(b"\n", 1)[1]
    return _zip(body)


def test_real_file_filtered_to_iraq(remote, real_archive, ucdp_csv):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", real_archive)
    report = fu.fetch_ucdp("25.1", mirror=url)
    plain = pd.read_csv(ucdp_csv, dtype=str, keep_default_na=False, skiprows=[1])
    iraq = int((plain["country_id"] == "645").sum())
    assert report.filtered.rows_iraq == iraq
    assert report.filtered.rows_read == len(plain) + 2  # HXL row not counted
    cached = pd.read_csv(store.cached_ucdp()[0].ged, dtype=str, keep_default_na=False)
    assert set(cached["country_id"]) == {"645"} and len(cached) == iraq


def test_done_when_fetch_then_plain_build_draws_ucdp(
    remote, real_archive, tmp_path, offline_assets, monkeypatch, capsys
):
    handler, url = remote
    _serve(handler, "ged251-csv.zip", real_archive)
    monkeypatch.setenv("GEO_ASSETS_DIR", str(offline_assets.folder))
    # without the fetch: the sample, and one line on how to get real data
    out_sample = tmp_path / "sample"
    assert main(["build", "--out", str(out_sample)]) == 0
    text = capsys.readouterr().out
    assert "the shipped sample" in text
    assert text.strip().splitlines()[-1].startswith("note: maps use the shipped sample")
    assert "geo incidents fetch ucdp" in text.strip().splitlines()[-1]
    assert main(["incidents", "fetch", "ucdp", "--version", "25.1", "--mirror", url]) == 0
    capsys.readouterr()
    monkeypatch.setenv("GEO_OFFLINE", "1")  # a plain build never downloads incidents
    out = tmp_path / "ucdp"
    report = pipeline.build(out=out)
    assert [d.name for d in report.loaded.datasets] == ["GEDEvent_v25_1_IRQ.csv"]
    is_events = int((report.joined.events["role"] != "none").sum())
    assert 6100 <= is_events <= 6300  # about 6,190 IS events in the shared file
    overview = next(m for m in report.maps if m.name == "iraq-overview")
    assert overview.events == is_events
    assert "cached UCDP GED 25.1" in report.summary()
    pages = [out / f"{m.name}.html" for m in report.maps] + [out / "index.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "Sundberg" in html and "Melander" in html and "CC BY 4.0" in html, page
        assert "GEDEvent_v25_1_IRQ.csv" in html, page
    assert "shipped sample" not in (out / "index.html").read_text(encoding="utf-8")
