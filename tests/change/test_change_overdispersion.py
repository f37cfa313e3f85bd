"""compare_periods on real City of London data: overdispersion and corrected significance.

Issue 11, finding 3: monthly City counts vary about 7x more than Poisson; 2018 against 2019
the E-test gives p = 6e-27, the quasi-Poisson test 6e-5 and the negative binomial 4e-5; the
per-ward flag was uncorrected (10 of 25 wards, 8 after Benjamini-Hochberg).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots import schema
from hotspots.change import compare_periods
from hotspots.narrative import describe

WARDS = 25


@pytest.fixture(scope="module")
def located(city_2018, city_2019):
    both = pd.concat([city_2018, city_2019], ignore_index=True)
    return both[both[schema.LOCATION_STATUS] == schema.LOCATED]


def _wards(cmp):
    t = cmp.table
    return t[~t[schema.AREA_NAME].isin([schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION])]


def test_default_is_quasi_poisson_on_monthly_counts(located, city_areas):
    cmp = compare_periods(located, city_areas, level="ward", before=2018, after=2019)
    assert (cmp.total_before, cmp.total_after) == (7943, 9356)
    assert cmp.test == "quasi-poisson"
    assert cmp.correction == "fdr_bh"
    assert cmp.dispersion == pytest.approx(7.1976, abs=1e-4)
    assert cmp.p_total == pytest.approx(6.336e-5, rel=1e-3)
    attrs = cmp.table.attrs["hotspots"]
    assert attrs["test"] == "quasi-poisson"
    assert attrs["test_reason"].startswith("automatic: monthly counts")
    assert attrs["correction"] == "fdr_bh"
    assert attrs["dispersion_total"] == pytest.approx(7.1976, abs=1e-4)
    wards = _wards(cmp)
    assert len(wards) == WARDS
    assert set(wards["test"]) == {"quasi-poisson"}
    assert (wards["dispersion"] > 0).all()
    # five wards changed by more than their own month-to-month variation, after BH
    assert sorted(wards.loc[wards["significant"], schema.AREA_NAME]) == [
        "Bishopsgate", "Cordwainer", "Langbourn", "Tower", "Walbrook"]
    assert (wards["q_change"] >= wards["p_change"]).all()


def test_negative_binomial_and_etests_on_the_totals(located, city_areas):
    kw = {"level": "ward", "before": 2018, "after": 2019}
    nb = compare_periods(located, city_areas, test="negative-binomial", **kw)
    assert nb.p_total == pytest.approx(4.04e-5, rel=2e-3)
    assert nb.dispersion == pytest.approx(0.00815, rel=2e-3)  # alpha
    score = compare_periods(located, city_areas, test="etest-score", **kw)
    wald = compare_periods(located, city_areas, test="etest-wald", **kw)
    assert score.p_total == pytest.approx(5.996e-27, rel=1e-3)
    assert wald.p_total == pytest.approx(5.996e-27, rel=1e-3)  # equal years: same ordering
    assert np.isnan(score.dispersion)


def test_significant_is_corrected_across_areas(located, city_areas):
    kw = {"level": "ward", "before": 2018, "after": 2019, "test": "etest-score"}
    raw = _wards(compare_periods(located, city_areas, correction="none", **kw))
    bh = _wards(compare_periods(located, city_areas, **kw))
    assert int(raw["significant"].sum()) == 10
    assert int(bh["significant"].sum()) == 8
    assert set(bh.loc[bh["significant"], schema.AREA_NAME]) == (
        set(raw.loc[raw["significant"], schema.AREA_NAME]) - {"Coleman Street", "Lime Street"})
    by = _wards(compare_periods(located, city_areas, correction="fdr_by", **kw))
    assert int(by["significant"].sum()) < 8


def test_describe_names_the_test_and_the_correction(located, city_areas):
    cmp = compare_periods(located, city_areas, level="ward", before=2018, after=2019)
    text = describe(cmp)
    assert "(statistically significant, quasi-Poisson test p < 0.001)" in text[0]
    assert any("quasi-Poisson test, Benjamini–Hochberg adjusted p" in s for s in text)
    assert not any("E-test" in s for s in text)


def test_auto_falls_back_to_the_etest_and_says_why(located, city_areas):
    cmp = compare_periods(located, city_areas, level="ward", before="2019-06", after="2019-07")
    assert cmp.test == "etest-score"
    assert "fewer than 3 months" in cmp.table.attrs["hotspots"]["test_reason"]
    # data with one date per period show no variation within a period
    one_day = located.assign(**{schema.OCCURRED: np.where(
        located[schema.OCCURRED].dt.year == 2018, pd.Timestamp("2018-06-01"),
        pd.Timestamp("2019-06-01"))})
    cmp = compare_periods(one_day, city_areas, level="ward", before=2018, after=2019)
    assert cmp.test == "etest-score"
    assert "fall in 1 month" in cmp.table.attrs["hotspots"]["test_reason"]
    with pytest.raises(ValueError, match="fewer than 3 months"):
        compare_periods(located, city_areas, level="ward", before="2019-06", after="2019-07",
                        test="quasi-poisson")
    with pytest.raises(ValueError, match="'test'"):
        compare_periods(located, city_areas, level="ward", before=2018, after=2019,
                        test="poisson")


def test_suppression_hides_the_test_columns_of_hidden_rows(located, city_areas):
    # by crime type, many ward counts of a quarter are below 5
    q = compare_periods(located, city_areas, level="ward", before="2019-Q1", after="2019-Q2",
                        by="category")
    assert q.test == "quasi-poisson"
    pub = q.suppress(5).table
    hidden = pub["n_before"].map(lambda v: isinstance(v, str)) | pub["n_after"].map(
        lambda v: isinstance(v, str))
    assert hidden.any()
    for col in ("test", "dispersion", "p_change", "q_change"):
        assert (pub.loc[hidden, col] == "[c]").all(), col
