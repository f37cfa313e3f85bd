"""Benchmark: overdispersed change tests per area against statsmodels, on real Bradford counts.

Run from the repository root::

    python benchmarks/bench_change_tests.py            # 312 Bradford LSOAs, x 8 copies
    python benchmarks/bench_change_tests.py --quick    # the 312 LSOAs once

Data: ``../shared/data/police-uk/bradford-lsoa21-crime-2025-05-to-2026-04.csv``, the real
monthly "residential risk" counts of Bradford's 312 LSOAs (2021), first six months against
the last six (24,402 against 21,956 crimes). The full run repeats the table 8 times (2,496
rows, about a district's LSOAs at ward-by-crime-type level) to time the per-row peer.

- ours: :func:`hotspots.stats.overdispersion.quasi_poisson_test` (closed form, vectorised
  over rows) and :func:`~hotspots.stats.overdispersion.negbin_test` (profile likelihood,
  one bounded 1-d optimisation per row);
- peer: statsmodels, one model per row: ``GLM(y, X, family=Poisson()).fit(scale="X2")`` and
  ``discrete_model.NegativeBinomial(y, X).fit()``, the period coefficient's Wald p-value.

Agreement: the largest |log10 p_ours - log10 p_peer| over rows where both are defined
(quasi-Poisson: rows with dispersion >= 1, where the floor at 1 does not apply).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from _common import ROOT, use_source_tree

CSV = (ROOT / ".." / "shared" / "data" / "police-uk"
       / "bradford-lsoa21-crime-2025-05-to-2026-04.csv")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 312 LSOAs once")
    args = parser.parse_args()
    use_source_tree()

    import numpy as np
    import pandas as pd
    import statsmodels
    import statsmodels.api as sm

    from hotspots.stats.inference import etest_many
    from hotspots.stats.overdispersion import negbin_test, quasi_poisson_test

    frame = pd.read_csv(CSV.resolve())
    months = [c for c in frame.columns if c.startswith("resrisk_")]
    counts = frame[months].to_numpy(dtype=float)
    copies = 1 if args.quick else 8
    counts = np.tile(counts, (copies, 1))
    before, after = counts[:, :6], counts[:, 6:]
    X = sm.add_constant(np.r_[np.zeros(6), np.ones(6)])
    print(f"{len(counts):,} rows x 12 months (Bradford LSOA 2021, {copies} copies); "
          f"before {int(before.sum()):,}, after {int(after.sum()):,}; "
          f"statsmodels {statsmodels.__version__}")

    rows = []
    t = time.perf_counter()
    qp = quasi_poisson_test(before, after)
    t_qp = time.perf_counter() - t
    t = time.perf_counter()
    nb = negbin_test(before, after)
    t_nb = time.perf_counter() - t

    ok = (before.sum(1) > 0) & (after.sum(1) > 0)
    ref_qp = np.full(len(counts), np.nan)
    ref_nb = np.full(len(counts), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        for i in np.flatnonzero(ok):
            fit = sm.GLM(counts[i], X, family=sm.families.Poisson()).fit(scale="X2")
            ref_qp[i] = fit.pvalues[1]
        t_qp_ref = time.perf_counter() - t
        t = time.perf_counter()
        for i in np.flatnonzero(ok):
            try:
                ref_nb[i] = sm.NegativeBinomial(counts[i], X).fit(disp=0).pvalues[1]
            except Exception:  # a failed fit is the peer's result on that row
                ref_nb[i] = np.nan
        t_nb_ref = time.perf_counter() - t

    def worst(ours: np.ndarray, ref: np.ndarray, mask: np.ndarray) -> float:
        both = mask & np.isfinite(ours) & np.isfinite(ref) & (ours > 0) & (ref > 0)
        return float(np.max(np.abs(np.log10(ours[both]) - np.log10(ref[both]))))

    dispersed = ok & (qp.dispersion >= 1)
    rows.append(("quasi-Poisson", t_qp, t_qp_ref, worst(qp.p, ref_qp, dispersed),
                 int(dispersed.sum())))
    rows.append(("negative binomial", t_nb, t_nb_ref, worst(nb.p, ref_nb, ok),
                 int(np.isfinite(ref_nb).sum())))
    print(f"{'test':<20}{'ours (s)':>10}{'statsmodels (s)':>17}{'speed-up':>10}"
          f"{'max |dlog10 p|':>16}{'rows compared':>15}")
    for name, ours_t, ref_t, err, n in rows:
        print(f"{name:<20}{ours_t:>10.3f}{ref_t:>17.2f}{ref_t / ours_t:>9.0f}x"
              f"{err:>16.2e}{n:>15,}")
    n_lsoa = len(counts) // copies
    p_e = etest_many(before[:n_lsoa].sum(1), after[:n_lsoa].sum(1))
    print(f"median dispersion per LSOA: {np.nanmedian(qp.dispersion[:n_lsoa]):.2f}; LSOAs "
          f"changed at p < 0.05: E-test {int(np.sum(p_e < 0.05))}, quasi-Poisson "
          f"{int(np.sum(qp.p[:n_lsoa] < 0.05))} (uncorrected, of {n_lsoa})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
