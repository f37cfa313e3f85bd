"""Streaming conversion: police.uk-format monthly files -> GeoParquet dataset + ward counts.

Generates ``--rows`` rows (default 1M; ``--rows 30000000`` for the issue-16 target) as
police.uk street-level files of ``--per-file`` rows (a force's month), then runs
:func:`hotspots.io.stream.convert_incidents` with the Bradford wards, and prints rows/s and
the process's peak RSS (``resource.getrusage``). The target: 30M rows with peak memory under
2 GB. The files are generated in a temporary folder (about 110 bytes a row) and removed.

Usage: ``python benchmarks/bench_stream.py [--quick] [--rows N] [--per-file N]``
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

import numpy as np
import pandas as pd

from hotspots.errors import DataQualityWarning
from hotspots.io import load_boundaries
from hotspots.io.stream import convert_incidents

HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
          "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
          "Context"]
TYPES = np.array(["Burglary", "Vehicle crime", "Anti-social behaviour", "Shoplifting",
                  "Violence and sexual offences", "Criminal damage and arson"])


def write_month(path: Path, n: int, month: str, rng: np.random.Generator, start: int) -> None:
    """One police.uk street-level file of ``n`` rows around Bradford (1% without location)."""
    lon = rng.uniform(-1.95, -1.70, n).round(6).astype(str)
    lat = rng.uniform(53.73, 53.93, n).round(6).astype(str)
    blank = rng.random(n) < 0.01
    lon[blank] = ""
    lat[blank] = ""
    types = TYPES[rng.integers(0, len(TYPES), n)]
    ids = np.char.add("c", np.arange(start, start + n).astype(str))
    ids[types == "Anti-social behaviour"] = ""  # police.uk publishes ASB without ids
    force = "West Yorkshire Police"
    pd.DataFrame({
        "Crime ID": ids, "Month": month, "Reported by": force, "Falls within": force,
        "Longitude": lon, "Latitude": lat, "Location": "On or near Main Street",
        "LSOA code": "E01010600", "LSOA name": "Bradford 001A", "Crime type": types,
        "Last outcome category": "Under investigation", "Context": "",
    }).to_csv(path, index=False, columns=HEADER)


def generate(folder: Path, rows: int, per_file: int) -> list[Path]:
    rng = np.random.default_rng(16)
    paths, start, k = [], 0, 0
    while start < rows:
        n = min(per_file, rows - start)
        month = f"{2010 + k // 12}-{k % 12 + 1:02d}"
        path = folder / f"{month}-west-yorkshire-street.csv"
        write_month(path, n, month, rng, start)
        paths.append(path)
        start += n
        k += 1
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, to check it runs")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=250_000)
    parser.add_argument("--keep", help="keep the dataset in this folder")
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    work = Path(tempfile.mkdtemp(prefix="bench_stream_"))
    try:
        t0 = time.perf_counter()
        files = generate(work / "in", rows, args.per_file) if (work / "in").mkdir() is None \
            else []
        gen = time.perf_counter() - t0
        areas = load_boundaries("bradford-2013")
        out = Path(args.keep) if args.keep else work / "ds"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            done = convert_incidents(files, out, areas=areas, levels="ward",
                                     allow_outside=True)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        wards = done.counts["ward"]
        print(f"rows: {done.report.rows_read:,} in {len(files)} files "
              f"(generated in {gen:.0f} s)")
        print(f"convert + assign wards + count: {done.seconds:.1f} s, "
              f"{done.rows_per_second:,.0f} rows/s, {done.parts} parts")
        print(f"peak RSS (whole process): {peak_mb:,.0f} MB")
        print(f"ward counts: {int(wards['n'].sum()):,} rows over {len(wards) - 2} wards "
              f"(outside {int(wards['n'].iloc[-2]):,}, unknown {int(wards['n'].iloc[-1]):,})")
        assert int(wards["n"].sum()) == done.report.kept
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
