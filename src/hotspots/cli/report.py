"""The ``hotspots report`` command: the area committee pack from incident files.

Writes, into ``--out``, one report per constituency (``--constituency NAME``, repeatable,
or ``--all``, the default) and the district summary: HTML (self-contained, A4 print), PDF
(when Playwright and Chromium are present), every map and chart as PNG and SVG, the
formatted workbook and ``manifest.json`` (inputs with SHA-256, the disclosure audit). Every
number in the pack is protected as one release; nothing is written if its audit fails.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hotspots.cli._inputs import add_area_options, add_input_options, load_areas, read_incidents
from hotspots.errors import Problem, ValidationError

__all__ = ["add_report_parser", "run_report"]


def add_report_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``report`` subcommand to the CLI's subparsers; return its parser."""
    p = sub.add_parser("report", help="area committee pack: one report per constituency and "
                                      "a district summary (HTML, PDF, XLSX)")
    add_input_options(p)
    add_area_options(p)
    p.add_argument("--before", required=True, help="earlier period, e.g. 2017/18")
    p.add_argument("--after", required=True, help="later period, e.g. 2018/19")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--constituency", action="append", metavar="NAME",
                       help="report on this constituency (repeatable)")
    which.add_argument("--all", action="store_true", help="every constituency (default)")
    p.add_argument("--population", type=Path,
                   help="CSV of residents per ward: columns area_id, population")
    p.add_argument("--population-label", default="residents",
                   help="what the population counts (residents, children)")
    p.add_argument("--person", help="column of person pseudonyms, for people counts")
    p.add_argument("--noun", default="offences", help="what an incident is, plural")
    p.add_argument("--k", type=int, default=5, help="suppression threshold")
    p.add_argument("--marking", default="OFFICIAL", choices=["OFFICIAL", "OFFICIAL-SENSITIVE"])
    p.add_argument("--contact", default="", help="contact line printed on each report")
    p.add_argument("--no-pdf", action="store_true", help="do not print PDFs")
    p.add_argument("--out", type=Path, default=Path("committee-pack"))
    p.set_defaults(func=run_report)
    return p


def _population(path: Path | None) -> Any:
    if path is None:
        return None
    import pandas as pd  # start-up: the parser imports this module for `hotspots --help`

    # read as text, so that "n/a" is quoted back to the user as written
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("area_id", "population") if c not in frame.columns]
    if missing:
        raise ValidationError([Problem("missing_column", f"{path.name} needs the columns "
                                       f"area_id and population; found "
                                       f"{', '.join(map(str, frame.columns))}.", column=c)
                               for c in missing])
    values = pd.to_numeric(frame["population"], errors="coerce")
    bad = frame.index[values.isna() | (values <= 0)]
    if len(bad):
        r = int(bad[0])
        raise ValidationError(Problem("bad_value", f"{path.name}, row {r + 2}, column "
                                      f"population: {frame['population'].iloc[r]!r} is not a "
                                      "positive number.", n_rows=len(bad),
                                      rows=tuple(int(i) + 2 for i in bad[:5]),
                                      column="population"))
    return pd.Series(values.to_numpy(), index=frame["area_id"].astype(str))


def run_report(args: argparse.Namespace) -> int:
    """Run ``hotspots report``; print the files written; return the exit code."""
    # start-up: the report layer (jinja2, matplotlib) loads only when the command runs
    from hotspots.report import committee_report, write_pack

    incidents = read_incidents(args)
    areas = load_areas(args, incidents)
    pack = committee_report(
        incidents, areas, before=args.before, after=args.after,
        constituency=args.constituency, population=_population(args.population),
        population_label=args.population_label, person=args.person, noun=args.noun,
        k=args.k, marking=args.marking, contact=args.contact,
        sources=[Path(f) for f in args.files], allow_outside=args.allow_outside)
    written = write_pack(pack, args.out, pdf=not args.no_pdf)
    print(f"Committee pack: {len(pack.sections) - 1} constituency report(s) and the district "
          f"summary in {args.out} ({len(written)} files; disclosure audit passed).")
    for section in pack.sections[:1]:
        for sentence in section.findings[:2]:
            print(f"  - {sentence}")
    return 0
