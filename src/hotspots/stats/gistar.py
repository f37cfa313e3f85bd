"""Getis-Ord Gi* (local G with the cell itself included), numpy/scipy only.

Two kernels compute the same statistic:

- :func:`gistar_grid` for regular square or hexagonal grids. The neighbourhood of every cell
  has the same shape, so the sums the statistic needs are moving-window sums of the value
  grid and of the study mask. No weights matrix is built; the cost is O(cells x rows of the
  window) and the result equals the weights-matrix computation exactly for integer counts.
- :func:`gistar_sparse` for irregular units (wards, LSOAs) with a sparse weights matrix.

Both use the formula of Getis & Ord (1992) as implemented by ArcGIS, spdep ``localG`` and
esda ``G_Local(transform="B", star=True)``. With self-weights included, W_i = sum_j w_ij,
S1_i = sum_j w_ij^2, the mean x_bar and the population variance s^2 = sum (x - x_bar)^2 / n::

    z_i = (sum_j w_ij x_j - x_bar W_i) / sqrt(s^2 (n S1_i - W_i^2) / (n - 1))

and the p-value is two-sided, 2 Phi(-|z|) (esda's ``p_norm`` is one-sided: ours is twice it).

Conditional permutation inference (as esda's ``crand``) is available for binary weights:
the cell keeps its own value and its neighbours are drawn without replacement from the other
cells, ``permutations`` times; p_sim = (M + 1) / (R + 1).

References
----------
Getis, A. & Ord, J. K. (1992). The analysis of spatial association by use of distance
statistics. *Geographical Analysis*, 24(3), 189-206.

Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation statistics: distributional
issues and an application. *Geographical Analysis*, 27(4), 286-306.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.special import ndtr

from hotspots.stats.multiple import PADJUST_METHODS, adjust_pvalues
from hotspots.stats.permutation import GROUPED_MIN_N, conditional_counts, null_groups

__all__ = [
    "ALTERNATIVES",
    "GI_BIN_LEVELS",
    "NEIGHBOR_TOLERANCE",
    "GiStarResult",
    "LatticeRun",
    "adjust_pvalues",
    "gi_bin",
    "gistar_grid",
    "gistar_sparse",
    "lattice_runs",
    "neighbourhood_sum",
    "permutation_counts",
    "permutation_pvalues",
    "two_sided_p",
]

#: Relative tolerance on the neighbour distance, so that cells whose centres sit at exactly
#: ``neighbor_distance`` (diagonal neighbours at cell_size * sqrt(2)) count despite rounding.
NEIGHBOR_TOLERANCE = 1e-6

#: Significance levels of the ArcGIS ``Gi_Bin`` field: |bin| 3, 2, 1 at 99, 95, 90 %.
GI_BIN_LEVELS = (0.01, 0.05, 0.10)

#: Accepted ``alternative`` values for permutation p-values.
ALTERNATIVES = ("two-sided", "greater", "lesser")

GridType = Literal["square", "hex"]


@dataclass(frozen=True)
class GiStarResult:
    """Gi* statistics, one value per observation (grid cell or area).

    For grid results every array has the grid's shape ``(nrow, ncol)`` and holds NaN (or 0
    for the counts) at cells outside the study mask; for sparse results arrays are 1-D.

    Attributes
    ----------
    z : numpy.ndarray
        Gi* z-score (esda ``G_Local(...).Zs``). NaN where undefined (no variance in the
        values, or a neighbourhood that covers every observation).
    p_norm : numpy.ndarray
        Two-sided p-value from the normal approximation, ``2 * Phi(-|z|)``.
    lag : numpy.ndarray
        Sum of the values in the neighbourhood, self included (``sum_j w_ij x_j``).
    weight_sum : numpy.ndarray
        W_i, the sum of weights in the neighbourhood (the neighbourhood size for binary
        weights, self included).
    expected : numpy.ndarray
        Expected lag under the null, ``x_bar * W_i``.
    variance : numpy.ndarray
        Variance of the lag under the null, ``s^2 (n S1_i - W_i^2) / (n - 1)``.
    n_neighbours : numpy.ndarray
        Number of neighbours in the study area, the observation itself excluded (int).
    n : int
        Number of observations (cells in the mask, or areas).
    mean : float
        Mean of the values, x_bar.
    std : float
        Population standard deviation of the values, s.
    p_sim : numpy.ndarray or None
        Permutation p-value when ``permutations > 0``, else None.
    permutations : int
        Number of permutations used (0 when none).
    """

    z: np.ndarray
    p_norm: np.ndarray
    lag: np.ndarray
    weight_sum: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    n_neighbours: np.ndarray
    n: int
    mean: float
    std: float
    p_sim: np.ndarray | None = None
    permutations: int = 0


@dataclass(frozen=True)
class LatticeRun:
    """One row of a lattice neighbourhood: cells ``dc in [lo, hi]`` in row offset ``dr``.

    Attributes
    ----------
    parity : int or None
        Row parity (0 or 1) of the target cells this run applies to; None on square grids
        (the same window for every row).
    dr : int
        Row offset of the neighbouring row.
    lo, hi : int
        Inclusive range of column offsets.
    """

    parity: int | None
    dr: int
    lo: int
    hi: int


def two_sided_p(z: ArrayLike) -> np.ndarray:
    """Two-sided normal p-value ``2 * Phi(-|z|)``; NaN stays NaN.

    Parameters
    ----------
    z : array-like of float
        z-scores.

    Returns
    -------
    numpy.ndarray
        p-values in [0, 1], same shape as ``z``.

    Examples
    --------
    >>> float(two_sided_p(1.959963984540054).round(6))
    0.05
    """
    z = np.asarray(z, dtype=float)
    return 2.0 * ndtr(-np.abs(z))


def lattice_runs(
    cell_size: float, neighbor_distance: float, grid_type: GridType = "square"
) -> list[LatticeRun]:
    """Describe the neighbourhood of a lattice cell as runs of column offsets per row.

    A cell's neighbours are the cells whose centres lie within ``neighbor_distance`` of its
    centre, itself included, with a relative tolerance of :data:`NEIGHBOR_TOLERANCE`. On a
    square grid the window is the same for every cell; on a hexagonal grid (pointy-topped,
    odd rows shifted right by half a cell, as :class:`hotspots.grid.Grid`) it depends on
    the parity of the cell's row.

    Parameters
    ----------
    cell_size : float
        Centre-to-centre spacing of neighbouring cells in a row.
    neighbor_distance : float
        Largest centre-to-centre distance of a neighbour, same units as ``cell_size``.
    grid_type : {"square", "hex"}
        Lattice type.

    Returns
    -------
    list of LatticeRun
        One run per (parity, row offset) with at least one cell.

    Examples
    --------
    >>> runs = lattice_runs(100.0, 100.0 * 2**0.5)  # queen contiguity
    >>> [(r.dr, r.lo, r.hi) for r in runs]
    [(-1, -1, 1), (0, -1, 1), (1, -1, 1)]
    >>> sum(r.hi - r.lo + 1 for r in lattice_runs(100.0, 141.5, "hex") if r.parity == 0)
    7
    """
    if not cell_size > 0 or not neighbor_distance >= 0:
        raise ValueError("cell_size must be > 0 and neighbor_distance >= 0.")
    # squared distance limit in units of cell_size, with the tolerance applied to the distance
    t = (neighbor_distance * (1.0 + NEIGHBOR_TOLERANCE) / cell_size) ** 2
    row_gap = 1.0 if grid_type == "square" else math.sqrt(3.0) / 2.0
    max_dr = math.floor(math.sqrt(t) / row_gap)
    max_dc = math.ceil(math.sqrt(t)) + 1
    runs: list[LatticeRun] = []
    parities: Sequence[int | None] = (None,) if grid_type == "square" else (0, 1)
    for parity in parities:
        for dr in range(-max_dr, max_dr + 1):
            shift = 0.0
            if parity is not None:
                # odd rows sit half a cell to the right of even rows
                shift = 0.5 * (((parity + dr) & 1) - parity)
            dc = np.arange(-max_dc, max_dc + 1)
            ok = (dc + shift) ** 2 + (dr * row_gap) ** 2 <= t
            if ok.any():
                runs.append(LatticeRun(parity, dr, int(dc[ok].min()), int(dc[ok].max())))
    return runs


def neighbourhood_sum(values: np.ndarray, runs: Sequence[LatticeRun]) -> np.ndarray:
    """Moving-window sum of a 2-D array over a lattice neighbourhood (zero outside).

    Parameters
    ----------
    values : numpy.ndarray of shape (nrow, ncol)
        Values per cell; cells that must not count (outside the study area) hold 0.
    runs : sequence of LatticeRun
        The neighbourhood, from :func:`lattice_runs`.

    Returns
    -------
    numpy.ndarray of shape (nrow, ncol)
        ``out[i, j] = sum of values[i + dr, j + dc]`` over the neighbourhood of cell (i, j).

    Notes
    -----
    Short runs are added slice by slice, long runs through prefix sums along the row, so a
    radius of r cells costs O(r) per cell rather than O(r^2). Sums of integer-valued floats
    are exact either way.
    """
    a = np.asarray(values, dtype=float)
    nrow, ncol = a.shape
    out = np.zeros_like(a)
    if not runs:
        return out
    pr = max(abs(r.dr) for r in runs)
    pc = max(max(abs(r.lo), abs(r.hi)) for r in runs)
    padded = np.zeros((nrow + 2 * pr, ncol + 2 * pc))
    padded[pr : pr + nrow, pc : pc + ncol] = a
    prefix: np.ndarray | None = None
    for run in runs:
        if run.parity is None:
            target = slice(0, nrow)
            source = slice(pr + run.dr, pr + run.dr + nrow)
        else:
            target = slice(run.parity, nrow, 2)
            source = slice(pr + run.dr + run.parity, pr + run.dr + nrow, 2)
        width = run.hi - run.lo + 1
        if width <= 8:
            for dc in range(run.lo, run.hi + 1):
                out[target] += padded[source, pc + dc : pc + dc + ncol]
        else:
            if prefix is None:
                prefix = np.zeros((padded.shape[0], padded.shape[1] + 1))
                np.cumsum(padded, axis=1, out=prefix[:, 1:])
            hi = pc + run.hi + 1
            lo = pc + run.lo
            out[target] += prefix[source, hi : hi + ncol] - prefix[source, lo : lo + ncol]
    return out


def _zscores(
    lag: np.ndarray, w_sum: np.ndarray, s1: np.ndarray, mean: float, var: float, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    expected = mean * w_sum
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = var * (n * s1 - w_sum**2) / (n - 1) if n > 1 else np.full_like(lag, np.nan)
        z = (lag - expected) / np.sqrt(variance)
    z = np.where(np.isfinite(z), z, np.nan)
    return z, expected, variance


def _check_permutations(permutations: int) -> int:
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)):
        raise ValueError(
            f"The 'permutations' parameter must be 0 or an int in [99, 99999]. "
            f"Got {permutations!r} instead."
        )
    if permutations != 0 and not 99 <= permutations <= 99_999:
        raise ValueError(
            f"The 'permutations' parameter must be 0 or an int in [99, 99999]. "
            f"Got {permutations!r} instead."
        )
    return int(permutations)


def gistar_grid(
    values: ArrayLike,
    mask: ArrayLike | None = None,
    *,
    cell_size: float = 1.0,
    neighbor_distance: float | None = None,
    grid_type: GridType = "square",
    permutations: int = 0,
    alternative: str = "two-sided",
    random_state: int | np.random.Generator | None = None,
) -> GiStarResult:
    """Gi* on a regular grid by moving-window sums (binary weights, self included).

    Parameters
    ----------
    values : array-like of shape (nrow, ncol)
        Value per cell (usually an incident count). Values outside ``mask`` are ignored.
    mask : array-like of bool, shape (nrow, ncol), optional
        Cells of the study area. Only these are observations (n = ``mask.sum()``) and only
        these count as neighbours. Default: every cell.
    cell_size : float
        Centre-to-centre spacing of the grid (the hexagon width for hex grids).
    neighbor_distance : float, optional
        Cells whose centres lie within this distance are neighbours (with a relative
        tolerance of 1e-6). Default ``cell_size * sqrt(2)``: the 8 queen neighbours on a
        square grid, the 6 adjacent cells on a hex grid (sfhotspot's default).
    grid_type : {"square", "hex"}
        Lattice layout; hex rows follow :class:`hotspots.grid.Grid` (odd rows shifted right).
    permutations : int
        0 for analytic inference only, else the number of conditional permutations
        (99 to 99,999) for ``p_sim``.
    alternative : {"two-sided", "greater", "lesser"}
        Alternative hypothesis of ``p_sim``.
    random_state : int, numpy.random.Generator or None
        Seed or generator for the permutations.

    Returns
    -------
    GiStarResult
        Arrays of shape ``(nrow, ncol)``; NaN outside the mask (0 for ``n_neighbours``).

    Raises
    ------
    ValueError
        On shape mismatches, non-finite values inside the mask, or bad parameters.

    Notes
    -----
    Equivalent to ``esda.G_Local(y, w, transform="B", star=True)`` with ``w`` a libpysal
    ``DistanceBand`` on the centres of the masked cells (threshold
    ``neighbor_distance * (1 + 1e-6)``), to rounding error. Cells at the edge of the study
    area have fewer neighbours; the formula accounts for that through W_i, and
    ``n_neighbours`` reports it.

    Examples
    --------
    A single busy cell among empty ones is not a significant cluster on its own:

    >>> y = np.zeros((5, 5)); y[2, 2] = 10
    >>> r = gistar_grid(y)
    >>> round(float(r.z[2, 2]), 4), int(r.n_neighbours[2, 2]), int(r.n_neighbours[0, 0])
    (1.3333, 8, 3)
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"values must be a 2-D grid; got an array of shape {y.shape}.")
    m = np.ones(y.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != y.shape:
        raise ValueError(f"mask has shape {m.shape} but values have shape {y.shape}.")
    if not np.isfinite(y[m]).all():
        raise ValueError("values must be finite at every cell of the mask.")
    if neighbor_distance is None:
        neighbor_distance = cell_size * math.sqrt(2.0)
    permutations = _check_permutations(permutations)
    runs = lattice_runs(cell_size, neighbor_distance, grid_type)
    mf = m.astype(float)
    ym = np.where(m, y, 0.0)
    lag = neighbourhood_sum(ym, runs)
    w_sum = neighbourhood_sum(mf, runs)
    n = int(m.sum())
    vals = y[m]
    mean = float(vals.mean()) if n else math.nan
    var = float(((vals - mean) ** 2).mean()) if n else math.nan
    z, expected, variance = _zscores(lag, w_sum, w_sum, mean, var, n)
    nan = np.nan
    z = np.where(m, z, nan)
    p_sim = None
    if permutations:
        k = (w_sum[m] - 1).round().astype(np.int64)
        flat = permutation_pvalues(
            vals, k, lag[m] - vals, permutations=permutations, alternative=alternative,
            random_state=random_state,
        )
        p_sim = np.full(y.shape, nan)
        p_sim[m] = flat
    return GiStarResult(
        z=z,
        p_norm=two_sided_p(z),
        lag=np.where(m, lag, nan),
        weight_sum=np.where(m, w_sum, nan),
        expected=np.where(m, expected, nan),
        variance=np.where(m, variance, nan),
        n_neighbours=np.where(m, w_sum - 1, 0).round().astype(np.int64),
        n=n,
        mean=mean,
        std=math.sqrt(var) if n else math.nan,
        p_sim=p_sim,
        permutations=permutations,
    )


def gistar_sparse(
    values: ArrayLike,
    weights: sparse.sparray | sparse.spmatrix,
    *,
    include_self: bool = True,
    permutations: int = 0,
    alternative: str = "two-sided",
    random_state: int | np.random.Generator | None = None,
) -> GiStarResult:
    """Gi* with a sparse weights matrix (areal units such as wards or LSOAs).

    Parameters
    ----------
    values : array-like of shape (n,)
        Value per observation.
    weights : scipy sparse matrix or array of shape (n, n)
        Spatial weights, row i holding the neighbours of observation i. Any non-negative
        weights are accepted for the analytic z; permutations need binary weights.
    include_self : bool
        If True (Gi*), set the diagonal to 1, replacing any self-weights present. If
        False the diagonal is used as given (a zero diagonal gives Gi with this formula's
        moments, which is *not* esda's Gi).
    permutations : int
        0, or 99 to 99,999 conditional permutations for ``p_sim`` (binary weights only).
    alternative : {"two-sided", "greater", "lesser"}
        Alternative hypothesis of ``p_sim``.
    random_state : int, numpy.random.Generator or None
        Seed or generator for the permutations.

    Returns
    -------
    GiStarResult
        1-D arrays of length n.

    Raises
    ------
    ValueError
        On shape mismatches, negative weights or non-finite values, or permutations with
        non-binary weights.

    Notes
    -----
    The z-score uses S1_i = sum_j w_ij^2, so it is also correct for non-binary weights and,
    like ArcGIS, invariant to rescaling a row (row standardisation has no effect).

    Examples
    --------
    The test vector of esda's documentation and ANCHORS b1 (DistanceBand threshold 15):

    >>> from scipy.spatial.distance import cdist
    >>> pts = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)])
    >>> w = sparse.csr_array((cdist(pts, pts) <= 15).astype(float))
    >>> gistar_sparse([2, 3, 3.2, 5, 8, 7], w).z.round(6).tolist()
    [-1.397276, -0.289178, 0.65065, -0.289178, 1.234521, 2.024243]
    """
    y = np.asarray(values, dtype=float).ravel()
    w = sparse.csr_array(weights, dtype=float)
    n = y.size
    if w.shape != (n, n):
        raise ValueError(f"weights has shape {w.shape} but there are {n} values.")
    if not np.isfinite(y).all():
        raise ValueError("values must be finite.")
    if w.nnz and (w.data < 0).any():
        raise ValueError("weights must be non-negative.")
    permutations = _check_permutations(permutations)
    if include_self:
        w = w.tolil()
        w.setdiag(1.0)
        w = sparse.csr_array(w)
    w.eliminate_zeros()
    lag = w @ y
    w_sum = np.asarray(w.sum(axis=1)).ravel()
    s1 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    mean = float(y.mean()) if n else math.nan
    var = float(((y - mean) ** 2).mean()) if n else math.nan
    z, expected, variance = _zscores(lag, w_sum, s1, mean, var, n)
    diag = w.diagonal()
    n_nb = np.diff(w.indptr) - (diag != 0)
    p_sim = None
    if permutations:
        off = w.copy()
        off.setdiag(0.0)
        off.eliminate_zeros()
        if off.nnz and not np.all(off.data == 1.0):
            raise ValueError("permutation inference needs binary weights (all 0 or 1).")
        if not np.all((diag == 0) | (diag == 1)):
            raise ValueError("permutation inference needs a self-weight of 0 or 1.")
        k = np.diff(off.indptr).astype(np.int64)
        p_sim = permutation_pvalues(
            y, k, lag - diag * y, permutations=permutations, alternative=alternative,
            random_state=random_state,
        )
    return GiStarResult(
        z=z,
        p_norm=two_sided_p(z),
        lag=lag,
        weight_sum=w_sum,
        expected=expected,
        variance=variance,
        n_neighbours=n_nb.astype(np.int64),
        n=n,
        mean=mean,
        std=math.sqrt(var) if n else math.nan,
        p_sim=p_sim,
        permutations=permutations,
    )


def permutation_pvalues(
    values: ArrayLike,
    n_neighbours: ArrayLike,
    observed: ArrayLike,
    *,
    permutations: int = 999,
    alternative: str = "two-sided",
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Conditional-permutation p-values for a binary-weights local sum (vectorised).

    For each observation i the statistic is the sum of its neighbours' values (i itself
    excluded). Under the null the neighbours are a random draw without replacement from the
    other n - 1 observations. As in esda's ``crand``, each permutation draws one random set
    of ``max(k)`` positions among n - 1 and observation i uses its first ``k_i``, with
    positions at or after i shifted by one so that i never draws itself.

    Parameters
    ----------
    values : array-like of shape (n,)
        Values of all observations.
    n_neighbours : array-like of int, shape (n,)
        k_i, the number of neighbours of each observation (self excluded).
    observed : array-like of shape (n,)
        The observed neighbour sums (self excluded).
    permutations : int
        R, the number of permutations (99 to 99,999).
    alternative : {"two-sided", "greater", "lesser"}
        ``"greater"``: p = (#{sim >= obs} + 1) / (R + 1); ``"lesser"`` likewise with
        ``<=``; ``"two-sided"``: twice the smaller of the two, capped at 1.
    random_state : int, numpy.random.Generator or None
        Seed or generator.

    Returns
    -------
    numpy.ndarray of shape (n,)
        Pseudo p-values, each at least 1 / (R + 1).

    Raises
    ------
    ValueError
        If ``alternative`` is unknown or some k_i exceeds n - 1.

    Notes
    -----
    With at least :data:`~hotspots.stats.permutation.GROUPED_MIN_N` observations whose
    (k_i, y_i) pairs number at most n / 2 (incident counts), the null is simulated once per
    pair (:func:`hotspots.stats.permutation.conditional_counts`): the same distribution,
    with work O(R x pairs x max(k)) instead of O(R x n x max(k)), so 9,999 permutations
    of 150,000 cells take seconds. Otherwise (few or continuous values) the draws are
    esda's, observation by observation, in blocks of about 4 million numbers.
    Because the smallest two-sided p-value is 2 / (R + 1), a false discovery rate over
    thousands of cells needs many permutations before any cell can be significant.
    """
    if alternative not in ALTERNATIVES:
        shown = ", ".join(repr(a) for a in ALTERNATIVES)
        raise ValueError(
            f"The 'alternative' parameter must be one of {shown}. Got {alternative!r} instead."
        )
    permutations = _check_permutations(permutations)
    if permutations == 0:
        raise ValueError("permutation_pvalues needs permutations > 0.")
    y = np.asarray(values, dtype=float).ravel()
    k = np.asarray(n_neighbours, dtype=np.int64).ravel()
    obs = np.asarray(observed, dtype=float).ravel()
    n = y.size
    if k.size != n or obs.size != n:
        raise ValueError("values, n_neighbours and observed must have the same length.")
    rng = np.random.default_rng(random_state)
    ge, le = permutation_counts(y, k, obs, permutations=permutations, rng=rng)
    r1 = permutations + 1.0
    if alternative == "greater":
        return (ge + 1) / r1
    if alternative == "lesser":
        return (le + 1) / r1
    return np.minimum(1.0, 2.0 * (np.minimum(ge, le) + 1) / r1)


def permutation_counts(
    values: np.ndarray,
    n_neighbours: np.ndarray,
    observed: np.ndarray,
    *,
    permutations: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Count simulated neighbour sums at or above, and at or below, each observed sum.

    The engine of :func:`permutation_pvalues` (same draws, same rules), exposed for other
    local statistics built on a neighbour sum (Local Moran's I).

    Parameters
    ----------
    values : numpy.ndarray of float, shape (n,)
        Values of all observations.
    n_neighbours : numpy.ndarray of int, shape (n,)
        k_i, the number of neighbours of each observation (self excluded).
    observed : numpy.ndarray of float, shape (n,)
        The observed neighbour sums (self excluded).
    permutations : int
        R.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ge, le : numpy.ndarray of int64
        #{sim >= obs} and #{sim <= obs} out of R (ties within 1e-9 relative on both sides).

    Examples
    --------
    >>> ge, le = permutation_counts(np.arange(5.0), np.ones(5, int), np.full(5, 10.0),
    ...                             permutations=99, rng=np.random.default_rng(0))
    >>> ge.tolist(), le.tolist()
    ([0, 0, 0, 0, 0], [99, 99, 99, 99, 99])
    """
    y = np.asarray(values, dtype=float).ravel()
    k = np.asarray(n_neighbours, dtype=np.int64).ravel()
    obs = np.asarray(observed, dtype=float).ravel()
    n = y.size
    kmax = int(k.max()) if n else 0
    if kmax > n - 1:
        raise ValueError("an observation has more neighbours than there are other observations.")
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    # ties between a simulated and the observed sum must not depend on summation order
    tol = 1e-9 * (np.abs(obs) + 1.0)
    if kmax == 0:
        ge[:] = le[:] = permutations
    elif n >= GROUPED_MIN_N and null_groups(y, k)[0].shape[0] * 2 <= n:
        # counts: one simulated null per distinct (k, value) pair (stats.permutation)
        ge, le = conditional_counts(y, k, obs, permutations=permutations, rng=rng, tol=tol)
    else:
        idx = np.arange(n)
        block = max(1, 4_000_000 // max(kmax, 1))
        perm_chunk = int(min(permutations, max(1, block // max(n, 1)), 256)) or 1
        cell_chunk = int(max(1, min(n, block // perm_chunk)))
        done = 0
        while done < permutations:
            p = min(perm_chunk, permutations - done)
            rids = np.stack([rng.choice(n - 1, size=kmax, replace=False) for _ in range(p)])
            base = y[rids]
            diff = y[rids + 1] - base
            cum = np.zeros((p, kmax + 1))
            np.cumsum(base, axis=1, out=cum[:, 1:])
            for c0 in range(0, n, cell_chunk):
                c1 = min(n, c0 + cell_chunk)
                kc = k[c0:c1]
                sims = cum[:, kc]
                ids = idx[c0:c1]
                for j in range(int(kc.max())):
                    shifted = (rids[:, j : j + 1] >= ids[None, :]) & (j < kc)[None, :]
                    sims += shifted * diff[:, j : j + 1]
                ge[c0:c1] += (sims >= (obs[c0:c1] - tol[c0:c1])).sum(axis=0)
                le[c0:c1] += (sims <= (obs[c0:c1] + tol[c0:c1])).sum(axis=0)
            done += p
    return ge, le


def gi_bin(z: ArrayLike, p: ArrayLike, *, method: str = "fdr_bh") -> np.ndarray:
    """ArcGIS ``Gi_Bin``: -3..3 from the sign of z and significance at 99, 95 and 90 %.

    Parameters
    ----------
    z : array-like of float
        Gi* z-scores.
    p : array-like of float
        Raw two-sided p-values (NaN for cells without a test).
    method : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}
        Multiple-testing correction. With ``"fdr_bh"`` this is ArcGIS's "Apply False
        Discovery Rate correction": at each level alpha in (0.10, 0.05, 0.01) the
        Benjamini-Hochberg cut-off is the largest sorted p_(k) with p_(k) <= (k/n) alpha,
        and cells with p at or below it are significant at that level.

    Returns
    -------
    numpy.ndarray of int8
        3 / 2 / 1 for hot spots significant at 99 / 95 / 90 %, the negatives for cold spots,
        0 otherwise (and for NaN).

    Notes
    -----
    A cell is significant at level alpha when its adjusted p-value is <= alpha. For BH this
    is identical to the step-up cut-off above (the adjusted p-value is the smallest alpha
    at which the cell would be rejected).

    Examples
    --------
    >>> gi_bin([3.0, -2.2, 1.7, 0.5], [0.0027, 0.028, 0.089, 0.62], method="none").tolist()
    [3, -2, 1, 0]
    """
    if method not in PADJUST_METHODS:
        shown = ", ".join(repr(m) for m in PADJUST_METHODS)
        raise ValueError(f"The 'method' parameter must be one of {shown}. Got {method!r} instead.")
    z = np.asarray(z, dtype=float)
    padj = adjust_pvalues(np.asarray(p, dtype=float), method)
    level = np.zeros(z.shape, dtype=np.int8)
    for value, alpha in zip((1, 2, 3), GI_BIN_LEVELS[::-1], strict=True):
        level = np.where(padj <= alpha, np.int8(value), level)
    sign = np.sign(np.nan_to_num(z)).astype(np.int8)
    return (level * sign).astype(np.int8)
