"""The Dask path: ward and grid counts on a LocalCluster against the in-memory path.

Makes an incident dataset of ``--rows`` rows in the layout
:func:`hotspots.io.stream.convert_incidents` writes (force/year/month GeoParquet parts), then
counts by ward and by 100 m cell and month with :mod:`hotspots.distributed` on a
``LocalCluster`` of 2 worker processes, and checks that the counts of the first
``--subset`` rows (a period: whole months) are identical to the in-memory verbs on the same
rows. It prints the times, the throughput, the scaling from the subset to all rows and each
worker's peak RSS (``resource.getrusage`` run in the worker processes).

Two ways to make the dataset:

- default (up to 3M rows): police.uk CSV files generated and converted by
  ``convert_incidents`` (``--per-part`` rows a file), the path a user takes;
- ``--direct`` (the 50M case, whose CSV text alone would take minutes to parse): a real
  template of up to 1M rows (generated CSV -> ``read_police_uk`` -> ``assign_areas``) is
  resampled, month by month, into parts of ``--per-part`` rows written with the same
  ``write_parts`` that ``convert_incidents`` uses.

Usage: ``python benchmarks/bench_dask.py [--quick] [--rows N] [--direct] [--subset N]``;
the issue-16 target is
``--rows 50000000 --direct --subset 5000000 --per-part 250000``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from bench_stream import generate

from distributed import Client, LocalCluster
from hotspots.areas import area_counts as area_counts_in_memory
from hotspots.areas import assign_areas as assign_in_memory
from hotspots.distributed import area_and_grid_counts, grid_counts, read_incident_dataset
from hotspots.errors import DataQualityWarning
from hotspots.grid import hotspot_grid
from hotspots.io import LoadReport, load_boundaries, read_police_uk
from hotspots.io.dataset import column_dtypes, finish, merge_dtypes, write_parts
from hotspots.io.dataset import read_incident_dataset as read_in_memory
from hotspots.io.stream import convert_incidents

COLUMNS = ["location_status", "occurred", "ward", "ward_id"]


def _peak_mb() -> float:
    """Peak RSS of this process in MB: VmHWM, else ``getrusage``.

    Runs in the worker processes too. Linux keeps ``ru_maxrss`` across exec, so a worker
    spawned by a client of 1 GB would report at least 1 GB; VmHWM belongs to the process's
    own address space.
    """
    import resource  # imported here: the function is sent to the workers

    try:
        with open("/proc/self/status") as f:
            hwm = next(line for line in f if line.startswith("VmHWM:"))
        return int(hwm.split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_pid() -> int:
    import os

    return os.getpid()


def write_direct(out: Path, rows: int, per_part: int, areas: Any, work: Path) -> int:
    """Write ``rows`` resampled from a real template, one month of ``per_part`` rows a part."""
    n_template = min(rows, 1_000_000)
    (work / "template").mkdir()
    generate(work / "template", n_template, n_template)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        template = read_police_uk(work / "template")
    template = assign_in_memory(template, areas, levels="ward", allow_outside=True)
    rng = np.random.default_rng(50)
    dtypes: dict[str, dict[str, Any]] = {}
    schemas, start, parts, k, located = [], 0, 0, 0, 0
    while start < rows:
        n = min(per_part, rows - start)
        month = pd.Timestamp(2000, 1, 1) + pd.DateOffset(months=k)
        part = template.take(rng.integers(0, len(template), n)).reset_index(drop=True)
        part["occurred"] = np.datetime64(month, "ns")
        part["source_file"] = f"{month:%Y-%m}-west-yorkshire-street.csv"
        part["source_row"] = np.arange(2, n + 2, dtype=np.int64)
        written, kinds = write_parts(part, out, k)
        parts += len(written)
        schemas += kinds[:1]
        merge_dtypes(dtypes, column_dtypes(part))
        located += int((part["location_status"] == "located").sum())
        start, k = start + n, k + 1
    # the report of a resampled dataset: its rows (no file was read)
    finish(out, LoadReport(f"{rows:,} rows resampled from {n_template:,}", rows_read=rows,
                           located=located, unknown_location=rows - located), schemas, dtypes)
    return parts


def write_converted(out: Path, rows: int, per_part: int, areas: Any, work: Path) -> int:
    (work / "in").mkdir()
    files = generate(work / "in", rows, per_part)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        done = convert_incidents(files, out, areas=areas, levels="ward", allow_outside=True)
    return done.parts


def count_on_cluster(client: Client, ds: Path, areas: Any, grid: Any,
                     period: Any) -> tuple[pd.DataFrame, pd.DataFrame, float, int]:
    """Ward and grid counts of the dataset (or the period) on the cluster: tables, seconds."""
    t = time.perf_counter()
    lazy = read_incident_dataset(ds, columns=COLUMNS, period=period)
    # both tables in one pass: each partition is read once
    wards, cells = area_and_grid_counts(lazy, areas, grid, level="ward", allow_outside=True)
    return wards, cells, time.perf_counter() - t, lazy.npartitions


def _worker_peaks(client: Client) -> list[float]:
    """Each worker process's peak RSS (MB), run in the workers themselves."""
    peaks = client.run(_peak_mb)
    assert os.getpid() not in client.run(_worker_pid).values()  # really other processes
    return [round(v) for v in peaks.values()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, to check it runs")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--per-part", type=int, default=None,
                        help="rows per month part (default rows/12, at most 250k: with "
                        "1M-row parts a 50M run took one worker to 2.0 GB, with 250k 1.45 GB)")
    parser.add_argument("--subset", type=int, default=None,
                        help="rows checked against the in-memory path (default all, at most "
                        "5M); whole parts, so a multiple of --per-part")
    parser.add_argument("--direct", action="store_true",
                        help="write the dataset directly (resampled), not through CSV")
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    per_part = args.per_part or min(max(rows // 12, 1), 250_000)
    subset = min(args.subset or rows, rows)
    n_sub_parts = -(-subset // per_part)
    work = Path(tempfile.mkdtemp(prefix="bench_dask_"))
    try:
        areas = load_boundaries("bradford-2013")
        t = time.perf_counter()
        writer = write_direct if args.direct else write_converted
        parts = writer(work / "ds", rows, per_part, areas, work)
        print(f"dataset: {rows:,} rows in {parts} parts, written in "
              f"{time.perf_counter() - t:.0f} s ({'direct' if args.direct else 'converted'})")
        grid = hotspot_grid(clip=areas, cell_size=100)
        first = pd.read_parquet(next((work / "ds").rglob("part-*.parquet")),
                                columns=["occurred"])["occurred"].min()
        # whole months (parts), the end month included
        period = (f"{first:%Y-%m}", f"{first + pd.DateOffset(months=n_sub_parts - 1):%Y-%m}")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          memory_limit="4GB", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            sub_w, sub_c, sub_s, sub_np = count_on_cluster(client, work / "ds", areas, grid,
                                                           period)
            peaks_sub = _worker_peaks(client)
            all_w, all_c, all_s, all_np = count_on_cluster(client, work / "ds", areas, grid,
                                                           None)
            peaks_all = _worker_peaks(client)
        n_sub = int(sub_w["n"].sum())
        t = time.perf_counter()
        whole = read_in_memory(work / "ds", columns=COLUMNS, period=period)
        wards_mem = area_counts_in_memory(whole, areas, level="ward", allow_outside=True)
        cells_mem = grid_counts(whole, grid)
        mem_s = time.perf_counter() - t
        pd.testing.assert_frame_equal(sub_w, wards_mem[list(sub_w.columns)], check_dtype=False)
        pd.testing.assert_frame_equal(sub_c, cells_mem)
        assert n_sub == len(whole)
        assert int(all_w["n"].sum()) == rows
        print(f"subset {period[0]} to {period[1]}: {n_sub:,} rows, {sub_np} partitions: "
              f"dask {sub_s:.1f} s ({n_sub / sub_s:,.0f} rows/s), worker peaks {peaks_sub} MB")
        print(f"  in memory (read + area_counts + grid_counts): {mem_s:.1f} s "
              f"({n_sub / mem_s:,.0f} rows/s), dask/in-memory time ratio "
              f"{sub_s / mem_s:.2f}; ward and grid counts identical")
        print(f"all: {rows:,} rows, {all_np} partitions: dask {all_s:.1f} s "
              f"({rows / all_s:,.0f} rows/s), worker peaks {peaks_all} MB")
        print(f"scaling {n_sub:,} -> {rows:,} rows: {rows / n_sub:.1f}x rows in "
              f"{all_s / sub_s:.1f}x time; grid cells counted {int(all_c['n'].sum()):,}")
        print(f"client process peak RSS {_peak_mb():,.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
