"""Locate and measure a CSV file's points on the spare core while the loader validates them.

A join's area (:mod:`geo.locate`), distance and zone columns (:mod:`geo.measure`)
depend on the point alone. The prefetch (:mod:`geo.prefetch`) has the first input
file parsed as text before the loader starts, so :func:`start` locates and measures
its coordinates on the worker thread while the main thread validates and places the
events; the join then takes those answers for every event whose coordinates equal
those of a row handled here — the row on the event's ``source_row`` line when the
file holds one record per line, else any row with those coordinates — and works
out the others itself.

Nothing here decides what an event's point is: a row the loader rejects, moves
(:mod:`geo.place`, swapped coordinates) or reads from another file simply finds no
equal point and is located and measured again, so the join's output is the same
with or without this head start (tested).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import formats, prefetch
from geo.distance import DEFAULT_SPACING_M
from geo.incidents.filters import is_rule_for
from geo.locate import DEFAULT_TOLERANCE_M, Finest, Location, finest
from geo.measure import Pending, measure, submit, targets
from geo.types import ProjectLayers

#: The physical line of a prefetched table's first row (the header is line 1).
FIRST_LINE = 2
#: Above this share of events not found on their line, the rest are found by coordinates.
LINE_MISSES_MAX = 0.1
#: A coordinate Arrow's cast reads exactly as written (no padding, no thousands marks).
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
#: Above this many distinct names in an actor column no guess is made (every row is
#: measured): testing each name would cost more than measuring saves.
GUESS_MAX_NAMES = 50_000
#: The raw columns each reader takes ``actor1``/``actor2`` from (plain CSV: those names).
ACTORS = {
    "acled": (formats.ACLED_TEXTS["actor1"], formats.ACLED_TEXTS["actor2"]),
    "ucdp": (formats.UCDP_TEXTS["actor1"], formats.UCDP_TEXTS["actor2"]),
}


@dataclass(frozen=True, eq=False)
class Ahead:
    """Points of a file's rows being located and measured, before the loader has read them.

    Attributes
    ----------
    layers
        The layers measured against; a join with other layers ignores this.
    spacing_m
        The line densifying step used.
    lon, lat
        The coordinates measured: of each data row of the file, or of ``rows``.
    pending
        The measurement (:class:`geo.measure.Pending`).
    finest
        The admin layer the points are located in (the join uses it too).
    tolerance_m
        The nearest-area tolerance they are located with.
    located
        Their location in it (:meth:`geo.locate.PolygonIndex.locate`), on the worker.
    rows
        The data rows measured (ascending), or None for every row.
    """

    layers: ProjectLayers
    spacing_m: float
    lon: np.ndarray
    lat: np.ndarray
    pending: Pending
    finest: Finest
    tolerance_m: float
    located: Future[Location]
    rows: np.ndarray | None = None

    def lookup(
        self,
        layers: ProjectLayers,
        spacing_m: float,
        lon: np.ndarray,
        lat: np.ndarray,
        lines: np.ndarray,
    ) -> np.ndarray:
        """Return, per event, a row measured here with its very coordinates, or -1.

        Data row ``i`` is line ``i + FIRST_LINE`` in a file of one record per line
        (and the ``k``-th row measured when :attr:`rows` holds it at ``k``).
        Where more than :data:`LINE_MISSES_MAX` of the events miss that way (records
        over several lines, blank lines, other files), those are looked up by
        their coordinates among every row measured.

        Parameters
        ----------
        layers, spacing_m
            What the join measures against; other than here, nothing is reused.
        lon, lat
            The events' coordinates (EPSG:4326).
        lines
            The events' ``source_row`` (physical line in their file).
        """
        if layers is not self.layers or spacing_m != self.spacing_m or not len(self.lon):
            return np.full(len(lon), -1, dtype=np.int64)
        row = self._measured(np.asarray(lines, dtype=np.int64) - FIRST_LINE)
        row = self._checked(row, lon, lat)
        missed = np.flatnonzero(row < 0)
        if len(missed) > LINE_MISSES_MAX * len(row):
            found = self._at_points(lon[missed], lat[missed])
            row[missed] = self._checked(found, lon[missed], lat[missed])
        return row

    def _measured(self, data_rows: np.ndarray) -> np.ndarray:
        """Return where each data row is among those measured, -1 where it is not."""
        if self.rows is None:
            return data_rows
        at = np.minimum(np.searchsorted(self.rows, data_rows), len(self.rows) - 1)
        return np.where(self.rows[at] == data_rows, at, -1)

    def _checked(self, row: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return ``row`` where it is a measured row with these coordinates, else -1."""
        ok = (row >= 0) & (row < len(self.lon))
        row = np.where(ok, row, 0)
        ok &= (self.lon[row] == lon) & (self.lat[row] == lat)  # NaN is never equal
        return np.where(ok, row, -1)

    def _at_points(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return, per point, the first row measured at those coordinates, or -1."""
        n = len(self.lon)
        keys, points = pd.factorize(np.concatenate([self.lon + 1j * self.lat, lon + 1j * lat]))
        first = np.full(len(points), -1, dtype=np.int64)
        measured = np.flatnonzero(keys[:n] >= 0)[::-1]  # backwards: the first row wins
        first[keys[measured]] = measured
        return np.where(keys[n:] >= 0, first[keys[n:]], -1)

    def location(self, tolerance_m: float) -> Location | None:
        """Return where the rows were located, or None (another tolerance, not started, failed).

        A location not started yet is cancelled, one under way waited for: either
        way the worker is done with :attr:`finest` (GEOS must not test the same
        prepared polygons on two threads at once) and the join may locate itself.
        """
        if self.located.cancel():
            return None
        try:
            got = self.located.result()
        except Exception:  # never fail the command for a head start: locate afresh
            return None
        return got if tolerance_m == self.tolerance_m else None

    def done(self) -> bool:
        """Whether the location and every measurement have finished."""
        return self.located.done() and self.pending.done()

    def cancel(self) -> None:
        """Drop the jobs not started yet (when the command fails before the join)."""
        self.located.cancel()
        self.pending.cancel()


def start(
    layers: ProjectLayers,
    path: Path,
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    is_only: bool = False,
    spacing_m: float = DEFAULT_SPACING_M,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> Ahead | None:
    """Start locating and measuring the points of a prefetched CSV file; None without one.

    Parameters
    ----------
    layers
        The layers the join will measure against.
    path
        The first input file, as given to :func:`geo.prefetch.reading`.
    lon_col, lat_col
        Its coordinate columns (default ``longitude``/``latitude``, the ACLED and
        UCDP names).
    is_only
        Whether the load keeps IS-involved events only: then only the rows
        :func:`likely_is` guesses are measured.
    spacing_m
        The line densifying step the join will use.
    tolerance_m
        The nearest-area tolerance the join will use.

    Returns
    -------
    Ahead or None
        None when the file was not prefetched as a CSV, lacks the columns, or holds
        a plain-looking number Arrow cannot read (out of range); the join then
        measures every event itself. Nothing here raises on a messy file: the
        loader reports its problems.
    """
    got = prefetch.peek(path)
    names = (lon_col or "longitude", lat_col or "latitude")
    if got is None or got.table is None or not all(n in got.table.column_names for n in names):
        return None
    table = got.table
    try:
        lon, lat = (_numbers(table[n]) for n in names)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # e.g. a number out of range
        return None
    rows = likely_is(table) if is_only else None
    if rows is not None:
        lon, lat = lon[rows], lat[rows]
    layer = finest(layers.boundaries)
    located = submit(layer.locate, lon, lat, tolerance_m=tolerance_m)  # the join needs it first
    pending = measure(targets(layers), lon, lat, spacing_m=spacing_m)
    return Ahead(layers, spacing_m, lon, lat, pending, layer, tolerance_m, located, rows)


def likely_is(table: pa.Table) -> np.ndarray | None:
    """Return the data rows an IS-only load is likely to keep, or None (every row).

    A row is kept when its raw ``actor1`` or ``actor2`` text names the group by
    :func:`geo.incidents.filters.is_rule_for`, the loader's own rule. Only a
    guess about the work worth doing: a kept row guessed wrong is measured by the
    join. None when the table has no actor column, or a ``role`` column (a row's
    stated role keeps it whatever its actors), or more than :data:`GUESS_MAX_NAMES`
    distinct names in one, or every row names the group.
    """
    names = table.column_names
    actors = [a for a in ACTORS.get(formats.detect(names), ("actor1", "actor2")) if a in names]
    if "role" in names or not actors:
        return None
    keep = np.zeros(table.num_rows, dtype=bool)
    for actor in actors:
        column = table[actor]
        values = pc.unique(column)
        if len(values) > GUESS_MAX_NAMES:
            return None
        named = [v is not None and bool(is_rule_for(v.strip())) for v in values.to_pylist()]
        found = pc.is_in(column, value_set=values.filter(pa.array(named, pa.bool_())))
        keep |= found.to_numpy(zero_copy_only=False)
    return None if keep.all() else np.flatnonzero(keep)


@contextlib.contextmanager
def measuring(
    layers: ProjectLayers,
    paths: Sequence[Path | str],
    options: Mapping[str, Any],
    *,
    filtered: bool = False,
    is_only: bool = False,
) -> Iterator[Ahead | None]:
    """Locate and measure the points of the first of ``paths`` ahead (:func:`start`) in the block.

    ``options`` are the loader's read options (``lon_col``/``lat_col`` are used).
    Yields the :class:`Ahead` for :func:`geo.join.join_events`, or None; on leaving
    the block (a failed load included) the jobs not started are dropped. With
    ``filtered`` (dates or roles asked for, which often keep a small part of a
    file) nothing is done ahead: locating and measuring rows a filter then drops
    would only slow the loader down. With ``is_only`` (IS-involved events kept)
    only the rows :func:`likely_is` guesses are measured.
    """
    early = None
    if paths and not filtered:
        early = start(
            layers,
            Path(paths[0]),
            lon_col=options.get("lon_col"),
            lat_col=options.get("lat_col"),
            is_only=is_only,
        )
    try:
        yield early
    finally:
        if early is not None:
            early.cancel()


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """Return a text column as float64, NaN where it is not a plain decimal number.

    Blank cells, an HXL tag row (``#geo+lat``) or a malformed value become NaN:
    such a row finds no equal point later and is measured by the join itself.
    """
    try:  # the common case, several times faster than matching every value first
        values = pc.cast(column, pa.float64())
    except pa.ArrowInvalid:
        number = pc.match_substring_regex(column, NUMBER)
        values = pc.cast(pc.if_else(number, column, pa.scalar(None, column.type)), pa.float64())
    return values.to_numpy(zero_copy_only=False)
