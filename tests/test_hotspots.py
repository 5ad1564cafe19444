"""Tests of geo.hotspots: known-answer Gi*, FDR, Mann-Kendall, emerging classes, hex grid."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import hotspots as hs

N = 8  # an 8 × 8 grid of square "sub-districts", 0.25° each
CLUSTER = [j * N + i for j in (3, 4) for i in (3, 4)]  # the four centre squares
MONTHS = [f"2021-{m:02d}-15" for m in range(1, 13)]


def grid_layers(*, country: shapely.Geometry | None = None) -> SimpleNamespace:
    polys, codes = [], []
    for j in range(N):
        for i in range(N):
            polys.append(
                shapely.box(43 + 0.25 * i, 33 + 0.25 * j, 43.25 + 0.25 * i, 33.25 + 0.25 * j)
            )
            codes.append(f"S{j}{i}")
    units = gpd.GeoDataFrame(
        {"code": codes, "name": [f"sub {c}" for c in codes]}, geometry=polys, crs="EPSG:4326"
    )
    outline = gpd.GeoDataFrame(
        {"code": ["IQ"]}, geometry=[country or shapely.box(43, 33, 45, 35)], crs="EPSG:4326"
    )
    boundaries = SimpleNamespace(
        level=lambda level: units if level == "subdistrict" else None,
        country=outline,
        governorates=None,
        source=SimpleNamespace(key="grid"),
    )
    return SimpleNamespace(boundaries=boundaries)


def grid_events(counts_by_date: dict[str, np.ndarray], **extra) -> gpd.GeoDataFrame:
    """Return ``counts[k]`` events in square ``k`` at its centre, for each date."""
    code, date, lon, lat = [], [], [], []
    for day, counts in counts_by_date.items():
        for k, c in enumerate(np.asarray(counts, dtype=int)):
            j, i = divmod(k, N)
            code += [f"S{j}{i}"] * c
            date += [day] * c
            lon += [43.125 + 0.25 * i] * c
            lat += [33.125 + 0.25 * j] * c
    n = len(code)
    data = {
        "adm3_code": code,
        "coarse_adm3": [False] * n,
        "date": pd.to_datetime(date),
        "fatalities": pd.array([1] * n, dtype="Int64"),
        "precision_level": ["point"] * n,
        "geo_precision": ["exact"] * n,
    }
    data.update(extra)
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def esda_z(y: np.ndarray, units: gpd.GeoDataFrame) -> np.ndarray:
    from esda import G_Local
    from libpysal.weights import Queen

    w = Queen.from_dataframe(units.reset_index(drop=True), use_index=False, silence_warnings=True)
    return G_Local(y.astype(float), w, transform="B", star=True, permutations=0).Zs


def series(add) -> gpd.GeoDataFrame:
    """Twelve months of a noisy background (Poisson 3, seeded) plus ``add(counts, month)``."""
    data = {}
    for t, day in enumerate(MONTHS):
        counts = np.random.default_rng(100 + t).poisson(3, N * N).astype(float)
        add(counts, t)
        data[day] = counts
    return grid_events(data)


# --- Gi* ---------------------------------------------------------------------------------


def test_planted_cluster_is_hot_and_z_is_esdas():
    counts = np.ones(N * N)
    counts[CLUSTER] = 10
    layers = grid_layers()
    result = hs.hotspots(grid_events({"2021-01-15": counts}), layers, by="subdistrict")
    t = result.table.set_index("area_code")
    assert set(t.index[t["hotspot"] == "hot (99%)"]) == {"S33", "S34", "S43", "S44"}
    assert (t.drop(["S33", "S34", "S43", "S44"])["hotspot"] == "not significant").all()
    assert (t.loc["S33", "gi_bin"], t.loc["S00", "gi_bin"]) == (3, 0)
    assert t.loc["S33", "events"] == 10 and t.loc["S33", "fatalities"] == 10
    assert t.loc["S00", "neighbours"] == 3 and t.loc["S33", "neighbours"] == 8
    units = layers.boundaries.level("subdistrict")
    expected = esda_z(counts, units)
    np.testing.assert_allclose(result.table["gi_z"], expected, atol=1e-9)
    assert result.table["gi_p"].iloc[0] == pytest.approx(
        2 * (1 - __import__("scipy").stats.norm.cdf(abs(expected[0])))
    )


def test_uniform_field_has_no_significant_area_after_fdr():
    layers = grid_layers()
    raw = adjusted = 0
    for seed in range(20):
        y = np.random.default_rng(seed).poisson(5, N * N)
        t = hs.hotspots(grid_events({"2021-01-15": y}), layers, by="subdistrict").table
        raw += int((t["gi_p"] < 0.10).sum())
        adjusted += int((t["hotspot"] != "not significant").sum())
        if seed == 0:
            assert (t["hotspot"] == "not significant").all()
    # without a correction about one area in ten is "significant" at 90 %; FDR removes them
    assert raw > 60
    assert adjusted <= 4


def test_a_constant_field_has_no_gi_and_nothing_significant():
    t = hs.hotspots(grid_events({"2021-01-15": np.full(N * N, 2)}), grid_layers(), by="subdistrict")
    assert t.table["gi_z"].isna().all()
    assert (t.table["hotspot"] == "not significant").all()


def test_island_is_not_tested_and_coarse_events_are_counted_in_notes():
    layers = grid_layers()
    units = layers.boundaries.level("subdistrict")
    island = gpd.GeoDataFrame(
        {"code": ["Z99"], "name": ["island"]}, geometry=[shapely.box(46, 36, 46.2, 36.2)], crs=4326
    )
    both = pd.concat([units, island], ignore_index=True)
    layers.boundaries.level = lambda level: both
    counts = np.ones(N * N)
    counts[CLUSTER] = 10
    events = grid_events({"2021-01-15": counts})
    extra = grid_events({"2021-01-15": np.eye(1, N * N, 0)[0] * 3})
    extra["adm3_code"] = "Z99"
    coarse = grid_events({"2021-01-15": np.eye(1, N * N, 5)[0] * 2})
    coarse["coarse_adm3"] = True
    result = hs.hotspots(pd.concat([events, extra, coarse]), layers, by="subdistrict")
    row = result.table.set_index("area_code").loc["Z99"]
    assert (row["neighbours"], row["hotspot"], row["events"]) == (0, "no neighbours", 3)
    assert np.isnan(row["gi_p_fdr"])
    assert any(
        "2 event(s) located only to an area coarser than a sub-district" in n for n in result.notes
    )
    assert any("1 unit(s) without neighbours" in n for n in result.notes)
    assert result.table["events"].sum() == counts.sum() + 3


# --- the space-time cube -----------------------------------------------------------------


def test_a_cluster_growing_month_by_month_is_intensifying():
    def grow(counts, t):
        counts[CLUSTER] += 4 + 3 * t

    t = hs.hotspots(series(grow), grid_layers(), by="subdistrict", period="month").table
    t = t.set_index("area_code")
    assert t.loc["S33", "periods"] == 12
    assert t.loc["S33", "gi_trend_z"] > 0 and t.loc["S33", "gi_trend_p"] < 0.05
    assert t.loc["S33", "trend_z"] > 0 and t.loc["S33", "trend_p"] < 0.05
    assert set(t.index[t["emerging_class"] == "intensifying hot spot"]) == {
        "S33",
        "S34",
        "S43",
        "S44",
    }
    assert (t.drop(["S33", "S34", "S43", "S44"])["emerging_class"] == "no pattern").all()
    assert [c for c in t.columns if c.startswith("gi_z_")][:2] == ["gi_z_2021-01", "gi_z_2021-02"]


def test_a_cluster_that_stops_is_historical():
    def stop(counts, t):
        counts[CLUSTER] += 15 if t < 11 else 0

    t = hs.hotspots(series(stop), grid_layers(), by="subdistrict", period="month").table
    assert set(t.loc[t["emerging_class"] == "historical hot spot", "area_code"]) == {
        "S33", "S34", "S43", "S44",
    }  # fmt: skip
    assert (t.loc[t["area_code"] == "S33", "hot_periods"] == 11).all()


def test_a_cluster_that_fades_but_is_still_hot_is_diminishing():
    def fade(counts, t):
        counts[CLUSTER] += 40 - 3 * t

    t = hs.hotspots(series(fade), grid_layers(), by="subdistrict", period="month").table
    row = t.set_index("area_code").loc["S33"]
    assert row["hot_periods"] == 12 and row["gi_trend_z"] < 0 and row["gi_trend_p"] < 0.05
    assert row["emerging_class"] == "diminishing hot spot"


def test_a_cluster_only_in_the_last_month_is_new():
    def new(counts, t):
        counts[CLUSTER] += 15 if t == 11 else 0

    t = hs.hotspots(series(new), grid_layers(), by="subdistrict", period="month").table
    assert set(t.loc[t["emerging_class"] == "new hot spot", "area_code"]) == {
        "S33", "S34", "S43", "S44",
    }  # fmt: skip


def _z(pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """``H`` hot, ``C`` cold, ``.`` not significant, one letter per period."""
    z = np.array([{"H": 3.0, "C": -3.0, ".": 0.5}[c] for c in pattern])
    p = np.array([0.001 if c in "HC" else 0.6 for c in pattern])
    return z, p


@pytest.mark.parametrize(
    ("pattern", "trend_z", "trend_p", "expected"),
    [
        ("..........H", 0.0, 1.0, "new hot spot"),
        ("........HHH", 0.0, 1.0, "consecutive hot spot"),
        ("HHHHHHHHHHH", 3.0, 0.001, "intensifying hot spot"),
        ("HHHHHHHHHHH", 0.5, 0.6, "persistent hot spot"),
        (".HHHHHHHHHH", 0.5, 0.6, "persistent hot spot"),  # 10 of 11 ≥ 90 %
        ("HHHHHHHHHHH", -3.0, 0.001, "diminishing hot spot"),
        ("H..H...H..H", 0.0, 1.0, "sporadic hot spot"),
        ("H.......HHH", 0.0, 1.0, "sporadic hot spot"),  # hot before the final run
        ("C..H...H..H", 0.0, 1.0, "oscillating hot spot"),
        ("HHHHHHHHHH.", 0.0, 1.0, "historical hot spot"),
        ("..........C", 0.0, 1.0, "new cold spot"),
        ("........CCC", 0.0, 1.0, "consecutive cold spot"),
        ("CCCCCCCCCCC", -3.0, 0.001, "intensifying cold spot"),
        ("CCCCCCCCCCC", 0.0, 1.0, "persistent cold spot"),
        ("CCCCCCCCCCC", 3.0, 0.001, "diminishing cold spot"),
        ("C..C...C..C", 0.0, 1.0, "sporadic cold spot"),
        ("H..C...C..C", 0.0, 1.0, "oscillating cold spot"),
        ("CCCCCCCCCC.", 0.0, 1.0, "historical cold spot"),
        ("HHHHHHHH...", 0.0, 1.0, "no pattern"),  # 8 of 11 < 90 % and not hot at the end
        ("...........", 0.0, 1.0, "no pattern"),
    ],
)
def test_emerging_class_definitions(pattern, trend_z, trend_p, expected):
    z, p = _z(pattern)
    assert hs.emerging_class(z, p, trend_z=trend_z, trend_p=trend_p) == expected


def test_every_emerging_class_is_listed():
    assert len(hs.EMERGING_CLASSES) == 17
    assert hs.EMERGING_CLASSES[-1] == "no pattern"


# --- Mann-Kendall ------------------------------------------------------------------------


def _mk_direct(x: np.ndarray) -> tuple[float, float, float]:
    """The textbook Mann-Kendall test, by loops."""
    from scipy.stats import norm

    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i in range(n - 1) for j in range(i + 1, n))
    _, t = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(k * (k - 1) * (2 * k + 5) for k in t)) / 18
    z = 0.0 if s == 0 else (s - np.sign(s)) / np.sqrt(var)
    return float(s), float(z), float(2 * norm.sf(abs(z)))


def test_mann_kendall_against_a_direct_computation_and_pymannkendall():
    pmk = pytest.importorskip("pymannkendall")
    rng = np.random.default_rng(7)
    rows = np.vstack(
        [
            rng.poisson(2, (20, 36)),  # many ties
            np.arange(36) + rng.normal(0, 3, (5, 36)),  # rising
            -np.arange(36) * 0.5 + rng.normal(0, 3, (5, 36)),  # falling
        ]
    ).astype(float)
    mk = hs.mann_kendall(rows)
    for r, x in enumerate(rows):
        s, z, p = _mk_direct(x)
        assert mk.s[r] == s
        assert mk.z[r] == pytest.approx(z, abs=1e-12)
        assert mk.p[r] == pytest.approx(p, abs=1e-12)
        ref = pmk.original_test(x)
        assert (mk.s[r], mk.var_s[r]) == (ref.s, pytest.approx(ref.var_s))
        assert mk.z[r] == pytest.approx(ref.z) and mk.p[r] == pytest.approx(ref.p)
        assert mk.tau[r] == pytest.approx(ref.Tau)


def test_mann_kendall_of_a_constant_series_is_no_trend():
    mk = hs.mann_kendall(np.zeros((2, 12)))
    assert mk.z.tolist() == [0.0, 0.0] and mk.p.tolist() == [1.0, 1.0]


# --- hexagons ----------------------------------------------------------------------------


def test_hex_resolution_rule():
    iraq_km2 = 438_000
    assert hs.choose_hex_resolution(iraq_km2, exact_only=False) == 5  # res 6 has ~12,000 cells
    assert hs.choose_hex_resolution(iraq_km2, exact_only=True) == 5
    small = 40_000
    assert hs.choose_hex_resolution(small, exact_only=False) == 5  # res 6 edges < 5 km
    assert hs.choose_hex_resolution(small, exact_only=True) == 6  # res 7 edges < 1.5 km


def test_hex_grid_counts_points_and_leaves_out_area_located_events():
    counts = np.ones(N * N)
    counts[CLUSTER] = 10
    events = grid_events({"2021-01-15": counts}, geo_precision=["near"] * int(counts.sum()))
    coarse = grid_events({"2021-01-15": np.eye(1, N * N, 7)[0] * 3})
    coarse["precision_level"] = "district"
    result = hs.hotspots(pd.concat([events, coarse]), grid_layers(), by="hex")
    t = result.table
    assert t["level"].iloc[0] == "hex-r5"
    assert t["events"].sum() == counts.sum()
    assert any("3 event(s) located only to an area" in n for n in result.notes)
    interior = t[t["neighbours"] == 6]
    assert len(interior) > len(t) / 2 and t["neighbours"].max() == 6
    assert "distance band" in result.method["weights"]
    hot = t.loc[t["gi_bin"] > 0, "area_code"]
    assert len(hot) > 0
    import h3

    centre = h3.latlng_to_cell(34.0, 44.0, 5)
    assert centre in set(hot) or any(h3.grid_distance(centre, c) <= 1 for c in hot)


# --- real data: UCDP GED joined to COD-AB sub-districts ----------------------------------


@pytest.fixture(scope="module")
def real(cod_ab_dir, ucdp_csv, tmp_path_factory):
    """UCDP IS events joined to COD-AB (imported into this module's own cache)."""
    from geo import boundaries
    from geo.incidents import load_incidents
    from geo.join import join_events
    from geo.layers import project_layers

    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEO_DATA_DIR", str(cache))
        mp.setenv("GEO_OFFLINE", "1")
        boundaries.import_boundaries(cod_ab_dir)
        layers = project_layers(boundaries.resolve_boundaries(None).boundaries)
    events = join_events(load_incidents(ucdp_csv, is_only=True).events, layers).events
    return SimpleNamespace(layers=layers, events=events, cache=cache)


def _esda_on_subdistricts(events: pd.DataFrame, layers) -> pd.Series:
    """Gi* z per sub-district straight from esda/libpysal, counted independently."""
    subs = layers.boundaries.subdistricts.sort_values("code").reset_index(drop=True)
    usable = events[~events["coarse_adm3"].astype(bool)]
    y = subs["code"].map(usable.groupby("adm3_code").size()).fillna(0).to_numpy()
    return pd.Series(esda_z(y, subs), index=subs["code"].to_numpy())


@pytest.mark.shared_data
def test_gi_z_equals_esda_on_real_ucdp_subdistricts(real):
    result = hs.hotspots(real.events, real.layers, by="subdistrict")
    expected = _esda_on_subdistricts(real.events, real.layers)
    got = result.table.set_index("area_code")["gi_z"]
    assert len(got) == len(expected) > 250
    np.testing.assert_allclose(got.loc[expected.index], expected, atol=1e-3)
    assert (result.table["hotspot"].str.startswith("hot")).any()


@pytest.mark.shared_data
def test_cli_hotspots_by_subdistrict_matches_esda(real, ucdp_csv, tmp_path, monkeypatch):
    from geo.cli import main
    from geo.export import read_provenance

    monkeypatch.setenv("GEO_DATA_DIR", str(real.cache))
    out = tmp_path / "h.csv"
    assert main(["stats", str(ucdp_csv), "--is-only", "--hotspots", "--by", "subdistrict",
                 "--out", str(out)]) == 0  # fmt: skip
    table = pd.read_csv(out, dtype={"area_code": str})
    assert {"area_code", "area_name", "events", "fatalities", "gi_z", "gi_p", "gi_p_fdr",
            "hotspot"} <= set(table.columns)  # fmt: skip
    assert "emerging_class" not in table.columns
    expected = _esda_on_subdistricts(real.events, real.layers)
    got = table.set_index("area_code")["gi_z"]
    assert set(got.index) == set(expected.index)
    np.testing.assert_allclose(got.loc[expected.index], expected, atol=1e-3)
    prov = read_provenance(out)
    assert "queen" in prov["method"]["weights"]
    assert any("coarser than a sub-district" in n for n in prov["notes"])

    monthly = tmp_path / "m.csv"
    assert main(["stats", str(ucdp_csv), "--is-only", "--hotspots", "--by", "subdistrict",
                 "--period", "month", "--out", str(monthly)]) == 0  # fmt: skip
    cube = pd.read_csv(monthly, dtype={"area_code": str})
    assert set(cube["emerging_class"]) <= set(hs.EMERGING_CLASSES)
    assert {"trend_s", "trend_p", "gi_trend_z", "gi_trend_p"} <= set(cube.columns)
    assert any(c.startswith("gi_z_20") for c in cube.columns)
    np.testing.assert_allclose(
        cube.set_index("area_code")["gi_z"].loc[expected.index], expected, atol=1e-3
    )


# --- geo.gistar: the libraries' arithmetic without their imports --------------------------


def _libpysal_star(units: gpd.GeoDataFrame):
    import warnings

    from libpysal.weights import Queen, fill_diagonal

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = Queen.from_dataframe(units.reset_index(drop=True), use_index=False)
        w.transform = "B"
        star = fill_diagonal(w, 1.0)
    star.transform = "B"
    return w, star


def _assert_same_as_esda(units: gpd.GeoDataFrame, rng: np.random.Generator, trials: int) -> None:
    from esda import G_Local
    from scipy import stats

    from geo import gistar

    w, star = _libpysal_star(units)
    ours = hs.queen_weights(units)
    assert ours.neighbours() == {i: sorted(v) for i, v in w.neighbors.items()}
    for t in range(trials):
        y = rng.poisson(rng.uniform(0.3, 15), len(units)).astype(float)
        y[rng.integers(0, len(units), 3)] += 50 * (t % 2)
        if y.sum() == 0 or np.all(y == y[0]):
            continue
        g = G_Local(y, star, transform="B", star=True, permutations=0)
        z, p = hs.gi_star(y, ours)
        np.testing.assert_array_equal(z, g.Zs)  # the same floats, not just close
        np.testing.assert_array_equal(p, np.clip(2.0 * g.p_norm, 0.0, 1.0))
        tested = rng.random(len(y)) < 0.9
        expected = np.full(len(y), np.nan)
        expected[tested] = stats.false_discovery_control(p[tested], method="bh")
        np.testing.assert_array_equal(hs.fdr_adjust(p, tested), expected)
        np.testing.assert_array_equal(gistar.norm_sf(z), stats.norm.sf(z))


def test_gistar_weights_gi_and_fdr_are_libpysal_esda_and_scipy_bit_for_bit():
    units = grid_layers().boundaries.level("subdistrict")
    holey = shapely.Polygon(
        [(10, 10), (12, 10), (12, 12), (10, 12)], [[(10.5, 10.5), (11, 10.5), (11, 11)]]
    )
    inside = shapely.Polygon([(10.5, 10.5), (11, 10.5), (11, 11)])  # touches only via the hole
    island = shapely.box(20, 20, 21, 21)
    extra = gpd.GeoDataFrame(
        {"code": ["H", "I", "J"], "name": ["h", "i", "j"]},
        geometry=[holey, inside, shapely.MultiPolygon([island, shapely.box(22, 22, 23, 23)])],
        crs=units.crs,
    )
    both = pd.concat([units, extra], ignore_index=True)
    _assert_same_as_esda(both, np.random.default_rng(7), trials=12)


@pytest.mark.shared_data
def test_gistar_is_esda_bit_for_bit_on_real_cod_ab(real):
    for level in ("district", "subdistrict"):
        units = real.layers.boundaries.level(level).sort_values("code").reset_index(drop=True)
        _assert_same_as_esda(units, np.random.default_rng(11), trials=6)


def test_mann_kendall_p_is_scipys_normal_tail():
    from scipy import stats

    x = np.random.default_rng(5).poisson(4, (30, 14)).astype(float)
    mk = hs.mann_kendall(x)
    np.testing.assert_array_equal(mk.p, 2.0 * stats.norm.sf(np.abs(mk.z)))
