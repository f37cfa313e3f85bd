"""Benchmark: assigning points to Bradford's 30 wards and 310 LSOAs, against geopandas.sjoin.

Run from the repository root::

    python benchmarks/bench_assign.py           # 1M and 5M points (the issue's sizes)
    python benchmarks/bench_assign.py --quick   # 100k points, to check that it works
    python benchmarks/bench_assign.py --journey 3000000   # issue 16's journey stage

``--journey N``: the analyst's assignment stage at N police.uk-like incidents (snapped to
40,000 points, one shared point object per snap point as ``read_police_uk`` makes them,
1.5% without a location): ours ``load_boundaries("bradford-2013")`` + ``assign_areas``
(wards, and constituencies through the lookup) on the incident frame; the peer
``geopandas.read_file`` of the wards + ``sjoin(how="left", predicate="intersects")`` on the
same frame, one match kept per row. Each side runs in fresh child processes, alternating,
best of three; the ward of every row must be identical.

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

from _common import SRC, bradford_wards, clustered_points, data_dir, peak_mb

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


def _journey_frame(n: int):
    """N incidents at 40,000 snap points over Bradford: a frame like ``read_police_uk``'s."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    _, outline = bradford_wards()
    rng = np.random.default_rng(SEED)
    snaps = clustered_points(outline, 40_000, rng, n_uniform=30_000, n_clusters=25, sd=600)
    pick = np.minimum(rng.zipf(1.3, n) - 1, len(snaps) - 1)
    pick = rng.permutation(len(snaps))[pick]
    unknown = rng.random(n) < 0.015
    # the reader builds one point per distinct location and shares it between its rows
    geometry = shapely.points(snaps)[pick]
    geometry[unknown] = shapely.Point()
    return gpd.GeoDataFrame({
        "incident_id": pd.array([f"{i:08x}" for i in range(n)], dtype="string"),
        "category": pd.Categorical.from_codes(rng.integers(0, 14, n),
                                              [f"type {i}" for i in range(14)]),
        "location_status": pd.Categorical(np.where(unknown, "unknown", "located"),
                                          categories=["located", "unknown"]),
    }, geometry=geometry, crs="EPSG:27700")


def journey_child(side: str, n: int, out: str) -> None:
    """One side of the journey stage in this (fresh) process; prints a JSON line."""
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    incidents = _journey_frame(n)
    base = _reset_peak()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        if side == "ours":
            from hotspots.areas import assign_areas
            from hotspots.io.boundaries import load_boundaries

            areas = load_boundaries("bradford-2013", data_dir=data_dir(), download=False)
            labelled = assign_areas(incidents, areas)
            ward = labelled["ward_id"].to_numpy(dtype=object, na_value=None)
            del labelled  # the next run must not overlap this one's output (peak memory)
        else:
            import geopandas as gpd

            wards = gpd.read_file(data_dir() / "bradford-wards-2013.geojson").to_crs(27700)
            located = incidents[incidents["location_status"] == "located"]
            joined = gpd.sjoin(located[["geometry"]], wards[["WD13CD", "geometry"]],
                               how="left", predicate="intersects")
            # the edge rule: one match per row, the smallest area id
            joined = joined.sort_values("WD13CD").loc[lambda f: ~f.index.duplicated()]
            ward = np.full(len(incidents), None, dtype=object)
            found = joined["WD13CD"].reindex(located.index)
            ward[incidents.index.get_indexer(located.index)] = found.to_numpy(
                dtype=object, na_value=None)
            del joined, located, found
        best = min(best, time.perf_counter() - t0)
    np.save(out, np.asarray(ward, dtype=object), allow_pickle=True)
    print(json.dumps({"seconds": best, "peak_mb": _peak_since_reset(), "base_mb": base}))


def _reset_peak() -> float:
    """Resident MB now, after resetting the peak (Linux), so the peak is the stage's own.

    Building the frame (millions of Python strings) peaks higher than the stage; without
    the reset ``ru_maxrss`` would report the frame's building.
    """
    import contextlib
    import gc

    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS") or peak_mb()


def _peak_since_reset() -> float:
    return _status_mb("VmHWM") or peak_mb()


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def journey(n: int) -> int:
    """Time the journey's assignment stage, ours against sjoin, alternating children."""
    import numpy as np

    results: dict[str, list[dict]] = {"ours": [], "sjoin": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(2):
            for side in ("ours", "sjoin"):
                results[side].append(_run_journey(side, n, Path(tmp) / f"{side}.npy"))
        same = np.array_equal(np.load(Path(tmp) / "ours.npy", allow_pickle=True),
                              np.load(Path(tmp) / "sjoin.npy", allow_pickle=True))
    ours = min(r["seconds"] for r in results["ours"])
    peer = min(r["seconds"] for r in results["sjoin"])
    print(f"journey stage at {n:,} incidents (best of 3 per child, 2 children per side):")
    print(f"  ours  load_boundaries + assign_areas  {ours:6.2f} s  peak "
          f"{max(r['peak_mb'] for r in results['ours']):6.0f} MB (frame: "
          f"{min(r['base_mb'] for r in results['ours']):.0f} MB before the stage)")
    print(f"  peer  read_file + sjoin               {peer:6.2f} s  peak "
          f"{max(r['peak_mb'] for r in results['sjoin']):6.0f} MB")
    print(f"  ratio {peer / ours:.1f}x; wards identical: {'yes' if same else 'NO'}")
    return 0 if same else 1


def _run_journey(side: str, n: int, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--journey-child", side, "--n", str(n), "--out", str(out)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"journey child {side} n={n} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


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
    p.add_argument("--journey", type=int, metavar="N",
                   help="time load_boundaries + assign_areas on N snapped incidents vs sjoin")
    p.add_argument("--journey-child", choices=["ours", "sjoin"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.journey_child:
        journey_child(args.journey_child, args.n, args.out)
        return 0
    if args.journey:
        return journey(args.journey)
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
