"""Coordinates checked row by row and projected to British National Grid, vectorised.

:func:`parse_points` is the one reading of coordinate columns in :mod:`hotspots.io`: blank
pairs and ``(0, 0)`` are kept as unknown locations; one blank coordinate, text that is not
a number, a point outside Great Britain or a geometry that is not a point are rejected, each
under its own reason; swapped or mislabelled coordinates of a whole file raise a
:class:`~hotspots.errors.CRSError` that says how to fix them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from hotspots._threads import map_parts
from hotspots.crs import (
    BNG,
    check_declared_crs,
    declared_crs_in_doubt,
    detect_crs,
    in_gb_bng,
    in_gb_lonlat,
    is_geographic,
    is_zero_point,
    normalise_crs,
    to_bng,
)
from hotspots.io._csvfile import shorten

__all__ = ["NULL_TOKENS", "Points", "parse_points"]

#: text that means "no value" in a coordinate or date cell (compared stripped, lower case)
NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "nil"})
_NULL_TOKENS_ARROW = pa.array(sorted(NULL_TOKENS), type=pa.string())


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _text(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Return the stripped text of a column and the mask of cells that hold a value."""
    s = series.astype("string").str.strip()
    present = (s.notna() & ~s.str.lower().isin(NULL_TOKENS)).to_numpy(dtype=bool)
    return s, present


#: a column's distinct numbers and, per row, the position of its number among them (-1
#: for NaN): what :func:`_Places.of` would otherwise find by hashing every row again
_Coded = tuple[np.ndarray, np.ndarray]


def _to_float(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of a column and the mask of cells that hold a value (number or not)."""
    v, present, _ = _to_float_coded(values)
    return v, present


def _to_float_coded(values: Any) -> tuple[np.ndarray, np.ndarray, _Coded | None]:
    """:func:`_to_float`, with the distinct numbers when the text was read per value."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(float), ~np.isnan(values), None
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        v = series.to_numpy(dtype=float, na_value=np.nan)
        return v, ~np.isnan(v), None
    fast = _arrow_float(series)
    if fast is not None:
        return fast
    s, present = _text(series)
    v = pd.to_numeric(s.where(present), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return v, present, None


def _arrow_float(series: pd.Series) -> tuple[np.ndarray, np.ndarray, _Coded] | None:
    """:func:`_to_float` on Arrow-backed or categorical text, without an object per cell.

    The same stripping and null tokens as :func:`_text` (pandas runs the same Arrow kernels
    for ``str.strip``/``str.lower``), then one Arrow cast of the filled cells. The work is
    done once per distinct text (police.uk snaps crimes to a few thousand points, so a
    column of millions of cells holds tens of thousands of values) and spread back through
    the codes. The cast accepts only plain decimal numbers, which ``pandas.to_numeric``
    reads alike; when any filled cell is not one, None sends the column to the pandas path,
    which finds and reports the bad values.
    """
    if not len(series):
        return None
    if isinstance(series.dtype, pd.CategoricalDtype):
        if not pd.api.types.is_string_dtype(series.cat.categories.dtype):
            return None
        distinct = pa.array(np.asarray(series.cat.categories, dtype=object), type=pa.string())
        codes = series.cat.codes.to_numpy()  # -1 where missing
    elif isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        encoded = pc.dictionary_encode(pa.chunked_array(pa.array(series.array)))
        encoded = encoded.combine_chunks()
        distinct = encoded.dictionary
        codes = encoded.indices.to_numpy(zero_copy_only=False)
    else:
        return None
    trimmed = pc.utf8_trim_whitespace(distinct)
    token = pc.is_in(pc.utf8_lower(trimmed), value_set=_NULL_TOKENS_ARROW)
    filled = pc.invert(token)
    try:
        values = pc.cast(pc.if_else(filled, trimmed, pa.scalar(None, pa.string())),
                         pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # one slot past the distinct values answers the missing cells: NaN, not present. A
    # categorical's code -1 reads it as it is (the last slot), with no pass to remap it
    lookup = np.append(values.to_numpy(zero_copy_only=False).astype(float), np.nan)
    present = np.append(filled.to_numpy(zero_copy_only=False).astype(bool), False)
    if codes.dtype.kind == "f":  # Arrow's indices with nulls come back as floats, NaN
        codes = np.where(np.isnan(codes), -1, codes)
    codes = codes.astype(np.int64, copy=False)  # numpy gathers by int64 twice as fast
    # texts that read as the same number ("-1.5", "-1.50") share one position
    number_codes, numbers = pd.factorize(lookup[:-1])
    return lookup[codes], present[codes], (np.append(number_codes, -1)[codes], numbers)


@dataclass
class _Places:
    """The distinct locations of the candidate rows, projected once each.

    police.uk publishes every crime at one of a few thousand snap points, so millions of
    rows share tens of thousands of locations: projecting and building a point once per
    location (and sharing the immutable point between its rows) is the same answer for a
    fraction of the time and memory. Input with every location distinct costs one extra
    hashing pass.

    Attributes
    ----------
    codes : numpy.ndarray of int
        The distinct location of each candidate row.
    x, y : numpy.ndarray of float
        Each distinct location as given (in the input CRS).
    east, north : numpy.ndarray of float
        BNG coordinates of each distinct location.
    inside : numpy.ndarray of bool
        Distinct locations inside Great Britain (in the input CRS's box too when it is
        geographic).
    """

    codes: np.ndarray
    x: np.ndarray
    y: np.ndarray
    east: np.ndarray
    north: np.ndarray
    inside: np.ndarray

    @classmethod
    def of(cls, xv: np.ndarray, yv: np.ndarray, cand: np.ndarray, crs: str | None,
           x_coded: _Coded | None = None, y_coded: _Coded | None = None) -> _Places:
        """The places of the ``cand`` rows; ``x_coded``/``y_coded`` save hashing the rows.

        Candidate rows hold finite numbers, so their positions are never -1.
        """
        x_codes, x_distinct = (pd.factorize(xv[cand]) if x_coded is None
                               else (x_coded[0][cand], x_coded[1]))
        y_codes, y_distinct = (pd.factorize(yv[cand]) if y_coded is None
                               else (y_coded[0][cand], y_coded[1]))
        pair = x_codes.astype(np.int64) * max(len(y_distinct), 1) + y_codes
        codes, pairs = pd.factorize(pair)
        x = np.asarray(x_distinct, dtype=float)[pairs // max(len(y_distinct), 1)]
        y = np.asarray(y_distinct, dtype=float)[pairs % max(len(y_distinct), 1)]
        if x.size:
            east, north = to_bng(x, y, crs)
        else:
            east, north = x.copy(), y.copy()
        inside = in_gb_bng(east, north)
        if crs is not None and is_geographic(crs):
            inside &= in_gb_lonlat(x, y)
        return cls(codes.astype(np.int64, copy=False), x, y, east, north, inside)

    def points(self) -> np.ndarray:
        """One shapely point per distinct location."""
        return shapely.points(self.east, self.north)


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
    table, codes : numpy.ndarray or None
        ``geometry`` is ``table[codes]``: one point object per distinct location (the
        first, an empty point, for every row without one), which the verbs read once
        (:func:`hotspots._point_reading.remember_shared_points`).
    """

    geometry: np.ndarray
    located: np.ndarray
    unknown: np.ndarray
    zero: np.ndarray
    rejected: dict[str, tuple[np.ndarray, str, str, str | None]]
    crs: str | None
    crs_reason: str
    table: np.ndarray | None = None
    codes: np.ndarray | None = None


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
    # the two columns on two threads (Arrow's parse and numpy's gathers let go of the GIL)
    both = (x, y)
    read = map_parts(lambda i, _: _to_float_coded(both[i]), [(0, 1), (1, 2)])
    (xv, x_present, x_coded), (yv, y_present, y_coded) = read
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
    places = None
    if cand.any():
        if crs is None:
            crs_used = detect_crs(xv[cand], yv[cand], x_name=x_name, y_name=y_name,
                                  rows=rows[cand], file=file)
            reason = "detected from the value ranges"
        else:
            # checked on the distinct locations first: row by row (for the row numbers
            # of the message) only when some location looks swapped or in another system
            crs_used = normalise_crs(crs)
            places = _Places.of(xv, yv, cand, crs_used, x_coded, y_coded)
            if declared_crs_in_doubt(places.x, places.y, crs_used):
                crs_used = check_declared_crs(xv[cand], yv[cand], crs, x_name=x_name,
                                              y_name=y_name, rows=rows[cand], file=file)
            reason = "declared"
    elif crs is not None:
        crs_used, reason = normalise_crs(crs), "declared"

    if places is None:
        places = _Places.of(xv, yv, cand, crs_used, x_coded, y_coded)
    outside = cand.copy()
    outside[cand] = ~places.inside[places.codes]
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
    located = cand & ~outside & ~swapped
    # one object per distinct location, shared by its rows (points are immutable), and one
    # empty point for all the rows without a location
    table = np.concatenate([shapely.empty(1, geom_type=shapely.GeometryType.POINT),
                            places.points()])
    codes = np.zeros(n, dtype=np.int32 if table.size < 2**31 else np.int64)
    codes[located] = places.codes[located[cand]] + 1
    unknown = both_missing | zero
    return Points(table[codes], located, unknown, zero, rejected, crs_used, reason,
                  table, codes)


