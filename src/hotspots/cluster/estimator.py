"""The scikit-learn estimator: DBSCAN or HDBSCAN of points, duplicates collapsed to weights.

:class:`IncidentClusterer` follows scikit-learn's estimator contract (parameters stored
untouched by ``__init__``, checked by :meth:`~IncidentClusterer.fit`; results with a trailing
underscore) and passes its ``check_estimator`` suite. The work is done by
:func:`hotspots.cluster._fit.cluster_points` on the array kernels of :mod:`hotspots.stats`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import validate_data

from hotspots._params import Constraint, OneOf
from hotspots.cluster._constraints import CLUSTER_PARAMS, check_all
from hotspots.cluster._fit import cluster_points
from hotspots.located import check_measurable_crs

__all__ = ["METHODS", "IncidentClusterer", "points_xy"]

METHODS = ("dbscan", "hdbscan")
#: Every parameter of the estimator and its rule, checked in :meth:`IncidentClusterer.fit`.
_PARAMS: dict[str, Constraint] = {"method": OneOf(METHODS), **CLUSTER_PARAMS}


def points_xy(geoms: gpd.GeoSeries, name: str) -> np.ndarray:
    """(n, 2) coordinates of a GeoSeries that must hold points only."""
    missing = (geoms.isna() | geoms.is_empty).to_numpy()
    if missing.any():
        rows = tuple(int(i) for i in np.flatnonzero(missing)[:5])
        raise ValueError(
            f"{name} has {int(missing.sum())} missing or empty geometries (positions "
            f"{', '.join(map(str, rows))}{', ...' if missing.sum() > 5 else ''}). Drop them "
            "first, or use cluster_incidents(), which keeps them as <NA>."
        )
    kinds = geoms.geom_type.to_numpy()
    bad = kinds != "Point"
    if bad.any():
        raise ValueError(
            f"{name} must hold Point geometries; found {sorted(set(kinds[bad]))} in "
            f"{int(bad.sum())} rows."
        )
    return np.column_stack([geoms.x.to_numpy(), geoms.y.to_numpy()])


def _check_sample_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n, float(sw))
    if sw.shape != (n,):
        raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
    if not np.isfinite(sw).all() or (sw < 0).any():
        raise ValueError("sample_weight must be finite and non-negative.")
    if n and not sw.any():
        raise ValueError("sample_weight is zero for every row, so nothing can be clustered.")
    return sw



class IncidentClusterer(ClusterMixin, BaseEstimator):
    """DBSCAN or HDBSCAN clusters of incident locations, duplicates collapsed to weights.

    A scikit-learn estimator: parameters are stored untouched by ``__init__`` and checked
    by :meth:`fit`; results are attributes with a trailing underscore.

    Parameters
    ----------
    method : {"dbscan", "hdbscan"}, default="dbscan"
        ``"dbscan"``: scikit-learn's DBSCAN on the weighted distinct locations (identical to
        DBSCAN on the raw rows). ``"hdbscan"``: weighted HDBSCAN* (see Notes).
    eps : float, {"knee", "arcgis"} or None, default=None
        DBSCAN search distance in metres. ``None`` or ``"knee"`` reads it off the knee of
        the k-distance curve (:func:`hotspots.stats.eps.eps_knee`); ``"arcgis"`` applies
        ArcGIS's rule (see Notes). The choice is logged at INFO level and stored in
        ``eps_``. Ignored by HDBSCAN.
    min_samples : int, default=5
        Incidents (total weight), the location's own included, that must lie within ``eps``
        of a location for it to be a core location. For HDBSCAN, the same count defines
        the core distance.
    min_cluster_size : int, default=10
        HDBSCAN: smallest number of incidents (total weight) a cluster may hold. Ignored by
        DBSCAN, whose clusters are as small as ``min_samples``.
    cluster_selection_epsilon : float, default=0.0
        HDBSCAN: clusters closer than this many metres are merged (as in scikit-learn).
    collapse_duplicates : bool, default=True
        Cluster distinct coordinates weighted by their number of rows. ``False`` clusters the
        rows as given, like plain scikit-learn (slower; for comparisons).

    Attributes
    ----------
    labels_ : numpy.ndarray of int64, shape (n_samples,)
        Cluster of each row: 0 is the cluster with most incidents, then 1, ...; ties go to
        the cluster with the smallest ``(x, y)`` location. ``-1`` is noise.
    n_clusters_ : int
        Number of clusters (noise excluded).
    eps_ : float or None
        DBSCAN: the search distance used (metres; NaN when no location can be core because
        there are fewer than ``min_samples`` incidents). HDBSCAN: None.
    eps_reason_ : str or None
        Why ``eps_`` has its value ("given" or the rule applied).
    n_locations_ : int
        Number of distinct locations clustered (rows when ``collapse_duplicates=False``).
    probabilities_ : numpy.ndarray of float, shape (n_samples,)
        HDBSCAN only: strength of each row's membership of its cluster (0 for noise), as in
        scikit-learn.
    outlier_scores_ : numpy.ndarray of float, shape (n_samples,)
        HDBSCAN only: GLOSH outlier score (0 = deep inside a cluster, towards 1 = outlier),
        as ArcGIS's ``OUTLIER`` and the ``hdbscan`` package.
    n_features_in_ : int
        Number of coordinate columns seen in :meth:`fit`.
    feature_names_in_ : numpy.ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    cluster_incidents : labels aligned to an incident frame, rows without location kept.
    cluster_summary : one polygon and summary row per cluster.
    sklearn.cluster.DBSCAN, sklearn.cluster.HDBSCAN

    Notes
    -----
    **Duplicates.** Distinct coordinates ``u`` with ``c_u`` rows (and, if given, summed
    ``sample_weight``) are clustered once and the labels copied back to the rows.

    *DBSCAN* on the locations with ``sample_weight`` = counts is *exactly* DBSCAN on the
    rows: a row is core when the weight within ``eps`` reaches ``min_samples``, which is the
    same for every copy of a location, and copies are always labelled together. The one
    choice DBSCAN leaves open, which cluster takes a border location that two clusters can
    reach, scikit-learn settles by row order (the cluster grown first). Here the locations
    are sorted by ``(x, y)`` before clustering, so the answer does not depend on the row
    order of the input. Memory is that of scikit-learn's neighbour lists over *locations*.

    *HDBSCAN* (scikit-learn's has no ``sample_weight``) is computed here as weighted
    HDBSCAN*: the core distance of a location is the distance at which the weight within
    reach (its own included) first reaches ``min_samples``; the mutual-reachability minimum
    spanning tree is built over locations by Prim's algorithm (O(m²) time, O(m) memory for
    m locations); the condensed tree counts weights against ``min_cluster_size``; clusters
    are chosen by excess of mass. A location is indivisible: it leaves a cluster as one
    "point" of weight ``c_u``. This is HDBSCAN* on the raw rows with each location's copies
    held together. It avoids two raw-data artefacts: a location repeated ``min_samples``
    times has zero core distance and infinite density, so raw HDBSCAN often selects it as a
    cluster of its own even when it sits inside a larger cluster (here the hierarchy's
    clusters span two locations or more), and copies of one coordinate can land in
    different clusters (hdbscan #548). **A location that alone holds
    ``min_cluster_size`` incidents or more is never noise**: when the hierarchy leaves it
    out of every cluster (a busy snap point apart from other busy points), it becomes a
    cluster of its own with probability 1 and outlier score 0, and the number of such
    locations is logged (:func:`hotspots.stats.hdbscan.promote_heavy_locations`). On
    City of London 2019 (``min_cluster_size=10, min_samples=5``) this concerns 41 snap
    points holding 1,184 crimes, up to 74 at one point, which would otherwise read as
    "not a hot spot". With all weights 1 no location holds ``min_cluster_size`` (at least
    2), so this never applies, and the labels and
    probabilities are those of :class:`sklearn.cluster.HDBSCAN` run on the rows sorted by
    ``(x, y)`` (same spanning tree, same tie-breaking); on rows in another order the two
    can differ only where scikit-learn breaks ties between equal distances by row order.

    **Default eps.** The knee of the incident-weighted k-distance curve (k = ``min_samples``,
    strays beyond Tukey's upper fence left out; :mod:`hotspots.stats.eps`). On City of London
    2019 police.uk data this is 78 m and the largest cluster holds under half the located
    incidents, where the ArcGIS rule (177 m) puts 9,123 of 9,356 in one.

    **eps="arcgis".** ArcGIS Density-based Clustering's default search distance is
    "the largest core distance after excluding the top 1% of core distances". Core
    distances here count weights (a location with ``min_samples`` incidents has core
    distance 0); they are ranked over incidents, the ``floor(n/100)`` largest are dropped,
    and the largest remaining one is ``eps_``. If that is 0 (over 99% of incidents sit at
    locations that reach ``min_samples`` on their own), the rule is applied to the other
    locations. With this rule about 99% of incidents are at core locations, so DBSCAN
    finds broad clusters; pass ``eps`` for tighter ones.

    Input ``X`` is meant to be projected coordinates in metres (British National Grid):
    an ``(n, 2)`` array, or a GeoSeries/GeoDataFrame of points (a geographic CRS is
    rejected). Other numbers of columns are accepted (Euclidean distance), as scikit-learn
    does.

    Examples
    --------
    >>> from hotspots.cluster import IncidentClusterer
    >>> X = np.array([[0, 0]] * 6 + [[10, 0]] * 4 + [[5000, 5000]])
    >>> est = IncidentClusterer(eps=50, min_samples=5).fit(X)
    >>> est.labels_.tolist()
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1]
    >>> est.n_clusters_, est.n_locations_
    (1, 3)
    """

    def __init__(self, method: str = "dbscan", *, eps: float | str | None = None,
                 min_samples: int = 5, min_cluster_size: int = 10,
                 cluster_selection_epsilon: float = 0.0,
                 collapse_duplicates: bool = True) -> None:
        self.method = method
        self.eps = eps
        self.min_samples = min_samples
        self.min_cluster_size = min_cluster_size
        self.cluster_selection_epsilon = cluster_selection_epsilon
        self.collapse_duplicates = collapse_duplicates

    def _checked_params(self) -> dict[str, Any]:
        """Check the parameters; messages name the running verb, or this estimator."""
        values = self.get_params()
        return check_all(_PARAMS, values)

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> IncidentClusterer:
        """Cluster the points of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), geopandas.GeoSeries or GeoDataFrame
            Coordinates in metres, usually easting and northing; or point geometries in a
            projected CRS.
        y : None
            Ignored; present for the scikit-learn API.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight of each row, counted towards ``min_samples`` and (HDBSCAN)
            ``min_cluster_size`` instead of 1 per row.

        Returns
        -------
        IncidentClusterer
            ``self``, fitted.

        Raises
        ------
        ValueError
            If a parameter is invalid, ``X`` is empty, not finite or holds missing or
            non-point geometries, or ``eps`` cannot be chosen automatically.
        hotspots.errors.CRSError
            If ``X`` is a GeoSeries/GeoDataFrame in a geographic CRS.
        """
        params = self._checked_params()
        if isinstance(X, gpd.GeoDataFrame | gpd.GeoSeries):
            if X.crs is not None:  # a GeoSeries without a CRS is taken as metres
                check_measurable_crs(X.crs, "X")
            geoms = X.geometry if isinstance(X, gpd.GeoDataFrame) else X
            X = points_xy(geoms, "X")
        X = validate_data(self, X, dtype=np.float64)
        sw = _check_sample_weight(sample_weight, X.shape[0])
        res = cluster_points(X, sw, **params)
        self.labels_ = res.labels
        self.n_clusters_ = int(res.labels.max()) + 1 if res.labels.size else 0
        self.eps_ = res.eps
        self.eps_reason_ = res.eps_reason
        self.n_locations_ = res.n_locations
        if params["method"] == "hdbscan":
            self.probabilities_ = res.probabilities
            self.outlier_scores_ = res.outlier_scores
        elif hasattr(self, "probabilities_"):  # refit with DBSCAN: drop stale HDBSCAN output
            del self.probabilities_, self.outlier_scores_
        return self

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fit and return ``labels_``.

        Parameters
        ----------
        X, y, sample_weight
            As in :meth:`fit`.

        Returns
        -------
        numpy.ndarray of int64
            The cluster of each row, ``-1`` for noise.
        """
        return self.fit(X, y, sample_weight=sample_weight).labels_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
