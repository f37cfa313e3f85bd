"""The ``hotspots`` command line.

A thin adapter: parse arguments, read with :mod:`hotspots.io`, call the public verbs, write
with :mod:`hotspots.io`, and turn errors into exit codes: 0 ok, 1 data or validation error
(one line, no traceback unless ``-v``), 2 usage error. This is the only module that
configures logging or prints.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import hotspots
from hotspots.errors import HotspotsError

__all__ = ["main"]

logger = logging.getLogger("hotspots.cli")


# --------------------------------------------------------------------------------------------
# reading inputs shared by several commands
# --------------------------------------------------------------------------------------------
def _add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="incident files: police.uk CSVs (street or API layout), or any table "
                        "with --x/--y")
    g = p.add_argument_group("generic tables (not police.uk)")
    g.add_argument("--x", help="column with longitude or easting")
    g.add_argument("--y", help="column with latitude or northing")
    g.add_argument("--crs", help="CRS of x/y, e.g. EPSG:27700 (detected when omitted)")
    g.add_argument("--occurred", help="column with the date of the incident")
    g.add_argument("--category", help="column with the offence type or flag")
    g.add_argument("--id", dest="id_column", help="column with the incident id")
    g.add_argument("--recency", help="column with recent/non-recent")


def _generic_options(args: argparse.Namespace) -> dict[str, Any]:
    """Collect the ``read_incidents`` options given on the command line for a generic table."""
    pairs = (("x", args.x), ("y", args.y), ("crs", args.crs), ("occurred", args.occurred),
             ("category", args.category), ("id", args.id_column), ("recency", args.recency))
    return {k: v for k, v in pairs if v}


def _read_incidents(args: argparse.Namespace) -> Any:
    from hotspots import io
    from hotspots.io.incidents import is_police_uk

    paths = [Path(f) for f in args.files]
    if args.x is None and all(is_police_uk(p) for p in paths):
        return io.read_police_uk(paths if len(paths) > 1 else paths[0], progress=True)
    if args.x is None or args.y is None:
        raise _UsageError(
            "these files are not in the police.uk layout: give the coordinate columns with "
            "--x and --y (and --occurred, --category, --id as needed)"
        )
    frames = [io.read_incidents(p, **_generic_options(args)) for p in paths]
    if len(frames) == 1:
        return frames[0]
    import pandas as pd

    combined = pd.concat(frames, ignore_index=True)
    combined.attrs["hotspots"] = {"load": [f.attrs["hotspots"]["load"] for f in frames]}
    return combined


def _load_areas(args: argparse.Namespace) -> Any:
    from hotspots.areas import AreaSet
    from hotspots.io import load_boundaries

    if getattr(args, "wards", None) or getattr(args, "constituencies", None):
        levels = {}
        if args.wards:
            levels["ward"] = args.wards
        if args.constituencies:
            levels["constituency"] = args.constituencies
        return AreaSet.from_files(**levels, vintage=args.vintage or "unknown",
                                  name="user boundaries")
    return load_boundaries(args.boundaries, data_dir=args.data_dir)


def _add_area_options(p: argparse.ArgumentParser, *,
                      default: str | None = "bradford-2013") -> None:
    g = p.add_argument_group("boundaries")
    g.add_argument("--boundaries", default=default,
                   help="a named boundary set (see 'hotspots boundaries'); default %(default)s")
    g.add_argument("--data-dir", type=Path,
                   help="folder holding the boundary files (else $HOTSPOTS_DATA_DIR, the cache)")
    g.add_argument("--wards", type=Path, help="your own ward boundary file")
    g.add_argument("--constituencies", type=Path, help="your own constituency boundary file")
    g.add_argument("--vintage", help="boundary vintage of your own files, e.g. 2023")


class _UsageError(Exception):
    """A command line that cannot be run as given (exit code 2)."""


# --------------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------------
def _cmd_validate(args: argparse.Namespace) -> int:
    frame = _read_incidents(args)
    loads = frame.attrs.get("hotspots", {}).get("load")
    for report in loads if isinstance(loads, list) else [loads]:
        print(report)
    return 0


def _cmd_boundaries(args: argparse.Namespace) -> int:
    from hotspots.io.boundaries import list_boundaries

    for name, description in list_boundaries().items():
        print(f"{name:24s} {description}")
    return 0


def _cmd_areas(args: argparse.Namespace) -> int:
    from hotspots.areas import area_counts

    incidents = _read_incidents(args)
    areas = _load_areas(args)
    if args.level not in areas.level_names:
        raise _UsageError(f"--level must be one of {', '.join(areas.level_names)}")
    table = area_counts(incidents, areas, level=args.level, by=args.by, period=args.period,
                        suppress=args.suppress)
    _print_table(table)
    if args.out:
        from hotspots.io.write import write_table

        path = write_table(table, args.out)
        print(f"wrote {path}")
    return 0


def _print_table(table: Any) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", 200, "display.width", 120):
        shown = table.copy()
        if "share" in shown and pd.api.types.is_float_dtype(shown["share"]):
            shown["share"] = (shown["share"] * 100).round(1).astype(str) + "%"
        print(shown.to_string(index=False))


def _cmd_demo(args: argparse.Namespace) -> int:
    from hotspots.workflows import run_demo

    written = run_demo(args.out, seed=args.seed, boundaries=args.boundaries,
                       data_dir=args.data_dir, echo=print)
    print(f"\n{len(written)} files written to {args.out}")
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from hotspots.workflows import build_map

    incidents = _read_incidents(args)
    areas = _load_areas(args)
    m = build_map(incidents, areas, kind=args.kind, mode=args.mode, offline=args.offline,
                  level=args.level, before=args.before, after=args.after)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    m.save(str(args.out))
    print(f"wrote {args.out} ({args.kind} map, {args.mode} mode)")
    return 0


def _cmd_premises(args: argparse.Namespace) -> int:
    from hotspots.premises_run import run_premises

    written = run_premises(
        [Path(f) for f in args.files], args.premises, fhrs=args.fhrs, out_dir=args.out,
        radius=args.radius, top=args.top, premises_options={
            k: v for k, v in (("id", args.premises_id), ("name", args.premises_name),
                              ("type", args.premises_type), ("x", args.premises_x),
                              ("y", args.premises_y)) if v
        },
        incident_options=_generic_options(args) or None,
    )
    for path in written:
        print(f"wrote {path}")
    return 0


# --------------------------------------------------------------------------------------------
# parser and entry point
# --------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description="Hotspots, area tables, shifts and premises of concern from incident data.",
    )
    parser.add_argument("--version", action="version", version=f"hotspots {hotspots.__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log what the library does (-vv for debug); show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="only print errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("demo", help="simulated Bradford data end to end: tables, findings, maps")
    p.add_argument("--out", type=Path, default=Path("hotspots-demo"),
                   help="output folder (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    p.add_argument("--boundaries", default="bradford-2013", help=argparse.SUPPRESS)
    p.add_argument("--data-dir", type=Path, help="folder holding the boundary files")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("validate", help="read incident files and print the load report")
    _add_input_options(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("boundaries", help="list the named boundary sets")
    p.set_defaults(func=_cmd_boundaries)

    p = sub.add_parser("areas", help="counts and shares by ward or constituency")
    _add_input_options(p)
    _add_area_options(p)
    p.add_argument("--level", default="constituency", help="ward, constituency, ...")
    p.add_argument("--by", help="split by this column (e.g. category, recency)")
    p.add_argument("--period", help="e.g. 2018/19, 2019, 2019-01:2019-06")
    p.add_argument("--suppress", type=int, metavar="K",
                   help="suppress counts below K for committee tables (e.g. 5)")
    p.add_argument("--out", type=Path, help="write the table (.csv, .xlsx)")
    p.set_defaults(func=_cmd_areas)

    p = sub.add_parser("map", help="write an interactive map (HTML)")
    _add_input_options(p)
    _add_area_options(p)
    p.add_argument("--kind", choices=["hotspots", "areas", "clusters", "change"],
                   default="hotspots")
    p.add_argument("--level", default="ward", help="area level for --kind areas/change")
    p.add_argument("--mode", choices=["public", "restricted"], default="public",
                   help="public: aggregates only, small numbers suppressed (default)")
    p.add_argument("--before", help="first period of a change map, e.g. 2018 or 2018/19")
    p.add_argument("--after", help="second period of a change map")
    p.add_argument("--offline", action="store_true",
                   help="inline JavaScript/CSS and draw no tiles: works without a network")
    p.add_argument("--out", type=Path, default=Path("map.html"))
    p.set_defaults(func=_cmd_map)

    p = sub.add_parser("premises", help="rank premises of concern and plan visits")
    _add_input_options(p)
    p.add_argument("--premises", type=Path, required=True, help="premises file")
    p.add_argument("--fhrs", action="store_true", help="the premises file is FSA FHRS data")
    p.add_argument("--premises-id", help="id column of a generic premises file")
    p.add_argument("--premises-name", help="name column of a generic premises file")
    p.add_argument("--premises-type", help="type column of a generic premises file")
    p.add_argument("--premises-x", help="x column of a generic premises file")
    p.add_argument("--premises-y", help="y column of a generic premises file")
    p.add_argument("--radius", type=float, default=50.0, help="link distance in metres")
    p.add_argument("--top", type=int, default=20, help="premises in the visit plan")
    p.add_argument("--out", type=Path, default=Path("premises-out"))
    p.set_defaults(func=_cmd_premises)
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else
                                           logging.INFO if verbose else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("hotspots")
    root.handlers = [h for h in root.handlers if isinstance(h, logging.NullHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hotspots`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (without the program name); ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit code: 0 ok, 1 data or validation error, 2 usage error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help/--version
        return int(exc.code or 0)
    _configure_logging(args.verbose, args.quiet)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except _UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"hotspots {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (HotspotsError, OSError, ValueError) as exc:
        # The message, without a traceback (unless -v): for data problems the message names
        # the file, row and column, which is what the user needs to fix it.
        if args.verbose:
            traceback.print_exc()
        message = str(exc).strip() or type(exc).__name__
        print(f"hotspots {args.command}: error: {message}", file=sys.stderr)
        return 1

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
