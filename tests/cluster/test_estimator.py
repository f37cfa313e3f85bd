"""Tests of hotspots.cluster.estimator: the scikit-learn contract, exactness against sklearn."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.neighbors import KDTree
from sklearn.utils.estimator_checks import parametrize_with_checks

from hotspots import schema
from hotspots.cluster import IncidentClusterer
from hotspots.errors import CRSError

from ._helpers import snap_points

SRC = Path(__file__).resolve().parents[2] / "src"


# --- helpers ------------------------------------------------------------------------------
def lexsorted(X: np.ndarray) -> np.ndarray:
    return np.lexsort((X[:, 1], X[:, 0]))


def assert_same_partition(a: np.ndarray, b: np.ndarray) -> None:
    """Same noise and a one-to-one correspondence between the clusters."""
    np.testing.assert_array_equal(a < 0, b < 0)
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    assert len(pairs) == len(np.unique(a)) == len(np.unique(b))


def contested_border_rows(X, labels, rows, eps, min_samples, sample_weight=None):
    """Which of ``rows`` are non-core and within eps of core points of 2+ clusters."""
    w = np.ones(len(X)) if sample_weight is None else sample_weight
    neigh = KDTree(X).query_radius(X, r=eps)
    core = np.array([w[nb].sum() >= min_samples for nb in neigh])
    return np.array([not core[r] and len(set(labels[neigh[r][core[neigh[r]]]])) >= 2
                     for r in rows], dtype=bool)



# --- scikit-learn estimator contract ------------------------------------------------------
def _expected_failed_checks(estimator):
    # Every check passes. check_array_api_input is skipped by scikit-learn itself unless
    # SCIPY_ARRAY_API=1 is set before scipy is imported; test_array_api_check_in_subprocess
    # runs it with that setting.
    return {}


@parametrize_with_checks([IncidentClusterer(), IncidentClusterer("hdbscan")],
                         expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_array_api_check_in_subprocess():
    code = (
        "from sklearn.utils.estimator_checks import check_array_api_input\n"
        "from hotspots.cluster import IncidentClusterer\n"
        "for m in ('dbscan', 'hdbscan'):\n"
        "    check_array_api_input('IncidentClusterer', IncidentClusterer(m),\n"
        "                          array_namespace='numpy', expect_only_array_outputs=False)\n"
        "print('ok')\n"
    )
    env = {**os.environ, "SCIPY_ARRAY_API": "1",
           "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_init_does_no_work_and_params_are_checked_in_fit():
    est = IncidentClusterer("kmeans", eps=-1, min_samples=0)  # no error yet
    assert est.get_params()["method"] == "kmeans"
    with pytest.raises(ValueError, match="'method' parameter of IncidentClusterer"):
        est.fit(np.zeros((3, 2)))
    for bad in ({"eps": 0}, {"eps": float("nan")}, {"min_samples": 0}, {"min_samples": 2.5},
                {"min_cluster_size": 1}, {"cluster_selection_epsilon": -1},
                {"collapse_duplicates": "yes"}):
        with pytest.raises(ValueError, match="parameter of IncidentClusterer"):
            IncidentClusterer(**bad).fit(np.zeros((3, 2)))


def test_geoseries_input_and_geographic_crs_rejected():
    xy = np.array([[0.0, 0.0]] * 6 + [[1000.0, 0.0]])
    gs = gpd.GeoSeries(shapely.points(xy), crs="EPSG:27700")
    est = IncidentClusterer(eps=10).fit(gs)
    np.testing.assert_array_equal(est.labels_, [0, 0, 0, 0, 0, 0, -1])
    np.testing.assert_array_equal(IncidentClusterer(eps=10).fit(gpd.GeoDataFrame(
        geometry=gs)).labels_, est.labels_)
    with pytest.raises(CRSError, match="longitude/latitude"):
        IncidentClusterer(eps=10).fit(gs.to_crs("EPSG:4326"))
    with pytest.raises(ValueError, match="missing or empty"):
        IncidentClusterer(eps=10).fit(gpd.GeoSeries([shapely.Point(0, 0), shapely.Point()],
                                                    crs="EPSG:27700"))


# --- DBSCAN: exactness against scikit-learn on the raw rows -------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dbscan_equals_sklearn_on_raw_rows_in_xy_order(seed):
    X = snap_points(seed)
    assert len(X) > 2 * len(np.unique(X, axis=0))  # many duplicates
    order = lexsorted(X)
    ours = IncidentClusterer(eps=40.0, min_samples=15).fit(X[order]).labels_
    peer = DBSCAN(eps=40.0, min_samples=15).fit(X[order]).labels_
    assert (peer >= 0).sum() > 100
    assert peer.max() >= 2
    assert_same_partition(ours, peer)


def test_dbscan_raw_row_order_changes_only_contested_border_points():
    X = snap_points(3)
    ours = IncidentClusterer(eps=40.0, min_samples=15).fit(X).labels_
    peer = DBSCAN(eps=40.0, min_samples=15).fit(X).labels_  # file order, not (x, y) order
    np.testing.assert_array_equal(ours < 0, peer < 0)
    # map each of our clusters to the peer's cluster holding most of its rows
    both = ours >= 0
    best = pd.crosstab(ours[both], peer[both]).idxmax(axis=1)
    moved = np.flatnonzero(both)[best.loc[ours[both]].to_numpy() != peer[both]]
    assert contested_border_rows(X, ours, moved, 40.0, 15).all()


def test_dbscan_with_sample_weight_equals_sklearn():
    X = snap_points(4)
    sw = np.random.default_rng(4).uniform(0.2, 2.0, len(X))
    order = lexsorted(X)
    ours = IncidentClusterer(eps=40.0, min_samples=12).fit(X[order], sample_weight=sw[order])
    peer = DBSCAN(eps=40.0, min_samples=12).fit(X[order], sample_weight=sw[order])
    assert peer.labels_.max() >= 1
    assert_same_partition(ours.labels_, peer.labels_)


def test_dbscan_collapsed_locations_equal_sklearn_on_weighted_locations():
    X = snap_points(5)
    U, counts = np.unique(X, axis=0, return_counts=True)  # sorted (x, y), like ours
    peer = DBSCAN(eps=40.0, min_samples=15, algorithm="kd_tree").fit(
        U, sample_weight=counts).labels_
    est = IncidentClusterer(eps=40.0, min_samples=15).fit(X)
    assert est.n_locations_ == len(U)
    _, inverse = np.unique(X, axis=0, return_inverse=True)
    assert_same_partition(est.labels_, peer[inverse.ravel()])


def test_border_point_goes_to_first_cluster_in_xy_order_whatever_the_row_order():
    # Two clusters {a2, a1} and {b1, b2} on a line, a non-core border point between them
    # within eps of a1 and b1. Weighted counts: a1 = 1+5+1 = 7, border = 1+1+1 = 3 < 6.
    locs = {"a2": (-8.0, 0.0, 5), "a1": (0.0, 0.0, 1), "border": (10.0, 0.0, 1),
            "b1": (20.0, 0.0, 1), "b2": (28.0, 0.0, 5)}
    names = np.repeat(list(locs), [c for *_, c in locs.values()])
    X = np.array([locs[n][:2] for n in names])
    b_first = np.argsort(names != "b2", kind="stable")  # sklearn grows cluster B first
    peer = DBSCAN(eps=10.5, min_samples=6).fit(X[b_first]).labels_
    peer_by_name = dict(zip(names[b_first], peer, strict=True))
    assert peer_by_name["border"] == peer_by_name["b1"] != peer_by_name["a1"]
    rng = np.random.default_rng(0)
    for _ in range(5):
        perm = rng.permutation(len(X))
        lab = IncidentClusterer(eps=10.5, min_samples=6).fit(X[perm]).labels_
        by_name = dict(zip(names[perm], lab, strict=True))
        # cluster A (7 incidents with the border point) is cluster 0; B is 1
        assert by_name == {"a2": 0, "a1": 0, "border": 0, "b1": 1, "b2": 1}


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_labels_do_not_depend_on_row_order(method):
    X = snap_points(6)
    kw = {"eps": 40.0, "min_samples": 15} if method == "dbscan" else {
        "min_samples": 10, "min_cluster_size": 30}
    ref = IncidentClusterer(method, **kw).fit(X)
    assert ref.n_clusters_ >= 2
    rng = np.random.default_rng(1)
    for _ in range(4):
        perm = rng.permutation(len(X))
        est = IncidentClusterer(method, **kw).fit(X[perm])
        back = np.empty_like(est.labels_)
        back[perm] = est.labels_
        np.testing.assert_array_equal(back, ref.labels_)  # same numbers, not just partition
        if method == "hdbscan":
            out = np.empty_like(est.probabilities_)
            out[perm] = est.probabilities_
            np.testing.assert_allclose(out, ref.probabilities_)


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_clusters_numbered_by_size_then_position(method):
    X = snap_points(7)
    kw = {"eps": 40.0, "min_samples": 15} if method == "dbscan" else {
        "min_samples": 10, "min_cluster_size": 30}
    lab = IncidentClusterer(method, **kw).fit(X).labels_
    sizes = np.bincount(lab[lab >= 0])
    assert (np.diff(sizes) <= 0).all()
    assert set(np.unique(lab)) <= set(range(-1, len(sizes)))
    # equal sizes: the cluster with the smallest (x, y) location comes first
    X2 = np.array([[100.0, 0.0]] * 5 + [[0.0, 50.0]] * 5)
    lab2 = IncidentClusterer(eps=1.0, min_samples=5).fit(X2).labels_
    np.testing.assert_array_equal(lab2, [1] * 5 + [0] * 5)


def test_collapse_false_reproduces_sklearn_row_by_row():
    X = snap_points(8)
    ours = IncidentClusterer(eps=40.0, min_samples=15, collapse_duplicates=False).fit(X)
    peer = DBSCAN(eps=40.0, min_samples=15).fit(X).labels_
    assert ours.n_locations_ == len(X)
    assert_same_partition(ours.labels_, peer)


# --- default eps: the ArcGIS rule ---------------------------------------------------------
def test_eps_rule_drops_the_top_one_percent_of_incidents(caplog):
    # 100 points 10 m apart and a far outlier: core distance (min_samples=2, self included)
    # is the nearest-neighbour distance: 10 m for the line, 4010 m for the outlier.
    line = np.column_stack([np.arange(100) * 10.0, np.zeros(100)])
    X = np.vstack([line, [[5000.0, 0.0]]])  # n = 101: floor(1.01) = 1 dropped
    with caplog.at_level(logging.INFO, logger="hotspots.cluster"):
        est = IncidentClusterer(eps="arcgis", min_samples=2).fit(X)
    assert est.eps_ == pytest.approx(10.0)
    assert "ArcGIS rule" in est.eps_reason_
    assert "1 of 101" in est.eps_reason_
    assert any("eps = 10 m" in r.getMessage() for r in caplog.records)
    np.testing.assert_array_equal(est.labels_, [0] * 100 + [-1])
    # n = 99: floor(0.99) = 0, nothing dropped: the outlier's 4010 m is the distance
    X99 = np.vstack([line[:98], [[5000.0, 0.0]]])
    assert IncidentClusterer(eps="arcgis", min_samples=2).fit(X99).eps_ == pytest.approx(
        5000.0 - 970.0)



def test_too_few_incidents_means_all_noise():
    est = IncidentClusterer(min_samples=5).fit(np.array([[0.0, 0.0], [1.0, 0.0]]))
    assert np.isnan(est.eps_)
    assert "fewer incidents than min_samples" in est.eps_reason_
    np.testing.assert_array_equal(est.labels_, [-1, -1])
    assert est.n_clusters_ == 0


# --- HDBSCAN ------------------------------------------------------------------------------
@pytest.mark.parametrize(("seed", "min_samples", "min_cluster_size"),
                         [(0, 5, 10), (1, 3, 5), (2, 8, 15), (3, 5, 25)])
def test_hdbscan_unit_weights_equal_sklearn(seed, min_samples, min_cluster_size):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, s, (n, 2)) for c, s, n in
                   [((0, 0), 1.0, 80), ((6, 0), 0.5, 40), ((0, 7), 1.5, 120)]]
                  + [rng.uniform(-5, 12, (60, 2))])
    # Ours visits the points in (x, y) order whatever the input order; sklearn in row order,
    # which decides ties in the spanning tree. Same order, same result:
    order = lexsorted(X)
    peer = HDBSCAN(min_samples=min_samples, min_cluster_size=min_cluster_size,
                   copy=True).fit(X[order])
    ours = IncidentClusterer("hdbscan", min_samples=min_samples,
                             min_cluster_size=min_cluster_size).fit(X)
    assert peer.labels_.max() >= 1
    assert_same_partition(ours.labels_[order], peer.labels_)
    np.testing.assert_allclose(ours.probabilities_[order], peer.probabilities_, rtol=1e-12)
    assert ours.eps_ is None
    assert ((ours.outlier_scores_ >= 0) & (ours.outlier_scores_ <= 1)).all()


def test_hdbscan_weights_count_towards_min_cluster_size():
    # Two groups of three locations far apart; each location holds 4 incidents: a group has
    # 12 >= min_cluster_size = 10 incidents, so each is a cluster. With one incident per
    # location (3 < 10) nothing is.
    g = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    U = np.vstack([g, g + 1000.0])
    X = np.repeat(U, 4, axis=0)
    est = IncidentClusterer("hdbscan", min_samples=3, min_cluster_size=10).fit(X)
    assert est.n_clusters_ == 2
    assert est.n_locations_ == 6
    assert len(set(est.labels_[:12])) == 1
    assert len(set(est.labels_[12:])) == 1
    np.testing.assert_array_equal(
        IncidentClusterer("hdbscan", min_samples=3, min_cluster_size=10).fit(U).labels_,
        [-1] * 6)
    # the weighted fit on distinct rows equals the fit on repeated rows
    est_w = IncidentClusterer("hdbscan", min_samples=3, min_cluster_size=10).fit(
        U, sample_weight=np.full(6, 4.0))
    np.testing.assert_array_equal(est_w.labels_, est.labels_[::4])


def test_hdbscan_never_splits_the_copies_of_a_location():
    # Raw sklearn HDBSCAN can put copies of one coordinate in different clusters
    # (hdbscan #548): here seed 2 does. Ours holds a location's copies together.
    rng = np.random.default_rng(2)
    L = np.vstack([rng.normal(0, 40, (40, 2)), rng.normal(0, 40, (40, 2)) + np.array([300.0, 0.0]),
                   rng.uniform(-200, 500, (20, 2))]).round(0)
    L = np.unique(L, axis=0)
    counts = rng.integers(1, 8, len(L))
    X = np.repeat(L, counts, axis=0)
    loc = np.repeat(np.arange(len(L)), counts)
    raw = HDBSCAN(min_samples=5, min_cluster_size=10, copy=True).fit(X).labels_
    n_split_raw = sum(len(set(raw[loc == u])) > 1 for u in range(len(L)))
    assert n_split_raw >= 1
    ours = IncidentClusterer("hdbscan", min_samples=5, min_cluster_size=10).fit(X).labels_
    assert ours.max() >= 1
    assert all(len(set(ours[loc == u])) == 1 for u in range(len(L)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hdbscan_single_coordinate_clusters_raw_but_never_ours(seed):
    X = snap_points(seed, max_count=60)
    _, loc = np.unique(X, axis=0, return_inverse=True)
    loc = loc.ravel()

    def single_location_clusters(lab):
        return sum(len(np.unique(loc[lab == c])) == 1 for c in range(lab.max() + 1))

    raw = HDBSCAN(min_samples=5, min_cluster_size=20, copy=True).fit(X).labels_
    ours = IncidentClusterer("hdbscan", min_samples=5, min_cluster_size=20).fit(X).labels_
    assert single_location_clusters(raw) >= 3
    assert ours.max() >= 8
    # Raw HDBSCAN cuts heavy locations out of the clusters they sit in. Ours keeps them in;
    # the one single-location cluster per seed is a heavy location that the hierarchy
    # leaves out of every cluster (never noise, issue 11), which raw HDBSCAN isolates too.
    singles = [c for c in range(ours.max() + 1) if len(np.unique(loc[ours == c])) == 1]
    assert len(singles) == 1
    (members,) = [np.flatnonzero(ours == c) for c in singles]
    assert len(members) >= 20
    assert len(np.unique(loc[raw == raw[members[0]]])) == 1


def test_hdbscan_isolated_heavy_location_is_its_own_cluster_not_noise(caplog):
    # 50 incidents at one point far from everything else: the hierarchy leaves it out of
    # every cluster, but it alone holds >= min_cluster_size incidents (issue 11)
    X = np.vstack([np.repeat([[0.0, 0.0]], 50, axis=0),
                   np.random.default_rng(0).uniform(5000, 6000, (30, 2))])
    with caplog.at_level(logging.INFO, logger="hotspots.cluster"):
        est = IncidentClusterer("hdbscan", min_samples=5, min_cluster_size=10).fit(X)
    lab = est.labels_
    assert len(set(lab[:50])) == 1
    assert lab[0] >= 0
    assert not (lab[50:] == lab[0]).any()
    assert (est.probabilities_[:50] == 1.0).all()
    assert (est.outlier_scores_[:50] == 0.0).all()
    assert "1 locations holding 10 or more incidents" in caplog.text
    # below min_cluster_size it stays noise
    X9 = np.vstack([np.repeat([[0.0, 0.0]], 9, axis=0), X[50:]])
    assert (IncidentClusterer("hdbscan", min_samples=5, min_cluster_size=10).fit(X9)
            .labels_[:9] == -1).all()


def test_hdbscan_busy_city_snap_points_are_never_noise(city_2019, caplog):
    # issue 11: on City of London 2019 (min_cluster_size 10, min_samples 5) 41 snap points
    # with 10 or more crimes each (1,184 crimes, up to 74 at one point) were noise
    located = city_2019[city_2019[schema.LOCATION_STATUS] == schema.LOCATED]
    xy = np.column_stack([located.geometry.x, located.geometry.y])
    with caplog.at_level(logging.INFO, logger="hotspots.cluster"):
        lab = IncidentClusterer("hdbscan", min_samples=5, min_cluster_size=10).fit(xy).labels_
    assert "41 locations holding 10 or more incidents" in caplog.text
    U, loc, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    loc = loc.ravel()
    assert len(U) == 560
    noise_locs = np.unique(loc[lab == -1])
    assert counts[noise_locs].max() < 10
    # the promoted points: single-location clusters holding 1,184 crimes, up to 74
    singles = [c for c in range(lab.max() + 1) if len(np.unique(loc[lab == c])) == 1]
    sizes = np.array([(lab == c).sum() for c in singles])
    assert (len(singles), sizes.sum(), sizes.max()) == (41, 1184, 74)


def test_refit_with_dbscan_drops_hdbscan_attributes():
    X = snap_points(9)
    est = IncidentClusterer("hdbscan", min_samples=5, min_cluster_size=20).fit(X)
    assert hasattr(est, "probabilities_")
    est.set_params(method="dbscan", eps=40.0).fit(X)
    assert not hasattr(est, "probabilities_")
    assert not hasattr(est, "outlier_scores_")
