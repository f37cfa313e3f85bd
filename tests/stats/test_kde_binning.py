"""Linear binning against a brute-force sum, the unpadded FFT and the binned KDE's bounds."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.stats import kde as kde_mod
from hotspots.stats.kde import kde_binned, kde_exact

N = 200_777  # several blocks of _BIN_CHUNK samples, the last one partial


def _brute_force(xs, ys, w, x0, y0, d, nx, ny):
    """The four-corner rule sample by sample (np.add.at), samples off the lattice dropped."""
    fx, fy = (xs - x0) / d, (ys - y0) / d
    i, j = np.floor(fx), np.floor(fy)
    ok = (i >= 0) & (i < nx - 1) & (j >= 0) & (j < ny - 1)
    i, j = i[ok].astype(int), j[ok].astype(int)
    tx, ty, wk = fx[ok] - i, fy[ok] - j, w[ok]
    grid = np.zeros((ny, nx))
    for di, dj, share in ((0, 0, (1 - tx) * (1 - ty)), (1, 0, tx * (1 - ty)),
                          (0, 1, (1 - tx) * ty), (1, 1, tx * ty)):
        np.add.at(grid, (j + dj, i + di), wk * share)
    return grid


def _samples(seed=9):
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-50.0, 1050.0, N)  # some beyond the lattice on every side
    ys = rng.uniform(-50.0, 850.0, N)
    # on nodes, on cell edges and on the last column / row (dropped), in several blocks
    for k in (11, N // 2 - 5, N // 2 + 5, N - 11):
        xs[k:k + 4] = [100.0, 990.0, 250.0, 0.0]
        ys[k:k + 4] = [300.0, 20.0, 790.0, 0.0]
    return xs, ys, rng.uniform(0.5, 2.0, N)


@pytest.mark.parametrize("weighted", [True, False])
def test_binning_equals_the_brute_force_sum_with_samples_off_the_lattice(weighted):
    xs, ys, w = _samples()
    got = kde_mod._linear_bin(xs, ys, w if weighted else None, 0.0, 0.0, 10.0, 100, 80)
    want = _brute_force(xs, ys, w if weighted else np.ones(N), 0.0, 0.0, 10.0, 100, 80)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # the samples dropped are exactly those outside the lattice's cells
    inside = (xs >= 0) & (xs < 990.0) & (ys >= 0) & (ys < 790.0)
    assert got.sum() == pytest.approx((w if weighted else np.ones(N))[inside].sum(), rel=1e-12)


def test_binning_with_every_sample_inside_needs_no_mask():
    rng = np.random.default_rng(2)
    xs, ys = rng.uniform(5, 95, N), rng.uniform(5, 75, N)
    bounds = (float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max()))
    got = kde_mod._linear_bin(xs, ys, None, 0.0, 0.0, 1.0, 100, 80, bounds)
    np.testing.assert_allclose(got, _brute_force(xs, ys, np.ones(N), 0.0, 0.0, 1.0, 100, 80),
                               rtol=1e-12, atol=1e-12)
    assert got.sum() == pytest.approx(N, rel=1e-12)


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_unpadded_fft_is_exact_beyond_the_kernel_reach_of_the_edges(kernel):
    rng = np.random.default_rng(5)
    grid = np.zeros((97, 130))
    grid[rng.integers(0, 97, 500), rng.integers(0, 130, 500)] += rng.uniform(0.5, 3.0, 500)
    r, d, h = 11, 10.0, 22.0 if kernel == "gaussian" else 110.0
    padded = kde_mod._convolve(grid, r, d, h, kernel)
    circular = kde_mod._convolve(grid, r, d, h, kernel, border=False)
    assert circular.shape == grid.shape
    inner = (slice(r, 97 - r), slice(r, 130 - r))
    np.testing.assert_allclose(circular[inner], padded[inner], rtol=0,
                               atol=1e-12 * padded.max())
    # nearer the edges the circular sums wrap around: that is why they are not read
    assert not np.allclose(circular[:2, :2], padded[:2, :2], rtol=1e-6, atol=0)


def test_binned_kde_on_the_unpadded_fft_stays_near_exact_up_to_the_lattice_edge():
    rng = np.random.default_rng(12)
    pts = np.column_stack([rng.normal(500, 120, N), rng.normal(400, 90, N)])
    ev = np.column_stack([g.ravel() for g in np.meshgrid(np.arange(205.0, 800, 10),
                                                         np.arange(105.0, 700, 10))])
    got = kde_binned((pts[:, 0], pts[:, 1]), ev, bandwidth=60.0, kernel="gaussian",
                     cell_size=10.0)
    # the corners of the evaluation extent are the nodes nearest the lattice's edges
    corners = [0, len(ev) - 1, int(np.argmin(ev[:, 0] - ev[:, 1])),
               int(np.argmax(ev[:, 0] - ev[:, 1]))]
    exact = kde_exact(pts, ev[corners], bandwidth=60.0, kernel="gaussian")
    assert np.abs(got[corners] - exact).max() < 1e-3 * got.max()
    pick = rng.choice(len(ev), 40, replace=False)
    exact = kde_exact(pts, ev[pick], bandwidth=60.0, kernel="gaussian")
    assert np.abs(got[pick] - exact).max() < 0.01 * exact.max()


def test_bounds_column_by_column_equal_the_axis_reduction():
    a = np.random.default_rng(1).normal(size=(1001, 2)) * 1e5
    lo, hi = a.min(axis=0), a.max(axis=0)
    assert kde_mod._xy_bounds(a) == (lo[0], hi[0], lo[1], hi[1])
    x, y, bounds = kde_mod._as_columns(a, "xy")
    assert bounds == (lo[0], hi[0], lo[1], hi[1])
    np.testing.assert_array_equal(x, a[:, 0])
    np.testing.assert_array_equal(y, a[:, 1])


@pytest.mark.parametrize("weighted", [True, False])
def test_binning_in_two_halves_is_the_same_with_threads_off(weighted):
    # a large sample is binned in two halves, each into its own lattice (np.bincount on a
    # thread); the split depends on the size only, so threads on or off add alike
    from hotspots import _threads

    xs, ys, w = _samples(seed=4)
    assert len(_threads.halves(N)) == 2
    threaded = kde_mod._linear_bin(xs, ys, w if weighted else None, 0.0, 0.0, 10.0, 100, 80)
    with _threads.serial():
        serial = kde_mod._linear_bin(xs, ys, w if weighted else None, 0.0, 0.0, 10.0, 100, 80)
    np.testing.assert_array_equal(threaded, serial)


def test_a_small_sample_is_binned_in_one_part_as_the_brute_force_sum():
    # below the threads' threshold: one part, its shares added by np.add.at
    from hotspots import _threads

    xs, ys, w = (a[:5_000] for a in _samples(seed=5))
    assert len(_threads.halves(xs.size)) == 1
    got = kde_mod._linear_bin(xs, ys, w, 0.0, 0.0, 10.0, 100, 80)
    np.testing.assert_allclose(got, _brute_force(xs, ys, w, 0.0, 0.0, 10.0, 100, 80),
                               rtol=1e-12, atol=1e-12)
