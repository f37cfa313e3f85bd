"""adjust_pvalues (stats/multiple.py): the packed-key sort against an argsort reference."""

import numpy as np
import pytest

from hotspots.stats.multiple import PACKED_SORT_MIN, _ascending, adjust_pvalues


def _reference(p, method):
    """BH / BY / Holm written out with np.argsort, as the textbook step-up / step-down."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    v = p[ok]
    m = v.size
    order = np.argsort(v, kind="stable")
    ranked = v[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        stepped = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * ranked))
    else:
        factor = np.sum(1.0 / rank) if method == "fdr_by" else 1.0
        stepped = np.minimum(1.0, np.minimum.accumulate((ranked * m * factor / rank)[::-1])[::-1])
    adj = np.empty(m)
    adj[order] = stepped
    out[ok] = adj
    return out


def _tied(rng, n):
    # few distinct values, as a Gi* grid's p-values (148k cells, 477 distinct values)
    levels = np.r_[0.0, 1.0, rng.random(300) ** 4]
    return levels[rng.integers(0, levels.size, n)]


@pytest.mark.parametrize("method", ["fdr_bh", "fdr_by", "holm"])
@pytest.mark.parametrize("kind", ["random", "ties", "ties_with_nan"])
def test_packed_sort_gives_the_argsort_adjustment_exactly(method, kind):
    rng = np.random.default_rng(21)
    n = 3 * PACKED_SORT_MIN + 17
    p = rng.random(n) if kind == "random" else _tied(rng, n)
    if kind == "ties_with_nan":
        p[rng.integers(0, n, 500)] = np.nan
    got = adjust_pvalues(p, method)
    np.testing.assert_array_equal(got, _reference(p, method))
    if method == "fdr_bh":
        from scipy.stats import false_discovery_control
        ok = ~np.isnan(p)
        np.testing.assert_allclose(got[ok], false_discovery_control(p[ok]), rtol=1e-12)


def test_packed_order_sorts_and_falls_back_when_kept_bits_cannot_order():
    rng = np.random.default_rng(22)
    p = _tied(rng, 2 * PACKED_SORT_MIN)
    order, ranked = _ascending(p)
    np.testing.assert_array_equal(ranked, np.sort(p))
    np.testing.assert_array_equal(p[order], ranked)
    assert np.array_equal(np.sort(order), np.arange(p.size))  # a permutation
    # values that differ only in their lowest mantissa bits: the packed keys tie, the index
    # decides, and the descending indices make the packed order wrong -> the repair sort
    base = np.full(2 * PACKED_SORT_MIN, 0.5)
    close = (base.view(np.uint64) + np.arange(base.size, dtype=np.uint64)[::-1]).view(float)
    order, ranked = _ascending(close)
    np.testing.assert_array_equal(ranked, np.sort(close))
    np.testing.assert_array_equal(close[order], ranked)
    assert np.array_equal(np.sort(order), np.arange(close.size))
    np.testing.assert_array_equal(adjust_pvalues(close), _reference(close, "fdr_bh"))


def test_small_inputs_and_shapes_are_unchanged():
    p = np.array([[0.01, np.nan], [0.04, 0.03]])
    got = adjust_pvalues(p)
    assert got.shape == (2, 2)
    assert np.isnan(got[0, 1])
    np.testing.assert_array_equal(got, _reference(p.ravel(), "fdr_bh").reshape(2, 2))
    q = np.array([0.2, 0.1])
    adjust_pvalues(q, "none")[0] = 9.0  # a copy, never the input
    assert q[0] == 0.2
