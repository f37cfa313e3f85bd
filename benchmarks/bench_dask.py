"""The Dask path: ward and grid counts on a LocalCluster against the in-memory path.

Generates ``--rows`` police.uk-format rows (default 1M; ``--quick`` 100k), converts them to a
dataset (:func:`hotspots.io.stream.convert_incidents`), then counts by ward and by 100 m
cell and month with :mod:`hotspots.distributed` on a ``LocalCluster`` of 2 workers, and with
the in-memory verbs on the whole frame; checks the two are identical and prints the times,
the throughput and the peak RSS (the cluster runs in this process: ``processes=False``).

Usage: ``python benchmarks/bench_dask.py [--quick] [--rows N]``
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
from bench_stream import generate

from distributed import Client, LocalCluster
from hotspots.areas import area_counts as area_counts_in_memory
from hotspots.distributed import area_counts, grid_counts, read_incident_dataset
from hotspots.errors import DataQualityWarning
from hotspots.grid import hotspot_grid
from hotspots.io import load_boundaries
from hotspots.io.dataset import read_incident_dataset as read_in_memory
from hotspots.io.stream import convert_incidents


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, to check it runs")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    work = Path(tempfile.mkdtemp(prefix="bench_dask_"))
    try:
        (work / "in").mkdir()
        files = generate(work / "in", rows, max(rows // 12, 1))
        areas = load_boundaries("bradford-2013")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            convert_incidents(files, work / "ds", areas=areas, levels="ward",
                              allow_outside=True)
        grid = hotspot_grid(clip=areas, cell_size=100)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster, Client(cluster):
            t = time.perf_counter()
            lazy = read_incident_dataset(work / "ds", columns=[
                "location_status", "occurred", "ward", "ward_id"])
            wards = area_counts(lazy, areas, level="ward", allow_outside=True)
            cells = grid_counts(lazy, grid)
            dask_s = time.perf_counter() - t
        t = time.perf_counter()
        whole = read_in_memory(work / "ds")
        wards_mem = area_counts_in_memory(whole, areas, level="ward", allow_outside=True)
        cells_mem = grid_counts(whole, grid)
        mem_s = time.perf_counter() - t
        pd.testing.assert_frame_equal(wards, wards_mem[list(wards.columns)], check_dtype=False)
        pd.testing.assert_frame_equal(cells, cells_mem)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"rows: {rows:,} in {lazy.npartitions} partitions")
        print(f"dask (LocalCluster, 2 workers): {dask_s:.1f} s, {rows / dask_s:,.0f} rows/s")
        print(f"in memory (read + area_counts + grid_counts): {mem_s:.1f} s")
        print(f"ward and grid counts identical; peak RSS {peak:,.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
