"""Moran's I, local (cluster and outlier analysis) and global, numpy/scipy only.

Local Moran's I (Anselin 1995) as ``esda.Moran_Local`` with its default row-standardised
weights (``transformation="r"``) and ArcGIS "Cluster and Outlier Analysis": with
z = (y - mean) / sd (population sd) and the row-standardised spatial lag
lag_i = mean of z over the neighbours of i (the observation itself excluded)::

    I_i = (n - 1) / n * z_i * lag_i

(esda's ``(n - 1) z_i lag_i / sum z^2``, and sum z^2 = n). The analytic z-score uses esda's
total-randomisation moments (Sokal et al. 1998; ``Moran_Local.EI`` and ``.VI``), with
w_i = 1 and w_i^(2) = 1 / k_i for row-standardised weights and b2 the kurtosis of z::

    E[I_i] = -1 / (n - 1)
    V[I_i] = (n - b2) / (k_i (n - 1)) + (1 - 1 / k_i)(2 b2 - n) / ((n - 1)(n - 2)) - E[I_i]^2

Quadrants follow esda: 1 HH (z > 0, lag > 0), 2 LH, 3 LL, 4 HL.

On a regular grid the lag is a moving-window sum (no weights matrix), as for Gi*; areas use
a sparse binary matrix. Permutation p-values are esda's conditional randomisation with its
"folded" rule, p_sim = (min(#{I_sim >= I}, R - #{I_sim >= I}) + 1) / (R + 1), simulated once
per distinct (k_i, z_i) pair for counts (:mod:`hotspots.stats.permutation`). Our random
draws are not esda's, so ``p_sim`` agrees with esda in distribution, not draw for draw.

Global Moran's I (:func:`moran_global_grid`) uses the same row-standardised weights and
esda ``Moran``'s randomisation z (``z_rand``); it drives the optimized scale search.

References
----------
Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical
Analysis*, 27(2), 93-115.

Sokal, R. R., Oden, N. L. & Thomson, B. A. (1998). Local spatial autocorrelation in a
biological model. *Geographical Analysis*, 30(4), 331-354.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike

from hotspots._params import rename_keyword
from hotspots.stats.gistar import _check_permutations, permutation_counts, two_sided_p
from hotspots.stats.window import checked_grid, neighbourhood_sum, window_sums

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "QUADRANTS",
    "MoranGlobal",
    "MoranLocalResult",
    "moran_global_grid",
    "moran_local_grid",
    "moran_local_sparse",
]

#: esda quadrant codes and the ArcGIS ``COType`` labels they stand for.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}

GridType = Literal["square", "hex"]


@dataclass(frozen=True)
class MoranLocalResult:
    """Local Moran's I, one value per observation (grid-shaped for grids, 1-D for areas).

    Attributes
    ----------
    I : numpy.ndarray
        Local Moran's I (esda ``Is``); 0 for observations without neighbours.
    z : numpy.ndarray
        Analytic z-score ``(I - EI) / sqrt(VI)`` under total randomisation (NaN without
        neighbours or variance).
    p_norm : numpy.ndarray
        Two-sided p-value of ``z``.
    q : numpy.ndarray of int
        Quadrant: 1 HH, 2 LH, 3 LL, 4 HL (esda numbering); 0 outside the study area.
    lag : numpy.ndarray
        Row-standardised spatial lag of the standardised values.
    expected, variance : numpy.ndarray
        ``EI`` and ``VI``.
    n_neighbours : numpy.ndarray of int
        k_i (self excluded).
    n : int
        Number of observations.
    p_sim : numpy.ndarray or None
        esda's folded permutation p-value, when permutations were run.
    permutations : int
        R (0 when none).
    """

    I: np.ndarray  # noqa: E741 - the statistic's name
    z: np.ndarray
    p_norm: np.ndarray
    q: np.ndarray
    lag: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    n_neighbours: np.ndarray
    n: int
    p_sim: np.ndarray | None = None
    permutations: int = 0


def _standardise(y: np.ndarray) -> tuple[np.ndarray, float]:
    mean = y.mean()
    sd = y.std()
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (y - mean) / sd
    m2 = float((z * z).mean()) if sd > 0 else math.nan
    b2 = float((z**4).mean() / m2**2) if sd > 0 else math.nan
    return z, b2


def _local_moments(k: np.ndarray, n: int, b2: float) -> tuple[np.ndarray, np.ndarray]:
    kf = k.astype(float)
    wi = (kf > 0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        wi2 = np.where(kf > 0, 1.0 / kf, 0.0)
    expected = -wi / (n - 1)
    variance = wi2 * (n - b2) / (n - 1)
    variance = variance + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2))
    variance = variance - expected**2
    return expected, variance


def _folded_p(
    z: np.ndarray, ge: np.ndarray, le: np.ndarray, permutations: int
) -> np.ndarray:
    # I_sim >= I  <=>  neighbour sum >= observed sum when z_i > 0, <= when z_i < 0; with
    # z_i = 0 every I_sim equals I = 0 and esda's rule gives 1 / (R + 1): we give 1 instead,
    # as an observation at the mean carries no evidence of clustering or of an outlier.
    larger = np.where(z > 0, ge, le)
    larger = np.minimum(larger, permutations - larger)
    p = (larger + 1.0) / (permutations + 1.0)
    return np.where(z == 0, 1.0, p)


def _result(
    z: np.ndarray,
    nb_sum: np.ndarray,
    k: np.ndarray,
    n: int,
    b2: float,
    permutations: int,
    random_state: int | np.random.Generator | None,
) -> MoranLocalResult:
    with np.errstate(divide="ignore", invalid="ignore"):
        lag = np.where(k > 0, nb_sum / np.maximum(k, 1), 0.0)
    stat = (n - 1) / n * z * lag
    expected, variance = _local_moments(k, n, b2)
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = (stat - expected) / np.sqrt(variance)
    zs = np.where(np.isfinite(zs) & (k > 0), zs, np.nan)
    q = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3)).astype(np.int8)
    p_sim = None
    if permutations:
        rng = np.random.default_rng(random_state)
        ge, le = permutation_counts(z, k, nb_sum, permutations=permutations, rng=rng)
        p_sim = _folded_p(z, ge, le, permutations)
        p_sim = np.where(k > 0, p_sim, np.nan)
    return MoranLocalResult(
        I=stat, z=zs, p_norm=two_sided_p(zs), q=q, lag=lag, expected=expected,
        variance=variance, n_neighbours=k.astype(np.int64), n=n, p_sim=p_sim,
        permutations=permutations,
    )


@rename_keyword("neighbor_distance", "neighbour_distance")
def moran_local_grid(
    values: ArrayLike,
    mask: ArrayLike | None = None,
    *,
    cell_size: float = 1.0,
    neighbour_distance: float | None = None,
    grid_type: GridType = "square",
    permutations: int = 0,
    random_state: int | np.random.Generator | None = None,
) -> MoranLocalResult:
    """Local Moran's I on a regular grid by moving-window sums (row-standardised weights).

    Parameters
    ----------
    values : array-like of shape (nrow, ncol)
        Value per cell; ignored outside ``mask``.
    mask : array-like of bool, optional
        Cells of the study area (observations and possible neighbours). Default: all.
    cell_size : float
        Centre-to-centre spacing.
    neighbour_distance : float, optional
        Neighbours are cells whose centres lie within this distance (1e-6 relative
        tolerance), the cell itself excluded. Default ``cell_size * sqrt(2)`` (queen).
    grid_type : {"square", "hex"}
        Lattice layout, as :func:`hotspots.stats.gistar.gistar_grid`.
    permutations : int
        0, or 99 to 99,999 conditional permutations for ``p_sim``.
    random_state : int, numpy.random.Generator or None
        Seed for the permutations.

    Returns
    -------
    MoranLocalResult
        Arrays of shape ``(nrow, ncol)``, NaN (``q`` 0, ``n_neighbours`` 0) outside the
        mask.

    Notes
    -----
    Equals ``esda.Moran_Local(y, w, transformation="r")`` (``Is``, ``q``, and
    ``(Is - EI) / sqrt(VI)``) to 1e-9, ``w`` a libpysal ``DistanceBand`` of threshold
    ``neighbour_distance * (1 + 1e-6)`` on the centres of the masked cells.

    Examples
    --------
    A busy block is a high-high cluster; a lone busy cell among empty ones an outlier:

    >>> y = np.zeros((7, 7)); y[1:3, 1:3] = 9; y[5, 5] = 9
    >>> r = moran_local_grid(y)
    >>> int(r.q[1, 1]), int(r.q[5, 5]), bool(r.I[1, 1] > 0), bool(r.I[5, 5] < 0)
    (1, 4, True, True)
    """
    y, m = checked_grid(values, mask)
    permutations = _check_permutations(permutations)
    n = int(m.sum())
    if n < 3:
        raise ValueError("Local Moran's I needs at least 3 observations.")
    z_flat, b2 = _standardise(y[m])
    zg = np.zeros(y.shape)
    zg[m] = z_flat
    win = window_sums(zg, m, cell_size=cell_size, neighbour_distance=neighbour_distance,
                      grid_type=grid_type)
    nb_sum = win.value_sum[m] - z_flat
    k = (win.mask_sum[m] - 1).round().astype(np.int64)
    flat = _result(z_flat, nb_sum, k, n, b2, permutations, random_state)

    def grid(a: np.ndarray, fill: float = math.nan, dtype: type = float) -> np.ndarray:
        out: np.ndarray = np.full(y.shape, fill, dtype=dtype)
        out[m] = a
        return out

    return MoranLocalResult(
        I=grid(flat.I), z=grid(flat.z), p_norm=grid(flat.p_norm),
        q=grid(flat.q, 0, np.int8), lag=grid(flat.lag), expected=grid(flat.expected),
        variance=grid(flat.variance), n_neighbours=grid(flat.n_neighbours, 0, np.int64),
        n=n, p_sim=None if flat.p_sim is None else grid(flat.p_sim),
        permutations=permutations,
    )


def moran_local_sparse(
    values: ArrayLike,
    weights: sparse.sparray | sparse.spmatrix,
    *,
    permutations: int = 0,
    random_state: int | np.random.Generator | None = None,
) -> MoranLocalResult:
    """Local Moran's I with a binary neighbour matrix, row-standardised (areal units).

    Parameters
    ----------
    values : array-like of shape (n,)
        Value per observation.
    weights : scipy sparse matrix of shape (n, n)
        Binary neighbours (any diagonal is ignored); rows are standardised here.
    permutations : int
        0, or 99 to 99,999 conditional permutations for ``p_sim``.
    random_state : int, numpy.random.Generator or None
        Seed for the permutations.

    Returns
    -------
    MoranLocalResult
        1-D arrays.

    Examples
    --------
    >>> from scipy import sparse
    >>> w = sparse.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], float))
    >>> r = moran_local_sparse([1.0, 2.0, 9.0], w)
    >>> r.q.tolist(), r.I.round(4).tolist()
    ([3, 2, 4], [0.3158, -0.1053, -0.5263])
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
    if n < 3:
        raise ValueError("Local Moran's I needs at least 3 observations.")
    permutations = _check_permutations(permutations)
    w = w.tolil()
    w.setdiag(0.0)
    w = sparse.csr_array(w)
    w.eliminate_zeros()
    if w.nnz and not np.all(w.data == 1.0):
        raise ValueError("weights must be binary (0 or 1); rows are standardised here.")
    z, b2 = _standardise(y)
    k = np.diff(w.indptr).astype(np.int64)
    return _result(z, w @ z, k, n, b2, permutations, random_state)


@dataclass(frozen=True)
class MoranGlobal:
    """Global Moran's I with row-standardised weights and its randomisation z (esda)."""

    I: float  # noqa: E741 - the statistic's name
    expected: float
    variance: float
    z: float
    n: int


@rename_keyword("neighbor_distance", "neighbour_distance")
def moran_global_grid(
    values: ArrayLike,
    mask: ArrayLike | None = None,
    *,
    cell_size: float = 1.0,
    neighbour_distance: float | None = None,
    grid_type: GridType = "square",
) -> MoranGlobal:
    """Global Moran's I on a grid (row-standardised distance band, moving windows).

    Parameters
    ----------
    values, mask, cell_size, neighbour_distance, grid_type
        As :func:`moran_local_grid`.

    Returns
    -------
    MoranGlobal
        I, E[I] = -1 / (n - 1), the variance and z under randomisation (esda ``Moran``'s
        ``I``, ``EI``, ``VI_rand``, ``z_rand`` with ``transformation="r"``).

    Notes
    -----
    With row-standardised weights w_ij = 1 / k_i on a symmetric neighbour relation,
    S0 = n (cells with neighbours), S1 = sum_i 1 / k_i + sum_i (1 / k_i) sum_{j in N(i)}
    1 / k_j and S2 = sum_i (1 + sum_{j in N(i)} 1 / k_j)^2: moving-window sums again.
    Cells without neighbours contribute nothing to S0, S1 or the cross-product.

    Examples
    --------
    >>> y = np.zeros((10, 10)); y[:5] = 1  # two halves: strong positive autocorrelation
    >>> r = moran_global_grid(y)
    >>> round(r.I, 4), bool(r.z > 5)
    (0.848, True)
    """
    y, m = checked_grid(values, mask)
    n = int(m.sum())
    vals = y[m]
    zc = np.zeros(y.shape)
    zc[m] = vals - vals.mean()
    win = window_sums(zc, m, cell_size=cell_size, neighbour_distance=neighbour_distance,
                      grid_type=grid_type)
    runs = win.runs
    k = np.where(m, np.round(win.mask_sum - 1.0), 0.0)
    has = (k > 0) & m
    inv_k = np.where(has, 1.0 / np.maximum(k, 1.0), 0.0)
    lag = np.where(has, (win.value_sum - zc) * inv_k, 0.0)
    s0 = float(has.sum())
    ss = float((zc[m] ** 2).sum())
    if s0 == 0 or ss == 0 or n < 4:
        return MoranGlobal(math.nan, -1.0 / max(n - 1, 1), math.nan, math.nan, n)
    stat = n / s0 * float((zc * lag).sum()) / ss
    nb_inv = neighbourhood_sum(inv_k, runs) - inv_k  # sum over neighbours of 1 / k_j
    s1 = float(inv_k.sum() + (inv_k * nb_inv).sum())
    s2 = float((np.where(m, (has * 1.0) + nb_inv, 0.0) ** 2).sum())
    ei = -1.0 / (n - 1)
    m2 = ss / n
    kurt = float((zc[m] ** 4).sum() / n) / m2**2
    n2 = n * n
    s02 = s0 * s0
    a = n * ((n2 - 3 * n + 3) * s1 - n * s2 + 3 * s02)
    b = kurt * ((n2 - n) * s1 - 2 * n * s2 + 6 * s02)
    var = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s02) - ei**2
    z = (stat - ei) / math.sqrt(var) if var > 0 else math.nan
    return MoranGlobal(stat, ei, var, z, n)
