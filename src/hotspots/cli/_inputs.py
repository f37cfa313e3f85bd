"""Inputs shared by the commands: incident files, boundaries, filters and population.

Each helper turns command-line options into what the library's verbs take, and a command
line that cannot be run as given into :class:`UsageError` (exit code 2).

Start-up: this module is imported when the parser is built, and ``hotspots --help`` must load
no heavy package (``tests/test_startup.py``), so the readers (pandas, geopandas through
:mod:`hotspots.io` and :mod:`hotspots.areas`) are imported inside the helpers that use them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hotspots.cli.options import FilterError, filter_incidents, read_population

__all__ = [
    "UsageError", "add_area_options", "add_input_options", "check_boundary_name",
    "choose_boundaries", "filtered", "generic_options", "load_areas", "population",
    "premises_areas", "read_incidents",
]


class UsageError(Exception):
    """A command line that cannot be run as given (exit code 2)."""


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Add the incident FILE arguments and the generic-table column options."""
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="incident files: police.uk CSVs (street or API layout), or any table "
                        "with --x/--y")
    g = p.add_argument_group("generic tables (not police.uk)")
    g.add_argument("--x", help="column with longitude or easting")
    g.add_argument("--y", help="column with latitude or northing")
    g.add_argument("--crs", help="CRS of x/y, e.g. EPSG:27700 (detected when omitted)")
    g.add_argument("--occurred", help="column with the date of the incident")
    g.add_argument("--category-column", dest="category",
                   help="column with the offence type or flag (--category filters by value)")
    g.add_argument("--id", dest="id_column", help="column with the incident id")
    g.add_argument("--recency", help="column with recent/non-recent")


def add_area_options(p: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """Add the boundary options (a named set, or the user's own files)."""
    g = p.add_argument_group("boundaries")
    g.add_argument("--boundaries", default=default,
                   help="a named boundary set (see 'hotspots boundaries'); by default the "
                        "registered set whose extent holds the incidents")
    g.add_argument("--allow-outside", action="store_true",
                   help="accept that most located incidents fall outside the boundaries "
                        "(e.g. force-wide data counted by one district's wards)")
    g.add_argument("--data-dir", type=Path,
                   help="folder holding the boundary files (else $HOTSPOTS_DATA_DIR, the cache)")
    g.add_argument("--wards", type=Path, help="your own ward boundary file")
    g.add_argument("--constituencies", type=Path, help="your own constituency boundary file")
    g.add_argument("--vintage", help="boundary vintage of your own files, e.g. 2023")


def generic_options(args: argparse.Namespace) -> dict[str, Any]:
    """Collect the ``read_incidents`` options given on the command line for a generic table."""
    pairs = (("x", args.x), ("y", args.y), ("crs", args.crs), ("occurred", args.occurred),
             ("category", args.category), ("incident_id", args.id_column),
             ("recency", args.recency))
    return {k: v for k, v in pairs if v}


def read_incidents(args: argparse.Namespace) -> Any:
    """Read the incident FILEs: police.uk by layout, else a generic table with --x/--y."""
    import pandas as pd  # start-up (module note)

    from hotspots import io  # start-up (module note)
    from hotspots.io.incidents import is_police_uk  # start-up (module note)

    paths = [Path(f) for f in args.files]
    if args.x is None and all(is_police_uk(p) for p in paths):
        return io.read_police_uk(paths if len(paths) > 1 else paths[0],
                                 progress=not args.quiet)
    if args.x is None or args.y is None:
        raise UsageError(
            "these files are not in the police.uk layout: give the coordinate columns with "
            "--x and --y (and --occurred, --category, --id as needed)"
        )
    frames = [io.read_incidents(p, **generic_options(args)) for p in paths]
    if len(frames) == 1:
        return frames[0]
    combined = pd.concat(frames, ignore_index=True)
    combined.attrs["hotspots"] = {"load": [f.attrs["hotspots"]["load"] for f in frames]}
    return combined


def load_areas(args: argparse.Namespace, incidents: Any = None, *,
               pick_best: bool = False) -> Any:
    """The user's boundary files, the named set, or the registered set holding the data.

    ``pick_best`` takes the best-fitting set when several hold the data (see
    :func:`choose_boundaries`); otherwise the command stops and asks.
    """
    from hotspots.io import load_boundaries, read_boundaries  # start-up (module note)

    if getattr(args, "wards", None) or getattr(args, "constituencies", None):
        levels = {}
        if args.wards:
            levels["ward"] = args.wards
        if args.constituencies:
            levels["constituency"] = args.constituencies
        return read_boundaries(**levels, vintage=args.vintage or "unknown",
                               name="user boundaries")
    name = args.boundaries
    if name is None:
        name = choose_boundaries(args, incidents, pick_best=pick_best)
    check_boundary_name(name)
    return load_boundaries(name, data_dir=args.data_dir)


def check_boundary_name(name: str) -> None:
    """Refuse an unknown set name with the registered names and the closest one."""
    from hotspots.io.boundaries import closest_set_name, list_boundaries  # start-up

    names = list(list_boundaries())
    if name in names:
        return
    close = closest_set_name(name, names)
    hint = f" Did you mean {close!r}?" if close else ""
    raise UsageError(f"there is no boundary set named {name!r}.{hint} The registered sets "
                     f"are: {', '.join(names)} (see 'hotspots boundaries'); or give your "
                     "own files with --wards/--constituencies.")


def choose_boundaries(args: argparse.Namespace, incidents: Any, *,
                      pick_best: bool = False) -> str:
    """Pick the registered set whose extent holds the located incidents, or ask.

    When several sets hold them (City of London crimes lie in the City and in central
    London), counts would depend on the choice, so the table and map commands stop and ask;
    with ``pick_best`` (outlines that only help the reader find their way) the tightest
    fit is taken: :func:`hotspots.areas.extent.sets_holding` lists it first, so the choice
    never depends on the registry's order. The choice is named on stderr either way.
    """
    from hotspots.areas.extent import describe_candidates, located_xy, sets_holding  # start-up

    x, y = located_xy(incidents)
    if len(x) == 0:
        raise UsageError("no incident has a location, so the boundary set cannot be chosen "
                         "from the data: give it with --boundaries NAME.")
    candidates = sets_holding(x, y)
    if len(candidates) == 1 or (candidates and pick_best):
        name, share = candidates[0]
        others = (f"; the data also lie within {describe_candidates(candidates[1:])}"
                  if len(candidates) > 1 else "")
        print(f"hotspots {args.command}: using the boundary set {name} (its extent holds "
              f"{100 * share:.1f}% of the {len(x):,} located incidents{others}); choose "
              "another with --boundaries", file=sys.stderr)
        return name
    if candidates:
        raise UsageError(
            f"the located incidents lie within {len(candidates)} registered boundary sets: "
            f"{describe_candidates(candidates)}. Choose one with --boundaries "
            f"(e.g. --boundaries {candidates[0][0]}).")
    raise UsageError(
        "no registered boundary set holds most of the located incidents (see 'hotspots "
        "boundaries'): give boundaries that cover them with --wards/--constituencies, or a "
        "set with --boundaries NAME --allow-outside if most are meant to fall outside it.")


def premises_areas(args: argparse.Namespace, incidents: Any) -> Any:
    """Outlines for the premises map: the boundaries asked for, else the best-fitting set.

    The outlines only help the reader find their way, so when several registered sets hold
    the data the tightest fit is drawn (and named on stderr), and when none holds them the
    map is drawn without outlines (and says so); boundaries asked for by name or file that
    cannot be loaded are still an error.
    """
    asked = args.boundaries or args.wards or args.constituencies
    try:
        return load_areas(args, incidents, pick_best=True)
    except UsageError as exc:
        if asked:
            raise
        print(f"hotspots premises: the map has no ward outlines ({exc})", file=sys.stderr)
        return None


def filtered(args: argparse.Namespace, incidents: Any) -> Any:
    """Apply --period/--category; say on stderr what was kept (a bad filter: exit 2)."""
    period = getattr(args, "period", None) if args.command == "map" else None
    try:
        kept, note = filter_incidents(incidents, period=period,
                                      categories=getattr(args, "categories", None))
    except FilterError as exc:
        raise UsageError(str(exc)) from None
    if note and not args.quiet:
        print(f"hotspots {args.command}: {note}", file=sys.stderr)
    return kept


def population(args: argparse.Namespace, areas: Any, level: str) -> Any:
    """Read --population for the areas of ``level`` (None without the option)."""
    if getattr(args, "population", None) is None:
        return None
    try:
        pop, note = read_population(args.population, areas[level]["area_id"],
                                    id_column=args.population_id,
                                    value_column=args.population_column)
    except FilterError as exc:
        raise UsageError(str(exc)) from None
    if not args.quiet:
        print(f"hotspots {args.command}: {note}", file=sys.stderr)
    return pop
