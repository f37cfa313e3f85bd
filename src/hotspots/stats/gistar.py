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
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from hotspots._params import rename_keyword
from hotspots.stats.multiple import PADJUST_METHODS, adjust_pvalues
from hotspots.stats.permutation import GROUPED_MIN_N, conditional_counts, null_groups
from hotspots.stats.window import (
    NEIGHBOUR_TOLERANCE,
    GridType,
    LatticeRun,
    lattice_runs,
    neighbourhood_sum,
    window_sums,
)

if TYPE_CHECKING:
    from scipy import sparse

#: The old spelling, kept for one release.
NEIGHBOR_TOLERANCE = NEIGHBOUR_TOLERANCE

__all__ = [
    "ALTERNATIVES",
    "GI_BIN_LEVELS",
    "NEIGHBOR_TOLERANCE",
    "NEIGHBOUR_TOLERANCE",
    "GiStarCells",
    "GiStarResult",
    "LatticeRun",
    "adjust_pvalues",
    "gi_bin",
    "gistar_cells",
    "gistar_grid",
    "gistar_sparse",
    "lattice_runs",
    "neighbourhood_sum",
    "permutation_counts",
    "permutation_pvalues",
    "two_sided_p",
]

#: Significance levels of the ArcGIS ``Gi_Bin`` field: |bin| 3, 2, 1 at 99, 95, 90 %.
GI_BIN_LEVELS = (0.01, 0.05, 0.10)

#: Accepted ``alternative`` values for permutation p-values.
ALTERNATIVES = ("two-sided", "greater", "lesser")


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

    Examples
    --------
    >>> from hotspots.stats import GiStarResult, gistar_grid
    >>> y = np.zeros((5, 5)); y[2, 2] = 10
    >>> r = gistar_grid(y)
    >>> isinstance(r, GiStarResult), r.n, r.mean, r.weight_sum[2, 2], r.lag[0, 0]
    (True, 25, 0.4, np.float64(9.0), np.float64(0.0))
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


#: z-scores up to which two_sided_p uses math.erfc: the cells of a district at 50 m (at
#: most 80 ms when every value differs, a few ms for counts)
_ERFC_SIZE = 150_000
_ERFC = np.frompyfunc(math.erfc, 1, 1)
_SQRT_HALF = math.sqrt(0.5)


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
    if z.size > _ERFC_SIZE:
        # imported here: scipy.special takes 0.2 s to import (its array-API layer)
        from scipy.special import ndtr

        return 2.0 * ndtr(-np.abs(z))
    # 2 * Phi(-|z|) = erfc(|z| / sqrt(2)) from the standard library, once per distinct
    # |z|: Gi* on counts has few (a window sum and a neighbour count make each one). Up to
    # _ERFC_SIZE values this costs less than importing scipy.special, which a process that
    # tests a grid of a district need not pay; the two agree within 3e-14 (relative).
    scaled = np.abs(z) * _SQRT_HALF
    ranked = np.sort(scaled, axis=None)
    ranked = ranked[: np.searchsorted(ranked, np.nan)]  # the NaNs sort last: drop them
    new = np.empty(ranked.size, dtype=bool)
    new[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    distinct = ranked[new]
    # a NaN is not found among the numbers: it lands past them, on the NaN appended
    tail = np.append(_ERFC(distinct).astype(float), np.nan)
    return tail[np.searchsorted(distinct, scaled)]


def _zscores(
    lag: np.ndarray, w_sum: np.ndarray, s1: np.ndarray, mean: float, var: float, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    expected = mean * w_sum
    with np.errstate(invalid="ignore", divide="ignore"):
        if n > 1:
            # var * (n S1 - W^2) / (n - 1), in place (the same operations, so the same bits)
            variance = n * s1
            variance -= np.multiply(w_sum, w_sum)
            variance *= var
            variance /= n - 1
        else:
            variance = np.full_like(lag, np.nan)
        z = lag - expected
        z /= np.sqrt(variance)
    np.copyto(z, np.nan, where=~np.isfinite(z))
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


@rename_keyword("neighbor_distance", "neighbour_distance")
def gistar_grid(
    values: ArrayLike,
    mask: ArrayLike | None = None,
    *,
    cell_size: float = 1.0,
    neighbour_distance: float | None = None,
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
    neighbour_distance : float, optional
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
    ``neighbour_distance * (1 + 1e-6)``), to rounding error. Cells at the edge of the study
    area have fewer neighbours; the formula accounts for that through W_i, and
    ``n_neighbours`` reports it.

    Examples
    --------
    A single busy cell among empty ones is not a significant cluster on its own:

    >>> from hotspots.stats import gistar_grid
    >>> y = np.zeros((5, 5)); y[2, 2] = 10
    >>> r = gistar_grid(y)
    >>> round(float(r.z[2, 2]), 4), int(r.n_neighbours[2, 2]), int(r.n_neighbours[0, 0])
    (1.3333, 8, 3)
    """
    permutations = _check_permutations(permutations)
    win = window_sums(values, mask, cell_size=cell_size, neighbour_distance=neighbour_distance,
                      grid_type=grid_type)
    y, m, lag, w_sum = win.values, win.mask, win.value_sum, win.mask_sum
    n, vals, mean, var = _moments(y, m)
    z, expected, variance = _zscores(lag, w_sum, w_sum, mean, var, n)
    nan = np.nan
    z = np.where(m, z, nan)
    p_sim = None
    if permutations:
        p_sim = np.full(y.shape, nan)
        p_sim[m] = _grid_p_sim(vals, lag[m], w_sum[m], permutations, alternative, random_state)
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


def _moments(y: np.ndarray, m: np.ndarray) -> tuple[int, np.ndarray, float, float]:
    """Count the observations (cells in ``m``); return n, their values, mean and variance."""
    n = int(m.sum())
    vals = y[m]
    mean = float(vals.mean()) if n else math.nan
    var = float(((vals - mean) ** 2).mean()) if n else math.nan
    return n, vals, mean, var


def _grid_p_sim(vals: np.ndarray, lag: np.ndarray, w_sum: np.ndarray, permutations: int,
                alternative: str, random_state: int | np.random.Generator | None
                ) -> np.ndarray:
    """Permutation p-values of the observations (lag and W_i at the observations)."""
    k = (w_sum - 1).round().astype(np.int64)
    return permutation_pvalues(vals, k, lag - vals, permutations=permutations,
                               alternative=alternative, random_state=random_state)


@dataclass(frozen=True)
class GiStarCells:
    """What the Gi* verb reports, at chosen cells of a grid (:func:`gistar_cells`).

    ``z``, ``p_norm``, ``n_neighbours`` and ``p_sim`` are 1-D, one value per cell asked for,
    equal to the :class:`GiStarResult` arrays of :func:`gistar_grid` at those cells; the
    other attributes are as there.

    Examples
    --------
    >>> import numpy as np
    >>> from hotspots.stats import gistar_cells, gistar_grid
    >>> y = np.arange(16.0).reshape(4, 4)
    >>> cells = gistar_cells(y, None, np.array([5, 10]))
    >>> bool(np.array_equal(cells.z, gistar_grid(y, None).z.ravel()[[5, 10]]))
    True
    """

    z: np.ndarray
    p_norm: np.ndarray
    n_neighbours: np.ndarray
    n: int
    mean: float
    std: float
    p_sim: np.ndarray | None = None
    permutations: int = 0


def gistar_cells(
    values: ArrayLike,
    mask: ArrayLike | None,
    cells: np.ndarray,
    *,
    cell_size: float = 1.0,
    neighbour_distance: float | None = None,
    grid_type: GridType = "square",
    permutations: int = 0,
    random_state: int | np.random.Generator | None = None,
) -> GiStarCells:
    """:func:`gistar_grid` reported at some cells only (flat lattice positions).

    The window sums cover the grid as there, but the z-scores, p-values and neighbour
    counts are worked out at ``cells`` only: a clipped grid's output rows are about half
    of its bounding lattice, and the verb needs nothing else. Each value is computed by
    the same operations as in :func:`gistar_grid`, so it is identical to
    ``gistar_grid(...).z.ravel()[cells]`` (and so on); cells outside ``mask`` get NaN and
    0 neighbours.

    Examples
    --------
    >>> import numpy as np
    >>> from hotspots.stats import gistar_cells
    >>> y = np.zeros((5, 5)); y[2, 2] = 10
    >>> r = gistar_cells(y, None, np.array([12, 0]))
    >>> r.z.round(4).tolist(), r.n_neighbours.tolist()
    ([1.3333, -0.4364], [8, 3])
    """
    permutations = _check_permutations(permutations)
    win = window_sums(values, mask, cell_size=cell_size, neighbour_distance=neighbour_distance,
                      grid_type=grid_type)
    y, m = win.values, win.mask
    n, vals, mean, var = _moments(y, m)
    inside = m.ravel()[cells]
    lag = win.value_sum.ravel()[cells]
    # W_i counts study cells (exact small integers), and the expected lag and the variance
    # depend on W_i alone: they are worked out once per count, by _zscores' operations
    # (so to the same bits), and looked up
    w_sum = win.mask_sum.ravel()[cells].astype(np.intp)
    k = np.arange(int(w_sum.max()) + 1 if w_sum.size else 1, dtype=float)
    _, expected, variance = _zscores(k, k, k, mean, var, n)
    z = lag - expected[w_sum]
    with np.errstate(invalid="ignore", divide="ignore"):
        z /= np.sqrt(variance)[w_sum]
    np.copyto(z, np.nan, where=~(inside & np.isfinite(z)))
    p_sim = None
    if permutations:
        observed = _grid_p_sim(vals, win.value_sum[m], win.mask_sum[m], permutations,
                               "two-sided", random_state)
        full = np.full(y.shape, np.nan)
        full[m] = observed
        p_sim = full.ravel()[cells]
    return GiStarCells(
        z=z,
        p_norm=two_sided_p(z),
        n_neighbours=np.where(inside, w_sum - 1, 0).astype(np.int64),
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

    >>> from scipy import sparse
    >>> from scipy.spatial.distance import cdist
    >>> from hotspots.stats import gistar_sparse
    >>> pts = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)])
    >>> w = sparse.csr_array((cdist(pts, pts) <= 15).astype(float))
    >>> gistar_sparse([2, 3, 3.2, 5, 8, 7], w).z.round(6).tolist()
    [-1.397276, -0.289178, 0.65065, -0.289178, 1.234521, 2.024243]
    """
    y = np.asarray(values, dtype=float).ravel()
    # imported here: scipy.sparse (~20 ms) only serves irregular areas, never the grids
    from scipy import sparse

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

    Examples
    --------
    The first of ten values 0..9 has the largest neighbour sum its two neighbours could
    have (8 + 9, one draw in 36):

    >>> from hotspots.stats import permutation_pvalues
    >>> p = permutation_pvalues(np.arange(10.0), np.full(10, 2), np.r_[17.0, np.full(9, 9.0)],
    ...                         permutations=999, alternative="greater", random_state=0)
    >>> p[:3].tolist()
    [0.032, 0.694, 0.663]
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


def gi_bin(z: ArrayLike, p: ArrayLike, *, method: str = "fdr_bh",
           adjusted: ArrayLike | None = None) -> np.ndarray:
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
    adjusted : array-like of float, optional
        ``adjust_pvalues(p, method)`` when the caller already has it (the verb computes it
        for ``p_adj``); saves sorting the p-values a second time.

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
    >>> from hotspots.stats import gi_bin
    >>> gi_bin([3.0, -2.2, 1.7, 0.5], [0.0027, 0.028, 0.089, 0.62], method="none").tolist()
    [3, -2, 1, 0]
    """
    if method not in PADJUST_METHODS:
        shown = ", ".join(repr(m) for m in PADJUST_METHODS)
        raise ValueError(f"The 'method' parameter must be one of {shown}. Got {method!r} instead.")
    z = np.asarray(z, dtype=float)
    padj = (adjust_pvalues(np.asarray(p, dtype=float), method) if adjusted is None
            else np.asarray(adjusted, dtype=float))
    # the levels are nested (0.01 < 0.05 < 0.10), so the bin is the number of levels met;
    # NaN compares False (bin 0), and a NaN z has sign 0
    level = np.zeros(z.shape, dtype=np.int8)
    for alpha in GI_BIN_LEVELS:
        level += padj <= alpha
    sign = (z > 0).view(np.int8) - (z < 0).view(np.int8)
    return level * sign
