"""Make the README's screenshot of each kind of map (hotspots, areas, clusters, change, premises).

Usage::

    python scripts/make_screenshots.py [--out docs/images] [--data ../shared]

Maps are built from the real City of London police.uk files and FHRS premises and from
incidents simulated over Bradford's wards, saved offline with no tiles, and photographed in
headless Chromium (the system browser driven by Playwright, every request blocked), so no
network is needed. PNGs over 300 KB are palette-quantised.
"""

from __future__ import annotations

import argparse
import glob
import io
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1000, "height": 700}
#: Screenshots larger than this are saved with a 256-colour palette.
MAX_BYTES = 300 * 1024


def build_maps(data: Path) -> dict[str, object]:
    """Build one map of each kind; returns name -> folium map."""
    from hotspots.areas import area_counts
    from hotspots.change import compare_periods
    from hotspots.cluster import cluster_incidents, cluster_summary
    from hotspots.hotspot import hotspot_gistar
    from hotspots.io.boundaries import load_boundaries
    from hotspots.io.incidents import read_police_uk
    from hotspots.io.premises import read_fhrs
    from hotspots.maps import (
        explore_areas,
        explore_change,
        explore_clusters,
        explore_hotspots,
        explore_premises,
    )
    from hotspots.premises import premises_rank
    from hotspots.simulate import simulate_incidents

    boundaries = data / "boundaries"
    city = load_boundaries("city-of-london-2013", data_dir=boundaries, download=False)
    bradford = load_boundaries("bradford-2013", data_dir=boundaries, download=False)
    street = sorted(glob.glob(str(data / "data" / "city-of-london" / "street" / "2018-*.csv")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        incidents = read_police_uk(street)
        premises = read_fhrs(
            data / "data" / "city-of-london" / "premises" / "fhrs-city-of-london-2021-08-19.csv"
        )
        ranked = premises_rank(incidents, premises)
    simulated = simulate_incidents(bradford, n_before=3000, n_after=3000, seed=1)
    sim = simulated.attrs["hotspots"]["simulation"]
    common = {"tiles": None, "offline": True}

    maps: dict[str, object] = {}
    maps["hotspots"] = explore_hotspots(
        hotspot_gistar(incidents, clip=city),
        areas=city,
        title="City of London, 2018: Gi* hot spots (police.uk)",
        period="2018 (police.uk street crime)",
        **common,
    )
    table = area_counts(simulated, bradford, level="ward", period=sim["after"])
    maps["areas"] = explore_areas(
        table, bradford, title="Bradford wards: simulated incidents (public)", **common
    )
    labels = cluster_incidents(incidents, eps=75, min_samples=50)
    maps["clusters"] = explore_clusters(
        cluster_summary(incidents, labels),
        areas=city,
        mode="public",
        title="City of London, 2018: incident clusters",
        period="2018 (police.uk street crime)",
        **common,
    )
    comparison = compare_periods(
        simulated, bradford, level="ward", before=sim["before"], after=sim["after"]
    )
    maps["change"] = explore_change(
        comparison, areas=bradford, title="Bradford wards: change between periods", **common
    )
    maps["premises"] = explore_premises(
        ranked, top=20, areas=city, title="City of London: premises to visit first", **common
    )
    return maps


def photograph(maps: dict[str, object], out: Path) -> list[Path]:
    """Save each map, open it with no network, and write a quantised PNG."""
    from PIL import Image
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, m in maps.items():
            html = Path(tmp) / f"{name}.html"
            m.save(str(html))
            page = browser.new_page(viewport=VIEWPORT)
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                else r.abort(),
            )
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_selector(".leaflet-container")
            page.wait_for_timeout(500)
            png = page.screenshot()
            page.close()
            image = Image.open(io.BytesIO(png)).convert("RGB")
            target = out / f"map-{name}.png"
            image.save(target, optimize=True)
            if target.stat().st_size > MAX_BYTES:
                # A palette keeps the README light; 256 colours keep legend colours apart.
                image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
                    target, optimize=True
                )
            written.append(target)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Build the maps and write the screenshots; prints the files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--data", type=Path, default=ROOT / ".." / "shared")
    args = parser.parse_args(argv)
    for path in photograph(build_maps(args.data), args.out):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{path.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
