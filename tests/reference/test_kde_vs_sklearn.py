"""Gaussian KDE against scikit-learn's KernelDensity, scaled by the number of points."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.hotspot import hotspot_kde
from hotspots.stats.kde import kde_binned, kde_exact

neighbors = pytest.importorskip("sklearn.neighbors")

pytestmark = pytest.mark.reference


def sklearn_counts(xy, ev, h, weights=None):
    """sklearn gives a probability density; times the total weight it is incidents per m^2."""
    kd = neighbors.KernelDensity(kernel="gaussian", bandwidth=h, rtol=0, atol=0)
    kd.fit(xy, sample_weight=weights)
    total = len(xy) if weights is None else np.sum(weights)
    return np.exp(kd.score_samples(ev)) * total


def points(rng):
    return np.concatenate([rng.normal([400, 600], 80, (300, 2)),
                           rng.uniform(0, 1000, (200, 2))])


def centres(n, cell):
    c = (np.arange(n) + 0.5) * cell
    return np.stack(np.meshgrid(c, c), -1).reshape(-1, 2)


def test_exact_gaussian_equals_sklearn():
    rng = np.random.default_rng(0)
    xy = points(rng)
    ev = centres(40, 25.0)
    ref = sklearn_counts(xy, ev, 60.0)
    ours = kde_exact(xy, ev, bandwidth=60.0, kernel="gaussian", normalize=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12 * ref.max())


def test_weighted_exact_gaussian_equals_sklearn():
    rng = np.random.default_rng(1)
    xy = points(rng)
    w = rng.uniform(0.5, 3.0, len(xy))
    ev = centres(30, 33.0)
    ref = sklearn_counts(xy, ev, 80.0, weights=w)
    ours = kde_exact(xy, ev, bandwidth=80.0, kernel="gaussian", weights=w, normalize=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12 * ref.max())


@pytest.mark.parametrize("h", [100.0, 200.0])
def test_binned_gaussian_within_one_percent_of_sklearn(h):
    rng = np.random.default_rng(2)
    xy = points(rng)
    ev = centres(40, 25.0)
    ref = sklearn_counts(xy, ev, h)
    ours = kde_binned(xy, ev, bandwidth=h, kernel="gaussian", normalize=True, cell_size=25.0)
    assert np.abs(ours - ref).max() < 0.01 * ref.max()


def test_hotspot_kde_density_per_km2_equals_sklearn():
    rng = np.random.default_rng(3)
    xy = points(rng)
    frame = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=27700)
    g = hotspot_kde(frame, cell_size=50, clip=shapely.box(0, 0, 1000, 1000), bandwidth=90.0,
                    kernel="gaussian", method="exact")
    ref = sklearn_counts(xy, np.column_stack([g["x"], g["y"]]), 90.0) * 1e6
    np.testing.assert_allclose(g["kde_density"], ref, rtol=1e-9)
