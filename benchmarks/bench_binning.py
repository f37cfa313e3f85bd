"""Benchmark: binning 5M points into a 50 m Bradford grid against a bare np.bincount.

Run from the repository root::

    python benchmarks/bench_binning.py           # 5,000,000 points
    python benchmarks/bench_binning.py --quick   # 500,000 points

Points are uniform over the rectangle of the ward-clipped 50 m grid of Bradford (seeded), so
about half fall in cells of the district and the rest must be recognised as outside.

- baseline: ``np.bincount(idx, minlength=n_cells + 1)`` on cell indices computed beforehand
  for every point (the cost of counting alone; the target is ours within 3x of it).
- ours: ``Grid.bin_points(x, y)`` from raw coordinates (locating every point with integer
  arithmetic, skipping points outside the grid or its mask, and counting), unweighted and
  weighted; hexagons for reference.

The counts must equal the baseline's exactly (and the weighted sums to rounding).
"""

from __future__ import annotations

import argparse
import sys

from _common import best_of, bradford_wards, use_source_tree

SEED = 5_000_000
REPEAT = 5  # timings are the best of this many runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check it runs")
    args = parser.parse_args()
    use_source_tree()

    import numpy as np

    from hotspots.grid import grid_from_frame, hotspot_grid

    wards, _ = bradford_wards()
    n = 500_000 if args.quick else 5_000_000
    rng = np.random.default_rng(SEED)
    results = []
    ok = True
    for grid_type in ("square", "hex"):
        frame = hotspot_grid(clip=wards, cell_size=50, grid_type=grid_type)
        lattice, _ = grid_from_frame(frame)
        x0, y0 = lattice.x0, lattice.y0
        width = lattice.ncol * lattice.cell_size
        height = lattice.nrow * lattice.row_spacing
        x = rng.uniform(x0, x0 + width, n)
        y = rng.uniform(y0, y0 + height, n)
        w = rng.uniform(0.5, 2.0, n)
        n_rect = lattice.nrow * lattice.ncol
        idx = lattice.locate(x, y)
        inside = idx >= 0
        # precomputed indices for every point; points outside the grid go to one extra bin
        idx[~inside] = n_rect
        t_bare, bare = best_of(lambda idx=idx, m=n_rect + 1: np.bincount(idx, minlength=m),
                               REPEAT)
        t_bare_w, bare_w = best_of(lambda idx=idx, w=w, m=n_rect + 1: np.bincount(
            idx, weights=w, minlength=m), REPEAT)
        bare, bare_w = bare[:n_rect], bare_w[:n_rect]
        t_ours, ours = best_of(lambda lattice=lattice, x=x, y=y: lattice.bin_points(x, y),
                               REPEAT)
        t_ours_w, ours_w = best_of(lambda lattice=lattice, x=x, y=y, w=w: lattice.bin_points(
            x, y, w), REPEAT)
        same = np.array_equal(ours.ravel(), bare) and np.allclose(ours_w.ravel(), bare_w)
        ok &= same
        results.append((grid_type, lattice.n_cells, inside.mean(), t_bare, t_ours, t_bare_w,
                        t_ours_w, same))

    print(f"binning {n:,} points into Bradford's 50 m grid; numpy {np.__version__}")
    header = (f"{'grid':<7} {'cells':>9} {'in mask':>8} {'bincount':>9} {'ours':>8} "
              f"{'ratio':>6} {'bincount w':>11} {'ours w':>8} {'ratio w':>8} {'equal':>6}")
    print(header)
    print("-" * len(header))
    for gt, cells, share, tb, to, tbw, tow, same in results:
        print(f"{gt:<7} {cells:9,} {share:8.1%} {tb * 1e3:7.1f}ms {to * 1e3:6.1f}ms "
              f"{to / tb:5.2f}x {tbw * 1e3:9.1f}ms {tow * 1e3:6.1f}ms {tow / tbw:7.2f}x "
              f"{'yes' if same else 'NO':>6}")
    print("-" * len(header))
    square = results[0]
    target = square[4] / square[3] <= 3.0
    print("baseline: np.bincount of precomputed cell indices of all points (outside ones in "
          f"an extra bin); ours: from raw x, y (best of {REPEAT})")
    scope = " (indicative only: fixed costs weigh more at --quick sizes)" if args.quick else ""
    print(f"target (square, unweighted, within 3x of bare bincount at 5M points): "
          f"{'met' if target else 'NOT met'}{scope}; counts identical: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
