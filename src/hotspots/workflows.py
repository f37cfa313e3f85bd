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

__all__ = ["run_demo"]

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
    from hotspots.areas import area_counts
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
            written.append(write_table(table, out / f"{level}_counts_{tag}.csv"))
            public = area_counts(incidents, areas, level=level, period=period, suppress=5)
            written.append(write_table(public, out / f"{level}_counts_{tag}_public.csv"))
        by_recency = area_counts(incidents, areas, level=level, period=sim["after"],
                                 by=schema.RECENCY)
        written.append(write_table(by_recency, out / f"{level}_counts_by_recency.csv"))

    table = area_counts(incidents, areas, level=areas.level_names[-1], period=sim["after"])
    echo(f"\n{areas.level_names[-1].capitalize()} shares, {sim['after']}:")
    for row in table.itertuples(index=False):
        echo(f"  {row.area_name:24s} {row.n:5d}  {row.share:6.1%}")
    return written
