"""The ``hotspots`` command line.

A thin adapter: parse arguments, read with :mod:`hotspots.io`, call the public verbs, write
with :mod:`hotspots.io`, and turn errors into exit codes: 0 ok, 1 data or validation error
(a few lines at most, no traceback unless ``-v``), 2 usage error, 130 interrupted (Ctrl-C).
Warnings (data quality) are printed on stderr, also with ``-q``. This is the only module that
configures logging or prints.

Boundaries are never assumed: without ``--boundaries`` (or ``--wards``/``--constituencies``)
the registered set whose extent holds the located incidents is used, and named on stderr;
when several or none hold them, the command stops and asks (the premises map, whose outlines
only help the reader find their way, takes the best-fitting set instead).

The commands are small functions here; what they share (reading incidents, choosing
boundaries, filters) is in :mod:`hotspots.cli._inputs`, and the longer workflows in
:mod:`~hotspots.cli.workflows` (demo, maps), :mod:`~hotspots.cli.premises`,
:mod:`~hotspots.cli.episodes` and :mod:`~hotspots.cli.report`. Modules that need pandas or
the maps are imported by the command that runs them, so that ``hotspots --help`` stays
fast (``tests/test_startup.py``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hotspots._version import __version__
from hotspots.cli._inputs import UsageError as _UsageError
from hotspots.cli._inputs import add_area_options as _add_area_options
from hotspots.cli._inputs import add_input_options as _add_input_options
from hotspots.cli._inputs import check_boundary_name as _check_boundary_name
from hotspots.cli._inputs import filtered as _filtered
from hotspots.cli._inputs import generic_options as _generic_options
from hotspots.cli._inputs import load_areas as _load_areas
from hotspots.cli._inputs import population as _population
from hotspots.cli._inputs import premises_areas as _premises_areas
from hotspots.cli._inputs import read_incidents as _read_incidents
from hotspots.cli.convert import add_parser as add_convert_parser
from hotspots.cli.episodes import add_episodes_parser
from hotspots.cli.options import (
    add_filter_options,
    add_map_options,
    add_population_options,
    add_premises_options,
)
from hotspots.cli.report import add_report_parser
from hotspots.errors import DataQualityWarning, HotspotsError

__all__ = ["main"]

logger = logging.getLogger("hotspots.cli")


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
    from hotspots.io.boundaries import list_boundaries  # start-up (module note)

    for name, description in list_boundaries().items():
        print(f"{name:24s} {description}")
    return 0


def _cmd_areas(args: argparse.Namespace) -> int:
    from hotspots.areas import area_counts  # start-up (module note)

    if args.boundaries is not None:  # a typo is refused before reading the data
        _check_boundary_name(args.boundaries)
    incidents = _filtered(args, _read_incidents(args))
    areas = _load_areas(args, incidents)
    if args.level not in areas.level_names:
        raise _UsageError(f"--level must be one of {', '.join(areas.level_names)}")
    table = area_counts(incidents, areas, level=args.level, by=args.by, period=args.period,
                        suppress=args.suppress, allow_outside=args.allow_outside,
                        population=_population(args, areas, args.level))
    _print_table(table)
    if args.out:
        from hotspots.io.write import write_table  # start-up (module note)

        path = write_table(table, args.out)
        print(f"wrote {path}")
    return 0


def _print_table(table: Any) -> None:
    import pandas as pd  # start-up (module note)

    with pd.option_context("display.max_rows", 200, "display.width", 120):
        shown = table.copy()
        if "share" in shown and pd.api.types.is_float_dtype(shown["share"]):
            shown["share"] = (shown["share"] * 100).round(1).astype(str) + "%"
        print(shown.to_string(index=False))


def _cmd_demo(args: argparse.Namespace) -> int:
    from hotspots.cli.workflows import run_demo  # start-up (module note)

    written = run_demo(args.out, seed=args.seed, boundaries=args.boundaries,
                       data_dir=args.data_dir, echo=print)
    print(f"\n{len(written)} files written to {args.out}")
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from hotspots.cli.workflows import build_map  # start-up (module note)

    if args.boundaries is not None:  # a typo is refused before reading the data
        _check_boundary_name(args.boundaries)
    incidents = _filtered(args, _read_incidents(args))
    areas = _load_areas(args, incidents)
    level = args.level if args.level in areas.level_names else None
    m = build_map(incidents, areas, kind=args.kind, mode=args.mode, offline=args.offline,
                  level=args.level, before=args.before, after=args.after,
                  allow_outside=args.allow_outside, title=args.title,
                  period=incidents.attrs.get("hotspots", {}).get("filters", {}).get("period"),
                  cell_size=args.cell_size, eps=args.eps,
                  population=_population(args, areas, level or areas.level_names[0]))
    from hotspots.io.atomic import atomic_save  # start-up (module note)

    atomic_save(m.save, args.out)
    print(f"wrote {args.out} ({args.kind} map, {args.mode} mode)")
    return 0


def _cmd_premises(args: argparse.Namespace) -> int:
    from hotspots.cli.premises import is_fhrs_file, run_premises  # start-up (module note)

    options = {k: v for k, v in (("premises_id", args.premises_id), ("name", args.premises_name))
               if v}
    fhrs = args.fhrs or is_fhrs_file(args.premises, options)
    if fhrs and not args.fhrs and not args.quiet:
        print(f"hotspots premises: {args.premises.name} is FSA food hygiene (FHRS) data by "
              "its content: read as such (--fhrs is not needed)", file=sys.stderr)
    written = run_premises(
        [Path(f) for f in args.files], args.premises, fhrs=fhrs, out_dir=args.out,
        areas=lambda incidents: _premises_areas(args, incidents),
        radius=args.radius, top=args.top, premises_options={
            k: v for k, v in (("premises_id", args.premises_id), ("name", args.premises_name),
                              ("premises_type", args.premises_type), ("x", args.premises_x),
                              ("y", args.premises_y)) if v
        },
        incident_options=_generic_options(args) or None,
        extra_agencies=tuple(args.agencies or ()), title=args.title, visits=args.visits,
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
    parser.add_argument("--version", action="version", version=f"hotspots {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log what the library does (-vv for debug); show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar or notes: only results, warnings and errors")
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
    add_filter_options(p, period=False)  # --period is area_counts' own here
    add_population_options(p)
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
    web = p.add_mutually_exclusive_group()
    web.add_argument("--offline", dest="offline", action="store_true", default=True,
                     help="inline JavaScript/CSS, no web tiles: opens without a network "
                          "(the default)")
    web.add_argument("--online", dest="offline", action="store_false",
                     help="load Leaflet from its CDN and add web map tiles (needs a network)")
    p.add_argument("--out", type=Path, default=Path("map.html"))
    add_filter_options(p)
    add_map_options(p)
    add_population_options(p)
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
    add_premises_options(p)
    _add_area_options(p)
    p.set_defaults(func=_cmd_premises)

    add_episodes_parser(sub)
    add_report_parser(sub)
    add_convert_parser(sub)
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
    # Warnings are not routed into logging (logging.captureWarnings): there they went to a
    # logger without a handler and were lost. main() prints them itself.


#: An error or warning is cut to this many lines of at most this many characters: a message
#: that quotes a 30 MB line of a broken file must still fit on a screen.
_MAX_LINES = 12
_MAX_CHARS = 1000


def _short(message: str) -> str:
    """Cut a message to a few lines of bounded length, saying what was left out."""
    lines = message.strip().splitlines() or [""]
    out = []
    for line in lines[:_MAX_LINES]:
        if len(line) > _MAX_CHARS:
            line = f"{line[:_MAX_CHARS]}... ({len(line) - _MAX_CHARS:,} more characters)"
        out.append(line)
    if len(lines) > _MAX_LINES:
        out.append(f"... ({len(lines) - _MAX_LINES:,} more lines; run with -v for all)")
    return "\n".join(out)


def _warning_printer(command: str) -> Callable[..., None]:
    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        print(f"hotspots {command}: warning: {_short(str(message))}", file=sys.stderr)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hotspots`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (without the program name); ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit code: 0 ok, 1 data or validation error, 2 usage error, 130 interrupted.

    Examples
    --------
    >>> main(["boundaries"])  # doctest: +ELLIPSIS
    bradford-2013 ...
    0
    """
    command = "?"
    try:
        parser = _parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
            return int(exc.code or 0)
        command = args.command
        _configure_logging(args.verbose, args.quiet)
        with warnings.catch_warnings():
            # The library's data-quality warnings are part of the answer: always shown, on
            # stderr, one short paragraph each (test runs may turn them into errors; the
            # command line never does).
            warnings.filterwarnings("always", category=DataQualityWarning)
            warnings.filterwarnings("always", category=UserWarning, module=r"hotspots(\.|$)")
            warnings.showwarning = _warning_printer(command)
            return _run(parser, args)
    except KeyboardInterrupt:
        print(f"hotspots {command}: interrupted (no file is left half-written)",
              file=sys.stderr)
        return 130


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except _UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"hotspots {args.command}: error: {_short(str(exc))}", file=sys.stderr)
        return 2
    except (HotspotsError, OSError, ValueError) as exc:
        # The message, without a traceback (unless -v): for data problems the message names
        # the file, row and column, which is what the user needs to fix it.
        if args.verbose:
            traceback.print_exc()
        message = str(exc).strip() or type(exc).__name__
        print(f"hotspots {args.command}: error: {_short(message)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
