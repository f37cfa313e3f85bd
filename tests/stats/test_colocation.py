"""Colocation quotient: the published formula computed from scratch, and its null behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hotspots.stats.colocation import colocation_quotient


def _clq_from_scratch(xy, cats, a, b, k, kernel):
    """Leslie & Kronenfeld (2011) eq. 3 with ArcGIS's k-neighbour weights, by plain loops."""
    xy = np.asarray(xy, dtype=float)
    n = len(xy)
    n_a = sum(1 for c in cats if c == a)
    n_b = sum(1 for c in cats if c == b)
    n_b_prime = n_b - 1 if a == b else n_b
    c_ab = 0.0
    for i in range(n):
        if cats[i] != a:
            continue
        d = [(float(np.hypot(*(xy[j] - xy[i]))), j) for j in range(n) if j != i]
        d.sort()
        near = d[:k]
        band = near[-1][0]
        if kernel == "box":
            w = [1.0] * k
        else:
            w = [np.exp(-0.5 * (dist / band) ** 2) for dist, _ in near]
        c_ab += sum(wj for wj, (_, j) in zip(w, near, strict=True) if cats[j] == b) / sum(w)
    return (c_ab / n_a) / (n_b_prime / (n - 1))


def test_hand_example_matches_formula():
    # A at 0 and 10; B at 1, 11 and 30; one C at 12. With k = 1 every A's neighbour is a B:
    # CLQ = (2 / 2) / (3 / 5) = 5/3
    xy = [[0, 0], [1, 0], [10, 0], [11, 0], [30, 0], [12.5, 0]]
    cats = ["A", "B", "A", "B", "B", "C"]
    r = colocation_quotient(xy, cats, "A", "B", k=1, permutations=0)
    assert r.clq == pytest.approx(5 / 3, abs=1e-12)
    assert (r.n, r.n_a, r.n_b) == (6, 2, 3)
    # k = 2: A0 -> {B1, A10}: 1/2; A10 -> {B11, B1 at 9? no: B11 (1), C12.5 (2.5)}: 1/2
    r2 = colocation_quotient(xy, cats, "A", "B", k=2, permutations=0)
    assert r2.clq == pytest.approx((1 / 2) / (3 / 5), abs=1e-12)
    assert r2.clq == pytest.approx(_clq_from_scratch(xy, cats, "A", "B", 2, "box"), abs=1e-12)
    # same category: B's nearest other point, N'_B = N_B - 1
    r3 = colocation_quotient(xy, cats, "B", "B", k=1, permutations=0)
    assert r3.clq == pytest.approx(_clq_from_scratch(xy, cats, "B", "B", 1, "box"), abs=1e-12)


@pytest.mark.parametrize("kernel", ["box", "gaussian"])
@pytest.mark.parametrize(("a", "b", "k"), [("A", "B", 1), ("A", "B", 8), ("B", "A", 5),
                                           ("A", "A", 4)])
def test_simulated_matches_formula(kernel, a, b, k):
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 1000, size=(150, 2))
    cats = list(rng.choice(["A", "B", "C"], size=150, p=[0.3, 0.3, 0.4]))
    r = colocation_quotient(xy, cats, a, b, k=k, kernel=kernel, permutations=0)
    assert r.clq == pytest.approx(_clq_from_scratch(xy, cats, a, b, k, kernel), abs=1e-12)


def test_attraction_and_avoidance_detected():
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1000, size=(60, 2))
    near = a + rng.normal(0, 5, size=a.shape)       # B sits next to A
    far = rng.uniform(0, 1000, size=(200, 2))
    xy = np.vstack([a, near, far])
    cats = ["A"] * 60 + ["B"] * 60 + ["C"] * 200
    r = colocation_quotient(xy, cats, "A", "B", k=3, permutations=199, seed=1)
    assert r.clq > 2
    assert r.p_colocation == pytest.approx(1 / 200)
    # A against C: C points are never the nearest of an A with its B partner next to it
    r2 = colocation_quotient(xy, cats, "A", "C", k=1, permutations=199, seed=1)
    assert r2.clq < 0.5
    assert r2.p_isolation == pytest.approx(1 / 200)


def test_independent_patterns_give_one_and_uniform_p():
    """200 seeds of independent A and B patterns: CLQ ~ 1 and p-values ~ uniform."""
    clqs, ps, box_ps = [], [], []
    for seed in range(200):
        rng = np.random.default_rng(5000 + seed)
        xy = rng.uniform(0, 1000, size=(120, 2))
        cats = np.repeat(["A", "B", "C"], 40)
        # Gaussian weights make the statistic continuous (no ties), so p is exactly uniform
        # on 1/100 steps; box weights with k = 4 tie often and their p is conservative
        r = colocation_quotient(xy, cats, "A", "B", k=4, kernel="gaussian", permutations=99,
                                seed=seed + 10_000)
        box = colocation_quotient(xy, cats, "A", "B", k=4, permutations=99, seed=seed)
        clqs.append(r.clq)
        ps.append(r.p_colocation)
        box_ps.append(box.p_colocation)
    clqs, ps, box_ps = np.array(clqs), np.array(ps), np.array(box_ps)
    assert abs(clqs.mean() - 1) < 0.03
    assert stats.kstest(ps, "uniform").pvalue > 0.001
    assert 0.02 <= (ps <= 0.05).mean() <= 0.10
    assert (box_ps <= 0.05).mean() <= 0.08  # never anti-conservative


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="finite"):
        colocation_quotient([[0, np.nan], [1, 1]], ["A", "B"], "A", "B", k=1)
    with pytest.raises(ValueError, match="between 1 and n - 1"):
        colocation_quotient([[0, 0], [1, 1]], ["A", "B"], "A", "B", k=2)
    r = colocation_quotient([[0, 0], [1, 1], [2, 2]], ["A", "A", "C"], "A", "B", k=1)
    assert np.isnan(r.clq)
