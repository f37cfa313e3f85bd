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
