"""Benchmark: Local Moran's I and permutation inference on Bradford grids against esda.

Run from the repository root::

    python benchmarks/bench_moran.py            # 100 m and 50 m (about 37k and 148k cells)
    python benchmarks/bench_moran.py --quick    # 400 m and 200 m, to check that it works

Both sides get the same cells (the ward-clipped grid, every cell an observation) and the
same counts (200,000 synthetic incidents: 70% uniform over Bradford plus 10 Gaussian
clusters, seeded).

Table 1, Local Moran's I (analytic): ours is ``hotspots.stats.moran.moran_local_grid``
(moving-window sums, no weights matrix); the peer is ``libpysal.weights.DistanceBand`` on
the cell centres (queen: threshold cell x sqrt(2) plus our 1e-6 tolerance) plus
``esda.Moran_Local(y, w, transformation="r", permutations=0)``; building the weights is part
of the peer's time, as it is work the peer needs and we do not. ``max |dI|`` and
``max |dz|`` (z = (Is - EI) / sqrt(VI)) must be at most 1e-9.

Table 2, conditional permutations: ours runs 9,999 permutations for Gi* and for Local
Moran's I on the whole grid (the null simulated once per distinct (k, count) pair); the peer
is ``esda.Moran_Local(..., permutations=999)`` (esda's numba ``crand``) on the first
``--peer-perm-cells`` cells, scaled linearly to the grid and to 9,999 permutations
(marked "extrapolated": its cost is linear in both).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings

from _common import best_of, bradford_wards, clustered_points, use_source_tree

SEED = 20190101


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small grids, to check it runs")
    parser.add_argument("--peer-perm-cells", type=int, default=10_000,
                        help="cells given to the peer's permutation run (then extrapolated)")
    args = parser.parse_args()
    use_source_tree()

    import esda
    import geopandas as gpd
    import libpysal
    import numpy as np
    import shapely

    from hotspots.grid import grid_from_frame, hotspot_grid
    from hotspots.stats.gistar import gistar_grid
    from hotspots.stats.moran import moran_local_grid

    wards, outline = bradford_wards()
    rng = np.random.default_rng(SEED)
    n_points = 20_000 if args.quick else 200_000
    xy = clustered_points(outline, n_points, rng, n_uniform=int(n_points * 0.7), n_clusters=10,
                          sd=250)
    del gpd, shapely
    sizes = [400.0, 200.0] if args.quick else [100.0, 50.0]
    perms = 999 if args.quick else 9_999

    print(f"Local Moran's I (row-standardised, queen), {n_points:,} incidents over Bradford; "
          f"esda {esda.__version__}, libpysal {libpysal.__version__}, numpy {np.__version__}")
    head1 = (f"{'cell':>6} {'cells':>9} {'ours':>8} {'peer W':>8} {'peer LM':>8} "
             f"{'peer':>8} {'speed-up':>9} {'max |dI|':>9} {'max |dz|':>9}")
    print(head1)
    print("-" * len(head1))
    worst = 0.0
    grids = {}
    for cs in sizes:
        grid = hotspot_grid(clip=wards, cell_size=cs)
        lattice, pos = grid_from_frame(grid)
        counts = lattice.bin_points(xy[:, 0], xy[:, 1]).astype(float)
        grids[cs] = (lattice, pos, counts, grid)
        t_ours, res = best_of(lambda c=counts, la=lattice, cs=cs: moran_local_grid(
            c, la.mask, cell_size=cs), 3)
        y = counts.ravel()[pos]
        centres = np.column_stack([grid["x"].to_numpy(), grid["y"].to_numpy()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            w = libpysal.weights.DistanceBand(centres, threshold=cs * math.sqrt(2) * (1 + 1e-6),
                                              binary=True, silence_warnings=True)
            t1 = time.perf_counter()
            ref = esda.Moran_Local(y, w, transformation="r", permutations=0)
            t2 = time.perf_counter()
        d_i = float(np.max(np.abs(res.I.ravel()[pos] - ref.Is)))
        z_ref = (ref.Is - ref.EI) / np.sqrt(ref.VI)
        d_z = float(np.nanmax(np.abs(res.z.ravel()[pos] - z_ref)))
        worst = max(worst, d_i, d_z)
        peer = t2 - t0
        print(f"{cs:6.0f} {len(grid):9,} {t_ours:8.3f} {t1 - t0:8.2f} {t2 - t1:8.2f} "
              f"{peer:8.2f} {peer / t_ours:8.0f}x {d_i:9.1e} {d_z:9.1e}", flush=True)
        del w, ref
    print("-" * len(head1))

    print(f"\nConditional permutations ({perms:,}) on the same grids")
    head2 = (f"{'cell':>6} {'cells':>9} {'Gi* ours':>9} {'LISA ours':>9} "
             f"{'LISA peer':>10} {'speed-up':>9}")
    print(head2)
    print("-" * len(head2))
    for cs in sizes:
        lattice, pos, counts, grid = grids[cs]
        t_gi, _ = best_of(lambda c=counts, la=lattice, cs=cs: gistar_grid(
            c, la.mask, cell_size=cs, permutations=perms, random_state=1), 1)
        t_lm, _ = best_of(lambda c=counts, la=lattice, cs=cs: moran_local_grid(
            c, la.mask, cell_size=cs, permutations=perms, random_state=1), 1)
        m = min(len(grid), args.peer_perm_cells)
        y = counts.ravel()[pos][:m]
        centres = np.column_stack([grid["x"].to_numpy(), grid["y"].to_numpy()])[:m]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = libpysal.weights.DistanceBand(centres, threshold=cs * math.sqrt(2) * (1 + 1e-6),
                                              binary=True, silence_warnings=True)
            t0 = time.perf_counter()
            esda.Moran_Local(y, w, transformation="r", permutations=999, seed=1, n_jobs=1)
            t_peer = (time.perf_counter() - t0) * (len(grid) / m) * (perms / 999)
        note = " (extrapolated)" if (m < len(grid) or perms != 999) else ""
        print(f"{cs:6.0f} {len(grid):9,} {t_gi:9.2f} {t_lm:9.2f} {t_peer:10.1f} "
              f"{t_peer / t_lm:8.0f}x{note}", flush=True)
    print("-" * len(head2))
    print("times in seconds (ours best of 3 for table 1, one run otherwise; the peer one run)")
    ok = worst <= 1e-9
    print(f"accuracy check: max |dI|, |dz| against esda = {worst:.1e} -> "
          f"{'OK (<= 1e-9)' if ok else 'FAILED (> 1e-9)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
