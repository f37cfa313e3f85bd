"""The grouped conditional-randomisation null (hotspots.stats.permutation), issue 11."""

from __future__ import annotations

import numpy as np
from scipy import stats

from hotspots.stats.gistar import gistar_grid, permutation_pvalues
from hotspots.stats.permutation import conditional_counts, distinct_draws, null_groups


def test_distinct_draws_are_without_replacement_and_uniform():
    rng = np.random.default_rng(0)
    d = distinct_draws(rng, 50, 6, 20_000)
    assert (np.diff(np.sort(d, axis=1), axis=1) > 0).all()
    # every position equally likely: 20,000 x 6 / 50 = 2,400 expected per value
    counts = np.bincount(d.ravel(), minlength=50)
    assert stats.chisquare(counts).pvalue > 0.001
    # small pools take the direct route and stay exact
    assert sorted(distinct_draws(rng, 4, 4, 1)[0].tolist()) == [0, 1, 2, 3]


def test_grouped_null_equals_the_exact_hypergeometric_law():
    # 0/1 values: the sum of k neighbours drawn without replacement from the other n - 1
    # values is hypergeometric, so p-values have an exact answer to compare with.
    rng = np.random.default_rng(1)
    n = 2_000
    y = (rng.random(n) < 0.1).astype(float)
    k = rng.choice([3, 5, 8], n)
    obs = rng.integers(0, 4, n).astype(float)
    perms = 20_000
    ge, le = conditional_counts(y, k, obs, permutations=perms, rng=np.random.default_rng(2),
                                tol=np.full(n, 1e-9))
    ones_other = y.sum() - y  # ones among the other n - 1 values
    exact_ge = stats.hypergeom.sf(obs - 1, n - 1, ones_other, k)
    exact_le = stats.hypergeom.cdf(obs, n - 1, ones_other, k)
    # one simulated null per (k, y) pair: 6 pairs, each estimated from 20,000 draws
    se = np.sqrt(exact_ge * (1 - exact_ge) / perms) + 1e-12
    assert (np.abs(ge / perms - exact_ge) < 5 * se + 1e-4).all()
    se = np.sqrt(exact_le * (1 - exact_le) / perms) + 1e-12
    assert (np.abs(le / perms - exact_le) < 5 * se + 1e-4).all()
    assert null_groups(y, k)[0].shape[0] == 6


def test_grouped_path_agrees_with_the_per_cell_draws_in_distribution():
    rng = np.random.default_rng(3)
    values = rng.poisson(2, (30, 30)).astype(float)
    values[8:12, 8:12] += 5
    grouped = gistar_grid(values, permutations=999, random_state=4).p_sim.ravel()
    # the same test through esda's per-observation draws (too few cells for grouping)
    k = gistar_grid(values).n_neighbours.ravel()
    lag = gistar_grid(values).lag.ravel() - values.ravel()
    from hotspots.stats import gistar as module

    old = module.GROUPED_MIN_N
    module.GROUPED_MIN_N = 10**9
    try:
        direct = permutation_pvalues(values.ravel(), k, lag, permutations=999, random_state=4)
    finally:
        module.GROUPED_MIN_N = old
    diff = np.abs(grouped - direct)
    se = np.sqrt(2 * np.maximum(direct, 0.02) * (1 - np.minimum(direct, 0.98)) / 999) * 2
    assert (diff < 5 * se + 0.01).all()
    assert abs(float(np.mean(grouped - direct))) < 0.01
