"""Coordinates read from text: the Arrow fast path agrees with pandas on every cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.io._arrow_csv import STR_DTYPE
from hotspots.io._points import _arrow_float, _text, _to_float, parse_points


def _slow(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    s, present = _text(values)
    v = pd.to_numeric(s.where(present), errors="coerce").to_numpy(dtype=float,
                                                                  na_value=np.nan)
    return v, present


def test_blank_and_null_tokens_are_not_values_and_spaces_are_stripped():
    s = pd.Series([" 1.5", None, "NA", "", "-", "2e3", "-0.1 ", "nil"], dtype=STR_DTYPE)
    values, present, (codes, numbers) = _arrow_float(s)
    assert present.tolist() == [True, False, False, False, False, True, True, False]
    assert values[present].tolist() == [1.5, 2000.0, -0.1]
    # each row's position among the distinct numbers gives its number back; NaN is -1
    assert (numbers[codes[present]] == values[present]).all()
    assert (codes[~present] == -1).all()


def test_texts_of_one_number_share_a_position():
    s = pd.Series(["-1.5", "-1.50", " -1.5", "2"], dtype=STR_DTYPE).astype("category")
    _, _, (codes, numbers) = _arrow_float(s)
    assert codes[0] == codes[1] == codes[2] != codes[3]
    assert sorted(numbers.tolist()) == [-1.5, 2.0]


def test_text_that_is_not_a_number_goes_to_the_pandas_path():
    s = pd.Series(["1.5", "abc", None], dtype=STR_DTYPE)
    assert _arrow_float(s) is None
    values, present = _to_float(s)  # which finds the bad cell (present, NaN)
    assert present.tolist() == [True, True, False]
    assert values[0] == 1.5
    assert np.isnan(values[1])


number = st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(repr),
                   st.integers(-10**6, 10**6).map(str))
cell = st.one_of(number, number.map(lambda v: f" {v}\t"),
                 st.sampled_from(["", "NA", "null", "-", "n/a", "1e", "x1", "inf", "1,5"]),
                 st.none())


@settings(max_examples=100, deadline=None)
@given(st.lists(cell, min_size=1, max_size=12))
def test_to_float_equals_the_pandas_reading(cells):
    s = pd.Series(cells, dtype=STR_DTYPE)
    got_v, got_p = _to_float(s)
    want_v, want_p = _slow(s)
    assert np.array_equal(got_p, want_p)
    assert np.array_equal(got_v, want_v, equal_nan=True)


def test_parse_points_keeps_blank_pairs_and_rejects_half_pairs():
    x = pd.Series(["-1.75", "", "-1.76", "0"], dtype=STR_DTYPE)
    y = pd.Series(["53.79", "", "", "0"], dtype=STR_DTYPE)
    pts = parse_points(x, y, crs="EPSG:4326")
    assert pts.located.tolist() == [True, False, False, False]
    assert pts.unknown.tolist() == [False, True, False, True]
    assert pts.zero.tolist() == [False, False, False, True]
    assert pts.rejected["missing_coordinate"][0].tolist() == [False, False, True, False]


@settings(max_examples=60, deadline=None)
@given(st.lists(cell, min_size=1, max_size=12))
def test_categorical_text_reads_like_the_same_text(cells):
    # police.uk coordinates arrive as categoricals (one Arrow dictionary per file)
    s = pd.Series(cells, dtype=STR_DTYPE)
    got_v, got_p = _to_float(s.astype("category"))
    want_v, want_p = _slow(s)
    assert np.array_equal(got_p, want_p)
    assert np.array_equal(got_v, want_v, equal_nan=True)


def test_each_distinct_location_is_projected_once_and_shared():
    from pyproj import Transformer

    rng = np.random.default_rng(3)
    lon = np.round(rng.uniform(-1.9, -1.7, 40), 6)
    lat = np.round(rng.uniform(53.7, 53.9, 40), 6)
    pick = rng.integers(0, 40, 2_000)
    # two values of one cell never meet: "-1.800000" and "-1.8" are the same location
    x = pd.Series([f"{v:.6f}" if i % 2 else repr(float(v)) for i, v in enumerate(lon[pick])],
                  dtype=STR_DTYPE)
    y = pd.Series([f"{v:.6f}" for v in lat[pick]], dtype=STR_DTYPE)
    pts = parse_points(x, y, crs="EPSG:4326")
    assert pts.located.all()
    east, north = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        lon[pick], lat[pick])
    import shapely

    np.testing.assert_allclose(shapely.get_x(pts.geometry), east, rtol=0, atol=1e-9)
    np.testing.assert_allclose(shapely.get_y(pts.geometry), north, rtol=0, atol=1e-9)
    # rows at one location share one immutable point: 40 objects, not 2,000
    assert len({id(g) for g in pts.geometry}) == len(np.unique(pick))


def test_outside_and_swapped_rows_are_told_apart_per_row_with_shared_locations():
    x = pd.Series(["-1.75", "53.79", "-1.75", "2.35", "-1.75"], dtype=STR_DTYPE)
    y = pd.Series(["53.79", "-1.75", "53.79", "48.86", "53.79"], dtype=STR_DTYPE)
    pts = parse_points(x, y, crs="EPSG:4326")
    assert pts.located.tolist() == [True, False, True, False, True]
    assert pts.rejected["swapped_coordinates"][0].tolist() == [False, True, False, False, False]
    assert pts.rejected["outside_gb"][0].tolist() == [False, False, False, True, False]
