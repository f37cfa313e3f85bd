"""Density-based clusters of incidents: DBSCAN and HDBSCAN on de-duplicated, weighted locations.

data.police.uk publishes anonymised *snap points*: every crime is moved to one of a fixed set
of map points, so hundreds of incidents can share one coordinate. Clustering the raw rows is
slow (scikit-learn's DBSCAN holds every point's neighbour list, quadratic in the number of
incidents per neighbourhood) and, for HDBSCAN, wrong in a well-known way (a coordinate with
many repeats has zero core distance, so it is often a "cluster" of its own, and its copies
can be split between clusters: hdbscan #198, #548).
This module therefore clusters the *distinct locations*, each weighted by its number of
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

Public API: :class:`IncidentClusterer` (a scikit-learn estimator), :func:`cluster_incidents`
(labels aligned to an incident frame) and :func:`cluster_summary` (one polygon per cluster).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import DBSCAN
from sklearn.neighbors import KDTree
from sklearn.utils.validation import validate_data

from hotspots import schema
from hotspots.crs import ensure_bng, is_geographic, normalize_crs
from hotspots.errors import CRSError, DataQualityWarning, EmptyDataError, Problem, ValidationError
from hotspots.stats.eps import eps_knee
from hotspots.stats.hdbscan import promote_heavy_locations

__all__ = ["IncidentClusterer", "cluster_incidents", "cluster_summary"]

logger = logging.getLogger(__name__)

METHODS = ("dbscan", "hdbscan")
HULLS = ("convex", "concave")
#: Named rules for the automatic DBSCAN eps (None means "knee").
EPS_RULES = ("knee", "arcgis")
#: ArcGIS default DBSCAN search distance: drop this share of the largest core distances.
EPS_EXCLUDED_SHARE = 0.01
#: Clusters whose hull is a point or a line are buffered by this many metres.
DEGENERATE_BUFFER = 10.0
#: Rows per KD-tree query block (bounds the memory of the neighbour arrays).
_QUERY_BLOCK = 65_536


# =========================================================================================
# Kernels on arrays (no pandas/geopandas)
# =========================================================================================
def _collapse(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of ``X`` sorted by (x, y, ...), the row -> location index, and counts."""
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


def _core_distances(U: np.ndarray, w: np.ndarray, min_samples: int) -> np.ndarray:
    """Distance from each location to where the weight within reach first reaches min_samples.

    The location itself counts (scikit-learn's convention for both DBSCAN and HDBSCAN), so a
    location holding ``min_samples`` incidents has core distance 0. ``inf`` when the total
    weight never reaches ``min_samples``.
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
        for start in range(0, todo.size, _QUERY_BLOCK):
            rows = todo[start : start + _QUERY_BLOCK]
            dist, ind = tree.query(U[rows], k=k)
            cum = np.cumsum(w[ind], axis=1)
            reached = cum >= min_samples
            ok = reached.any(axis=1)
            first = np.argmax(reached, axis=1)
            out[rows[ok]] = dist[np.flatnonzero(ok), first[ok]]
            missing.append(rows[~ok])
        todo = np.concatenate(missing) if missing else np.empty(0, np.intp)
        if todo.size and k == m:  # not reachable when w.sum() >= min_samples; a guard
            break
        k = min(2 * k, m)
    return out


def _eps_rule(core: np.ndarray, counts: np.ndarray, min_samples: int) -> tuple[float, str]:
    """ArcGIS default search distance: the largest core distance without the top 1%.

    Core distances are ranked over incidents (a location counts ``counts`` times); the
    ``floor(n / 100)`` largest are dropped and the largest remaining one is the distance.
    """
    finite = np.isfinite(core)
    if not finite.any():
        return math.nan, (
            f"no location reaches min_samples={min_samples} incidents at any distance "
            "(fewer incidents than min_samples), so every incident is noise"
        )

    def rule(mask: np.ndarray) -> tuple[float, int, int]:
        c, n_c = core[mask], counts[mask]
        order = np.argsort(c, kind="stable")
        cum = np.cumsum(n_c[order])
        n = int(cum[-1])
        n_drop = n // 100
        j = int(np.searchsorted(cum, n - n_drop))
        return float(c[order][j]), n, n_drop

    eps, n, n_drop = rule(finite)
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
        eps, n, n_drop = rule(positive)
        reason = (
            f"ArcGIS rule on the locations with fewer than min_samples={min_samples} incidents "
            f"(over 99% of incidents sit at locations that reach min_samples on their own, "
            f"where the core distance is 0): the largest core distance after excluding the "
            f"top 1% ({n_drop} of {n} incidents)"
        )
    return eps, reason


def _relabel(labels: np.ndarray, counts: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 by descending incident count, ties by smallest location rank."""
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


def _prim_mst(U: np.ndarray, core: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum spanning tree of the mutual-reachability graph, by Prim's algorithm.

    Mutual reachability is ``max(core_a, core_b, |a - b|)``. The visiting order and the
    tie-breaking (lowest index first) are those of scikit-learn's ``mst_from_data_matrix``,
    so the edges come out identical. O(m^2) time, O(m) memory: no distance matrix is held.
    """
    m = len(U)
    src = np.empty(m - 1, dtype=np.int64)
    dst = np.empty(m - 1, dtype=np.int64)
    dist = np.empty(m - 1, dtype=np.float64)
    idx = np.arange(1, m)
    coords = [np.ascontiguousarray(U[1:, f]) for f in range(U.shape[1])]
    rcore = core[1:].copy()
    min_reach = np.full(m - 1, np.inf)
    source = np.zeros(m - 1, dtype=np.int64)
    cur, cur_xy, cur_core = 0, U[0].copy(), core[0]
    buf = np.empty(m - 1)
    tmp = np.empty(m - 1)
    hit = np.empty(m - 1, dtype=bool)
    removed = 0
    for i in range(m - 1):
        n = idx.size
        d, t, h = buf[:n], tmp[:n], hit[:n]
        np.subtract(coords[0], cur_xy[0], out=d)
        d *= d
        for f in range(1, len(coords)):
            np.subtract(coords[f], cur_xy[f], out=t)
            t *= t
            d += t
        np.sqrt(d, out=d)
        np.maximum(d, rcore, out=d)  # nodes already in the tree have rcore = inf
        if cur_core > 0:
            np.maximum(d, cur_core, out=d)
        np.less(d, min_reach, out=h)
        np.copyto(min_reach, d, where=h)
        np.copyto(source, cur, where=h)
        j = int(np.argmin(min_reach))
        src[i], dst[i], dist[i] = source[j], idx[j], min_reach[j]
        cur, cur_core = int(idx[j]), rcore[j]
        cur_xy = np.array([c[j] for c in coords])
        rcore[j] = np.inf
        min_reach[j] = np.inf
        removed += 1
        # Compact now and then, keeping index order (ties go to the lowest index).
        if removed >= 1024 or 4 * removed > n:
            keep = np.isfinite(rcore)
            idx, rcore, min_reach, source = idx[keep], rcore[keep], min_reach[keep], source[keep]
            coords = [c[keep] for c in coords]
            removed = 0
    return src, dst, dist


def _single_linkage(src: np.ndarray, dst: np.ndarray, dist: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Single-linkage tree (scipy layout) from MST edges; node sizes are summed weights."""
    m = len(w)
    order = np.argsort(dist)  # default kind, as scikit-learn's _process_mst
    src, dst, value = src[order].tolist(), dst[order].tolist(), dist[order]
    parent = list(range(2 * m - 1))
    size = w.astype(np.float64).tolist() + [0.0] * (m - 1)
    left = np.empty(m - 1, dtype=np.int64)
    right = np.empty(m - 1, dtype=np.int64)
    csize = np.empty(m - 1, dtype=np.float64)

    def find(a: int) -> int:
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    for i in range(m - 1):
        a, b = find(src[i]), find(dst[i])
        left[i], right[i] = a, b
        s = size[a] + size[b]
        csize[i] = s
        new = m + i
        parent[a] = parent[b] = new
        size[new] = s
    return left, right, value, csize


@dataclass
class _Condensed:
    parent: np.ndarray
    child: np.ndarray
    lam: np.ndarray
    size: np.ndarray
    n_points: int
    n_nodes: int  # cluster ids run from n_points to n_nodes - 1


def _condense(left: np.ndarray, right: np.ndarray, value: np.ndarray, csize: np.ndarray,
              w: np.ndarray, min_cluster_size: int) -> _Condensed:
    """Condensed tree (scikit-learn's ``_condense_tree``) with weighted sizes.

    A leaf (one location) is never a cluster on its own: it leaves its parent cluster at the
    split, whatever its weight, carrying its weight into the stability. With unit weights
    this is scikit-learn's rule (a leaf has size 1 < min_cluster_size).
    """
    m = len(w)
    root = 2 * (m - 1)
    L, R, V, C = left.tolist(), right.tolist(), value.tolist(), csize.tolist()
    wl = w.tolist()
    relabel = [0] * (root + 1)
    relabel[root] = m
    next_label = m + 1
    ignore = bytearray(root + 1)
    out_p: list[int] = []
    out_c: list[int] = []
    out_l: list[float] = []
    out_s: list[float] = []

    def drop(sub: int, into: int, lam: float) -> None:
        stack = [sub]
        while stack:
            node = stack.pop()
            ignore[node] = 1
            if node < m:
                out_p.append(into)
                out_c.append(node)
                out_l.append(lam)
                out_s.append(wl[node])
            else:
                stack.append(R[node - m])
                stack.append(L[node - m])

    queue = deque([root])
    while queue:
        node = queue.popleft()
        if node < m:
            continue
        a, b = L[node - m], R[node - m]
        queue.append(a)
        queue.append(b)
        if ignore[node]:
            continue
        d = V[node - m]
        lam = 1.0 / d if d > 0.0 else math.inf
        here = relabel[node]
        a_big = a >= m and C[a - m] >= min_cluster_size
        b_big = b >= m and C[b - m] >= min_cluster_size
        if a_big and b_big:
            for sub in (a, b):
                relabel[sub] = next_label
                out_p.append(here)
                out_c.append(next_label)
                out_l.append(lam)
                out_s.append(C[sub - m])
                next_label += 1
        elif not a_big and not b_big:
            drop(a, here, lam)
            drop(b, here, lam)
        elif not a_big:
            relabel[b] = here
            drop(a, here, lam)
        else:
            relabel[a] = here
            drop(b, here, lam)
    return _Condensed(np.asarray(out_p, dtype=np.int64), np.asarray(out_c, dtype=np.int64),
                      np.asarray(out_l, dtype=np.float64), np.asarray(out_s, dtype=np.float64),
                      m, next_label)


def _select_clusters(tree: _Condensed, cluster_selection_epsilon: float) -> list[int]:
    """Excess-of-mass selection (+ epsilon merging), as scikit-learn's ``_get_clusters``."""
    m, k = tree.n_points, tree.n_nodes
    is_cl = tree.child >= m
    c_child, c_parent, c_lam = tree.child[is_cl], tree.parent[is_cl], tree.lam[is_cl]
    birth = np.zeros(k)
    birth[c_child] = c_lam
    contrib = np.where(tree.size > 0, (tree.lam - birth[tree.parent]) * tree.size, 0.0)
    stability = np.bincount(tree.parent - m, weights=contrib, minlength=k - m)
    stab = {m + i: float(s) for i, s in enumerate(stability)}
    children: dict[int, list[int]] = {}
    parent_of: dict[int, int] = {}
    for c, p in zip(c_child.tolist(), c_parent.tolist(), strict=True):
        children.setdefault(p, []).append(c)
        parent_of[c] = p

    def descendants(node: int) -> list[int]:
        out, stack = [], list(children.get(node, []))
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(children.get(n, []))
        return out

    selected = dict.fromkeys(range(k - 1, m, -1), True)  # every cluster but the root
    for node in range(k - 1, m, -1):
        sub = sum(stab[c] for c in children.get(node, []))
        if sub > stab[node]:
            selected[node] = False
            stab[node] = sub
        else:
            for d in descendants(node):
                selected[d] = False
    chosen = sorted(c for c, s in selected.items() if s)
    if cluster_selection_epsilon > 0 and c_child.size and chosen:
        birth_eps = {c: (1.0 / birth[c] if birth[c] > 0 else math.inf) for c in c_child.tolist()}

        def upwards(leaf: int) -> int:
            parent = parent_of[leaf]
            if parent == m:
                return leaf
            if birth_eps[parent] > cluster_selection_epsilon:
                return parent
            return upwards(parent)

        out: set[int] = set()
        processed: set[int] = set()
        for leaf in chosen:
            if birth_eps[leaf] < cluster_selection_epsilon:
                if leaf not in processed:
                    up = upwards(leaf)
                    out.add(up)
                    processed.update(descendants(up))
            else:
                out.add(leaf)
        chosen = sorted(out)
    return chosen


def _label_points(tree: _Condensed, chosen: list[int]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, membership probabilities and GLOSH outlier scores of the leaves."""
    m, k = tree.n_points, tree.n_nodes
    is_cl = tree.child >= m
    parent_of = np.full(k, -1, dtype=np.int64)
    parent_of[tree.child[is_cl]] = tree.parent[is_cl]
    label_of_node = np.full(k, -1, dtype=np.int64)
    label_of_node[chosen] = np.arange(len(chosen))
    # nearest chosen ancestor-or-self; cluster ids grow away from the root, so one pass
    for c in range(m + 1, k):
        if label_of_node[c] < 0:
            label_of_node[c] = label_of_node[parent_of[c]]
    pts = ~is_cl
    point, host, lam = tree.child[pts], tree.parent[pts], tree.lam[pts]
    labels = np.full(m, -1, dtype=np.int64)
    labels[point] = label_of_node[host]

    # lambda at which the last member of each cluster leaves it (direct children)
    deaths = np.zeros(k)
    np.maximum.at(deaths, tree.parent, tree.lam)
    probs = np.zeros(m)
    chosen_arr = np.asarray(chosen, dtype=np.int64)
    lab = labels[point]
    inside = lab >= 0
    if inside.any():
        dmax = deaths[chosen_arr[lab[inside]]]
        li = lam[inside]
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.minimum(li, dmax) / dmax
        p = np.where((dmax == 0) | np.isinf(li), 1.0, p)
        probs[point[inside]] = p

    # GLOSH (Campello et al. 2015): deaths propagated up the cluster tree
    glosh_deaths = deaths.copy()
    for c in range(k - 1, m, -1):
        p = parent_of[c]
        if glosh_deaths[c] > glosh_deaths[p]:
            glosh_deaths[p] = glosh_deaths[c]
    lmax = glosh_deaths[host]
    with np.errstate(invalid="ignore", divide="ignore"):
        score = 1.0 - lam / lmax
    score = np.where((lmax == 0) | np.isinf(lam), 0.0, score)
    scores = np.zeros(m)
    scores[point] = score
    return labels, probs, scores


def _weighted_hdbscan(U: np.ndarray, w: np.ndarray, *, min_samples: int, min_cluster_size: int,
                      cluster_selection_epsilon: float
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HDBSCAN* over weighted locations: (labels, probabilities, outlier scores) per location.

    Noise locations that alone hold ``min_cluster_size`` incidents become clusters of their
    own (:func:`hotspots.stats.hdbscan.promote_heavy_locations`).
    """
    m = len(U)
    core = _core_distances(U, w, min_samples)
    if m < 2 or not np.isfinite(core).all():
        lab, probs, scores = np.full(m, -1, dtype=np.int64), np.zeros(m), np.zeros(m)
    else:
        src, dst, dist = _prim_mst(U, core)
        tree = _condense(*_single_linkage(src, dst, dist, w), w, min_cluster_size)
        if tree.child.size == 0:
            lab, probs, scores = np.full(m, -1, dtype=np.int64), np.zeros(m), np.zeros(m)
        else:
            lab, probs, scores = _label_points(tree,
                                               _select_clusters(tree, cluster_selection_epsilon))
    new, probs, n_heavy = promote_heavy_locations(lab, probs, w, min_cluster_size)
    if n_heavy:
        # a location that is a whole cluster is at its cluster's highest density
        scores = np.where(new != lab, 0.0, scores)
        logger.info("HDBSCAN: %d locations holding %d or more incidents each were left out "
                    "of every cluster by the hierarchy; each is a cluster of its own, not "
                    "noise", n_heavy, min_cluster_size)
    return new, probs, scores


@dataclass
class _Result:
    labels: np.ndarray  # per input row
    eps: float | None
    eps_reason: str | None
    n_locations: int
    probabilities: np.ndarray | None
    outlier_scores: np.ndarray | None


def _cluster(X: np.ndarray, sample_weight: np.ndarray | None, *, method: str,
             eps: float | str | None, min_samples: int, min_cluster_size: int,
             cluster_selection_epsilon: float, collapse_duplicates: bool) -> _Result:
    """Cluster the rows of ``X`` (validated, finite, float64); labels per row."""
    n = len(X)
    if collapse_duplicates:
        U, inverse, counts = _collapse(X)
        rank = np.arange(len(U))  # U is sorted by (x, y)
    else:
        U, inverse, counts = X, np.arange(n), np.ones(n, dtype=np.int64)
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort(X.T[::-1])] = np.arange(n)
    m = len(U)
    if sample_weight is None:
        w = counts.astype(np.float64)
    else:
        w = np.bincount(inverse, weights=sample_weight, minlength=m)
    logger.debug("clustering %d rows at %d distinct locations", n, m)

    probs = scores = None
    eps_used: float | None = None
    reason: str | None = None
    if method == "dbscan":
        if eps is None or isinstance(eps, str):
            core = _core_distances(U, w, min_samples)
            # default: the k-distance knee; "arcgis" keeps ArcGIS's rule, which chains dense
            # districts into one cluster (issue 15)
            rule = _eps_rule if eps == "arcgis" else eps_knee
            eps_used, reason = rule(core, counts, min_samples)
            logger.info("DBSCAN search distance eps = %.6g m (%s)", eps_used, reason)
        else:
            eps_used, reason = float(eps), "given"
        if math.isnan(eps_used):
            lab = np.full(m, -1, dtype=np.int64)
        else:
            # kd_tree: the neighbour lists are of locations, not incidents, so they stay small
            lab = DBSCAN(eps=eps_used, min_samples=min_samples, algorithm="kd_tree").fit(
                U, sample_weight=w).labels_
    else:
        lab, probs, scores = _weighted_hdbscan(
            U, w, min_samples=min_samples, min_cluster_size=min_cluster_size,
            cluster_selection_epsilon=cluster_selection_epsilon)
    lab = _relabel(lab, counts, rank)
    return _Result(
        labels=lab[inverse], eps=eps_used, eps_reason=reason, n_locations=m,
        probabilities=None if probs is None else probs[inverse],
        outlier_scores=None if scores is None else scores[inverse],
    )


# =========================================================================================
# Input checks
# =========================================================================================
def _check_params(est: IncidentClusterer) -> dict[str, Any]:
    caller = "IncidentClusterer"

    def fail(name: str, expected: str, value: Any) -> ValueError:
        return ValueError(f"The '{name}' parameter of {caller} must be {expected}. "
                          f"Got {value!r} instead.")

    if est.method not in METHODS:
        raise fail("method", "one of 'dbscan', 'hdbscan'", est.method)
    eps = est.eps
    if isinstance(eps, str):
        if eps not in EPS_RULES:
            raise fail("eps", "None, 'knee', 'arcgis' or a finite number > 0 (metres)", eps)
    elif eps is not None:
        if (isinstance(eps, bool) or not isinstance(eps, Real) or not math.isfinite(eps)
                or eps <= 0):
            raise fail("eps", "None, 'knee', 'arcgis' or a finite number > 0 (metres)", eps)
        eps = float(eps)
    ms = est.min_samples
    if isinstance(ms, bool) or not isinstance(ms, Integral) or ms < 1:
        raise fail("min_samples", "an int >= 1", ms)
    mcs = est.min_cluster_size
    if isinstance(mcs, bool) or not isinstance(mcs, Integral) or mcs < 2:
        raise fail("min_cluster_size", "an int >= 2", mcs)
    cse = est.cluster_selection_epsilon
    if (isinstance(cse, bool) or not isinstance(cse, Real) or not math.isfinite(cse)
            or cse < 0):
        raise fail("cluster_selection_epsilon", "a finite number >= 0 (metres)", cse)
    if not isinstance(est.collapse_duplicates, bool | np.bool_):
        raise fail("collapse_duplicates", "a bool", est.collapse_duplicates)
    return {"method": est.method, "eps": eps, "min_samples": int(ms),
            "min_cluster_size": int(mcs), "cluster_selection_epsilon": float(cse),
            "collapse_duplicates": bool(est.collapse_duplicates)}


def _check_geo_crs(crs: Any, name: str) -> None:
    if crs is not None and is_geographic(crs):
        raise CRSError(Problem(
            "geographic_crs",
            f"{name} is in {normalize_crs(crs)} (longitude/latitude in degrees); clustering "
            "needs distances in metres. Project it first, e.g. "
            f"{name}.to_crs('EPSG:27700').",
        ))
    if crs is not None:
        from pyproj import CRS

        c = CRS.from_user_input(crs)
        op = c.coordinate_operation
        if c.to_epsg() in (3857, 900913) or (
            op is not None and "pseudo mercator" in op.method_name.lower()
        ):
            # Web Mercator "metres" are stretched by 1/cos(latitude), ~1.6 in Britain
            raise CRSError(Problem(
                "web_mercator",
                f"{name} is in {normalize_crs(crs)} (Web Mercator), whose metres are "
                "stretched by 1/cos(latitude), about 1.6 in Britain, so eps would be wrong. "
                f"Project it first, e.g. {name}.to_crs('EPSG:27700').",
            ))


def _points_xy(geoms: gpd.GeoSeries, name: str) -> np.ndarray:
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


# =========================================================================================
# The estimator
# =========================================================================================
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
    >>> import numpy as np
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
        params = _check_params(self)
        if isinstance(X, gpd.GeoDataFrame | gpd.GeoSeries):
            _check_geo_crs(X.crs, "X")
            geoms = X.geometry if isinstance(X, gpd.GeoDataFrame) else X
            X = _points_xy(geoms, "X")
        X = validate_data(self, X, dtype=np.float64)
        sw = _check_sample_weight(sample_weight, X.shape[0])
        res = _cluster(X, sw, **params)
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


# =========================================================================================
# Incident-frame verbs
# =========================================================================================
def _sheet_rows(incidents: Any, positions: np.ndarray) -> tuple[int, ...]:
    """Spreadsheet row numbers of the first few positions (``source_row`` when present)."""
    positions = np.asarray(positions)[:5]
    if isinstance(incidents, gpd.GeoDataFrame) and schema.SOURCE_ROW in incidents.columns:
        rows = pd.to_numeric(incidents[schema.SOURCE_ROW], errors="coerce").to_numpy()
        if np.isfinite(rows[positions]).all():
            return tuple(int(r) for r in rows[positions])
    return tuple(int(p) + 2 for p in positions)


def _located_mask(incidents: gpd.GeoDataFrame | gpd.GeoSeries, caller: str) -> np.ndarray:
    """Rows with a usable location: status 'located' (when the column exists) and a point."""
    geoms = incidents.geometry
    has_geom = ~(geoms.isna() | geoms.is_empty).to_numpy()
    located = has_geom.copy()
    if isinstance(incidents, gpd.GeoDataFrame) and schema.LOCATION_STATUS in incidents.columns:
        status = incidents[schema.LOCATION_STATUS].astype("string").fillna(schema.UNKNOWN)
        said_located = (status == schema.LOCATED).to_numpy()
        inconsistent = said_located & ~has_geom
        if inconsistent.any():
            warnings.warn(
                f"{caller}: {int(inconsistent.sum())} rows have location_status 'located' but "
                "no geometry; they are counted as unknown location.",
                DataQualityWarning, stacklevel=3,
            )
        located &= said_located
    kinds = geoms.geom_type.to_numpy()
    bad = located & (kinds != "Point")
    if bad.any():
        raise ValidationError(Problem(
            "non_point_geometry",
            f"incidents must be points; found {sorted(set(kinds[bad]))}.",
            n_rows=int(bad.sum()), rows=_sheet_rows(incidents, np.flatnonzero(bad)),
            column="geometry",
        ), context=caller)
    return located


def _prepare_frame(incidents: Any, caller: str) -> gpd.GeoDataFrame | gpd.GeoSeries:
    if not isinstance(incidents, gpd.GeoDataFrame | gpd.GeoSeries):
        raise TypeError(f"{caller}: 'incidents' should be a GeoDataFrame, got "
                        f"{type(incidents).__name__}.")
    _check_geo_crs(incidents.crs, "incidents")
    return ensure_bng(incidents, name="incidents")


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
    """
    caller = "cluster_incidents"
    incidents = _prepare_frame(incidents, caller)
    located = _located_mask(incidents, caller)
    n, n_located = len(incidents), int(located.sum())
    if n_located == 0:
        raise EmptyDataError(Problem(
            "no_located_incidents",
            f"none of the {n} incidents has a location, so there is nothing to cluster.",
        ), context=caller)
    sw = None
    if weights is not None:
        if not isinstance(incidents, gpd.GeoDataFrame) or weights not in incidents.columns:
            raise ValidationError(Problem(
                "missing_column", f"incidents has no column {weights!r} to use as weights.",
                column=weights), context=caller)
        sw = pd.to_numeric(incidents[weights], errors="coerce").to_numpy(dtype=float)[located]
        bad = ~np.isfinite(sw) | (sw < 0)
        if bad.any():
            pos = np.flatnonzero(located)[np.flatnonzero(bad)]
            raise ValidationError(Problem(
                "invalid_weight", "weights must be finite numbers >= 0.",
                n_rows=int(bad.sum()), rows=_sheet_rows(incidents, pos), column=weights,
            ), context=caller)
    est = IncidentClusterer(
        method, eps=eps, min_samples=min_samples, min_cluster_size=min_cluster_size,
        cluster_selection_epsilon=cluster_selection_epsilon,
        collapse_duplicates=collapse_duplicates,
    )
    xy = _points_xy(incidents.geometry[located], "incidents")
    est.fit(xy, sample_weight=sw)
    values = np.full(n, pd.NA, dtype=object)
    values[located] = est.labels_
    out = pd.Series(pd.array(values, dtype="Int64"), index=incidents.index, name="cluster")
    n_noise = int((est.labels_ < 0).sum())
    out.attrs["hotspots"] = {
        "function": caller, "method": method,
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
    if method == "dbscan" and (eps is None or isinstance(eps, str)) and n_located:
        # The ArcGIS rule keeps 99% of incidents within reach of a core point, so on data
        # with a sparse background it can chain most of a district into one cluster.
        largest = int(np.bincount(est.labels_[est.labels_ >= 0]).max()) \
            if est.n_clusters_ else 0
        if largest > 0.5 * n_located:
            out.attrs["hotspots"]["eps_warning"] = (
                f"one cluster holds {largest:,} of {n_located:,} located incidents"
            )
            warnings.warn(
                f"{caller}: the automatic search distance ({est.eps_:,.0f} m, "
                f"{'ArcGIS' if eps == 'arcgis' else 'k-distance knee'} rule) "
                f"put {largest:,} of {n_located:,} located incidents in one cluster. Pass a "
                f"smaller eps or a larger min_samples to separate hot spots.",
                UserWarning, stacklevel=2,
            )
    return out


def _join_counts(values: pd.Series, groups: np.ndarray, *, with_counts: bool,
                 top: int | None) -> dict[int, str]:
    """Per group: 'name n, name n' (or names only), most frequent first, ties by name."""
    frame = pd.DataFrame({"g": groups, "v": values.astype("string").to_numpy()}).dropna()
    if frame.empty:
        return {}
    counts = frame.groupby(["g", "v"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values(["g", "n", "v"], ascending=[True, False, True])
    out = {}
    for g, sub in counts.groupby("g", sort=False):
        if top is not None:
            sub = sub.head(top)
        parts = [f"{v} {k}" if with_counts else str(v)
                 for v, k in zip(sub["v"], sub["n"], strict=True)]
        out[int(g)] = ", ".join(parts)
    return out


def _area_columns(sub: gpd.GeoDataFrame, areas: Any) -> tuple[pd.Series | None,
                                                              pd.Series | None, Any]:
    """Ward and constituency names of the rows ``sub``, from ``areas`` or existing columns."""
    if areas is not None and len(sub):
        from hotspots.areas import assign_areas  # imported late: only needed with areas

        levels = list(areas.level_names)
        lower = "ward" if "ward" in levels else levels[0]
        upper = "constituency" if "constituency" in levels else levels[-1]
        assigned = assign_areas(sub, areas, levels=list(dict.fromkeys([lower, upper])))
        note = {"name": getattr(areas, "name", None), "vintage": getattr(areas, "vintage", None),
                "levels": [lower, upper]}
        return (assigned[schema.area_name_column(lower)],
                assigned[schema.area_name_column(upper)], note)
    ward = sub["ward"] if "ward" in sub.columns else None
    cons = sub["constituency"] if "constituency" in sub.columns else None
    return ward, cons, "columns" if ward is not None or cons is not None else None


def cluster_summary(
    incidents: gpd.GeoDataFrame,
    labels: pd.Series | Sequence[Any] | np.ndarray,
    *,
    hull: str = "convex",
    concave_ratio: float = 0.3,
    areas: Any = None,
    top: int = 3,
    buffer: float = DEGENERATE_BUFFER,
) -> gpd.GeoDataFrame:
    """One row per cluster: size, share, dates, top categories, areas and an outline.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents that were clustered (canonical frame, projected CRS).
    labels : pandas.Series or array-like
        The cluster of each incident, as returned by :func:`cluster_incidents`: aligned to
        ``incidents.index`` (a Series) or in row order (an array); ``-1`` noise, ``<NA>``
        no location.
    hull : {"convex", "concave"}, default="convex"
        Outline of a cluster's incident locations: ``shapely.convex_hull`` or
        ``shapely.concave_hull(ratio=concave_ratio)``.
    concave_ratio : float, default=0.3
        ``ratio`` of :func:`shapely.concave_hull` (0 = tightest, 1 = convex).
    areas : hotspots.areas.AreaSet, optional
        Boundaries used to name the wards and constituencies (via
        :func:`hotspots.areas.assign_areas`). Without it, existing ``ward`` and
        ``constituency`` columns of ``incidents`` are used, if any.
    top : int, default=3
        Number of categories listed in ``top_categories``.
    buffer : float, default=10.0
        Metres by which a degenerate outline (a cluster whose locations are one point or lie
        on one line, e.g. two snap points) is buffered so that it is still a polygon.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cluster (noise excluded), sorted by ``n`` descending then
        ``cluster_id``; RangeIndex; the CRS of ``incidents``. Columns:

        - ``cluster_id`` (int64): the label;
        - ``n`` (int64): incidents in the cluster;
        - ``share`` (float): ``n`` / number of located incidents (those with a label,
          noise included; incidents without a location are not in the denominator);
        - ``first``, ``last`` (datetime64): earliest and latest ``occurred`` (NaT if none);
        - ``top_categories`` (str): the ``top`` most frequent categories with counts,
          e.g. ``"Violence and sexual offences 12, Shoplifting 7, Public order 3"`` (ties
          by name);
        - ``wards`` (str): the wards holding the cluster's incidents, most incidents first,
          comma-separated (``"Outside district"`` when some lie outside); ``<NA>`` when no
          area information is available;
        - ``constituency`` (str): the constituency holding most of the cluster's incidents,
          followed by any others, most incidents first;
        - ``centroid_x``, ``centroid_y`` (float): mean location of the cluster's incidents
          (each incident counts once);
        - ``geometry``: the hull polygon of the cluster's distinct locations.

        ``attrs["hotspots"]`` records ``function``, ``hull``, ``concave_ratio``, ``buffer``,
        ``share_of``, ``n_located``, ``n_unknown``, ``n_noise``, ``n_clusters``, ``areas``
        and, when ``labels`` came from :func:`cluster_incidents`, its record as
        ``clustering``.

    Raises
    ------
    TypeError
        If ``incidents`` is not a GeoDataFrame.
    ValueError
        If ``labels`` does not align with ``incidents``, a labelled row has no point, or a
        parameter is invalid.
    hotspots.errors.CRSError
        If ``incidents`` has no CRS or a geographic one.

    Notes
    -----
    A hull of one or two distinct locations (or of collinear ones) is a point or a line;
    it is buffered by ``buffer`` metres so that every cluster has an area to draw and test.
    """
    caller = "cluster_summary"
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise TypeError(f"{caller}: 'incidents' should be a GeoDataFrame, got "
                        f"{type(incidents).__name__}.")
    if hull not in HULLS:
        raise ValueError(f"The 'hull' parameter of {caller} must be one of 'convex', "
                         f"'concave'. Got {hull!r} instead.")
    if not (isinstance(concave_ratio, Real) and 0 <= concave_ratio <= 1):
        raise ValueError(f"The 'concave_ratio' parameter of {caller} must be a float in "
                         f"[0, 1]. Got {concave_ratio!r} instead.")
    if isinstance(top, bool) or not isinstance(top, Integral) or top < 1:
        raise ValueError(f"The 'top' parameter of {caller} must be an int >= 1. "
                         f"Got {top!r} instead.")
    if not (isinstance(buffer, Real) and math.isfinite(buffer) and buffer > 0):
        raise ValueError(f"The 'buffer' parameter of {caller} must be a number > 0. "
                         f"Got {buffer!r} instead.")
    _check_geo_crs(incidents.crs, "incidents")
    record = getattr(labels, "attrs", {}).get("hotspots") if isinstance(labels, pd.Series) \
        else None
    if isinstance(labels, pd.Series):
        if not labels.index.equals(incidents.index):
            if len(labels.index) != len(incidents.index) or \
                    not labels.index.sort_values().equals(incidents.index.sort_values()):
                raise ValueError(f"{caller}: labels.index does not match incidents.index.")
            labels = labels.reindex(incidents.index)
        lab = pd.array(labels.to_numpy(), dtype="Int64")
    else:
        lab = pd.array(np.asarray(labels, dtype=object), dtype="Int64")
        if len(lab) != len(incidents):
            raise ValueError(f"{caller}: {len(lab)} labels for {len(incidents)} incidents.")
    has_label = ~np.asarray(lab.isna())
    lab_np = np.where(has_label, lab.to_numpy(dtype=np.int64, na_value=-2), -2)
    geoms = incidents.geometry
    no_geom = (geoms.isna() | geoms.is_empty).to_numpy()
    if (has_label & no_geom).any():
        raise ValueError(f"{caller}: {int((has_label & no_geom).sum())} labelled incidents "
                         "have no geometry; pass the labels of cluster_incidents() for this "
                         "frame.")
    in_cluster = lab_np >= 0
    n_located = int(has_label.sum())
    pos = np.flatnonzero(in_cluster)
    g = lab_np[pos]
    sub = incidents.iloc[pos]
    xy = _points_xy(sub.geometry, "incidents") if pos.size else np.empty((0, 2))

    ids, n_per = np.unique(g, return_counts=True)
    summary = pd.DataFrame({"cluster_id": ids.astype(np.int64), "n": n_per.astype(np.int64)})
    summary["share"] = summary["n"] / n_located if n_located else np.nan
    if schema.OCCURRED in sub.columns and pos.size:
        t = pd.to_datetime(sub[schema.OCCURRED]).to_numpy()
        dates = pd.DataFrame({"g": g, "t": t}).groupby("g")["t"].agg(["min", "max"])
        summary["first"] = dates["min"].reindex(ids).to_numpy()
        summary["last"] = dates["max"].reindex(ids).to_numpy()
    else:
        summary["first"] = pd.Series(pd.NaT, index=summary.index, dtype="datetime64[ns]")
        summary["last"] = pd.Series(pd.NaT, index=summary.index, dtype="datetime64[ns]")
    if schema.CATEGORY in sub.columns and pos.size:
        tops = _join_counts(sub[schema.CATEGORY], g, with_counts=True, top=top)
        summary["top_categories"] = [tops.get(int(i), "") for i in ids]
    else:
        summary["top_categories"] = ""

    ward, cons, area_note = _area_columns(sub, areas)
    for col, series in (("wards", ward), ("constituency", cons)):
        if series is None:
            summary[col] = pd.array([pd.NA] * len(summary), dtype="string")
        else:
            joined = _join_counts(series, g, with_counts=False, top=None)
            summary[col] = pd.array([joined.get(int(i), pd.NA) for i in ids], dtype="string")

    if pos.size:
        cx = np.bincount(np.searchsorted(ids, g), weights=xy[:, 0]) / n_per
        cy = np.bincount(np.searchsorted(ids, g), weights=xy[:, 1]) / n_per
    else:
        cx = cy = np.empty(0)
    summary["centroid_x"] = cx
    summary["centroid_y"] = cy
    summary["geometry"] = _hulls(xy, np.searchsorted(ids, g), len(ids), hull, concave_ratio,
                                 buffer)

    summary = summary.sort_values(["n", "cluster_id"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)
    out = gpd.GeoDataFrame(summary, geometry="geometry", crs=incidents.crs)
    out.attrs["hotspots"] = {
        "function": caller, "hull": hull,
        "concave_ratio": concave_ratio if hull == "concave" else None, "buffer": buffer,
        "share_of": "located incidents (noise included, unknown location excluded)",
        "n_incidents": len(incidents), "n_located": n_located,
        "n_unknown": int(len(incidents) - n_located), "n_noise": int((lab_np == -1).sum()),
        "n_clusters": len(out), "areas": area_note, "clustering": record,
    }
    return out


def _hulls(xy: np.ndarray, group: np.ndarray, k: int, hull: str, ratio: float,
           buffer: float) -> np.ndarray:
    """Hull polygon per group of the distinct locations; points and lines are buffered."""
    if k == 0:
        return np.empty(0, dtype=object)
    # distinct (group, x, y) only: hulls of thousands of copies of one point are wasteful
    table = np.unique(np.column_stack([group, xy]), axis=0)
    mp = shapely.multipoints(table[:, 1:], indices=table[:, 0].astype(np.intp))
    shapes = shapely.convex_hull(mp) if hull == "convex" else shapely.concave_hull(
        mp, ratio=ratio)
    kinds = shapely.get_type_id(shapes)
    polygonal = np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    shapes = np.where(polygonal, shapes, shapely.buffer(shapes, buffer))
    return shapes
