"""Reading point coordinates fast (hotspots.located): the same answers as row by row."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import LineString, MultiPoint, Point, box

from hotspots import _point_reading
from hotspots.errors import DataQualityWarning, ValidationError
from hotspots.located import located_points


def _mixed() -> np.ndarray:
    """Points among every kind of row the bounds alone would misread."""
    rng = np.random.default_rng(3)
    values = shapely.points(rng.uniform(0, 5000, (400, 2)))
    odd = [None, Point(), Point(np.nan, 2.0), Point(3.0, np.inf), Point(1.0, 2.0, 3.0),
           LineString([(5, 5), (5, 5)]),  # bounds (5, 5, 5, 5), as a point's would be
           MultiPoint([(7, 8)]), box(0, 0, 1, 1),
           shapely.GeometryCollection([Point(1, 1)]), Point(-0.0, 0.0)]
    for k, g in enumerate(odd):
        values[17 * k + 3] = g
    return values


def _by_geos(values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Type, emptiness, x and y as GEOS gives them row by row (the definition)."""
    kinds = shapely.get_type_id(values)
    empty = shapely.is_empty(values)
    point = (kinds == 0) & ~empty
    x = np.full(values.size, np.nan)
    y = np.full(values.size, np.nan)
    x[point] = shapely.get_x(values[point])
    y[point] = shapely.get_y(values[point])
    return kinds, empty, x, y


@pytest.mark.parametrize("layout_known", [True, False])
def test_one_pass_reading_equals_geos_row_by_row(monkeypatch, layout_known):
    values = _mixed()
    if not layout_known:  # e.g. a free-threaded build: the types come from GEOS
        monkeypatch.setattr(_point_reading, "_exact_points", lambda v, a: None)
    kinds, empty, x, y, clean = _point_reading._read_points(values)
    assert not clean  # the mixed rows hold lines, empties and NaN
    want_kinds, want_empty, want_x, want_y = _by_geos(values)
    has = (want_kinds >= 0) & ~want_empty  # rows located_points looks at
    np.testing.assert_array_equal(kinds[has], want_kinds[has])
    np.testing.assert_array_equal(empty, want_empty)
    point = has & (want_kinds == 0)
    np.testing.assert_array_equal(x[point], want_x[point])  # NaN where GEOS gives NaN
    np.testing.assert_array_equal(y[point], want_y[point])
    k = 17 * 9 + 3  # Point(-0.0, 0.0): the sign of zero kept, as get_x keeps it
    assert np.signbit(x[k]) == np.signbit(shapely.get_x(values[k]))


def test_exact_points_are_the_python_types():
    values = _mixed()
    got = _point_reading._exact_points(values, None)
    if got is None:  # not CPython's object layout: nothing to check here
        pytest.skip("object layout not CPython's")
    want = np.array([type(g) is Point for g in values])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("align", [16, 8, 1])
def test_factorize_addresses_groups_like_pandas(align):
    rng = np.random.default_rng(8)
    # 60k distinct "addresses" (multiples of the alignment) over 100k rows
    distinct = np.unique(rng.integers(1 << 30, 1 << 40, 70_000) * align + (align == 1))
    distinct = distinct[:60_000]
    addresses = distinct[rng.integers(0, distinct.size, 100_000)]
    codes, uniques = _point_reading._factorize_addresses(addresses)
    want, want_uniques = pd.factorize(addresses)
    assert codes.dtype == np.int64
    assert uniques.size == want_uniques.size
    np.testing.assert_array_equal(uniques[codes], addresses)
    assert np.bincount(codes).min() > 0  # codes 0..m-1, each used
    # the same partition: one code per address and one address per code
    pairs = np.unique(np.column_stack([codes, want]), axis=0)
    assert pairs.shape[0] == uniques.size


def test_shared_objects_with_unknown_rows_read_as_row_by_row():
    rng = np.random.default_rng(9)
    snap = shapely.points(rng.uniform(0, 5000, (500, 2)))
    values = snap[rng.integers(0, snap.size, 80_000)]
    values[[5, 60_000]] = None
    values[9] = box(0, 0, 1, 1)  # not a point, but its status says unknown: no error
    status = np.full(values.size, "located", dtype=object)
    status[9] = "unknown"
    inc = gpd.GeoDataFrame({"location_status": status}, geometry=values, crs=27700)
    with pytest.warns(DataQualityWarning, match="2 rows have location_status 'located'"):
        pts = located_points(inc)
    assert pts.groups is not None
    ok = np.ones(values.size, dtype=bool)
    ok[[5, 9, 60_000]] = False
    np.testing.assert_array_equal(pts.positions, np.flatnonzero(ok))
    np.testing.assert_array_equal(pts.x, shapely.get_x(values[ok]))
    np.testing.assert_array_equal(pts.y, shapely.get_y(values[ok]))
    # rows in one group hold one object
    first = {}
    for g, v in zip(pts.groups, values[ok], strict=True):
        assert first.setdefault(int(g), id(v)) == id(v)
    assert len(first) == len({id(v) for v in values[ok]})
    # each object's own coordinates come along, for work done once per location
    gx, gy = pts.group_xy
    np.testing.assert_array_equal(gx[pts.groups], pts.x)
    np.testing.assert_array_equal(gy[pts.groups], pts.y)
    status[9] = "located"
    with pytest.raises(ValidationError, match="not a point"), \
            pytest.warns(DataQualityWarning):
        located_points(gpd.GeoDataFrame({"location_status": status}, geometry=values,
                                        crs=27700))


def test_group_xy_is_left_out_when_the_points_are_reprojected():
    rng = np.random.default_rng(3)
    snap = shapely.points(rng.uniform(-1.9, -1.7, 300), rng.uniform(53.7, 53.9, 300))
    inc = gpd.GeoDataFrame(geometry=snap[rng.integers(0, 300, 100_000)], crs=4326)
    pts = located_points(inc, reproject=True)
    assert pts.groups is not None
    assert pts.reprojected_from == "EPSG:4326"
    assert pts.group_xy is None  # in degrees, the rows' x and y in metres: not offered
    unique = located_points(gpd.GeoDataFrame(geometry=snap, crs=27700))
    assert unique.groups is None
    assert unique.group_xy is None
