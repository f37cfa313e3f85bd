"""hotspots.cluster against scikit-learn and hdbscan on real and planted data."""

from __future__ import annotations

import importlib
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from sklearn.cluster import DBSCAN
from sklearn.neighbors import KDTree

from hotspots.cluster import IncidentClusterer, cluster_incidents, cluster_summary

pytestmark = pytest.mark.reference

def _need_module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is needed for this reference test in CI")
        pytest.skip(f"{name} not installed")


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    return bool(np.array_equal(a < 0, b < 0)
                and len(pairs) == len(np.unique(a)) == len(np.unique(b)))


# --- City of London 2019 (real police.uk points) ------------------------------------------
def test_city_of_london_dbscan_equals_sklearn_on_raw_points(city_2019):
    located = (city_2019["location_status"] == "located").to_numpy()
    assert located.sum() == 9356  # the README's geocoded total for 2019
    xy = shapely.get_coordinates(city_2019.geometry[located])
    assert len(np.unique(xy, axis=0)) < len(xy) / 10  # snap points: heavy duplication

    labels = cluster_incidents(city_2019, eps=100.0, min_samples=20)
    ours = labels[located].to_numpy(dtype=int)
    assert labels[~located].isna().all()
    assert labels.attrs["hotspots"]["n_unknown"] == 676

    # sklearn on the raw rows in (x, y) order: the very same clusters
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    peer_sorted = DBSCAN(eps=100.0, min_samples=20).fit(xy[order]).labels_
    assert peer_sorted.max() + 1 == labels.attrs["hotspots"]["n_clusters"] >= 10
    assert _same_partition(ours[order], peer_sorted)

    # sklearn in file order: same core points and noise; a border point two clusters can
    # reach may go to the other one (sklearn gives it to the cluster grown first)
    peer = DBSCAN(eps=100.0, min_samples=20).fit(xy).labels_
    np.testing.assert_array_equal(ours < 0, peer < 0)
    both = ours >= 0
    best = pd.crosstab(ours[both], peer[both]).idxmax(axis=1)
    moved = np.flatnonzero(both)[best.loc[ours[both]].to_numpy() != peer[both]]
    neigh = KDTree(xy).query_radius(xy, r=100.0)
    core = np.array([len(nb) >= 20 for nb in neigh])
    for r in moved:
        assert not core[r]
        assert len(set(ours[neigh[r][core[neigh[r]]]])) >= 2


def test_city_of_london_summary_sorted_and_labelled(city_2019, boundaries_dir):
    from hotspots.io.boundaries import load_boundaries

    areas = load_boundaries("london-central-2013", data_dir=boundaries_dir, download=False)
    labels = cluster_incidents(city_2019, eps=100.0, min_samples=20)
    s = cluster_summary(city_2019, labels, areas=areas)
    assert list(s.columns) == ["cluster_id", "n", "share", "first", "last", "top_categories",
                               "wards", "constituency", "centroid_x", "centroid_y",
                               "geometry"]
    rec = labels.attrs["hotspots"]
    assert len(s) == rec["n_clusters"]
    assert s["cluster_id"].tolist() == list(range(len(s)))  # 0 = largest
    assert (np.diff(s["n"].to_numpy()) <= 0).all()
    assert s["n"].sum() == rec["n_located"] - rec["n_noise"]
    np.testing.assert_allclose(s["share"], s["n"] / 9356)
    assert (s["first"] >= pd.Timestamp("2019-01-01")).all()
    assert (s["last"] <= pd.Timestamp("2019-12-01")).all()
    assert s["top_categories"].str.fullmatch(r"[A-Za-z ,\-]+ \d+(, [A-Za-z ,\-]+ \d+){0,2}").all()
    assert s["wards"].notna().all()
    assert s["constituency"].str.contains("Cities of London and Westminster").any()
    assert s.geometry.geom_type.eq("Polygon").all()
    # every clustered incident lies in its cluster's hull
    pts = city_2019.geometry
    for cid, geom in zip(s["cluster_id"], s.geometry, strict=True):
        mine = pts[(labels == cid).fillna(False).to_numpy()]
        assert geom.buffer(1e-6).covers(shapely.multipoints(shapely.get_coordinates(mine)))


def test_city_of_london_default_eps_and_hdbscan_run(city_2019):
    # ArcGIS rule, min_samples=5: 177 m chains the dense City into one cluster, and says so
    with pytest.warns(UserWarning, match="9,123 of 9,356 located incidents in one cluster"):
        lab = cluster_incidents(city_2019, eps="arcgis")
    rec = lab.attrs["hotspots"]
    assert 50.0 < rec["eps"] < 500.0
    assert "ArcGIS rule" in rec["eps_reason"]
    # the default (knee of the k-distance curve) is smaller and does not chain the City
    default = cluster_incidents(city_2019).attrs["hotspots"]
    assert default["eps"] < rec["eps"]
    assert default["n_clusters"] > rec["n_clusters"]
    lab_h = cluster_incidents(city_2019, method="hdbscan", min_samples=10, min_cluster_size=50)
    assert lab_h.attrs["hotspots"]["n_clusters"] >= 5
    s = cluster_summary(city_2019, lab_h, hull="concave")
    assert len(s) == lab_h.attrs["hotspots"]["n_clusters"]
    assert s.geometry.is_valid.all()


# --- planted truth ------------------------------------------------------------------------
def _planted(seed: int) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Three Gaussian clusters (sd 150 m, 300 incidents) over 2000 uniform incidents in a
    10 km square, snapped to a 10 m grid (duplicates, as police.uk snap points)."""
    rng = np.random.default_rng(seed)
    origin = np.array([420_000.0, 430_000.0])
    centres = origin + rng.uniform(1500, 8500, (3, 2))
    while np.min([np.linalg.norm(a - b) for i, a in enumerate(centres)
                  for b in centres[i + 1:]]) < 2000:
        centres = origin + rng.uniform(1500, 8500, (3, 2))
    pts = [c + rng.normal(0, 150, (300, 2)) for c in centres]
    pts.append(origin + rng.uniform(0, 10_000, (2000, 2)))
    xy = np.round(np.vstack(pts) / 10.0) * 10.0
    frame = gpd.GeoDataFrame(
        {"location_status": pd.Categorical(["located"] * len(xy),
                                           categories=["located", "unknown"])},
        geometry=shapely.points(xy), crs="EPSG:27700")
    return frame, centres


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize(("method", "kw"), [
    ("dbscan", {"eps": 100.0, "min_samples": 20}),
    ("hdbscan", {"min_samples": 10, "min_cluster_size": 100}),
])
def test_planted_centres_fall_in_distinct_clusters(seed, method, kw):
    frame, centres = _planted(seed)
    labels = cluster_incidents(frame, method=method, **kw)
    s = cluster_summary(frame, labels)
    holding = [s.loc[s.geometry.contains(shapely.Point(c)), "cluster_id"].tolist()
               for c in centres]
    assert all(len(h) == 1 for h in holding), holding  # each centre in exactly one cluster
    assert len({h[0] for h in holding}) == 3  # and three different clusters
    if method == "dbscan":
        # nothing but the planted clusters: the background is too sparse to be core
        assert len(s) == 3


# --- HDBSCAN details against the hdbscan package ------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("min_samples", "min_cluster_size", "cse"),
                         [(5, 10, 0.0), (5, 10, 1.5), (3, 5, 0.8), (8, 15, 3.0)])
def test_hdbscan_epsilon_probabilities_and_glosh_equal_hdbscan_package(
        seed, min_samples, min_cluster_size, cse):
    hdbscan = _need_module("hdbscan")
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, s, (n, 2)) for c, s, n in
                   [((0, 0), 1.0, 80), ((6, 0), 0.5, 40), ((0, 7), 1.5, 120)]]
                  + [rng.uniform(-5, 12, (60, 2))])
    X = X[np.lexsort((X[:, 1], X[:, 0]))]  # the order ours visits points in
    # hdbscan's min_samples does not count the point itself; Prim's algorithm like ours
    peer = hdbscan.HDBSCAN(min_samples=min_samples - 1, min_cluster_size=min_cluster_size,
                           cluster_selection_epsilon=cse, algorithm="prims_kdtree").fit(X)
    ours = IncidentClusterer("hdbscan", min_samples=min_samples,
                             min_cluster_size=min_cluster_size,
                             cluster_selection_epsilon=cse).fit(X)
    assert peer.labels_.max() >= 1
    assert _same_partition(ours.labels_, peer.labels_)
    np.testing.assert_allclose(ours.probabilities_, peer.probabilities_, rtol=1e-12)
    np.testing.assert_allclose(ours.outlier_scores_, peer.outlier_scores_, rtol=1e-9,
                               atol=1e-12)
