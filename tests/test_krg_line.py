"""The KRG line named as what it is (the 2019 administrative boundary), and --krg-line FILE."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo import pipeline
from geo.boundaries.resolve import resolve_boundaries
from geo.cli import main
from geo.errors import BoundaryError
from geo.layers import KRG_LINE_CAVEAT, project_layers
from geo.userline import user_krg_line

ROOT = Path(__file__).resolve().parents[1]
#: Wording that is wrong for the administrative boundary.
WRONG = re.compile(r"line\s+of\s+control|limit\s+of\s+KRG\s+administration", re.IGNORECASE)


def _events(path: Path) -> Path:
    """A few events around Kirkuk, Tuz Khurmatu and Kifri (plain CSV, IS attacks)."""
    rows = [
        ("a", 35.47, 44.39),  # Kirkuk city
        ("b", 34.88, 44.63),  # Tuz Khurmatu
        ("c", 34.69, 44.96),  # Kifri
        ("d", 35.56, 45.43),  # Sulaymaniyah
        ("e", 34.60, 44.20),
        ("f", 35.10, 44.80),
    ]
    lines = ["id,date,latitude,longitude,actor1,role"]
    lines += [
        f"{i},2021-05-0{k + 1},{lat},{lon},IS,is_attack" for k, (i, lat, lon) in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _line_file(path: Path, geom, crs: str | None = "EPSG:4326") -> Path:
    gpd.GeoDataFrame({"name": ["mine"]}, geometry=[geom], crs=crs).to_file(path)
    return path


MY_LINE = LineString([(43.6, 34.9), (44.4, 34.75), (45.2, 34.7), (45.6, 34.6)])


def test_shipped_texts_never_call_the_administrative_boundary_a_line_of_control() -> None:
    files = [
        *ROOT.glob("maps/*.toml"),
        *ROOT.glob("boundaries/*.toml"),
        *ROOT.glob("geo/**/*.py"),
        *ROOT.glob("geo/**/*.js"),
        ROOT / "README.md",
    ]
    offenders = [str(f) for f in files if WRONG.search(f.read_text(encoding="utf-8"))]
    assert offenders == []


def test_default_line_carries_the_caveat() -> None:
    layers = project_layers(resolve_boundaries().boundaries)
    row = layers.krg_line.iloc[0]
    assert row["name"] == "Kurdistan Region boundary, 2019 administrative (proxy)"
    assert row["kind"] == "administrative-boundary-proxy"
    assert KRG_LINE_CAVEAT in row["notes"]
    assert any(KRG_LINE_CAVEAT in n for n in layers.notes)
    for words in ("19 March 2003", "October 2017", "Kifri", "Shekhan", "--krg-line"):
        assert words in KRG_LINE_CAVEAT


def test_krg_line_changes_the_seam_figures_and_the_provenance(tmp_path, capsys) -> None:
    events = _events(tmp_path / "events.csv")
    line = _line_file(tmp_path / "my-line.geojson", MY_LINE)
    default_out, user_out = tmp_path / "seam.csv", tmp_path / "seam-mine.csv"
    assert main(["stats", str(events), "--out", str(default_out), "--seam"]) == 0
    argv = ["stats", str(events), "--out", str(user_out), "--seam", "--krg-line", str(line)]
    assert main(argv) == 0
    capsys.readouterr()
    default, mine = pd.read_csv(default_out), pd.read_csv(user_out)
    assert list(default.columns) == list(mine.columns)
    assert not default[["events"]].equals(mine[["events"]])
    prov = json.loads((tmp_path / "seam-mine.provenance.json").read_text(encoding="utf-8"))
    text = json.dumps(prov)
    assert "my-line.geojson" in text and "krg-line:user" in text
    assert "my-line.geojson" not in (tmp_path / "seam.provenance.json").read_text()
    # the joined table's distances follow the line too
    joined = tmp_path / "joined.csv"
    assert main(["join", str(events), "--out", str(joined), "--krg-line", str(line)]) == 0
    capsys.readouterr()
    dist = pd.read_csv(joined).set_index("event_id")["dist_krg_line_km"].abs()
    # Tuz Khurmatu (34.88 N 44.63 E) is about 13 km from the given line
    assert 8 < dist["b"] < 20


def test_polygon_sets_the_area_and_the_line(tmp_path) -> None:
    layers = project_layers(resolve_boundaries().boundaries)
    area = Polygon([(43.0, 35.2), (46.5, 35.2), (46.5, 37.5), (43.0, 37.5)])
    changed, prov = user_krg_line(layers, _line_file(tmp_path / "area.gpkg", area))
    assert changed.krg_area["name"].iat[0].startswith("KRG area from area.gpkg")
    assert changed.krg_area.geometry.iat[0].equals(area)
    assert changed.krg_line["kind"].iat[0] == "user-supplied"
    assert changed.krg_line.geometry.iat[0].length > 0
    assert prov.files[0][0] == "area.gpkg" and len(prov.files[0][1]) == 64
    assert not any(KRG_LINE_CAVEAT in n for n in changed.notes)
    assert any("area.gpkg" in n for n in changed.notes)


@pytest.mark.parametrize(
    ("geom", "crs", "message"),
    [
        (Point(44.0, 35.0), "EPSG:4326", "needs line or polygon features, got Point"),
        (LineString([(10.0, 50.0), (11.0, 51.0)]), "EPSG:4326", "lies outside Iraq"),
        (
            LineString([(400000, 3800000), (500000, 3900000)]),
            None,
            "they look like projected metres",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_bad_krg_line_files(tmp_path, geom, crs, message) -> None:
    layers = project_layers(resolve_boundaries().boundaries)
    path = _line_file(tmp_path / "bad.geojson", geom, crs)
    with pytest.raises(BoundaryError, match=message):
        user_krg_line(layers, path)


def test_missing_krg_line_file_is_a_one_line_error(tmp_path, capsys) -> None:
    events = _events(tmp_path / "events.csv")
    argv = ["join", str(events), "--out", str(tmp_path / "j.csv")]
    code = main([*argv, "--krg-line", str(tmp_path / "nope.geojson")])
    err = capsys.readouterr().err
    assert code == 3 and "nope.geojson" in err and len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every shipped map from the sample, and the seam map again with a user line."""
    out = tmp_path_factory.mktemp("krg-default")
    mine = tmp_path_factory.mktemp("krg-mine")
    line = _line_file(tmp_path_factory.mktemp("line") / "my-line.geojson", MY_LINE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEO_OFFLINE", "1")
        mp.setenv("SOURCE_DATE_EPOCH", "1764374400")
        default = pipeline.build(out=out, force=True)
        user = pipeline.build(["seam"], out=mine, force=True, krg_line=line)
    return default, user


def test_built_pages_never_call_it_a_line_of_control(built) -> None:
    default, user = built
    pages = sorted(default.out_dir.glob("*.html")) + sorted(user.out_dir.glob("*.html"))
    assert len(pages) >= 5
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not WRONG.search(html), page.name
    seam = (default.out_dir / "seam.html").read_text(encoding="utf-8")
    assert "2019 administrative" in seam and "19 March 2003" in seam


def test_built_page_names_the_user_line(built) -> None:
    default, user = built
    html = (user.out_dir / "seam.html").read_text(encoding="utf-8")
    assert "KRG line from my-line.geojson (user-supplied)" in html
    assert "the KRG line is my-line.geojson" in html
    assert "my-line.geojson" not in (default.out_dir / "seam.html").read_text(encoding="utf-8")
