"""Tests of geo.cells: a point and its representative lie in exactly the same polygons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from test_join import make_events, tiny_layers

from geo import cells
from geo.join import join_events


def _touched(polygons: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return, per point and polygon, whether the polygon (boundary included) holds it."""
    return np.column_stack([shapely.intersects_xy(p, lon, lat) for p in polygons])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cell=st.sampled_from([0.003, 0.01, 0.05, 0.25]),
    overlap=st.booleans(),
)
def test_every_point_lies_where_its_representative_lies(seed, cell, overlap):
    rng = np.random.default_rng(seed)
    # a tiling of jittered quadrilaterals (shared edges, odd angles), perhaps one overlap
    xs = np.linspace(44.0, 45.0, 5)
    ys = np.linspace(34.0, 35.0, 5)
    gx, gy = np.meshgrid(xs, ys)
    gx[1:-1, 1:-1] += rng.uniform(-0.08, 0.08, (3, 3))
    gy[1:-1, 1:-1] += rng.uniform(-0.08, 0.08, (3, 3))
    corners = [(0, 0), (0, 1), (1, 1), (1, 0)]  # (row, column) offsets, anticlockwise
    polygons = [
        shapely.Polygon([(gx[j + dj, i + di], gy[j + dj, i + di]) for dj, di in corners])
        for j in range(4)
        for i in range(4)
    ]
    if overlap:
        polygons.append(shapely.Point(44.5, 34.5).buffer(0.1))
    polygons = np.array(polygons, dtype=object)
    edges = shapely.boundary(polygons)
    # points anywhere, on edges, on vertices, on grid lines, off the grid, without coordinates
    on_edges = shapely.line_interpolate_point(
        edges[rng.integers(0, len(edges), 400)], rng.uniform(0, 1, 400), normalized=True
    )
    vertices = shapely.get_coordinates(polygons)
    lon = np.concatenate([
        rng.uniform(43.9, 45.1, 3000), shapely.get_x(on_edges), vertices[:, 0],
        44.0 + cell * rng.integers(0, int(1 / cell), 300), [np.nan, 50.0, 44.5],
    ])  # fmt: skip
    lat = np.concatenate([
        rng.uniform(33.9, 35.1, 3000), shapely.get_y(on_edges), vertices[:, 1],
        34.0 + cell * rng.integers(0, int(1 / cell), 300), [34.5, np.nan, 34.5],
    ])  # fmt: skip

    reps = cells.representatives(edges, lon, lat, cell_deg=cell, min_points=0)
    assert len(reps.take) == len(lon)
    assert len(reps.lon) <= len(lon)
    truth = _touched(polygons, lon, lat)
    theirs = _touched(polygons, reps.lon, reps.lat)[reps.take]
    assert (truth == theirs).all()
    # a point without coordinates stands for itself
    nan = np.flatnonzero(~(np.isfinite(lon) & np.isfinite(lat)))
    assert np.isnan(reps.lon[reps.take[nan]] + reps.lat[reps.take[nan]]).all()


def test_few_points_are_their_own_representatives():
    lon, lat = np.array([44.1, 44.2]), np.array([34.1, 34.2])
    reps = cells.representatives(shapely.box(44, 34, 45, 35).boundary, lon, lat)
    assert reps.lon is lon and reps.lat is lat
    assert list(reps.take) == [0, 1]


def _grid(monkeypatch: pytest.MonkeyPatch, *, on: bool) -> None:
    """Make every point test (sub-districts and zones) use the cells, or none of them."""
    for name in ("MIN_POINTS", "MIN_POINTS_ZONE"):
        monkeypatch.setattr(cells, name, 0 if on else 10**9)


def _join(events, layers) -> pd.DataFrame:
    return pd.DataFrame(join_events(events, layers).events.drop(columns="geometry"))


@pytest.mark.parametrize("subdistricts", [True, False])
def test_the_join_is_the_same_with_and_without_cells(monkeypatch, subdistricts):
    """Border rules, ambiguity, zone flags: every column agrees, point by point."""
    rng = np.random.default_rng(7)
    layers = tiny_layers(subdistricts=subdistricts)
    edges = shapely.boundary(layers.boundaries.districts.geometry.values)
    on_edges = shapely.line_interpolate_point(
        edges[rng.integers(0, len(edges), 300)], rng.uniform(0, 1, 300), normalized=True
    )
    points = list(
        zip(rng.uniform(43.95, 46.05, 2000), rng.uniform(33.95, 35.05, 2000), strict=True)
    )
    points += list(zip(shapely.get_x(on_edges), shapely.get_y(on_edges), strict=True))
    points += [(44.5, 34.5), (45.0, 34.8), (44.25, 34.2), (45.5, 34.5)]  # corners, zone edges
    events = make_events(points)

    _grid(monkeypatch, on=False)
    plain = _join(events, layers)
    _grid(monkeypatch, on=True)
    gridded = _join(events, layers)
    pd.testing.assert_frame_equal(plain, gridded)
    assert set(plain["join_status"]) >= {"matched", "on_edge"}


@pytest.mark.shared_data
@pytest.mark.slow
def test_the_real_join_is_the_same_with_and_without_cells(monkeypatch, cod_ab_dir, ucdp_csv):
    """COD-AB sub-districts and the project's zones, real UCDP points and their jitter."""
    from geo.boundaries import load_boundaries
    from geo.layers import project_layers

    layers = project_layers(load_boundaries(path=cod_ab_dir))
    ucdp = pd.read_csv(ucdp_csv, skiprows=[1], low_memory=False)
    lon = pd.to_numeric(ucdp["longitude"], errors="coerce").to_numpy()
    lat = pd.to_numeric(ucdp["latitude"], errors="coerce").to_numpy()
    rng = np.random.default_rng(0)
    jitter = rng.normal(0, 0.01, (2, len(lon)))
    events = make_events(
        list(zip(np.r_[lon, lon + jitter[0]], np.r_[lat, lat + jitter[1]], strict=True))
    )
    _grid(monkeypatch, on=False)
    plain = _join(events, layers)
    _grid(monkeypatch, on=True)
    gridded = _join(events, layers)
    pd.testing.assert_frame_equal(plain, gridded)
