"""The Dask path gives exactly the in-memory results, on a LocalCluster of 2 workers."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from hotspots.areas import area_counts as area_counts_in_memory
from hotspots.errors import DataQualityWarning
from hotspots.grid import hotspot_grid
from hotspots.io import load_boundaries, read_police_uk
from hotspots.io.dataset import read_incident_dataset as read_in_memory
from hotspots.io.stream import convert_incidents

distributed = pytest.importorskip("distributed")
dask_geopandas = pytest.importorskip("dask_geopandas")

from hotspots.distributed import (  # noqa: E402  (after the optional-dependency skip)
    area_and_grid_counts,
    area_counts,
    assign_areas,
    grid_counts,
    read_incident_dataset,
)

SAMPLE = "west-yorkshire-street-2017-sample.csv"


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, police_uk_dir):
    out = tmp_path_factory.mktemp("dask") / "ds"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        convert_incidents(police_uk_dir / SAMPLE, out)
        whole = read_police_uk(police_uk_dir / SAMPLE)
    return out, whole


@pytest.fixture(scope="module")
def police_uk_dir():
    from pathlib import Path
    return Path("/work/shared/data/police-uk") if Path(
        "/work/shared/data/police-uk").is_dir() else pytest.skip("no police.uk sample")


@pytest.mark.slow
def test_ward_counts_equal_in_memory(client, dataset):
    out, whole = dataset
    areas = load_boundaries("bradford-2013")
    lazy = read_incident_dataset(out)
    assert lazy.npartitions == 12  # one part per month of 2017
    for level in areas.level_names:
        ours = area_counts(lazy, areas, level=level, allow_outside=True)
        theirs = area_counts_in_memory(whole, areas, level=level, allow_outside=True)
        pd.testing.assert_frame_equal(ours, theirs[["area_id", "area_name", "n", "share"]],
                                      check_dtype=False)
        assert ours["n"].sum() == len(whole)


@pytest.mark.slow
def test_assign_per_partition_equals_in_memory(client, dataset):
    out, whole = dataset
    areas = load_boundaries("bradford-2013")
    lazy = assign_areas(read_incident_dataset(out), areas, allow_outside=True).compute()
    expected = assign_areas(whole, areas, allow_outside=True)
    for col in ("ward_id", "ward", "constituency_id", "constituency"):
        assert lazy[col].astype(str).tolist() == expected[col].astype(str).tolist()


@pytest.mark.slow
def test_grid_counts_equal_in_memory(client, dataset):
    out, whole = dataset
    grid = hotspot_grid(whole, cell_size=500)
    lazy = read_incident_dataset(out, columns=["location_status", "occurred"])
    assert list(lazy.columns) == ["occurred", "location_status", "geometry"]
    ours = grid_counts(lazy, grid)
    theirs = grid_counts(whole, grid)
    pd.testing.assert_frame_equal(ours, theirs)
    # the in-memory counts themselves: every located incident is in one cell and month
    assert theirs["n"].sum() == int((whole["location_status"] == "located").sum())
    assert theirs["period"].nunique() == 12


def test_filters_pushed_down(dataset):
    out, whole = dataset
    lazy = read_incident_dataset(out, period="2017-03")
    assert lazy.npartitions == 1
    got = lazy.compute(scheduler="synchronous")
    expected = read_in_memory(out, period="2017-03")
    assert got["incident_id"].tolist() == expected["incident_id"].tolist()
    assert len(got) == int((whole["occurred"] == "2017-03-01").sum()) > 0


def test_grid_counts_leave_out_unknown_locations_and_count_missing_dates():
    import geopandas as gpd
    from shapely import Point

    inc = gpd.GeoDataFrame(
        {"occurred": pd.to_datetime(["2019-01-05", "2019-01-20", None, "2019-02-01", None]),
         "location_status": ["located", "located", "located", "located", "unknown"]},
        geometry=[Point(50, 50), Point(60, 40), Point(70, 70), Point(150, 50), Point()],
        crs="EPSG:27700")
    grid = hotspot_grid(inc[inc["location_status"] == "located"], cell_size=100)
    lazy = dask_geopandas.from_geopandas(inc, npartitions=2)
    ours = grid_counts(lazy, grid, scheduler="synchronous")
    pd.testing.assert_frame_equal(ours, grid_counts(inc, grid))
    first = ours[ours["cell_id"] == ours["cell_id"].min()]
    assert first["n"].tolist() == [2, 1]  # January, then the row without a date (NaT)
    assert first["period"].isna().tolist() == [False, True]
    assert ours["n"].sum() == 4


def test_area_and_grid_counts_in_one_pass_equal_the_two_verbs(dataset):
    out, whole = dataset
    areas = load_boundaries("bradford-2013")
    grid = hotspot_grid(whole, cell_size=500)
    lazy = read_incident_dataset(out, period=("2017-01", "2017-02"),
                                 columns=["location_status", "occurred"])
    wards, cells = area_and_grid_counts(lazy, areas, grid, level="ward", allow_outside=True,
                                        scheduler="synchronous")
    part = whole[whole["occurred"] < "2017-03-01"]
    expected = area_counts_in_memory(part, areas, level="ward", allow_outside=True)
    pd.testing.assert_frame_equal(wards, expected[["area_id", "area_name", "n", "share"]],
                                  check_dtype=False)
    pd.testing.assert_frame_equal(cells, grid_counts(part, grid))
    assert wards["n"].sum() == len(part) > 0
    assert cells["n"].sum() == int((part["location_status"] == "located").sum())
