"""Setup shared by the benchmark scripts: paths, Bradford's wards, synthetic points, timing.

The scripts run as ``python benchmarks/bench_x.py`` from any folder. Python puts the script's
own folder (this one) first on ``sys.path``, so they ``import _common`` with no path logic;
``run_all.py`` only runs ``bench_*.py``, so this module is never run as a benchmark.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

_T = TypeVar("_T")


def use_source_tree() -> None:
    """Import ``hotspots`` from this checkout's ``src`` even when it is not installed."""
    sys.path.insert(0, str(SRC))


def compile_source_tree() -> None:
    """Write the bytecode of this checkout's ``hotspots``, as installing it would.

    pip compiles an installed package's modules once, and the peers' libraries are timed
    that way. A checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (set on some CI images and
    sandboxes) would otherwise compile some 200 modules from source in every process, about
    0.3 s that no installed copy pays. ``compileall`` writes the ``__pycache__`` folders
    (ignored by git) whatever that variable says; they follow the sources (a changed module
    is compiled again).
    """
    import compileall

    compileall.compile_dir(str(SRC / "hotspots"), quiet=1)


def data_dir() -> Path:
    """The boundary files: ``$HOTSPOTS_DATA_DIR``, else ``../shared/boundaries``."""
    env = os.environ.get("HOTSPOTS_DATA_DIR")
    return Path(env) if env else (ROOT / ".." / "shared" / "boundaries").resolve()


def best_of(fn: Callable[[], _T], repeat: int) -> tuple[float, _T]:
    """Run ``fn`` ``repeat`` times; return the fastest wall time (s) and the last result."""
    best = math.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out  # type: ignore[return-value]


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bradford_wards() -> tuple[Any, Any]:
    """Bradford's 2013 wards (GeoDataFrame, EPSG:27700) and their union, the district."""
    import geopandas as gpd
    import shapely

    wards = gpd.read_file(data_dir() / "bradford-wards-2013.geojson").to_crs(27700)
    return wards, shapely.union_all(wards.geometry.to_numpy())


def clustered_points(outline: Any, n: int, rng: Any, *, n_uniform: int, n_clusters: int,
                     sd: float) -> Any:
    """``n`` points: ``n_uniform`` uniform inside ``outline``, the rest in Gaussian clusters.

    Cluster centres are ``n_clusters`` of the uniform points; each clustered point is a
    centre picked at random plus normal noise of standard deviation ``sd`` metres. The
    draws from ``rng`` are always made in the same order, so a seed gives the same points.
    """
    import numpy as np
    import shapely

    minx, miny, maxx, maxy = outline.bounds
    shapely.prepare(outline)
    parts = []
    got = 0
    while got < n_uniform:
        x = rng.uniform(minx, maxx, n)
        y = rng.uniform(miny, maxy, n)
        keep = shapely.contains_xy(outline, x, y)
        parts.append(np.column_stack([x[keep], y[keep]]))
        got += int(keep.sum())
    uniform = np.concatenate(parts)[:n_uniform]
    centres = uniform[rng.choice(n_uniform, n_clusters, replace=False)]
    rest = n - n_uniform
    clustered = centres[rng.integers(0, n_clusters, rest)] + rng.normal(0, sd, (rest, 2))
    return np.concatenate([uniform, clustered])
