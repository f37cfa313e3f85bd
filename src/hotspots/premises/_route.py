"""Operations and routes of a visit plan: complete-linkage groups, nearest neighbour + 2-opt.

Pure geometry on arrays of x, y in metres; :func:`hotspots.premises.visit_plan` chooses the
premises and writes the tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["group", "nearest_neighbour_route", "path_length", "route", "two_opt"]


def group(xy: np.ndarray, max_span: float, max_size: int) -> np.ndarray:
    """Labels 0..k-1 of groups with span <= max_span and at most max_size members."""
    labels = np.zeros(len(xy), dtype=np.int64)
    if len(xy) == 1:
        return labels
    # sklearn is imported on first use: it costs ~1 s of start-up (issue 15)
    from sklearn.cluster import AgglomerativeClustering

    # complete linkage: a merge happens only below the threshold, so every group's largest
    # pairwise distance is below max_span
    first = AgglomerativeClustering(n_clusters=None, distance_threshold=max_span,
                                    linkage="complete").fit_predict(xy)
    next_label = 0
    for g in np.unique(first):
        members = np.flatnonzero(first == g)
        for sub in _split(xy, members, max_size):
            labels[sub] = next_label
            next_label += 1
    return labels



def _split(xy: np.ndarray, members: np.ndarray, max_size: int) -> list[np.ndarray]:
    """Split ``members`` by complete linkage until no part has more than ``max_size``."""
    if len(members) <= max_size:
        return [members]
    from sklearn.cluster import AgglomerativeClustering  # on first use, as in group()

    k = int(np.ceil(len(members) / max_size))
    sub = AgglomerativeClustering(n_clusters=k, linkage="complete").fit_predict(xy[members])
    parts: list[np.ndarray] = []
    for g in np.unique(sub):
        parts.extend(_split(xy, members[sub == g], max_size))
    return parts



def path_length(xy: np.ndarray, order: Sequence[int]) -> float:
    """Length of the open path through ``xy`` in ``order`` (straight lines, metres)."""
    pts = xy[list(order)]
    return float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0



def nearest_neighbour_route(xy: np.ndarray) -> list[int]:
    """Open path from point 0, always to the nearest unvisited point (ties: lower index)."""
    n = len(xy)
    route = [0]
    left = list(range(1, n))
    while left:
        here = xy[route[-1]]
        d = np.hypot(*(xy[left] - here).T)
        k = int(np.argmin(d))
        route.append(left.pop(k))
    return route



def two_opt(xy: np.ndarray, route: list[int]) -> list[int]:
    """Improve an open path with a fixed start by segment reversals (2-opt)."""
    route = list(route)
    n = len(route)
    if n < 3:
        return route

    def dist(a: int, b: int) -> float:
        return float(np.hypot(*(xy[a] - xy[b])))

    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                a, b = route[i - 1], route[i]
                c = route[j]
                before = dist(a, b)
                after = dist(a, c)
                if j + 1 < n:
                    d = route[j + 1]
                    before += dist(c, d)
                    after += dist(b, d)
                if after < before - 1e-9:
                    route[i:j + 1] = route[i:j + 1][::-1]
                    improved = True
    return route



def route(xy: np.ndarray) -> np.ndarray:
    """Visit order (positions into ``xy``; ``xy[0]`` is the start): nearest neighbour + 2-opt."""
    return np.asarray(two_opt(xy, nearest_neighbour_route(xy)), dtype=np.int64)

