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
from hotspots.areas import area_counts, assign_areas
from hotspots.change import compare_periods, hotspot_change
from hotspots.cli.demo_children import children_section
from hotspots.cli.demo_release import committee_section, write_committee_pack
from hotspots.cli.labels import change_period_label, data_period_label
from hotspots.cluster import cluster_incidents, cluster_summary
from hotspots.grid import cell_size_auto
from hotspots.hotspot import hotspot_gistar
from hotspots.io import load_boundaries
from hotspots.io.atomic import atomic_save, atomic_write_text
from hotspots.io.write import write_table
from hotspots.maps import (
    explore_areas,
    explore_change,
    explore_clusters,
    explore_hotspots,
)
from hotspots.maps._public import PUBLIC_MIN_CELL_M
from hotspots.narrative import describe
from hotspots.periods import parse_period
from hotspots.privacy import Release
from hotspots.report.build import assign_by_lowest
from hotspots.report.released import released_comparison
from hotspots.simulate import simulate_incidents

__all__ = ["build_map", "demo_release", "released_comparison", "run_demo"]

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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    areas = load_boundaries(boundaries, data_dir=data_dir)
    incidents = simulate_incidents(areas, seed=seed)
    sim = incidents.attrs["hotspots"]["simulation"]
    echo(f"Simulated {len(incidents):,} offences on {areas.name} "
         f"({sim['before']} and {sim['after']}), seed {seed}.")

    # Constituencies from wards, so that wards add up exactly to them in every table: with
    # each level assigned by its own (simplified) polygons, a point in a sliver counts in a
    # ward of one constituency and in another constituency, and a reader holding both
    # tables learns the sliver counts by subtraction.
    incidents = assign_by_lowest(incidents, areas)
    # Every public file of the demo, the committee pack included, is one release, protected
    # and audited together: a reader holds them all at once.
    release, comparison = demo_release(incidents, areas, sim["before"], sim["after"], k=5,
                                       protect=False)
    pack = committee_section(out, incidents, areas, sim["before"], sim["after"],
                             release=release)
    audit_result = release.audit_result
    assert audit_result is not None
    audit_result.raise_if_failed("The demo's public files")
    written = _write_demo_tables(out, release, incidents, areas, sim)
    written += _write_demo_findings(out, release, comparison, areas, sim, echo)
    written += _write_demo_hotspots(out, release, incidents, areas, sim, echo)
    written.extend(children_section(out, areas, seed=seed, echo=echo))
    written.extend(write_committee_pack(pack, out, echo=echo))
    return written


def _write_demo_tables(out: Path, release: Release, incidents: Any, areas: Any,
                       sim: dict[str, Any]) -> list[Path]:
    """Write the area counts of both periods: restricted (raw) and public (as released)."""
    written: list[Path] = []
    for level in areas.level_names:
        for period in (sim["before"], sim["after"]):
            tag = period.replace("/", "-")
            name = f"{level}_counts_{tag}"
            written.append(write_table(release.source(name), out / f"{name}_restricted.csv"))
            written.append(write_table(release.tables[name], out / f"{name}_public.csv"))
        by_recency = area_counts(incidents, areas, level=level, period=sim["after"],
                                 by=schema.RECENCY)
        written.append(write_table(by_recency, out / f"{level}_counts_by_recency_restricted.csv"))
    return written


def _write_demo_findings(out: Path, release: Release, comparison: Any, areas: Any,
                         sim: dict[str, Any], echo: Callable[..., None]) -> list[Path]:
    """Write the public comparison table and the plain-English findings drawn from it."""
    top_level = areas.level_names[-1]
    public_comparison = released_comparison(release, comparison, f"{top_level}_comparison")
    written = [write_table(release.tables[f"{top_level}_comparison"],
                           out / f"{top_level}_comparison_public.csv")]
    findings = describe(public_comparison)
    findings_path = out / "findings.txt"
    atomic_write_text(findings_path, "\n".join(findings) + "\n")
    written.append(findings_path)
    echo(f"\nFindings ({top_level}, {sim['before']} against {sim['after']}):")
    for sentence in findings:
        echo(f"  - {sentence}")
    return written


def _write_demo_hotspots(out: Path, release: Release, incidents: Any, areas: Any,
                         sim: dict[str, Any], echo: Callable[..., None]) -> list[Path]:
    """Write the Gi* cells, DBSCAN clusters, the analysts' map and the committee's map."""
    recent = incidents[parse_period(sim["after"]).contains(incidents[schema.OCCURRED])]
    gistar = hotspot_gistar(recent, clip=areas)
    written = [write_table(gistar, out / "gistar_cells_restricted.gpkg")]
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
    atomic_save(analyst.save, analyst_path)
    written.append(analyst_path)
    # the committee map draws the released ward table, with the release's suppressions
    ward_table = release.tables[f"{areas.level_names[0]}_counts_{sim['after'].replace('/', '-')}"]
    committee = explore_areas(ward_table, areas, mode="public", period=sim["after"],
                              title=f"Offences by {areas.level_names[0]}, {sim['after']}")
    committee_path = out / "map_committee_public.html"
    atomic_save(committee.save, committee_path)
    written.append(committee_path)
    echo(f"\nMaps: {analyst_path.name} (restricted), {committee_path.name} (public).")
    return written


def demo_release(incidents: Any, areas: Any, before: str, after: str, *,
                 k: int = 5, protect: bool = True) -> tuple[Release, Any]:
    """Protect the demo's public tables as one release: what a committee reader holds.

    The release holds the area tables of every level for both periods and the comparison
    of the top level; :meth:`Release.protect` chooses one set of suppressions for all of
    them and audits it.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The simulated (or real) incidents.
    areas : AreaSet
    before, after : str
        The two periods.
    k : int, default 5
    protect : bool, default True
        Protect the release, with the comparison in it. ``False`` returns the area tables
        alone, unprotected, for more tables to join them: the committee pack adds its
        comparisons (the same as this one, named ``<top level>_comparison`` too).

    Returns
    -------
    (Release, PeriodComparison)
        The protected release (tables named ``<level>_counts_<period>`` with ``/`` as
        ``-``, and ``<top level>_comparison``) and the unsuppressed comparison.

    Examples
    --------
    >>> release, cmp = demo_release(incidents, areas, "2017/18", "2018/19")  # doctest: +SKIP
    >>> release.audit_result.passed  # doctest: +SKIP
    True
    """
    release = Release(k, areas=areas)
    for level in areas.level_names:
        for period in (before, after):
            table = area_counts(incidents, areas, level=level, period=period)
            release.add(table, name=f"{level}_counts_{period.replace('/', '-')}")
    top_level = areas.level_names[-1]
    comparison = compare_periods(incidents, areas, level=top_level, before=before, after=after)
    if not protect:
        return release, comparison
    release.add_comparison(comparison, name=f"{top_level}_comparison")
    return release.protect(), comparison


def _map_grid(compute: Any, mode: str, areas: Any) -> Any:
    """Compute a grid for a map: ``compute(None)``, or at the public minimum cell size.

    A small district (the City of London) gets automatic cells finer than a public map may
    draw (:data:`hotspots.maps._public.PUBLIC_MIN_CELL_M`); public maps then use the minimum
    instead, and the legend states the cell size. The automatic size is worked out from the
    boundary first, so the grid is computed once; the result is checked all the same.
    """
    if mode != "public":
        return compute(None)
    size = None
    outline = getattr(areas, "outline", None)
    if outline is not None and not outline.is_empty:
        auto = cell_size_auto(outline.bounds)[0]
        size = PUBLIC_MIN_CELL_M if auto < PUBLIC_MIN_CELL_M else None
    result = compute(size)
    made = result.attrs.get("hotspots", {}).get("cell_size")
    if made is not None and float(made) < PUBLIC_MIN_CELL_M:
        result = compute(PUBLIC_MIN_CELL_M)
    if size is not None or (made is not None and float(made) < PUBLIC_MIN_CELL_M):
        logger.info("build_map: public map, cells raised to the public minimum of %.0f m",
                    PUBLIC_MIN_CELL_M)
    return result


def build_map(
    incidents: Any,
    areas: Any,
    *,
    kind: str = "hotspots",
    mode: str = "public",
    offline: bool = True,
    level: str | None = None,
    before: Any = None,
    after: Any = None,
    allow_outside: bool = False,
    title: str | None = None,
    period: str | None = None,
    cell_size: float | None = None,
    eps: float | None = None,
    population: Any = None,
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
    offline : bool, default True
        Inline the JavaScript and CSS and draw no web tiles, so the map opens without a
        network (police and council networks often block CDNs). False loads Leaflet from its
        CDN and adds tiles.
    level : str, optional
        Area level for ``kind="areas"`` and area change; default the lowest level.
    before, after : period-like, optional
        The two periods of a change map.
    allow_outside : bool, default False
        Accept that most located incidents fall outside every area of ``level``; by default
        that is refused (the wrong boundary set), whatever the kind of map.
    title : str, optional
        Map title; default what the map shows.
    period : str, optional
        The period named in the footer; default the span of the incident dates (a change
        map names the two periods it compares).
    cell_size : float, optional
        Grid cell in metres for hot-spot and change maps (default automatic; a public map
        never draws cells below its minimum).
    eps : float, optional
        DBSCAN distance in metres for cluster maps (default automatic).
    population : pandas.Series, optional
        Population by area code of ``level``: an areas map then shows rates per 1,000.

    Returns
    -------
    folium.Map

    Raises
    ------
    hotspots.areas.extent.OutsideAreasError
        When most located incidents fall outside every area (unless ``allow_outside``).

    Examples
    --------
    >>> m = build_map(incidents, areas, kind="areas", offline=True)  # doctest: +SKIP
    >>> m.save("areas.html")  # doctest: +SKIP
    """
    level = level or areas.level_names[0]
    # The wrong boundary set is refused for every kind of map, not only area maps: a hot-spot
    # map clipped to the wrong district is as empty as a table of zeros.
    assign_areas(incidents, areas, levels=[level], allow_outside=allow_outside)
    # the footer always states the period: the one asked for, else the span of the data
    span = period or data_period_label(incidents)
    options: dict[str, Any] = {"mode": mode, "offline": offline, "title": title, "period": span}
    if kind == "hotspots":
        result = _map_grid(lambda size: hotspot_gistar(
            incidents, clip=areas, cell_size=size if size is not None else cell_size),
            mode, areas)
        return explore_hotspots(result, areas=areas, **options)
    if kind == "areas":
        table = area_counts(incidents, areas, level=level,
                            suppress=5 if mode == "public" else None,
                            allow_outside=allow_outside, population=population)
        column = "rate_per_1000" if population is not None else "n"
        return explore_areas(table, areas, level=level, column=column, **options)
    if kind == "clusters":
        labels = cluster_incidents(incidents, eps=eps)
        summary = cluster_summary(incidents, labels, areas=areas)
        points = incidents if mode == "restricted" else None
        return explore_clusters(summary, points, labels=labels if points is not None else None,
                                areas=areas, **options)
    if kind == "change":
        if before is not None and after is not None:
            comparison = compare_periods(incidents, areas, level=level, before=before,
                                         after=after)
            # unless told otherwise, the map names its two periods itself
            return explore_change(comparison, areas=areas, level=level,
                                  **{**options, "period": period})
        result = _map_grid(lambda size: hotspot_change(
            incidents, clip=areas, cell_size=size if size is not None else cell_size),
            mode, areas)
        return explore_change(result, areas=areas, **{
            **options, "period": period or change_period_label(result, span) or span})
    raise ValueError(
        f"The 'kind' parameter of build_map must be one of 'hotspots', 'areas', 'clusters', "
        f"'change'. Got {kind!r} instead."
    )
