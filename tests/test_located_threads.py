"""Two-thread halves (hotspots._threads) and the remembered reading of incident points."""

from __future__ import annotations

import gc
import threading

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString, Point

from hotspots import _point_reading, _threads
from hotspots.errors import DataQualityWarning, ValidationError
from hotspots.located import located_points

N = 2 * _threads.MIN_PARALLEL + 1001  # above the threshold: read in two halves


@pytest.fixture(autouse=True)
def _forget():
    _point_reading._LAST.clear()
    yield
    _point_reading._LAST.clear()


def test_halves_split_by_size_only():
    assert _threads.halves(0) == [(0, 0)]
    assert _threads.halves(_threads.MIN_PARALLEL - 1) == [(0, _threads.MIN_PARALLEL - 1)]
    assert _threads.halves(7, minimum=2) == [(0, 3), (3, 7)]
    with _threads.serial():  # the split does not depend on threads being used
        assert _threads.halves(7, minimum=2) == [(0, 3), (3, 7)]


def test_map_parts_runs_the_second_half_on_another_thread_in_order():
    names = {}

    def work(a, b):
        names[(a, b)] = threading.current_thread().name
        return list(range(a, b))

    got = _threads.map_parts(work, [(0, 3), (3, 5)])
    assert got == [[0, 1, 2], [3, 4]]
    assert names[(0, 3)] == threading.current_thread().name
    assert names[(3, 5)].startswith("hotspots-half")
    with _threads.serial():
        assert _threads.map_parts(work, [(0, 3), (3, 5)]) == got
    assert names[(3, 5)] == threading.current_thread().name


def test_map_parts_raises_from_either_half_and_nests_without_deadlock():
    def bad(a, b):
        if a:
            raise ValueError("second half")
        return 1

    with pytest.raises(ValueError, match="second half"):
        _threads.map_parts(bad, [(0, 1), (1, 2)])

    def nested(a, b):  # a part that splits again runs its halves on its own thread
        return sum(_threads.map_parts(lambda c, d: d - c, [(a, (a + b) // 2), ((a + b) // 2, b)]))

    assert _threads.map_parts(nested, [(0, 10), (10, 30)]) == [10, 20]


def _points(n: int, seed: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return shapely.points(rng.uniform(400_000, 430_000, (n, 2)))


def test_threaded_reading_is_the_serial_reading_bit_for_bit():
    values = _points(N)
    # odd rows in both halves: missing, empty, non-finite, a zero-length line
    for k, g in ((5, None), (N // 2 - 1, Point()), (N // 2, Point(np.nan, 1.0)),
                 (N - 3, LineString([(1, 1), (1, 1)]))):
        values[k] = g
    threaded = _point_reading._read_points(values)
    with _threads.serial():
        serial = _point_reading._read_points(values)
    assert threaded[4] is serial[4] is False
    for a, b in zip(threaded[:4], serial[:4], strict=True):
        np.testing.assert_array_equal(a, b)
    x, y = threaded[2], threaded[3]
    some = [0, N // 2 + 1, N - 1]
    np.testing.assert_array_equal(x[some], shapely.get_x(values[some]))
    np.testing.assert_array_equal(y[some], shapely.get_y(values[some]))
    assert np.isnan(x[[5, N // 2 - 1, N // 2, N - 3]]).all()
    assert threaded[0][N - 3] == shapely.get_type_id(values[N - 3])  # the line, not a point


def test_located_points_threaded_equals_serial_and_geos():
    values = _points(N)
    frame = gpd.GeoDataFrame({"location_status": ["located"] * N},
                             geometry=values, crs=27700)
    frame.loc[[3, N - 2], "location_status"] = "unknown"
    got = located_points(frame)
    _point_reading._LAST.clear()
    with _threads.serial():
        want = located_points(frame)
    np.testing.assert_array_equal(got.x, want.x)
    np.testing.assert_array_equal(got.positions, want.positions)
    keep = np.setdiff1d(np.arange(N), [3, N - 2])
    np.testing.assert_array_equal(got.positions, keep)
    np.testing.assert_array_equal(got.x, shapely.get_x(values[keep]))
    np.testing.assert_array_equal(got.y, shapely.get_y(values[keep]))


def test_a_frame_read_again_gives_the_same_points_as_new_arrays():
    frame = gpd.GeoDataFrame({"w": np.arange(N, dtype=float)}, geometry=_points(N), crs=27700)
    first = located_points(frame, weights="w")
    assert len(_point_reading._LAST) == 1
    first.x[:] = -1.0  # the caller's own arrays: the remembered reading is not touched
    again = located_points(frame, weights="w")
    np.testing.assert_array_equal(again.x, shapely.get_x(frame.geometry.to_numpy()))
    np.testing.assert_array_equal(again.weights, frame["w"].to_numpy())
    # the status column is read each time, not remembered
    frame["location_status"] = "located"
    frame.loc[7, "location_status"] = "unknown"
    assert located_points(frame).n_unknown == 1


def test_a_changed_geometry_is_read_afresh():
    frame = gpd.GeoDataFrame(geometry=_points(N), crs=27700)
    located_points(frame)
    frame.loc[10, "geometry"] = Point(1.0, 2.0)
    got = located_points(frame)
    assert (got.x[10], got.y[10]) == (1.0, 2.0)
    frame.loc[11, "geometry"] = Point(np.inf, 2.0)
    with pytest.warns(DataQualityWarning, match="non-finite"):
        assert located_points(frame).n_unknown == 1
    frame.loc[12, "geometry"] = LineString([(0, 0), (1, 1)])
    with pytest.raises(ValidationError, match="not a point"):
        located_points(frame)


def test_the_reading_goes_with_its_frame():
    frame = gpd.GeoDataFrame(geometry=_points(N), crs=27700)
    located_points(frame)
    assert len(_point_reading._LAST) == 1
    del frame
    gc.collect()
    assert _point_reading._LAST == []


def test_small_frames_are_not_remembered():
    located_points(gpd.GeoDataFrame(geometry=_points(1000), crs=27700))
    assert _point_reading._LAST == []


def test_a_frame_of_repeated_point_objects_is_remembered_by_group():
    snap = _points(500, seed=6)  # police.uk style: many rows on each snap point object
    rows = np.random.default_rng(6).integers(0, 500, N)
    frame = gpd.GeoDataFrame(geometry=snap[rows], crs=27700)
    first = located_points(frame)
    assert first.groups is not None
    assert len(_point_reading._LAST) == 1
    again = located_points(frame)
    np.testing.assert_array_equal(again.groups, first.groups)
    np.testing.assert_array_equal(again.x, shapely.get_x(snap[rows]))
    np.testing.assert_array_equal(again.y, shapely.get_y(snap[rows]))


# --- readers that say which object each row holds (remember_shared_points) ----------------
def _read_snapped(n_rows: int = 120_000, n_places: int = 700):
    import pandas as pd

    from hotspots.io import read_incidents

    rng = np.random.default_rng(11)
    place = rng.integers(0, n_places, n_rows)
    east = 410_000 + 10.0 * np.arange(n_places)
    north = 430_000 + 7.0 * np.arange(n_places)
    table = pd.DataFrame({"e": east[place], "n": north[place]})
    table.loc[::97, ["e", "n"]] = np.nan  # rows without a location: kept as unknown
    return read_incidents(table, x="e", y="n", crs=27700), east[place], north[place]


def test_a_read_frame_is_remembered_as_the_verbs_would_read_it():
    frame, east, north = _read_snapped()
    assert len(_point_reading._LAST) == 1  # the reader told the verbs what the rows hold
    told = located_points(frame)
    _point_reading._LAST.clear()
    read = located_points(frame)  # the same frame read from scratch
    assert told.groups is not None
    assert read.groups is not None
    np.testing.assert_array_equal(told.groups, read.groups)  # numbered alike
    np.testing.assert_array_equal(told.x, read.x)
    np.testing.assert_array_equal(told.y, read.y)
    np.testing.assert_array_equal(told.positions, read.positions)
    np.testing.assert_array_equal(told.group_xy[0], read.group_xy[0])
    assert told.n_unknown == read.n_unknown == len(range(0, len(frame), 97))
    np.testing.assert_array_equal(told.x, east[told.positions])
    np.testing.assert_array_equal(told.y, north[told.positions])


def test_the_reading_of_shared_objects_lives_as_long_as_they_are_used():
    frame, _, _ = _read_snapped()
    copy = frame[["geometry"]].copy()  # another array of the same objects (a verb's output)
    del frame
    gc.collect()
    assert len(_point_reading._LAST) == 1  # the objects live on in the copy
    assert located_points(copy).groups is not None  # recalled, and now held for the copy
    moved = copy.copy()
    moved.loc[5, "geometry"] = Point(1.0, 2.0)  # one row holds a new object: read afresh
    pts = located_points(moved)
    assert pts.x[pts.positions == 5].tolist() == [1.0]
    del copy, moved
    gc.collect()
    # nobody holds the objects: their reading goes, at the latest with the next reading
    located_points(gpd.GeoDataFrame(geometry=_points(10), crs=27700))
    assert _point_reading._LAST == []


def test_a_reading_recalled_for_a_copy_stays_until_the_last_array_goes():
    frame = gpd.GeoDataFrame(geometry=_points(N), crs=27700)
    located_points(frame)
    copy = frame.copy()
    located_points(copy)  # the same objects in another array: recalled, held for it
    del frame
    gc.collect()
    assert len(_point_reading._LAST) == 1
    del copy
    gc.collect()
    assert _point_reading._LAST == []


def test_a_promise_the_rows_do_not_keep_is_not_remembered():
    table = _points(300, seed=8)
    codes = np.random.default_rng(8).integers(0, 300, N)
    values = table[codes]
    wrong = codes.copy()
    wrong[5] = (wrong[5] + 1) % 300  # one row said to hold another object
    _point_reading.remember_shared_points(values, table, wrong)
    assert _point_reading._LAST == []
    twice = table.copy()
    twice[1] = twice[0]  # one object twice in the table: codes 0 and 1 are one group
    _point_reading.remember_shared_points(twice[codes], twice, codes)
    assert _point_reading._LAST == []
    _point_reading.remember_shared_points(values[:1000], table, codes[:1000])  # small: not kept
    assert _point_reading._LAST == []
    _point_reading.remember_shared_points(values, table, codes)
    assert len(_point_reading._LAST) == 1
    np.testing.assert_array_equal(located_points(gpd.GeoSeries(values, crs=27700)).x,
                                  shapely.get_x(values))


# --- per_object: the located rows summed per distinct point object --------------------------
def test_per_object_counts_and_sums_only_the_located_rows_of_each_object():
    table = np.array([Point(0, 0), Point(5, 5), Point(9, 1), Point()], dtype=object)
    codes = np.tile([0, 1, 1, 3, 2, 1], 25_000)  # 150k rows on four objects, one empty
    # every fourth row is said unknown (some rows of each object), and the empty point's
    # rows too: object 3 has no located row and is left out
    status = np.where((np.arange(codes.size) % 4 == 0) | (codes == 3), "unknown", "located")
    weight = np.arange(codes.size, dtype=float) % 7
    frame = gpd.GeoDataFrame({"location_status": status, "w": weight},
                             geometry=table[codes], crs=27700)
    pts = located_points(frame, weights="w")
    assert pts.groups is not None
    gx, gy, rows = pts.per_object
    located = status == "located"
    want = {}
    for code in (0, 1, 2):
        on = located & (codes == code)
        want[(table[code].x, table[code].y)] = (int(on.sum()), float(weight[on].sum()))
    got = {(float(x), float(y)): (int(r), float(s))
           for x, y, r, s in zip(gx, gy, rows, pts.per_object_sums(pts.weights), strict=True)}
    assert got == want
    assert int(rows.sum()) == pts.n_located == int(located.sum())


def test_per_object_is_none_when_rows_do_not_share_objects():
    frame = gpd.GeoDataFrame(geometry=_points(N, seed=3), crs=27700)
    pts = located_points(frame)
    assert pts.groups is None
    assert pts.per_object is None
    with pytest.raises(ValueError, match="grouped"):
        pts.per_object_sums(np.ones(pts.n_located))
