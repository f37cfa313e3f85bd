"""The shared engine of the point readers: a table in, rows with BNG points and an account out.

:func:`read_table` reads one or many files (CSV, Excel, GeoPackage, GeoJSON, Parquet,
GeoParquet) or a (Geo)DataFrame, checks every row and returns a :class:`TableRows`: the kept
rows, a point in British National Grid for each (empty when the location is unknown), the
parsed date columns, and everything needed for a :class:`~hotspots.io.LoadReport`. Readers
(``read_incidents``, ``read_police_uk``, ``read_missing_episodes``, ``read_premises``) map
the kept columns onto their own schema; they can reject or flag more rows with
:meth:`TableRows.reject` / :meth:`TableRows.flag` and remove duplicates with
:meth:`TableRows.drop_duplicates`, and the accounting stays balanced.

Row-level rules (all vectorised)
--------------------------------
- Both coordinates blank (or a null token such as ``NA``, ``NULL``, ``-``): kept, location
  *unknown*.
- Coordinates exactly ``(0, 0)``: kept as *unknown* with a ``DataQualityWarning``; police.uk
  and many exports write zeros for "no location", and (0, 0) is in the Gulf of Guinea anyway.
- One coordinate blank, or a coordinate that is not a number: *rejected* (reason counted).
- A point outside Great Britain (bounding box, see :mod:`hotspots.crs`): *rejected*.
- A geometry that is not a point: *rejected*.
- Most of the file with latitude/longitude swapped, or BNG metres where lon/lat was declared:
  the whole read fails with a :class:`~hotspots.errors.CRSError` that says how to fix it.
- A CSV record with fewer or more fields than the header: *rejected* with its field count
  (never padded or shifted; see :mod:`hotspots.io._csvread`), unless a reader's narrowly
  safe repair applies (police.uk's unquoted comma in Location), which is flagged.
- A date that does not parse: the row is *kept* with ``NaT`` (its location is still useful)
  and a ``DataQualityWarning`` gives the count and first rows (*rejected* for a date every
  row of a known layout has, such as police.uk's Month).
- A date after ``today`` or before 1900: *kept* as given, with a ``DataQualityWarning``.
  Day/month order and time zones follow :mod:`hotspots.io._dates`.

Row numbers are spreadsheet row numbers: the header is row 1, so the first record is row 2.
They count records, so a quoted field with a line break stays on one row. For frames and
for GeoPackage/GeoJSON/Parquet files, the row number is the position + 2, as if the table
had been saved to a spreadsheet with a header row (the frame's index is not used).
"""

from __future__ import annotations

import difflib
import glob
import hashlib
import logging
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots.crs import (
    BNG,
    check_declared_crs,
    detect_crs,
    in_gb_bng,
    in_gb_lonlat,
    is_geographic,
    is_zero_point,
    normalize_crs,
    to_bng,
)
from hotspots.errors import (
    CRSError,
    DataQualityWarning,
    EmptyDataError,
    Problem,
    ValidationError,
)
from hotspots.io._csvfile import RowRepair, shorten
from hotspots.io._csvread import _Raw, read_csv_file
from hotspots.io._dates import DEFAULT_TZ, parse_date_column, parse_dates
from hotspots.io.load_report import MAX_EXAMPLES, FileRecord, LoadReport, RowIssue

__all__ = ["Points", "TableRows", "expand_paths", "parse_dates", "parse_points", "read_table"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike
#: a single file, a frame, or several files
Source = PathLike | pd.DataFrame | Sequence[PathLike]

#: text that means "no value" in a coordinate or date cell (compared stripped, lower case)
NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "nil"})

CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".kml", ".zip"}
COMPRESSED_SUFFIXES = {".gz", ".gzip", ".bz2"}

#: dates before this are flagged: no police or council record in use starts before 1900
EARLIEST_PLAUSIBLE = pd.Timestamp("1900-01-01")


def _user_stacklevel() -> int:
    """Stack level of the first frame outside :mod:`hotspots`, so warnings point at user code."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("hotspots"):
        frame = frame.f_back
        level += 1
    return level


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# --- the result ---------------------------------------------------------------------------
@dataclass
class TableRows:
    """Rows kept by :func:`read_table`, with their points and the accounting so far.

    Attributes
    ----------
    data : pandas.DataFrame
        The kept rows, every source column as read (CSV columns are strings; a geometry
        column consumed as the location is removed), with a fresh RangeIndex.
    geometry : numpy.ndarray of shapely.Point
        The location in EPSG:27700, an empty Point when unknown; aligned with ``data``.
    located : numpy.ndarray of bool
        True where the location is known.
    source_file : numpy.ndarray of object
        File name of each kept row (``None`` for frames).
    source_row : numpy.ndarray of int64
        Spreadsheet row number of each kept row (header = row 1).
    dates : dict of str to pandas.Series
        Each requested date column parsed to ``datetime64[ns]`` (NaT when blank or unparsed).
    crs : str or None
        The input CRS (declared or detected); ``None`` when no row had coordinates.
    crs_reason : str
        Why that CRS ("declared", or the detection evidence).
    description : str
        What was read, for messages and the report.
    files : list of FileRecord
    rows_read : int
    rejected, flagged : dict of str to RowIssue
    notes, warnings : list of str
    duplicates_removed : int
    duplicates_detail : str
    duplicate_rows : tuple of (str or None, int)
    """

    data: pd.DataFrame
    geometry: np.ndarray
    located: np.ndarray
    source_file: np.ndarray
    source_row: np.ndarray
    dates: dict[str, pd.Series]
    crs: str | None
    crs_reason: str
    description: str
    files: list[FileRecord]
    rows_read: int
    rejected: dict[str, RowIssue] = field(default_factory=dict)
    flagged: dict[str, RowIssue] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates_removed: int = 0
    duplicates_detail: str = ""
    duplicate_rows: tuple[tuple[str | None, int], ...] = ()

    def __len__(self) -> int:
        return len(self.data)

    # --- helpers for readers ---------------------------------------------------------
    def examples(self, mask: np.ndarray) -> tuple[tuple[str | None, int], ...]:
        """``(file, row)`` of the first few rows where ``mask`` is true."""
        idx = np.flatnonzero(mask)[:MAX_EXAMPLES]
        return tuple((self.source_file[i], int(self.source_row[i])) for i in idx)

    def _keep(self, keep: np.ndarray) -> None:
        self.data = self.data.loc[keep].reset_index(drop=True)
        self.geometry = self.geometry[keep]
        self.located = self.located[keep]
        self.source_file = self.source_file[keep]
        self.source_row = self.source_row[keep]
        self.dates = {k: v.loc[keep].reset_index(drop=True) for k, v in self.dates.items()}

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        warnings.warn(message, DataQualityWarning, stacklevel=_user_stacklevel())

    def reject(self, mask: Any, code: str, label: str, message: str, *,
               column: str | None = None, warn: bool = True) -> int:
        """Remove the rows where ``mask`` is true and count them under ``code``.

        Parameters
        ----------
        mask : array-like of bool
            Aligned with :attr:`data`.
        code, label, message : str
            Reason code (key in the report), short label and explanation.
        column : str, optional
            The column concerned.
        warn : bool
            Issue a ``DataQualityWarning`` with the count and first rows.

        Returns
        -------
        int
            Rows rejected.
        """
        mask = np.asarray(mask, dtype=bool)
        n = int(mask.sum())
        if n == 0:
            return 0
        issue = RowIssue(label, n, self.examples(mask), message, column)
        self.rejected[code] = self.rejected[code].merged(issue) if code in self.rejected else issue
        if warn:
            self._warn(f"{self.description}: {n} row{'s' if n != 1 else ''} rejected, {label} "
                       f"({issue.rows_text()}). {message}")
        self._keep(~mask)
        return n

    def flag(self, mask: Any, code: str, label: str, message: str, *,
             column: str | None = None, warn: bool = True) -> int:
        """Record that the rows where ``mask`` is true were kept with a problem.

        Parameters are as for :meth:`reject`. Returns the number of rows flagged.
        """
        mask = np.asarray(mask, dtype=bool)
        n = int(mask.sum())
        if n == 0:
            return 0
        issue = RowIssue(label, n, self.examples(mask), message, column)
        self.flagged[code] = self.flagged[code].merged(issue) if code in self.flagged else issue
        if warn:
            self._warn(f"{self.description}: {n} row{'s' if n != 1 else ''} kept with "
                       f"{label} ({issue.rows_text()}). {message}")
        return n

    def drop_duplicates(self, key: Any, *, detail: str) -> int:
        """Remove rows whose ``key`` repeats an earlier row's (blank keys never match).

        Parameters
        ----------
        key : array-like
            Aligned with :attr:`data`, e.g. ``rows.data["id"]``.
        detail : str
            How duplicates are defined, for the report, e.g. ``"same 'id'"``.

        Returns
        -------
        int
            Rows removed.
        """
        key = pd.Series(np.asarray(key, dtype=object))
        dup = (key.duplicated(keep="first") & key.notna()).to_numpy()
        n = int(dup.sum())
        if n:
            n_keys = key[dup].nunique()
            self.duplicate_rows = (self.duplicate_rows + self.examples(dup))[:MAX_EXAMPLES]
            self.duplicates_removed += n
            text = f"{detail} as an earlier row: {n} rows removed ({n_keys} distinct values)"
            self.duplicates_detail = "; ".join(x for x in (self.duplicates_detail, text) if x)
            logger.info("%s: %s", self.description, text)
            self._keep(~dup)
        return n

    def geoseries(self) -> Any:
        """Return the locations as a GeoSeries in EPSG:27700 with a RangeIndex."""
        import geopandas as gpd

        return gpd.GeoSeries(self.geometry, crs=BNG)

    def load_report(self, source: str | None = None) -> LoadReport:
        """Build the :class:`LoadReport` of the rows as they stand (checks the balance)."""
        n_loc = int(self.located.sum())
        return LoadReport(
            source=source or self.description,
            rows_read=self.rows_read,
            located=n_loc,
            unknown_location=len(self.data) - n_loc,
            rejected=dict(self.rejected),
            duplicates_removed=self.duplicates_removed,
            duplicates_detail=self.duplicates_detail,
            duplicate_rows=self.duplicate_rows,
            files=list(self.files),
            flagged=dict(self.flagged),
            notes=list(self.notes),
            warnings=list(self.warnings),
        )


# --- file discovery -------------------------------------------------------------------------
def expand_paths(paths: PathLike | Sequence[PathLike], *,
                 pattern: str = "*.csv") -> tuple[list[Path], bool]:
    """Turn a path, folder, glob or list of them into a sorted list of files.

    Parameters
    ----------
    paths : str, path-like or sequence of them
        A file, a folder (searched recursively for ``pattern``), or a glob string such as
        ``"data/2019-*/*-street.csv"`` (``**`` allowed).
    pattern : str
        File pattern used inside folders.

    Returns
    -------
    files : list of pathlib.Path
    searched : bool
        True when any file was found by searching (folder or glob) rather than named.

    Raises
    ------
    hotspots.errors.ValidationError
        When a named file does not exist or a folder/glob matches nothing.
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[Path] = []
    searched = False
    problems = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.rglob(pattern) if q.is_file())
            searched = True
            if not found:
                problems.append(Problem("no_files", f"folder {p} holds no {pattern} files."))
            files += found
        elif p.is_file():
            files.append(p)
        elif any(ch in str(item) for ch in "*?["):
            found = sorted(Path(f) for f in glob.glob(str(item), recursive=True)
                           if Path(f).is_file())
            searched = True
            if not found:
                problems.append(Problem("no_files", f"no file matches {str(item)!r}."))
            files += found
        else:
            problems.append(Problem("file_not_found", f"file {p} does not exist.",
                                    file=p.name))
    if problems:
        raise ValidationError(problems)
    if not files:
        raise ValidationError(Problem("no_files", "no files were given."))
    return files, searched


# --- reading --------------------------------------------------------------------------------
def _read_vector(path: Path, layer: Any) -> _Raw:
    import geopandas as gpd

    raw = path.read_bytes() if path.is_file() else b""
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES:
            import pyarrow.parquet as pq

            meta = pq.read_schema(path).metadata or {}
            frame = gpd.read_parquet(path) if b"geo" in meta else pd.read_parquet(path)
        elif suffix in EXCEL_SUFFIXES:
            frame = pd.read_excel(path, dtype=str, sheet_name=layer or 0)
        else:
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio/pyarrow raise many types; name the file in one error
        raise ValidationError(Problem(
            "unreadable_file", f"could not read {path.name}: {shorten(exc, 300)}",
            file=path.name)) from None
    return _from_frame(frame, name=path.name, path=str(path),
                       sha256=hashlib.sha256(raw).hexdigest() if raw else None)


def _from_frame(frame: pd.DataFrame, *, name: str | None, path: str | None = None,
                sha256: str | None = None) -> _Raw:
    import geopandas as gpd

    geometry = None
    data = frame
    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns:
        geometry = frame.geometry.reset_index(drop=True)
        data = pd.DataFrame(frame.drop(columns=frame._geometry_column_name))
    data = data.reset_index(drop=True).copy()
    data.attrs = {}
    data.columns = [str(c) for c in data.columns]
    record = FileRecord(name or "<DataFrame>", len(data), sha256, path)
    return _Raw(data, geometry, record, np.arange(len(data), dtype=np.int64) + 2, [])


def _is_csv_archive(path: Path) -> bool:
    """Tell whether a ``.zip`` holds exactly one CSV/text file (so no shapefile)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = [m.filename for m in zf.infolist() if not m.is_dir()]
    except (OSError, zipfile.BadZipFile):
        return False
    return len(members) == 1 and Path(members[0]).suffix.lower() in CSV_SUFFIXES


def _load_one(path: Path, layer: Any, expected: Sequence[str] = (),
              repair: RowRepair | None = None, single_line: bool = False) -> _Raw:
    suffix = path.suffix.lower()
    if suffix in COMPRESSED_SUFFIXES:  # "crimes.csv.gz": decided by the inner suffix
        suffix = Path(path.stem).suffix.lower() or ".csv"
    if suffix == ".zip" and _is_csv_archive(path):
        suffix = ".csv"
    if suffix in CSV_SUFFIXES or suffix not in (PARQUET_SUFFIXES | EXCEL_SUFFIXES
                                                | VECTOR_SUFFIXES):
        return read_csv_file(path, path.read_bytes(), expected, repair, single_line)
    return _read_vector(path, layer)


# --- checks ---------------------------------------------------------------------------------
def _names(columns: Sequence[Any], quote: bool = True, limit: int = 30) -> str:
    """Column names for a message: each cut short, at most ``limit`` of them.

    With ``quote=False`` (files of personal data) a name holding a digit is not shown: in a
    file without a header row, the "names" are the first record's values.
    """
    names = [str(c) for c in columns]
    shown = [shorten(c, 40) if quote or not any(ch.isdigit() for ch in c)
             else "(a name with digits, not shown)" for c in names[:limit]]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return (", ".join(shown) + more) or "(none)"


def _match_case(raw: _Raw, wanted: Sequence[str]) -> list[tuple[str, str]]:
    """Rename columns that differ from a wanted name only by case or spacing.

    Returns the ``(found, wanted)`` pairs renamed; a name matched by two columns is left
    alone (the missing-column error then lists both).
    """
    columns = [str(c) for c in raw.data.columns]
    norm = [" ".join(c.split()).casefold() for c in columns]
    renamed = []
    for want in wanted:
        if want in columns:
            continue
        key = " ".join(want.split()).casefold()
        hits = [c for c, k in zip(columns, norm, strict=True) if k == key]
        if len(hits) == 1:
            renamed.append((hits[0], want))
    if renamed:
        raw.data = raw.data.rename(columns=dict(renamed))
    return renamed


def _account_for_shapes(rows: TableRows, raws: Sequence[_Raw], named: bool,
                        repair: RowRepair | None, *, warn: bool = True) -> None:
    """Count the records set aside for their shape, and flag the repaired ones.

    ``warn=False`` when no row is left: the caller raises with the same reasons instead.
    """
    by_code: dict[str, RowIssue] = {}
    for r in raws:
        name = r.record.name if named else None
        for code, label, message, numbers in r.rejected:
            issue = RowIssue(label, len(numbers),
                             tuple((name, int(k)) for k in numbers[:MAX_EXAMPLES]), message)
            by_code[code] = by_code[code].merged(issue) if code in by_code else issue
        if len(r.repaired) and repair is not None:
            mask = (rows.source_file == name) & np.isin(rows.source_row, r.repaired)
            rows.flag(mask, repair.code, repair.label, repair.message)
    for code, issue in by_code.items():
        rows.rows_read += issue.count
        rows.rejected[code] = issue
        if warn:
            rows._warn(f"{rows.description}: {_plural(issue.count, 'row')} rejected, "
                       f"{issue.label} ({issue.rows_text()}). {issue.message}")


def _missing_columns(columns: Sequence[str], wanted: Mapping[str, str],
                     file: str | None, quote: bool = True) -> list[Problem]:
    """One problem per missing column, listing the columns found and close matches."""
    problems = []
    found = _names(columns, quote)
    lower = {c.lower(): c for c in columns}
    for arg, col in wanted.items():
        if col in columns:
            continue
        close = ([lower[col.lower()]] if col.lower() in lower
                 else difflib.get_close_matches(col, list(columns), n=3, cutoff=0.6))
        hint = (f" Did you mean {' or '.join(shorten(c, 40) for c in close)}?"
                if close else "")
        given = f" (given as {arg}=)" if arg != col else ""
        problems.append(Problem(
            "missing_column",
            f"column {col!r}{given} was not found.{hint} Columns found: {found}.",
            column=col, file=file))
    return problems


def _text(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Return the stripped text of a column and the mask of cells that hold a value."""
    s = series.astype("string").str.strip()
    present = (s.notna() & ~s.str.lower().isin(NULL_TOKENS)).to_numpy(dtype=bool)
    return s, present


def _to_float(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of a column and the mask of cells that hold a value (number or not)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(float), ~np.isnan(values)
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        v = series.to_numpy(dtype=float, na_value=np.nan)
        return v, ~np.isnan(v)
    s, present = _text(series)
    v = pd.to_numeric(s.where(present), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return v, present


@dataclass
class Points:
    """Result of :func:`parse_points`: BNG points and the verdict on every row.

    Attributes
    ----------
    geometry : numpy.ndarray of shapely.Point
        EPSG:27700; empty Points where not located.
    located, unknown, zero : numpy.ndarray of bool
        Located rows; rows kept without a location (blank or ``(0, 0)``); the ``(0, 0)`` rows.
    rejected : dict of str to (mask, label, message, column)
        Rows that cannot be kept, by reason code.
    crs, crs_reason : str or None, str
        The input CRS and why it was chosen.
    """

    geometry: np.ndarray
    located: np.ndarray
    unknown: np.ndarray
    zero: np.ndarray
    rejected: dict[str, tuple[np.ndarray, str, str, str | None]]
    crs: str | None
    crs_reason: str


def parse_points(x: Any, y: Any, *, crs: Any = None, x_name: str = "x", y_name: str = "y",
                 rows: np.ndarray | None = None, file: str | None = None,
                 not_point: np.ndarray | None = None, quote_values: bool = True) -> Points:
    """Check coordinate columns row by row and project them to British National Grid.

    Parameters
    ----------
    x, y : pandas.Series or numpy.ndarray
        Raw coordinate values (text or numbers).
    crs : str, int or pyproj.CRS, optional
        Declared input CRS; detected from the values when omitted
        (:func:`hotspots.crs.detect_crs`).
    x_name, y_name : str
        Column names for messages.
    rows : numpy.ndarray of int, optional
        Spreadsheet row numbers for messages (default position + 2).
    file : str, optional
        File name for messages.
    not_point : numpy.ndarray of bool, optional
        Rows whose geometry is not a point (rejected with code ``not_a_point``).
    quote_values : bool
        Quote an example of a value that is not a number (off for personal data).

    Returns
    -------
    Points

    Raises
    ------
    hotspots.errors.CRSError
        When the whole input has swapped or mislabelled coordinates, or its CRS cannot be
        detected (see :func:`hotspots.crs.detect_crs`).
    """
    xv, x_present = _to_float(x)
    yv, y_present = _to_float(y)
    n = xv.size
    if rows is None:
        rows = np.arange(n, dtype=np.int64) + 2
    not_point = np.zeros(n, dtype=bool) if not_point is None else not_point
    bad_x = x_present & ~np.isfinite(xv)
    bad_y = y_present & ~np.isfinite(yv)
    non_numeric = (bad_x | bad_y) & ~not_point
    one_missing = (x_present ^ y_present) & ~non_numeric & ~not_point
    both_missing = ~x_present & ~y_present & ~not_point
    ok = x_present & y_present & ~non_numeric & ~not_point
    zero = ok & is_zero_point(np.where(ok, xv, np.nan), np.where(ok, yv, np.nan))
    cand = ok & ~zero

    rejected: dict[str, tuple[np.ndarray, str, str, str | None]] = {}
    if not_point.any():
        rejected["not_a_point"] = (not_point, "geometry is not a point",
                                   "Only point geometries can be used as incident locations.",
                                   "geometry")
    if non_numeric.any():
        parts = []
        for bad, name, raw in ((bad_x, x_name, x), (bad_y, y_name, y)):
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                value = raw.iloc[first] if isinstance(raw, pd.Series) else raw[first]
                example = f"{shorten(value)} in " if quote_values else ""
                parts.append(f"'{name}' has {_plural(int(bad.sum()), 'value')} that "
                             f"{'is' if bad.sum() == 1 else 'are'} not a number (e.g. "
                             f"{example}row {int(rows[first])})")
        column = (x_name if not bad_y.any() else y_name if not bad_x.any()
                  else f"{x_name}/{y_name}")
        rejected["non_numeric_coordinate"] = (
            non_numeric, "non-numeric coordinates",
            "; ".join(parts) + ".", column)
    if one_missing.any():
        only_x = int((x_present & one_missing).sum())
        rejected["missing_coordinate"] = (
            one_missing, "one coordinate missing",
            f"Only one of '{x_name}'/'{y_name}' is filled in ({only_x} with '{x_name}' "
            f"only, {int(one_missing.sum()) - only_x} with '{y_name}' only); a row with both "
            "blank would be kept as location unknown.", f"{x_name}/{y_name}")

    crs_used: str | None = None
    reason = "no row has coordinates"
    if cand.any():
        if crs is None:
            crs_used = detect_crs(xv[cand], yv[cand], x_name=x_name, y_name=y_name,
                                  rows=rows[cand], file=file)
            reason = "detected from the value ranges"
        else:
            crs_used = check_declared_crs(xv[cand], yv[cand], crs, x_name=x_name,
                                          y_name=y_name, rows=rows[cand], file=file)
            reason = "declared"
    elif crs is not None:
        crs_used, reason = normalize_crs(crs), "declared"

    east = np.full(n, np.nan)
    north = np.full(n, np.nan)
    if cand.any():
        east[cand], north[cand] = to_bng(xv[cand], yv[cand], crs_used)
    inside = in_gb_bng(east, north)
    if crs_used is not None and is_geographic(crs_used):
        inside &= in_gb_lonlat(xv, yv)
    outside = cand & ~inside
    # a row whose two values fit Great Britain once exchanged is a typing slip, not a place
    # abroad: reject it under its own reason so that the message says what to fix
    swapped = np.zeros(n, dtype=bool)
    if outside.any() and crs_used is not None:
        if is_geographic(crs_used):
            swapped = outside & in_gb_lonlat(yv, xv)
        elif crs_used == BNG:
            swapped = outside & in_gb_bng(yv, xv)
    if swapped.any():
        first = int(np.flatnonzero(swapped)[0])
        what = ("latitude and longitude" if is_geographic(crs_used)
                else "easting and northing")
        rejected["swapped_coordinates"] = (
            swapped, f"{what} swapped",
            f"These rows have {what} the wrong way round (e.g. {x_name}={xv[first]:g}, "
            f"{y_name}={yv[first]:g} in row {int(rows[first])}) while the other rows are "
            f"the right way round; correct them in the source.", f"{x_name}/{y_name}")
        outside &= ~swapped
    if outside.any():
        first = int(np.flatnonzero(outside)[0])
        rejected["outside_gb"] = (
            outside, "outside Great Britain",
            f"Points outside the Great Britain box (e.g. {x_name}={xv[first]:g}, "
            f"{y_name}={yv[first]:g} in row {int(rows[first])}; CRS {crs_used}).",
            f"{x_name}/{y_name}")
    located = cand & inside
    geometry = shapely.empty(n, geom_type=shapely.GeometryType.POINT)
    if located.any():
        geometry[located] = shapely.points(east[located], north[located])
    unknown = both_missing | zero
    return Points(geometry, located, unknown, zero, rejected, crs_used, reason)


# --- the engine -----------------------------------------------------------------------------
def _describe(paths: list[Path] | None, frame: Any) -> str:
    if paths is None:
        kind = type(frame).__name__
        return f"{kind} ({len(frame):,} rows)"
    if len(paths) == 1:
        return paths[0].name
    return f"{len(paths)} files ({paths[0].name} ... {paths[-1].name})"


def read_table(
    source: Source,
    *,
    x: str | None = None,
    y: str | None = None,
    crs: Any = None,
    dates: Mapping[str, str | None] | Sequence[str] = (),
    required: Mapping[str, str] | Sequence[str] = (),
    dayfirst: bool | None = None,
    tz: str = DEFAULT_TZ,
    today: Any = None,
    layer: Any = None,
    progress: bool = False,
    description: str | None = None,
    repair: RowRepair | None = None,
    quote_values: bool = True,
    known_columns: Sequence[str] = (),
    single_line: bool = False,
    reject_bad_dates: Sequence[str] = (),
) -> TableRows:
    """Read a table of points, check every row, and account for each one.

    Parameters
    ----------
    source : path-like, sequence of path-likes, pandas.DataFrame or geopandas.GeoDataFrame
        CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else Windows-1252 with a warning),
        Excel, GeoPackage, GeoJSON, Shapefile, FlatGeobuf, Parquet or GeoParquet; several
        files, a folder (its CSV files, recursively) or a glob are read in turn and stacked
        (columns unioned). Files with another suffix are read as CSV.
    x, y : str, optional
        Coordinate columns (longitude/easting, latitude/northing). When omitted, the source
        must have a geometry (a GeoDataFrame, GeoPackage, GeoJSON, GeoParquet), used directly.
        When given, they are used even if the source also has a geometry.
    crs : str, int or pyproj.CRS, optional
        CRS of the coordinates; defaults to the geometry's CRS, else detected from the value
        ranges (:func:`hotspots.crs.detect_crs`).
    dates : mapping of column to format, or sequence of columns
        Date columns to parse (format ``None``: ISO 8601, then common UK layouts).
    required : mapping of argument name to column, or sequence of columns
        Columns that must exist (besides ``x``/``y`` and ``dates``); the argument name is
        used in the message (``id='Crime ID'``).
    dayfirst : bool, optional
        ``01/02/2019`` is 1 February when True (UK), 2 January when False (US). By default
        the order is decided per column from the values that can only be read one way
        (``13/01/2019``, ``01/13/2019``); a column holding both kinds is refused.
    tz : str
        Time zone of times written without one (default Europe/London); times with a zone
        (``Z``, ``+01:00``) are converted to it and a column mixing both is flagged.
    today : date-like, optional
        Dates after this day are flagged as in the future (default: today); dates before
        1900 are flagged too.
    layer : str or int, optional
        Layer of a GeoPackage, or sheet of an Excel file.
    progress : bool
        Show a tqdm progress bar over the files.
    description : str, optional
        How to name the input in messages (default: the file name or "N files (...)").
    repair : RowRepair, optional
        A narrowly safe repair for CSV records of the wrong width (police.uk's unquoted comma
        in Location); repaired rows are flagged. Other such records are rejected.
    quote_values : bool
        Quote example cell values in messages and the report (default). Readers of personal
        data turn it off: messages then give row numbers and counts only.
    known_columns : sequence of str
        The column names of a known published layout (police.uk): a column whose name
        differs from one of them only by case or spacing (``CRIME ID``) is renamed to it,
        with a note. Names the user typed must match exactly (the error suggests the
        spelling).
    single_line : bool
        The layout never has a line break inside a value (police.uk): a CSV record with one
        is rejected, as a stray pair of quotes has probably joined rows into one value.
    reject_bad_dates : sequence of str
        Date columns that every row of the layout fills (police.uk's Month): a blank or
        unparsed value there means a broken row, which is rejected instead of kept as NaT.

    Returns
    -------
    TableRows
        The kept rows, their BNG points and the accounting.

    Raises
    ------
    hotspots.errors.EmptyDataError
        For an empty file, a file with a header but no rows, or when every row was rejected.
    hotspots.errors.ValidationError
        For missing columns (listing the columns found, with close matches), a malformed or
        unreadable file.
    hotspots.errors.CRSError
        For swapped latitude/longitude, BNG given as lon/lat (or the reverse), or a CRS that
        cannot be detected.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        With counts and first rows: rows rejected; coordinates ``(0, 0)`` kept as unknown;
        dates that did not parse (kept as NaT) or lie in the future (kept); files that are not
        UTF-8.

    Notes
    -----
    Row numbers follow the module docstring: header = row 1; frames and non-CSV files use
    position + 2.
    """
    date_specs = dict(dates) if isinstance(dates, Mapping) else dict.fromkeys(dates)
    required_map = (dict(required) if isinstance(required, Mapping)
                    else {c: c for c in required})
    if (x is None) != (y is None):
        raise ValueError("Pass both x= and y= (the coordinate columns), or neither to use the "
                         "geometry of the source.")

    # 1. read
    raws: list[_Raw] = []
    if isinstance(source, pd.DataFrame):
        paths = None
        raws.append(_from_frame(source, name=None))
    else:
        paths, _ = expand_paths(source)
        iterator: Any = paths
        if progress and len(paths) > 1:
            from tqdm import tqdm

            iterator = tqdm(paths, desc="reading", unit="file")
        # an empty (0-byte) file is an error even among many; a header-only file among many
        # is noted (a month without rows can happen), a lone one is an error
        expected = [c for c in (x, y, *required_map.values(), *date_specs) if c is not None]
        raws += [_load_one(p, layer, expected, repair, single_line) for p in iterator]
    desc = description or _describe(paths, source)
    single_file = raws[0].record.name if paths is not None and len(paths) == 1 else None

    warn_texts = [r.encoding_warning for r in raws if r.encoding_warning]
    for r in raws:
        dup = sorted({str(c) for c in r.data.columns[r.data.columns.duplicated()]})
        if dup:
            raise ValidationError(Problem(
                "duplicate_column", f"column names used twice: "
                f"{', '.join(shorten(c) for c in dup[:10])}. Which one holds the data cannot "
                "be known: rename or delete the repeated columns.",
                file=r.record.name if paths is not None else None), context=desc)
    empty = [r for r in raws if len(r.data) == 0 and not r.rejected]
    if empty and paths is None:
        raise EmptyDataError(Problem(
            "no_rows", f"the {type(source).__name__} has no rows (columns: "
            f"{_names(raws[0].data.columns, quote_values)})."))
    if empty and len(empty) == len(raws):
        raise EmptyDataError([Problem(
            "header_only", f"{r.record.name} has a header but no rows (columns: "
            f"{_names(r.data.columns, quote_values)}).", file=r.record.name)
            for r in empty], context=desc if len(raws) > 1 else None)
    if empty:
        raws[0].notes.append(f"{len(empty)} files have a header but no rows: "
                             f"{', '.join(r.record.name for r in empty)}.")

    # 2. columns
    use_geometry = x is None
    problems: list[Problem] = []
    for r in raws:
        if use_geometry and r.geometry is None:
            problems.append(Problem(
                "missing_column",
                f"no coordinates: pass x= and y= with the coordinate columns (columns found: "
                f"{_names(r.data.columns, quote_values)}), or give a source with a "
                "geometry.", file=r.record.name if paths is not None else None))
            continue
        wanted = dict(required_map)
        if not use_geometry:
            wanted = {"x": x, "y": y, **wanted}
        wanted.update({c: c for c in date_specs if c not in wanted.values()})
        renamed = _match_case(r, list(dict.fromkeys(known_columns)))
        if renamed:
            r.notes.append(f"{r.record.name}: column names matched ignoring case and spaces: "
                           + ", ".join(f"{shorten(a)} as {b!r}" for a, b in renamed) + ".")
        problems += _missing_columns(list(r.data.columns), wanted,
                                     r.record.name if paths is not None else None,
                                     quote_values)
    if problems:
        raise ValidationError(problems, context=desc)

    notes = [n for r in raws for n in r.notes]

    # 3. stack
    data = pd.concat([r.data for r in raws], ignore_index=True) if len(raws) > 1 \
        else raws[0].data
    source_file = np.repeat(np.array([r.record.name if paths is not None else None
                                      for r in raws], dtype=object),
                            [len(r.data) for r in raws])
    source_row = np.concatenate([r.rows for r in raws]).astype(np.int64)
    n = len(data)

    # 4. coordinates
    not_point = None
    if use_geometry:
        geo_crs = [r.geometry.crs for r in raws]
        first_crs = next((c for c in geo_crs if c is not None), None)
        if crs is not None and first_crs is not None and normalize_crs(crs) != normalize_crs(
                first_crs):
            raise CRSError(Problem(
                "crs_conflict", f"the geometry is in {normalize_crs(first_crs)} but "
                f"crs={crs!r} was passed. Leave crs out, or fix the frame with "
                "set_crs(..., allow_override=True).", file=single_file), context=desc)
        geoms = []
        for r in raws:
            g = r.geometry
            if first_crs is not None and g.crs is not None and g.crs != first_crs:
                g = g.to_crs(first_crs)
            geoms.append(np.asarray(g.values, dtype=object))
        garr = np.concatenate(geoms) if geoms else np.empty(0, dtype=object)
        missing = shapely.is_missing(garr) | shapely.is_empty(garr)
        is_pt = shapely.get_type_id(garr) == shapely.GeometryType.POINT
        not_point = ~missing & ~is_pt
        pts = is_pt & ~missing
        xs = np.full(n, np.nan)
        ys = np.full(n, np.nan)
        xs[pts] = shapely.get_x(garr[pts])
        ys[pts] = shapely.get_y(garr[pts])
        x_name, y_name = "geometry x", "geometry y"
        crs_in = crs if crs is not None else first_crs
        x_raw, y_raw = xs, ys
    else:
        x_raw, y_raw = data[x], data[y]
        x_name, y_name = x, y
        crs_in = crs
        if any(r.geometry is not None for r in raws):
            notes.append(f"The source's geometry column was ignored: coordinates were read "
                         f"from columns '{x}'/'{y}' as asked.")
    try:
        points = parse_points(x_raw, y_raw, crs=crs_in, x_name=x_name, y_name=y_name,
                              rows=source_row, file=single_file, not_point=not_point,
                              quote_values=quote_values)
    except CRSError as exc:
        raise CRSError(exc.problems, context=desc) from None
    if points.crs is not None:
        notes.append(f"Input coordinates in {points.crs} ({points.crs_reason}); "
                     f"output in {BNG}.")

    # 5. dates
    parsed_dates: dict[str, pd.Series] = {}
    flags: list[tuple[np.ndarray, str, str, str, str]] = []
    today_ts = (pd.Timestamp.today() if today is None else pd.Timestamp(today)).normalize()
    for col, fmt in date_specs.items():
        try:
            got = parse_date_column(data[col], name=col, date_format=fmt, dayfirst=dayfirst,
                                    tz=tz, rows=source_row, file=single_file,
                                    quote_values=quote_values)
        except ValidationError as exc:
            raise ValidationError(exc.problems, context=desc) from None
        parsed = parsed_dates[col] = got.parsed
        if got.note:
            notes.append(got.note)
        bad = got.bad
        if col in reject_bad_dates:
            broken = bad | ~got.present
            for mask, *_ in points.rejected.values():
                broken &= ~mask  # each rejected row is counted under one reason only
            if broken.any():
                points.rejected[f"unparsed_date:{col}"] = (
                    broken, f"blank or unparsed '{col}'",
                    f"Every row of this layout has a '{col}'; a row without a readable one "
                    "is broken (often shifted by a missing or extra field).", col)
            bad = np.zeros(n, dtype=bool)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            example = (f" (e.g. {shorten(data[col].iloc[first])})" if quote_values
                       else f" (first in row {int(source_row[first])})")
            flags.append((bad, f"unparsed_date:{col}", f"unparsed dates in '{col}'",
                          f"Values that are not dates{example} were set to NaT"
                          f"{f' (format {fmt!r})' if fmt else ''}; the rows are kept "
                          "because their location is still usable.", col))
        if got.zoned.any() and (got.present & ~got.bad & ~got.zoned).any():
            flags.append((got.zoned, f"mixed_time_zones:{col}",
                          f"times with a zone among local times in '{col}'",
                          f"{int(got.zoned.sum()):,} values carried a time zone (Z or an "
                          f"offset) and were converted to {tz}; the other "
                          f"{int((got.present & ~got.bad & ~got.zoned).sum()):,} had none and "
                          f"were read as {tz} local time. Check which the source means.",
                          col))
        elif got.zoned.any():
            notes.append(f"'{col}': times with a time zone converted to {tz} local time.")
        early = (parsed < EARLIEST_PLAUSIBLE).to_numpy()
        if early.any():
            flags.append((early, f"early_date:{col}", f"dates before 1900 in '{col}'",
                          f"Dates before 1900 (earliest {parsed[early].min():%Y-%m-%d}) were "
                          "kept as given; they are almost certainly typing errors (a wrong "
                          "century) or placeholders for 'unknown'.", col))
        future = (parsed >= today_ts + pd.Timedelta(days=1)).to_numpy()
        if future.any():
            latest = parsed[future].max()
            flags.append((future, f"future_date:{col}", f"dates after today in '{col}'",
                          f"Dates after {today_ts:%Y-%m-%d} (latest {latest:%Y-%m-%d}) were "
                          "kept as given; check for typing errors or day/month swaps.", col))

    # 6. assemble (all rows), then flag and reject
    rows = TableRows(
        data=data, geometry=points.geometry, located=points.located, source_file=source_file,
        source_row=source_row, dates=parsed_dates, crs=points.crs, crs_reason=points.crs_reason,
        description=desc, files=[r.record for r in raws] if paths is not None else [],
        rows_read=n, notes=notes,
    )
    for text in warn_texts:
        rows._warn(f"{text}. Check accented names; save as UTF-8 to silence this warning.")
    _account_for_shapes(rows, raws, paths is not None, repair, warn=n > 0)
    if points.zero.any():
        rows.flag(points.zero, "zero_coordinates", "coordinates (0, 0)",
                  "Coordinates (0, 0) mean 'no location' in police.uk and many exports; "
                  "these rows are kept with location unknown.", column=f"{x_name}/{y_name}")
    if n == 0:  # every record of every file was set aside for its shape
        raise EmptyDataError([Problem(code, f"{i.label}: {i.message}", n_rows=i.count,
                                      rows=tuple(r for _, r in i.rows), file=single_file)
                              for code, i in rows.rejected.items()],
                             context=f"{desc}: every one of the {rows.rows_read:,} rows was "
                             "rejected")
    rejected_any = np.zeros(n, dtype=bool)
    for mask, *_ in points.rejected.values():
        rejected_any |= mask
    for mask, code, label, message, column in flags:
        # rows about to be rejected are not also flagged: they are not kept
        rows.flag(mask & ~rejected_any, code, label, message, column=column)
    if rejected_any.any():
        parts = []
        for code, (mask, label, message, column) in points.rejected.items():
            issue = RowIssue(label, int(mask.sum()), rows.examples(mask), message, column)
            rows.rejected[code] = issue
            parts.append(f"{label}: {issue.count} ({issue.rows_text()}). {message}")
        n_rej = int(rejected_any.sum())
        if n_rej == n:
            shapes = [Problem(code, f"{i.label}: {i.message}", n_rows=i.count,
                              rows=tuple(r for _, r in i.rows), file=single_file)
                      for code, i in rows.rejected.items() if code not in points.rejected]
            raise EmptyDataError(
                [*shapes, *(Problem(code, f"{label}: {message}", n_rows=int(mask.sum()),
                                    rows=tuple(int(r) for r in source_row[mask][:MAX_EXAMPLES]),
                                    column=column, file=single_file)
                            for code, (mask, label, message, column) in points.rejected.items())],
                context=f"{desc}: every one of the {rows.rows_read:,} rows was rejected")
        rows._warn(f"{desc}: {n_rej:,} of {n:,} rows rejected. " + " ".join(parts))
        rows._keep(~rejected_any)
    logger.info("%s: %d rows read, %d located, %d unknown location, %d rejected", desc, n,
                int(rows.located.sum()), int((~rows.located).sum()),
                sum(i.count for i in rows.rejected.values()))
    return rows
