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
