"""Weighted-location kernels shared by DBSCAN and HDBSCAN: collapse, core distances, eps, labels.

data.police.uk moves every crime to one of a fixed set of *snap points*, so hundreds of rows
can share one coordinate. :mod:`hotspots.cluster` therefore clusters the distinct locations,
each weighted by its incidents; these are the array steps it needs (numpy and scikit-learn's
neighbour search only, no pandas):

- :func:`collapse_locations`: distinct rows sorted by ``(x, y)``, the row -> location index
  and the counts;
- :func:`core_distances`: the distance at which the weight within reach of a location (its
  own included) first reaches ``min_samples``;
- :func:`eps_arcgis`: ArcGIS's default DBSCAN search distance from those core distances;
- :func:`weighted_dbscan`: scikit-learn's DBSCAN on the weighted locations, which is exactly
  DBSCAN on the raw rows;
- :func:`relabel_by_size`: stable cluster numbers, 0 the cluster with most incidents.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.neighbors import KDTree

__all__ = [
    "collapse_locations", "core_distances", "eps_arcgis", "relabel_by_size", "weighted_dbscan",
]

#: Rows per KD-tree query block (bounds the memory of the neighbour arrays).
QUERY_BLOCK = 65_536


def collapse_locations(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of ``X`` sorted by ``(x, y, ...)``, the row -> location index, and counts.

    Parameters
    ----------
    X : numpy.ndarray of float, shape (n, d)
        Coordinates, one row per incident.

    Returns
    -------
    locations : numpy.ndarray of float, shape (m, d)
        The distinct rows, sorted lexicographically.
    inverse : numpy.ndarray of intp, shape (n,)
        ``locations[inverse]`` equals ``X``.
    counts : numpy.ndarray of int64, shape (m,)
        Rows at each location.

    Examples
    --------
    >>> U, inverse, counts = collapse_locations(np.array([[5.0, 1], [0, 2], [5, 1]]))
    >>> U.tolist(), inverse.tolist(), counts.tolist()
    ([[0.0, 2.0], [5.0, 1.0]], [1, 0, 1], [1, 2])
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.shape[1] == 2 and len(X):
        # A complex view sorts lexicographically like np.unique(axis=0) but about 8x faster
        # (np.unique on rows sorts a structured dtype). -0.0 and 0.0 compare equal in both.
        z = X.view(np.complex128).ravel()
        uz, inverse, counts = np.unique(z, return_inverse=True, return_counts=True)
        U = uz.view(np.float64).reshape(-1, 2)
    else:
        U, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    return U, inverse.reshape(-1).astype(np.intp, copy=False), counts.astype(np.int64)


def core_distances(U: np.ndarray, w: np.ndarray, min_samples: int) -> np.ndarray:
    """Distance from each location to where the weight within reach first reaches min_samples.

    Parameters
    ----------
    U : numpy.ndarray of float, shape (m, d)
        Distinct locations.
    w : numpy.ndarray of float, shape (m,)
        Weight (incidents) at each location.
    min_samples : int
        The weight to reach.

    Returns
    -------
    numpy.ndarray of float, shape (m,)
        The location itself counts (scikit-learn's convention for both DBSCAN and HDBSCAN),
        so a location holding ``min_samples`` incidents has core distance 0; ``inf`` when
        the total weight never reaches ``min_samples``.

    Examples
    --------
    >>> core_distances(np.array([[0.0, 0.0], [30.0, 0.0], [100.0, 0.0]]),
    ...                np.array([5.0, 2.0, 0.5]), 5).tolist()
    [0.0, 30.0, 100.0]
    """
    m = len(U)
    out = np.full(m, np.inf)
    if m == 0 or w.sum() < min_samples:
        return out
    # With weights >= 1 (counts) the min_samples nearest locations always suffice; sample
    # weights below 1 may need more, so widen k for the rows not reached yet.
    k = min(min_samples, m)
    tree = KDTree(U)
    todo = np.arange(m)
    while todo.size:
        missing = []
        for start in range(0, todo.size, QUERY_BLOCK):
            rows = todo[start : start + QUERY_BLOCK]
            dist, ind = tree.query(U[rows], k=k)
            reached = np.cumsum(w[ind], axis=1) >= min_samples
            ok = reached.any(axis=1)
            first = np.argmax(reached, axis=1)
            out[rows[ok]] = dist[np.flatnonzero(ok), first[ok]]
            missing.append(rows[~ok])
        todo = np.concatenate(missing) if missing else np.empty(0, np.intp)
        if todo.size and k == m:  # not reachable when w.sum() >= min_samples; a guard
            break
        k = min(2 * k, m)
    return out


def _drop_top_share(core: np.ndarray, counts: np.ndarray, mask: np.ndarray
                    ) -> tuple[float, int, int]:
    """Largest core distance in ``mask`` after dropping the top 1% of incidents."""
    c, n_c = core[mask], counts[mask]
    order = np.argsort(c, kind="stable")
    cum = np.cumsum(n_c[order])
    n = int(cum[-1])
    n_drop = n // 100
    j = int(np.searchsorted(cum, n - n_drop))
    return float(c[order][j]), n, n_drop


def eps_arcgis(core: np.ndarray, counts: np.ndarray, min_samples: int) -> tuple[float, str]:
    """ArcGIS default search distance: the largest core distance without the top 1%.

    Parameters
    ----------
    core : numpy.ndarray of float
        Core distance of each distinct location (:func:`core_distances`).
    counts : numpy.ndarray of int
        Incidents at each location.
    min_samples : int
        DBSCAN's ``min_samples`` (named in the reason).

    Returns
    -------
    tuple
        ``(eps, reason)``. Core distances are ranked over incidents (a location counts
        ``counts`` times); the ``floor(n / 100)`` largest are dropped and the largest
        remaining one is the distance. NaN when no location reaches ``min_samples``.

    Raises
    ------
    ValueError
        When every location holds ``min_samples`` incidents on its own.

    Examples
    --------
    100 incidents 10 m from a neighbour and one stray 4 km away: the stray is the 1% dropped.

    >>> eps, reason = eps_arcgis(np.array([10.0, 4010.0]), np.array([100, 1]), 2)
    >>> eps, "1 of 101" in reason
    (10.0, True)
    """
    finite = np.isfinite(core)
    if not finite.any():
        return math.nan, (
            f"no location reaches min_samples={min_samples} incidents at any distance "
            "(fewer incidents than min_samples), so every incident is noise"
        )
    eps, n, n_drop = _drop_top_share(core, counts, finite)
    reason = (
        f"ArcGIS rule: the largest core distance (distance to reach min_samples={min_samples} "
        f"incidents) after excluding the top 1% ({n_drop} of {n} incidents)"
    )
    if eps == 0.0:
        positive = finite & (core > 0)
        if not positive.any():
            raise ValueError(
                f"Cannot choose eps automatically: every location holds at least "
                f"min_samples={min_samples} incidents, so every core distance is 0. "
                "Pass eps= (metres)."
            )
        eps, n, n_drop = _drop_top_share(core, counts, positive)
        reason = (
            f"ArcGIS rule on the locations with fewer than min_samples={min_samples} incidents "
            f"(over 99% of incidents sit at locations that reach min_samples on their own, "
            f"where the core distance is 0): the largest core distance after excluding the "
            f"top 1% ({n_drop} of {n} incidents)"
        )
    return eps, reason


def weighted_dbscan(U: np.ndarray, w: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """DBSCAN labels of weighted locations (all noise when ``eps`` is NaN).

    Parameters
    ----------
    U : numpy.ndarray of float, shape (m, d)
        Distinct locations, sorted by ``(x, y)`` so that a border location two clusters can
        reach goes to the same cluster whatever the row order of the input.
    w : numpy.ndarray of float, shape (m,)
        Incidents (summed weights) at each location.
    eps : float
        Search distance.
    min_samples : int
        Weight within ``eps`` (the location's own included) for a core location.

    Returns
    -------
    numpy.ndarray of int
        scikit-learn's labels (``-1`` noise), equal to DBSCAN on the raw rows.

    Examples
    --------
    >>> weighted_dbscan(np.array([[0.0, 0], [10, 0], [500, 0]]), np.array([3.0, 2, 1]),
    ...                 20.0, 5).tolist()
    [0, 0, -1]
    """
    if math.isnan(eps):
        return np.full(len(U), -1, dtype=np.int64)
    # kd_tree: the neighbour lists are of locations, not incidents, so they stay small
    return DBSCAN(eps=eps, min_samples=min_samples, algorithm="kd_tree").fit(
        U, sample_weight=w).labels_


def relabel_by_size(labels: np.ndarray, counts: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 by descending incident count, ties by smallest location rank.

    Parameters
    ----------
    labels : numpy.ndarray of int
        Cluster per location (``-1`` noise).
    counts : numpy.ndarray
        Incidents at each location.
    rank : numpy.ndarray of int
        Position of each location in ``(x, y)`` order.

    Returns
    -------
    numpy.ndarray of int64
        ``0`` the cluster with most incidents, then ``1``, ...; ``-1`` noise.

    Examples
    --------
    >>> relabel_by_size(np.array([5, 5, 2, -1]), np.array([1, 1, 3, 1]),
    ...                 np.arange(4)).tolist()
    [1, 1, 0, -1]
    """
    out = np.full(labels.shape, -1, dtype=np.int64)
    inside = labels >= 0
    if not inside.any():
        return out
    _, dense = np.unique(labels[inside], return_inverse=True)
    k = int(dense.max()) + 1
    size = np.bincount(dense, weights=counts[inside], minlength=k)
    first = np.full(k, np.iinfo(np.int64).max)
    np.minimum.at(first, dense, rank[inside])
    order = np.lexsort((first, -size))
    new = np.empty(k, dtype=np.int64)
    new[order] = np.arange(k)
    out[inside] = new[dense]
    return out
