"""Cluster an array of points: collapse duplicates, choose eps, run the kernel, renumber.

The glue between :class:`hotspots.cluster.IncidentClusterer` and the array kernels of
:mod:`hotspots.stats.dbscan` and :mod:`hotspots.stats.hdbscan`. The automatic choices (the
search distance and its rule, heavy locations made clusters) are logged here, at INFO level,
under the ``hotspots.cluster`` logger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from hotspots.stats.dbscan import (
    collapse_locations,
    core_distances,
    eps_arcgis,
    relabel_by_size,
    weighted_dbscan,
)
from hotspots.stats.eps import eps_knee
from hotspots.stats.hdbscan import weighted_hdbscan

__all__ = ["ClusterResult", "cluster_points"]

logger = logging.getLogger("hotspots.cluster")


@dataclass
class ClusterResult:
    """Labels per input row and what was chosen on the way."""

    labels: np.ndarray  # per input row
    eps: float | None
    eps_reason: str | None
    n_locations: int
    probabilities: np.ndarray | None
    outlier_scores: np.ndarray | None


def _choose_eps(U: np.ndarray, w: np.ndarray, counts: np.ndarray, eps: float | str | None,
                min_samples: int) -> tuple[float, str]:
    """The given eps, or the automatic one with its reason (logged)."""
    if not (eps is None or isinstance(eps, str)):
        return float(eps), "given"
    core = core_distances(U, w, min_samples)
    # default: the k-distance knee; "arcgis" keeps ArcGIS's rule, which chains dense
    # districts into one cluster (issue 15)
    rule = eps_arcgis if eps == "arcgis" else eps_knee
    eps_used, reason = rule(core, counts, min_samples)
    logger.info("DBSCAN search distance eps = %.6g m (%s)", eps_used, reason)
    return eps_used, reason


def cluster_points(X: np.ndarray, sample_weight: np.ndarray | None, *, method: str,
                   eps: float | str | None, min_samples: int, min_cluster_size: int,
                   cluster_selection_epsilon: float, collapse_duplicates: bool
                   ) -> ClusterResult:
    """Cluster the rows of ``X`` (validated, finite, float64); labels per row."""
    n = len(X)
    if collapse_duplicates:
        U, inverse, counts = collapse_locations(X)
        rank = np.arange(len(U))  # U is sorted by (x, y)
    else:
        U, inverse, counts = X, np.arange(n), np.ones(n, dtype=np.int64)
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort(X.T[::-1])] = np.arange(n)
    m = len(U)
    if sample_weight is None:
        w: np.ndarray = counts.astype(np.float64)
    else:
        w = np.bincount(inverse, weights=sample_weight, minlength=m)
    logger.debug("clustering %d rows at %d distinct locations", n, m)

    probs = scores = None
    eps_used: float | None = None
    reason: str | None = None
    if method == "dbscan":
        eps_used, reason = _choose_eps(U, w, counts, eps, min_samples)
        lab = weighted_dbscan(U, w, eps_used, min_samples)
    else:
        lab, probs, scores, n_heavy = weighted_hdbscan(
            U, w, min_samples=min_samples, min_cluster_size=min_cluster_size,
            cluster_selection_epsilon=cluster_selection_epsilon)
        if n_heavy:
            logger.info("HDBSCAN: %d locations holding %d or more incidents each were left "
                        "out of every cluster by the hierarchy; each is a cluster of its own, "
                        "not noise", n_heavy, min_cluster_size)
    lab = relabel_by_size(lab, counts, rank)
    return ClusterResult(
        labels=lab[inverse], eps=eps_used, eps_reason=reason, n_locations=m,
        probabilities=None if probs is None else probs[inverse],
        outlier_scores=None if scores is None else scores[inverse],
    )
