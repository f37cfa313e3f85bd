"""The shared row ledger of the point readers: kept rows, their points and the accounting.

:class:`TableRows` is what :func:`hotspots.io._table.read_table` returns. Readers map its
columns onto their own schema and may reject or flag more rows (:meth:`TableRows.reject`,
:meth:`TableRows.flag`) or remove duplicates (:meth:`TableRows.drop_duplicates`); the
accounting stays balanced, and :meth:`TableRows.load_report` turns it into the
:class:`~hotspots.io.LoadReport`.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from geopandas.array import GeometryArray

from hotspots._point_reading import remember_shared_points
from hotspots.crs import BNG
from hotspots.errors import DataQualityWarning
from hotspots.io._csvfile import RowRepair
from hotspots.io._csvread import _Raw
from hotspots.io.load_report import MAX_EXAMPLES, FileRecord, LoadReport, RowIssue

__all__ = ["TableRows", "account_for_shapes"]

logger = logging.getLogger("hotspots.io._table")


def _user_stacklevel() -> int:
    """Stack level of the first frame outside :mod:`hotspots`, so warnings point at user code."""
    frame: FrameType | None = sys._getframe(1)
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
    prepared : concurrent.futures.Future or None
        The result of ``read_table(prepare=...)``: work on the stacked rows (all of them,
        before any row-level rejection) started on a thread of its own.
    geometry_table, geometry_codes : numpy.ndarray or None
        When known, ``geometry`` is ``geometry_table[geometry_codes]`` (one object per
        distinct location): :meth:`geoseries` hands it to the verbs' point reading.
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
    prepared: Future[Any] | None = None
    geometry_table: np.ndarray | None = None
    geometry_codes: np.ndarray | None = None

    def geoseries(self) -> gpd.GeoSeries:
        """Return the locations as a GeoSeries in EPSG:27700 with a RangeIndex.

        Built on the reader's own array, whose elements shapely made (points, empty where
        the location is unknown), so geopandas' check of every element is not repeated:
        0.1 s saved at 3M rows. When the rows share one object per location, the verbs
        that read the points are told so (:func:`hotspots._point_reading.remember_shared_points`).
        """
        if self.geometry_table is not None and self.geometry_codes is not None:
            remember_shared_points(self.geometry, self.geometry_table, self.geometry_codes)
        return gpd.GeoSeries(GeometryArray(self.geometry, crs=BNG))

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
        if self.geometry_codes is not None:
            self.geometry_codes = self.geometry_codes[keep]
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


def account_for_shapes(rows: TableRows, raws: Sequence[_Raw], named: bool,
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


