"""End-to-end workflows behind the command line: the demo and one-call maps.

Each workflow strings public verbs together and writes its outputs through
:mod:`hotspots.io`; the statistics themselves live in the verbs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotspots import schema
from hotspots.areas import area_counts
from hotspots.change import compare_periods, hotspot_change
from hotspots.cluster import cluster_incidents, cluster_summary
from hotspots.hotspot import hotspot_gistar
from hotspots.maps import (
    explore_areas,
    explore_change,
    explore_clusters,
    explore_hotspots,
)
from hotspots.narrative import describe
from hotspots.periods import parse_period

__all__ = ["build_map", "run_demo"]

logger = logging.getLogger(__name__)


def _noop(*_: Any) -> None:
    return None


def run_demo(
    out_dir: str | Path,
    *,
    seed: int = 0,
    boundaries: str = "bradford-2013",
    data_dir: str | Path | None = None,
    echo: Callable[..., None] = _noop,
) -> list[Path]:
    """Simulate a year of offences on real Bradford boundaries and analyse them end to end.

    Parameters
    ----------
    out_dir : str or Path
        Folder for the outputs (created if needed).
    seed : int
        Seed of the simulation; the same seed gives the same files.
    boundaries : str
        Named boundary set (see :func:`hotspots.io.load_boundaries`).
    data_dir : str or Path, optional
        Folder holding the boundary files.
    echo : callable
        Called with each line of the printed summary (``print`` in the CLI).

    Returns
    -------
    list of Path
        The files written.
    """
    from hotspots.io import load_boundaries
    from hotspots.io.write import write_table
    from hotspots.simulate import simulate_incidents

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    areas = load_boundaries(boundaries, data_dir=data_dir)
    incidents = simulate_incidents(areas, seed=seed)
    sim = incidents.attrs["hotspots"]["simulation"]
    echo(f"Simulated {len(incidents):,} offences on {areas.name} "
         f"({sim['before']} and {sim['after']}), seed {seed}.")
    written: list[Path] = []

    for level in areas.level_names:
        for period in (sim["before"], sim["after"]):
            table = area_counts(incidents, areas, level=level, period=period)
            tag = period.replace("/", "-")
            written.append(write_table(table, out / f"{level}_counts_{tag}_restricted.csv"))
            public = area_counts(incidents, areas, level=level, period=period, suppress=5)
            written.append(write_table(public, out / f"{level}_counts_{tag}_public.csv"))
        by_recency = area_counts(incidents, areas, level=level, period=sim["after"],
                                 by=schema.RECENCY)
        written.append(write_table(by_recency, out / f"{level}_counts_by_recency_restricted.csv"))

    top_level = areas.level_names[-1]
    comparison = compare_periods(incidents, areas, level=top_level, before=sim["before"],
                                 after=sim["after"])
    public_comparison = comparison.suppress(k=5)
    written.append(write_table(public_comparison.table,
                               out / f"{top_level}_comparison_public.csv"))
    findings = describe(public_comparison)
    findings_path = out / "findings.txt"
    findings_path.write_text("\n".join(findings) + "\n", encoding="utf-8")
    written.append(findings_path)
    echo(f"\nFindings ({top_level}, {sim['before']} against {sim['after']}):")
    for sentence in findings:
        echo(f"  - {sentence}")

    recent = incidents[parse_period(sim["after"]).contains(incidents[schema.OCCURRED])]
    gistar = hotspot_gistar(recent, clip=areas)
    written.append(write_table(gistar, out / "gistar_cells_restricted.gpkg"))
    n_hot = int((gistar["hotspot"] == "hot").sum())
    labels = cluster_incidents(recent, eps=250, min_samples=15)
    clusters = cluster_summary(recent, labels, areas=areas)
    written.append(write_table(clusters.drop(columns="geometry"), out / "clusters_restricted.csv"))
    echo(f"\nHot spots, {sim['after']}: {n_hot} significant hot cells of "
         f"{gistar.attrs['hotspots']['cell_size']:.0f} m (Gi*, FDR 5%); "
         f"{len(clusters)} DBSCAN clusters.")

    analyst = explore_hotspots(gistar, areas=areas, mode="restricted", period=sim["after"],
                               title="Hot spots and clusters (restricted: analysts only)")
    explore_clusters(clusters, recent, labels=labels, mode="restricted", m=analyst,
                     period=sim["after"])
    analyst_path = out / "map_analyst_restricted.html"
    analyst.save(str(analyst_path))
    written.append(analyst_path)
    ward_table = area_counts(incidents, areas, level=areas.level_names[0], period=sim["after"],
                             suppress=5)
    committee = explore_areas(ward_table, areas, mode="public", period=sim["after"],
                              title=f"Offences by {areas.level_names[0]}, {sim['after']}")
    committee_path = out / "map_committee_public.html"
    committee.save(str(committee_path))
    written.append(committee_path)
    echo(f"\nMaps: {analyst_path.name} (restricted), {committee_path.name} (public).")
    return written


def build_map(
    incidents: Any,
    areas: Any,
    *,
    kind: str = "hotspots",
    mode: str = "public",
    offline: bool = False,
    level: str | None = None,
    before: Any = None,
    after: Any = None,
) -> Any:
    """Compute what a map of ``kind`` shows and draw it: one call for the command line.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame.
    areas : AreaSet
        Boundaries for the outlines, the areas and the clipping of grids.
    kind : {"hotspots", "areas", "clusters", "change"}
        Gi* hot spots; counts by area; DBSCAN clusters (ArcGIS default distance); change
        between two periods (by area when ``before`` and ``after`` are given, else per grid
        cell either side of the time midpoint, as sfhotspot does).
    mode : {"public", "restricted"}
        ``"public"`` draws aggregates only, with small numbers suppressed.
    offline : bool
        Inline the JavaScript and CSS and draw no tiles.
    level : str, optional
        Area level for ``kind="areas"`` and area change; default the lowest level.
    before, after : period-like, optional
        The two periods of a change map.

    Returns
    -------
    folium.Map
    """
    level = level or areas.level_names[0]
    options = {"mode": mode, "offline": offline}
    if kind == "hotspots":
        return explore_hotspots(hotspot_gistar(incidents, clip=areas), areas=areas, **options)
    if kind == "areas":
        table = area_counts(incidents, areas, level=level,
                            suppress=5 if mode == "public" else None)
        return explore_areas(table, areas, level=level, **options)
    if kind == "clusters":
        labels = cluster_incidents(incidents)
        summary = cluster_summary(incidents, labels, areas=areas)
        points = incidents if mode == "restricted" else None
        return explore_clusters(summary, points, labels=labels if points is not None else None,
                                areas=areas, **options)
    if kind == "change":
        if before is not None and after is not None:
            comparison = compare_periods(incidents, areas, level=level, before=before,
                                         after=after)
            return explore_change(comparison, areas=areas, level=level, **options)
        return explore_change(hotspot_change(incidents, clip=areas), areas=areas, **options)
    raise ValueError(
        f"The 'kind' parameter of build_map must be one of 'hotspots', 'areas', 'clusters', "
        f"'change'. Got {kind!r} instead."
    )
