"""Benchmark: start-up time of ``import hotspots`` and ``hotspots --help`` against the peers.

Run from the repository root::

    python benchmarks/bench_startup.py            # 7 fresh interpreters per row
    python benchmarks/bench_startup.py --quick    # 3

Each row starts a fresh Python, runs one statement and exits; the table gives the median
wall time and the total of ``python -X importtime`` (the figure the issue quotes). Peers:
``import geopandas`` (the floor: reading any file needs it) and ``import esda`` (the peer
statistics library). ``import hotspots`` loads the public names lazily (PEP 562), so it pays
for a verb's dependencies only when the verb is first used.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time

ROWS = (
    ("hotspots", "import hotspots"),
    ("hotspots", "hotspots --help (in-process main)"),
    ("hotspots", "from hotspots import read_police_uk"),
    ("hotspots", "from hotspots import hotspot_gistar"),
    ("peer", "import geopandas"),
    ("peer", "import esda"),
)
_CODE = {"hotspots --help (in-process main)":
         "from hotspots.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"}


def _run(code: str, importtime: bool = False) -> tuple[float, float | None]:
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", code]
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    if not importtime:
        return wall, None
    # the cumulative column of top-level imports (no leading spaces before the name)
    total = sum(int(m.group(1)) for m in re.finditer(r"^import time:\s+\d+ \|\s+(\d+) \| \S",
                                                     res.stderr, flags=re.M))
    return wall, total / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    print(f"{'who':9s} {'statement':42s} {'median wall s':>13s} {'importtime s':>13s}")
    for who, label in ROWS:
        code = _CODE.get(label, label)
        walls = [_run(code)[0] for _ in range(repeat)]
        _, total = _run(code, importtime=True)
        print(f"{who:9s} {label:42s} {statistics.median(walls):13.2f} {total:13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
