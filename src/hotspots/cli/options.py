"""Command-line options that let an analyst drive real work: filters, labels, sizes, rates.

Used by :mod:`hotspots.cli` (which stays the only module that prints): the options are added
to the ``map``, ``areas`` and ``premises`` commands, and the helpers here turn them into
arguments of the library verbs.

- ``--period P`` keeps the incidents in a period (``2019``, ``2019/20``,
  ``2019-01:2019-06``) and names it in the map footer;
- ``--category C`` (repeatable) keeps the incidents of these categories (case-insensitive);
  the column of a generic table is ``--category-column``;
- ``--title T`` names the map or the visit sheets;
- ``--cell-size M`` sets the grid cell of hot-spot and change maps, ``--eps M`` the DBSCAN
  distance of cluster maps;
- ``--population FILE`` gives rates per 1,000 residents (a CSV of area codes and
  populations, columns detected or named with ``--population-id``/``--population-column``);
- ``--agencies A`` (repeatable) invites partner agencies (``HMRC``, ``Immigration
  Enforcement``) to every operation of a visit plan.

When no period is given, the footer states the span of the data (``"Jan 2019 to Dec
2019"``), so a map never says "period not recorded".
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

# numpy and pandas are imported inside the functions: `hotspots --help` builds the parser
# from this module and must not pay for them

__all__ = [
    "add_filter_options",
    "add_map_options",
    "add_population_options",
    "add_premises_options",
    "filter_incidents",
    "read_population",
]


class FilterError(ValueError):
    """A filter that cannot be applied as given (the CLI turns it into a usage error)."""


# --- options ------------------------------------------------------------------------------
def add_filter_options(p: argparse.ArgumentParser, *, period: bool = True) -> None:
    """Add ``--period`` (unless the command has its own) and the repeatable ``--category``."""
    g = p.add_argument_group("which incidents")
    if period:
        g.add_argument("--period", help="only incidents in this period, named in the footer: "
                                        "e.g. 2019, 2019/20, 2019-01:2019-06")
    g.add_argument("--category", dest="categories", action="append", metavar="CATEGORY",
                   help="only incidents of this category (repeat for several), e.g. "
                        "--category 'Drugs' --category 'Violence and sexual offences'")


def add_map_options(p: argparse.ArgumentParser) -> None:
    """Add ``--title``, ``--cell-size`` and ``--eps`` to the ``map`` command."""
    g = p.add_argument_group("what the map shows")
    g.add_argument("--title", help="map title (default: what the map shows)")
    g.add_argument("--cell-size", type=_positive, metavar="M",
                   help="grid cell in metres for --kind hotspots/change (default: automatic)")
    g.add_argument("--eps", type=_positive, metavar="M",
                   help="DBSCAN neighbourhood distance in metres for --kind clusters "
                        "(default: automatic)")


def add_population_options(p: argparse.ArgumentParser) -> None:
    """Add ``--population FILE`` (rates per 1,000) and its column options."""
    g = p.add_argument_group("rates")
    g.add_argument("--population", type=Path, metavar="FILE",
                   help="CSV of area codes and populations: adds rate_per_1000 (the areas map "
                        "then shows rates)")
    g.add_argument("--population-id", metavar="COLUMN",
                   help="column of area codes in --population (default: detected)")
    g.add_argument("--population-column", metavar="COLUMN",
                   help="column of populations in --population (default: the numeric one)")


def add_premises_options(p: argparse.ArgumentParser) -> None:
    """Add ``--agencies`` (repeatable), ``--title`` and ``--visits`` to ``premises``."""
    g = p.add_argument_group("visit plan")
    g.add_argument("--agencies", action="append", metavar="AGENCY",
                   help="partner agency invited to every operation (repeat for several), "
                        "e.g. --agencies HMRC --agencies 'Immigration Enforcement'")
    g.add_argument("--title", help="heading of the visit sheets (default 'Premises visits')")
    g.add_argument("--visits", type=Path, metavar="LOG",
                   help="visit log (CSV, or the filled-in visit-plan workbook): recent "
                        "adverse outcomes raise a premises, a recent visit with no issues "
                        "lowers it")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of metres") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of metres")
    return value


# --- filters --------------------------------------------------------------------------------
def filter_incidents(incidents: Any, *, period: str | None = None,
                     categories: list[str] | None = None) -> tuple[Any, str | None]:
    """Keep the incidents in ``period`` and of ``categories``; say what was kept.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame.
    period : str, optional
        A period :func:`hotspots.parse_period` reads.
    categories : list of str, optional
        Categories to keep (matched ignoring case and surrounding spaces).

    Returns
    -------
    (geopandas.GeoDataFrame, str or None)
        The kept rows (index and attrs kept; ``attrs["hotspots"]["filters"]`` says what was
        done), and a sentence for stderr (``None`` when nothing was filtered).

    Raises
    ------
    FilterError
        For a period that cannot be read, or a category no incident has (the message lists
        the categories present, with their counts).

    Examples
    --------
    >>> kept, note = filter_incidents(incidents, period="2019")  # doctest: +SKIP
    >>> note  # doctest: +SKIP
    'kept 9,356 of 24,750 incidents (period 2019: 15,394 outside it or undated)'
    """
    if period is None and not categories:
        return incidents, None
    import numpy as np
    import pandas as pd

    from hotspots.periods import parse_period

    keep = np.ones(len(incidents), dtype=bool)
    parts = []
    done: dict[str, Any] = {}
    if period is not None:
        try:
            p = parse_period(period, name="--period")
        except (ValueError, TypeError) as exc:
            raise FilterError(f"--period: {exc}") from None
        occurred = incidents["occurred"] if "occurred" in incidents.columns else pd.Series(
            pd.NaT, index=incidents.index)
        inside = p.contains(occurred)
        parts.append(f"period {p.label}: {int((~inside).sum()):,} outside it or undated")
        keep &= inside
        done["period"] = p.label
    if categories:
        if "category" not in incidents.columns:
            raise FilterError("--category: the incidents have no category (for a generic "
                              "table, name its column with --category-column)")
        text = incidents["category"].astype("string").str.strip().str.lower()
        wanted = [c.strip().lower() for c in categories]
        present = set(text.dropna())
        unknown = [c for c, w in zip(categories, wanted, strict=True) if w not in present]
        if unknown:
            counts = incidents["category"].astype("string").value_counts()
            listed = ", ".join(f"{name} ({n:,})" for name, n in counts.head(20).items())
            raise FilterError(f"--category {unknown[0]!r}: no incident has this category. "
                              f"The categories are: {listed}.")
        match = text.isin(wanted).fillna(False).to_numpy(dtype=bool)
        parts.append(f"categories {', '.join(categories)}: {int((~match).sum()):,} of other "
                     "categories")
        keep &= match
        done["categories"] = list(categories)
    kept = incidents[keep]
    kept.attrs = {**incidents.attrs, "hotspots": {**incidents.attrs.get("hotspots", {}),
                                                  "filters": {**done, "kept": int(keep.sum()),
                                                              "of": len(incidents)}}}
    if not keep.any():
        raise FilterError(f"no incident is left after the filters ({'; '.join(parts)})")
    note = f"kept {int(keep.sum()):,} of {len(incidents):,} incidents ({'; '.join(parts)})"
    return kept, note


# --- population ---------------------------------------------------------------------------------
def read_population(path: Path, area_ids: Any, *, id_column: str | None = None,
                    value_column: str | None = None) -> tuple[pd.Series, str]:
    """Read a population table for rates: area code -> residents.

    Parameters
    ----------
    path : pathlib.Path
        CSV (or Excel) with one row per area.
    area_ids : sequence of str
        The area codes of the level the rates are for (to detect the code column and to
        report areas without a population).
    id_column, value_column : str, optional
        The code and population columns; detected when omitted (the column holding the
        most of ``area_ids``; the one numeric column besides it).

    Returns
    -------
    (pandas.Series, str)
        Populations indexed by area code, and a sentence saying what was read.

    Raises
    ------
    FilterError
        When the file cannot be read, a column is missing or cannot be told, or a
        population is not a number (naming the file, row and column).

    Examples
    --------
    >>> pop, note = read_population(Path("wards.csv"), areas["ward"]["area_id"])  # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd

    name = Path(path).name
    try:
        if Path(path).suffix.lower() in {".xlsx", ".xls", ".xlsm"}:
            table = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            # every cell as written: "n/a" must be reported, not read as missing
            table = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise FilterError(f"--population: cannot read {name}: {exc}") from None
    table.columns = [str(c).strip() for c in table.columns]
    ids = {str(a) for a in area_ids}
    for col, given in (("--population-id", id_column), ("--population-column", value_column)):
        if given is not None and given not in table.columns:
            raise FilterError(f"{col} {given!r} is not a column of {name} (columns: "
                              f"{', '.join(table.columns)})")
    if id_column is None:
        hits = {c: int(table[c].str.strip().isin(ids).sum()) for c in table.columns}
        id_column = max(hits, key=lambda c: hits[c]) if hits else None
        if id_column is None or hits[id_column] == 0:
            raise FilterError(f"--population: no column of {name} holds the area codes of "
                              f"these boundaries (e.g. {sorted(ids)[0]}); name it with "
                              "--population-id")
    if value_column is None:
        numeric = [c for c in table.columns if c != id_column
                   and pd.to_numeric(table[c].str.replace(",", ""), errors="coerce").notna().all()]
        if len(numeric) != 1:
            raise FilterError(f"--population: cannot tell which column of {name} holds the "
                              f"populations ({', '.join(numeric) or 'no numeric column'}); "
                              "name it with --population-column")
        value_column = numeric[0]
    values = pd.to_numeric(table[value_column].str.replace(",", ""), errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 2  # header is row 1
        raise FilterError(f"--population: {name}, row {row}, column {value_column!r}: "
                          f"{table[value_column].iloc[row - 2]!r} is not a number")
    codes = table[id_column].astype(str).str.strip()
    series = pd.Series(values.to_numpy(dtype=float), index=codes.to_numpy(), name="population")
    matched = int(codes.isin(ids).sum())
    note = (f"population from {name} ({id_column!r}, {value_column!r}): {matched} of "
            f"{len(ids)} areas matched; {len(table) - matched} rows for other areas ignored")
    return series, note
