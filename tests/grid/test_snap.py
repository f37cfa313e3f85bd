"""Snap-point detection (grid/snap.py): counts always, the costly spacing only when needed."""

import math

import numpy as np

from hotspots.grid.snap import distinct_locations, snap_info


def test_spacing_is_skipped_for_unsnapped_points_only_when_asked():
    rng = np.random.default_rng(0)
    x, y = rng.random(500) * 1000, rng.random(500) * 1000
    full = snap_info(x, y)
    lazy = snap_info(x, y, spacing="if_snapped")
    assert not full.snapped
    assert math.isfinite(full.spacing)
    assert math.isnan(lazy.spacing)
    assert lazy.as_attrs()["spacing"] is None
    assert (lazy.n_locations, lazy.share_at_shared) == (full.n_locations, full.share_at_shared)


def test_snapped_points_always_get_their_spacing():
    xs = np.repeat([0.0, 30.0, 100.0], 20)
    s = snap_info(xs, np.zeros(60), spacing="if_snapped")
    assert s.snapped
    assert s.spacing == 30.0


def test_distinct_locations_match_numpy_unique():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 5, 300).astype(float)
    y = rng.integers(0, 5, 300).astype(float)
    loc, n = distinct_locations(x, y)
    want, want_n = np.unique(np.column_stack([x, y]), axis=0, return_counts=True)
    np.testing.assert_array_equal(loc, want)
    np.testing.assert_array_equal(n, want_n)


def test_grouped_points_and_mixed_keys_give_the_hashed_answer(monkeypatch):
    import pandas as pd

    from hotspots.grid import snap as snap_mod

    rng = np.random.default_rng(8)
    where = rng.integers(0, 60, (400, 2)).astype(float)
    where[5] = where[9]  # two groups (objects) at one location
    where[6], where[7] = (-0.0, 3.0), (0.0, 3.0)  # -0.0 and 0.0 are one location
    groups, _ = pd.factorize(rng.integers(0, 400, 50_000))
    x, y = where[groups, 0], where[groups, 1]
    want_loc, want_n = np.unique(np.column_stack([x, y]), axis=0, return_counts=True)
    plain = snap_info(x, y)
    assert snap_info(x, y, groups=groups) == plain
    assert plain.n_locations == len(want_loc)
    assert plain.share_at_shared == want_n[want_n > 1].sum() / x.size
    # a mix that gives different locations one key is caught and the pairs hashed instead
    monkeypatch.setattr(snap_mod, "_MIX", 0)  # key = y's bits only: many collisions
    loc, n = distinct_locations(x, y)
    np.testing.assert_array_equal(loc, want_loc)
    np.testing.assert_array_equal(n, want_n)
    assert snap_info(x, y, groups=groups) == plain


def _numpy_locations(x, y):
    """The peer: np.unique over rows, with -0.0 and 0.0 one location (as np.unique has it)."""
    return np.unique(np.column_stack([x, y]), axis=0, return_counts=True)


def test_sorted_keys_group_repeats_as_numpy_unique():
    from hotspots.grid.snap import _hashed_locations

    rng = np.random.default_rng(11)
    where = rng.random((3_000, 2)) * 1e5
    where[10] = (-0.0, 7.0)
    where[11] = (0.0, 7.0)  # -0.0 and 0.0 are one location
    pick = rng.integers(0, where.shape[0], 20_000)
    x, y = where[pick, 0], where[pick, 1]
    want, want_n = _numpy_locations(x, y)
    loc, n = distinct_locations(x, y)
    np.testing.assert_array_equal(loc, want)
    np.testing.assert_array_equal(n, want_n)
    ux, uy, counts = _hashed_locations(x, y)  # in key order, counts as numpy's
    got = zip(ux.tolist(), uy.tolist(), counts.tolist(), strict=True)
    assert sorted(got) == [
        (a, b, c) for (a, b), c in zip(want.tolist(), want_n.tolist(), strict=True)]
    s = snap_info(x, y, spacing="never")
    assert s.snapped
    assert math.isnan(s.spacing)
    assert (s.n_locations, s.share_at_shared) == (len(want), want_n[want_n > 1].sum() / x.size)


def test_all_distinct_points_take_the_sort_only_path_and_still_merge_signed_zeros():
    rng = np.random.default_rng(12)
    x, y = rng.random(5_000) * 1e4, rng.random(5_000) * 1e4
    s = snap_info(x, y, spacing="never")
    assert (s.n_locations, s.share_at_shared, s.snapped) == (5_000, 0.0, False)
    x[:2], y[:2] = (-0.0, 0.0), (3.0, 3.0)  # one location written two ways: not distinct
    want, want_n = _numpy_locations(x, y)
    loc, n = distinct_locations(x, y)
    np.testing.assert_array_equal(loc, want)
    np.testing.assert_array_equal(n, want_n)
    assert snap_info(x, y, spacing="never").n_locations == 4_999


def test_a_key_collision_is_caught_and_the_pairs_grouped_exactly():
    from hotspots.grid import snap as snap_mod

    # two different locations built to share one mixed key: (x1*MIX) ^ y1 == (x2*MIX) ^ y2
    mix = np.uint64(snap_mod._MIX)
    x1, y1, x2 = 1.0, 2.0, 3.0
    k1 = np.array([x1]).view(np.uint64) * mix ^ np.array([y1]).view(np.uint64)
    y2 = (k1 ^ (np.array([x2]).view(np.uint64) * mix)).view(np.float64)[0]
    x = np.array([x1, x2, x1, x2, 5.0])
    y = np.array([y1, y2, y1, y2, 6.0])
    kx = (x.view(np.uint64) * mix) ^ y.view(np.uint64)
    assert kx[0] == kx[1]  # the collision is real
    want, want_n = _numpy_locations(x, y)
    loc, n = distinct_locations(x, y)
    np.testing.assert_array_equal(loc, want)
    np.testing.assert_array_equal(n, want_n)
    assert snap_info(x, y, spacing="never").n_locations == 3


def test_spacing_never_skips_it_even_for_snapped_points():
    xs = np.repeat([0.0, 30.0, 100.0], 20)
    never = snap_info(xs, np.zeros(60), spacing="never")
    assert never.snapped
    assert math.isnan(never.spacing)
    assert never.as_attrs()["spacing"] is None
    assert never.n_locations == snap_info(xs, np.zeros(60)).n_locations == 3


def test_per_object_locations_given_give_the_same_answer():
    rng = np.random.default_rng(13)
    where = rng.integers(0, 50, (300, 2)).astype(float)  # 300 objects on fewer locations
    where[7] = (-0.0, 1.0)
    where[8] = (0.0, 1.0)
    groups = rng.integers(0, 290, 20_000)  # the last 10 objects hold no point
    x, y = where[groups, 0], where[groups, 1]
    want, want_n = _numpy_locations(x, y)
    rows = np.bincount(groups, minlength=len(where))
    held = rows > 0  # as LocatedPoints.per_object: objects holding a point, with their count
    given = snap_info(x, y, groups=groups,
                      per_object=(where[held, 0], where[held, 1], rows[held]))
    assert given == snap_info(x, y, groups=groups) == snap_info(x, y)
    assert given.n_locations == len(want)
    assert given.share_at_shared == want_n[want_n > 1].sum() / x.size
