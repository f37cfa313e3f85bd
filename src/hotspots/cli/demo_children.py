"""The children section of the demo: missing episodes and an at-risk cohort, simulated.

Called by :func:`hotspots.cli.workflows.run_demo`; writes public tables (suppressed where a
count could be small), restricted tables for analysts, a restricted flow map and the
sentences about the cohort.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotspots.change import compare_periods
from hotspots.episodes import episode_flows, episode_trend, per_place
from hotspots.episodes.cohort import at_risk_snapshots
from hotspots.io.atomic import atomic_save, atomic_write_text
from hotspots.io.write import write_table
from hotspots.maps.flows import explore_flows
from hotspots.narrative import describe
from hotspots.simulate.children import simulate_at_risk, simulate_episodes

__all__ = ["children_section"]


def children_section(out: Path, areas: Any, *, seed: int = 0,
                     echo: Callable[..., None] = lambda *_: None) -> list[Path]:
    """Simulate missing episodes and an at-risk register; write the children's outputs.

    Parameters
    ----------
    out : Path
        The demo's output folder.
    areas : AreaSet
        Bradford's boundaries (the cohort moves between constituencies).
    seed : int
        Seed of both simulations.
    echo : callable
        Called with each printed line.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> children_section(Path("demo"), areas)  # doctest: +SKIP
    """
    written: list[Path] = []
    eps = simulate_episodes(areas, seed=seed)
    fy = episode_trend(eps)
    written.append(write_table(fy, out / "children_episodes_fy_public.csv"))
    written.append(write_table(episode_flows(eps, areas), out / "children_flows_public.csv"))
    places = per_place(eps)
    written.append(write_table(places, out / "children_places_restricted.csv"))
    flow_map = explore_flows(eps, areas=areas,
                             title="Missing episodes: flows (restricted: analysts only)")
    map_path = out / "map_children_flows_restricted.html"
    atomic_save(flow_map.save, map_path)
    written.append(map_path)
    echo("\nChildren (simulated): missing episodes by financial year: "
         + ", ".join(f"{r.period} {r.n:,}" for r in fy.itertuples(index=False))
         + f"; the place with most episodes has {int(places['episodes'].iloc[0]):,} "
           f"({int(places['children'].iloc[0])} children).")

    register = simulate_at_risk(areas, seed=seed)
    snaps = at_risk_snapshots(register, start="2016-04-01", end="2019-03-31", areas=areas,
                              level=areas.level_names[-1])
    cohort = compare_periods(snaps, areas, level=areas.level_names[-1], before="2016-04",
                             after="2019-03", count="people", person="child",
                             time="period_start").suppress(5)
    sentences = describe(cohort, noun="children assessed at risk")
    path = out / "findings_children.txt"
    atomic_write_text(path, "\n".join(sentences) + "\n")
    written.append(path)
    echo("Children assessed at risk (simulated cohort):")
    for s in sentences[:3]:
        echo(f"  - {s}")
    return written
