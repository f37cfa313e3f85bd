"""Benchmark: reading police.uk street CSVs, ``read_police_uk`` against plain pandas/geopandas.

Run from the repository root::

    python benchmarks/bench_read.py           # the 36 City of London files, and 500k rows
    python benchmarks/bench_read.py --quick   # the 36 City of London files only

The peer is what an analyst would write without the library: ``pandas.read_csv`` of every
file, ``concat``, ``points_from_xy`` on the rows with coordinates and ``to_crs(27700)``. It
checks nothing: short rows are padded, shifted rows kept, encodings assumed. Ours reads the
same files with every check of issue 10 (compression, encoding, header search, field counts
of every record, quoting, dates, coordinates, the load report). The 500k-row case is the City
files repeated into one file in a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

from _common import ROOT, best_of, use_source_tree

CITY = (ROOT / ".." / "shared" / "data" / "city-of-london" / "street").resolve()


def peer(files: list[Path]) -> int:
    import geopandas as gpd
    import pandas as pd

    frame = pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)
    lon = pd.to_numeric(frame["Longitude"], errors="coerce")
    lat = pd.to_numeric(frame["Latitude"], errors="coerce")
    ok = lon.notna() & lat.notna()
    points = gpd.GeoSeries(gpd.points_from_xy(lon[ok], lat[ok]), crs=4326).to_crs(27700)
    frame["Month"] = pd.to_datetime(frame["Month"], format="%Y-%m")
    return len(frame) if len(points) <= len(frame) else -1


def ours(files: list[Path]) -> int:
    from hotspots.io import read_police_uk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return len(read_police_uk(files if len(files) > 1 else files[0]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    use_source_tree()
    city = sorted(CITY.glob("*.csv"))
    cases = [("City of London, 36 files", city)]
    tmp = tempfile.TemporaryDirectory()
    if not args.quick:
        lines = [f.read_text(encoding="utf-8-sig").splitlines() for f in city]
        body = [ln for fl in lines for ln in fl[1:]]
        big = Path(tmp.name) / "2020-01-big-street.csv"
        reps = -(-500_000 // len(body))
        big.write_text("\n".join([lines[0][0], *(body * reps)[:500_000]]) + "\n",
                       encoding="utf-8")
        cases.append(("one file, 500,000 rows", [big]))
    print(f"{'case':28s} {'rows':>9s} {'hotspots s':>11s} {'pandas s':>9s} {'ratio':>6s}")
    for label, files in cases:
        repeat = 3 if len(files) > 1 else 2
        t_ours, n = best_of(lambda files=files: ours(files), repeat)
        t_peer, _ = best_of(lambda files=files: peer(files), repeat)
        print(f"{label:28s} {n:9,d} {t_ours:11.3f} {t_peer:9.3f} {t_ours / t_peer:6.2f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
