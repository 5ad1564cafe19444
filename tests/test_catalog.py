"""Tests of geo.boundaries: the catalog file, CRS and repair on read, tiling, fetch, import."""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import shutil
import socket
import threading
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from geo import boundaries, paths
from geo.errors import BoundaryError, CatalogError, ChecksumError, DownloadError
from geo.types import ADMIN_COLUMNS, LEVELS

CATALOG = boundaries.load_catalog()
ENTRIES = [(src.key, e) for src in CATALOG.sources for e in src.layers]
METRIC = "EPSG:32638"


# --------------------------------------------------------------------------- the catalog file


def test_sources_in_preference_order_with_provenance():
    assert [s.key for s in CATALOG.sources] == ["ocha-cod-ab", "geoboundaries"]
    for src in CATALOG.sources:
        assert src.licence == "CC BY 3.0 IGO"
        assert src.attribution and src.version and src.crs == "EPSG:4326"
    assert CATALOG.source("ocha-cod-ab").attribution == (
        "OCHA / Iraq Central Statistical Organization, COD-AB 2019"
    )
    gb = CATALOG.source("geoboundaries")
    assert "ea5b27e7aa608eb6827f2cc76620a5b21acc5962" in gb.base_url
    assert gb.layer("subdistrict") is None


@pytest.mark.parametrize(("source", "entry"), ENTRIES, ids=[f"{s}-{e.file}" for s, e in ENTRIES])
def test_every_catalog_entry_is_complete(source, entry):
    assert entry.source == source
    assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
    assert entry.size > 0
    assert entry.level in LEVELS
    assert Path(entry.file).match(entry.pattern)
    mapping = entry.field_map()
    assert {"code", "name"} <= set(mapping)
    assert set(mapping) <= set(ADMIN_COLUMNS)
    if CATALOG.source(source).delivery == "fetch":
        assert entry.path.endswith(entry.file)


def test_geoboundaries_pins_match_the_issue():
    pins = {e.file: (e.sha256, e.size) for e in CATALOG.source("geoboundaries").layers}
    assert pins["geoBoundaries-IRQ-ADM2.geojson"] == (
        "094eebe88707f9b845bf1132cc73c4c74eee318394f49cbaa22bc50f911b1b22",
        924154,
    )
    assert len(pins) == 5


def test_project_layers_are_listed_in_the_catalog():
    keys = [p.key for p in CATALOG.project]
    assert keys == [
        "unami-2009", "article-140-wide", "article-140-subdistricts", "krg-area", "krg-line",
        "hamrin-area", "hamrin-ridge", "hamrin-dam", "places",
    ]  # fmt: skip


def test_unknown_catalog_key_is_an_error(tmp_path):
    text = boundaries.load_catalog().path.read_text(encoding="utf-8")
    bad = tmp_path / "catalog.toml"
    bad.write_text(text.replace("preference = 2\n", 'preference = 2\nmirrors = ["x"]\n'))
    with pytest.raises(CatalogError, match=r"\[sources.geoboundaries\]: unknown key 'mirrors'"):
        boundaries.load_catalog(bad)


def test_unknown_source_names_the_known_ones():
    with pytest.raises(CatalogError, match="ocha-cod-ab, geoboundaries"):
        CATALOG.source("gadm")


# --------------------------------------------------------------------------- reading one file


def _write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc))
    return path


def _feature(geom: shapely.Geometry, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


def test_web_mercator_is_converted_and_noted(tmp_path):
    square = box(44.0, 34.0, 44.1, 34.1)
    mercator = gpd.GeoSeries([square], crs="EPSG:4326").to_crs("EPSG:3857").iat[0]
    file = _write_geojson(tmp_path / "m.geojson", [_feature(mercator, code="A")], "EPSG:3857")
    gdf, notes = boundaries.read_layer_file(file)
    assert gdf.crs.equals("EPSG:4326")
    assert gdf.total_bounds == pytest.approx([44.0, 34.0, 44.1, 34.1], abs=1e-6)
    assert any("converted from EPSG:3857" in n for n in notes)


def test_projected_metres_without_crs_are_refused(tmp_path):
    utm = box(400_000, 3_800_000, 410_000, 3_810_000)
    file = _write_geojson(tmp_path / "utm.geojson", [_feature(utm, code="A")])
    with pytest.raises(BoundaryError, match=r"utm.geojson.*look like projected metres") as info:
        boundaries.read_layer_file(file)
    assert "EPSG:4326" in info.value.hint


def test_declared_projected_crs_is_converted(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"code": ["A"]}, geometry=[box(400_000, 3_800_000, 410_000, 3_810_000)], crs=METRIC
    )
    gdf.to_file(tmp_path / "utm.gpkg")
    out, notes = boundaries.read_layer_file(tmp_path / "utm.gpkg")
    assert out.crs.equals("EPSG:4326")
    assert -180 <= out.total_bounds[0] <= 180
    assert any("converted from EPSG:32638" in n for n in notes)


def test_invalid_geometry_is_repaired_and_reported(tmp_path):
    bowtie = shapely.Polygon([(44, 34), (44.1, 34.1), (44.1, 34), (44, 34.1), (44, 34)])
    file = _write_geojson(
        tmp_path / "b.geojson",
        [_feature(box(45, 34, 45.1, 34.1), code="OK"), _feature(bowtie, code="BAD")],
    )
    gdf, notes = boundaries.read_layer_file(file)
    assert gdf.is_valid.all()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.geometry.iat[1].area == pytest.approx(0.005, rel=1e-6)
    assert len(notes) == 1
    assert "feature 2" in notes[0] and "Self-intersection" in notes[0] and "make_valid" in notes[0]


def test_missing_geometry_is_an_error(tmp_path):
    file = tmp_path / "n.geojson"
    file.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    _feature(box(44, 34, 45, 35), code="A"),
                    {"type": "Feature", "properties": {"code": "B"}, "geometry": None},
                ],
            }
        )
    )
    with pytest.raises(BoundaryError, match=r"1 feature.*without geometry.*feature 2"):
        boundaries.read_layer_file(file)


# --------------------------------------------------------------------------- tiling


def _layer(boxes: dict[str, shapely.Polygon]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": list(boxes)}, geometry=list(boxes.values()), crs="EPSG:4326")


def test_two_adjacent_squares_tile_their_rectangle():
    country = _layer({"IQ": box(44.0, 34.0, 44.2, 34.1)})
    layer = _layer({"A": box(44.0, 34.0, 44.1, 34.1), "B": box(44.1, 34.0, 44.2, 34.1)})
    assert boundaries.check_tiling(country, layer, label="toy") == []


def test_gap_overlap_and_spill_over_are_reported():
    # 0.1° of latitude is 11.09 km; 0.01° of longitude at 34° N is 0.923 km.
    country = _layer({"IQ": box(44.0, 34.0, 44.3, 34.1)})
    layer = _layer({
        "A": box(44.0, 34.0, 44.12, 34.1),   # overlaps B by 0.02° x 0.1°: about 20.5 km²
        "B": box(44.1, 34.0, 44.2, 34.1),
        "C": box(44.25, 34.0, 44.35, 34.1),  # a 0.05° gap and 0.05° beyond: about 51.2 km² each
    })  # fmt: skip
    notes = boundaries.check_tiling(country, layer, label="toy")
    assert len(notes) == 3
    gap, spill, overlap = notes

    def km2(note: str) -> float:
        return float(re.search(r"of ([0-9.]+) km²", note).group(1))

    assert gap.startswith("toy: gaps of") and km2(gap) == pytest.approx(51.2, abs=0.5)
    assert "near 34.0" in gap and "44.22" in gap
    assert spill.startswith("toy: spill-over beyond the country of")
    assert km2(spill) == pytest.approx(51.2, abs=0.5)
    assert overlap.startswith("toy: overlaps of") and km2(overlap) == pytest.approx(20.5, abs=0.3)
    assert "A/B 20." in overlap


def test_slivers_below_tolerance_pass():
    country = _layer({"IQ": box(44.0, 34.0, 44.2, 34.1)})
    layer = _layer({"A": box(44.0, 34.0, 44.1, 34.1), "B": box(44.1000001, 34.0, 44.2, 34.1)})
    assert boundaries.check_tiling(country, layer, label="toy") == []


# --------------------------------------------------------------------------- synthetic sources


def _toy_cod_ab(folder: Path, *, duplicate: bool = False) -> Path:
    """Write a tiny COD-AB-shaped source: 1 country, 2 governorates, 3 districts."""
    folder.mkdir(parents=True, exist_ok=True)
    base = {"ADM0_EN": "Iraq", "ADM0_AR": "العراق", "ADM0_PCODE": "IQ"}
    gov = {"IQG10": ("Diyala", box(44, 34, 45, 35)), "IQG13": ("Kirkuk", box(45, 34, 46, 35))}
    dist = {
        "IQG10Q01": ("IQG10", box(44, 34, 45, 34.5)),
        "IQG10Q02": ("IQG10", box(44, 34.5, 45, 35)),
        "IQG13Q01": ("IQG13", box(45, 34, 46, 35)),
    }
    _write_geojson(
        folder / "irq_admbnda_adm0_toy.geojson",
        [_feature(box(44, 34, 46, 35), **base)],
        "urn:ogc:def:crs:OGC:1.3:CRS84",
    )
    _write_geojson(
        folder / "irq_admbnda_adm1_toy.geojson",
        [_feature(g, ADM1_PCODE=c, ADM1_EN=n, ADM1_AR="", **base) for c, (n, g) in gov.items()],
    )
    codes = list(dist)
    if duplicate:
        codes[1] = codes[0]
    _write_geojson(
        folder / "irq_admbnda_adm2_toy.geojson",
        [
            _feature(
                g,
                ADM2_PCODE=code,
                ADM2_EN=f"District {code}",
                ADM2_AR="",
                ADM1_PCODE=p,
                ADM1_EN=gov[p][0],
                **base,
            )
            for code, (p, g) in zip(codes, dist.values(), strict=True)
        ],
    )
    return folder


def test_import_refuses_files_that_differ_from_the_catalog(tmp_path):
    with pytest.raises(ChecksumError, match=r"3 file.*differ from the ocha-cod-ab catalog") as info:
        boundaries.import_boundaries(_toy_cod_ab(tmp_path / "toy"))
    assert "allow-unverified" in info.value.hint
    assert boundaries.cached_sources() == []


def test_import_unverified_records_hashes_and_loads(tmp_path):
    folder = _toy_cod_ab(tmp_path / "toy")
    report = boundaries.import_boundaries(folder, allow_unverified=True)
    assert report.source == "ocha-cod-ab" and not report.verified
    adm1 = folder / "irq_admbnda_adm1_toy.geojson"
    status = next(f for f in report.files if f.level == "governorate")
    assert status.sha256 == hashlib.sha256(adm1.read_bytes()).hexdigest()
    assert status.size == adm1.stat().st_size
    assert "UNVERIFIED" in report.summary()
    assert any("subdistrict" in n and "not present" in n for n in report.notes)
    assert boundaries.cached_sources() == ["ocha-cod-ab"]
    b = boundaries.load_boundaries()
    assert list(b.districts.columns) == list(ADMIN_COLUMNS)
    assert b.subdistricts is None
    assert b.districts["adm1_code"].tolist() == ["IQG10", "IQG10", "IQG13"]
    assert any(n.startswith("unverified import") for n in b.report)
    assert any("Mandali cannot be cut out" in n for n in b.report)
    assert "Unverified import." in b.source.notes


def test_import_from_zip_with_nested_folder(tmp_path):
    folder = _toy_cod_ab(tmp_path / "toy")
    archive = tmp_path / "toy.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f"cod-ab/nested/{f.name}")
    report = boundaries.import_boundaries(archive, allow_unverified=True)
    assert len(report.files) == 3
    assert {p.name for p in report.directory.iterdir()} == {
        "manifest.json",
        *(f.name for f in folder.iterdir()),
    }


def test_duplicate_codes_fail_validation_once_with_every_problem(tmp_path):
    folder = _toy_cod_ab(tmp_path / "toy", duplicate=True)
    with pytest.raises(BoundaryError, match="codes are not unique: IQG10Q01"):
        boundaries.load_boundaries(path=folder)


def test_unrecognised_and_incomplete_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CatalogError, match="no boundary files"):
        boundaries.import_boundaries(tmp_path / "empty")
    other = tmp_path / "other"
    other.mkdir()
    _write_geojson(other / "roads.geojson", [_feature(box(44, 34, 45, 35), highway="primary")])
    with pytest.raises(CatalogError, match=r"no known boundary source.*roads.geojson"):
        boundaries.import_boundaries(other)
    folder = _toy_cod_ab(tmp_path / "toy")
    (folder / "irq_admbnda_adm2_toy.geojson").unlink()
    with pytest.raises(CatalogError, match=r"lacks the ocha-cod-ab layer\(s\) district"):
        boundaries.import_boundaries(folder)


def test_nothing_cached_says_how_to_get_boundaries():
    with pytest.raises(CatalogError, match="no boundaries cached") as info:
        boundaries.load_boundaries()
    assert "geo boundaries import PATH" in info.value.hint
    with pytest.raises(CatalogError, match="'geoboundaries' is not cached"):
        boundaries.load_boundaries("geoboundaries")


# --------------------------------------------------------------------------- fetch


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """Serve ``tmp_path / "www"`` on 127.0.0.1; yield (root folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **k: _Quiet(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def toy_remote(tmp_path):
    """A catalog whose one fetchable source is the toy COD-AB-shaped files, pinned."""
    files = _toy_cod_ab(tmp_path / "files")
    text = boundaries.load_catalog().path.read_text(encoding="utf-8")
    text = text.split("[sources.geoboundaries]")[0].split("[[sources.ocha-cod-ab.layers]]")[0]
    text = text.replace('delivery = "import"', 'delivery = "fetch"').replace(
        'base_url = ""', 'base_url = "http://127.0.0.1:9/unused/"'
    )
    for level, name in enumerate(["country", "governorate", "district"]):
        file = files / f"irq_admbnda_adm{level}_toy.geojson"
        pcode = f"ADM{level}_PCODE"
        text += (
            f'\n[[sources.ocha-cod-ab.layers]]\nlevel = "{name}"\nvariant = "full"\n'
            f'file = "{file.name}"\npattern = "irq_admbnda_adm{level}_*"\n'
            f'path = "gb/{file.name}"\nsha256 = "{hashlib.sha256(file.read_bytes()).hexdigest()}"\n'
            f"size = {file.stat().st_size}\n"
            f'fields = {{ code = "{pcode}", name = "ADM{level}_EN" }}\n'
        )
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return boundaries.load_catalog(path), files


def _publish(files: Path, root: Path) -> None:
    (root / "gb").mkdir()
    for f in files.iterdir():
        shutil.copy(f, root / "gb" / f.name)


@pytest.fixture
def online(monkeypatch):
    monkeypatch.setenv("GEO_OFFLINE", "0")


def test_fetch_downloads_verifies_and_caches(server, toy_remote, online):
    root, url = server
    cat, files = toy_remote
    _publish(files, root)
    report = boundaries.fetch("ocha-cod-ab", mirror=url, catalog=cat)
    assert [f.action for f in report.files] == ["downloaded"] * 3
    assert all(f.verified for f in report.files)
    for f in report.files:
        assert (report.directory / f.name).read_bytes() == (files / f.name).read_bytes()
    again = boundaries.fetch("ocha-cod-ab", mirror=url, catalog=cat)
    assert [f.action for f in again.files] == ["already cached"] * 3
    assert "verified" in again.summary()


def test_fetch_wrong_hash_is_not_cached(server, toy_remote, online):
    root, url = server
    cat, files = toy_remote
    _publish(files, root)
    served = root / "gb" / "irq_admbnda_adm1_toy.geojson"
    data = served.read_bytes()
    served.write_bytes(data.replace(b"Kirkuk", b"Kirkuq"))  # same size, other bytes
    with pytest.raises(ChecksumError) as info:
        boundaries.fetch("ocha-cod-ab", mirror=url, catalog=cat)
    message = str(info.value)
    expected = hashlib.sha256(data).hexdigest()
    got = hashlib.sha256(served.read_bytes()).hexdigest()
    assert "irq_admbnda_adm1_toy.geojson" in message
    assert f"expected {expected}" in message and f"sha256 {got}" in message
    assert "not cached" in message
    cached = paths.boundaries_cache_dir() / "ocha-cod-ab"
    assert not (cached / "irq_admbnda_adm1_toy.geojson").exists()


def test_fetch_wrong_size_is_not_cached(server, toy_remote, online):
    root, url = server
    cat, files = toy_remote
    _publish(files, root)
    served = root / "gb" / "irq_admbnda_adm2_toy.geojson"
    size = served.stat().st_size
    served.write_bytes(served.read_bytes() + b"\n")
    with pytest.raises(
        ChecksumError, match=f"has {size + 1} bytes, expected {size}; the file was not cached"
    ):
        boundaries.fetch("ocha-cod-ab", mirror=url, catalog=cat)
    assert not (paths.boundaries_cache_dir() / "ocha-cod-ab" / served.name).exists()


def test_fetch_server_down(toy_remote, online):
    cat, _ = toy_remote
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        DownloadError, match=r"could not download http://127.0.0.1.*cannot be reached"
    ) as info:
        boundaries.fetch("ocha-cod-ab", mirror=f"http://127.0.0.1:{port}/", catalog=cat)
    assert "--mirror URL" in info.value.hint and "geo boundaries import PATH" in info.value.hint


def test_fetch_missing_file_on_server(server, toy_remote, online):
    _, url = server
    cat, _ = toy_remote
    with pytest.raises(DownloadError, match="HTTP 404"):
        boundaries.fetch("ocha-cod-ab", mirror=url, catalog=cat)


def test_fetch_offline_does_not_try(toy_remote):
    cat, _ = toy_remote
    with pytest.raises(DownloadError, match="GEO_OFFLINE") as info:
        boundaries.fetch("ocha-cod-ab", mirror="http://127.0.0.1:9/", catalog=cat)
    assert "geo boundaries import PATH" in info.value.hint


def test_cod_ab_cannot_be_fetched():
    with pytest.raises(CatalogError, match="not downloaded by the tool"):
        boundaries.fetch("ocha-cod-ab")


# --------------------------------------------------------------------------- the real COD-AB


@pytest.fixture(scope="module")
def cod_ab(cod_ab_dir):
    return boundaries.load_boundaries(path=cod_ab_dir)


@pytest.mark.shared_data
def test_real_cod_ab_loads_in_the_canonical_schema(cod_ab):
    b = cod_ab
    assert b.source.key == "ocha-cod-ab" and b.source.licence == "CC BY 3.0 IGO"
    assert len(b.source.files) == 4
    counts = [len(b.level(level)) for level in LEVELS]
    assert counts == [1, 18, 101, 294]
    for level in LEVELS:
        layer = b.level(level)
        assert list(layer.columns) == list(ADMIN_COLUMNS)
        assert layer.crs.equals("EPSG:4326")
        assert layer["code"].is_unique
        assert (layer["level"] == level).all()
    assert b.report == ()  # pinned files, clean tiling, nothing repaired
    d = b.districts.set_index("code")
    assert d.loc["IQG10Q06", ["name", "adm1_code", "adm1_name"]].tolist() == [
        "Kifri",
        "IQG10",
        "Diyala",
    ]
    assert d.loc["IQG10Q05", "name_ar"] == "خانقين"
    s = b.subdistricts.set_index("code")
    assert s.loc["IQG10Q03N01", ["name", "adm2_code", "adm2_name", "adm3_code"]].tolist() == [
        "Mandali",
        "IQG10Q03",
        "Baladruz",
        "IQG10Q03N01",
    ]
    assert b.governorates.set_index("code").loc["IQG10", "adm2_code"] == ""


@pytest.mark.shared_data
def test_real_cod_ab_import_and_list(cod_ab_dir):
    report = boundaries.import_boundaries(cod_ab_dir)
    assert report.verified and report.source == "ocha-cod-ab"
    assert boundaries.cached_sources() == ["ocha-cod-ab"]
    rows = {row.key: row for row in boundaries.list_layers()}
    counts = {level: rows[f"ocha-cod-ab/{level}"].features for level in LEVELS}
    assert counts == {"country": 1, "governorate": 18, "district": 101, "subdistrict": 294}
    district = rows["ocha-cod-ab/district"]
    assert district.licence == "CC BY 3.0 IGO" and district.source == "ocha-cod-ab"
    assert district.location.endswith("irq_admbnda_adm2_cso_20190603.geojson")
    assert rows["geoboundaries/district"].location == "not cached"
    for key in (
        "unami-2009",
        "article-140-wide",
        "krg-area",
        "krg-line",
        "hamrin-area",
        "hamrin-ridge",
        "hamrin-dam",
        "places",
    ):
        assert rows[key].kind == "project" and rows[key].licence
        assert key in rows[key].line()
    assert boundaries.load_boundaries().source.files == report.provenance.files


@pytest.mark.shared_data
def test_changed_cache_file_is_detected(cod_ab_dir):
    report = boundaries.import_boundaries(cod_ab_dir)
    cached = report.directory / "irq_admbnda_adm0_cso_itos_20190603.geojson"
    cached.write_bytes(cached.read_bytes().replace(b"Iraq", b"Irak"))
    with pytest.raises(ChecksumError, match="changed since it was stored"):
        boundaries.load_boundaries("ocha-cod-ab")


@pytest.mark.shared_data
def test_geoboundaries_shaped_files_derive_governorates_spatially(cod_ab, tmp_path):
    """Files in geoBoundaries' schema (built in tmp from COD-AB) load without parents or ADM3."""
    folder = tmp_path / "gb"
    folder.mkdir()
    for n, level in enumerate(["country", "governorate", "district"]):
        src = cod_ab.level(level)
        gdf = gpd.GeoDataFrame({
            "shapeName": src["name"], "shapeISO": "", "shapeID": "GB-" + src["code"],
            "shapeGroup": "IRQ", "shapeType": f"ADM{n}",
        }, geometry=src.geometry, crs="EPSG:4326")  # fmt: skip
        gdf.to_file(folder / f"geoBoundaries-IRQ-ADM{n}.geojson")
    b = boundaries.load_boundaries(path=folder)
    assert b.source.key == "geoboundaries" and b.subdistricts is None
    assert b.districts["code"].str.startswith("GB-IQG").all()
    derived = b.districts.set_index("code")["adm1_code"].str.removeprefix("GB-")
    truth = cod_ab.districts.set_index("code")["adm1_code"]
    assert (
        derived.rename(lambda c: c.removeprefix("GB-")).sort_index() == truth.sort_index()
    ).all()
    assert any("derived spatially" in n for n in b.report)
    assert any("unverified" in n for n in b.report)


def test_fetch_with_progress_bar(server, toy_remote, online):
    root, url = server
    cat, files = toy_remote
    _publish(files, root)
    report = boundaries.fetch("ocha-cod-ab", mirror=url, progress=True, catalog=cat)
    assert all(f.verified and f.action == "downloaded" for f in report.files)
