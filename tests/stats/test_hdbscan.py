"""Tests of hotspots.stats.hdbscan: weighted HDBSCAN* against scikit-learn, heavy locations."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import HDBSCAN

from hotspots.stats.dbscan import collapse_locations
from hotspots.stats.hdbscan import promote_heavy_locations, weighted_hdbscan


def test_unit_weights_equal_sklearn_on_sorted_rows():
    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(0, 20, (60, 2)), rng.normal(300, 30, (50, 2)),
                   rng.uniform(-200, 500, (30, 2))]).round(2)
    U, _, counts = collapse_locations(X)
    assert (counts == 1).all()  # distinct rows, sorted by (x, y)
    lab, prob, _, n = weighted_hdbscan(U, np.ones(len(U)), min_samples=5, min_cluster_size=10)
    peer = HDBSCAN(min_samples=5, min_cluster_size=10, copy=True).fit(U)
    np.testing.assert_array_equal(lab, peer.labels_)
    np.testing.assert_allclose(prob, peer.probabilities_, rtol=1e-12)
    assert n == 0
    assert lab.max() >= 1


def test_weights_count_towards_min_cluster_size():
    # two groups of two places 5 m apart, 500 m between groups, and a stray at 2 km
    U = np.array([[0.0, 0.0], [5.0, 0.0], [500.0, 0.0], [505.0, 0.0], [2000.0, 0.0]])
    lab, prob, score, n = weighted_hdbscan(U, np.array([6.0, 6, 6, 6, 1]), min_samples=3,
                                           min_cluster_size=10)
    assert lab.tolist() == [0, 0, 1, 1, -1]
    assert prob.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]
    assert score[4] > 0.99
    assert n == 0
    # the second group holds 7 < 10 incidents: not a cluster, and one cluster alone is the
    # whole data set, which HDBSCAN* (like scikit-learn's default) does not select
    lab2, _, _, n2 = weighted_hdbscan(U, np.array([6.0, 6, 4, 3, 1]), min_samples=3,
                                      min_cluster_size=10)
    assert lab2.tolist() == [-1] * 5
    assert n2 == 0


def test_promote_heavy_locations_numbers_after_existing_clusters():
    lab, prob, n = promote_heavy_locations(np.array([-1, 0, -1, 1, -1]),
                                           np.array([0.0, 0.7, 0.0, 0.9, 0.0]),
                                           np.array([10.0, 3, 9.99, 4, 25]), 10)
    assert lab.tolist() == [2, 0, -1, 1, 3]
    assert n == 2
    assert prob.tolist() == [1.0, 0.7, 0.0, 0.9, 1.0]
    lab0, _, n0 = promote_heavy_locations(np.array([-1, -1]), np.zeros(2), np.array([12, 1]), 10)
    assert lab0.tolist() == [0, -1]
    assert n0 == 1
