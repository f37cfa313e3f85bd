"""Streaming conversion: police.uk-format monthly files -> GeoParquet dataset + ward counts.

Generates ``--rows`` rows (default 1M; ``--rows 30000000`` for the issue-16 target) as
police.uk street-level files of ``--per-file`` rows (a force's month), then runs
:func:`hotspots.io.stream.convert_incidents` with the Bradford wards, and prints rows/s and
the peak RSS of the process that converted (VmHWM; each run in a fresh process). The
target: 30M rows with peak memory under 2 GB. ``--peer`` also runs the in-memory path on
the same files (alternating, best of ``--repeat``) and checks the ward counts agree;
``--per-file`` larger than ``--chunk-mb`` makes files that are read in pieces. The files
are generated in a temporary folder (about 165 bytes a row) and removed.

Usage: ``python benchmarks/bench_stream.py [--quick] [--rows N] [--per-file N] [--peer]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from hotspots.errors import DataQualityWarning
from hotspots.io import load_boundaries
from hotspots.io.stream import convert_incidents

HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
          "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
          "Context"]
TYPES = np.array(["Burglary", "Vehicle crime", "Anti-social behaviour", "Shoplifting",
                  "Violence and sexual offences", "Criminal damage and arson"])


def _repeat(value: str, n: int) -> pa.Array:
    return pa.array([value]).take(pa.array(np.zeros(n, dtype=np.int64)))


def write_month(path: Path, n: int, month: str, rng: np.random.Generator, start: int) -> None:
    """One police.uk street-level file of ``n`` rows around Bradford (1% without location).

    Built as Arrow columns and written by ``pyarrow.csv`` (vectorised: about 1 s per million
    rows; formatting rows in Python took 20 s per million).
    """
    blank = rng.random(n) < 0.01
    lon = pc.cast(pa.array(rng.uniform(-1.95, -1.70, n).round(6), mask=blank), pa.string())
    lat = pc.cast(pa.array(rng.uniform(53.73, 53.93, n).round(6), mask=blank), pa.string())
    type_code = rng.integers(0, len(TYPES), n)
    types = pa.array(TYPES).take(pa.array(type_code))
    numbers = pc.cast(pa.array(np.arange(start, start + n)), pa.string())
    # police.uk publishes anti-social behaviour without ids
    asb = type_code == list(TYPES).index("Anti-social behaviour")
    ids = pc.if_else(pa.array(asb), pa.scalar(None, pa.string()),
                     pc.binary_join_element_wise("c", numbers, ""))
    force = "West Yorkshire Police"
    table = pa.table([ids, _repeat(month, n), _repeat(force, n), _repeat(force, n), lon, lat,
                      _repeat("On or near Main Street", n), _repeat("E01010600", n),
                      _repeat("Bradford 001A", n), types, _repeat("Under investigation", n),
                      pa.nulls(n, pa.string())], names=HEADER)
    with open(path, "wb") as f:  # the header unquoted, as police.uk writes it
        f.write((",".join(HEADER) + "\n").encode())
        pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False,
                                                     quoting_style="none"))


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


def _peak_mb() -> float:
    """This process's peak RSS in MB (VmHWM: its own, not inherited across exec)."""
    try:
        with open("/proc/self/status") as f:
            return int(next(ln for ln in f if ln.startswith("VmHWM:")).split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_stream(files: list[Path], out: Path, chunk_bytes: int | None) -> dict:
    """Convert + assign wards + count (in a fresh process: its peak is the run's)."""
    areas = load_boundaries("bradford-2013")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        done = convert_incidents(files, out, areas=areas, levels="ward", allow_outside=True,
                                 chunk_bytes=chunk_bytes)
    assert int(done.counts["ward"]["n"].sum()) == done.report.kept
    return {"seconds": done.seconds, "rows": done.report.rows_read, "parts": done.parts,
            "chunks": done.chunks, "n": done.counts["ward"]["n"].to_numpy(),
            "peak": _peak_mb()}


def run_peer(files: list[Path]) -> dict:
    """The in-memory path on the same files: read_police_uk, assign_areas, area_counts."""
    from hotspots.areas import area_counts, assign_areas
    from hotspots.io import read_police_uk

    areas = load_boundaries("bradford-2013")
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        frame = read_police_uk(files)
    frame = assign_areas(frame, areas, levels="ward", allow_outside=True)
    n = area_counts(frame, areas, level="ward", allow_outside=True)["n"].to_numpy()
    return {"seconds": time.perf_counter() - t, "rows": len(frame), "n": n, "peak": _peak_mb()}


def _in_child(fn: Any, *args: Any) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, to check it runs")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=250_000)
    parser.add_argument("--chunk-mb", type=float, default=64,
                        help="files bigger than this are read in pieces (convert_incidents "
                        "chunk_bytes)")
    parser.add_argument("--peer", action="store_true",
                        help="also time the in-memory path (read_police_uk + assign_areas + "
                        "area_counts) on the same files, alternating, best of --repeat")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    work = Path(tempfile.mkdtemp(prefix="bench_stream_"))
    try:
        t0 = time.perf_counter()
        (work / "in").mkdir()
        files = generate(work / "in", rows, args.per_file)
        gen = time.perf_counter() - t0
        print(f"rows: {rows:,} in {len(files)} files of {args.per_file:,} rows "
              f"({files[0].stat().st_size / 2**20:,.0f} MB each; generated in {gen:.0f} s)")
        ours: list[dict] = []
        peer: list[dict] = []
        for _ in range(args.repeat):
            shutil.rmtree(work / "ds", ignore_errors=True)
            ours.append(_in_child(run_stream, files, work / "ds",
                                  int(args.chunk_mb * 2**20)))
            if args.peer:
                peer.append(_in_child(run_peer, files))
                assert (peer[-1]["n"] == ours[-1]["n"]).all()  # the same ward counts
        best = min(ours, key=lambda r: r["seconds"])
        print(f"stream (convert + assign wards + count): {best['seconds']:.1f} s, "
              f"{best['rows'] / best['seconds']:,.0f} rows/s, {best['chunks']} chunks, "
              f"{best['parts']} parts, peak RSS {max(r['peak'] for r in ours):,.0f} MB")
        if peer:
            top = min(peer, key=lambda r: r["seconds"])
            print(f"in memory (read_police_uk + assign_areas + area_counts): "
                  f"{top['seconds']:.1f} s, {top['rows'] / top['seconds']:,.0f} rows/s, "
                  f"peak RSS {max(r['peak'] for r in peer):,.0f} MB; stream/in-memory time "
                  f"{best['seconds'] / top['seconds']:.2f}x; ward counts identical")
        n = best["n"]
        print(f"ward counts: {int(n.sum()):,} rows over {len(n) - 2} wards "
              f"(outside {int(n[-2]):,}, unknown {int(n[-1]):,})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
