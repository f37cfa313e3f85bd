"""Benchmark: assigning points to Bradford's 30 wards and 310 LSOAs, against geopandas.sjoin.

Run from the repository root::

    python benchmarks/bench_assign.py           # 1M and 5M points (the issue's sizes)
    python benchmarks/bench_assign.py --quick   # 100k points, to check that it works

Both sides start from the same coordinate arrays (half uniform over Bradford's bounding box,
half in 20 Gaussian clusters, seeded) and produce the same thing: for every point, the row of
its area or "outside". Ours: ``AreaSet.locate`` (the kernel of ``assign_areas``), including
building its label raster on first use. The peer: ``gpd.points_from_xy`` + ``GeoDataFrame``
+ ``gpd.sjoin(how="left", predicate="intersects")``; resolving its multiple matches on shared
edges (by the smallest area_id, our rule) happens after its clock stops.

Every measurement runs in a fresh child process, so each peak memory (``ru_maxrss`` of that
child: Python, the libraries, the polygons, the input arrays and the work) is its own.
Boundaries come from ``$HOTSPOTS_DATA_DIR`` or ``../shared/boundaries``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import SRC, data_dir, peak_mb

SEED = 20240601


def _points(n: int, bounds) -> tuple:
    import numpy as np

    rng = np.random.default_rng(SEED)
    xmin, ymin, xmax, ymax = bounds
    n_uniform = n // 2
    x = np.empty(n)
    y = np.empty(n)
    x[:n_uniform] = rng.uniform(xmin, xmax, n_uniform)
    y[:n_uniform] = rng.uniform(ymin, ymax, n_uniform)
    centres = rng.uniform([xmin, ymin], [xmax, ymax], size=(20, 2))
    which = rng.integers(0, 20, n - n_uniform)
    x[n_uniform:] = centres[which, 0] + rng.normal(0, 500, n - n_uniform)
    y[n_uniform:] = centres[which, 1] + rng.normal(0, 500, n - n_uniform)
    return x, y


def child(side: str, n: int, level: str, out: str) -> None:
    """One measurement in this (fresh) process; prints a JSON line."""
    import warnings

    import geopandas as gpd
    import numpy as np

    from hotspots.io.boundaries import read_boundaries

    src = data_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the LSOA file has two self-intersections: repaired
        areas = read_boundaries(lsoa=src / "bradford-lsoa-2011.geojson",
                                ward=src / "bradford-wards-2013.geojson",
                                name="bench", vintage="2011/2013")
    polygons = areas[level]
    x, y = _points(n, areas.outline.bounds)
    base = peak_mb()
    build = 0.0
    if side == "ours":
        t0 = time.perf_counter()
        areas._raster(level)  # build the label raster (cached on the AreaSet)
        build = time.perf_counter() - t0
        pos = areas.locate(x, y, level=level)
        seconds = time.perf_counter() - t0
    else:
        t0 = time.perf_counter()
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:27700")
        joined = gpd.sjoin(points, polygons[["area_id", "geometry"]], how="left",
                           predicate="intersects")
        seconds = time.perf_counter() - t0
        right = joined["index_right"].to_numpy()
        rows = joined.index.to_numpy()
        hit = ~np.isnan(right.astype(float))
        rank = np.argsort(np.argsort(polygons["area_id"].to_numpy(dtype=str), kind="stable"))
        order_by_rank = np.argsort(rank)
        best = np.full(n, len(polygons), dtype=np.int64)
        np.minimum.at(best, rows[hit], rank[right[hit].astype(np.int64)])
        pos = np.where(best < len(polygons), order_by_rank[best.clip(0, len(polygons) - 1)],
                       -1).astype(np.int32)
        del points, joined
    np.save(out, pos.astype(np.int32))
    print(json.dumps({"seconds": seconds, "build": build, "peak_mb": peak_mb(),
                      "base_mb": base, "n_areas": len(polygons)}))


def _run(side: str, n: int, level: str, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", side, "--n", str(n), "--level", level,
           "--out", str(out)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC),
                                                      env.get("PYTHONPATH")]))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child {side} n={n} level={level} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def verbs(n: int) -> None:
    """Time the verbs on ``n`` points over Bradford (registry set): best of three runs.

    ``assign_areas`` (both levels; constituency derived from ward since the levels nest) and
    ``area_counts`` by ward, after one warm-up call that builds the label rasters.
    """
    import warnings

    import geopandas as gpd
    import shapely

    from hotspots.areas import area_counts, assign_areas
    from hotspots.io.boundaries import load_boundaries

    warnings.simplefilter("ignore")
    areas = load_boundaries("bradford-2013")
    x, y = _points(n, areas.outline.bounds)
    pts = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs="EPSG:27700")
    assign_areas(pts.iloc[:10], areas, allow_outside=True)
    for name, call in (("assign_areas", lambda: assign_areas(pts, areas, allow_outside=True)),
                       ("area_counts", lambda: area_counts(pts, areas, level="ward",
                                                           allow_outside=True))):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - t0)
        print(f"{name:>14} {n:>10,} points  {best:6.2f} s (best of 3)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="100k points only")
    p.add_argument("--sizes", type=int, nargs="*", help="numbers of points")
    p.add_argument("--levels", nargs="*", default=["ward", "lsoa"])
    p.add_argument("--child", choices=["ours", "sjoin"], help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--level", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--verbs", type=int, metavar="N",
                   help="time assign_areas and area_counts on N points instead")
    args = p.parse_args(argv)
    if args.verbs:
        verbs(args.verbs)
        return 0
    if args.child:
        child(args.child, args.n, args.level, args.out)
        return 0

    import numpy as np

    sizes = args.sizes or ([100_000] if args.quick else [1_000_000, 5_000_000])
    header = (f"{'n':>10} {'level':>6} {'areas':>5} {'ours s':>8} {'(build)':>8} "
              f"{'sjoin s':>8} {'ratio':>6} {'ours MB':>8} {'sjoin MB':>9} {'identical':>9}")
    print(f"assignment of points to Bradford areas; boundaries from {data_dir()}")
    print(header)
    print("-" * len(header))
    bases = []
    identical_all = True
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for level in args.levels:
                ours = _run("ours", n, level, Path(tmp) / "ours.npy")
                peer = _run("sjoin", n, level, Path(tmp) / "sjoin.npy")
                same = np.array_equal(np.load(Path(tmp) / "ours.npy"),
                                      np.load(Path(tmp) / "sjoin.npy"))
                identical_all &= same
                bases.append((ours["base_mb"], peer["base_mb"]))
                print(f"{n:>10,} {level:>6} {ours['n_areas']:>5} {ours['seconds']:>8.2f} "
                      f"{ours['build']:>8.2f} {peer['seconds']:>8.2f} "
                      f"{peer['seconds'] / ours['seconds']:>5.1f}x {ours['peak_mb']:>8.0f} "
                      f"{peer['peak_mb']:>9.0f} {'yes' if same else 'NO':>9}")
    print(f"\nMB = peak resident memory of the measuring child process; before the timed step "
          f"(Python, libraries, polygons, input arrays) it held {min(b[0] for b in bases):.0f}"
          f"-{max(b[0] for b in bases):.0f} MB (ours) and {min(b[1] for b in bases):.0f}"
          f"-{max(b[1] for b in bases):.0f} MB (sjoin).")
    print("ours s includes building the label raster once per level ((build)).")
    return 0 if identical_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
