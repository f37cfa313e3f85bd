"""Concentration and evaluation metrics: published test vectors and hand-derived values."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.stats.concentration import (
    concentration_table,
    gini,
    hit_rate,
    lorenz_curve,
    pai,
    pei,
    rri,
    top_share,
    top_slice,
    units_for_share,
)

# ANCHORS b7 / lorenzgini: (counts, standard biased, generalised biased, generalised unbiased)
# The unbiased values 0.867 and 0.857 are 13/15 and 6/7 exactly (0.78 x 10/9, 0.75 x 8/7).
GINI_VECTORS = [
    ([10, 8, 2] + [0] * 7, 0.78, 0.78, 13 / 15),
    ([5, 2, 1] + [0] * 7, 0.80, 0.75, 6 / 7),
    ([10] + [0] * 9, 0.90, 0.90, 1.00),
]


@pytest.mark.parametrize(("counts", "standard", "generalised", "unbiased"), GINI_VECTORS)
def test_gini_published_vectors(counts, standard, generalised, unbiased):
    assert gini(counts, generalized=False) == pytest.approx(standard, abs=1e-12)
    assert gini(counts) == pytest.approx(generalised, abs=1e-12)
    assert gini(counts, unbiased=True) == pytest.approx(unbiased, abs=1e-12)
    assert round(gini(counts, unbiased=True), 3) == round(unbiased, 3)


def test_gini_sparse_data_even_spread_is_zero():
    # 3 crimes over 7 places, one each: the standard Gini says 0.571, generalised says 0
    x = [1, 1, 1, 0, 0, 0, 0]
    assert gini(x, generalized=False) == pytest.approx(4 / 7)
    assert gini(x) == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(gini([0, 0, 0]))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=2, max_size=40))
def test_gini_bounds_and_order_invariance(counts):
    x = np.array(counts)
    if x.sum() == 0:
        return
    g = gini(x, generalized=False)
    assert -1e-12 <= g < 1
    assert gini(x[::-1], generalized=False) == pytest.approx(g)
    # G' = k (G - 1) + 1 with k = max(1, units / crimes) >= 1 and G <= 1, so the correction
    # never raises the coefficient; with whole counts the evenest spread (one crime a unit)
    # scores 0, so it never goes below 0 either. ([0, 1]: G = 0.5, G' = 0.)
    generalised = gini(x)
    assert -1e-12 <= generalised <= g + 1e-12
    if x.sum() >= x.size:  # as many crimes as units: no correction
        assert generalised == pytest.approx(g)


def test_generalised_gini_of_one_crime_a_unit_is_zero():
    assert gini([0, 1]) == pytest.approx(0.0, abs=1e-15)
    assert gini([0, 1], generalized=False) == pytest.approx(0.5)
    assert gini([1, 1, 0, 0, 1]) == pytest.approx(0.0, abs=1e-15)


def test_top_slice_ties_and_floor():
    assert top_slice([1, 3, 3, 2], 0.5).tolist() == [False, True, True, False]
    # ties go to the first in array order (open_cp)
    assert top_slice([5, 5, 5, 5], 0.5).tolist() == [True, True, False, False]
    assert top_slice([2, 1, 2, 1, 2], 0.5).tolist() == [True, False, True, False, False]
    # floor(N x fraction): 7 x 0.3 = 2.1 -> 2 cells; NaN cells are outside the area
    assert top_slice([1, 2, 3, 4, 5, 6, 7], 0.3).sum() == 2
    got = top_slice(np.array([[np.nan, 9.0], [1.0, 2.0]]), 0.7)
    assert got.tolist() == [[False, True], [False, True]]


def test_hit_rate_pai_pei_rri_hand_values():
    counts = [5, 3, 2, 0]
    top = [True, False, False, False]
    assert hit_rate(counts, top) == 0.5
    assert pai(counts, top) == pytest.approx(0.5 / 0.25)
    # the chosen cell is the best possible single cell, so PEI = 1; the second best is 3/5
    assert pei(counts, top) == 1.0
    assert pei(counts, [1]) == pytest.approx(0.6)
    # unequal areas: the selected cell is half the area
    assert pai(counts, [0], area=[2, 1, 0.5, 0.5]) == pytest.approx(0.5 / 0.5)
    # before 4 of 6 in the cell, after 6 of 8: (6/4) / (8/6) = 1.125
    assert rri([4, 1, 1], [6, 1, 1], [0]) == pytest.approx(1.125)
    with pytest.raises(ValueError, match="non-negative"):
        hit_rate([-1, 2], [0])


def test_concentration_tables():
    counts = [10, 5, 3, 1, 1, 0, 0, 0, 0, 0]
    assert top_share(counts, 0.1) == 0.5
    t = concentration_table(counts, [0.1, 0.2, 0.5])
    assert t["n_units"].tolist() == [1, 2, 5]
    assert t["share"].tolist() == [0.5, 0.75, 1.0]
    u = units_for_share(counts, [0.5, 0.8, 1.0])
    assert u["n_units"].tolist() == [1, 3, 5]
    assert u["fraction_of_units"].tolist() == [0.1, 0.3, 0.5]
    assert u["share_held"].tolist() == [0.5, 0.9, 1.0]
    lc = lorenz_curve([1, 3])
    assert lc["share"].tolist() == [0.0, 0.75, 1.0]
    assert lc["fraction_of_units"].tolist() == [0.0, 0.5, 1.0]
