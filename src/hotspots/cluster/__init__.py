"""Density-based clusters of incidents: DBSCAN and HDBSCAN on de-duplicated, weighted locations.

data.police.uk publishes anonymised *snap points*: every crime is moved to one of a fixed set
of map points, so hundreds of incidents can share one coordinate. Clustering the raw rows is
slow (scikit-learn's DBSCAN holds every point's neighbour list, quadratic in the number of
incidents per neighbourhood) and, for HDBSCAN, wrong in a well-known way (a coordinate with
many repeats has zero core distance, so it is often a "cluster" of its own, and its copies
can be split between clusters: hdbscan #198, #548).
This package therefore clusters the *distinct locations*, each weighted by its number of
incidents, and maps the labels back to the rows.

- **DBSCAN** is scikit-learn's, run on the distinct locations with ``sample_weight`` equal to
  the counts. This is exactly DBSCAN on the raw rows: a location is core when the weighted
  count within ``eps`` reaches ``min_samples``, the same test every copy would pass or fail.
  Locations are sorted by ``(x, y)`` first, so a border location claimed by two clusters goes
  to the same cluster whatever the row order of the input.
- **HDBSCAN** is a weighted HDBSCAN* written here (scikit-learn's has no sample weights):
  core distances count weights, the hierarchy is built over locations, and cluster sizes
  are weighted counts. A location is never split, and a location that alone holds
  ``min_cluster_size`` incidents is never noise (:mod:`hotspots.stats.hdbscan`). With unit
  weights it reproduces
  :class:`sklearn.cluster.HDBSCAN` label for label (and probability for probability) on the
  rows sorted by ``(x, y)``, the order in which it visits them.
- Cluster numbers are stable: 0 is the cluster with most incidents, ties broken by the
  smallest ``(x, y)`` location; ``-1`` is noise.

Public API: :class:`IncidentClusterer` (a scikit-learn estimator, :mod:`.estimator`),
:func:`cluster_incidents` (labels aligned to an incident frame, :mod:`.verbs`) and
:func:`cluster_summary` (one polygon per cluster, :mod:`.summary`). The array kernels live in
:mod:`hotspots.stats.dbscan` and :mod:`hotspots.stats.hdbscan`.
"""

from __future__ import annotations

from hotspots.cluster.estimator import IncidentClusterer
from hotspots.cluster.summary import cluster_summary
from hotspots.cluster.verbs import cluster_incidents

# Kernels that tests imported from the single-module ``hotspots.cluster`` before the split
# (issue 12), kept here until the lead's import sweep; they live in hotspots.stats.dbscan.
from hotspots.stats.dbscan import core_distances as _core_distances  # noqa: F401
from hotspots.stats.dbscan import eps_arcgis as _eps_rule  # noqa: F401

__all__ = ["IncidentClusterer", "cluster_incidents", "cluster_summary"]
