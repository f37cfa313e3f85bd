"""What is known about police.uk files: their names, their layouts, and the one safe repair.

:func:`hotspots.io.read_police_uk` uses this module to decide which files of a folder are
police.uk crime files (:func:`sniff_layout`, :func:`is_street_file_name`) and to repair the
one misshapen row police.uk files are known to carry (:func:`location_comma_repair`).

The repair
----------
A street-level row with an unquoted comma inside Location (``On or near Main St, Bradford``)
has one field too many. As Context is nearly always empty, pandas or a careless reader drops
the blank last field and shifts everything after Location one column left: ``category``
becomes the LSOA name, ``outcome`` the crime type. The repair joins the Location fields back
only when every check agrees that this, and nothing else, happened:

- the header is the published street layout (Location followed by LSOA code);
- the row has one to three fields too many;
- joined, Location starts "On or near" (police.uk's wording for every located crime), the
  field after it is an LSOA code (``E01012345``), and the crime type is one police.uk uses;
- unjoined, the field after Location is *not* an LSOA code (otherwise the extra comma is
  elsewhere, e.g. in Context, and the row is rejected instead).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.io._csvfile import HEADER_SEARCH_LINES, Repair, RowRepair, open_text
from hotspots.io._incident_frame import per_distinct
from hotspots.io._ledger import TableRows

__all__ = ["API_REQUIRED", "STREET_COLUMNS", "STREET_REQUIRED", "is_street_file_name",
           "location_comma_repair", "reject_broken_street_rows", "sniff_layout"]

#: the published street-level CSV columns, in order
STREET_COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                  "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
                  "Context")
STREET_REQUIRED = ("Crime ID", "Month", "Longitude", "Latitude", "Crime type")
API_REQUIRED = ("id", "month", "category", "latitude", "longitude")

#: police.uk's file names: ``2019-01-city-of-london-street.csv``
_STREET_NAME = re.compile(r"^\d{4}-\d{2}-.+-street\.csv(\.gz|\.bz2)?$", re.IGNORECASE)
_LSOA = re.compile(r"^[EW]0\d{7}$")


def is_street_file_name(path: str | Path) -> bool:
    """Tell whether a file is named like a police.uk street-level crime file.

    Examples
    --------
    >>> is_street_file_name("2019-01-city-of-london-street.csv"), is_street_file_name("x.csv")
    (True, False)
    """
    return bool(_STREET_NAME.match(Path(path).name))


def _norm(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def sniff_layout(path: Path) -> tuple[str | None, list[str]]:
    """Find the police.uk layout of a file from its first lines.

    The file is opened as the reader opens it (compressed, UTF-16 and title lines above the
    header allowed; header names compared ignoring case and spacing).

    Parameters
    ----------
    path : pathlib.Path

    Returns
    -------
    layout : {"street", "api"} or None
    columns : list of str
        The header found (the first line when no layout matched).

    Raises
    ------
    hotspots.errors.ValidationError
        When the bytes are not a text table (see :func:`hotspots.io._csvfile.open_text`).
    """
    with path.open("rb") as fh:
        raw = fh.read(1 << 14)
        if raw[:2] in (b"\x1f\x8b", b"BZ", b"PK"):  # compressed: the head needs it all
            raw += fh.read()
    if not raw.strip():
        return None, []
    text = open_text(path, raw, head_only=True)
    head = text.data[:1 << 16].decode(text.encoding, errors="replace").lstrip("\ufeff")
    lines = head.splitlines()[:HEADER_SEARCH_LINES]
    records = [next(csv.reader(io.StringIO(line)), []) for line in lines]
    for rec in records:
        names = {_norm(c) for c in rec}
        if {_norm(c) for c in STREET_REQUIRED} <= names:
            return "street", [c.strip() for c in rec]
        if {_norm(c) for c in API_REQUIRED} <= names:
            return "api", [c.strip() for c in rec]
    return None, [c.strip() for c in records[0]] if records else []


def location_comma_repair(crime_types: Collection[str]) -> RowRepair:
    """Build the repair of an unquoted comma inside Location (see the module notes).

    Parameters
    ----------
    crime_types : collection of str
        The crime type names police.uk uses ("Burglary", "Anti-social behaviour", ...).

    Returns
    -------
    hotspots.io._csvfile.RowRepair
    """
    types = frozenset(crime_types)

    def make(header: Sequence[str]) -> Repair | None:
        norm = [_norm(h) for h in header]
        if norm != [_norm(c) for c in STREET_COLUMNS]:
            return None
        loc, code, kind = norm.index("location"), norm.index("lsoa code"), norm.index(
            "crime type")
        width = len(header)

        def repair(rec: list[str]) -> list[str] | None:
            extra = len(rec) - width
            if not 1 <= extra <= 3 or _LSOA.match(rec[code].strip()):
                return None
            fixed = [*rec[:loc], ",".join(rec[loc:loc + extra + 1]), *rec[loc + extra + 1:]]
            if (fixed[loc].strip().lower().startswith("on or near")
                    and _LSOA.match(fixed[code].strip()) and fixed[kind].strip() in types):
                return fixed
            return None

        return repair

    return RowRepair(
        make, "repaired_location_comma", "unquoted comma in Location, repaired",
        "These rows had one field too many because Location held a comma that was not "
        "quoted (e.g. 'On or near Main St, Bradford'); the Location fields were joined back. "
        "Each check agreed: Location starts 'On or near', the next field is an LSOA code "
        "and the crime type is a police.uk one.")


def reject_broken_street_rows(rows: TableRows, crime_types: Collection[str]) -> None:
    """Reject street rows whose values cannot be where they are: a row shifted by a field.

    A row that lost one field and gained another keeps the header's width, so only its
    values can tell: police.uk always names a crime type from its short list, and an LSOA
    code is a letter and digits (``E01012345``) when it is given at all.

    Parameters
    ----------
    rows : hotspots.io._table.TableRows
        Rows of street-level files, read by the engine (rejected rows are counted there).
    crime_types : collection of str
        The crime types police.uk uses, current and historical.
    """
    # the rules read one cell at a time: run them once per distinct value (see per_distinct)
    known = list(crime_types)
    unknown = per_distinct(rows.data["Crime type"],
                           lambda u: (u.str.strip().isna() | ~u.str.strip().isin(known))
                           .to_numpy(dtype=bool), missing=True)
    rows.reject(unknown, "unknown_crime_type", "not a police.uk crime type",
                "police.uk rows always name one of its crime types "
                f"({', '.join(sorted(crime_types)[:4])}, ...); a blank or other value means "
                "the row is broken, often shifted by a missing or extra field.",
                column="Crime type")
    if "LSOA code" in rows.data.columns:
        def is_odd(u: pd.Series) -> np.ndarray:
            code = u.str.strip()
            return (code.notna() & (code != "") & ~code.str.fullmatch(
                r"[A-Z]\d{1,8}").fillna(False)).to_numpy(dtype=bool)

        odd = per_distinct(rows.data["LSOA code"], is_odd, missing=False)
        rows.reject(odd, "odd_lsoa_code", "not an LSOA code in 'LSOA code'",
                    "An LSOA code is a letter and digits (E01012345); another value means "
                    "the row is broken, often shifted by a missing or extra field.",
                    column="LSOA code")
