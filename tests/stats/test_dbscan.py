"""Tests of hotspots.stats.dbscan: weighted core distances, the ArcGIS eps rule, relabelling."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN

from hotspots.cluster import IncidentClusterer
from hotspots.stats.dbscan import (
    collapse_locations,
    relabel_by_size,
    weighted_dbscan,
)
from hotspots.stats.dbscan import core_distances as _core_distances
from hotspots.stats.dbscan import eps_arcgis as _eps_rule


# --- default eps: the ArcGIS rule ---------------------------------------------------------
def test_eps_rule_counts_weights_and_duplicates():
    # Two places 30 m apart holding 3 and 2 incidents: neither reaches 5 alone, together at
    # 30 m; every incident's core distance is 30 m, so eps is 30 and they form one cluster.
    X = np.array([[0.0, 0.0]] * 3 + [[30.0, 0.0]] * 2)
    est = IncidentClusterer(eps="arcgis", min_samples=5).fit(X)
    assert est.eps_ == pytest.approx(30.0)
    np.testing.assert_array_equal(est.labels_, [0] * 5)
    # the same with sample weights on distinct rows
    est_w = IncidentClusterer(eps="arcgis", min_samples=5).fit(X[[0, 3]], sample_weight=[3, 2])
    assert est_w.eps_ == pytest.approx(30.0)
    # core distances directly: weight reached at the location itself gives 0
    core = _core_distances(np.array([[0.0, 0.0], [30.0, 0.0], [100.0, 0.0]]),
                           np.array([5.0, 2.0, 0.5]), 5)
    np.testing.assert_allclose(core, [0.0, 30.0, 100.0])
    core_small = _core_distances(np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]),
                                 np.array([0.25, 0.25, 0.25]), 5)
    assert np.isinf(core_small).all()  # total weight 0.75 < 5


def test_eps_rule_falls_back_when_most_incidents_sit_on_heavy_places():
    # 101 incidents: 100 at places reaching min_samples alone (core 0), one at 200 m.
    # Dropping the top 1% (1 incident) leaves 0, so the rule is applied to the light places.
    eps, reason = _eps_rule(np.array([0.0, 0.0, 200.0]), np.array([60, 40, 1]), 5)
    assert eps == pytest.approx(200.0)
    assert "reach min_samples on their own" in reason
    # without the fallback condition the rule is the plain one: 50 m at rank 100 of 101
    eps2, reason2 = _eps_rule(np.array([0.0, 0.0, 200.0, 50.0]), np.array([60, 39, 1, 1]), 5)
    assert eps2 == pytest.approx(50.0)
    assert "on their own" not in reason2
    with pytest.raises(ValueError, match="Pass eps"):
        _eps_rule(np.zeros(3), np.array([5, 6, 7]), 5)


# --- the other kernels, directly ------------------------------------------------------------
def test_collapse_locations_sorts_and_counts_and_inverts():
    X = np.array([[5.0, 1.0], [0.0, 2.0], [5.0, 1.0], [0.0, -1.0], [-0.0, 2.0]])
    U, inverse, counts = collapse_locations(X)
    np.testing.assert_array_equal(U, [[0.0, -1.0], [0.0, 2.0], [5.0, 1.0]])
    np.testing.assert_array_equal(U[inverse], X)  # -0.0 == 0.0
    np.testing.assert_array_equal(counts, [1, 2, 2])  # -0.0 and 0.0 are one location
    # three columns take the np.unique path and agree with it
    X3 = np.array([[1.0, 2, 3], [1, 2, 3], [0, 9, 9]])
    U3, inv3, c3 = collapse_locations(X3)
    np.testing.assert_array_equal(U3, [[0, 9, 9], [1, 2, 3]])
    np.testing.assert_array_equal(inv3, [1, 1, 0])
    np.testing.assert_array_equal(c3, [1, 2])


def test_core_distances_need_more_neighbours_for_light_weights():
    # weights 0.5: reaching 2 needs four locations, more than min_samples=2 neighbours
    U = np.column_stack([np.arange(6) * 10.0, np.zeros(6)])
    core = _core_distances(U, np.full(6, 0.5), 2)
    np.testing.assert_allclose(core, [30.0, 20.0, 20.0, 20.0, 20.0, 30.0])
    assert np.isinf(_core_distances(U[:0], np.empty(0), 2)).all()


def test_weighted_dbscan_is_sklearn_on_the_repeated_rows():
    rng = np.random.default_rng(3)
    U = np.unique(rng.uniform(0, 400, (120, 2)).round(), axis=0)
    w = rng.integers(1, 6, len(U)).astype(float)
    ours = weighted_dbscan(U, w, 25.0, 8)
    rows = np.repeat(U, w.astype(int), axis=0)
    peer = DBSCAN(eps=25.0, min_samples=8).fit(rows).labels_
    np.testing.assert_array_equal(np.repeat(ours, w.astype(int)) < 0, peer < 0)
    pairs = np.unique(np.column_stack([np.repeat(ours, w.astype(int)), peer]), axis=0)
    assert len(pairs) == len(np.unique(peer))
    assert peer.max() >= 1
    assert (weighted_dbscan(U, w, float("nan"), 8) == -1).all()


def test_relabel_by_size_orders_by_incidents_then_position():
    labels = np.array([7, 7, 3, 3, 9, -1, 9])
    counts = np.array([1, 1, 1, 1, 1, 50, 1])  # noise weight never counts
    rank = np.array([6, 5, 0, 1, 2, 3, 4])
    # 7, 3 and 9 all hold 2: ties go to the smallest rank (3 at 0, 9 at 2, 7 at 5)
    np.testing.assert_array_equal(relabel_by_size(labels, counts, rank),
                                  [2, 2, 0, 0, 1, -1, 1])
    assert (relabel_by_size(np.full(3, -1), np.ones(3), np.arange(3)) == -1).all()
