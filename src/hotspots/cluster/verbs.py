"""``cluster_incidents``: density-cluster labels aligned to an incident frame.

The frame-level verb over :class:`hotspots.cluster.IncidentClusterer`: rows without a
location are kept (labelled ``<NA>``), a ``weights`` column can count instead of 1 per row,
and the choices made are recorded in the result's ``attrs["hotspots"]``.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._params import OneOf, validate_params
from hotspots.cluster._constraints import CLUSTER_PARAMS
from hotspots.cluster.estimator import METHODS, IncidentClusterer
from hotspots.crs import is_bng, to_bng
from hotspots.errors import EmptyDataError, Problem
from hotspots.located import located_points

__all__ = ["cluster_incidents"]

logger = logging.getLogger("hotspots.cluster")


@validate_params({"method": OneOf(METHODS), **CLUSTER_PARAMS})
def cluster_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    method: str = "dbscan",
    eps: float | str | None = None,
    min_samples: int = 5,
    min_cluster_size: int = 10,
    cluster_selection_epsilon: float = 0.0,
    collapse_duplicates: bool = True,
    weights: str | None = None,
) -> pd.Series:
    """Label each incident with its density cluster (DBSCAN or HDBSCAN).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The canonical incident frame (EPSG:27700); another projected CRS is reprojected.
        Rows whose ``location_status`` is ``"unknown"`` or whose geometry is empty are kept
        and labelled ``<NA>``.
    method : {"dbscan", "hdbscan"}, default="dbscan"
        See :class:`IncidentClusterer`.
    eps : float, {"knee", "arcgis"} or None, default=None
        DBSCAN search distance in metres; ``None`` (``"knee"``) uses the knee of the
        k-distance curve, ``"arcgis"`` the ArcGIS rule (the rule and value are recorded).
    min_samples : int, default=5
        Incidents within ``eps`` (the location's own included) for a core location.
    min_cluster_size : int, default=10
        HDBSCAN: smallest cluster, in incidents.
    cluster_selection_epsilon : float, default=0.0
        HDBSCAN: merge clusters closer than this (metres).
    collapse_duplicates : bool, default=True
        Cluster distinct locations weighted by their counts (recommended for police.uk).
    weights : str, optional
        Name of a column (e.g. ``"weight"``) whose non-negative values count towards
        ``min_samples``/``min_cluster_size`` instead of 1 per incident.

    Returns
    -------
    pandas.Series
        Named ``"cluster"``, dtype ``Int64``, aligned to ``incidents.index``: 0, 1, ... by
        decreasing cluster size, ``-1`` for noise, ``<NA>`` for incidents without a location.
        ``attrs["hotspots"]`` records ``function``, ``method``, ``eps``, ``eps_reason``,
        ``eps_rule`` ("knee", "arcgis", "given"; None for HDBSCAN), ``min_samples``,
        ``min_cluster_size``, ``cluster_selection_epsilon``,
        ``collapse_duplicates``, ``weights``, ``n_incidents``, ``n_located``, ``n_unknown``,
        ``n_locations``, ``n_clusters``, ``n_noise`` and ``crs``.

    Raises
    ------
    TypeError
        If ``incidents`` is not a GeoDataFrame/GeoSeries.
    hotspots.errors.CRSError
        If ``incidents`` has no CRS or a geographic one.
    hotspots.errors.EmptyDataError
        If no incident has a location.
    hotspots.errors.ValidationError
        If located rows are not points, or the ``weights`` column is missing or invalid.
    ValueError
        If a parameter is invalid.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        If rows have ``location_status == "located"`` but no geometry (counted as unknown).

    Notes
    -----
    The labels on the located rows equal ``IncidentClusterer(...).fit(points).labels_``;
    see :class:`IncidentClusterer` for how duplicates and the default ``eps`` are handled.

    Examples
    --------
    Six incidents at one snap point, four 10 m away, a stray 7 km off and one without a
    location:

    >>> from shapely import Point
    >>> from hotspots.cluster import cluster_incidents
    >>> points = [Point(414000, 433000)] * 6 + [Point(414010, 433000)] * 4
    >>> points += [Point(419000, 438000), Point()]
    >>> incidents = gpd.GeoDataFrame(geometry=points, crs="EPSG:27700")
    >>> labels = cluster_incidents(incidents, eps=50, min_samples=5)
    >>> labels.tolist()
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, <NA>]
    >>> labels.attrs["hotspots"]["n_clusters"], labels.attrs["hotspots"]["n_unknown"]
    (1, 1)
    """
    # the one reading of an incident frame (type, CRS rule, located rows, weights); the
    # points are then taken to EPSG:27700, where the result is recorded
    pts = located_points(incidents, weights=weights)
    xy = np.column_stack([pts.x, pts.y])
    if not is_bng(pts.crs):
        xy = np.column_stack(to_bng(pts.x, pts.y, pts.crs))
    n, n_located = pts.n_rows, len(pts.positions)
    if n_located == 0:
        raise EmptyDataError(Problem(
            "no_located_incidents",
            f"none of the {n} incidents has a location, so there is nothing to cluster.",
        ), context="cluster_incidents")
    est = IncidentClusterer(
        method, eps=eps, min_samples=min_samples, min_cluster_size=min_cluster_size,
        cluster_selection_epsilon=cluster_selection_epsilon,
        collapse_duplicates=collapse_duplicates,
    )
    est.fit(xy, sample_weight=pts.weights)
    values = np.full(n, pd.NA, dtype=object)
    values[pts.positions] = est.labels_
    out = pd.Series(pd.array(values, dtype="Int64"), index=incidents.index, name="cluster")
    n_noise = int((est.labels_ < 0).sum())
    out.attrs["hotspots"] = {
        "function": "cluster_incidents", "method": method,
        "eps": est.eps_, "eps_reason": est.eps_reason_,
        "eps_rule": (None if method != "dbscan" else
                     "given" if not (eps is None or isinstance(eps, str)) else eps or "knee"),
        "min_samples": min_samples, "min_cluster_size": min_cluster_size,
        "cluster_selection_epsilon": cluster_selection_epsilon,
        "collapse_duplicates": collapse_duplicates, "weights": weights,
        "n_incidents": n, "n_located": n_located, "n_unknown": n - n_located,
        "n_locations": est.n_locations_, "n_clusters": est.n_clusters_, "n_noise": n_noise,
        "crs": "EPSG:27700",
    }
    logger.info("%s: %d clusters, %d located incidents in clusters, %d noise, %d without "
                "location", method.upper(), est.n_clusters_, n_located - n_noise, n_noise,
                n - n_located)
    if method == "dbscan" and (eps is None or isinstance(eps, str)):
        _warn_if_chained(est, eps, n_located, out.attrs["hotspots"])
    return out


def _warn_if_chained(est: IncidentClusterer, eps: str | None, n_located: int,
                     record: dict[str, Any]) -> None:
    """Warn (and record) when an automatic eps put over half the incidents in one cluster.

    The ArcGIS rule keeps 99% of incidents within reach of a core point, so on data with a
    sparse background it can chain most of a district into one cluster.
    """
    largest = int(np.bincount(est.labels_[est.labels_ >= 0]).max()) if est.n_clusters_ else 0
    if largest <= 0.5 * n_located:
        return
    record["eps_warning"] = f"one cluster holds {largest:,} of {n_located:,} located incidents"
    warnings.warn(
        f"cluster_incidents: the automatic search distance ({est.eps_:,.0f} m, "
        f"{'ArcGIS' if eps == 'arcgis' else 'k-distance knee'} rule) "
        f"put {largest:,} of {n_located:,} located incidents in one cluster. Pass a "
        f"smaller eps or a larger min_samples to separate hot spots.",
        UserWarning, stacklevel=4,
    )
