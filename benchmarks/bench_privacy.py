"""Benchmark: protect and audit a release of linked tables, against one table at a time.

Run from the repository root::

    python benchmarks/bench_privacy.py            # both cases below
    python benchmarks/bench_privacy.py --quick    # smaller second case

Cases (seeded):

1. **Bradford, linked**: ward and constituency tables of simulated offences
   (``hotspots.simulate``, seed 23), 2 financial years x 2 recency groups (four
   ``area_counts(by="recency")`` tables, linked by nesting and totals; the unsplit counts
   are not published, ``unsplit_known=False``).
2. **310 LSOAs x 12 months**: one table of negative binomial counts (mean 4, dispersion
   1.5: many small cells) split by month, with the LSOA totals (the annual table) and the
   monthly totals known to the reader.

For each: ``Release.protect()`` (secondary suppression + LP audit + pruning) timed, best of
``--repeat``; the number of cells hidden; and the old heuristic of
:func:`hotspots.privacy.suppress` (each table on its own, line by line) with its count of
hidden cells and whether the same LP audit passes on its pattern.

Peer: the reference tools are R's sdcTable (``protectLinkedTables``, ``attack``) and
tau-Argus; neither is installable here (no R, no Java tool chain offline), so the table
compares with our own previous algorithm instead.
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import data_dir, use_source_tree


def _bradford(repeat: int) -> dict:
    from hotspots import schema
    from hotspots.areas import area_counts
    from hotspots.io import load_boundaries
    from hotspots.privacy import Release, suppress
    from hotspots.simulate import simulate_incidents

    areas = load_boundaries("bradford-2013", data_dir=data_dir())
    incidents = simulate_incidents(areas, seed=23)
    sim = incidents.attrs["hotspots"]["simulation"]
    tables = {f"{level} {period}": area_counts(incidents, areas, level=level, period=period,
                                               by=schema.RECENCY)
              for level in areas.level_names for period in (sim["before"], sim["after"])}

    def run() -> Release:
        # only the split tables are published: the unsplit counts are not known to a reader
        release = Release(5, areas=areas, unsplit_known=False)
        for name, table in tables.items():
            release.add(table, name=name)
        return release.protect()

    best = _best(run, repeat)
    release = run()
    old = {name: suppress(t, by=schema.RECENCY, share_columns=["share"])
           for name, t in tables.items()}
    check = Release(5, areas=areas, unsplit_known=False)
    for name, table in tables.items():
        check.add(table, name=name)
    old_audit = check.apply(old)
    return _row("Bradford ward+constituency, 2 years x 2 recency", sum(map(len, tables.values())),
                best, release, old, old_audit)


def _lsoa(repeat: int, n_areas: int) -> dict:
    import numpy as np
    import pandas as pd

    from hotspots.privacy import Release, suppress

    rng = np.random.default_rng(20190101)
    mean, size = 4.0, 1.5
    counts = rng.negative_binomial(size, size / (size + mean), size=(12, n_areas))
    table = pd.DataFrame({
        "month": np.repeat([f"2019-{m:02d}" for m in range(1, 13)], n_areas),
        "area_name": np.tile([f"LSOA {i:03d}" for i in range(n_areas)], 12),
        "n": counts.ravel(),
    })
    total = table.groupby("month")["n"].transform("sum")
    table["share"] = table["n"] / total

    def run() -> Release:
        return Release(5, unsplit_known=True).add(table, name="lsoa", level="lsoa",
                                                  by="month").protect()

    best = _best(run, repeat)
    release = run()
    old = {"lsoa": suppress(table, by="month", share_columns=["share"])}
    old_audit = Release(5, unsplit_known=True).add(table, name="lsoa", level="lsoa",
                                                   by="month").apply(old)
    return _row(f"{n_areas} LSOAs x 12 months", len(table), best, release, old, old_audit)


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _row(case: str, n_cells: int, seconds: float, release, old: dict, old_audit) -> dict:
    new_hidden = int(sum(t["suppressed"].sum() for t in release.tables.values()))
    new_secondary = int(sum(t.attrs["hotspots"]["suppression"]["n_secondary"]
                            for t in release.tables.values()))
    old_hidden = int(sum(t["suppressed"].sum() for t in old.values()))
    old_secondary = int(sum(t.attrs["hotspots"]["suppression"]["n_secondary"]
                            for t in old.values()))
    return {"case": case, "rows": n_cells, "seconds": seconds,
            "new": f"{new_hidden} ({new_secondary} secondary)",
            "new_audit": "pass" if release.audit_result.passed else "FAIL",
            "old": f"{old_hidden} ({old_secondary} secondary)",
            "old_audit": "pass" if old_audit.passed else f"FAIL ({len(old_audit.failures)})"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller LSOA case")
    parser.add_argument("--repeat", type=int, default=2, help="timing repeats (best kept)")
    args = parser.parse_args()
    use_source_tree()
    rows = [_bradford(args.repeat), _lsoa(args.repeat, 60 if args.quick else 310)]
    print("Protect + LP audit of a release (Release.protect) vs one table at a time "
          "(suppress); peer sdcTable/tau-Argus not installable here")
    print(f"{'case':50} {'rows':>6} {'protect+audit':>14} {'hidden (release)':>20} "
          f"{'audit':>6} {'hidden (old)':>18} {'old audit':>12}")
    for r in rows:
        print(f"{r['case']:50} {r['rows']:>6} {r['seconds']:>12.2f} s {r['new']:>20} "
              f"{r['new_audit']:>6} {r['old']:>18} {r['old_audit']:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
