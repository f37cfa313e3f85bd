"""Benchmark: KDE of 1M points on a 50 m Bradford grid against sklearn's KernelDensity.

Run from the repository root::

    python benchmarks/bench_kde.py            # 1,000,000 points, 50 m cells (~148k centres)
    python benchmarks/bench_kde.py --quick    # 50,000 points, 200 m cells

Data: points uniform over Bradford plus 20 Gaussian clusters (seeded); evaluation at the
centres of the ward-clipped grid. Kernel: gaussian (scikit-learn has no quartic kernel),
bandwidth h by the ArcGIS rule on the points (the library default).

- ours: ``hotspots.stats.kde.kde_binned`` (linear binning + FFT, lattice spacing h/8
  dividing the cell) at every centre, and, for reference, the quartic kernel too.
- peer: ``sklearn.neighbors.KernelDensity(kernel="gaussian", bandwidth=h)`` with its
  default tolerances (``rtol=0``: exact to rounding), ``score_samples`` at the centres,
  times n. It is far too slow for every centre, so it runs on a random **subsample** of
  centres and its time is **extrapolated** linearly to all centres (marked in the table;
  its fit time is added once).

As users call it: ``hotspot_kde(incidents, grid=grid, bandwidth=h, kernel="gaussian",
method="binned")`` on the prebuilt 50 m grid (locating the points, the kernel and the output
frame), against KDEpy's ``FFTKDE(kernel="gaussian", bw=h).fit(xy).evaluate(lattice)`` on a
lattice of the same 50 m spacing covering the points and the kernel's reach (grid array
included in its time, as KDEpy needs it). Same points, same bandwidth, same spacing; the calls
alternate in one loop, best of 5 each. The issue's target is ours at least 3x faster. The verb
remembers the lattice of a grid frame and the points of an incident frame it has read (a
notebook runs verb after verb on them); "first call" times it with both forgotten each run,
"threads off" the repeat call with every pass on one thread (the box has 2 cores). "First
call on a read_police_uk frame": the same number of rows written as police.uk files
(``bench_pipeline``'s generator) and read by ``read_police_uk``, then the verb timed from the
end of the read (the reader tells the verbs which point object each row holds); KDEpy gets
that frame's located points. KDEpy takes a coordinate array, ours the incident frame: a
last row times KDEpy with the coordinates extracted from the same GeoDataFrame
(``shapely.get_coordinates``), for the first call on a frame as users hold it (the target
lines above compare with KDEpy on the bare array).

Accuracy: max |ours - sklearn| over the subsample, relative to the largest sklearn value
there (the issue's 1% target), and the median relative error where the density is above 1%
of that maximum.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

from _common import best_of, bradford_wards, clustered_points, use_source_tree

SEED = 20180601
#: snap points of the police.uk-like frame (West Yorkshire's files hold about 40,000)
N_SNAP = 40_000
REPEAT = 5  # ours and KDEpy alternate; best of this many each


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check it runs")
    parser.add_argument("--sample", type=int, default=None,
                        help="centres evaluated by sklearn (default 300; 200 with --quick)")
    args = parser.parse_args()
    use_source_tree()

    import geopandas as gpd
    import numpy as np
    import shapely
    import sklearn
    from bench_pipeline import generate
    from sklearn.neighbors import KernelDensity

    from hotspots.grid import hotspot_grid
    from hotspots.hotspot import hotspot_kde
    from hotspots.io import read_police_uk
    from hotspots.stats.kde import bandwidth_arcgis, kde_binned, kernel_norm, lattice_spacing

    wards, outline = bradford_wards()
    rng = np.random.default_rng(SEED)
    n = 50_000 if args.quick else 1_000_000
    cell = 200.0 if args.quick else 50.0
    sample = args.sample or (200 if args.quick else 300)
    # half uniform over the district, half in 20 clusters of sd 400 m
    xy = clustered_points(outline, n, rng, n_uniform=n // 2, n_clusters=20, sd=400)
    grid = hotspot_grid(clip=wards, cell_size=cell)
    ev = np.column_stack([grid["x"].to_numpy(), grid["y"].to_numpy()])
    h = bandwidth_arcgis(xy)
    print(f"KDE, {n:,} points, {len(ev):,} centres of {cell:g} m cells, gaussian h = {h:.1f} m "
          f"(ArcGIS rule); sklearn {sklearn.__version__}, numpy {np.__version__}")

    def ours(kernel):
        t = time.perf_counter()
        out = kde_binned(xy, ev, bandwidth=h, kernel=kernel, normalize=True, cell_size=cell)
        return time.perf_counter() - t, out

    t_ours = math.inf
    dens = None
    for _ in range(2):
        t, dens = ours("gaussian")
        t_ours = min(t_ours, t)
    t_quartic = min(ours("quartic")[0] for _ in range(2))  # best of 2, as the gaussian

    # as users call it: the verb on a prebuilt grid, against KDEpy's FFTKDE
    incidents = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=27700)
    from hotspots import _point_reading as _located
    from hotspots import _threads
    from hotspots.grid import frame as _grid_frame

    def verb_call():
        return hotspot_kde(incidents, grid=grid, bandwidth=h, kernel="gaussian",
                           method="binned")

    def first_call():
        # the verb remembers the lattice of a grid frame and the points of an incident frame
        # it has read: forget both, as for a fresh grid and freshly read incidents (the
        # repeat calls below reuse them, as a notebook running verb after verb does)
        _grid_frame._READ.clear()
        _located._LAST.clear()
        return verb_call()

    # police.uk publishes every crime at one of some tens of thousands of snap points, and
    # read_police_uk gives the rows at one point one Point object: the same 1M-row size,
    # read as the library's own reader hands it over (KDEpy gets the same coordinates)
    snap_rng = np.random.default_rng(SEED + 1)
    snap_points = xy[:N_SNAP]
    at = snap_rng.integers(0, N_SNAP, n)
    snapped_xy = snap_points[at]
    snapped = gpd.GeoDataFrame(geometry=shapely.points(snap_points)[at], crs=27700)

    def snapped_first():
        _grid_frame._READ.clear()
        _located._LAST.clear()
        return hotspot_kde(snapped, grid=grid, bandwidth=h, kernel="gaussian", method="binned")

    # as users have it: the same kind of frame read by read_police_uk from police.uk files
    # (bench_pipeline's generator: 40k snap points, zipf-popular), whose reader tells the
    # verbs which point object each row holds; timed from the end of the read to the
    # verb's result (a new read each run, so nothing of the last run is remembered)
    police_dir = tempfile.TemporaryDirectory()
    police = Path(police_dir.name) / "police-uk"
    police.mkdir()
    generate(police, n)

    def after_read():
        _grid_frame._READ.clear()
        _located._LAST.clear()
        frame = read_police_uk(police)
        t = time.perf_counter()
        out = hotspot_kde(frame, grid=grid, bandwidth=h, kernel="gaussian", method="binned")
        return time.perf_counter() - t, (out, frame)

    def serial_call():
        with _threads.serial():  # the same call with every pass on one thread
            return verb_call()

    def kernel_call():
        return kde_binned(xy, ev, bandwidth=h, kernel="gaussian", cell_size=cell)

    kdepy_line = "KDEpy not installed (pip install KDEpy, or the 'bench' extra)"
    try:
        from KDEpy import FFTKDE
    except ImportError:
        FFTKDE = None

    def kdepy(points=xy):
        lo = points.min(axis=0) - 4 * h
        hi = points.max(axis=0) + 4 * h
        gx = np.arange(lo[0], hi[0] + cell, cell)
        gy = np.arange(lo[1], hi[1] + cell, cell)
        lattice = np.stack(np.meshgrid(gx, gy, indexing="ij"), -1).reshape(-1, 2)
        return lattice, FFTKDE(kernel="gaussian", bw=h).fit(points).evaluate(lattice)

    # alternated in one loop, best of REPEAT each: the machine's load hits all alike
    calls = {"first": first_call, "verb": verb_call, "serial": serial_call,
             "kernel": kernel_call, "snapped": snapped_first}
    calls["read"] = after_read  # times itself (the read is not counted)
    read_xy = None
    if FFTKDE is not None:
        calls["kdepy"] = kdepy
        # KDEpy takes an array: from the same GeoDataFrame a user first extracts the
        # coordinates (shapely.get_coordinates, the fastest way), which ours does itself
        calls["kdepy_frame"] = lambda: kdepy(shapely.get_coordinates(incidents.geometry.array))
        calls["kdepy_snapped"] = lambda: kdepy(snapped_xy)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            points = read_police_uk(police).geometry
        points = points[~points.is_empty]
        read_xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
        calls["kdepy_read"] = lambda: kdepy(read_xy)
    best = dict.fromkeys(calls, math.inf)
    last: dict = {}
    for _ in range(REPEAT):
        for name, fn in calls.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the generated files' data-quality notes
                t, last[name] = fn() if name == "read" else best_of(fn, 1)
            best[name] = min(best[name], t)
    police_dir.cleanup()
    t_first, t_verb, t_serial, t_kernel_g = (best[k] for k in ("first", "verb", "serial",
                                                                "kernel"))
    verb = last["verb"]
    t_kdepy = best.get("kdepy", math.nan)
    if FFTKDE is not None:
        import KDEpy

        lattice = last["kdepy"][0]
        kdepy_line = (f"{'KDEpy ' + KDEpy.__version__ + ' FFTKDE (same h, ' + f'{cell:g} m)':<44} "
                      f"{len(lattice):9,} {t_kdepy:10.2f} {'':>10}")

    pick = np.sort(rng.choice(len(ev), size=min(sample, len(ev)), replace=False))
    t0 = time.perf_counter()
    kd = KernelDensity(kernel="gaussian", bandwidth=h).fit(xy)
    t1 = time.perf_counter()
    ref = np.exp(kd.score_samples(ev[pick])) * n
    t2 = time.perf_counter()
    t_peer = (t1 - t0) + (t2 - t1) * len(ev) / len(pick)

    assert dens is not None
    err = np.abs(dens[pick] - ref)
    peak_rel = float(err.max() / ref.max())
    big = ref > 0.01 * ref.max()
    median_rel = float(np.median(err[big] / ref[big])) if big.any() else float("nan")

    header = (f"{'method':<44} {'centres':>9} {'seconds':>10} {'peer/ours':>10}")
    print(header)
    print("-" * len(header))
    spacing = lattice_spacing(h, "gaussian", cell_size=cell)
    print(f"{'ours kde_binned gaussian (lattice ' + f'{spacing:.1f} m)':<44} {len(ev):9,} "
          f"{t_ours:10.2f} {t_peer / t_ours:9.0f}x")
    print(f"{'ours kde_binned quartic':<44} {len(ev):9,} {t_quartic:10.2f} {'':>10}")
    print(f"{'sklearn KernelDensity (extrapolated from ' + str(len(pick)) + ')':<44} "
          f"{len(ev):9,} {t_peer:10.1f} {'1':>9}x")
    print(f"{'  of which fit':<44} {'':>9} {t1 - t0:10.2f}")
    print(f"{'  score_samples on the subsample':<44} {len(pick):9,} {t2 - t1:10.2f}")
    print("-" * len(header))
    print(f"{'ours hotspot_kde (grid given, as users call)':<44} {len(verb):9,} {t_verb:10.2f} "
          f"{t_kdepy / t_verb:9.1f}x")
    print(f"{'  first call (grid, incidents not yet read)':<44} {len(verb):9,} "
          f"{t_first:10.2f} {t_kdepy / t_first:9.1f}x")
    t_snapped = best["snapped"]
    t_kdepy_snapped = best.get("kdepy_snapped", math.nan)
    print(f"{'  first call, snapped (' + f'{N_SNAP // 1000}k shared points)':<44} "
          f"{len(verb):9,} {t_snapped:10.2f} {t_kdepy_snapped / t_snapped:9.1f}x"
          "  <- vs KDEpy on the same points "
          f"({t_kdepy_snapped:.2f} s)")
    t_read = best["read"]
    t_kdepy_read = best.get("kdepy_read", math.nan)
    print(f"{'  first call on a read_police_uk frame':<44} {len(verb):9,} {t_read:10.2f} "
          f"{t_kdepy_read / t_read:9.1f}x  <- vs KDEpy on its located points "
          f"({t_kdepy_read:.2f} s)")
    print(f"{'  repeat call, threads off (one core)':<44} {len(verb):9,} {t_serial:10.2f} "
          f"{t_kdepy / t_serial:9.1f}x")
    print(f"{'  its kernel kde_binned gaussian':<44} {len(ev):9,} {t_kernel_g:10.2f} "
          f"{t_kdepy / t_kernel_g:9.1f}x")
    print(kdepy_line + ("  <- peer/ours column: KDEpy time / ours" if t_kdepy == t_kdepy else ""))
    t_kdepy_frame = best.get("kdepy_frame", math.nan)
    print(f"{'  KDEpy from the GeoDataFrame (coords incl.)':<44} {'':>9} {t_kdepy_frame:10.2f} "
          f"{'':>10}  <- first call vs this: {t_kdepy_frame / t_first:.1f}x")
    print(f"verb fixed costs (verb - kernel): {t_verb - t_kernel_g:.2f} s = "
          f"{(t_verb - t_kernel_g) / t_kernel_g:.1f}x the kernel; "
          f"target: verb >= 3x faster than KDEpy -> "
          f"{'MET' if t_kdepy >= 3 * t_verb else 'NOT MET'} (repeat call), "
          f"{'MET' if t_kdepy >= 3 * t_first else 'NOT MET'} (first call), "
          f"{'MET' if t_kdepy_snapped >= 3 * t_snapped else 'NOT MET'} (first call, snapped), "
          f"{'MET' if t_kdepy_read >= 3 * t_read else 'NOT MET'} (first call after a read)")
    print("-" * len(header))
    ok = peak_rel < 0.01
    print(f"accuracy on the {len(pick)} sampled centres: max |ours - sklearn| / max = "
          f"{peak_rel:.2e} ({'OK < 1%' if ok else 'FAILED >= 1%'}); median relative error "
          f"where density > 1% of max = {median_rel:.1e}")
    print(f"units: incidents per m^2 (x 1e6 for per km^2); kernel_norm(h) = "
          f"{kernel_norm(h, 'gaussian'):.3e}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
