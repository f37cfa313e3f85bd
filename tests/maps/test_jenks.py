"""The vectorised Fisher-Jenks gives mapclassify's breaks exactly, on skewed and tied data."""

import warnings

import mapclassify
import numpy as np
import pytest

from hotspots.maps._jenks import fisher_jenks_bins


def _reference(values, k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "numba not installed"
        return mapclassify.FisherJenks(values, k=k).bins


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3, 5, 7])
def test_breaks_equal_mapclassify(seed, k):
    rng = np.random.default_rng(seed)
    for values in (rng.gamma(0.8, 7.0, 120),                        # skewed, like KDE
                   rng.poisson(2.5, 150).astype(float),              # counts: many ties
                   np.round(rng.normal(0, 2, 90), 1)):               # signed z-scores
        np.testing.assert_array_equal(fisher_jenks_bins(values, k), _reference(values, k))


def test_the_breaks_fall_in_the_gaps():
    values = np.array([1.0, 2, 3, 10, 11, 12, 40, 41])
    assert fisher_jenks_bins(values, 3).tolist() == [3.0, 12.0, 41.0]
