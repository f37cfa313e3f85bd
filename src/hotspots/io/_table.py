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

The work is shared out: :mod:`hotspots.io._sources` finds and opens the files,
:mod:`hotspots.io._columns` checks the columns, :mod:`hotspots.io._points` the coordinates,
:mod:`hotspots.io._dates` the dates, and :mod:`hotspots.io._ledger` keeps the account.

Row numbers are spreadsheet row numbers: the header is row 1, so the first record is row 2.
They count records, so a quoted field with a line break stays on one row. For frames and
for GeoPackage/GeoJSON/Parquet files, the row number is the position + 2, as if the table
had been saved to a spreadsheet with a header row (the frame's index is not used).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pandas.api.types import union_categoricals

from hotspots.crs import BNG, normalise_crs
from hotspots.errors import CRSError, EmptyDataError, Problem, ValidationError
from hotspots.io._arrow_csv import STR_DTYPE, categoricals, is_coded
from hotspots.io._columns import match_case, missing_columns, names
from hotspots.io._csvfile import RowRepair, shorten
from hotspots.io._csvread import _Raw
from hotspots.io._dates import DEFAULT_TZ, parse_date_column, parse_dates
from hotspots.io._ledger import TableRows, account_for_shapes
from hotspots.io._points import NULL_TOKENS, Points, _text, _to_float, parse_points
from hotspots.io._sources import (
    COMPRESSED_SUFFIXES,
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    VECTOR_SUFFIXES,
    PathLike,
    Source,
    describe,
    expand_paths,
    from_frame,
    load_one,
)
from hotspots.io.load_report import MAX_EXAMPLES, RowIssue

# the names readers (and tests) import from here; each is defined in the module named above
__all__ = ["COMPRESSED_SUFFIXES", "CSV_SUFFIXES", "EARLIEST_PLAUSIBLE", "EXCEL_SUFFIXES",
           "NULL_TOKENS", "PARQUET_SUFFIXES", "VECTOR_SUFFIXES", "PathLike", "Points", "Source",
           "TableRows", "_text", "_to_float", "expand_paths", "parse_dates", "parse_points",
           "read_table"]

logger = logging.getLogger(__name__)

#: dates before this are flagged: no police or council record in use starts before 1900
EARLIEST_PLAUSIBLE = pd.Timestamp("1900-01-01")

#: a flag waiting for the rows it concerns: (mask, code, label, message, column)
_Flag = tuple[np.ndarray, str, str, str, str]


# --- 1. read ----------------------------------------------------------------------------------
def _read_sources(source: Source, expected: Sequence[str], layer: Any,
                  repair: RowRepair | None, single_line: bool, progress: bool,
                  categorical: Sequence[str]) -> tuple[list[_Raw], list[Path] | None]:
    """Read a frame or every file of ``source``; ``paths`` is None for a frame."""
    if isinstance(source, pd.DataFrame):
        return [from_frame(source, name=None)], None
    paths, _ = expand_paths(source)

    def load(path: Path) -> _Raw:
        # Arrow's own threads only for a single file, where they are the only parallelism
        return load_one(path, layer, expected, repair, single_line, categorical,
                        threads=len(paths) == 1)

    if len(paths) == 1:
        return [load(paths[0])], paths
    # Two files at a time: Arrow's parse, the numpy checks and the hash let go of the GIL,
    # so one file's Python steps overlap the other's parse (each parse on one thread: on
    # 36 police.uk files, Arrow's threads on top of these two cost 5-10% more CPU and wall
    # time). Results come back in order and the first file (in order) that fails raises,
    # as when reading one after the other.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="hotspots-read") as pool:
        loaded: Any = pool.map(load, paths)
        if progress:
            from tqdm import tqdm  # only for a progress bar: not loaded on the quiet path

            loaded = tqdm(loaded, total=len(paths), desc="reading", unit="file")
        return list(loaded), paths


def _check_raws(raws: list[_Raw], paths: list[Path] | None, source: Source, desc: str,
                quote_values: bool) -> None:
    """Refuse repeated column names and empty input; note header-only files among many.

    An empty (0-byte) file is an error even among many (raised while reading); a header-only
    file among many is noted (a month without rows can happen), a lone one is an error.
    """
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
            f"{names(raws[0].data.columns, quote_values)})."))
    if empty and len(empty) == len(raws):
        raise EmptyDataError([Problem(
            "header_only", f"{r.record.name} has a header but no rows (columns: "
            f"{names(r.data.columns, quote_values)}).", file=r.record.name)
            for r in empty], context=desc if len(raws) > 1 else None)
    if empty:
        raws[0].notes.append(f"{len(empty)} files have a header but no rows: "
                             f"{', '.join(r.record.name for r in empty)}.")


# --- 2. columns -------------------------------------------------------------------------------
def _check_columns(raws: list[_Raw], named: bool, x: str | None, y: str | None,
                   required_map: Mapping[str, str], date_specs: Mapping[str, Any],
                   known_columns: Sequence[str], quote_values: bool, desc: str) -> None:
    """Match known column names ignoring case; raise listing every missing column."""
    use_geometry = x is None
    problems: list[Problem] = []
    for r in raws:
        if use_geometry and r.geometry is None:
            problems.append(Problem(
                "missing_column",
                f"no coordinates: pass x= and y= with the coordinate columns (columns found: "
                f"{names(r.data.columns, quote_values)}), or give a source with a "
                "geometry.", file=r.record.name if named else None))
            continue
        wanted = dict(required_map)
        if not use_geometry:
            wanted = {"x": str(x), "y": str(y), **wanted}
        wanted.update({c: c for c in date_specs if c not in wanted.values()})
        renamed = match_case(r, list(dict.fromkeys(known_columns)))
        if renamed:
            r.notes.append(f"{r.record.name}: column names matched ignoring case and spaces: "
                           + ", ".join(f"{shorten(a)} as {b!r}" for a, b in renamed) + ".")
        problems += missing_columns(list(r.data.columns), wanted,
                                    r.record.name if named else None, quote_values)
    if problems:
        raise ValidationError(problems, context=desc)


# --- 3. stack ---------------------------------------------------------------------------------
def _stack(raws: list[_Raw], named: bool) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rows of every file in one frame, with the file and row number of each."""
    data = _concat([r.data for r in raws])
    source_file = np.repeat(np.array([r.record.name if named else None for r in raws],
                                     dtype=object), [len(r.data) for r in raws])
    source_row = np.concatenate([r.rows for r in raws]).astype(np.int64)
    return data, source_file, source_row


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack frames; a column of few values in every frame becomes one categorical.

    Such columns come from the Arrow path as dictionaries (:func:`is_coded`), one per file;
    they are unified in one conversion. ``pandas.concat`` would turn them, like
    categoricals with different categories, into a Python object per cell. A column coded
    in some frames only (a file read on another path) becomes text.
    """
    def coded(dtype: object) -> bool:
        return is_coded(dtype) or isinstance(dtype, pd.CategoricalDtype)

    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    # each frame's dtypes once (a column taken out of a frame is a new Series each time)
    dtypes = [dict(f.dtypes.items()) for f in frames]
    kept = {c for c in columns if all(c in d and coded(d[c]) for d in dtypes)}
    # the other columns of each frame, as text where coded: a frame built from the columns
    # shares their arrays (drop and assign copied each file's blocks, a tenth of a second
    # for 36 files)
    rest = [pd.DataFrame({c: f[c].astype(STR_DTYPE) if coded(d[c]) else f[c]
                          for c in f.columns if c not in kept}, index=f.index)
            for f, d in zip(frames, dtypes, strict=True)]
    data = pd.concat(rest, ignore_index=True) if len(rest) > 1 else rest[0]

    def stack(c: str) -> pd.Series:
        parts = [f[c] for f in frames]
        if all(is_coded(p.dtype) for p in parts):
            return categoricals(parts)
        return pd.Series(union_categoricals(
            [categoricals([p]) if is_coded(p.dtype) else p for p in parts]))

    # Arrow unifies the dictionaries without the GIL: two columns at a time
    names = sorted(kept, key=columns.index)
    if len(frames) > 1 and len(names) > 1:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="hotspots-stack") as pool:
            stacked = list(pool.map(stack, names))
    else:
        stacked = [stack(c) for c in names]
    for c, column in zip(names, stacked, strict=True):
        data[c] = column.set_axis(data.index)
    return data[columns]


# --- 4. coordinates ---------------------------------------------------------------------------
def _geometry_xy(raws: list[_Raw], n: int, crs: Any, single_file: str | None,
                 desc: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    """x, y of the point geometries (NaN elsewhere), the non-point mask and the input CRS."""
    geo_crs = [r.geometry.crs for r in raws]
    first_crs = next((c for c in geo_crs if c is not None), None)
    if crs is not None and first_crs is not None and normalise_crs(crs) != normalise_crs(
            first_crs):
        raise CRSError(Problem(
            "crs_conflict", f"the geometry is in {normalise_crs(first_crs)} but "
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
    pts = is_pt & ~missing
    xs = np.full(n, np.nan)
    ys = np.full(n, np.nan)
    xs[pts] = shapely.get_x(garr[pts])
    ys[pts] = shapely.get_y(garr[pts])
    return xs, ys, ~missing & ~is_pt, crs if crs is not None else first_crs


def _coordinates(raws: list[_Raw], data: pd.DataFrame, x: str | None, y: str | None,
                 crs: Any, source_row: np.ndarray, single_file: str | None, desc: str,
                 quote_values: bool, notes: list[str]) -> tuple[Points, str, str]:
    """Check the coordinates of every row (from x/y columns or the geometry)."""
    not_point = None
    if x is None:
        x_raw, y_raw, not_point, crs_in = _geometry_xy(raws, len(data), crs, single_file,
                                                       desc)
        x_name, y_name = "geometry x", "geometry y"
    else:
        x_raw, y_raw = data[x], data[y]
        x_name, y_name = x, str(y)
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
    return points, x_name, y_name


# --- 5. dates ---------------------------------------------------------------------------------
def _date_flags(col: str, fmt: str | None, got: Any, data: pd.DataFrame,
                source_row: np.ndarray, bad: np.ndarray, today_ts: pd.Timestamp, tz: str,
                quote_values: bool, notes: list[str]) -> list[_Flag]:
    """Flags for unparsed, zone-mixed, early and future dates of one column (rows kept)."""
    flags: list[_Flag] = []
    parsed = got.parsed
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
                      f"were read as {tz} local time. Check which the source means.", col))
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
    return flags


def _dates(data: pd.DataFrame, date_specs: Mapping[str, str | None], points: Points, *,
           dayfirst: bool | None, tz: str, today: Any, source_row: np.ndarray,
           single_file: str | None, desc: str, quote_values: bool,
           reject_bad_dates: Sequence[str],
           notes: list[str]) -> tuple[dict[str, pd.Series], list[_Flag]]:
    """Parse every date column; a broken required date joins ``points.rejected``."""
    parsed_dates: dict[str, pd.Series] = {}
    flags: list[_Flag] = []
    today_ts = (pd.Timestamp.today() if today is None else pd.Timestamp(today)).normalize()
    for col, fmt in date_specs.items():
        try:
            got = parse_date_column(data[col], name=col, date_format=fmt, dayfirst=dayfirst,
                                    tz=tz, rows=source_row, file=single_file,
                                    quote_values=quote_values)
        except ValidationError as exc:
            raise ValidationError(exc.problems, context=desc) from None
        parsed_dates[col] = got.parsed
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
            bad = np.zeros(len(data), dtype=bool)
        flags += _date_flags(col, fmt, got, data, source_row, bad, today_ts, tz,
                             quote_values, notes)
    return parsed_dates, flags


# --- 6. account -------------------------------------------------------------------------------
def _all_rejected(rows: TableRows, points: Points, source_row: np.ndarray,
                  single_file: str | None, desc: str) -> EmptyDataError:
    """The error when no row is left: the shape reasons, then the row-level ones."""
    shapes = [Problem(code, f"{i.label}: {i.message}", n_rows=i.count,
                      rows=tuple(r for _, r in i.rows), file=single_file)
              for code, i in rows.rejected.items() if code not in points.rejected]
    return EmptyDataError(
        [*shapes, *(Problem(code, f"{label}: {message}", n_rows=int(mask.sum()),
                            rows=tuple(int(r) for r in source_row[mask][:MAX_EXAMPLES]),
                            column=column, file=single_file)
                    for code, (mask, label, message, column) in points.rejected.items())],
        context=f"{desc}: every one of the {rows.rows_read:,} rows was rejected")


def _settle(rows: TableRows, points: Points, flags: list[_Flag], single_file: str | None,
            x_name: str, y_name: str) -> None:
    """Flag the kept rows' problems and reject the rows that cannot be kept."""
    n = len(rows.data)
    if points.zero.any():
        rows.flag(points.zero, "zero_coordinates", "coordinates (0, 0)",
                  "Coordinates (0, 0) mean 'no location' in police.uk and many exports; "
                  "these rows are kept with location unknown.", column=f"{x_name}/{y_name}")
    if n == 0:  # every record of every file was set aside for its shape
        raise EmptyDataError([Problem(code, f"{i.label}: {i.message}", n_rows=i.count,
                                      rows=tuple(r for _, r in i.rows), file=single_file)
                              for code, i in rows.rejected.items()],
                             context=f"{rows.description}: every one of the "
                             f"{rows.rows_read:,} rows was rejected")
    rejected_any = np.zeros(n, dtype=bool)
    for mask, *_ in points.rejected.values():
        rejected_any |= mask
    for mask, code, label, message, column in flags:
        # rows about to be rejected are not also flagged: they are not kept
        rows.flag(mask & ~rejected_any, code, label, message, column=column)
    if not rejected_any.any():
        return
    parts = []
    for code, (mask, label, message, col) in points.rejected.items():
        issue = RowIssue(label, int(mask.sum()), rows.examples(mask), message, col)
        rows.rejected[code] = issue
        parts.append(f"{label}: {issue.count} ({issue.rows_text()}). {message}")
    n_rej = int(rejected_any.sum())
    if n_rej == n:
        raise _all_rejected(rows, points, rows.source_row, single_file, rows.description)
    rows._warn(f"{rows.description}: {n_rej:,} of {n:,} rows rejected. " + " ".join(parts))
    rows._keep(~rejected_any)


# --- the engine -------------------------------------------------------------------------------
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
    categorical: Sequence[str] = (),
    prepare: Callable[[pd.DataFrame, np.ndarray, np.ndarray], Any] | None = None,
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
    categorical : sequence of str
        Columns of a known layout that hold few distinct values (police.uk's Month, Crime
        type, LSOA code...): read as categoricals of the same text when the file takes the
        fast path (every file's, or none, stay categorical once stacked).
    prepare : callable, optional
        Work of a layout's own on the stacked rows, ``prepare(data, source_file,
        source_row)``, started on a thread of its own as soon as the files are stacked, so
        that it runs while the coordinates and dates are checked (police.uk's Crime IDs).
        It sees every stacked row, before row-level rejections; its future is
        ``TableRows.prepared``.

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
    expected = [c for c in (x, y, *required_map.values(), *date_specs) if c is not None]
    raws, paths = _read_sources(source, expected, layer, repair, single_line, progress,
                                categorical)
    named = paths is not None
    desc = description or describe(paths, source)
    single_file = raws[0].record.name if named and len(raws) == 1 else None
    _check_raws(raws, paths, source, desc, quote_values)
    _check_columns(raws, named, x, y, required_map, date_specs, known_columns, quote_values,
                   desc)
    notes = [n for r in raws for n in r.notes]
    data, source_file, source_row = _stack(raws, named)
    for r in raws:
        # each file's own columns are stacked now: their per-file dictionaries (a code
        # per cell and column) are garbage unless let go here, before the checks allocate
        r.data = r.data.iloc[:0]
    # Arrow's allocator keeps freed pages for its own reuse; the checks allocate with
    # numpy, which cannot use them: give them back to the system first
    pa.default_memory_pool().release_unused()
    prepared = None
    if prepare is not None:
        # a thread for this one task; it ends with the task (the future keeps the result)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotspots-prepare")
        prepared = pool.submit(prepare, data, source_file, source_row)
        pool.shutdown(wait=False)
    points, x_name, y_name = _coordinates(raws, data, x, y, crs, source_row, single_file,
                                          desc, quote_values, notes)
    parsed_dates, flags = _dates(
        data, date_specs, points, dayfirst=dayfirst, tz=tz, today=today,
        source_row=source_row, single_file=single_file, desc=desc,
        quote_values=quote_values, reject_bad_dates=reject_bad_dates, notes=notes)
    rows = TableRows(
        data=data, geometry=points.geometry, located=points.located, source_file=source_file,
        source_row=source_row, dates=parsed_dates, crs=points.crs, crs_reason=points.crs_reason,
        description=desc, files=[r.record for r in raws] if named else [],
        rows_read=len(data), notes=notes, prepared=prepared, geometry_table=points.table,
        geometry_codes=points.codes,
    )
    for r in raws:
        if r.encoding_warning:
            rows._warn(f"{r.encoding_warning}. Check accented names; save as UTF-8 to silence "
                       "this warning.")
    account_for_shapes(rows, raws, named, repair, warn=len(data) > 0)
    _settle(rows, points, flags, single_file, x_name, y_name)
    logger.info("%s: %d rows read, %d located, %d unknown location, %d rejected", desc,
                len(data), int(rows.located.sum()), int((~rows.located).sum()),
                sum(i.count for i in rows.rejected.values()))
    return rows
