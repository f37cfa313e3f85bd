"""Benchmark: the analyst's whole journey (read, wards, Gi* 100 m, map) against a plain script.

Run from the repository root::

    python benchmarks/bench_pipeline.py                  # 300,000 rows in 36 monthly files
    python benchmarks/bench_pipeline.py --rows 3000000   # the size of issue 16's table
    python benchmarks/bench_pipeline.py --quick          # 30,000 rows, to check that it runs

Data: ``--rows`` generated police.uk street-level rows (the published CSV layout: 64-hex
crime ids, 3% blank; 1.5% without a location; 14 crime types; snapped to 40,000 "snap
points" as police.uk publishes them) over Bradford, split into 36 monthly files, written
once to a temporary folder that both sides read.

Each side runs in its own child process (so peak memory is its own: ``ru_maxrss`` at the
end) and reports the time of each stage (one run each: the 3M size is slow for the peer):

Each side's stages start with "import": loading its libraries (pandas, pyarrow, geopandas
for both), counted in the total but not in "read", so that "read" compares the reading
functions. The checkout's modules are compiled to bytecode first, as an installed package's
are (the peers' libraries are installed compiled); ``--side`` runs by hand should run
``python -m compileall -q src/hotspots`` first.

- ours: ``read_police_uk(folder)``; ``load_boundaries`` + ``assign_areas``;
  ``hotspot_gistar(incidents, cell_size=100, clip=areas, permutations=0)`` (the ward-clipped
  grid is built inside the call); ``explore_hotspots(result).save(html)``.
- arrow: ``pandas.read_csv(engine="pyarrow", dtype=str)`` of every file, the floor of
  issue 16's read target (``read_police_uk`` within 3x of it), reported beside the table.
- plain: ``pandas.read_csv`` per file + ``concat``, ``points_from_xy`` + ``to_crs``;
  ``geopandas.read_file`` + ``sjoin``; a 100 m grid of ``shapely.box`` cells kept where
  they meet the wards, counts by ``sjoin``, ``libpysal.weights.DistanceBand`` (queen
  neighbours) + ``esda.G_Local(star=True, permutations=0)``; a ``folium`` map of the
  significant cells, saved.

``permutations=0`` on both sides: the comparison is the normal-approximation statistic.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    bradford_wards,
    clustered_points,
    compile_source_tree,
    data_dir,
    peak_mb,
    use_source_tree,
)

SEED = 20250601
MONTHS = 36
CRIME_TYPES = ["Anti-social behaviour", "Violence and sexual offences",
               "Criminal damage and arson",
               "Burglary", "Vehicle crime", "Other theft", "Shoplifting", "Public order",
               "Drugs", "Robbery", "Theft from the person", "Bicycle theft",
               "Possession of weapons", "Other crime"]


def generate(folder: Path, rows: int) -> list[Path]:
    """Write ``rows`` police.uk-format rows over Bradford into 36 monthly CSV files."""
    import numpy as np
    import pandas as pd
    from pyproj import Transformer

    _, outline = bradford_wards()
    rng = np.random.default_rng(SEED)
    snaps = clustered_points(outline, 40_000, rng, n_uniform=30_000, n_clusters=25, sd=600)
    # police.uk publishes points at snap points: popular ones (town centres) get more
    pick = np.minimum(rng.zipf(1.3, rows) - 1, len(snaps) - 1)
    pick = rng.permutation(len(snaps))[pick]
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(
        snaps[pick, 0], snaps[pick, 1])
    lon = np.round(lon, 6)
    lat = np.round(lat, 6)
    no_loc = rng.random(rows) < 0.015
    ids = np.array([f"{v:064x}" for v in rng.integers(0, 2**62, rows)], dtype=object)
    ids[rng.random(rows) < 0.03] = ""
    month = rng.integers(0, MONTHS, rows)
    frame = pd.DataFrame({
        "Crime ID": ids,
        "Month": np.asarray([f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)],
                            dtype=object)[month],
        "Reported by": "West Yorkshire Police",
        "Falls within": "West Yorkshire Police",
        "Longitude": np.where(no_loc, np.nan, lon),
        "Latitude": np.where(no_loc, np.nan, lat),
        "Location": np.where(no_loc, "No Location", "On or near High Street"),
        "LSOA code": "E01010571",
        "LSOA name": "Bradford 001A",
        "Crime type": np.asarray(CRIME_TYPES, dtype=object)[rng.integers(0, 14, rows)],
        "Last outcome category": "Investigation complete; no suspect identified",
        "Context": "",
    })
    paths = []
    for m, part in frame.groupby("Month", sort=True):
        path = folder / f"{m}-west-yorkshire-street.csv"
        part.to_csv(path, index=False, float_format="%.6f")
        paths.append(path)
    return paths


def run_ours(folder: Path, out: Path) -> dict[str, float]:
    use_source_tree()
    import warnings

    warnings.simplefilter("ignore")
    t = [time.perf_counter()]
    from hotspots.io.incidents import read_police_uk

    t.append(time.perf_counter())
    incidents = read_police_uk(folder)
    t.append(time.perf_counter())
    from hotspots.areas import assign_areas
    from hotspots.io.boundaries import load_boundaries

    areas = load_boundaries("bradford-2013", data_dir=data_dir(), download=False)
    incidents = assign_areas(incidents, areas)
    t.append(time.perf_counter())
    from hotspots.hotspot import hotspot_gistar

    result = hotspot_gistar(incidents, cell_size=100, clip=areas, permutations=0)
    t.append(time.perf_counter())
    from hotspots.maps import explore_hotspots

    explore_hotspots(result, tiles=None).save(str(out))
    t.append(time.perf_counter())
    return {"rows": len(incidents), "cells": len(result), "hot": int((result["gi_bin"] > 0).sum()),
            **_stages(t), "map_mb": out.stat().st_size / 1e6, "peak_mb": peak_mb()}


def run_plain(folder: Path, out: Path) -> dict[str, float]:
    import math
    import warnings

    warnings.simplefilter("ignore")
    t = [time.perf_counter()]
    import geopandas as gpd
    import pandas as pd

    t.append(time.perf_counter())
    files = sorted(folder.glob("*.csv"))
    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    df = df.dropna(subset=["Longitude", "Latitude"])
    points = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]),
                              crs=4326).to_crs(27700)
    t.append(time.perf_counter())
    wards = gpd.read_file(data_dir() / "bradford-wards-2013.geojson").to_crs(27700)
    joined = gpd.sjoin(points, wards[["WD13CD", "WD13NM", "geometry"]] if "WD13CD" in wards
                       else wards, how="left", predicate="intersects")
    joined = joined[~joined.index.duplicated()]
    t.append(time.perf_counter())
    import esda
    import libpysal
    import numpy as np
    import shapely

    cs = 100.0
    minx, miny, maxx, maxy = wards.total_bounds
    xs = np.arange(math.floor(minx / cs) * cs, maxx, cs)
    ys = np.arange(math.floor(miny / cs) * cs, maxy, cs)
    gx, gy = np.meshgrid(xs, ys)
    cells = gpd.GeoDataFrame(geometry=shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cs,
                                                  gy.ravel() + cs), crs=27700)
    outline = wards.union_all()
    cells = cells[cells.intersects(outline)].reset_index(drop=True)
    hits = gpd.sjoin(joined[["geometry"]], cells, how="inner", predicate="within")
    y = hits.groupby("index_right").size().reindex(cells.index, fill_value=0).to_numpy(float)
    centres = np.column_stack([cells.centroid.x, cells.centroid.y])
    w = libpysal.weights.DistanceBand(centres, threshold=cs * math.sqrt(2) * (1 + 1e-6),
                                      binary=True, silence_warnings=True)
    g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    cells["z"] = g.Zs
    cells["p"] = g.p_norm
    t.append(time.perf_counter())
    import folium

    sig = cells[cells["p"] < 0.05].to_crs(4326)
    m = folium.Map(location=[53.8, -1.85], zoom_start=11, tiles=None)
    folium.GeoJson(sig[["z", "p", "geometry"]],
                   style_function=lambda f: {"fillColor": "red" if f["properties"]["z"] > 0
                                             else "blue", "weight": 0}).add_to(m)
    m.save(str(out))
    t.append(time.perf_counter())
    return {"rows": len(df), "cells": len(cells), "hot": int(((cells["p"] < 0.05)
                                                             & (cells["z"] > 0)).sum()),
            **_stages(t), "map_mb": out.stat().st_size / 1e6, "peak_mb": peak_mb()}


def run_arrow(folder: Path, out: Path) -> dict[str, float]:
    """The floor of issue 16's read target: ``pandas.read_csv(engine="pyarrow", dtype=str)``."""
    import pandas as pd

    t = time.perf_counter()
    files = sorted(folder.glob("*.csv"))
    frame = pd.concat([pd.read_csv(f, engine="pyarrow", dtype=str) for f in files],
                      ignore_index=True)
    return {"rows": len(frame), "read": time.perf_counter() - t, "peak_mb": peak_mb()}


def _stages(t: list[float]) -> dict[str, float]:
    names = ["import", "read", "assign", "gistar", "map"]
    return {n: t[i + 1] - t[i] for i, n in enumerate(names)} | {"total": t[-1] - t[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000, help="rows to generate")
    parser.add_argument("--quick", action="store_true", help="30,000 rows, to check it runs")
    parser.add_argument("--side", choices=["ours", "plain", "arrow"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run = {"ours": run_ours, "plain": run_plain, "arrow": run_arrow}[args.side]
        print(json.dumps(run(args.dir, args.dir.parent / f"{args.side}.html")))
        return 0
    rows = 30_000 if args.quick else args.rows
    compile_source_tree()  # both sides' libraries timed as installed: compiled
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "police-uk"
        folder.mkdir()
        t = time.perf_counter()
        generate(folder, rows)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"journey on {rows:,} generated police.uk rows in {MONTHS} monthly files "
              f"({size:,.0f} MB, written in {time.perf_counter() - t:.1f} s); one run per side, "
              "each in its own process")
        res = {}
        for side in ("ours", "plain", "arrow"):
            out = subprocess.run([sys.executable, __file__, "--side", side, "--dir", str(folder)],
                                 capture_output=True, text=True)
            if out.returncode:
                print(out.stderr[-3000:])
                return 1
            res[side] = json.loads(out.stdout.strip().splitlines()[-1])
    ours, plain, arrow = res["ours"], res["plain"], res["arrow"]
    header = f"{'stage':<10} {'hotspots':>10} {'plain':>10} {'plain/ours':>11}"
    print(header)
    print("-" * len(header))
    for stage in ("import", "read", "assign", "gistar", "map", "total"):
        print(f"{stage:<10} {ours[stage]:9.2f}s {plain[stage]:9.2f}s "
              f"{plain[stage] / ours[stage]:10.1f}x")
    print(f"{'peak MB':<10} {ours['peak_mb']:10,.0f} {plain['peak_mb']:10,.0f}")
    print(f"{'map MB':<10} {ours['map_mb']:10.2f} {plain['map_mb']:10.2f}")
    print("-" * len(header))
    print(f"read floor: pandas.read_csv(engine='pyarrow', dtype=str) {arrow['read']:.2f}s "
          f"({arrow['peak_mb']:,.0f} MB peak); read_police_uk is "
          f"{ours['read'] / arrow['read']:.1f}x that (issue 16 target: within 3x)")
    print(f"rows read: ours {ours['rows']:,} (every row, unknown locations kept), plain "
          f"{plain['rows']:,}; cells: ours {ours['cells']:,}, plain {plain['cells']:,}; "
          f"hot cells: ours {ours['hot']:,} (FDR-adjusted), plain {plain['hot']:,} (p < 0.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
