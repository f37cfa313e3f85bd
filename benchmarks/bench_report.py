"""Benchmark: the area committee pack (five Bradford constituency reports and the summary).

Run from the repository root::

    python benchmarks/bench_report.py            # 1,000,000 simulated incidents
    python benchmarks/bench_report.py --quick    # 50,000, to check that it runs

Data: ``hotspots.simulate_incidents`` on the real Bradford 2013 boundaries, half in 2017/18
and half in 2018/19 (clustered, with 17% unknown locations), made once and used by both
sides.

- ours: ``committee_report`` (every table of six reports protected and audited as one
  release, describe(), Gi* hot spots, static maps and trend charts as PNG and SVG) and
  ``write_pack`` (HTML, XLSX, manifest; PDF through Chromium timed separately).
- plain: what an analyst scripts by hand for the same papers: ``geopandas.sjoin`` of the
  points to wards, ``groupby`` counts per ward and period with change and percent change
  per constituency, one ``GeoDataFrame.plot`` choropleth per report saved as PNG and SVG, and
  the tables written with ``DataFrame.to_excel``. No suppression, no audit, no tests, no hot
  spots: it does less, so it is the floor a committee pack is measured against.

Target: ours under 30 s on 2 cores for 1M incidents (the issue's acceptance).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import data_dir, peak_mb, use_source_tree


def plain(incidents, wards, lookup, before, after, out: Path) -> float:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    start = time.perf_counter()
    located = incidents[~incidents.geometry.is_empty]
    joined = gpd.sjoin(located[["occurred", "geometry"]], wards[["area_name", "geometry"]],
                       how="left", predicate="within")
    t = pd.to_datetime(joined["occurred"])
    counts = {}
    for label, (a, b) in (("before", before), ("after", after)):
        sel = joined[(t >= a) & (t < b)]
        counts[label] = sel.groupby("area_name").size()
    table = pd.DataFrame(counts).fillna(0).astype(int)
    table["change"] = table["after"] - table["before"]
    table["pct_change"] = 100 * table["change"] / table["before"]
    table = table.join(lookup.set_index("ward")["constituency"])
    with pd.ExcelWriter(out / "plain.xlsx") as xl:
        for name, rows in [("District", table), *table.groupby("constituency")]:
            rows.to_excel(xl, sheet_name=str(name)[:31])
            sub = wards.merge(rows[["after"]], left_on="area_name", right_index=True)
            fig = Figure(figsize=(7, 7))
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            sub.plot(column="after", ax=ax, cmap="YlOrRd", legend=True, edgecolor="#444444")
            ax.set_axis_off()
            for ext in ("png", "svg"):
                fig.savefig(out / f"plain-{name}.{ext}", dpi=110)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pdf", action="store_true", help="also time the six PDFs")
    args = parser.parse_args()
    rows = 50_000 if args.quick else args.rows
    use_source_tree()
    import pandas as pd

    from hotspots.io import load_boundaries
    from hotspots.report import committee_report, write_pack
    from hotspots.simulate import simulate_incidents

    areas = load_boundaries("bradford-2013", data_dir=data_dir())
    t0 = time.perf_counter()
    incidents = simulate_incidents(areas, n_before=rows // 2, n_after=rows - rows // 2,
                                   seed=20261202)
    t_sim = time.perf_counter() - t0
    out = Path(tempfile.mkdtemp(prefix="bench-report-"))

    t0 = time.perf_counter()
    pack = committee_report(incidents, areas, before="2017/18", after="2018/19")
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    files = write_pack(pack, out / "ours", pdf=False)
    t_write = time.perf_counter() - t0
    t_pdf = None
    if args.pdf:
        from hotspots.report.pdf import html_to_pdf

        t0 = time.perf_counter()
        html = [p for p in files if p.suffix == ".html"]
        html_to_pdf([(p, p.with_suffix(".pdf")) for p in html])
        t_pdf = time.perf_counter() - t0
    ours_mb = peak_mb()

    (out / "plain").mkdir()
    t_plain = plain(incidents, areas["ward"], areas.lookup,
                    ("2017-04-01", "2018-04-01"), ("2018-04-01", "2019-04-01"), out / "plain")

    print(f"{len(incidents):,} simulated incidents (made in {t_sim:.1f} s); "
          f"{len(pack.sections) - 1} constituency reports + district summary; "
          f"{len(pack.release.hidden_cells())} cells hidden, audit "
          f"{'passed' if pack.audit_passed else 'FAILED'}")
    print(f"{'step':<44}{'ours (s)':>10}{'plain (s)':>11}")
    print(f"{'build (release, tests, maps, charts)':<44}{t_build:>10.1f}{'':>11}")
    print(f"{'write (HTML, PNG/SVG, XLSX, manifest)':<44}{t_write:>10.1f}{'':>11}")
    print(f"{'total':<44}{t_build + t_write:>10.1f}{t_plain:>11.1f}")
    if t_pdf is not None:
        print(f"{'six PDFs (Chromium print)':<44}{t_pdf:>10.1f}{'':>11}")
    print(f"peak memory, ours: {ours_mb:,.0f} MB; target: total under 30 s on 2 cores")
    pd.set_option("display.width", 120)


if __name__ == "__main__":
    main()
