r"""Colocation quotient (Leslie & Kronenfeld 2011) with a label-permutation test.

The global colocation quotient of category A with category B asks: among the nearest
neighbours of A points, is B more common than it is in the whole point set? With points of
every category pooled (``N`` points, ``N_A`` of A, ``N_B`` of B)

.. math::

    CLQ_{A \to B} = \frac{C_{A \to B} / N_A}{N'_B / (N - 1)},\qquad
    C_{A \to B} = \sum_{i \in A} \sum_{j \ne i} w_{ij} f_{ij},

where ``f_ij`` is 1 when neighbour ``j`` of ``i`` is a B point, ``w_ij`` are the weights of
the ``k`` nearest neighbours of ``i`` normalised to sum to 1 (equal weights "box", as Leslie &
Kronenfeld with ``k = 1``; or a Gaussian kernel whose bandwidth is the distance to the
``k``-th neighbour, as ArcGIS Pro "Colocation Analysis"), and ``N'_B = N_B`` when A and B
differ, ``N_B - 1`` when they are the same category (a point is not its own neighbour).
Under random labelling of fixed locations the expected value is exactly 1; above 1 B
clusters around A, below 1 B avoids A.

The test permutes the category labels over the fixed locations (ArcGIS's "random
labelling" null) and counts permuted quotients at least as large (colocation) or at most
as small (isolation) as the observed one: ``p = (1 + #) / (1 + permutations)``. Ties count
as "at least as large", so with box weights and a small ``k`` (where quotients often tie)
the p-values are conservative; Gaussian weights make the statistic continuous.

Pure numpy/scipy; the frame-level helper is :func:`hotspots.episodes.found_colocation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["ColocationResult", "colocation_quotient"]

#: Labels processed at once in the permutation loop (bounds memory: batch x n x k floats).
_BATCH_BYTES = 64_000_000


@dataclass(frozen=True)
class ColocationResult:
    r"""A global colocation quotient and its permutation test.

    Attributes
    ----------
    clq : float
        :math:`CLQ_{A \to B}`; NaN when there is no A point or no other B point.
    n : int
        Points in the pooled set; ``n_a``, ``n_b`` of each category.
    k : int
        Neighbours per point.
    kernel : str
        ``"box"`` or ``"gaussian"``.
    p_colocation : float
        Share of permuted quotients >= the observed (with the observed counted once).
    p_isolation : float
        Share of permuted quotients <= the observed.
    permutations : int
        Label permutations drawn (0: no test, p-values NaN).
    expected : float
        Mean of the permuted quotients (NaN without permutations); 1 in expectation.
    """

    clq: float
    n: int
    n_a: int
    n_b: int
    k: int
    kernel: str
    p_colocation: float
    p_isolation: float
    permutations: int
    expected: float


def _neighbour_weights(xy: np.ndarray, k: int, kernel: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the k nearest other points of each point (n, k) and their normalised weights."""
    tree = cKDTree(xy)
    # k + 1 because the query returns the point itself first (distance 0); with duplicate
    # locations another point may come first, so drop the point's own index explicitly
    dist, idx = tree.query(xy, k=k + 1)
    dist, idx = dist.reshape(len(xy), k + 1), idx.reshape(len(xy), k + 1)
    own = idx == np.arange(len(xy))[:, None]
    # rows where the point itself was not returned (k+1 coincident points): drop the last
    no_self = ~own.any(axis=1)
    own[no_self, -1] = True
    keep = ~own
    idx = idx[keep].reshape(len(xy), k)
    dist = dist[keep].reshape(len(xy), k)
    if kernel == "box":
        w = np.ones_like(dist)
    else:
        band = dist[:, -1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(band > 0, np.exp(-0.5 * (dist / np.where(band > 0, band, 1.0)) ** 2),
                         1.0)
    w = w / w.sum(axis=1, keepdims=True)
    return idx, w


def _clq_many(labels_b: np.ndarray, labels_a: np.ndarray, idx: np.ndarray, w: np.ndarray,
              n_a: int, n_b_prime: float, n: int) -> np.ndarray:
    """CLQ for a batch of labelings: ``labels_*`` (m, n) bool."""
    neigh_b = labels_b[:, idx]                     # (m, n, k)
    per_point = (neigh_b * w[None]).sum(axis=2)    # (m, n): weighted share of B neighbours
    c = (per_point * labels_a).sum(axis=1)
    return (c / n_a) / (n_b_prime / (n - 1))


def colocation_quotient(
    xy: Any,
    categories: Any,
    a: Any,
    b: Any,
    *,
    k: int = 8,
    kernel: Literal["box", "gaussian"] = "box",
    permutations: int = 199,
    seed: int | np.random.Generator | None = 0,
) -> ColocationResult:
    """Global colocation quotient of category ``a`` with ``b``, with a permutation test.

    Parameters
    ----------
    xy : array-like, shape (n, 2)
        Point coordinates in a projected CRS (metres), all categories pooled.
    categories : array-like, shape (n,)
        The category of each point (any hashable values).
    a, b : scalar
        The category whose neighbourhoods are examined (``a``) and the one looked for
        (``b``); ``a == b`` measures self-clustering.
    k : int, default 8
        Nearest neighbours per point (ArcGIS's default is 8; Leslie & Kronenfeld use 1).
    kernel : {"box", "gaussian"}, default "box"
        Neighbour weights: equal, or Gaussian with the distance to the ``k``-th neighbour
        as bandwidth (as ArcGIS).
    permutations : int, default 199
        Random relabellings for the p-values; 0 skips the test.
    seed : int, Generator or None
        Seed of the permutations.

    Returns
    -------
    ColocationResult

    Raises
    ------
    ValueError
        When ``xy`` is not (n, 2) finite numbers, lengths differ, or ``k`` is not between
        1 and ``n - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0, 0], [1, 0], [10, 0], [11, 0]], dtype=float)
    >>> r = colocation_quotient(xy, ["a", "b", "a", "b"], "a", "b", k=1, permutations=0)
    >>> round(r.clq, 6)  # every A's nearest neighbour is a B: (2/2) / (2/3)
    1.5
    """
    pts = np.asarray(xy, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2 or not np.isfinite(pts).all():
        raise ValueError("colocation_quotient: xy must be an (n, 2) array of finite "
                         "coordinates (drop points with an unknown location first).")
    cats = np.asarray(categories, dtype=object)
    n = len(pts)
    if len(cats) != n:
        raise ValueError(f"colocation_quotient: {n} points but {len(cats)} categories.")
    k = int(k)
    if not 1 <= k <= n - 1:
        raise ValueError(f"colocation_quotient: k={k} must be between 1 and n - 1 = {n - 1}.")
    if kernel not in ("box", "gaussian"):
        raise ValueError(f"colocation_quotient: kernel must be 'box' or 'gaussian', "
                         f"not {kernel!r}.")
    is_a, is_b = cats == a, cats == b
    n_a, n_b = int(is_a.sum()), int(is_b.sum())
    n_b_prime = n_b - 1 if a == b else n_b
    if n_a == 0 or n_b_prime <= 0:
        return ColocationResult(float("nan"), n, n_a, n_b, k, kernel, float("nan"),
                                float("nan"), 0, float("nan"))
    idx, w = _neighbour_weights(pts, k, kernel)
    obs = float(_clq_many(is_b[None], is_a[None], idx, w, n_a, n_b_prime, n)[0])
    p_hi = p_lo = expected = float("nan")
    permutations = int(permutations)
    if permutations > 0:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        # permute the codes (0 other, 1 A, 2 B, 3 A and B when a == b) over the locations
        code = is_a.astype(np.int8) + 2 * is_b.astype(np.int8)
        batch = max(1, _BATCH_BYTES // (8 * n * k))
        sims = np.empty(permutations)
        done = 0
        while done < permutations:
            m = min(batch, permutations - done)
            perm = rng.permuted(np.broadcast_to(code, (m, n)), axis=1)
            sims[done:done + m] = _clq_many((perm & 2) > 0, (perm & 1) > 0, idx, w, n_a,
                                            n_b_prime, n)
            done += m
        # a relative tolerance so that ties (common with k = 1) count as ties
        tol = 1e-12 * max(1.0, abs(obs))
        p_hi = (1 + int((sims >= obs - tol).sum())) / (1 + permutations)
        p_lo = (1 + int((sims <= obs + tol).sum())) / (1 + permutations)
        expected = float(sims.mean())
    return ColocationResult(obs, n, n_a, n_b, k, kernel, p_hi, p_lo, permutations, expected)
