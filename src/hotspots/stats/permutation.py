"""Fast conditional randomisation for local statistics built on a neighbour sum.

Gi* and Local Moran's I of observation i both depend on the data only through its own value
y_i and the sum of its k_i neighbours' values. Under conditional randomisation (esda's
``crand``) y_i stays put and the neighbours are a draw without replacement from the other
n - 1 values, so the null distribution of observation i depends on nothing but the pair
(k_i, y_i). Incident counts take few distinct values and grids have few distinct
neighbourhood sizes, so 150,000 cells typically form only a few hundred pairs: simulating
the null once per pair instead of once per cell makes 9,999 permutations of a city-wide
grid take about a second. This is the moving-window idea applied to the null: like the
window sums, the permutation work no longer grows with the number of cells.

The pool "all values but one copy of y_i" is the sorted values with one position removed,
so a single matrix of draws (R rows of ``max(k)`` distinct positions among n - 1) serves
every pair: position p maps to ``sorted[p + (p >= first position of y_i)]``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["GROUPED_MIN_N", "conditional_counts", "distinct_draws", "null_groups"]

#: Below this many observations the per-observation draws of esda's ``crand`` are used
#: (cheap anyway, and draw-for-draw reproducible against a plain loop).
GROUPED_MIN_N = 100


def null_groups(values: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (k, value) pairs and, for each observation, the index of its pair.

    Parameters
    ----------
    values : numpy.ndarray of float, shape (n,)
        Values of the observations.
    k : numpy.ndarray of int, shape (n,)
        Number of neighbours of each observation (self excluded).

    Returns
    -------
    pairs : numpy.ndarray of shape (g, 2)
        The distinct pairs (k, value), as float.
    inverse : numpy.ndarray of int, shape (n,)
        ``pairs[inverse[i]] == (k[i], values[i])``.

    Examples
    --------
    >>> pairs, inv = null_groups(np.array([0.0, 2, 0, 2]), np.array([3, 3, 3, 5]))
    >>> pairs.tolist(), inv.tolist()
    ([[3.0, 0.0], [3.0, 2.0], [5.0, 2.0]], [0, 1, 0, 2])
    """
    keys = np.column_stack([k.astype(float), values.astype(float)])
    pairs, inverse = np.unique(keys, axis=0, return_inverse=True)
    return pairs, inverse.ravel()


def distinct_draws(
    rng: np.random.Generator, pool: int, size: int, rows: int
) -> np.ndarray:
    """``rows`` independent draws of ``size`` distinct integers in ``[0, pool)``.

    Integers are drawn with replacement and rows holding a repeat are redrawn without
    replacement: a row kept is uniform over distinct tuples (conditioning i.i.d. draws on
    being distinct), a row redrawn is uniform by construction, so every row is an exact
    draw without replacement. With ``size`` much smaller than ``pool`` almost no row
    repeats, which is what makes this far faster than ``rows`` calls to ``rng.choice``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    pool, size, rows : int
        Population size, draws per row (``size <= pool``) and number of rows.

    Returns
    -------
    numpy.ndarray of int64, shape (rows, size)

    Examples
    --------
    >>> d = distinct_draws(np.random.default_rng(0), 10, 4, 1000)
    >>> d.shape, bool((np.diff(np.sort(d, axis=1), axis=1) > 0).all())
    ((1000, 4), True)
    """
    if size > pool:
        raise ValueError(f"cannot draw {size} distinct values from {pool}.")
    if size == 0:
        return np.zeros((rows, 0), dtype=np.int64)
    if size * size > pool:  # repeats would be common: draw each row directly
        return np.stack([rng.choice(pool, size=size, replace=False) for _ in range(rows)])
    draws = rng.integers(0, pool, size=(rows, size), dtype=np.int64)
    srt = np.sort(draws, axis=1)
    bad = np.flatnonzero((np.diff(srt, axis=1) == 0).any(axis=1))
    for r in bad:
        draws[r] = rng.choice(pool, size=size, replace=False)
    return draws


def conditional_counts(
    values: ArrayLike,
    n_neighbours: ArrayLike,
    observed: ArrayLike,
    *,
    permutations: int,
    rng: np.random.Generator,
    tol: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Count simulated neighbour sums at or above / at or below the observed sums.

    Conditional randomisation simulated once per distinct (k_i, y_i) pair (see the module
    notes). Ties within ``tol`` count on both sides.

    Parameters
    ----------
    values : array-like of shape (n,)
        Values of all observations.
    n_neighbours : array-like of int, shape (n,)
        k_i (self excluded), at most n - 1.
    observed : array-like of shape (n,)
        Observed neighbour sums (self excluded).
    permutations : int
        R, the number of simulated sums per observation.
    rng : numpy.random.Generator
        Source of randomness.
    tol : numpy.ndarray of shape (n,)
        Absolute tolerance for ties.

    Returns
    -------
    ge, le : numpy.ndarray of int64, shape (n,)
        #{sim >= obs - tol} and #{sim <= obs + tol} out of R.

    Examples
    --------
    >>> y = np.repeat([0.0, 1.0], 500)
    >>> k = np.full(1000, 4)
    >>> ge, le = conditional_counts(y, k, np.full(1000, 4.0), permutations=999,
    ...                             rng=np.random.default_rng(0), tol=np.full(1000, 1e-9))
    >>> bool((ge < 120).all() and (le == 999).all())  # P(all 4 are ones) is about 1/16
    True
    """
    y = np.asarray(values, dtype=float).ravel()
    k = np.asarray(n_neighbours, dtype=np.int64).ravel()
    obs = np.asarray(observed, dtype=float).ravel()
    n = y.size
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    kmax = int(k.max()) if n else 0
    if kmax == 0:
        ge[:] = le[:] = permutations
        return ge, le
    srt = np.sort(y)
    # (kmax, R): summing k contiguous rows is much faster than k columns of an (R, k) array
    draws = np.ascontiguousarray(distinct_draws(rng, n - 1, kmax, permutations).T)
    pairs, inverse = null_groups(y, k)
    first = np.searchsorted(srt, pairs[:, 1], side="left")
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(pairs.shape[0] + 1))
    for g in range(pairs.shape[0]):
        members = order[bounds[g] : bounds[g + 1]]
        kg = int(pairs[g, 0])
        if kg == 0:
            ge[members] = le[members] = permutations
            continue
        idx = draws[:kg]
        sims = srt[idx + (idx >= first[g])].sum(axis=0)
        o = obs[members]
        t = tol[members]
        if members.size <= 32:  # a few comparisons cost less than sorting R sums
            ge[members] = (sims[:, None] >= (o - t)[None, :]).sum(axis=0)
            le[members] = (sims[:, None] <= (o + t)[None, :]).sum(axis=0)
        else:
            sims.sort()
            ge[members] = permutations - np.searchsorted(sims, o - t, side="left")
            le[members] = np.searchsorted(sims, o + t, side="right")
    return ge, le
