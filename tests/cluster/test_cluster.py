"""Tests of hotspots.cluster: estimator contract, exactness against sklearn, hand-made cases."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
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
from hotspots.cluster import (
    IncidentClusterer,
    _core_distances,
    _eps_rule,
    cluster_incidents,
    cluster_summary,
)
from hotspots.errors import CRSError, DataQualityWarning, EmptyDataError, ValidationError

SRC = Path(__file__).resolve().parents[2] / "src"


# --- helpers ------------------------------------------------------------------------------
def snap_points(seed: int, *, max_count: int = 40) -> np.ndarray:
    """Police.uk-like rows: ~300 snap points in three blobs and a background, heavy-tailed
    counts, rows shuffled."""
    rng = np.random.default_rng(seed)
    blobs = [((0.0, 0.0), 60.0, 70), ((600.0, 0.0), 40.0, 50), ((0.0, 700.0), 90.0, 90)]
    parts = [np.asarray(c) + rng.normal(0, s, (n, 2)) for c, s, n in blobs]
    parts.append(rng.uniform(-300, 1000, (80, 2)))
    locations = np.unique(np.vstack(parts).round(1), axis=0)
    counts = np.minimum(rng.zipf(1.8, len(locations)), max_count)
    rows = np.repeat(locations, counts, axis=0)
    return rows[rng.permutation(len(rows))]


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


def incident_frame(xy: np.ndarray, *, n_unknown: int = 0, seed: int = 0,
                   index: pd.Index | None = None) -> gpd.GeoDataFrame:
    """A canonical-like incident frame: located rows at ``xy`` then unknown-location rows."""
    rng = np.random.default_rng(seed)
    n = len(xy) + n_unknown
    geoms = list(shapely.points(xy)) + [shapely.Point()] * n_unknown
    cats = np.array(["Burglary", "Shoplifting", "Violence and sexual offences"])
    frame = gpd.GeoDataFrame(
        {
            "incident_id": pd.array([f"id{i}" for i in range(n)], dtype="string"),
            "occurred": pd.to_datetime("2019-01-01") + pd.to_timedelta(
                rng.integers(0, 365, n), unit="D"),
            "category": pd.Categorical(cats[rng.integers(0, 3, n)]),
            "recency": pd.Categorical([None] * n, categories=["recent", "non-recent"]),
            "weight": 1.0,
            "location_status": pd.Categorical(
                ["located"] * len(xy) + ["unknown"] * n_unknown,
                categories=["located", "unknown"]),
        },
        geometry=geoms, crs="EPSG:27700",
    )
    if index is not None:
        frame.index = index
    return frame


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


# --- cluster_incidents --------------------------------------------------------------------
def test_cluster_incidents_aligns_labels_and_keeps_unknown_rows():
    X = snap_points(10) + 430_000.0
    index = pd.Index([f"r{i}" for i in range(len(X) + 7)])
    frame = incident_frame(X, n_unknown=7, index=index)
    labels = cluster_incidents(frame, eps=40.0, min_samples=15)
    assert labels.name == "cluster"
    assert str(labels.dtype) == "Int64"
    assert labels.index.equals(frame.index)
    assert labels.iloc[-7:].isna().all()
    assert labels.iloc[:-7].notna().all()
    est = IncidentClusterer(eps=40.0, min_samples=15).fit(X)
    np.testing.assert_array_equal(labels.iloc[:-7].to_numpy(dtype=int), est.labels_)
    rec = labels.attrs["hotspots"]
    assert rec["function"] == "cluster_incidents"
    assert rec["eps"] == 40.0
    assert rec["eps_reason"] == "given"
    assert (rec["n_incidents"], rec["n_located"], rec["n_unknown"]) == (len(X) + 7, len(X), 7)
    assert rec["n_clusters"] == est.n_clusters_ >= 2
    assert rec["n_noise"] == int((est.labels_ == -1).sum())
    assert rec["n_locations"] == len(np.unique(X, axis=0))


def test_cluster_incidents_default_eps_recorded_and_hdbscan():
    X = snap_points(11) + 430_000.0
    frame = incident_frame(X, n_unknown=2)
    with pytest.warns(UserWarning, match="in one cluster"):  # the ArcGIS rule chains them
        old = cluster_incidents(frame, eps="arcgis")
    est_old = IncidentClusterer(eps="arcgis").fit(X)
    assert old.attrs["hotspots"]["eps"] == pytest.approx(est_old.eps_)
    assert "ArcGIS rule" in old.attrs["hotspots"]["eps_reason"]
    assert old.attrs["hotspots"]["eps_rule"] == "arcgis"
    lab = cluster_incidents(frame)  # the default: knee of the k-distance curve
    est = IncidentClusterer().fit(X)
    assert lab.attrs["hotspots"]["eps"] == pytest.approx(est.eps_)
    assert est.eps_ < est_old.eps_
    assert "knee of the k-distance curve" in lab.attrs["hotspots"]["eps_reason"]
    assert lab.attrs["hotspots"]["eps_rule"] == "knee"
    assert cluster_incidents(frame, eps=40.0).attrs["hotspots"]["eps_rule"] == "given"
    lab_h = cluster_incidents(frame, method="hdbscan", min_samples=10, min_cluster_size=30)
    est_h = IncidentClusterer("hdbscan", min_samples=10, min_cluster_size=30).fit(X)
    np.testing.assert_array_equal(lab_h.iloc[:-2].to_numpy(dtype=int), est_h.labels_)
    assert lab_h.attrs["hotspots"]["eps"] is None


def test_cluster_incidents_weights_column():
    X = np.array([[0.0, 0.0], [5.0, 0.0], [1000.0, 0.0]])
    frame = incident_frame(X)
    frame["weight"] = [3.0, 2.0, 1.0]
    lab = cluster_incidents(frame, eps=10.0, min_samples=5, weights="weight")
    assert lab.tolist() == [0, 0, -1]
    assert cluster_incidents(frame, eps=10.0, min_samples=5).tolist() == [-1, -1, -1]
    frame.loc[0, "weight"] = -1.0
    frame["source_row"] = [7, 8, 9]
    with pytest.raises(ValidationError, match="weights must be finite") as err:
        cluster_incidents(frame, eps=10.0, weights="weight")
    assert err.value.problems[0].rows == (7,)
    assert err.value.problems[0].column == "weight"
    with pytest.raises(ValidationError, match="no column 'harm'"):
        cluster_incidents(frame, eps=10.0, weights="harm")


def test_cluster_incidents_rejects_bad_crs_and_empty():
    frame = incident_frame(np.array([[0.0, 0.0], [1.0, 1.0]]))
    with pytest.raises(CRSError, match="longitude/latitude"):
        cluster_incidents(frame.to_crs("EPSG:4326"))
    # Web Mercator is "metres" on paper but ~1.6x stretched in Britain: eps would be wrong
    with pytest.raises(CRSError, match=r"EPSG:3857 \(Web Mercator\).*to_crs\('EPSG:27700'\)"):
        cluster_incidents(frame.to_crs("EPSG:3857"), eps=100)
    with pytest.raises(CRSError, match="no coordinate reference system"):
        cluster_incidents(frame.set_crs(None, allow_override=True))
    with pytest.raises(EmptyDataError, match="none of the 3 incidents has a location"):
        cluster_incidents(incident_frame(np.empty((0, 2)), n_unknown=3))
    with pytest.raises(TypeError, match="GeoDataFrame"):
        cluster_incidents(pd.DataFrame({"x": [1]}))
    lines = frame.copy()
    lines.loc[1, "geometry"] = shapely.LineString([(0, 0), (1, 1)])
    with pytest.raises(ValidationError, match="must be points") as err:
        cluster_incidents(lines)
    assert err.value.problems[0].rows == (3,)  # position 1 is spreadsheet row 3


def test_located_status_without_geometry_warns_and_counts_as_unknown():
    frame = incident_frame(np.array([[0.0, 0.0]] * 6), n_unknown=2)
    frame["location_status"] = pd.Categorical(["located"] * 8, categories=["located", "unknown"])
    with pytest.warns(DataQualityWarning, match="2 rows have location_status 'located'"):
        lab = cluster_incidents(frame, eps=10.0)
    assert lab.isna().sum() == 2
    assert lab.attrs["hotspots"]["n_unknown"] == 2


# --- cluster_summary ----------------------------------------------------------------------
def _summary_frame():
    # cluster A: 4 corners of a 100 m square, 3 incidents each (12), in ward W1/W2;
    # cluster B: one snap point with 6 incidents; cluster C: two snap points, 3 + 3;
    # noise: 2 scattered; unknown location: 3.
    a = np.repeat([[0, 0], [100, 0], [100, 100], [0, 100]], 3, axis=0) + 500_000.0
    b = np.repeat([[2000, 0]], 6, axis=0) + 500_000.0
    c = np.repeat([[5000, 0], [5030, 0]], 3, axis=0) + 500_000.0
    noise = np.array([[9000, 9000], [-9000, 9000]]) + 500_000.0
    xy = np.vstack([a, b, c, noise]).astype(float)
    frame = incident_frame(xy, n_unknown=3)
    lab = pd.Series(pd.array([0] * 12 + [1] * 6 + [2] * 6 + [-1, -1] + [None] * 3,
                             dtype="Int64"), index=frame.index, name="cluster")
    frame["category"] = pd.Categorical(
        ["Shoplifting"] * 7 + ["Burglary"] * 5 + ["Burglary"] * 6 + ["Robbery"] * 6
        + ["Burglary"] * 5)
    frame["occurred"] = pd.to_datetime(["2019-03-01"] * 11 + ["2019-01-01"]
                                       + ["2019-06-01"] * 6 + ["2019-02-01"] * 6
                                       + ["2018-01-01"] * 5)
    frame["ward"] = pd.Categorical(["W1"] * 9 + ["W2"] * 3 + ["W3"] * 6 + ["W4"] * 6
                                   + ["W1"] * 2 + ["Unknown location"] * 3)
    frame["constituency"] = pd.Categorical(["P"] * 12 + ["Q"] * 6 + ["Q"] * 6 + ["P"] * 2
                                           + ["Unknown location"] * 3)
    return frame, lab


def test_cluster_summary_columns_values_and_order():
    frame, lab = _summary_frame()
    s = cluster_summary(frame, lab)
    assert list(s.columns) == ["cluster_id", "n", "share", "first", "last", "top_categories",
                               "wards", "constituency", "centroid_x", "centroid_y",
                               "geometry"]
    assert s["cluster_id"].tolist() == [0, 1, 2]
    assert s["n"].tolist() == [12, 6, 6]
    np.testing.assert_allclose(s["share"], np.array([12, 6, 6]) / 26)  # 26 located
    assert s.loc[0, "first"] == pd.Timestamp("2019-01-01")
    assert s.loc[0, "last"] == pd.Timestamp("2019-03-01")
    assert s.loc[0, "top_categories"] == "Shoplifting 7, Burglary 5"
    assert s.loc[2, "top_categories"] == "Robbery 6"
    assert s.loc[0, "wards"] == "W1, W2"
    assert s.loc[0, "constituency"] == "P"
    assert s.loc[1, "wards"] == "W3"
    assert (s.loc[0, "centroid_x"], s.loc[0, "centroid_y"]) == (500_050.0, 500_050.0)
    assert s.loc[0, "geometry"].area == pytest.approx(100.0 * 100.0)
    assert s.crs == frame.crs
    assert isinstance(s.index, pd.RangeIndex)
    rec = s.attrs["hotspots"]
    assert (rec["n_located"], rec["n_unknown"], rec["n_noise"], rec["n_clusters"]) == (
        26, 3, 2, 3)
    assert rec["areas"] == "columns"


def test_cluster_summary_degenerate_clusters_are_buffered_polygons():
    frame, lab = _summary_frame()
    s = cluster_summary(frame, lab)
    point_cluster = s.loc[s["cluster_id"] == 1, "geometry"].iloc[0]
    line_cluster = s.loc[s["cluster_id"] == 2, "geometry"].iloc[0]
    assert point_cluster.geom_type == "Polygon"
    assert line_cluster.geom_type == "Polygon"
    expected_disc = shapely.Point(502_000, 500_000).buffer(10.0)
    assert point_cluster.hausdorff_distance(expected_disc) < 0.1
    assert point_cluster.area == pytest.approx(np.pi * 100.0, rel=0.02)
    # a 30 m segment buffered by 10 m: a 30 x 20 rectangle and a disc of radius 10
    assert line_cluster.area == pytest.approx(30 * 20 + np.pi * 100.0, rel=0.01)
    assert line_cluster.bounds == pytest.approx((504_990, 499_990, 505_040, 500_010))
    assert cluster_summary(frame, lab, buffer=25.0).loc[1, "geometry"].area == pytest.approx(
        np.pi * 625.0, rel=0.02)


def test_cluster_summary_concave_hull_and_sorting_ties():
    rng = np.random.default_rng(0)
    # an L-shaped cluster: its concave hull is clearly smaller than the convex one
    arm1 = np.column_stack([rng.uniform(0, 1000, 300), rng.uniform(0, 100, 300)])
    arm2 = np.column_stack([rng.uniform(0, 100, 300), rng.uniform(0, 1000, 300)])
    xy = np.vstack([arm1, arm2]) + 400_000.0
    frame = incident_frame(xy)
    lab = pd.Series(0, index=frame.index, dtype="Int64")
    convex = cluster_summary(frame, lab).loc[0, "geometry"]
    concave = cluster_summary(frame, lab, hull="concave", concave_ratio=0.1).loc[0, "geometry"]
    assert concave.area < 0.5 * convex.area
    assert concave.buffer(1e-6).covers(shapely.multipoints(xy))
    with pytest.raises(ValueError, match="'hull' parameter"):
        cluster_summary(frame, lab, hull="alpha")
    # ties in n: by cluster_id
    frame2, _ = _summary_frame()
    lab2 = pd.Series(pd.array([5] * 12 + [3] * 6 + [1] * 6 + [-1, -1] + [None] * 3,
                              dtype="Int64"), index=frame2.index)
    assert cluster_summary(frame2, lab2)["cluster_id"].tolist() == [5, 1, 3]


def test_cluster_summary_without_clusters_or_areas_and_misaligned_labels():
    frame, lab = _summary_frame()
    none = pd.Series(pd.array([-1] * 26 + [None] * 3, dtype="Int64"), index=frame.index)
    s = cluster_summary(frame, none)
    assert len(s) == 0
    assert "geometry" in s.columns
    assert s.attrs["hotspots"]["n_noise"] == 26
    bare = frame.drop(columns=["ward", "constituency"])
    s2 = cluster_summary(bare, lab.to_numpy())
    assert s2["wards"].isna().all()
    assert s2.attrs["hotspots"]["areas"] is None
    with pytest.raises(ValueError, match="labels for"):
        cluster_summary(frame, lab.to_numpy()[:-1])
    with pytest.raises(ValueError, match=r"labels\.index does not match"):
        cluster_summary(frame, lab.set_axis(range(100, 100 + len(lab))))
    shuffled = lab.sample(frac=1.0, random_state=0)  # same index, other order: realigned
    assert cluster_summary(frame, shuffled)["n"].tolist() == [12, 6, 6]


def test_cluster_summary_records_clustering_from_cluster_incidents():
    X = snap_points(12) + 430_000.0
    frame = incident_frame(X, n_unknown=4)
    lab = cluster_incidents(frame, eps=40.0, min_samples=15)
    s = cluster_summary(frame, lab)
    assert s.attrs["hotspots"]["clustering"]["eps"] == 40.0
    assert s["n"].sum() == int((lab >= 0).sum())
    assert s["cluster_id"].tolist() == list(range(len(s)))  # numbered by size already
    assert (np.diff(s["n"]) <= 0).all()
    # every incident of a cluster lies in (or on) its hull
    for cid, geom in zip(s["cluster_id"], s.geometry, strict=True):
        pts = frame.geometry[(lab == cid).fillna(False).to_numpy()]
        assert geom.buffer(1e-6).covers(shapely.multipoints(shapely.get_coordinates(pts)))


def test_cluster_summary_with_an_area_set():
    areas_mod = pytest.importorskip("hotspots.areas")
    sq = shapely.box
    wards = gpd.GeoDataFrame({"area_id": ["W1", "W2"], "area_name": ["East", "West"]},
                             geometry=[sq(500_050, 499_000, 501_000, 501_000),
                                       sq(499_000, 499_000, 500_050, 501_000)],
                             crs="EPSG:27700")
    cons = gpd.GeoDataFrame({"area_id": ["P1"], "area_name": ["Only"]},
                            geometry=[sq(499_000, 499_000, 501_000, 501_000)], crs="EPSG:27700")
    areas = areas_mod.AreaSet({"ward": wards, "constituency": cons}, name="toy", vintage="x")
    frame, lab = _summary_frame()
    frame = frame.drop(columns=["ward", "constituency"])
    s = cluster_summary(frame, lab, areas=areas)
    # cluster 0: x = 500_000 (West, 6) and 500_100 (East, 6): tie broken by name
    assert s.loc[0, "wards"] == "East, West"
    assert s.loc[0, "constituency"] == "Only"
    assert s.loc[1, "wards"] == "Outside district"
    assert s.loc[1, "constituency"] == "Outside district"
    assert s.attrs["hotspots"]["areas"]["name"] == "toy"


def test_automatic_eps_warns_when_it_chains_the_district_into_one_cluster(bradford_areas):
    from hotspots.simulate import simulate_incidents

    incidents = simulate_incidents(bradford_areas, seed=0)
    n_located = int((incidents["location_status"] == "located").sum())
    with pytest.warns(UserWarning, match=r"put 1,825 of 1,826 located incidents in one cluster"):
        labels = cluster_incidents(incidents, eps="arcgis")
    assert n_located == 1826
    assert labels.attrs["hotspots"]["eps_warning"].startswith("one cluster holds 1,825")
    # the default k-distance knee (545 m on this simulated district: a uniform background
    # over 27 km with planted clusters) chains less, but still over half, and says so
    with pytest.warns(UserWarning, match=r"545 m, k-distance knee rule\) put 1,096 of 1,826"):
        knee = cluster_incidents(incidents)
    assert knee.attrs["hotspots"]["eps_warning"].startswith("one cluster holds 1,096")
    # a street-scale eps separates the planted clusters and does not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        small = cluster_incidents(incidents, eps=150, min_samples=15)
    assert small.attrs["hotspots"]["n_clusters"] >= 3
    assert "eps_warning" not in small.attrs["hotspots"]


# --- default eps: the knee of the k-distance curve (issue 15) ------------------------------
def test_default_eps_does_not_chain_the_city_into_one_cluster(city_2019):
    located = int((city_2019[schema.LOCATION_STATUS] == schema.LOCATED).sum())
    assert located == 9356
    # the old default, still available: ArcGIS's rule, 177 m, one cluster of 9,123
    with pytest.warns(UserWarning, match="put 9,123 of 9,356 located incidents in one"):
        old = cluster_incidents(city_2019, eps="arcgis")
    assert old.attrs["hotspots"]["eps"] == pytest.approx(176.9845860445091, rel=1e-12)
    assert old.attrs["hotspots"]["eps_rule"] == "arcgis"
    # the new default: the knee of the incident-weighted k-distance curve (k = min_samples),
    # strays beyond the upper fence (points up to 213 km away in these files) left out
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        new = cluster_incidents(city_2019)
    info = new.attrs["hotspots"]
    assert info["eps_rule"] == "knee"
    assert info["eps"] == pytest.approx(78.3, abs=0.05)
    assert "knee of the k-distance curve (k = min_samples=5" in info["eps_reason"]
    sizes = new[new >= 0].value_counts()
    assert sizes.max() == 4503 <= located / 2
    assert info["n_clusters"] == 85
    assert "eps_warning" not in info
    # a street-scale choice is quoted as the rule's value, in metres
    assert "ArcGIS" not in info["eps_reason"]


def test_eps_knee_ignores_strays_and_busy_places():
    from hotspots.stats.eps import eps_knee, knee_of_sorted

    # a dense street (8-14 m), a sparser edge (20-45 m), a busy place (0) and a stray 900 m
    core = np.array([0.0, 8, 9, 10, 11, 12, 13, 14, 20, 30, 45, 900])
    counts = np.array([40] + [2] * 10 + [1])
    eps, reason = eps_knee(core, counts, 5)
    assert eps == 14.0
    assert "3 beyond the upper fence of 35 m" in reason
    # without the fence the stray stretches the curve and the knee moves out to 45 m
    y = np.sort(np.repeat(core[core > 0], counts[core > 0]))
    assert y[knee_of_sorted(y)] == 45.0
    assert np.isnan(eps_knee(np.full(3, np.inf), np.ones(3, int), 5)[0])
    with pytest.raises(ValueError, match="Pass eps"):
        eps_knee(np.zeros(3), np.array([5, 6, 7]), 5)
    with pytest.raises(ValueError, match="'knee', 'arcgis'"):
        IncidentClusterer(eps="elbow").fit(np.zeros((3, 2)))


def test_clusters_map_view_ignores_stray_points(city_2019):
    # issue 15: the City clusters map zoomed out to fit stray points (up to 213 km away)
    from hotspots.maps._base import bounds_of

    labels = cluster_incidents(city_2019)
    summary = cluster_summary(city_2019, labels)
    geoms = city_2019.geometry
    points = city_2019.loc[~(geoms.isna() | geoms.is_empty), ["geometry"]]
    _, south, _, north = points.to_crs(4326).total_bounds
    assert north - south > 1.9  # the strays: over 200 km north to south
    (s, w), (n, e) = bounds_of([summary, points])
    # the view: about 3 km by 6 km around the City (1 degree of latitude is 111 km)
    assert (n - s) * 111 < 4
    assert (e - w) * 111 * 0.62 < 7
    hull = summary.to_crs(4326).total_bounds  # every cluster stays in view
    np.testing.assert_array_less([w, s, hull[2], hull[3]], [hull[0], hull[1], e, n])


def test_map_bounds_keep_polygons_whole_and_drop_far_points():
    from hotspots.maps._base import bounds_of

    rng = np.random.default_rng(0)
    xy = np.vstack([rng.uniform(0, 1000, (100, 2)), [[30_000.0, 0.0]]]) + 430_000
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=27700)
    (_, _), (_, e) = bounds_of([pts])
    east_stray = pts.to_crs(4326).geometry.x.max()
    assert e < east_stray - 0.3  # the stray 30 km east is out of the view
    box = gpd.GeoDataFrame(geometry=[shapely.box(430_000, 430_000, 460_000, 431_000)],
                           crs=27700)
    (_, _), (_, e2) = bounds_of([pts, box])
    assert e2 == pytest.approx(box.to_crs(4326).total_bounds[2])  # polygons count whole
