"""The canonical incident frame, assembled from checked rows (``docs/ARCHITECTURE.md``).

Readers of incidents (:mod:`hotspots.io.incidents`, :mod:`hotspots.io.episodes`,
:mod:`hotspots.io.at_risk`) map the columns of a :class:`~hotspots.io._ledger.TableRows`
onto ``incident_id, occurred, category, recency, weight, location_status, geometry``, carry
the other columns over, and end with ``source_file, source_row``.

Columns with few distinct values (category, recency, location status, the file name) are
built from integer codes over their distinct values: one hashing pass over the column
instead of a Python object per cell, the same values and dtypes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots import schema
from hotspots._objects import object_addresses
from hotspots.errors import Problem, ValidationError
from hotspots.io._codes import distinct_codes, used_codes
from hotspots.io._ledger import TableRows
from hotspots.io.load_report import LoadReport

__all__ = ["arrow_text", "assemble", "attach", "blank_to_na", "categorical_text",
           "generated_id_texts", "generated_ids", "keep_columns", "kept_names", "per_distinct",
           "run_codes",
           "set_dtypes", "text_buffers", "value_runs"]

_CANONICAL = (*schema.INCIDENT_COLUMNS, "geometry")
_TRAILING = (schema.SOURCE_FILE, schema.SOURCE_ROW)
_RESERVED = set(_CANONICAL) | set(_TRAILING)
_STEM = re.compile(r"\.[^.]*$")


def categorical(values: Any, categories: Sequence[str] | None = None) -> pd.Categorical:
    """``pandas.Categorical(values, categories)`` through integer codes.

    ``categories`` defaults to the sorted distinct values; a value outside ``categories``
    becomes missing, as with :class:`pandas.Categorical`. A categorical input is recoded
    through its categories, without a value per cell.
    """
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        cat = pd.Categorical(values)
        codes = np.asarray(cat.codes)
        if categories is not None and list(cat.categories) == list(categories):
            # already coded on these categories: the recoding below would be the identity
            return pd.Categorical.from_codes(codes, categories=list(categories),
                                             validate=False)
        used = used_codes(codes, len(cat.categories))
        if categories is None and used.size == len(cat.categories) \
                and cat.categories.is_monotonic_increasing and cat.categories.is_unique:
            if cat.categories.dtype == _text_index_dtype(len(cat.categories)):
                return cat  # already the sorted values present (the Arrow path makes them so)
            if all(isinstance(c, str) for c in cat.categories):
                # the sorted values present, in another text dtype: the same codes
                return pd.Categorical.from_codes(codes, categories=list(cat.categories),
                                                 validate=False)
        seen = [str(c) for c in np.asarray(cat.categories, dtype=object)[used]]
        cats = sorted(seen) if categories is None else list(categories)
        lookup = {c: i for i, c in enumerate(cats)}
        # one take from the old codes to the new; the last slot answers -1 (missing)
        remap = np.full(len(cat.categories) + 1, -1, dtype=np.int64)
        remap[used] = [lookup.get(u, -1) for u in seen]
        return pd.Categorical.from_codes(remap[codes], categories=cats, validate=False)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    seen = [str(u) for u in uniques]
    cats = sorted(seen) if categories is None else list(categories)
    lookup = {c: i for i, c in enumerate(cats)}
    # the last slot answers code -1 (missing) with -1
    remap = np.array([lookup.get(u, -1) for u in seen] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(remap[codes], categories=cats, validate=False)


def _text_index_dtype(n: int) -> Any:
    """The dtype of the categories :func:`categorical` builds from ``n`` strings."""
    return pd.Index([""]).dtype if n else np.dtype(object)


def categorical_text(values: pd.Series) -> pd.Series:
    """Stripped text with blank cells missing (:func:`blank_to_na`), as a categorical.

    The stripping runs once per distinct value; the categories are the sorted distinct
    stripped values, as :func:`set_dtypes` makes them.
    """
    codes, distinct = distinct_codes(values)
    clean = blank_to_na(pd.Series(distinct, dtype="string"))
    clean_codes, cats = pd.factorize(clean, use_na_sentinel=True)
    order = np.argsort(np.asarray(cats, dtype=object)) if len(cats) else np.zeros(0, int)
    rank = np.empty(len(cats), dtype=np.int64)
    rank[order] = np.arange(len(cats))
    # the last slots answer a missing cell and a blank distinct value with -1 (missing)
    to_sorted = np.append(rank, -1)[clean_codes]
    final = np.append(to_sorted, -1)[codes]
    categories = [str(c) for c in np.asarray(cats, dtype=object)[order]]
    return pd.Series(pd.Categorical.from_codes(final, categories=categories),
                     index=values.index)


def per_distinct(values: pd.Series, rule: Any, missing: Any = False) -> np.ndarray:
    """Apply a vectorised ``rule`` to the distinct values of a column and spread it to rows.

    Columns of police.uk files hold millions of cells but few distinct values (a dozen crime
    types, a few thousand LSOA codes): a text rule (strip, match, look up) run once per
    distinct value gives the same answer per row at a fraction of the cost.

    Parameters
    ----------
    values : pandas.Series
    rule : callable
        Takes a ``string`` Series of the distinct values, returns an array-like of the same
        length.
    missing : scalar
        The answer for a missing cell.

    Returns
    -------
    numpy.ndarray
        One answer per row of ``values``.
    """
    codes, distinct = distinct_codes(values)
    answer = np.asarray(rule(pd.Series(distinct, dtype="string")))
    return np.append(answer, np.asarray([missing], dtype=answer.dtype))[codes]


def value_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """The runs of equal values of an array (the rows of a file together).

    Returns ``(starts, codes, distinct)``: where each run starts, each run's code (``-1``
    for a missing value) and the distinct values, as ``pandas.factorize`` of the run's
    first values gives them. Neighbouring runs never share a value.

    Comparing neighbours finds the runs; only the first value of each run is hashed, which
    for the file name of millions of rows is a few dozen values instead of millions. The
    readers repeat one name object over a file's rows, so neighbours are compared by
    address, read in place (a Python comparison per row costs 50 ms on 3M rows); two equal
    names held by different objects start a new run there, which the codes join again.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, object)
    addresses = object_addresses(values, copy=False)
    same = (addresses[1:] == addresses[:-1]) if addresses is not None else (
        values[1:] == values[:-1])
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    codes, distinct = pd.factorize(values[starts], use_na_sentinel=True)
    new_value = np.concatenate(([True], codes[1:] != codes[:-1]))
    return starts[new_value], codes[new_value].astype(np.int64, copy=False), distinct


def run_codes(values: np.ndarray) -> tuple[np.ndarray, Any]:
    """Codes and distinct values of an array made of runs (see :func:`value_runs`).

    The codes come in the narrowest integer type that holds them, the one a categorical
    of that many categories keeps (a byte a row for a few dozen files, not eight).
    """
    starts, codes, distinct = value_runs(values)
    narrow = np.min_scalar_type(-max(len(distinct), 1))
    return np.repeat(codes.astype(narrow), np.diff(np.append(starts, len(values)))), distinct


def generated_id_texts(source_file: np.ndarray, source_row: np.ndarray,
                       where: np.ndarray) -> list[str]:
    """The ids :func:`generated_ids` gives the rows at positions ``where``."""
    files = source_file[where]
    stems = {f: "row" if f is None else _STEM.sub("", f) for f in set(files.tolist())}
    return [f"{stems[f]}:{r}" for f, r in
            zip(files.tolist(), source_row[where].tolist(), strict=True)]


def generated_ids(rows: TableRows, mask: np.ndarray | None = None) -> pd.Series:
    """Stable ids for rows without one: ``"<file stem>:<row>"``, or ``"row:<row>"``.

    Only the rows where ``mask`` is true (all rows by default) get an id; others are NA.
    """
    n = len(rows)
    where = np.arange(n) if mask is None else np.flatnonzero(mask)
    out = pd.Series(pd.NA, index=range(n), dtype="string")
    out.iloc[where] = generated_id_texts(rows.source_file, rows.source_row, where)
    return out


def arrow_text(s: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array behind an Arrow-backed text column (no copy), else None."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        arr = pa.array(s.array)
        return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    return None


def text_buffers(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Arrow buffers of a ``string``/``large_string`` array, read in place.

    Returns ``(offsets, valid, text)``: value ``i`` is ``text[offsets[i]:offsets[i + 1]]``
    (``offsets`` as ``intp``, the array's own slice of them) where ``valid[i]``.
    """
    buffers = chunk.buffers()
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]
    text = (np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None
            else np.zeros(0, dtype=np.uint8))
    valid = chunk.is_valid().to_numpy(zero_copy_only=False)
    return offsets.astype(np.intp, copy=False), valid, text


def _nothing_to_strip(chunk: pa.Array) -> bool:
    """Tell, from the first and last byte of each value, that no value needs stripping.

    A value needs it when it is empty or starts or ends with white space. Any byte below
    ``!`` or outside ASCII at either end counts as a doubt (Unicode white space such as a
    no-break space is several bytes), so True is certain and False only means "look".
    Reading two bytes per value instead of trimming copies no text: police.uk's Crime IDs
    are 64 characters a row.
    """
    if len(chunk) == 0:
        return True
    offsets, valid, text = text_buffers(chunk)
    lengths = np.diff(offsets)
    if (valid & (lengths == 0)).any():  # an empty text: blank
        return False
    if text.size == 0:
        return True  # no text at all: every value is missing
    # the first and last byte of every slot, missing ones too (cheaper than selecting the
    # filled slots first); a missing or empty slot's bytes are then ignored
    first = np.take(text, offsets[:-1], mode="clip")
    last = np.take(text, offsets[1:] - 1, mode="clip")
    doubt = (first < 33) | (first >= 128) | (last < 33) | (last >= 128)
    return not (doubt & valid & (lengths > 0)).any()


def blank_to_na(s: pd.Series) -> pd.Series:
    """Stripped text, blank cells missing."""
    arr = arrow_text(s)
    if arr is not None:  # Arrow kernels, no Python object per cell (the same answer)
        chunks = []
        for chunk in arr.chunks:
            if _nothing_to_strip(chunk):
                chunks.append(chunk)  # the column's own buffers, not a copy
                continue
            trimmed = pc.utf8_trim_whitespace(chunk)
            blank = pc.fill_null(pc.equal(trimmed, ""), False)
            if pc.any(blank).as_py():
                trimmed = pc.if_else(blank, pa.scalar(None, trimmed.type), trimmed)
            chunks.append(trimmed)
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=arr.type)),
                         index=s.index)
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def set_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply the canonical dtypes (also after concatenating frames with other categories)."""
    frame[schema.INCIDENT_ID] = frame[schema.INCIDENT_ID].astype("string")
    frame[schema.OCCURRED] = pd.to_datetime(frame[schema.OCCURRED]).astype("datetime64[ns]")
    category = frame[schema.CATEGORY]
    frame[schema.CATEGORY] = categorical(
        category if isinstance(category.dtype, pd.CategoricalDtype) else category.astype("string"))
    recency = frame[schema.RECENCY]
    frame[schema.RECENCY] = categorical(
        recency if isinstance(recency.dtype, pd.CategoricalDtype) else recency.astype("string"),
        [schema.RECENT, schema.NON_RECENT])
    frame[schema.WEIGHT] = frame[schema.WEIGHT].astype("float64")
    frame[schema.LOCATION_STATUS] = categorical(frame[schema.LOCATION_STATUS],
                                                [schema.LOCATED, schema.UNKNOWN])
    # a file name per row, from a few dozen files: a categorical (4 bytes a row, not 40)
    frame[schema.SOURCE_FILE] = categorical(frame[schema.SOURCE_FILE])
    frame[schema.SOURCE_ROW] = frame[schema.SOURCE_ROW].astype("int64")
    return frame


def assemble(rows: TableRows, *, incident_id: pd.Series | Callable[[], pd.Series],
             occurred: pd.Series | None, category: pd.Series | None,
             recency: pd.Series | None, weight: np.ndarray | None,
             extra: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Build the canonical incident frame from checked rows and mapped columns.

    ``incident_id`` may be a function giving the column (one that waits for another
    thread): it is called once every other column is built.
    """
    n = len(rows)
    columns: dict[str, Any] = {
        schema.INCIDENT_ID: None,  # filled last (see above); the key keeps its place
        schema.OCCURRED: (occurred.reset_index(drop=True) if occurred is not None
                          else pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")),
        schema.CATEGORY: (category.reset_index(drop=True) if category is not None
                          else pd.Series(pd.NA, index=range(n), dtype="string")),
        # no recency given: every row missing, as codes (not millions of missing texts)
        schema.RECENCY: recency.reset_index(drop=True) if recency is not None else
        pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8),
                                  categories=[schema.RECENT, schema.NON_RECENT]),
        schema.WEIGHT: np.ones(n) if weight is None else np.asarray(weight, dtype=float),
        schema.LOCATION_STATUS: pd.Categorical.from_codes(
            np.where(rows.located, 0, 1), categories=[schema.LOCATED, schema.UNKNOWN]),
    }
    if extra is not None:
        for name in extra.columns:
            target = f"{name}_source" if name in _RESERVED else name
            column = extra[name].reset_index(drop=True)
            if isinstance(column.dtype, pd.CategoricalDtype):
                # the categories a file read gave (in the order first seen) become the
                # sorted values present, as for category: the same rows, the same dtype
                column = pd.Series(categorical(column))
            columns[target] = column
    codes, names = run_codes(rows.source_file)
    columns[schema.SOURCE_FILE] = pd.Categorical.from_codes(
        codes, categories=pd.Index(np.asarray(names, dtype=object), dtype="string"))
    columns[schema.SOURCE_ROW] = rows.source_row
    ids = incident_id() if callable(incident_id) else incident_id
    columns[schema.INCIDENT_ID] = ids.reset_index(drop=True)
    frame = set_dtypes(pd.DataFrame(columns))
    out = gpd.GeoDataFrame(frame, geometry=rows.geoseries())
    order = [*_CANONICAL, *[c for c in out.columns if c not in _CANONICAL]]
    return out[order]


def attach(frame: gpd.GeoDataFrame, report: LoadReport, **info: Any) -> gpd.GeoDataFrame:
    """Put the load report and the reader's facts in ``frame.attrs["hotspots"]``."""
    frame.attrs["hotspots"] = {**info, "load": report}
    return frame


def kept_names(keep: Any) -> list[str] | None:
    """The columns ``keep=`` names: None for every unused column (``None`` or ``True``).

    ``False`` (or an empty list) keeps none; a name or a list of names keeps those.

    Raises
    ------
    TypeError
        For anything else (a number, a dict...), naming what ``keep=`` accepts.
    """
    if keep is None or keep is True:
        return None
    if keep is False:
        return []
    if isinstance(keep, str):
        return [keep]
    if isinstance(keep, Sequence | pd.Index | np.ndarray | set | frozenset):
        names = list(keep)
        if all(isinstance(c, str) for c in names):
            return names
    raise TypeError(
        f"keep= takes a column name, a list of column names, True or None (every column "
        f"not otherwise used) or False (none); got {type(keep).__name__} {keep!r}.")


def keep_columns(rows: TableRows, keep: Any, used: set[str]) -> pd.DataFrame:
    """Select the source columns to carry over (:func:`kept_names` reads ``keep``)."""
    names = kept_names(keep)
    if names is None:
        names = [c for c in rows.data.columns if c not in used]
    else:
        missing = [c for c in names if c not in rows.data.columns]
        if missing:
            found = ", ".join(repr(c) for c in rows.data.columns)
            raise ValidationError([Problem(
                "missing_column", f"column {c!r} (in keep=) was not found. Columns found: "
                f"{found}.", column=c) for c in missing], context=rows.description)
    return rows.data[names]


# the names the readers used when these lived in hotspots.io.incidents
_generated_ids = generated_ids
_blank_to_na = blank_to_na
_set_dtypes = set_dtypes
_keep_columns = keep_columns
