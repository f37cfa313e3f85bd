"""Parse well-shaped CSV bytes with Arrow's multithreaded reader (issue 16).

:func:`hotspots.io._csvread.read_csv_file` proves first, without parsing, that every record
below the header has the header's width and sound quoting (:class:`~hotspots.io._csvfile.Shape`).
Such bytes need no record-by-record care, so they go to :func:`pyarrow.csv.read_csv`, which
builds Arrow string columns directly (pandas' C engine makes a Python object per cell and
converts it back to Arrow, the largest cost of reading police.uk files). The result is the
same frame pandas gives with ``dtype=str, keep_default_na=False, na_values=[""]``: every
column a ``str`` (Arrow-backed) column, a blank or ``""`` cell missing, text as written.

Only UTF-8 text without blank lines comes here; anything else (Windows-1252 text, files with
empty lines, which pandas keeps as rows for the row numbers) stays on the pandas path, and
so does any file Arrow refuses.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["STR_DTYPE", "arrow_frame", "categoricals", "is_coded", "read_arrow_csv"]

#: bytes Arrow parses per block (one chunk of each column per block)
_BLOCK_BYTES = 4 << 20

#: the dtype ``pandas.read_csv(dtype=str)`` gives: Arrow-backed text, NaN for missing
STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


def _pandas_type(arrow_type: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return STR_DTYPE
    if pa.types.is_dictionary(arrow_type):
        # kept as Arrow until the files are stacked (see categoricals): a pandas
        # categorical per file and column costs more than the parse of the file
        return pd.ArrowDtype(arrow_type)
    return None


def arrow_frame(table: pa.Table) -> pd.DataFrame:
    """Turn an Arrow table of text columns into a frame of ``str`` columns, without copies.

    Dictionary-encoded columns stay Arrow dictionaries (:func:`is_coded`) until
    :func:`categoricals` makes them pandas categoricals, once for all files.
    """
    return table.to_pandas(types_mapper=_pandas_type)


def is_coded(dtype: object) -> bool:
    """Tell whether a column is an Arrow dictionary column left by :func:`arrow_frame`."""
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype)


def categoricals(columns: Sequence[pd.Series]) -> pd.Series:
    """Stack Arrow dictionary columns into one pandas categorical (``str`` categories).

    Each file has its own dictionary; Arrow unifies them (one transposition of each
    chunk's indices, in C++). The categories come back sorted (Arrow lists them in the
    order first seen), so that :func:`hotspots.io._incident_frame.categorical` finds them
    final and does not recode millions of rows again: Arrow sorts the distinct texts and
    one take from a small table maps every row's index to its sorted code. (``to_pandas``
    on the unified column, then a sort of Python strings, took 1.5x as long on columns of
    30,000 values: police.uk's coordinates.)
    """
    chunks: list[pa.Array] = []
    for column in columns:
        arr = pa.array(column.array)  # the column's own Arrow data, not a copy
        chunks += arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    stacked = pa.chunked_array(chunks)
    value_type = stacked.type.value_type
    if not (pa.types.is_string(value_type) or pa.types.is_large_string(value_type)):
        # not text (no reader here makes such a column): pandas' conversion, sorted after
        cat = stacked.to_pandas().array
        return pd.Series(cat.reorder_categories(sorted(cat.categories)))
    stacked = stacked.unify_dictionaries()
    dictionary = stacked.chunk(0).dictionary
    order = pc.array_sort_indices(dictionary).to_numpy()
    rank = np.empty(len(dictionary), dtype=np.int32)
    rank[order] = np.arange(len(dictionary), dtype=np.int32)
    # Arrow's take maps each chunk's indices to sorted codes without the GIL, in about 40%
    # of the time of numpy's indexing (which widens 3M indices to int64 first and needs
    # them filled and joined); a dictionary already in order (one value, or months read in
    # order) needs no mapping
    in_order = bool(np.array_equal(order, np.arange(len(dictionary))))
    table = pa.array(rank)
    codes = np.empty(len(stacked), dtype=np.int32)
    at = 0
    for chunk in stacked.chunks:
        mapped = chunk.indices if in_order else pc.take(table, chunk.indices)
        if mapped.null_count:
            mapped = pc.fill_null(mapped, -1)  # a missing cell: code -1
        codes[at:at + len(mapped)] = mapped.to_numpy()
        at += len(mapped)
    names = pd.Index(dictionary.take(pa.array(order)).to_pandas(types_mapper=_pandas_type))
    return pd.Series(pd.Categorical.from_codes(codes, categories=names, validate=False))


def read_arrow_csv(data: bytes | memoryview, names: Sequence[str], sep: str, *,
                   multiline: bool, categorical: Collection[str] = (), threads: bool = True,
                   checked_utf8: bool = False) -> pd.DataFrame | None:
    """Parse the records of ``data`` (no header line) into ``str`` columns named ``names``.

    Parameters
    ----------
    data : bytes or memoryview
        UTF-8 CSV records, from the first record after the header to the end.
    names : sequence of str
        The column names, one per field.
    sep : str
        The field separator.
    multiline : bool
        Some quoted value holds a line break (slower parsing that allows it).
    categorical : collection of str
        Columns known to hold few distinct values (police.uk's Month, Crime type, LSOA
        code...): Arrow builds them dictionary-encoded and they come back as pandas
        categoricals of the same text, a fraction of the memory of a string per cell.
    threads : bool
        Let Arrow parse the blocks on its own threads: the only parallelism for a single
        large file. A caller that reads several files at once (two on a pool) turns it
        off: its threads keep both cores busy, and Arrow's threaded reader costs more CPU
        per file than the serial one for the same table (5-20% on police.uk files).
    checked_utf8 : bool
        ``data`` is known to be valid UTF-8 (:func:`hotspots.io._csvfile.open_text` decoded
        or ASCII-checked it), so Arrow need not check every string again.

    Returns
    -------
    pandas.DataFrame or None
        None when Arrow refuses the bytes: the caller then reads them with pandas, whose
        errors the load report already explains.
    """
    columns = list(names)
    text = pa.string()
    coded = pa.dictionary(pa.int32(), pa.string())
    types = {c: coded if c in categorical else text for c in columns}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            # blocks of 4 MB: as fast as Arrow's 1 MB default, a quarter of the chunks
            # for the steps that go chunk by chunk
            read_options=pacsv.ReadOptions(column_names=columns, block_size=_BLOCK_BYTES,
                                           use_threads=threads),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=multiline,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True,
                null_values=[""], quoted_strings_can_be_null=True,
                check_utf8=not checked_utf8))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return arrow_frame(table)
