"""Tests of hotspots.cluster.verbs: cluster_incidents on incident frames."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import schema
from hotspots.cluster import IncidentClusterer, cluster_incidents
from hotspots.errors import CRSError, DataQualityWarning, EmptyDataError, ValidationError

from ._helpers import incident_frame, snap_points


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


def test_parameter_errors_name_the_verb_the_user_called():
    # issue 12: the declarative checks name cluster_incidents, not the estimator it wraps
    frame = incident_frame(np.array([[0.0, 0.0]] * 6))
    with pytest.raises(ValueError, match=r"The 'eps' parameter of cluster_incidents must be "
                                         r"None, 'knee', 'arcgis' or a finite number > 0"):
        cluster_incidents(frame, eps=-5)
    with pytest.raises(ValueError, match="'min_samples' parameter of cluster_incidents must "
                                         "be an int >= 1\\. Got 0 instead"):
        cluster_incidents(frame, min_samples=0)
    with pytest.raises(ValueError, match="'method' parameter of cluster_incidents"):
        cluster_incidents(frame, method="kmeans")
    with pytest.raises(ValueError, match="'cluster_selection_epsilon' parameter of "
                                         "cluster_incidents"):
        cluster_incidents(frame, method="hdbscan", cluster_selection_epsilon="5")
    # the estimator on its own still names itself
    with pytest.raises(ValueError, match="'min_samples' parameter of IncidentClusterer"):
        IncidentClusterer(min_samples=0).fit(np.zeros((3, 2)))
