"""Weighted HDBSCAN* over distinct locations, as scikit-learn's HDBSCAN with sample weights.

scikit-learn's :class:`~sklearn.cluster.HDBSCAN` has no sample weights, and on police.uk
snap points (hundreds of crimes at one coordinate) raw HDBSCAN goes wrong in a well-known way:
a repeated coordinate has zero core distance, so it is often a "cluster" of its own, and its
copies can be split between clusters (hdbscan #198, #548). :func:`weighted_hdbscan` runs
HDBSCAN* over the distinct locations, each weighted by its incidents: core distances count
weights (:func:`hotspots.stats.dbscan.core_distances`), the mutual-reachability spanning tree
is built over locations by Prim's algorithm (O(m^2) time, O(m) memory), the condensed tree
counts weights against ``min_cluster_size`` and clusters are chosen by excess of mass. With
unit weights it reproduces scikit-learn label for label (and probability for probability) on
the rows sorted by ``(x, y)``: same spanning tree, same tie-breaking.

A location is held together: it leaves a cluster as one "point" and is never a cluster by
itself in the hierarchy. A police.uk snap point that alone holds many crimes, but lies apart
from other busy points, therefore leaves the hierarchy early and would end as *noise*. On
City of London 2019 (``min_cluster_size=10, min_samples=5``) 41 snap points with 10 or more
crimes each (1,184 crimes, up to 74 at one point) were noise, and an analyst reads "noise"
as "not a hot spot".

:func:`promote_heavy_locations` gives every noise location whose weight reaches
``min_cluster_size`` a cluster of its own: by the definition of ``min_cluster_size`` it is
a cluster-sized group of incidents, and, since its core distance counts its own weight
(a location with ``min_samples`` incidents has core distance 0), it is as dense as any
cluster can be. Clusters found by the hierarchy are unchanged.

With unit weights (raw rows, every weight 1) no location reaches ``min_cluster_size``
(which is at least 2), so the result equals :class:`sklearn.cluster.HDBSCAN` exactly.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from hotspots.stats.dbscan import core_distances

__all__ = ["promote_heavy_locations", "weighted_hdbscan"]


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


def weighted_hdbscan(U: np.ndarray, w: np.ndarray, *, min_samples: int, min_cluster_size: int,
                     cluster_selection_epsilon: float = 0.0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """HDBSCAN* over weighted locations: labels, probabilities and outlier scores per location.

    Parameters
    ----------
    U : numpy.ndarray of float, shape (m, d)
        Distinct locations (sorted by ``(x, y)`` to match scikit-learn on sorted rows).
    w : numpy.ndarray of float, shape (m,)
        Incidents (summed weights) at each location.
    min_samples : int
        Weight within reach (the location's own included) that defines the core distance.
    min_cluster_size : int
        Smallest cluster, in incidents (weight).
    cluster_selection_epsilon : float, default=0.0
        Clusters closer than this are merged, as in scikit-learn.

    Returns
    -------
    labels : numpy.ndarray of int64
        Cluster per location, ``-1`` noise (not yet renumbered by size).
    probabilities : numpy.ndarray of float
        Membership strength (0 for noise).
    outlier_scores : numpy.ndarray of float
        GLOSH outlier score (0 deep inside a cluster, towards 1 an outlier).
    n_promoted : int
        Noise locations that alone held ``min_cluster_size`` incidents and became clusters
        of their own (:func:`promote_heavy_locations`).

    Examples
    --------
    Two tight groups of five and a busy place far from both (12 incidents at one point):

    >>> U = np.array([[0.0, 0], [1, 0], [2, 0], [3, 0], [4, 0],
    ...               [100, 0], [101, 0], [102, 0], [103, 0], [104, 0], [5000, 0]])
    >>> w = np.array([2.0] * 10 + [12.0])
    >>> lab, prob, score, n = weighted_hdbscan(U, w, min_samples=3, min_cluster_size=10)
    >>> lab.tolist(), n
    ([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2], 1)
    """
    m = len(U)
    core = core_distances(U, w, min_samples)
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
    return new, probs, scores, n_heavy


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
