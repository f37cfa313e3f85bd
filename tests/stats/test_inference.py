"""Tests of hotspots.stats.inference (E-test, SPPT, Mann-Kendall, WDD) and stats.multiple."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from hotspots.stats.inference import etest, etest_many, mann_kendall, sppt_chi2, wdd
from hotspots.stats.multiple import adjust_pvalues


def _etest_bruteforce(k1, k2, n1=1.0, n2=1.0, upto=200):
    """crimepy's etest (d = 0) as a plain double sum over a large square, for cross-checks."""
    lam = (k1 + k2) / (n1 + n2)
    t_obs = abs(k1 / n1 - k2 / n2) / math.sqrt(lam)
    x = np.arange(upto + 1, dtype=float)
    x1, x2 = np.meshgrid(x, x, indexing="ij")
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.abs(x1 / n1 - x2 / n2) / np.sqrt((x1 + x2) / (n1 + n2))
    t[0, 0] = 0.0
    prob = stats.poisson.pmf(x1, n1 * lam) * stats.poisson.pmf(x2, n2 * lam)
    # the tolerance mirrors exact ties (T == t_obs) that float rounding could split
    return float(prob[t >= t_obs * (1 - 1e-12)].sum())


# --- E-test ------------------------------------------------------------------------------

def test_etest_anchor_vectors():
    # ANCHORS b8 / crimepy wdd.py comments: etest(3,0) = 0.0884, etest(6,2) = 0.1749
    assert etest(3, 0) == pytest.approx(0.0884, abs=5e-5)
    assert etest(0, 3) == pytest.approx(0.0884, abs=5e-5)
    assert etest(6, 2) == pytest.approx(0.1749, abs=5e-5)


def test_etest_edge_cases():
    assert math.isnan(etest(0, 0))
    assert etest(20, 20) == 1.0
    assert etest(10, 20, 1, 2) == 1.0  # equal rates per unit exposure
    with pytest.raises(ValueError, match="k1"):
        etest(-1, 2)
    with pytest.raises(ValueError, match="n2"):
        etest(1, 2, 1, 0)


@pytest.mark.parametrize(
    ("k1", "k2", "n1", "n2"),
    [(3, 0, 1, 1), (6, 2, 1, 1), (1, 1, 1, 1), (12, 30, 1, 1), (7, 15, 1, 2), (25, 9, 3, 1.5),
     (0, 9, 1, 1), (40, 38, 365, 366), (2, 11, 31, 30)],
)
def test_etest_matches_double_sum(k1, k2, n1, n2):
    assert etest(k1, k2, n1, n2) == pytest.approx(_etest_bruteforce(k1, k2, n1, n2), abs=1e-12)


def test_etest_exposure_scale_invariant_and_symmetric():
    assert etest(40, 25, 365, 181) == pytest.approx(etest(40, 25, 365 / 181, 1.0), abs=1e-12)
    assert etest(40, 25, 365, 181) == pytest.approx(etest(25, 40, 181, 365), abs=1e-12)


def test_etest_large_counts_close_to_normal_test():
    # For large counts the E-test approaches the pooled z test 2*Phi(-|k1-k2|/sqrt(k1+k2)).
    k1, k2 = 5000, 5300
    z = (k2 - k1) / math.sqrt(k1 + k2)
    assert etest(k1, k2) == pytest.approx(2 * stats.norm.sf(z), abs=2e-3)


def test_etest_many_shapes_and_nan():
    out = etest_many([[3, 0], [6, np.nan]], [[0, 0], [2, 1]])
    assert out.shape == (2, 2)
    assert_allclose(out[0, 0], 0.0884, atol=5e-5)
    assert np.isnan(out[0, 1])
    assert np.isnan(out[1, 1])


# --- SPPT --------------------------------------------------------------------------------

def test_sppt_matches_crimepy_recipe():
    # crimepy sppt(): chi2_contingency((c1, c2; rest1, rest2), correction=True) per area,
    # areas zero in both periods dropped, then false_discovery_control(method="by").
    c1 = np.array([89, 55, 60, 48, 34, 58, 0, 3])
    c2 = np.array([60, 61, 45, 38, 32, 48, 0, 0])
    res = sppt_chi2(c1, c2)
    keep = (c1 + c2) > 0
    p_ref = []
    for a, b in zip(c1[keep], c2[keep], strict=True):
        table = np.array([[a, b], [c1.sum() - a, c2.sum() - b]], dtype=float)
        p_ref.append(stats.chi2_contingency(table, correction=True)[1])
    q_ref = stats.false_discovery_control(p_ref, method="by")
    assert_allclose(res.p[keep], p_ref, rtol=1e-12)
    assert_allclose(res.q[keep], q_ref, rtol=1e-12)
    assert np.isnan(res.p[~keep]).all()
    assert np.isnan(res.q[~keep]).all()
    assert_allclose(res.prop1, c1 / c1.sum())
    assert_allclose(res.diff, c2 / c2.sum() - c1 / c1.sum())


def test_sppt_without_correction_matches_scipy():
    c1, c2 = np.array([5, 9, 30]), np.array([12, 4, 31])
    res = sppt_chi2(c1, c2, correction=False, method="fdr_bh")
    for i in range(3):
        table = np.array([[c1[i], c2[i]], [c1.sum() - c1[i], c2.sum() - c2[i]]], dtype=float)
        assert res.p[i] == pytest.approx(stats.chi2_contingency(table, correction=False)[1])


def test_sppt_empty_period_gives_nan():
    res = sppt_chi2([3, 2], [0, 0])
    assert np.isnan(res.p).all()
    assert np.isnan(res.prop2).all()


# --- multiple testing --------------------------------------------------------------------

def test_adjust_pvalues_matches_scipy_bh_by():
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 0.2, 40)
    assert_allclose(adjust_pvalues(p, "fdr_bh"), stats.false_discovery_control(p, method="bh"))
    assert_allclose(adjust_pvalues(p, "fdr_by"), stats.false_discovery_control(p, method="by"))


def test_adjust_pvalues_holm_bonferroni_by_hand():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.5), "holm") -> 0.04 0.09 0.09 0.50
    assert_allclose(adjust_pvalues([0.01, 0.04, 0.03, 0.5], "holm"), [0.04, 0.09, 0.09, 0.5])
    assert_allclose(adjust_pvalues([0.01, 0.3], "bonferroni"), [0.02, 0.6])
    assert_allclose(adjust_pvalues([0.01, 0.3], "none"), [0.01, 0.3])


def test_adjust_pvalues_nan_not_counted():
    out = adjust_pvalues([0.01, np.nan, 0.02], "fdr_bh")
    assert np.isnan(out[1])
    assert_allclose(out[[0, 2]], [0.02, 0.02])
    with pytest.raises(ValueError, match="method"):
        adjust_pvalues([0.1], "BH")


def test_bh_consistent_with_esda_fdr_cutoff():
    esda = pytest.importorskip("esda")
    p = np.array([0.001, 0.01, 0.02, 0.04, 0.2, 0.5])
    cutoff = esda.fdr(p, 0.05)  # ANCHORS b1.5: 0.025, i.e. 3 rejections
    assert ((adjust_pvalues(p, "fdr_bh") < 0.05) == (p <= cutoff)).all()


# --- Mann-Kendall ------------------------------------------------------------------------

def test_mann_kendall_hand_example_with_ties():
    # x = 1, 2, 2, 3: S = 5 (five increasing pairs, one tie); Var = (4*3*13 - 2*1*9)/18;
    # z = (5 - 1)/sqrt(Var).
    r = mann_kendall([1.0, 2.0, 2.0, 3.0])
    var = (4 * 3 * 13 - 2 * 1 * 9) / 18
    assert r.s == 5
    assert r.var_s == pytest.approx(var)
    assert r.z == pytest.approx(4 / math.sqrt(var))
    assert r.p == pytest.approx(2 * stats.norm.sf(4 / math.sqrt(var)))
    assert r.tau == pytest.approx(5 / 6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mann_kendall_matches_scipy_kendalltau(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=12) + np.linspace(0, 1.5, 12) * seed
    t = np.arange(12)
    ref = stats.kendalltau(t, x, method="asymptotic")
    r = mann_kendall(x, continuity=False)
    assert r.p == pytest.approx(ref.pvalue, rel=1e-10)
    assert r.tau == pytest.approx(ref.statistic, rel=1e-10)
    # with the continuity correction the p-value is a little larger
    assert mann_kendall(x).p >= r.p


def test_mann_kendall_ties_match_scipy_too():
    x = np.array([0.0, 0.0, 1.0, 0.0, 2.0, 2.0, 3.0, 1.0])
    ref = stats.kendalltau(np.arange(8), x, method="asymptotic")
    assert mann_kendall(x, continuity=False).p == pytest.approx(ref.pvalue, rel=1e-10)


def test_mann_kendall_rows_vectorised_and_degenerate():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(5, 9))
    m[3] = 0.0  # all tied
    m[4, 2] = np.nan
    r = mann_kendall(m)
    for i in range(3):
        one = mann_kendall(m[i])
        assert r.z[i] == pytest.approx(float(one.z))
    assert r.z[3] == 0
    assert r.p[3] == 1
    assert np.isnan(r.p[4])


# --- WDD ---------------------------------------------------------------------------------

def test_wdd_hand_values():
    # crimepy example wdd((133, 91), (130, 74)): est = (74-130) - (91-133) = -14,
    # var = 74+130+91+133 = 428
    r = wdd((133, 91), (130, 74))
    assert r.estimate == -14
    assert r.se == pytest.approx(math.sqrt(428))
    assert r.z == pytest.approx(-14 / math.sqrt(428))
    assert r.ci_low == pytest.approx(-14 - stats.norm.ppf(0.95) * math.sqrt(428))


def test_wdd_with_displacement_and_weights():
    r = wdd((100, 90), (80, 50), (40, 42), (30, 36))
    assert r.est_local == (50 - 80) - (90 - 100)
    assert r.est_displace == (36 - 30) - (42 - 40)
    assert r.estimate == r.est_local + r.est_displace
    assert r.se**2 == pytest.approx(100 + 90 + 80 + 50 + 40 + 42 + 30 + 36)
    # a post period twice as long: counts halved, variance quartered
    rw = wdd((100, 180), (80, 100), time_weights=(1, 2))
    assert rw.estimate == pytest.approx((50 - 80) - (90 - 100))
    assert rw.se**2 == pytest.approx(100 / 4 + 80 + 180 / 4 + 100)


@pytest.mark.parametrize("method", ["fdr_bh", "fdr_by", "holm"])
def test_adjusted_p_values_do_not_depend_on_the_order_of_ties(method):
    from statsmodels.stats.multitest import multipletests

    from hotspots.stats.multiple import adjust_pvalues

    rng = np.random.default_rng(17)
    # many exact ties (rounded p-values, as from permutations), in a shuffled order
    p = np.round(rng.beta(0.4, 2.0, 20_000), 3)
    got = adjust_pvalues(p, method)
    want = multipletests(p, method=method)[1]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    perm = rng.permutation(p.size)
    np.testing.assert_array_equal(adjust_pvalues(p[perm], method), got[perm])
    # every tie gets one value
    for value in np.unique(p)[:50]:
        assert np.unique(got[p == value]).size == 1
