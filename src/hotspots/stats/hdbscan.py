"""Weighted HDBSCAN*: locations heavy enough to be a cluster on their own are never noise.

HDBSCAN* over de-duplicated, weighted locations (:mod:`hotspots.cluster`) holds each
location together: it leaves a cluster as one "point" and is never a cluster by itself.
A police.uk snap point that alone holds many crimes, but lies apart from other busy points,
therefore leaves the hierarchy early and ends as *noise*. On City of London 2019
(``min_cluster_size=10, min_samples=5``) 41 snap points with 10 or more crimes each (1,184
crimes, up to 74 at one point) were noise, and an analyst reads "noise" as "not a hot
spot".

:func:`promote_heavy_locations` gives every noise location whose weight reaches
``min_cluster_size`` a cluster of its own: by the definition of ``min_cluster_size`` it is
a cluster-sized group of incidents, and, since its core distance counts its own weight
(a location with ``min_samples`` incidents has core distance 0), it is as dense as any
cluster can be. Clusters found by the hierarchy are unchanged.

With unit weights (raw rows, every weight 1) no location reaches ``min_cluster_size``
(which is at least 2), so the result equals :class:`sklearn.cluster.HDBSCAN` exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["promote_heavy_locations"]


def promote_heavy_locations(labels: np.ndarray, probabilities: np.ndarray,
                            weights: np.ndarray, min_cluster_size: float
                            ) -> tuple[np.ndarray, np.ndarray, int]:
    """Give each noise location holding ``min_cluster_size`` or more a cluster of its own.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (m,)
        HDBSCAN labels per location (``-1`` noise, clusters ``0..k-1``).
    probabilities : numpy.ndarray of float, shape (m,)
        Membership strengths per location (0 for noise).
    weights : numpy.ndarray of float, shape (m,)
        Incidents (summed weights) at each location.
    min_cluster_size : float
        The smallest cluster, in incidents.

    Returns
    -------
    labels : numpy.ndarray of int
        New labels: the promoted locations get ``k, k+1, ...`` in location order.
    probabilities : numpy.ndarray of float
        1.0 for a promoted location (it is its cluster's whole core), others unchanged.
    n_promoted : int
        How many locations were promoted.

    Examples
    --------
    >>> lab, prob, n = promote_heavy_locations(np.array([0, 0, -1, -1]),
    ...                                        np.array([1.0, 0.5, 0.0, 0.0]),
    ...                                        np.array([3.0, 4.0, 12.0, 2.0]), 10)
    >>> lab.tolist(), prob.tolist(), n
    ([0, 0, 1, -1], [1.0, 0.5, 1.0, 0.0], 1)
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    probabilities = np.asarray(probabilities, dtype=np.float64).copy()
    heavy = np.flatnonzero((labels < 0) & (np.asarray(weights) >= min_cluster_size))
    start = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    labels[heavy] = start + np.arange(heavy.size)
    probabilities[heavy] = 1.0
    return labels, probabilities, int(heavy.size)
