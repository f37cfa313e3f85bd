"""``hotspots convert FILES... --out DIR``: incident files to a partitioned GeoParquet dataset.

The lead registers it in the command line with ``convert.add_parser(subparsers)``; the
subcommand runs :func:`hotspots.io.stream.convert_incidents` and prints the load report
(every row accounted for), the ward counts when ``--boundaries`` is given, and the speed.
"""

from __future__ import annotations

import argparse
import warnings
from typing import Any

from hotspots.errors import DataQualityWarning

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``convert`` subcommand to an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser (its ``func`` default is :func:`run`).

    Examples
    --------
    >>> import argparse
    >>> from hotspots.cli.convert import add_parser, run
    >>> parser = argparse.ArgumentParser(prog="hotspots")
    >>> sub = parser.add_subparsers()
    >>> _ = add_parser(sub)
    >>> args = parser.parse_args(["convert", "a.csv", "b.csv", "--out", "ds"])
    >>> args.files, args.out, args.func is run
    (['a.csv', 'b.csv'], 'ds', True)
    """
    p = subparsers.add_parser(
        "convert", help="convert incident files into a partitioned GeoParquet dataset",
        description="Read incident files one at a time (police.uk monthly files, or any "
        "table with --x/--y), check them, assign areas and write a GeoParquet dataset "
        "partitioned by force/year/month, with one load report for all files. Memory stays "
        "bounded by the largest file, or by --chunk-mb for bigger CSV files.")
    p.add_argument("files", nargs="+", help="files, folders or globs")
    p.add_argument("--out", required=True, help="new or empty folder for the dataset")
    p.add_argument("--boundaries", help="boundary set to assign and count by (e.g. "
                   "bradford-2013)")
    p.add_argument("--allow-outside", action="store_true",
                   help="accept files of other forces with one district's boundaries")
    p.add_argument("--x", help="longitude/easting column (not police.uk files)")
    p.add_argument("--y", help="latitude/northing column (not police.uk files)")
    p.add_argument("--occurred", help="date column (not police.uk files)")
    p.add_argument("--category", help="category column (not police.uk files)")
    p.add_argument("--force", help="partition name for files without 'Falls within'")
    p.add_argument("--chunk-mb", type=float, default=64,
                   help="read a CSV file bigger than this many MB in pieces of about this "
                   "size (default 64), so memory stays bounded whatever the file's size")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    r"""Run ``hotspots convert`` with parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        From the parser of :func:`add_parser`.

    Returns
    -------
    int
        0 on success (errors are raised as :class:`~hotspots.errors.HotspotsError` for the
        command line's usual handling).

    Examples
    --------
    >>> import argparse, tempfile, pathlib
    >>> from hotspots.cli.convert import run
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.csv").write_text("x,y\n415000,433000\n")
    >>> args = argparse.Namespace(files=[str(folder / "in.csv")], out=str(folder / "ds"),
    ...                           boundaries=None, allow_outside=False, x="x", y="y",
    ...                           occurred=None, category=None, force=None)
    >>> run(args)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    LoadReport: 1 chunks converted to ...
      rows read           1
      located             1
      unknown location    0
    ...
    1 rows in ... s (... rows/s); 1 parts in ...
    0
    """
    columns = {k: getattr(args, k) for k in ("x", "y", "occurred", "category")
               if getattr(args, k, None)}
    # imported when the command runs, so that `hotspots --help` loads no geopandas or pyarrow
    from hotspots.io.boundaries import load_boundaries
    from hotspots.io.stream import convert_incidents

    areas = load_boundaries(args.boundaries) if args.boundaries else None
    with warnings.catch_warnings():
        # the report printed below lists every problem the warnings would
        warnings.simplefilter("ignore", DataQualityWarning)
        chunk_mb = getattr(args, "chunk_mb", None) or 64
        done = convert_incidents(args.files, args.out, areas=areas, force=args.force,
                                 allow_outside=args.allow_outside,
                                 chunk_bytes=int(chunk_mb * 2**20), **columns)
    print(done.report)
    for level, table in done.counts.items():
        print(f"\nincidents per {level} (restricted: not for publication):")
        print(table[["area_id", "area_name", "n"]].to_string(index=False))
    print(f"\n{done.report.rows_read:,} rows in {done.seconds:.1f} s "
          f"({done.rows_per_second:,.0f} rows/s); {done.parts} parts in {done.path}")
    return 0
