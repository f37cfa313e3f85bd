"""Significance tests for "did it really change?" questions (numpy/scipy only).

- :func:`etest`: Poisson E-test of two counts, optionally with different exposures (period
  lengths): the pooled score form (statsmodels ``etest-score``, crimepy) by default, or the
  Wald form of Krishnamoorthy & Thomson (2004) (scipy ``poisson_means_test``,
  statsmodels ``etest-wald``). Both assume Poisson counts; for police counts, which vary
  more, see :mod:`hotspots.stats.overdispersion`.
- :func:`sppt_chi2`: the chi-square variant of Andresen's spatial point pattern test: did an
  area's share of incidents change between two periods? With a false discovery rate
  correction across areas (Benjamini–Yekutieli by default, as in crimepy).
- :func:`mann_kendall`: Mann–Kendall trend test, vectorised over rows (used per grid cell
  on its series of Gi* z-scores by emerging hot spot analysis).
- :func:`wdd`: Wheeler & Ratcliffe's weighted displacement difference test.

References
----------
Krishnamoorthy, K. & Thomson, J. (2004). A more powerful test for comparing two Poisson
means. *Journal of Statistical Planning and Inference*, 119, 23-35.

Andresen, M. A. (2009). Testing for similarity in area-based spatial patterns.
*Journal of Quantitative Criminology*, 25, 333-348. Chi-square variant: Wheeler, A. P.,
Steenbeek, W. & Andresen, M. A. (2018), *Journal of Geographical Systems*, 20, 99-127.

Wheeler, A. P. & Ratcliffe, J. H. (2018). A simple weighted displacement difference test
to evaluate place based crime interventions. *Crime Science*, 7(11).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from hotspots.stats.multiple import adjust_pvalues

__all__ = [
    "MannKendallResult",
    "SPPTResult",
    "WDDResult",
    "etest",
    "etest_many",
    "mann_kendall",
    "sppt_chi2",
    "wdd",
]

# Poisson mass beyond mean +/- (12 sd + 30) is below 1e-30: the truncated sum is exact to
# double precision for any mean.
_TAIL_SD = 12.0
_TAIL_PAD = 30.0


def _check_count(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"The '{name}' parameter of etest must be a count >= 0. Got {value!r}.")
    return v


def etest(k1: float, k2: float, n1: float = 1.0, n2: float = 1.0, *,
          method: str = "score") -> float:
    r"""Two-sided Poisson E-test of equal rates for two counts.

    Tests :math:`H_0: \lambda_1 = \lambda_2` where :math:`k_1 \sim \mathrm{Poisson}(n_1
    \lambda_1)` and :math:`k_2 \sim \mathrm{Poisson}(n_2 \lambda_2)`: for example the
    number of offences before and after, with ``n1``/``n2`` the lengths of the two periods.

    Parameters
    ----------
    k1, k2 : float
        The two counts (>= 0).
    n1, n2 : float
        Exposures (e.g. days in each period); only their ratio matters. Default 1 each,
        i.e. periods of equal length.
    method : {"score", "wald"}
        The statistic ordering the outcomes (see Notes): ``"score"``, the pooled-variance
        score statistic (statsmodels ``test_poisson_2indep(method="etest-score")``,
        crimepy's ``etest``); ``"wald"``, the unpooled Wald statistic of Krishnamoorthy &
        Thomson (2004) (``scipy.stats.poisson_means_test``, statsmodels
        ``"etest-wald"``).

    Returns
    -------
    float
        The p-value, in [0, 1]; NaN when both counts are 0 (the test is not defined).

    Raises
    ------
    ValueError
        When a count is negative or not finite, an exposure is not > 0 or ``method`` is
        unknown.

    Notes
    -----
    With the pooled rate :math:`\hat\lambda = (k_1 + k_2)/(n_1 + n_2)` the p-value is the
    exact double sum

    .. math:: p = \sum_{x_1, x_2} P(x_1; n_1\hat\lambda)\, P(x_2; n_2\hat\lambda)
              \; [T(x_1, x_2) \ge T(k_1, k_2)]

    over Poisson probabilities, with :math:`T(0, 0) = 0`. The two forms differ in
    :math:`T`:

    - score (pooled variance): :math:`T = |x_1/n_1 - x_2/n_2| / \sqrt{(x_1 + x_2)/(n_1
      + n_2)}`; this is crimepy's ``etest`` (``d = 0``) and statsmodels' ``etest-score``;
    - Wald (unpooled variance, the statistic of Krishnamoorthy & Thomson 2004):
      :math:`T = |x_1/n_1 - x_2/n_2| / \sqrt{x_1/n_1^2 + x_2/n_2^2}`; this equals
      statsmodels' ``test_poisson_2indep(method="etest-wald")`` to 1e-12 and
      ``scipy.stats.poisson_means_test`` on the test vector below (scipy 1.17 differs
      from both by up to a few percent for some unequal exposures).

    With equal exposures the two orderings coincide and so do the p-values; with unequal
    ones they differ: ``etest(30, 30, 365, 181)`` is 0.0055 (score) and 0.0151 (Wald).
    The sum over :math:`x_1` is truncated at mean ± (12 sd + 30), where the omitted mass
    is below 1e-30; for each :math:`x_1` the condition on :math:`x_2` is a quadratic
    inequality, so the inner sum is two Poisson tail probabilities. The cost is linear in
    the counts, and large counts (thousands) are fast and exact (scipy's
    ``poisson_means_test`` underflows to 0 for the City's 7,943 against 9,356, where this
    gives 6.0e-27).

    Both forms assume Poisson counts. Police counts usually vary more (overdispersion);
    :func:`hotspots.change.compare_periods` then uses
    :func:`hotspots.stats.overdispersion.quasi_poisson_test` by default.

    Examples
    --------
    >>> round(etest(3, 0), 4)
    0.0884
    >>> round(etest(6, 2), 4)
    0.1749
    >>> round(etest(30, 30, 365, 181), 4), round(etest(30, 30, 365, 181, method="wald"), 4)
    (0.0055, 0.0151)
    """
    k1 = _check_count("k1", k1)
    k2 = _check_count("k2", k2)
    for name, v in (("n1", n1), ("n2", n2)):
        if not (math.isfinite(float(v)) and float(v) > 0):
            raise ValueError(f"The '{name}' parameter of etest must be > 0. Got {v!r}.")
    if method not in ("score", "wald"):
        raise ValueError("The 'method' parameter of etest must be 'score' or 'wald'. Got "
                         f"{method!r} instead.")
    n1, n2 = float(n1), float(n2)
    if k1 + k2 == 0:
        return float("nan")
    lam = (k1 + k2) / (n1 + n2)
    diff = abs(k1 / n1 - k2 / n2)
    if diff == 0:
        return 1.0
    # T^2 = diff^2 / (c1 x1 + c2 x2) with per-count variance weights: pooled for the score
    # form (the constant 1/(n1 + n2) cancels in T >= t_obs), unpooled for the Wald form.
    w1, w2 = ((1.0 / (n1 + n2),) * 2 if method == "score" else (1.0 / n1**2, 1.0 / n2**2))
    t2 = diff**2 / (w1 * k1 + w2 * k2)
    mu1, mu2 = n1 * lam, n2 * lam
    lo = max(0, math.floor(mu1 - _TAIL_SD * math.sqrt(mu1) - _TAIL_PAD))
    hi = math.ceil(mu1 + _TAIL_SD * math.sqrt(mu1) + _TAIL_PAD)
    x1 = np.arange(lo, hi + 1, dtype=float)
    p1 = stats.poisson.pmf(x1, mu1)

    # T(x1, u) >= t  <=>  A u^2 - B u + C >= 0  (u = x2), i.e. u <= r_lo or u >= r_hi.
    a = 1.0 / n2**2
    b = 2.0 * x1 / (n1 * n2) + t2 * w2
    cc = x1**2 / n1**2 - t2 * w1 * x1
    disc = b**2 - 4.0 * a * cc
    pos = disc > 0
    root = np.sqrt(np.where(pos, disc, 0.0))
    r_hi = (b + root) / (2.0 * a)
    # Stable smaller root (b > 0 always): r_lo * r_hi = C / A.
    r_lo = cc / (a * r_hi)
    # A tolerance keeps exact ties (T == t_obs, e.g. the mirror image of the observed pair)
    # inside the rejection region despite rounding in the roots.
    tol = 1e-9 * np.maximum(1.0, np.abs(r_hi))
    below = np.floor(r_lo + tol)
    above = np.ceil(r_hi - tol)
    p_low = np.where(below >= 0, stats.poisson.cdf(below, mu2), 0.0)
    p_high = stats.poisson.sf(above - 1, mu2)
    inner = np.where(pos, p_low + p_high, 1.0)
    total = float(np.sum(p1 * inner))
    # T(0, 0) is defined as 0 < t_obs, but the quadratic counts (0, 0) in: take it out.
    if lo == 0:
        total -= float(stats.poisson.pmf(0, mu1) * stats.poisson.pmf(0, mu2))
    return min(1.0, max(0.0, total))


def etest_many(k1: ArrayLike, k2: ArrayLike, n1: float = 1.0, n2: float = 1.0, *,
               method: str = "score") -> np.ndarray:
    """Apply :func:`etest` to paired arrays of counts.

    Parameters
    ----------
    k1, k2 : array-like of float
        Counts of the same shape; missing values (NaN) give NaN.
    n1, n2 : float
        Exposures shared by every pair (see :func:`etest`).
    method : {"score", "wald"}
        Form of the E-test (see :func:`etest`).

    Returns
    -------
    numpy.ndarray
        p-values, same shape as ``k1``; NaN where both counts are 0 or one is missing.

    Examples
    --------
    >>> etest_many([3, 0], [0, 0]).round(4).tolist()
    [0.0884, nan]
    """
    a = np.asarray(k1, dtype=float)
    b = np.asarray(k2, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"k1 and k2 must have the same shape; got {a.shape} and {b.shape}.")
    out = np.full(a.shape, np.nan)
    for idx in np.ndindex(a.shape):
        if not (np.isnan(a[idx]) or np.isnan(b[idx])):
            out[idx] = etest(a[idx], b[idx], n1, n2, method=method)  # type: ignore[arg-type]  # scalars
    return out


class SPPTResult(NamedTuple):
    """Result of :func:`sppt_chi2`; arrays aligned to the input areas.

    Attributes
    ----------
    prop1, prop2 : numpy.ndarray
        Share of the period-1 (period-2) total in each area, 0..1.
    diff : numpy.ndarray
        ``prop2 - prop1``.
    p : numpy.ndarray
        Chi-square p-value of each area (NaN where the area is dropped).
    q : numpy.ndarray
        Adjusted p-value across the tested areas (NaN where dropped).
    """

    prop1: np.ndarray
    prop2: np.ndarray
    diff: np.ndarray
    p: np.ndarray
    q: np.ndarray


def sppt_chi2(
    c1: ArrayLike,
    c2: ArrayLike,
    *,
    correction: bool = True,
    method: str = "fdr_by",
) -> SPPTResult:
    """Chi-square spatial point pattern test of the change in each area's share.

    For every area, a 2×2 table of (this area, the rest) × (period 1, period 2) is tested
    for independence. Areas with zero counts in both periods are dropped (p and q NaN) and
    not counted in the correction.

    Parameters
    ----------
    c1, c2 : array-like of float
        Counts per area in period 1 and period 2 (same length). The totals are their sums,
        so pass every area (including "unknown location" rows if shares should count them).
    correction : bool
        Yates' continuity correction (``scipy.stats.chi2_contingency``'s default).
    method : str
        Multiple-testing correction across areas, see
        :func:`hotspots.stats.multiple.adjust_pvalues`; default Benjamini–Yekutieli
        ("fdr_by"), valid for the dependent tests here (shares sum to 1).

    Returns
    -------
    SPPTResult
        ``prop1, prop2, diff, p, q`` arrays.

    Raises
    ------
    ValueError
        When the arrays differ in length or hold negative counts.

    Notes
    -----
    Equals crimepy's ``sppt(df, c1, c2)`` (``scipy.stats.chi2_contingency`` per area, then
    ``false_discovery_control(method="by")``). Where an expected cell count is 0 (a period
    with no incidents at all, or one area holding every incident) the test is undefined and
    p is NaN.

    Examples
    --------
    >>> r = sppt_chi2([30, 10, 0], [10, 30, 0])
    >>> r.diff.round(2).tolist()
    [-0.5, 0.5, 0.0]
    >>> bool(np.isnan(r.p[2]))
    True
    """
    a = np.asarray(c1, dtype=float)
    b = np.asarray(c2, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"c1 and c2 must be 1-d of the same length; got {a.shape}, {b.shape}.")
    if np.any(a < 0) or np.any(b < 0):
        raise ValueError("Counts must be >= 0.")
    t1, t2 = a.sum(), b.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        prop1 = a / t1 if t1 > 0 else np.full(a.shape, np.nan)
        prop2 = b / t2 if t2 > 0 else np.full(b.shape, np.nan)
    keep = (a + b) > 0
    obs = np.stack([np.stack([a, b], -1), np.stack([t1 - a, t2 - b], -1)], 1)  # (m, 2, 2)
    row = obs.sum(axis=2, keepdims=True)
    col = obs.sum(axis=1, keepdims=True)
    total = t1 + t2
    expected = row * col / total if total > 0 else np.zeros_like(obs)
    valid = keep & np.all(expected > 0, axis=(1, 2))
    if correction:
        diff_e = expected - obs
        obs = obs + np.sign(diff_e) * np.minimum(0.5, np.abs(diff_e))
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.sum((obs - expected) ** 2 / expected, axis=(1, 2))
    p = np.where(valid, stats.chi2.sf(np.where(valid, stat, 0.0), 1), np.nan)
    q = adjust_pvalues(p, method)
    return SPPTResult(prop1, prop2, prop2 - prop1, p, q)


class MannKendallResult(NamedTuple):
    """Result of :func:`mann_kendall`, one value per series.

    Attributes
    ----------
    s : numpy.ndarray
        Mann–Kendall S, the number of increasing minus decreasing pairs.
    var_s : numpy.ndarray
        Variance of S under no trend, corrected for ties.
    z : numpy.ndarray
        Normal score (with continuity correction unless disabled).
    p : numpy.ndarray
        Two-sided p-value.
    tau : numpy.ndarray
        Kendall's tau-a, ``S / (n (n - 1) / 2)``.
    """

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray


def mann_kendall(x: ArrayLike, *, continuity: bool = True) -> MannKendallResult:
    r"""Mann–Kendall test for a monotonic trend, for one series or each row of a matrix.

    Parameters
    ----------
    x : array-like of float, shape (n,) or (m, n)
        A series in time order, or ``m`` series (rows) of ``n`` time steps each, e.g. the
        Gi* z-scores of every grid cell (rows) in every period (columns).
    continuity : bool
        Subtract 1 from ``|S|`` before dividing by its standard deviation (the usual
        Mann–Kendall form, as in R ``Kendall::MannKendall``). ``False`` gives
        ``scipy.stats.kendalltau(t, x, method="asymptotic")`` exactly.

    Returns
    -------
    MannKendallResult
        Arrays of shape ``(m,)`` (0-d for a single series). Rows with a missing value or
        fewer than 2 steps give NaN; rows with zero variance (all values tied) give
        ``z = 0`` and ``p = 1``.

    Notes
    -----
    :math:`S = \sum_{i<j} \mathrm{sign}(x_j - x_i)`,
    :math:`\mathrm{Var}(S) = [n(n-1)(2n+5) - \sum_t t(t-1)(2t+5)]/18` summed over groups
    of tied values, :math:`z = (S - \mathrm{sign}(S))/\sqrt{\mathrm{Var}(S)}` and
    :math:`p = 2\,\Phi(-|z|)`.

    Examples
    --------
    >>> r = mann_kendall([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> int(r.s), round(float(r.var_s), 4), round(float(r.z), 4), round(float(r.p), 4)
    (10, 16.6667, 2.2045, 0.0275)
    """
    arr = np.asarray(x, dtype=float)
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"x must be 1-d or 2-d; got {arr.ndim} dimensions.")
    m, n = arr.shape
    d = arr[:, None, :] - arr[:, :, None]  # d[r, i, j] = x_j - x_i
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    s = np.sum(np.sign(d) * upper, axis=(1, 2))
    # Each value's tie-group size t_i; summing (t_i - 1)(2 t_i + 5) over values gives
    # sum over groups of t (t - 1)(2 t + 5).
    ties = np.sum(d == 0, axis=2)
    tie_term = np.sum((ties - 1) * (2 * ties + 5), axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - tie_term) / 18.0
    adj = np.sign(s) if continuity else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var_s > 0, (s - adj) / np.sqrt(var_s), 0.0)
        tau = s / (n * (n - 1) / 2.0) if n > 1 else np.full(m, np.nan)
    p = 2.0 * stats.norm.sf(np.abs(z))
    bad = np.any(np.isnan(arr), axis=1) | (n < 2)
    s, var_s, z, p, tau = (np.where(bad, np.nan, v.astype(float)) for v in (s, var_s, z, p, tau))
    if single:
        return MannKendallResult(*(v[0] for v in (s, var_s, z, p, tau)))
    return MannKendallResult(s, var_s, z, p, tau)


class WDDResult(NamedTuple):
    """Result of :func:`wdd`.

    Attributes
    ----------
    estimate : float
        Total WDD estimate (local + displacement); negative means crime fell relative to
        the control area.
    se : float
        Its standard error (Poisson variance: the sum of the weighted counts).
    z : float
        ``estimate / se``.
    p : float
        Two-sided p-value.
    ci_low, ci_high : float
        ``1 - alpha`` confidence interval of the estimate.
    est_local, se_local : float
        Treated-minus-control part.
    est_displace, se_displace : float
        Displacement-area part.
    """

    estimate: float
    se: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    est_local: float
    se_local: float
    est_displace: float
    se_displace: float


def wdd(
    control: tuple[float, float],
    treated: tuple[float, float],
    disp_control: tuple[float, float] = (0, 0),
    disp_treated: tuple[float, float] = (0, 0),
    *,
    time_weights: tuple[float, float] = (1, 1),
    area_weights: tuple[float, float, float, float] = (1, 1, 1, 1),
    alpha: float = 0.1,
) -> WDDResult:
    r"""Weighted displacement difference test (Wheeler & Ratcliffe 2018).

    Parameters
    ----------
    control, treated : (before, after)
        Counts in the control and the treated area.
    disp_control, disp_treated : (before, after)
        Counts in the displacement areas around the control and treated areas.
    time_weights : (before, after)
        Lengths of the periods (counts are divided by them; the variance by their squares).
    area_weights : (control, treated, disp_control, disp_treated)
        Sizes of the areas, used the same way.
    alpha : float
        Level of the confidence interval (0.1, the authors' default, gives 90%).

    Returns
    -------
    WDDResult

    Notes
    -----
    :math:`\hat\delta = (T_1 - T_0) - (C_1 - C_0) + (D_1 - D_0) - (DC_1 - DC_0)` and,
    counts being Poisson, :math:`\mathrm{Var} = T_1 + T_0 + C_1 + C_0 + \dots`;
    :math:`z = \hat\delta / \sqrt{\mathrm{Var}}`. Same numbers as crimepy's ``wdd``.

    Examples
    --------
    >>> r = wdd((133, 91), (130, 74))
    >>> r.estimate, round(r.se ** 2, 6), round(r.z, 4)
    (-14.0, 428.0, -0.6767)
    """
    t0, t1 = time_weights
    wc, wt, wdc, wdt = area_weights

    def part(ctrl: tuple[float, float], trt: tuple[float, float], ac: float,
             at: float) -> tuple[float, float]:
        est = ((trt[1] / (t1 * at) - trt[0] / (t0 * at))
               - (ctrl[1] / (t1 * ac) - ctrl[0] / (t0 * ac)))
        var = (trt[1] / (t1 * at) ** 2 + trt[0] / (t0 * at) ** 2
               + ctrl[1] / (t1 * ac) ** 2 + ctrl[0] / (t0 * ac) ** 2)
        return float(est), float(var)

    est_l, var_l = part(control, treated, wc, wt)
    est_d, var_d = part(disp_control, disp_treated, wdc, wdt)
    est, var = est_l + est_d, var_l + var_d
    se = math.sqrt(var)
    z = est / se if se > 0 else float("nan")
    p = float(2 * stats.norm.sf(abs(z))) if se > 0 else float("nan")
    level = float(stats.norm.ppf(1 - alpha / 2))
    return WDDResult(est, se, z, p, est - level * se, est + level * se,
                     est_l, math.sqrt(var_l), est_d, math.sqrt(var_d))
