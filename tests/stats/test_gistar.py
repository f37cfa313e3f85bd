"""Gi* kernels: grid moving-window sums against brute-force weights, invariances, inference."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.spatial.distance import cdist

from hotspots.stats.gistar import (
    GI_BIN_LEVELS,
    gi_bin,
    gistar_grid,
    gistar_sparse,
    lattice_runs,
    neighbourhood_sum,
    permutation_pvalues,
    two_sided_p,
)
from hotspots.stats.multiple import adjust_pvalues

# ANCHORS b1 test vector (esda docs; verified with esda 2.9.0 in ANCHORS appendix A)
B1_POINTS = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)], dtype=float)
B1_Y = np.array([2, 3, 3.2, 5, 8, 7])
B1_Z = np.array([-1.397276, -0.289178, 0.650650, -0.289178, 1.234521, 2.024243])


def centres(shape, cell, grid_type):
    """Centres of all cells of a (nrow, ncol) lattice laid out as hotspots.grid.Grid."""
    r, c = np.indices(shape)
    if grid_type == "square":
        return ((c + 0.5) * cell).ravel(), ((r + 0.5) * cell).ravel()
    return ((c + 0.5 + 0.5 * (r & 1)) * cell).ravel(), (r * cell * math.sqrt(3) / 2).ravel()


def brute_weights(x, y, distance):
    """Binary distance-band weights with self, the reference the lattice code must equal."""
    xy = np.column_stack([x, y])
    return sparse.csr_array((cdist(xy, xy) <= distance * (1 + 1e-6)).astype(float))


def hand_z(y, w):
    """The ANCHORS b1 formula written out directly (dense)."""
    w = np.asarray(w.todense()) if sparse.issparse(w) else np.asarray(w)
    n = y.size
    xbar = y.mean()
    s2 = ((y - xbar) ** 2).mean()
    wi = w.sum(1)
    s1 = (w**2).sum(1)
    return (w @ y - xbar * wi) / np.sqrt(s2 * (n * s1 - wi**2) / (n - 1))


def test_b1_test_vector_sparse():
    w = brute_weights(B1_POINTS[:, 0], B1_POINTS[:, 1], 15)
    res = gistar_sparse(B1_Y, w)
    np.testing.assert_allclose(res.z, B1_Z, atol=5e-7)
    np.testing.assert_allclose(res.z, hand_z(B1_Y, w + 0), rtol=1e-12)
    # two-sided p of observation 5 (ANCHORS appendix A: 0.042945...)
    assert res.p_norm[5] == pytest.approx(0.042945123419872534, rel=1e-6)
    # by hand: (15,20)-(30,20) is exactly 15 apart and counts (d <= threshold)
    assert res.n_neighbours.tolist() == [2, 3, 1, 3, 4, 1]


def test_sparse_row_standardisation_has_no_effect():
    w = brute_weights(B1_POINTS[:, 0], B1_POINTS[:, 1], 15).toarray()
    w_row = w / w.sum(1, keepdims=True)
    z_b = gistar_sparse(B1_Y, sparse.csr_array(w), include_self=False).z
    z_r = gistar_sparse(B1_Y, sparse.csr_array(w_row), include_self=False).z
    np.testing.assert_allclose(z_r, z_b, rtol=1e-12)
    np.testing.assert_allclose(z_b, B1_Z, atol=5e-7)


@pytest.mark.parametrize(
    ("grid_type", "distance", "expected"),
    [
        ("square", 1.0, 5),  # rook
        ("square", math.sqrt(2), 9),  # queen (sfhotspot default), diagonal exactly at d
        ("square", 2.0, 13),
        ("hex", math.sqrt(2), 7),  # six adjacent hexagons + self
        ("hex", math.sqrt(3), 13),  # second ring's six nearest at exactly sqrt(3)
        ("hex", 2.0, 19),
    ],
)
def test_lattice_runs_window_sizes(grid_type, distance, expected):
    runs = lattice_runs(1.0, distance, grid_type)
    parities = [None] if grid_type == "square" else [0, 1]
    for parity in parities:
        size = sum(r.hi - r.lo + 1 for r in runs if r.parity == parity)
        assert size == expected


@pytest.mark.parametrize("grid_type", ["square", "hex"])
@pytest.mark.parametrize("distance", [math.sqrt(2), 3.5, 12.0])
def test_neighbourhood_sum_matches_brute_force(grid_type, distance):
    rng = np.random.default_rng(1)
    shape = (23, 31)
    a = rng.integers(0, 5, shape).astype(float)
    x, y = centres(shape, 1.0, grid_type)
    w = brute_weights(x, y, distance)
    got = neighbourhood_sum(a, lattice_runs(1.0, distance, grid_type))
    np.testing.assert_array_equal(got.ravel(), w @ a.ravel())


@pytest.mark.parametrize("grid_type", ["square", "hex"])
@pytest.mark.parametrize("distance", [None, 2.5, 9.0])
def test_grid_equals_sparse_on_masked_cells(grid_type, distance):
    rng = np.random.default_rng(7)
    shape = (25, 30)
    values = rng.poisson(2.0, shape).astype(float)
    mask = rng.random(shape) > 0.25
    res = gistar_grid(values, mask, cell_size=100.0, neighbour_distance=None if distance is None
                      else distance * 100.0, grid_type=grid_type)
    x, y = centres(shape, 100.0, grid_type)
    keep = mask.ravel()
    d = 100.0 * (math.sqrt(2) if distance is None else distance)
    w = brute_weights(x[keep], y[keep], d)
    ref = gistar_sparse(values.ravel()[keep], w)
    np.testing.assert_allclose(res.z[mask], ref.z, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.z[mask], hand_z(values.ravel()[keep], w), rtol=1e-10)
    np.testing.assert_array_equal(res.n_neighbours[mask], ref.n_neighbours)
    assert np.isnan(res.z[~mask]).all()
    assert res.n == int(mask.sum())


def test_grid_hand_example_single_spike():
    # 5 x 5 zeros with 10 in the middle: n=25, mean 0.4, s^2 = 4 - 0.16 = 3.84; the middle
    # has W=9, lag 10: z = (10 - 3.6) / sqrt(3.84 * (225 - 81) / 24) = 6.4 / 4.8
    y = np.zeros((5, 5))
    y[2, 2] = 10
    r = gistar_grid(y)
    assert r.z[2, 2] == pytest.approx(6.4 / 4.8, rel=1e-12)
    # a corner next to nothing: W=4, lag 0: z = -1.6 / sqrt(3.84 * (100 - 16) / 24)
    assert r.z[0, 0] == pytest.approx(-1.6 / math.sqrt(3.84 * 84 / 24), rel=1e-12)
    assert r.n_neighbours[0, 0] == 3
    assert r.n_neighbours[2, 2] == 8
    assert r.p_norm[2, 2] == pytest.approx(2 * (1 - 0.9087887802741321), rel=1e-9)


def test_constant_values_give_nan():
    r = gistar_grid(np.ones((4, 4)))
    assert np.isnan(r.z).all()
    assert np.isnan(r.p_norm).all()


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="2-D"):
        gistar_grid(np.ones(5))
    with pytest.raises(ValueError, match="mask has shape"):
        gistar_grid(np.ones((3, 3)), np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="finite"):
        gistar_grid(np.array([[1.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="'permutations' parameter"):
        gistar_grid(np.ones((3, 3)), permutations=5)
    with pytest.raises(ValueError, match="non-negative"):
        gistar_sparse([1.0, 2.0], sparse.csr_array(np.array([[0.0, -1.0], [1.0, 0.0]])))


grids = st.integers(4, 9).flatmap(
    lambda n: st.lists(st.integers(0, 20), min_size=n * n, max_size=n * n).map(
        lambda v: np.array(v, dtype=float).reshape(n, n)
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=grids, a=st.floats(0.1, 50), b=st.floats(-100, 100),
       grid_type=st.sampled_from(["square", "hex"]))
def test_z_invariant_to_affine_and_flips_sign(values, a, b, grid_type):
    z = gistar_grid(values, grid_type=grid_type).z
    z_affine = gistar_grid(a * values + b, grid_type=grid_type).z
    z_neg = gistar_grid(-values, grid_type=grid_type).z
    np.testing.assert_allclose(z_affine, z, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(z_neg, -z, rtol=1e-9, atol=1e-12)
    p = two_sided_p(z)
    finite = np.isfinite(p)
    assert ((p[finite] >= 0) & (p[finite] <= 1)).all()


@pytest.mark.parametrize("n", [2_000, 150_001])
def test_two_sided_p_is_scipys_on_both_sides_of_the_erfc_limit(n):
    # up to 150,000 values math.erfc works per distinct |z| (repeated, unsorted, signed,
    # NaN, infinite); above, scipy's ndtr: both within 3e-14 of 2 * ndtr(-|z|)
    from scipy.special import ndtr

    rng = np.random.default_rng(5)
    z = rng.normal(0, 3, n)
    z[::3] = np.round(z[::3], 1)  # repeats, as Gi* on counts gives
    z[:6] = [np.nan, 0.0, -0.0, 40.0, -np.inf, -1.959963984540054]
    p = two_sided_p(z.reshape(2, -1) if n % 2 == 0 else z)
    assert p.shape == ((2, n // 2) if n % 2 == 0 else (n,))
    expected = 2 * ndtr(-np.abs(z))
    np.testing.assert_allclose(p.ravel(), expected, rtol=3e-14, atol=0)
    assert np.isnan(p.ravel()[0])
    assert p.ravel()[1] == p.ravel()[2] == 1.0
    assert p.ravel()[3] == p.ravel()[4] == 0.0
    assert round(float(p.ravel()[5]), 12) == 0.05


def test_permutation_pvalues_bounds_and_seed():
    rng = np.random.default_rng(3)
    values = rng.poisson(3, (12, 12)).astype(float)
    values[4:7, 4:7] += 8
    a = gistar_grid(values, permutations=199, random_state=42)
    b = gistar_grid(values, permutations=199, random_state=42)
    c = gistar_grid(values, permutations=199, random_state=43)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert not np.array_equal(a.p_sim, c.p_sim)
    assert (a.p_sim >= 1 / 200).all()
    assert (a.p_sim <= 1).all()
    # the planted block is extreme against its conditional null
    assert a.p_sim[5, 5] == pytest.approx(2 / 200)


def test_permutation_pvalues_agree_with_a_loop_reference():
    # a direct, unvectorised version of the same conditional randomisation (same draws)
    rng = np.random.default_rng(0)
    y = rng.poisson(2, 40).astype(float)
    k = rng.integers(0, 6, 40)
    obs = rng.poisson(2 * k).astype(float)
    got_ge = permutation_pvalues(y, k, obs, permutations=99, alternative="greater",
                                 random_state=5)
    got_le = permutation_pvalues(y, k, obs, permutations=99, alternative="lesser",
                                 random_state=5)
    draws = np.random.default_rng(5)
    rids = [draws.choice(39, size=int(k.max()), replace=False) for _ in range(99)]
    ge = np.zeros(40)
    le = np.zeros(40)
    for i in range(40):
        for r in rids:
            ids = r[: k[i]]
            s = y[ids + (ids >= i)].sum()
            ge[i] += s >= obs[i] - 1e-9
            le[i] += s <= obs[i] + 1e-9
    np.testing.assert_allclose(got_ge, (ge + 1) / 100)
    np.testing.assert_allclose(got_le, (le + 1) / 100)
    two = permutation_pvalues(y, k, obs, permutations=99, random_state=5)
    np.testing.assert_allclose(two, np.minimum(1, 2 * (np.minimum(ge, le) + 1) / 100))


def test_permutation_matches_normal_approximation_of_the_conditional_null():
    # Conditional randomisation keeps the cell's own value and draws its k neighbours
    # without replacement from the other n - 1 cells (esda's crand). With large counts the
    # neighbour sum is close to normal with mean k m and variance k s^2 (n-1-k)/(n-2),
    # m and s^2 (ddof 0) over the other cells; p_sim must agree within Monte Carlo error.
    # (It is NOT the analytic Gi* p-value, which also treats the cell's own value as random.)
    rng = np.random.default_rng(11)
    values = rng.poisson(50, (30, 30)).astype(float)
    values[10:13, 10:13] += 25
    r = gistar_grid(values, permutations=999, random_state=1)
    y = values.ravel()
    n = y.size
    k = r.n_neighbours.ravel().astype(float)
    others_mean = (y.sum() - y) / (n - 1)
    others_var = ((y**2).sum() - y**2) / (n - 1) - others_mean**2
    mean = k * others_mean
    var = k * others_var * (n - 1 - k) / (n - 2)
    p_cond = two_sided_p((r.lag.ravel() - y - mean) / np.sqrt(var))
    diff = np.abs(r.p_sim.ravel() - p_cond)
    # Monte Carlo sd of a two-sided p near 0.1 with 999 draws is about 0.02; near p = 1
    # ties of the integer sums (counted on both sides) push p_sim up a little more
    assert diff[p_cond < 0.2].max() < 0.07
    assert diff.mean() < 0.05
    assert np.corrcoef(r.p_sim.ravel(), p_cond)[0, 1] > 0.98


def _arcgis_fdr_bins(z, p):
    """ArcGIS fdrTransform as described in ANCHORS b1.4, written independently."""
    out = np.zeros(p.size, dtype=int)
    order = np.argsort(p)
    n = p.size
    for level, alpha in zip((3, 2, 1), GI_BIN_LEVELS, strict=True):
        sorted_p = p[order]
        ok = sorted_p <= np.arange(1, n + 1) / n * alpha
        if ok.any():
            cutoff = sorted_p[np.flatnonzero(ok).max()]
            hit = (p <= cutoff) & (out == 0)
            out[hit] = level
    return out * np.sign(z).astype(int)


def test_gi_bin_fdr_equals_arcgis_cutoff_rule():
    rng = np.random.default_rng(8)
    z = rng.normal(0, 2.2, 500)
    p = two_sided_p(z)
    np.testing.assert_array_equal(gi_bin(z, p, method="fdr_bh"), _arcgis_fdr_bins(z, p))


def test_gi_bin_without_adjustment_and_nan():
    z = np.array([3.0, -2.2, 1.7, 0.5, np.nan, -3.5])
    p = np.array([0.0027, 0.028, 0.089, 0.62, np.nan, 0.0005])
    assert gi_bin(z, p, method="none").tolist() == [3, -2, 1, 0, 0, -3]
    b = gi_bin(z, p, method="bonferroni")
    padj = adjust_pvalues(p, "bonferroni")
    expected = [
        int(np.sign(zz)) * (int(pp <= 0.1) + int(pp <= 0.05) + int(pp <= 0.01))
        if np.isfinite(pp) else 0
        for zz, pp in zip(z, padj, strict=True)
    ]
    assert b.tolist() == expected == [2, 0, 0, 0, 0, -3]


def test_gi_bin_fdr_hand_vector():
    # ANCHORS b1.4 by hand, n = 6. Sorted p: .0015 .02 .024 .07 .09 .6
    # 99 %: (k/6) .01 = .0017 .0033 .005 ...   -> only p_(1) passes; cut-off .0015
    # 95 %: (k/6) .05 = .0083 .0167 .025 ...   -> k = 3 passes (.024 <= .025) although
    #        k = 2 fails (.02 > .0167): step-up; cut-off .024
    # 90 %: (k/6) .10 = .0167 .0333 .05 .0667 .0833 .1 -> .07 > .0667, .09 > .0833:
    #        cut-off still .024, so the raw p of .07 and .09 are NOT significant at 90 %
    z = np.array([3.2, -2.3, 2.26, 1.7, -1.8, 0.5])
    p = np.array([0.0015, 0.02, 0.024, 0.09, 0.07, 0.6])
    assert gi_bin(z, p, method="fdr_bh").tolist() == [3, -2, 2, 0, 0, 0]
    assert _arcgis_fdr_bins(z, p).tolist() == [3, -2, 2, 0, 0, 0]
    assert gi_bin(z, p, method="none").tolist() == [3, -2, 2, 1, -1, 0]
    # esda.fdr's cut-off (ANCHORS b1.5) on its documented example: 3 rejections at 5 %
    q = np.array([0.001, 0.01, 0.02, 0.04, 0.2, 0.5])
    assert (gi_bin(np.ones(6), q, method="fdr_bh") >= 2).sum() == 3


@pytest.mark.parametrize("grid_type", ["square", "hex"])
def test_gistar_cells_equal_gistar_grid_at_those_cells(grid_type):
    from hotspots.stats.gistar import gistar_cells

    rng = np.random.default_rng(31)
    y = rng.poisson(1.5, (40, 50)).astype(float)
    mask = rng.random((40, 50)) > 0.3
    cells = np.r_[np.flatnonzero(mask)[::3], np.flatnonzero(~mask)[:5]]  # outside too
    for perms in (0, 99):
        full = gistar_grid(y, mask, cell_size=10, grid_type=grid_type, permutations=perms,
                           random_state=5)
        got = gistar_cells(y, mask, cells, cell_size=10, grid_type=grid_type,
                           permutations=perms, random_state=5)
        np.testing.assert_array_equal(got.z, full.z.ravel()[cells])
        np.testing.assert_array_equal(got.p_norm, full.p_norm.ravel()[cells])
        np.testing.assert_array_equal(got.n_neighbours, full.n_neighbours.ravel()[cells])
        assert (got.n, got.mean, got.std, got.permutations) == (
            full.n, full.mean, full.std, full.permutations)
        if perms:
            np.testing.assert_array_equal(got.p_sim, full.p_sim.ravel()[cells])
        else:
            assert got.p_sim is None
        assert np.isnan(got.z[-5:]).all()
        assert (got.n_neighbours[-5:] == 0).all()
