"""DBSCAN and HDBSCAN on police.uk-like points: hotspots against sklearn, fast_hdbscan, hdbscan.

Usage: ``python benchmarks/bench_cluster.py [--quick]``.

The data imitate data.police.uk snap points: a fixed set of map points (``locations``), 60%
of them in Gaussian "town centre" blobs and 40% spread uniformly over a 30 km square, each
drawing incidents with a heavy-tailed (log-normal) popularity, three times higher in the
blobs. Every incident sits exactly on a snap point, so most coordinates repeat many times.
Rows are shuffled, as police.uk files are not sorted by place.

Every run is a separate Python process (so that ``ru_maxrss`` is that run's peak memory);
each process builds the same data from the same seed, and the "data only" line gives the
memory of the data alone. Times exclude building the data and, for fast_hdbscan, its numba
compilation (done on a small warm-up set first).

Tables printed:

1. DBSCAN (eps 150 m): ``hotspots`` (distinct locations weighted by counts) against plain
   ``sklearn.cluster.DBSCAN`` on the raw points, then ``hotspots`` alone at 5x the points
   (the peer is run there only if its memory, extrapolated from the first size, fits).
   "same clusters" compares the partitions (adjusted Rand index, noise, and how many
   incidents sit in a cluster other than the matching one: DBSCAN gives a border point
   reachable from two clusters to the one grown first, which depends on row order).
2. HDBSCAN: ``hotspots`` (weighted HDBSCAN* on distinct locations) against ``fast_hdbscan``
   on the raw points and with ``sample_weight`` on the distinct locations, and ``hdbscan`` on
   the raw points. The peers differ by design on duplicates (raw HDBSCAN makes every heavily
   repeated coordinate a cluster of its own), so the table reports cluster counts and the
   agreement (ARI) with ours rather than "same clusters".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

EPS = 150.0
DB_MIN_SAMPLES = 50
HDB_MIN_SAMPLES = 10
HDB_MIN_CLUSTER_SIZE = 50


# --- data ---------------------------------------------------------------------------------
def police_like(n_points: int, n_locations: int, seed: int = 0) -> np.ndarray:
    """``n_points`` incidents on ``n_locations`` snap points (BNG metres), rows shuffled."""
    rng = np.random.default_rng(seed)
    side = 30_000.0
    origin = np.array([400_000.0, 420_000.0])
    n_centres = 40
    centres = origin + rng.uniform(0, side, (n_centres, 2))
    sd = rng.uniform(200.0, 800.0, n_centres)
    n_blob = int(0.6 * n_locations)
    which = rng.integers(0, n_centres, n_blob)
    blob = centres[which] + rng.normal(0.0, 1.0, (n_blob, 2)) * sd[which, None]
    background = origin + rng.uniform(0, side, (n_locations - n_blob, 2))
    locations = np.round(np.vstack([blob, background]), 1)
    popularity = rng.lognormal(0.0, 1.2, n_locations)
    popularity[:n_blob] *= 3.0
    counts = rng.multinomial(n_points, popularity / popularity.sum())
    points = np.repeat(locations, counts, axis=0)
    return points[rng.permutation(n_points)]


# --- one run per process ------------------------------------------------------------------
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _worker(task: str, n: int, locations: int, seed: int, out: str) -> None:
    sys.path.insert(0, str(SRC))
    warnings.simplefilter("ignore")
    X = police_like(n, locations, seed)
    labels = None
    extra: dict = {}
    if task == "data":
        # the imports every run needs, so that "over data" is the algorithm's own memory
        import scipy.sparse  # noqa: F401
        import sklearn.cluster  # noqa: F401

        elapsed = 0.0
    elif task == "ours-dbscan":
        from hotspots.cluster import IncidentClusterer

        t = time.perf_counter()
        est = IncidentClusterer("dbscan", eps=EPS, min_samples=DB_MIN_SAMPLES).fit(X)
        elapsed = time.perf_counter() - t
        labels = est.labels_
        extra["n_locations"] = est.n_locations_
    elif task == "sklearn-dbscan":
        from sklearn.cluster import DBSCAN

        t = time.perf_counter()
        labels = DBSCAN(eps=EPS, min_samples=DB_MIN_SAMPLES).fit(X).labels_
        elapsed = time.perf_counter() - t
    elif task == "ours-hdbscan":
        from hotspots.cluster import IncidentClusterer

        t = time.perf_counter()
        est = IncidentClusterer("hdbscan", min_samples=HDB_MIN_SAMPLES,
                                min_cluster_size=HDB_MIN_CLUSTER_SIZE).fit(X)
        elapsed = time.perf_counter() - t
        labels = est.labels_
    elif task in ("fast-hdbscan", "fast-hdbscan-weighted"):
        import fast_hdbscan

        # numba compiles on first use: warm up on a small set so only the run is timed
        warm = police_like(2_000, 200, seed + 1)
        fast_hdbscan.HDBSCAN(min_samples=HDB_MIN_SAMPLES,
                             min_cluster_size=HDB_MIN_CLUSTER_SIZE).fit(warm)
        wu, wc = np.unique(warm, axis=0, return_counts=True)
        fast_hdbscan.HDBSCAN(min_samples=HDB_MIN_SAMPLES, min_cluster_size=HDB_MIN_CLUSTER_SIZE
                             ).fit(wu, sample_weight=wc.astype(float))
        t = time.perf_counter()
        if task == "fast-hdbscan":
            # fast_hdbscan (like hdbscan) does not count the point itself in min_samples
            labels = fast_hdbscan.HDBSCAN(min_samples=HDB_MIN_SAMPLES - 1,
                                          min_cluster_size=HDB_MIN_CLUSTER_SIZE).fit(X).labels_
        else:
            # with sample_weight, fast_hdbscan counts the point's own weight
            U, inv, cnt = np.unique(X, axis=0, return_inverse=True, return_counts=True)
            lab_u = fast_hdbscan.HDBSCAN(min_samples=HDB_MIN_SAMPLES,
                                         min_cluster_size=HDB_MIN_CLUSTER_SIZE).fit(
                U, sample_weight=cnt.astype(float)).labels_
            labels = lab_u[inv.ravel()]
        elapsed = time.perf_counter() - t
    elif task == "hdbscan":
        import hdbscan

        t = time.perf_counter()
        labels = hdbscan.HDBSCAN(min_samples=HDB_MIN_SAMPLES - 1,
                                 min_cluster_size=HDB_MIN_CLUSTER_SIZE).fit(X).labels_
        elapsed = time.perf_counter() - t
    else:
        raise SystemExit(f"unknown task {task}")
    if labels is not None:
        np.save(out + ".npy", np.asarray(labels, dtype=np.int64))
    result = {"task": task, "n": n, "seconds": elapsed, "peak_mb": _peak_mb(),
              "n_clusters": None if labels is None else int(np.max(labels)) + 1, **extra}
    Path(out + ".json").write_text(json.dumps(result))


def _run(task: str, n: int, locations: int, seed: int, tmp: str, timeout: float | None
         ) -> dict:
    out = os.path.join(tmp, f"{task}-{n}")
    cmd = [sys.executable, __file__, "--worker", task, "--n", str(n), "--locations",
           str(locations), "--seed", str(seed), "--out", out]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"task": task, "n": n, "error": f"timeout after {timeout:.0f} s"}
    if proc.returncode != 0 or not Path(out + ".json").exists():
        tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        killed = proc.returncode in (-9, 137)
        return {"task": task, "n": n, "error": "killed (out of memory?)" if killed else tail[0]}
    res = json.loads(Path(out + ".json").read_text())
    if Path(out + ".npy").exists():
        res["labels"] = np.load(out + ".npy")
    return res


# --- comparisons --------------------------------------------------------------------------
def _contested_border(X: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> int:
    """How many of ``rows`` are DBSCAN border points reachable from two or more clusters."""
    from sklearn.neighbors import KDTree

    U, inv, cnt = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    tree = KDTree(U)
    neigh = tree.query_radius(U, r=EPS)
    weight = np.array([cnt[nb].sum() for nb in neigh])
    core = weight >= DB_MIN_SAMPLES
    lab_u = np.full(len(U), -1)
    lab_u[inv] = labels
    n = 0
    for loc in np.unique(inv[rows]):
        nb = neigh[loc]
        if core[loc]:
            continue
        if len(set(lab_u[nb[core[nb]]].tolist())) >= 2:
            n += int((inv[rows] == loc).sum())
    return n


def _compare(a: np.ndarray, b: np.ndarray, X: np.ndarray | None = None) -> str:
    """How two labelings of the same rows agree (``X`` given: DBSCAN border check)."""
    from sklearn.metrics import adjusted_rand_score

    ari = adjusted_rand_score(a, b)
    same_noise = np.array_equal(a < 0, b < 0)
    both = (a >= 0) & (b >= 0)
    moved = 0
    if both.any():
        # map each cluster of a to the cluster of b holding most of its rows
        pairs, counts = np.unique(np.column_stack([a[both], b[both]]), axis=0,
                                  return_counts=True)
        best = {}
        for (x, y), c in zip(pairs.tolist(), counts.tolist(), strict=True):
            if c > best.get(x, (None, -1))[1]:
                best[x] = (y, c)
        mapped = np.array([best[x][0] for x in a[both]])
        moved_rows = np.flatnonzero(both)[mapped != b[both]]
        moved = moved_rows.size
    if moved == 0 and same_noise and ari == 1.0:
        return "yes (identical partition)"
    if X is not None and same_noise and moved:
        contested = _contested_border(X, a, moved_rows)
        if contested == moved:
            return (f"yes: same core points and noise; {moved} border incidents (all within "
                    "eps of 2+ clusters) went to the other cluster: row-order tie")
    return (f"no: ARI {ari:.4f}, noise {'same' if same_noise else 'differs'}, "
            f"{moved} incidents in another cluster")


def _fmt_mem(mb: float) -> str:
    return f"{mb / 1024:.2f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def _row(name: str, res: dict, base: dict | None = None, *, ref: dict | None = None,
         compare: bool = True, X: np.ndarray | None = None, agreement: bool = False) -> str:
    if "error" in res:
        return f"  {name:<40} {'-':>9} {'-':>10}   {res['error']}"
    mem = _fmt_mem(res["peak_mb"])
    if base is not None and "peak_mb" in base:
        mem += f" (+{_fmt_mem(res['peak_mb'] - base['peak_mb'])})"
    same = ""
    if compare and ref is not None and "labels" in ref and "labels" in res:
        if agreement:
            from sklearn.metrics import adjusted_rand_score

            a, b = ref["labels"], res["labels"]
            same = (f"ARI {adjusted_rand_score(a, b):.3f}; noise {100 * (b < 0).mean():.1f}% "
                    f"(ours {100 * (a < 0).mean():.1f}%)")
        else:
            same = _compare(ref["labels"], res["labels"], X)
    return (f"  {name:<40} {res['seconds']:>8.2f}s {mem:>22}  clusters {res['n_clusters']:>4}  "
            f"{same}")


def _mem_total_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("inf")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, to check it runs")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--locations", type=int, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        _worker(args.worker, args.n, args.locations, args.seed, args.out)
        return 0

    if args.quick:
        n1, loc1, n5, loc5, n_h, loc_h = 50_000, 2_000, 250_000, 10_000, 50_000, 2_000
    else:
        n1, loc1, n5, loc5, n_h, loc_h = 1_000_000, 40_000, 5_000_000, 200_000, 1_000_000, 40_000
    seed = 0
    timeout = None if args.quick else 1800.0  # a peer that runs longer is reported, not awaited
    print(f"police.uk-like points: {n1:,} incidents on {loc1:,} snap points, and {n5:,} on "
          f"{loc5:,}; eps {EPS:g} m, min_samples {DB_MIN_SAMPLES}")
    with tempfile.TemporaryDirectory() as tmp:
        print("\nDBSCAN")
        print(f"  {'run':<40} {'time':>9} {'peak memory (over data)':>22}")
        base1 = _run("data", n1, loc1, seed, tmp, None)
        print(f"  {'data only, ' + f'{n1:,}':<40} {'':>9} {_fmt_mem(base1['peak_mb']):>22}")
        ours1 = _run("ours-dbscan", n1, loc1, seed, tmp, None)
        print(_row(f"hotspots, {n1:,} points", ours1, base1, compare=False), flush=True)
        peer1 = _run("sklearn-dbscan", n1, loc1, seed, tmp, timeout)
        print(_row(f"sklearn DBSCAN raw, {n1:,} points", peer1, base1, ref=ours1,
                   X=police_like(n1, loc1, seed)), flush=True)
        if "seconds" in peer1 and "seconds" in ours1 and ours1["seconds"] > 0:
            print(f"  -> hotspots is {peer1['seconds'] / ours1['seconds']:.1f}x faster; peak "
                  f"memory {peer1['peak_mb'] / ours1['peak_mb']:.1f}x lower")
        base5 = _run("data", n5, loc5, seed, tmp, None)
        print(f"  {'data only, ' + f'{n5:,}':<40} {'':>9} {_fmt_mem(base5['peak_mb']):>22}")
        ours5 = _run("ours-dbscan", n5, loc5, seed, tmp, None)
        print(_row(f"hotspots, {n5:,} points", ours5, base5, compare=False), flush=True)
        if "peak_mb" in ours5:
            verdict = "under" if ours5["peak_mb"] < 2048 else "OVER"
            print(f"  -> peak {_fmt_mem(ours5['peak_mb'])}: {verdict} the 2 GB target")
        # the peer's neighbour lists grow with (points per neighbourhood) x (points): about
        # quadratically in the number of points over the same area
        if "peak_mb" in peer1:
            est = base5["peak_mb"] + (peer1["peak_mb"] - base1["peak_mb"]) * (n5 / n1) ** 2
            have = _mem_total_mb()
            if est > 0.8 * have:
                print(f"  {'sklearn DBSCAN raw, ' + f'{n5:,} points':<40} not run (peer needs "
                      f"about {_fmt_mem(est)} by extrapolation from {n1:,}, machine has "
                      f"{_fmt_mem(have)})")
            else:
                peer5 = _run("sklearn-dbscan", n5, loc5, seed, tmp, timeout)
                print(_row(f"sklearn DBSCAN raw, {n5:,} points", peer5, base5, ref=ours5,
                           X=police_like(n5, loc5, seed)))

        print(f"\nHDBSCAN ({n_h:,} points on {loc_h:,} snap points; min_samples "
              f"{HDB_MIN_SAMPLES}, min_cluster_size {HDB_MIN_CLUSTER_SIZE}; ARI against ours)")
        baseh = _run("data", n_h, loc_h, seed, tmp, None)
        print(f"  {'data only':<40} {'':>9} {_fmt_mem(baseh['peak_mb']):>22}")
        oursh = _run("ours-hdbscan", n_h, loc_h, seed, tmp, None)
        print(_row("hotspots (weighted, distinct locations)", oursh, baseh, compare=False),
              flush=True)
        for task, name in (("fast-hdbscan-weighted", "fast_hdbscan sample_weight, locations"),
                           ("fast-hdbscan", "fast_hdbscan raw points"),
                           ("hdbscan", "hdbscan raw points")):
            res = _run(task, n_h, loc_h, seed, tmp, timeout)
            print(_row(name, res, baseh, ref=oursh, agreement=True), flush=True)
            if "seconds" in res and "seconds" in oursh and oursh["seconds"] > 0:
                print(f"  -> hotspots is {res['seconds'] / oursh['seconds']:.1f}x faster than "
                      f"{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
