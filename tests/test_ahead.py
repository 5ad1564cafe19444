"""Points measured while the file is validated (geo.ahead): the join's output never changes."""

from __future__ import annotations

import csv
import dataclasses

import pandas as pd
import pytest

from geo import ahead, prefetch
from geo.boundaries.resolve import resolve_boundaries
from geo.cli import main
from geo.errors import GeoError
from geo.incidents import load_incidents
from geo.incidents.synth import write_synthetic
from geo.join import join_events
from geo.layers import project_layers
from geo.place import place_events


@pytest.fixture
def events_csv(tmp_path):
    path = tmp_path / "events.csv"
    write_synthetic(600, seed=11, out=path)
    return path


@pytest.fixture
def starts(monkeypatch):
    """What every ``ahead.start`` returns, in order."""
    seen = []
    real = ahead.start
    monkeypatch.setattr(ahead, "start", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    return seen


@pytest.fixture(scope="module")
def layers():
    return project_layers(resolve_boundaries(None).boundaries)


def _edit(path, edits):
    """Rewrite some cells of a CSV: ``edits`` maps (data row, column) to the new text."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for (row, column), value in edits.items():
        rows[1 + row][header.index(column)] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _joined(paths, layers, *, with_ahead, is_only=False, **options):
    """Load, place and join ``paths``; measured ahead or not. Returns (events, hits)."""
    hits = []
    with prefetch.reading(paths):
        early = ahead.start(layers, paths[0], is_only=is_only) if with_ahead else None
        loaded = load_incidents(paths, is_only=is_only, points=False, **options)
        placed = place_events(loaded.events, layers).events
        if early is not None:
            lon, lat = placed["longitude"].to_numpy(), placed["latitude"].to_numpy()
            rows = placed["source_row"].to_numpy()
            hits.append(int((early.lookup(layers, 50.0, lon, lat, rows) >= 0).sum()))
        joined = join_events(placed, layers, ahead=early).events
    return joined, (hits[0] if hits else None)


def test_the_join_is_the_same_with_points_measured_ahead(events_csv, layers):
    plain, _ = _joined([events_csv], layers, with_ahead=False)
    early, hits = _joined([events_csv], layers, with_ahead=True)
    assert hits is not None and hits > 0.9 * len(plain)  # the head start is used
    pd.testing.assert_frame_equal(early, plain)


def test_an_is_only_join_measures_the_rows_naming_the_group_only(events_csv, layers, starts):
    plain, _ = _joined([events_csv], layers, with_ahead=False, is_only=True)
    every = pd.read_csv(events_csv)
    assert 0 < len(plain) < len(every)  # the synthetic file holds events without IS too
    early, hits = _joined([events_csv], layers, with_ahead=True, is_only=True)
    assert len(starts[-1].lon) == hits == len(plain)  # no row measured for nothing
    assert starts[-1].rows.tolist() == (plain["source_row"] - ahead.FIRST_LINE).tolist()
    pd.testing.assert_frame_equal(early, plain)


def test_an_is_event_the_guess_missed_is_measured_by_the_join(events_csv, layers, monkeypatch):
    plain, _ = _joined([events_csv], layers, with_ahead=False, is_only=True)
    guess = ahead.likely_is
    monkeypatch.setattr(ahead, "likely_is", lambda table: guess(table)[::2])
    early, hits = _joined([events_csv], layers, with_ahead=True, is_only=True)
    assert (len(plain) + 1) // 2 <= hits < len(plain)  # (some found by equal coordinates)
    pd.testing.assert_frame_equal(early, plain)


@pytest.mark.parametrize(
    ("header", "row", "guess"),
    [
        ("actor1,actor2,longitude,latitude", "Police,Islamic State,44,35", [1]),
        ("actor1,actor2,role,longitude,latitude", "Police,Army,is_attack,44,35", None),
        ("side_a,side_b,date_start,where_prec,longitude,latitude", "Iraq,IS,x,1,44,35", [1]),
        ("actor,longitude,latitude", "Police,44,35", None),
    ],
)
def test_the_guess_reads_each_format_s_actor_columns(header, row, guess):
    """The first row never names the group; a stated role or no actor column: every row."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text = f"{header}\nCounter-ISIS Coalition,Army,{','.join(['0'] * (header.count(',') - 1))}\n"
    table = pacsv.read_csv(pa.py_buffer((text + row + "\n").encode()))
    got = ahead.likely_is(table.cast(pa.schema([(n, pa.string()) for n in table.column_names])))
    assert (None if got is None else got.tolist()) == guess


def test_no_guess_over_too_many_distinct_actor_names(monkeypatch):
    import pyarrow as pa

    table = pa.table({"actor1": pa.array(["IS", "Army", "Police"], pa.large_string())})
    assert ahead.likely_is(table).tolist() == [0]
    monkeypatch.setattr(ahead, "GUESS_MAX_NAMES", 2)
    assert ahead.likely_is(table) is None


def test_changed_rejected_and_moved_points_are_measured_again(events_csv, layers, tmp_path):
    """Rows the loader rejects or fixes, and other files' rows, take no early measurement."""
    _edit(
        events_csv,
        {
            (0, "latitude"): "",  # rejected: no coordinates
            (1, "latitude"): "95.0",  # rejected: out of range
            (2, "latitude"): "44.4",  # swapped: the loader puts them back
            (2, "longitude"): "35.5",
        },
    )
    second = tmp_path / "second.csv"  # another file: its rows were not measured ahead
    write_synthetic(50, seed=12, out=second)
    second.write_bytes(second.read_bytes().replace(b"SYN-", b"TWO-"))
    paths = [events_csv, second]
    plain, _ = _joined(paths, layers, with_ahead=False, fix_swapped=True)
    early, hits = _joined(paths, layers, with_ahead=True, fix_swapped=True)
    assert len(plain) == 600 - 2 + 50
    fixed = plain.loc[plain["source_row"].eq(4) & plain["event_id"].str.startswith("SYN")]
    assert fixed[["latitude", "longitude"]].values.tolist() == [[35.5, 44.4]]
    assert hits == 600 - 3  # every row of the first file but the swapped one
    pd.testing.assert_frame_equal(early, plain)


def test_a_file_with_records_over_several_lines_is_matched_by_coordinates(events_csv, layers):
    """Like UCDP GED: a quoted field spans lines, and a blank line; lines and rows part ways."""
    _edit(events_csv, {(3, "notes"): "first line\nsecond line", (9, "notes"): "a\n\nb"})
    with open(events_csv, "a", encoding="utf-8") as fh:
        fh.write("\n")
    plain, _ = _joined([events_csv], layers, with_ahead=False)
    early, hits = _joined([events_csv], layers, with_ahead=True)
    assert hits == len(plain) == 600
    pd.testing.assert_frame_equal(early, plain)


def test_points_are_matched_by_value_not_only_by_line(events_csv, layers, monkeypatch):
    """Even a wrong line mapping cannot give an event another point's measurement."""
    plain, _ = _joined([events_csv], layers, with_ahead=False)
    monkeypatch.setattr(ahead, "FIRST_LINE", 3)  # off by one line
    monkeypatch.setattr(ahead, "LINE_MISSES_MAX", 1.0)  # and no lookup by coordinates
    early, hits = _joined([events_csv], layers, with_ahead=True)
    assert hits < 0.1 * len(plain)  # only where neighbouring rows share a point
    pd.testing.assert_frame_equal(early, plain)
    monkeypatch.setattr(ahead, "LINE_MISSES_MAX", 0.1)  # the misses found by coordinates
    early, hits = _joined([events_csv], layers, with_ahead=True)
    assert hits == len(plain)
    pd.testing.assert_frame_equal(early, plain)


def test_other_layers_or_spacing_take_nothing(events_csv, layers):
    other = dataclasses.replace(layers)  # equal, but not the layers measured against
    with prefetch.reading([events_csv]):
        early = ahead.start(layers, events_csv)
        assert early is not None
        lon, lat = early.lon[:5], early.lat[:5]
        rows = [2, 3, 4, 5, 6]
        assert (early.lookup(layers, 50.0, lon, lat, rows) == [0, 1, 2, 3, 4]).all()
        assert (early.lookup(other, 50.0, lon, lat, rows) == -1).all()
        assert (early.lookup(layers, 25.0, lon, lat, rows) == -1).all()
        early.pending.collect()


def test_the_prefetch_is_still_handed_to_the_loader(events_csv, layers):
    with prefetch.reading([events_csv]):
        seen = prefetch.peek(events_csv)
        assert seen is not None and prefetch.peek(events_csv) is seen
        assert ahead.start(layers, events_csv) is not None
        assert prefetch.take(events_csv) is seen
        assert prefetch.peek(events_csv) is None


@pytest.mark.parametrize(
    "edits",
    [
        {(5, "latitude"): "about 34"},  # not a number: the loader rejects it
        {(5, "longitude"): " 44.1", (6, "latitude"): "3.4e1"},  # padding, exponent
        {(7, "latitude"): "#geo+lat", (7, "longitude"): "#geo+lon"},  # an HXL-like row
    ],
)
def test_odd_coordinates_are_left_to_the_loader_and_the_join(events_csv, layers, edits):
    _edit(events_csv, edits)
    plain, _ = _joined([events_csv], layers, with_ahead=False)
    early, hits = _joined([events_csv], layers, with_ahead=True)
    assert hits is not None and hits >= len(plain) - 2
    pd.testing.assert_frame_equal(early, plain)


def test_a_date_or_role_filter_measures_nothing_ahead(events_csv, monkeypatch, starts):
    from geo.analysis import Selection, join_selection

    with prefetch.reading([events_csv]):
        join_selection(Selection(inputs=[events_csv], is_only=False, roles=("is_attack",)))
    assert starts == []
    with prefetch.reading([events_csv]):
        join_selection(Selection(inputs=[events_csv], is_only=True))
    assert len(starts) == 1 and starts[0] is not None
    assert starts[0].rows is not None  # IS-involved events only: the others are not measured


@pytest.mark.parametrize("column", ["latitude", "actor1"])
def test_a_repeated_column_is_left_to_the_loader_s_message(events_csv, tmp_path, capsys, column):
    """The head start reads the columns it needs by name: a repeated one is not its to report."""
    with open(events_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    at = rows[0].index(column)
    path = tmp_path / "repeated.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([*row, row[at]] for row in rows)
    assert main(["join", str(path), "--out", str(tmp_path / "j.parquet")]) != 0
    err = capsys.readouterr().err
    assert f"line 1: duplicate column names {column}" in err and "Traceback" not in err


def test_no_head_start_without_a_prefetched_csv_or_its_columns(events_csv, layers, tmp_path):
    assert ahead.start(layers, events_csv) is None  # not prefetched
    with prefetch.reading([events_csv]):
        assert ahead.start(layers, events_csv, lat_col="lat") is None
    geojson = tmp_path / "events.geojson"
    geojson.write_text('{"type": "FeatureCollection", "features": []}')
    with prefetch.reading([geojson]):
        assert ahead.start(layers, geojson) is None


@pytest.mark.parametrize("which", [["--all-events"], []])
def test_geo_join_writes_the_same_table_with_and_without_the_head_start(
    events_csv, tmp_path, monkeypatch, starts, which
):
    def join(name):
        return main(["join", str(events_csv), "--out", str(tmp_path / name), *which])

    assert join("a.parquet") == 0
    assert len(starts) == 1 and starts[0] is not None
    monkeypatch.setattr(ahead, "start", lambda *a, **k: None)
    assert join("b.parquet") == 0
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_a_failed_load_stops_the_measuring(events_csv, monkeypatch):
    from geo.analysis import Selection, join_selection

    cancelled = []
    real_cancel = ahead.Ahead.cancel
    monkeypatch.setattr(ahead.Ahead, "cancel", lambda self: cancelled.append(real_cancel(self)))
    monkeypatch.setenv("GEO_MAX_ROWS", "10")  # the loader refuses the file, after the prefetch
    with prefetch.reading([events_csv]), pytest.raises(GeoError, match="10"):
        join_selection(Selection(inputs=[events_csv], is_only=False))
    assert len(cancelled) == 1


def test_a_build_joins_the_same_with_the_head_start(events_csv, monkeypatch, starts):
    from geo import pipeline

    def prepare():
        with prefetch.reading([events_csv]):
            options = {"lat_col": None, "lon_col": None}
            got = pipeline._prepare(
                [events_csv],
                "auto",
                options,
                boundaries=None,
                krg_line=None,
                empty=False,
                say=lambda *_: None,
            )
        return got.joined.events

    early = prepare()
    assert len(starts) == 1 and starts[0] is not None
    monkeypatch.setattr(ahead, "start", lambda *a, **k: None)
    pd.testing.assert_frame_equal(early, prepare())


def test_an_unfinished_measurement_mostly_filtered_out_is_dropped(events_csv, layers, monkeypatch):
    """A filter that keeps few of the file's rows: the join measures them afresh."""
    import datetime as dt

    from geo.measure import Pending

    monkeypatch.setattr(Pending, "done", lambda self: False)  # as if still measuring
    cancelled = []
    real_cancel = ahead.Ahead.cancel
    monkeypatch.setattr(ahead.Ahead, "cancel", lambda self: cancelled.append(real_cancel(self)))
    recent = {"date_from": dt.date(2024, 1, 1)}
    plain, _ = _joined([events_csv], layers, with_ahead=False, **recent)
    early, hits = _joined([events_csv], layers, with_ahead=True, **recent)
    assert 0 < hits < 0.5 * 600 and cancelled  # few wanted: the head start was dropped
    pd.testing.assert_frame_equal(early, plain)


def _locations(monkeypatch):
    """Record the size of every batch of points located, and on which thread."""
    import threading

    from geo.locate import Finest

    seen: list[tuple[str, int]] = []
    real = Finest.locate

    def spy(self, lon, lat, **kwargs):
        seen.append((threading.current_thread().name, len(lon)))
        return real(self, lon, lat, **kwargs)

    monkeypatch.setattr(Finest, "locate", spy)
    return seen


def test_points_located_ahead_are_not_located_again(events_csv, layers, monkeypatch):
    plain, _ = _joined([events_csv], layers, with_ahead=False)
    seen = _locations(monkeypatch)
    early, hits = _joined([events_csv], layers, with_ahead=True)
    assert hits == 600
    assert [n for thread, n in seen if thread.startswith("geo-measure")] == [600]
    assert [n for thread, n in seen if not thread.startswith("geo-measure")] == []
    pd.testing.assert_frame_equal(early, plain)


def test_a_partial_head_start_locates_only_the_other_points(events_csv, layers, monkeypatch):
    _edit(events_csv, {(4, "latitude"): "35.5", (8, "longitude"): "44.25"})
    plain, _ = _joined([events_csv], layers, with_ahead=False)
    _edit(events_csv, {(4, "latitude"): "35.5", (8, "longitude"): "44.25"})  # same file again
    seen = _locations(monkeypatch)
    with prefetch.reading([events_csv]):
        early = ahead.start(layers, events_csv)
        _edit(events_csv, {(4, "latitude"): "35.6"})  # changed after the head start
        loaded = load_incidents([events_csv], is_only=False, points=False)
        placed = place_events(loaded.events, layers).events
        joined = join_events(placed, layers, ahead=early).events
    assert [n for thread, n in seen if not thread.startswith("geo-measure")] == [1]
    again, _ = _joined([events_csv], layers, with_ahead=False)
    pd.testing.assert_frame_equal(joined, again)
    assert joined["adm3_code"].iloc[5:].equals(plain["adm3_code"].iloc[5:])


def test_another_tolerance_or_a_failed_location_locates_afresh(events_csv, layers, monkeypatch):
    from concurrent.futures import Future

    plain, _ = _joined([events_csv], layers, with_ahead=False)
    with prefetch.reading([events_csv]):
        early = ahead.start(layers, events_csv)
        assert early is not None
        loaded = load_incidents([events_csv], is_only=False, points=False)
        placed = place_events(loaded.events, layers).events
        tight = join_events(placed, layers, ahead=early, tolerance_m=1.0).events
    pd.testing.assert_frame_equal(tight, join_events(placed, layers, tolerance_m=1.0).events)
    assert early.location(1.0) is None and early.location(1000.0) is not None

    failed: Future = Future()
    failed.set_exception(RuntimeError("lost"))
    with prefetch.reading([events_csv]):
        early = ahead.start(layers, events_csv)
        early = dataclasses.replace(early, located=failed)
        loaded = load_incidents([events_csv], is_only=False, points=False)
        placed = place_events(loaded.events, layers).events
        joined = join_events(placed, layers, ahead=early).events
    pd.testing.assert_frame_equal(joined, plain)


def test_the_join_never_locates_while_the_worker_still_does(events_csv, layers, monkeypatch):
    """GEOS must not test the same prepared polygons on two threads at once."""
    import threading
    import time

    from geo.locate import Finest

    spans = []
    real = Finest.locate

    def spy(self, lon, lat, **kwargs):
        start = time.perf_counter()
        if threading.current_thread().name.startswith("geo-measure"):
            time.sleep(0.3)  # a slow head start, still running when the join begins
        out = real(self, lon, lat, **kwargs)
        spans.append((threading.current_thread().name, start, time.perf_counter()))
        return out

    monkeypatch.setattr(Finest, "locate", spy)
    with prefetch.reading([events_csv]):
        early = ahead.start(layers, events_csv)
        loaded = load_incidents([events_csv], is_only=False, points=False)
        placed = place_events(loaded.events, layers).events
        join_events(placed, layers, ahead=early, tolerance_m=1.0)  # not the head start's
    worker = [s for s in spans if s[0].startswith("geo-measure")]
    caller = [s for s in spans if not s[0].startswith("geo-measure")]
    assert len(worker) == 1 and len(caller) == 1
    assert caller[0][1] >= worker[0][2]  # began after the worker had finished


def test_a_full_head_start_builds_no_second_set_of_targets(events_csv, layers, monkeypatch):
    """Every row measured ahead: moved points reuse its targets once collected."""
    import geo.join as join_module

    plain, _ = _joined([events_csv], layers, with_ahead=False)
    built = []
    real = join_module.targets
    monkeypatch.setattr(join_module, "targets", lambda lay: built.append(lay) or real(lay))
    early, hits = _joined([events_csv], layers, with_ahead=True)
    assert hits == 600 and built == []
    assert (early["join_status"] == "nearest").any()  # moved points were measured again
    pd.testing.assert_frame_equal(early, plain)
    _joined([events_csv], layers, with_ahead=False)
    assert len(built) == 1  # without a head start the join builds its own
