"""Overdispersed count tests and the two E-test forms against statsmodels and scipy (issue 11)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hotspots.stats.inference import etest, etest_many
from hotspots.stats.overdispersion import negbin_test, quasi_poisson_test

sm = pytest.importorskip("statsmodels.api")

# City of London police.uk crimes with coordinates, per month: 2018 (7,943), 2019 (9,356)
CITY_2018 = [677, 556, 666, 627, 640, 670, 699, 643, 619, 730, 726, 690]
CITY_2019 = [586, 659, 824, 804, 664, 855, 825, 820, 788, 875, 853, 803]


def _design(kb: int, ka: int) -> np.ndarray:
    return sm.add_constant(np.r_[np.zeros(kb), np.ones(ka)])


def test_city_monthly_totals_are_overdispersed_and_the_tests_disagree_with_etest():
    assert (sum(CITY_2018), sum(CITY_2019)) == (7943, 9356)
    qp = quasi_poisson_test(CITY_2018, CITY_2019)
    nb = negbin_test(CITY_2018, CITY_2019)
    # issue 11: monthly counts vary about 7x more than Poisson; E-test 6e-27, QP 6e-5,
    # NB 4e-5
    assert float(qp.dispersion) == pytest.approx(7.1976, abs=1e-4)
    assert float(qp.p) == pytest.approx(6.336e-5, rel=1e-3)
    assert float(nb.p) == pytest.approx(4.036e-5, rel=1e-3)
    assert etest(7943, 9356) == pytest.approx(5.9956e-27, rel=1e-4)
    assert str(qp.form) == str(nb.form) == "wald"
    assert float(qp.rate_ratio) == pytest.approx(9356 / 7943)


def test_quasi_poisson_equals_statsmodels_glm_with_pearson_scale():
    y_b, y_a = np.array(CITY_2018, float), np.array(CITY_2019, float)
    fit = sm.GLM(np.r_[y_b, y_a], _design(12, 12), family=sm.families.Poisson()).fit(scale="X2")
    r = quasi_poisson_test(y_b, y_a)
    assert float(r.p) == pytest.approx(fit.pvalues[1], rel=1e-10)
    assert float(r.z) == pytest.approx(fit.tvalues[1], rel=1e-10)
    assert float(r.dispersion) == pytest.approx(fit.scale, rel=1e-12)
    # rows: a different number of months per period, and overdispersed counts
    rng = np.random.default_rng(3)
    before = rng.negative_binomial(2, 0.2, size=(6, 12))
    after = rng.negative_binomial(2, 0.15, size=(6, 3))
    res = quasi_poisson_test(before, after)
    for i in range(6):
        ref = sm.GLM(np.r_[before[i], after[i]], _design(12, 3),
                     family=sm.families.Poisson()).fit(scale="X2")
        assert ref.scale > 1
        assert res.p[i] == pytest.approx(ref.pvalues[1], rel=1e-9)


def test_quasi_poisson_floor_never_beats_poisson():
    # less variation than Poisson: the floor keeps the Poisson variance
    b, a = [10, 10, 10, 10], [14, 14, 14, 14]
    floored, raw = quasi_poisson_test(b, a), quasi_poisson_test(b, a, floor=False)
    assert float(floored.dispersion) == 0.0
    assert float(floored.p) == pytest.approx(2 * __import__("scipy").stats.norm.sf(
        np.log(1.4) / np.sqrt(1 / 40 + 1 / 56)))
    assert np.isnan(raw.p) or float(raw.p) < float(floored.p)


def test_negative_binomial_close_to_statsmodels():
    y = np.r_[CITY_2018, CITY_2019].astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.NegativeBinomial(y, _design(12, 12)).fit(disp=0)
    r = negbin_test(CITY_2018, CITY_2019)
    assert float(r.dispersion) == pytest.approx(ref.params[-1], rel=1e-4)  # alpha
    # expected against observed information: equal to 1e-4 here
    assert float(r.p) == pytest.approx(ref.pvalues[1], rel=1e-3)


def test_rows_with_no_count_in_one_period_use_the_score_form():
    r = quasi_poisson_test([[0, 0, 0], [1, 0, 2], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [3, 4, 1]])
    assert r.form.tolist() == ["", "score", "score"]
    assert np.isnan(r.p[0])
    # score z = (0 - 1) / sqrt(phi * 0.5 * (2/3)), phi = max(1, 2/4)
    assert r.z[1] == pytest.approx(-1 / np.sqrt(0.5 * 2 / 3))
    nb = negbin_test([[0, 0, 0], [1, 0, 2]], [[0, 0, 0], [0, 0, 0]])
    assert nb.form.tolist() == ["", "score"]
    assert 0 < nb.p[1] < 1


def test_overdispersed_tests_reject_bad_input():
    with pytest.raises(ValueError, match="at least 3 sub-periods"):
        quasi_poisson_test([1], [2])
    with pytest.raises(ValueError, match="counts >= 0"):
        negbin_test([1, -1], [2, 3])
    with pytest.raises(ValueError, match="same number of rows"):
        quasi_poisson_test([[1, 2]], [[1, 2], [3, 4]])


# --- the two E-test forms -----------------------------------------------------------------

def test_etest_score_and_wald_forms_are_named_and_differ_with_unequal_exposures():
    from scipy.stats import poisson_means_test
    from statsmodels.stats.rates import test_poisson_2indep

    # issue 11: etest(30, 30, 365, 181) is 0.0055 (score) and 0.0151 (K&T Wald)
    assert etest(30, 30, 365, 181) == pytest.approx(0.0055, abs=5e-5)
    assert etest(30, 30, 365, 181, method="wald") == pytest.approx(0.0151, abs=5e-5)
    assert etest(30, 30, 365, 181, method="wald") == pytest.approx(
        poisson_means_test(30, 365, 30, 181).pvalue, rel=1e-8)
    for k1, k2, n1, n2 in [(30, 30, 365, 181), (5, 7, 1.27, 0.55), (0, 13, 1.9, 1.7),
                           (55, 18, 2.24, 0.395), (3, 0, 1, 1)]:
        for method in ("score", "wald"):
            ref = test_poisson_2indep(k1, n1, k2, n2, method=f"etest-{method}").pvalue
            assert etest(k1, k2, n1, n2, method=method) == pytest.approx(ref, rel=1e-9)
    # equal exposures: the two statistics order the outcomes alike
    assert etest(6, 2, method="wald") == pytest.approx(etest(6, 2), rel=1e-12)
    assert_allclose(etest_many([30, 0], [30, 0], 365, 181, method="wald"),
                    [etest(30, 30, 365, 181, method="wald"), np.nan])
    with pytest.raises(ValueError, match="'score' or 'wald'"):
        etest(3, 4, method="exact")
