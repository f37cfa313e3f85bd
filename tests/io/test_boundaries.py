"""The boundary registry, file resolution (data_dir, env, cache, download) and the named sets."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.areas import AreaSet
from hotspots.errors import CRSError, DataQualityWarning, HotspotsError, ValidationError
from hotspots.io import boundaries as bmod
from hotspots.io.boundaries import (
    BoundaryFileNotFoundError,
    boundary_extent,
    boundary_manifest,
    list_boundaries,
    load_boundaries,
    read_boundaries,
    read_boundary_file,
)

MANIFEST = Path(__file__).resolve().parents[2] / "boundaries" / "manifest.json"
COMMIT = "88339000fc8711feb9c146d5cd7d145bf286350d"
LADS = {
    "bradford": "E08000032", "city-of-london": "E09000001", "camden": "E09000007",
    "hackney": "E09000012", "islington": "E09000019", "southwark": "E09000028",
    "tower-hamlets": "E09000030", "westminster": "E09000033",
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test sees the real cache, a data dir from the environment or the copies embedded in
    the package unless it sets one (tests/test_embedded_boundaries.py covers those)."""
    monkeypatch.setenv(bmod.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(bmod.DATA_DIR_ENV, raising=False)
    monkeypatch.setattr(bmod, "_embedded_dir", lambda: None)


def _all_files(name: str) -> list[dict]:
    entry = boundary_manifest(name)
    return [f for spec in entry["levels"].values() for f in spec["files"]]


def _copy_set(src: Path, name: str, dest: Path, *, flat: bool = False) -> Path:
    for f in _all_files(name):
        target = dest / (Path(f["file"]).name if flat else f["file"])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / f["file"], target)
    return dest


def _forbid_download(monkeypatch):
    import pooch

    def fail(*args, **kwargs):
        raise AssertionError("pooch.retrieve must not be called")

    monkeypatch.setattr(pooch, "retrieve", fail)


# --- the manifest --------------------------------------------------------------------------------
def test_manifest_sets_and_fields():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert list(manifest["sets"]) == ["bradford-2013", "city-of-london-2013",
                                      "london-central-2013"]
    assert "Open Government Licence v3" in manifest["licence"]
    assert "Any further sub-licences must retain this attribution" in manifest["licence"]
    assert manifest["source"]["commit"] == COMMIT
    for entry in manifest["sets"].values():
        assert entry["vintage"] == "2013"
        assert entry["description"]
        assert list(entry["levels"]) == ["ward", "constituency"]
        assert entry["levels"]["ward"]["id_field"] == "WD13CD"
        assert entry["levels"]["ward"]["name_field"] == "WD13NM"
        assert entry["levels"]["constituency"]["id_field"] == "PCON13CD"
        assert entry["levels"]["constituency"]["name_field"] == "PCON13NM"
    london = manifest["sets"]["london-central-2013"]
    assert sorted(london["lad_codes"]) == sorted(c for k, c in LADS.items() if k != "bradford")
    assert len(london["levels"]["ward"]["files"]) == 7


@pytest.mark.parametrize("name", ["bradford-2013", "city-of-london-2013",
                                  "london-central-2013"])
def test_manifest_urls_are_pinned_and_hashes_match_the_files(boundaries_dir, name):
    for level, spec in boundary_manifest(name)["levels"].items():
        folder = "wards_by_lad" if level == "ward" else "wpc_by_lad"
        for f in spec["files"]:
            slug = Path(f["file"]).name.rsplit("-", 2)[0]
            assert f["lad_code"] == LADS[slug]
            assert f["url"] == (
                "https://raw.githubusercontent.com/martinjc/UK-GeoJSON/"
                f"{COMMIT}/json/electoral/eng/{folder}/{LADS[slug]}.json"
            )
            data = (boundaries_dir / f["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == f["sha256"], f["file"]
            assert len(data) == f["size_bytes"]


def test_list_boundaries_and_unknown_name():
    listed = list_boundaries()
    assert list(listed) == ["bradford-2013", "city-of-london-2013", "london-central-2013"]
    assert "30 electoral wards" in listed["bradford-2013"]
    with pytest.raises(KeyError, match="Known sets: bradford-2013, city-of-london-2013"):
        load_boundaries("leeds-2013")


@pytest.mark.parametrize(("name", "meant"), [
    ("bradford", "bradford-2013"), ("bradfrod-2013", "bradford-2013"),
    ("city-of-london", "city-of-london-2013"), ("london", "london-central-2013"),
    ("leeds-2013", None), ("calderdale-2013", None), ("nope", None)])
def test_unknown_name_suggests_only_a_close_registered_name(name, meant):
    with pytest.raises(KeyError) as info:
        boundary_manifest(name)
    message = str(info.value)
    assert "Known sets: bradford-2013, city-of-london-2013, london-central-2013" in message
    if meant:
        assert f"Did you mean {meant!r}?" in message
    else:
        assert "Did you mean" not in message


def test_every_registered_set_has_an_extent_in_metres():
    for name, entry in boundary_manifest()["sets"].items():
        x0, y0, x1, y1 = entry["bbox_27700"]
        assert 0 <= x0 < x1 <= 700_000, name  # British National Grid eastings
        assert 0 <= y0 < y1 <= 1_300_000, name


def test_manifest_copy_is_independent():
    entry = boundary_manifest("bradford-2013")
    entry["levels"]["ward"]["files"][0]["sha256"] = "x"
    assert boundary_manifest("bradford-2013")["levels"]["ward"]["files"][0]["sha256"] != "x"
    assert "Crown copyright" in entry["licence"]


# --- the named sets ------------------------------------------------------------------------------
def _count_features(path: Path, field: str) -> int:
    return gpd.read_file(path)[field].nunique()


def test_bradford_2013(boundaries_dir):
    areas = load_boundaries("bradford-2013", data_dir=boundaries_dir)
    assert areas.name == "bradford-2013"
    assert areas.vintage == "2013"
    assert areas.level_names == ["ward", "constituency"]
    assert len(areas["ward"]) == _count_features(boundaries_dir / "bradford-wards-2013.geojson",
                                                 "WD13CD") == 30
    assert areas["constituency"]["area_name"].tolist() == [
        "Bradford East", "Bradford South", "Bradford West", "Keighley", "Shipley"]
    assert areas["ward"].crs.to_epsg() == 27700
    assert areas.nests
    assert areas.sources["bradford-wards-2013.geojson"] == str(
        boundaries_dir / "bradford-wards-2013.geojson")


def test_city_of_london_2013_does_not_nest(boundaries_dir):
    areas = load_boundaries("city-of-london-2013", data_dir=boundaries_dir)
    assert len(areas["ward"]) == _count_features(
        boundaries_dir / "london/city-of-london-wards-2013.geojson", "WD13CD") == 25
    assert areas["constituency"]["area_name"].tolist() == ["Cities of London and Westminster"]
    row = areas.nesting.iloc[0]
    # every City ward lies in the constituency, but it reaches far beyond the City
    assert row["n_not_within"] == 0
    assert row["n_beyond"] == 1
    outline_km2 = areas.outline.area / 1e6
    pcon_km2 = areas["constituency"].area.iloc[0] / 1e6
    assert row["min_coverage"] == pytest.approx(outline_km2 / pcon_km2, rel=0.01)
    assert pcon_km2 > 5 * outline_km2
    assert not areas.nests


def test_london_central_2013_dissolves_shared_constituency(boundaries_dir):
    areas = load_boundaries("london-central-2013", data_dir=boundaries_dir)
    assert len(areas["ward"]) == 136
    assert len(areas["constituency"]) == 13
    pcon = areas["constituency"]
    # the constituency is in both the City and the Westminster file, as the same polygon
    raw = [gpd.read_file(boundaries_dir / f"london/{b}-constituencies-2013.geojson").to_crs(27700)
           for b in ("city-of-london", "westminster")]
    pieces = [g.loc[g.PCON13NM == "Cities of London and Westminster"].geometry.iloc[0]
              for g in raw]
    assert pieces[0].symmetric_difference(pieces[1]).area < 1.0
    colw = pcon.loc[pcon.area_name == "Cities of London and Westminster"]
    assert len(colw) == 1
    assert colw.geometry.iloc[0].symmetric_difference(pieces[0]).area < 1.0
    # two wards called Regent's Park (Camden and Westminster) keep unique names
    names = areas["ward"]["area_name"]
    assert names.is_unique
    assert {"Regent's Park (Camden)", "Regent's Park (Westminster)"} <= set(names)
    # the constituencies that reach beyond the seven boroughs
    outline = areas.outline
    beyond = sorted(pcon.loc[pcon.geometry.difference(outline).area / pcon.area > 0.05,
                             "area_name"])
    assert beyond == ["Dulwich and West Norwood", "Hampstead and Kilburn"]
    assert areas.nesting.iloc[0]["n_beyond"] == 2


# --- resolution order ----------------------------------------------------------------------------
def test_env_var_is_used(boundaries_dir, monkeypatch):
    _forbid_download(monkeypatch)
    monkeypatch.setenv(bmod.DATA_DIR_ENV, str(boundaries_dir))
    areas = load_boundaries("bradford-2013")
    assert areas.sources["bradford-wards-2013.geojson"] == str(
        boundaries_dir / "bradford-wards-2013.geojson")


def test_data_dir_comes_before_env(boundaries_dir, monkeypatch, tmp_path):
    _forbid_download(monkeypatch)
    good = _copy_set(boundaries_dir, "bradford-2013", tmp_path / "good")
    bad = _copy_set(boundaries_dir, "bradford-2013", tmp_path / "bad")
    (bad / "bradford-wards-2013.geojson").write_bytes(b"{}")
    monkeypatch.setenv(bmod.DATA_DIR_ENV, str(bad))
    areas = load_boundaries("bradford-2013", data_dir=good)
    wards = "bradford-wards-2013.geojson"
    assert areas.sources[wards] == str(good / wards)
    # without data_dir the env folder is used, and its altered file is refused
    with pytest.raises(HotspotsError) as err:
        load_boundaries("bradford-2013")
    msg = str(err.value)
    assert str(bad / "bradford-wards-2013.geojson") in msg
    assert boundary_manifest("bradford-2013")["levels"]["ward"]["files"][0]["sha256"] in msg
    assert hashlib.sha256(b"{}").hexdigest() in msg


def test_env_comes_before_cache_and_cache_is_used(boundaries_dir, monkeypatch, tmp_path):
    _forbid_download(monkeypatch)
    cache = _copy_set(boundaries_dir, "city-of-london-2013", tmp_path / "cache")
    areas = load_boundaries("city-of-london-2013")
    assert areas.sources["london/city-of-london-wards-2013.geojson"] == str(
        cache / "london/city-of-london-wards-2013.geojson")
    env = _copy_set(boundaries_dir, "city-of-london-2013", tmp_path / "env")
    monkeypatch.setenv(bmod.DATA_DIR_ENV, str(env))
    areas = load_boundaries("city-of-london-2013")
    assert areas.sources["london/city-of-london-wards-2013.geojson"].startswith(str(env))


def test_files_found_without_london_subfolder(boundaries_dir, monkeypatch, tmp_path):
    _forbid_download(monkeypatch)
    flat = _copy_set(boundaries_dir, "city-of-london-2013", tmp_path / "flat", flat=True)
    assert (flat / "city-of-london-wards-2013.geojson").is_file()
    areas = load_boundaries("city-of-london-2013", data_dir=flat)
    assert len(areas["ward"]) == 25


def test_mocked_download_checks_hash_and_fills_cache(boundaries_dir, monkeypatch, tmp_path):
    import pooch

    calls = []

    def fake_retrieve(url, known_hash, fname, path, **kwargs):
        entry = next(f for f in _all_files("london-central-2013") if f["url"] == url
                     and Path(f["file"]).name == fname)
        assert known_hash == f"sha256:{entry['sha256']}"
        calls.append(url)
        Path(path).mkdir(parents=True, exist_ok=True)
        shutil.copy(boundaries_dir / entry["file"], Path(path) / fname)
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    areas = load_boundaries("london-central-2013")
    assert len(calls) == 14
    assert len(areas["constituency"]) == 13
    cache = tmp_path / "cache"
    assert (cache / "london/westminster-wards-2013.geojson").is_file()
    # second time: from the cache, no download
    _forbid_download(monkeypatch)
    again = load_boundaries("london-central-2013", download=False)
    assert again.sources["london/camden-wards-2013.geojson"] == str(
        cache / "london/camden-wards-2013.geojson")


def test_mocked_download_with_wrong_bytes_is_refused(monkeypatch, tmp_path):
    import pooch

    def bad_retrieve(url, known_hash, fname, path, **kwargs):
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / fname).write_bytes(b"not geojson")
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", bad_retrieve)
    with pytest.raises(HotspotsError, match="does not match the registry: SHA-256 expected"):
        load_boundaries("bradford-2013")


def test_offline_error_lists_every_file_and_where_to_put_them(monkeypatch, tmp_path):
    import pooch

    def offline(*args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(BoundaryFileNotFoundError) as err:
        load_boundaries("london-central-2013", data_dir=tmp_path)
    msg = str(err.value)
    for f in _all_files("london-central-2013"):
        assert f["file"] in msg
        assert f["url"] in msg
    assert "needs 14 file(s)" in msg
    assert f"data_dir argument: {tmp_path}" in msg
    assert f"cache: {tmp_path / 'cache'}" in msg
    assert "HOTSPOTS_DATA_DIR" in msg
    assert "ConnectionError: Name or service not known" in msg
    assert isinstance(err.value, FileNotFoundError)


def test_download_false_never_downloads(monkeypatch, tmp_path):
    _forbid_download(monkeypatch)
    with pytest.raises(BoundaryFileNotFoundError, match="switched off"):
        load_boundaries("bradford-2013", download=False)


def test_partial_folder_reports_only_missing_files(boundaries_dir, monkeypatch, tmp_path):
    _forbid_download(monkeypatch)
    folder = _copy_set(boundaries_dir, "bradford-2013", tmp_path / "part")
    (folder / "bradford-constituencies-2013.geojson").unlink()
    with pytest.raises(BoundaryFileNotFoundError) as err:
        load_boundaries("bradford-2013", data_dir=folder, download=False)
    msg = str(err.value)
    assert "needs 1 file(s)" in msg
    assert "bradford-constituencies-2013.geojson" in msg
    assert "bradford-wards-2013.geojson" not in msg


def test_missing_data_dir_is_an_error(tmp_path):
    with pytest.raises(BoundaryFileNotFoundError, match="does not exist or is not a folder"):
        load_boundaries("bradford-2013", data_dir=tmp_path / "nope")


# --- read_boundary_file (was read_boundaries(path)) and read_boundaries ----------------------
def test_read_boundaries_detects_ons_fields(boundaries_dir):
    frame = read_boundary_file(boundaries_dir / "bradford-lsoa-2011.geojson")
    assert list(frame.columns[:2]) == ["area_id", "area_name"]
    assert len(frame) == 310
    assert frame["area_id"].str.fullmatch(r"E01\d{6}").all()
    assert frame["area_name"].str.startswith("Bradford ").all()
    assert frame.crs.to_epsg() == 27700
    explicit = read_boundary_file(boundaries_dir / "bradford-wards-2013.geojson",
                                  id_field="WD13CD", name_field="WD13NM")
    assert "Baildon" in set(explicit["area_name"])


def test_read_boundaries_errors(boundaries_dir, tmp_path):
    with pytest.raises(ValidationError, match=r"no column 'WARD'\. Columns found: WD13CD, "
                                              r"WD13CDO, WD13NM, WD13NMW"):
        read_boundary_file(boundaries_dir / "bradford-wards-2013.geojson", id_field="WARD")
    with pytest.raises(BoundaryFileNotFoundError, match="Boundary file not found"):
        read_boundary_file(tmp_path / "missing.geojson")
    shp = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)]).to_file(shp)
    with pytest.raises(CRSError, match="no coordinate reference system"):
        read_boundary_file(shp, id_field="code")
    nocode = tmp_path / "nocode.gpkg"
    gpd.GeoDataFrame({"label": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)],
                     crs=27700).to_file(nocode)
    with pytest.raises(ValidationError, match=r"Cannot tell which column.*Columns found: label"):
        read_boundary_file(nocode)


def test_read_boundaries_reads_files_into_an_area_set(boundaries_dir):
    areas = read_boundaries(ward=boundaries_dir / "bradford-wards-2013.geojson",
                            constituency=boundaries_dir / "bradford-constituencies-2013.geojson",
                            name="mine", vintage="2013")
    registry = load_boundaries("bradford-2013", data_dir=boundaries_dir)
    assert (areas.name, areas.vintage, areas.level_names) == ("mine", "2013",
                                                              registry.level_names)
    for level in registry.level_names:
        assert areas[level]["area_id"].tolist() == registry[level]["area_id"].tolist()
        assert areas[level].geometry.geom_equals_exact(registry[level].geometry, 0).all()
    with pytest.warns(DataQualityWarning, match="repaired 2 invalid polygon"):
        lsoa = read_boundaries(lsoa=boundaries_dir / "bradford-lsoa-2011.geojson",
                               id_fields={"lsoa": "LSOA11CD"}, name_fields="LSOA11NM")
    assert len(lsoa["lsoa"]) == 310
    with pytest.raises(ValueError, match="needs at least one level"):
        read_boundaries()


def test_read_boundaries_with_one_path_warns_and_returns_the_level_frame(boundaries_dir):
    path = boundaries_dir / "bradford-wards-2013.geojson"
    with pytest.warns(FutureWarning, match=r"read_boundaries\(path\).*read_boundary_file"):
        old = read_boundaries(path, id_field="WD13CD")
    pd.testing.assert_frame_equal(old, read_boundary_file(path, id_field="WD13CD"))
    with pytest.warns(FutureWarning), pytest.raises(TypeError, match="not both"):
        read_boundaries(path, ward=path)


def test_area_set_from_files_warns_and_equals_read_boundaries(boundaries_dir):
    files = {"ward": boundaries_dir / "bradford-wards-2013.geojson",
             "constituency": boundaries_dir / "bradford-constituencies-2013.geojson"}
    with pytest.warns(FutureWarning, match=r"AreaSet\.from_files is deprecated.*"
                                           r"read_boundaries"):
        old = AreaSet.from_files(vintage="2013", **files)
    new = read_boundaries(vintage="2013", **files)
    assert (old.name, old.vintage) == (new.name, new.vintage)
    for level in new.level_names:
        pd.testing.assert_frame_equal(old[level], new[level])


def test_stored_extents_match_the_files(boundaries_dir):
    # was tests/areas/test_extent.py: the extents areas uses come from the registry, and
    # here they are checked against the files
    for name, entry in boundary_manifest()["sets"].items():
        box = entry["bbox_27700"]
        computed = boundary_extent(name, data_dir=boundaries_dir)
        # the stored box is the computed one, widened to whole metres
        assert all(c >= b for c, b in zip(computed[:2], box[:2], strict=True))
        assert all(c <= b for c, b in zip(computed[2:], box[2:], strict=True))
        assert all(math.isclose(a, b, abs_tol=1.0) for a, b in zip(computed, box, strict=True))


def test_outline_is_union_of_wards(boundaries_dir):
    areas = load_boundaries("bradford-2013", data_dir=boundaries_dir)
    wards = gpd.read_file(boundaries_dir / "bradford-wards-2013.geojson").to_crs(27700)
    assert areas.outline.area == pytest.approx(wards.union_all().area, rel=1e-9)
    frame = areas.outline_frame
    assert frame["area_km2"].iloc[0] == pytest.approx(366.39, abs=0.01)
    assert np.isclose(frame.geometry.iloc[0].area, areas.outline.area)
