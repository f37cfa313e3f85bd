"""The ``hotspots episodes`` command: missing-episode tables from a file (or simulated data).

Writes, into ``--out``:

- ``fy_trend.csv``, ``monthly_profile.csv`` (August to July) and, with ``--rhi``,
  ``return_interviews.csv``: counts of episodes, safe to share at district level;
- ``flows_public.csv``: gone-missing-from area to found area, suppressed (``--k``);
- ``restricted/per_child.csv``, ``restricted/per_place.csv``, ``restricted/flows.csv``:
  analysts' tables (pseudonyms, placement locations, every count). Child ids are
  pseudonymised on load with ``$HOTSPOTS_PSEUDONYM_KEY``; raw ids are never written.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

__all__ = ["add_episodes_parser", "run_episodes"]


def add_episodes_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``episodes`` subcommand to the CLI's subparsers; return its parser."""
    p = sub.add_parser("episodes", help="missing-episode tables: trends, children, places, "
                                        "flows")
    p.add_argument("file", nargs="?", type=Path, help="missing-episodes file (CSV, XLSX, ...)")
    p.add_argument("--simulate", action="store_true",
                   help="use simulated Bradford episodes instead of a file")
    g = p.add_argument_group("columns of the file")
    g.add_argument("--child-id", help="child identifier (pseudonymised on load)")
    g.add_argument("--start", help="date the episode started")
    g.add_argument("--end", help="date the episode ended")
    g.add_argument("--from-x", help="x of the place gone missing from")
    g.add_argument("--from-y", help="y of the place gone missing from")
    g.add_argument("--found-x", help="x of where the child was found")
    g.add_argument("--found-y", help="y of where the child was found")
    g.add_argument("--crs", help="CRS of the coordinates (detected when omitted)")
    g.add_argument("--place", help="column naming the placement (default: the location)")
    g.add_argument("--rhi", help="return-home interview column (yes/no or date)")
    p.add_argument("--boundaries", default="bradford-2013", help="named boundary set")
    p.add_argument("--data-dir", type=Path, help="folder of the boundary files")
    p.add_argument("--level", default="constituency", help="area level of the flows")
    p.add_argument("--k", type=int, default=5, help="suppression threshold for public tables")
    p.add_argument("--repeat", type=int, default=3, help="episodes that make a repeat run")
    p.add_argument("--within-days", type=float, default=90.0, help="length of a repeat run")
    p.add_argument("--out", type=Path, default=Path("episodes-out"))
    p.set_defaults(func=run_episodes)
    return p


def _read(args: argparse.Namespace, areas: Any) -> Any:
    if args.simulate:
        from hotspots.simulate.children import simulate_episodes

        return simulate_episodes(areas, seed=0)
    needed = {"file": args.file, "--child-id": args.child_id, "--start": args.start,
              "--from-x": args.from_x, "--from-y": args.from_y}
    missing = [k for k, v in needed.items() if not v]
    if missing:
        raise ValueError(f"give {', '.join(missing)} (or --simulate for simulated data).")
    from hotspots.io.episodes import read_missing_episodes

    return read_missing_episodes(args.file, child_id=args.child_id, start=args.start,
                                 end=args.end, from_x=args.from_x, from_y=args.from_y,
                                 found_x=args.found_x, found_y=args.found_y, crs=args.crs)


def run_episodes(args: argparse.Namespace) -> int:
    """Run ``hotspots episodes``; return the exit code (0 ok, 1 bad input)."""
    from hotspots.episodes import (
        episode_flows,
        episode_trend,
        monthly_profile,
        per_child,
        per_place,
        return_interviews,
    )
    from hotspots.io.boundaries import load_boundaries
    from hotspots.io.write import write_table

    try:
        areas = load_boundaries(args.boundaries, data_dir=args.data_dir)
        eps = _read(args, areas)
    except (ValueError, OSError) as exc:
        print(f"hotspots episodes: error: {exc}", file=sys.stderr)
        return 1
    out: Path = args.out
    rest = out / "restricted"
    written = []
    fy = episode_trend(eps)
    written.append(write_table(fy, out / "fy_trend.csv"))
    written.append(write_table(monthly_profile(eps), out / "monthly_profile.csv"))
    if args.rhi or "rhi" in eps.columns:
        written.append(write_table(return_interviews(eps, column=args.rhi or "rhi"),
                                   out / "return_interviews.csv"))
    written.append(write_table(episode_flows(eps, areas, level=args.level, k=args.k),
                               out / "flows_public.csv"))
    children = per_child(eps, min_episodes=args.repeat, within_days=args.within_days)
    places = per_place(eps, place=args.place, min_episodes=args.repeat,
                       within_days=args.within_days)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # restricted tables: the analyst's own copies
        written.append(write_table(children, rest / "per_child.csv"))
        written.append(write_table(places, rest / "per_place.csv"))
        written.append(write_table(episode_flows(eps, areas, level=args.level,
                                                 mode="restricted"), rest / "flows.csv"))
    print(f"{len(eps):,} episodes of {len(children):,} children; "
          f"{int(children['repeat'].sum()):,} repeat missing "
          f"({args.repeat}+ in {args.within_days:g} days).")
    for row in fy.itertuples(index=False):
        print(f"  {row.period}: {row.n:,} episodes")
    top = places.iloc[0] if len(places) else None
    if top is not None:
        print(f"Most episodes from one place: {int(top['episodes']):,} "
              f"({int(top['children'])} children; see restricted/per_place.csv).")
    print("Wrote: " + ", ".join(str(p) for p in written))
    return 0
