"""Tests of hotspots.cluster.summary: one row and one outline per cluster."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.cluster import cluster_incidents, cluster_summary

from ._helpers import incident_frame, snap_points


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


def test_cluster_summary_parameter_errors_name_the_verb():
    frame, lab = _summary_frame()
    for bad, expected in (({"concave_ratio": 1.5}, "a float in [0, 1]"),
                          ({"top": 0}, "an int >= 1"), ({"buffer": 0}, "a finite number > 0")):
        name = next(iter(bad))
        with pytest.raises(ValueError, match=rf"The '{name}' parameter of cluster_summary "
                                             rf"must be {re.escape(expected)}"):
            cluster_summary(frame, lab, **bad)
