"""KDE kernels: hand values, binned vs exact accuracy, linearity, bandwidth rules."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.stats import kde as kde_mod
from hotspots.stats.kde import (
    bandwidth_arcgis,
    bandwidth_nrd,
    kde_binned,
    kde_exact,
    kernel_norm,
    lattice_spacing,
)


def square_centres(n, cell, offset=0.0):
    c = (np.arange(n) + 0.5) * cell + offset
    return np.stack(np.meshgrid(c, c), -1).reshape(-1, 2)


def hex_centres(nrow, ncol, cell):
    r, c = np.indices((nrow, ncol))
    x = (c + 0.5 + 0.5 * (r & 1)) * cell
    y = r * cell * math.sqrt(3) / 2 + cell / math.sqrt(3)
    return np.column_stack([x.ravel(), y.ravel()])


def peak_relative_error(approx, exact):
    return np.abs(approx - exact).max() / exact.max()


def test_quartic_hand_values():
    # one point at the origin, h = 100: K(d) = (1 - (d/100)^2)^2
    ev = np.array([[0.0, 0.0], [50.0, 0.0], [30.0, 40.0], [100.0, 0.0], [150.0, 0.0]])
    got = kde_exact([[0.0, 0.0]], ev, bandwidth=100)
    np.testing.assert_allclose(got, [1.0, 0.5625, 0.5625, 0.0, 0.0])
    dens = kde_exact([[0.0, 0.0]], ev[:1], bandwidth=100, normalize=True)
    assert dens[0] == pytest.approx(3 / (math.pi * 100**2))


def test_weights_scale_contributions():
    got = kde_exact([[0.0, 0.0], [0.0, 0.0]], [[50.0, 0.0]], bandwidth=100, weights=[2.0, 0.5])
    assert got[0] == pytest.approx(2.5 * 0.5625)


def test_normalised_kernels_integrate_to_one():
    cell = 5.0
    ev = square_centres(120, cell, offset=-300)
    for kernel in ("quartic", "gaussian"):
        dens = kde_exact([[0.0, 0.0]], ev, bandwidth=50, kernel=kernel, normalize=True)
        assert dens.sum() * cell * cell == pytest.approx(1.0, abs=2e-3)
    assert kernel_norm(50, "quartic") == pytest.approx(3 / (math.pi * 2500))


SCENARIOS = {
    # a handful of isolated points: the worst case for binning (no averaging of errors)
    "isolated": lambda rng: rng.uniform(500, 5500, (12, 2)),
    "uniform": lambda rng: rng.uniform(0, 6000, (3000, 2)),
    "clusters": lambda rng: np.concatenate(
        [rng.normal(c, 60, (300, 2)) for c in [(1500, 1500), (4000, 3000)]]
        + [rng.uniform(0, 6000, (100, 2))]
    ),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
@pytest.mark.parametrize("ratio", [4, 8])  # bandwidth = ratio x cell size
def test_binned_within_one_percent_of_exact_on_square_centres(scenario, kernel, ratio):
    rng = np.random.default_rng(5)
    pts = SCENARIOS[scenario](rng)
    cell = 100.0
    h = ratio * cell
    ev = square_centres(60, cell)
    exact = kde_exact(pts, ev, bandwidth=h, kernel=kernel)
    approx = kde_binned(pts, ev, bandwidth=h, kernel=kernel, cell_size=cell)
    assert peak_relative_error(approx, exact) < 0.01
    # where the surface is substantial the error is under 1 % of the value itself (the
    # issue's bound; measured at most 0.6 % over these cases)
    big = exact > 0.25 * exact.max()
    assert (np.abs(approx - exact)[big] / exact[big]).max() < 0.01


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_binned_within_one_percent_of_exact_on_hex_centres(kernel):
    rng = np.random.default_rng(9)
    pts = np.concatenate([SCENARIOS["isolated"](rng), SCENARIOS["clusters"](rng)])
    ev = hex_centres(70, 60, 100.0)
    exact = kde_exact(pts, ev, bandwidth=400, kernel=kernel)
    approx = kde_binned(pts, ev, bandwidth=400, kernel=kernel)
    assert peak_relative_error(approx, exact) < 0.01


def test_binned_exact_when_points_sit_on_nodes():
    # points on lattice nodes are binned without splitting: binned == exact
    ev = square_centres(20, 10.0)
    pts = ev[[3, 50, 51, 399]]
    np.testing.assert_allclose(
        kde_binned(pts, ev, bandwidth=35.0, cell_size=10.0),
        kde_exact(pts, ev, bandwidth=35.0),
        atol=1e-12,
    )


def test_lattice_spacing_divides_cell():
    assert lattice_spacing(400, "quartic", cell_size=100) == 25.0
    assert lattice_spacing(400, "quartic") == 25.0
    assert lattice_spacing(400, "quartic", on_lattice=False) == pytest.approx(400 / 24)
    assert lattice_spacing(100, "quartic", cell_size=50) == pytest.approx(50 / 8)


def test_coarsened_lattice_warns(monkeypatch):
    monkeypatch.setattr(kde_mod, "MAX_LATTICE", 10_000)
    ev = square_centres(60, 100.0)
    with pytest.warns(UserWarning, match="coarsened"):
        out = kde_binned([[3000.0, 3000.0]], ev, bandwidth=400, cell_size=100.0)
    assert out.max() > 0.5


@settings(max_examples=15, deadline=None)
@given(
    w1=st.lists(st.floats(0, 10), min_size=6, max_size=6),
    w2=st.lists(st.floats(0, 10), min_size=6, max_size=6),
    a=st.floats(0.1, 5),
)
def test_kde_is_linear_in_weights(w1, w2, a):
    pts = np.array([[10, 10], [35, 80], [60, 40], [62, 41], [90, 95], [5, 70]], dtype=float)
    ev = square_centres(10, 10.0)
    w1, w2 = np.array(w1), np.array(w2)
    for f in (
        lambda w: kde_exact(pts, ev, bandwidth=30, weights=w),
        lambda w: kde_binned(pts, ev, bandwidth=30, weights=w, cell_size=10.0),
    ):
        np.testing.assert_allclose(f(w1 + a * w2), f(w1) + a * f(w2), rtol=1e-9, atol=1e-9)


def test_bandwidth_nrd_matches_formula_and_r_quantiles():
    v = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    # R: quantile(v, c(.25, .75)) = 2, 4 (type 7); sd = sqrt(12.5)
    expected = 4 * 1.06 * min(math.sqrt(12.5), 2 / 1.34) * 5 ** (-1 / 5)
    assert bandwidth_nrd(v) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="gives 0"):
        bandwidth_nrd([1.0, 1.0, 1.0, 1.0, 2.0])


def test_bandwidth_arcgis_hand_value_and_weights_as_repetition():
    sq = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]])
    # SD = Dm = 50 sqrt(2); sqrt(1/ln 2) Dm > SD, so h = 0.9 SD 4^-0.2
    assert bandwidth_arcgis(sq) == pytest.approx(0.9 * 50 * math.sqrt(2) * 4**-0.2)
    rng = np.random.default_rng(2)
    xy = rng.normal(0, 300, (30, 2))
    reps = rng.integers(1, 4, 30)
    repeated = np.repeat(xy, reps, axis=0)
    assert bandwidth_arcgis(xy, weights=reps) == pytest.approx(bandwidth_arcgis(repeated))
    with pytest.raises(ValueError, match="do not spread"):
        bandwidth_arcgis([[1.0, 1.0], [1.0, 1.0]])


@pytest.mark.parametrize("n", [1001, 1000])  # odd: one middle distance; even: two
def test_bandwidth_arcgis_from_columns_is_the_rule_computed_in_exact_arithmetic(n):
    from fractions import Fraction

    rng = np.random.default_rng(n)
    xy = np.round(rng.normal(420_000, 2_000, (n, 2)), 1)
    w = rng.integers(1, 5, n).astype(float)
    got = bandwidth_arcgis((xy[:, 0].copy(), xy[:, 1].copy()))
    assert got == bandwidth_arcgis(xy)  # the two input forms are one computation
    # the rule in exact rationals (the mean centre and the squared distances), rounded once
    fx = [Fraction(v) for v in xy[:, 0]]
    fy = [Fraction(v) for v in xy[:, 1]]
    cx, cy = sum(fx) / n, sum(fy) / n
    d2 = sorted((a - cx) ** 2 + (b - cy) ** 2 for a, b in zip(fx, fy, strict=True))
    sd = math.sqrt(sum(d2) / n)
    mid = [math.sqrt(d2[(n - 1) // 2]), math.sqrt(d2[n // 2])]
    dm = (mid[0] + mid[1]) / 2
    want = 0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * n**-0.2
    assert got == pytest.approx(want, rel=1e-12)
    weighted = bandwidth_arcgis((xy[:, 0], xy[:, 1]), weights=w)
    assert weighted == bandwidth_arcgis(xy, weights=w)
    assert weighted == pytest.approx(bandwidth_arcgis(np.repeat(xy, w.astype(int), axis=0)),
                                     rel=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match="'bandwidth' parameter"):
        kde_exact([[0, 0]], [[0, 0]], bandwidth=0)
    with pytest.raises(ValueError, match="'kernel' parameter"):
        kde_exact([[0, 0]], [[0, 0]], bandwidth=1, kernel="epanechnikov")
    with pytest.raises(ValueError, match="shape"):
        kde_binned([0, 0], [[0, 0]], bandwidth=1)


def test_binned_kde_takes_x_and_y_columns_and_reads_nodes_exactly():
    rng = np.random.default_rng(21)
    pts = rng.uniform(0, 2000, (5000, 2))
    gx, gy = np.meshgrid(np.arange(25.0, 2000, 50), np.arange(25.0, 2000, 50))
    ev = np.column_stack([gx.ravel(), gy.ravel()])
    whole = kde_binned(pts, ev, bandwidth=150.0, kernel="gaussian", cell_size=50.0)
    cols = kde_binned((pts[:, 0].copy(), pts[:, 1].copy()), ev, bandwidth=150.0,
                      kernel="gaussian", cell_size=50.0)
    np.testing.assert_array_equal(cols, whole)
    # on nodes the reading is the node itself, as the bilinear weights (1, 0, 0, 0) give
    surface = rng.random((30, 40))
    fi, fj = rng.integers(0, 40, 500).astype(float), rng.integers(0, 30, 500).astype(float)
    np.testing.assert_array_equal(kde_mod._bilinear(surface, fi, fj),
                                  surface[fj.astype(int), fi.astype(int)])
    # one point off the nodes takes the general path; the node readings do not change
    off = kde_mod._bilinear(surface, np.r_[fi, 3.5], np.r_[fj, 2.0])
    np.testing.assert_array_equal(off[:-1], surface[fj.astype(int), fi.astype(int)])
    assert off[-1] == pytest.approx((surface[2, 3] + surface[2, 4]) / 2)
    with pytest.raises(ValueError, match="same length"):
        kde_binned((pts[:, 0], pts[:10, 1]), ev, bandwidth=150.0)


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_fft_convolution_equals_scipy_fftconvolve(kernel):
    from scipy import signal

    from hotspots.stats.kde import _convolve, _kernel

    rng = np.random.default_rng(21)
    grid = np.zeros((83, 121))
    grid[rng.integers(0, 83, 400), rng.integers(0, 121, 400)] += rng.uniform(0.5, 3.0, 400)
    r, d, h = 9, 10.0, 40.0 if kernel == "gaussian" else 90.0
    off = np.arange(-r, r + 1) * d
    kern = _kernel(off[None, :] ** 2 + off[:, None] ** 2, h, kernel)
    want = signal.fftconvolve(grid, kern, mode="same")
    got = _convolve(grid, r, d, h, kernel)
    assert got.shape == grid.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * want.max())
    # a direct sum at a few nodes, the definition
    for j, i in ((0, 0), (41, 60), (82, 120), (10, 115)):
        direct = sum(grid[j + dj, i + di] * kern[r - dj, r - di]
                     for dj in range(-r, r + 1) for di in range(-r, r + 1)
                     if 0 <= j + dj < 83 and 0 <= i + di < 121)
        assert got[j, i] == pytest.approx(direct, rel=1e-12, abs=1e-12 * want.max())


def test_linear_binning_on_nodes_edges_and_the_lattice_border():
    from hotspots.stats.kde import _linear_bin

    # nodes are 10 apart from (0, 0); the lattice is 6 x 4 nodes, so a sample's south-west
    # node must be in columns 0..4 and rows 0..2
    xs = np.array([0.0, 10.0, 25.0, 49.999, 50.0, 35.0, -1e-9, 20.0, 12.5])
    ys = np.array([0.0, 30.0 - 1e-12, 15.0, 29.0, 5.0, 30.0, 5.0, -0.0, 7.5])
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    got = _linear_bin(xs, ys, w, 0.0, 0.0, 10.0, 6, 4)
    want = np.zeros((4, 6))
    for x, y, wk in zip(xs, ys, w, strict=True):
        i, j = int(np.floor(x / 10)), int(np.floor(y / 10))
        if not (0 <= i < 5 and 0 <= j < 3):
            continue  # x = 50 (last column), y = 30 (last row) and x < 0 are dropped
        tx, ty = x / 10 - i, y / 10 - j
        want[j, i] += wk * (1 - tx) * (1 - ty)
        want[j, i + 1] += wk * tx * (1 - ty)
        want[j + 1, i] += wk * (1 - tx) * ty
        want[j + 1, i + 1] += wk * tx * ty
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert got[0, 0] == 1.0  # on a node (and no other sample near it): all its weight there
    assert got.sum() == pytest.approx(w[[0, 1, 2, 3, 7, 8]].sum(), rel=1e-12)
