"""Know where the data are (issue 10, #1): the wrong boundary set is refused, not a table of
zeros; the registered sets' extents are known without reading their files."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.areas import AreaSet, area_counts, assign_areas, extent
from hotspots.areas.extent import (
    OutsideAreasError,
    check_outside,
    located_xy,
    registered_extents,
    sets_holding,
)
from hotspots.io.boundaries import boundary_manifest


def test_city_data_counted_by_bradford_wards_is_refused_naming_the_city_set(
        city_2019, bradford_areas):
    n_located = int((city_2019["location_status"] == "located").sum())
    with pytest.raises(OutsideAreasError) as info:
        area_counts(city_2019, bradford_areas, level="ward")
    message = str(info.value)
    # every located City incident is outside Bradford: the old code returned 30 zero rows
    assert f"{n_located:,} of {n_located:,} located incidents (100.0%)" in message
    assert "'bradford-2013'" in message
    assert "--boundaries city-of-london-2013" in message  # the tightest set that holds them
    assert "london-central-2013" in message
    assert "allow_outside=True" in message
    assert [c[0] for c in info.value.candidates] == ["city-of-london-2013",
                                                     "london-central-2013"]
    with pytest.raises(OutsideAreasError):
        assign_areas(city_2019, bradford_areas, levels="constituency")


def test_allow_outside_gives_the_table_for_a_deliberate_case(city_2019, bradford_areas):
    table = area_counts(city_2019, bradford_areas, level="ward", allow_outside=True)
    outside = table.loc[table["area_name"] == "Outside district", "n"].item()
    assert outside == int((city_2019["location_status"] == "located").sum())
    assert table["n"].sum() == len(city_2019)
    assigned = assign_areas(city_2019, bradford_areas, levels="ward", allow_outside=True)
    assert assigned.attrs["hotspots"]["assign"]["allow_outside"] is True


def test_the_right_set_passes(city_2019, city_areas):
    table = area_counts(city_2019, city_areas, level="ward")
    assert table["n"].sum() == len(city_2019)
    outside = table.loc[table["area_name"] == "Outside district", "n"].item()
    assert 0 < outside < 0.5 * len(city_2019)  # a few points just beyond the City: accepted


def _toy_areas() -> AreaSet:
    frame = gpd.GeoDataFrame({"area_id": ["A"], "area_name": ["Square"]},
                             geometry=[shapely.box(416000, 433000, 417000, 434000)],
                             crs="EPSG:27700")
    return AreaSet({"ward": frame}, name="toy", vintage="t")


def test_half_outside_is_accepted_and_more_than_half_refused(make_incidents):
    areas = _toy_areas()
    inside = [(416500.0, 433500.0)] * 10
    far = [(100.0, 100.0)] * 10  # the sea: no registered set holds these
    assign_areas(make_incidents(inside + far), areas)  # 10 of 20: not most
    with pytest.raises(OutsideAreasError, match=r"11 of 20 located incidents \(55.0%\)") as info:
        assign_areas(make_incidents(inside[:9] + far + far[:1]), areas)
    assert "No registered boundary set holds them" in str(info.value)
    # unknown locations do not count either way
    assign_areas(make_incidents(inside + far, n_unknown=50), areas)


def test_few_incidents_refused_only_when_all_outside_a_registered_set(make_incidents):
    areas = _toy_areas()
    city = [(532000.0, 181300.0)] * 3  # three points in the City of London
    with pytest.raises(OutsideAreasError, match="city-of-london-2013"):
        assign_areas(make_incidents(city), areas)
    # 2 of 3 outside, or all outside but in no registered set: too few to judge, accepted
    assign_areas(make_incidents([*city[:2], (416500.0, 433500.0)]), areas)
    assign_areas(make_incidents([(100.0, 100.0)] * 3), areas)


def test_sets_holding_orders_the_tightest_fit_first():
    x = np.array([532000.0, 531500.0, 533000.0])
    y = np.array([181300.0, 181000.0, 181800.0])
    assert sets_holding(x, y) == [("city-of-london-2013", 1.0), ("london-central-2013", 1.0)]
    assert sets_holding(np.array([416000.0]), np.array([433000.0])) == [("bradford-2013", 1.0)]
    assert sets_holding(np.array([100.0]), np.array([100.0])) == []
    assert sets_holding(np.array([]), np.array([])) == []


def test_check_outside_uses_the_limit_exactly():
    x = np.full(10, 100.0)
    y = np.full(10, 100.0)
    check_outside(x, y, np.array([True] * 5 + [False] * 5), areas_name="t", level="ward",
                  allow_outside=False)
    with pytest.raises(OutsideAreasError):
        check_outside(x, y, np.array([True] * 6 + [False] * 4), areas_name="t",
                      level="ward", allow_outside=False)
    check_outside(x, y, np.ones(10, bool), areas_name="t", level="ward", allow_outside=True)


def test_registered_extents_come_from_the_manifest_without_reading_files(monkeypatch):
    def no_files(*args, **kwargs):
        raise AssertionError("a boundary file was read")

    monkeypatch.setattr(gpd, "read_file", no_files)
    extent._extents.cache_clear()
    try:
        got = registered_extents()
    finally:
        extent._extents.cache_clear()
    assert set(got) == set(boundary_manifest()["sets"])
    assert got["bradford-2013"] == (396065.0, 425348.0, 423800.0, 451900.0)


def test_a_set_without_a_stored_extent_is_skipped(monkeypatch):
    # areas reads no boundary files (the cycle with io is gone): the registry stores every
    # extent, and tests/io/test_boundaries.py checks them against the files
    import hotspots.areas.registry as registry

    real = registry.boundary_manifest

    def without_bbox(name=None):
        m = real(name)
        m["sets"]["bradford-2013"].pop("bbox_27700")
        return m

    monkeypatch.setattr(extent, "boundary_manifest", without_bbox)
    extent._extents.cache_clear()
    try:
        got = registered_extents()
    finally:
        extent._extents.cache_clear()
    assert set(got) == set(real()["sets"]) - {"bradford-2013"}


def test_located_xy_skips_unknown_and_empty(make_incidents):
    inc = make_incidents([(1.0, 2.0), (3.0, 4.0)], n_unknown=2)
    x, y = located_xy(inc)
    assert x.tolist() == [1.0, 3.0]
    assert y.tolist() == [2.0, 4.0]
