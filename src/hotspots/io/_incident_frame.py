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
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.crs import BNG
from hotspots.errors import Problem, ValidationError
from hotspots.io._ledger import TableRows
from hotspots.io.load_report import LoadReport

__all__ = ["assemble", "attach", "blank_to_na", "generated_ids", "keep_columns", "set_dtypes"]

_CANONICAL = (*schema.INCIDENT_COLUMNS, "geometry")
_TRAILING = (schema.SOURCE_FILE, schema.SOURCE_ROW)
_RESERVED = set(_CANONICAL) | set(_TRAILING)
_STEM = re.compile(r"\.[^.]*$")


def categorical(values: Any, categories: Sequence[str] | None = None) -> pd.Categorical:
    """``pandas.Categorical(values, categories)`` through integer codes.

    ``categories`` defaults to the sorted distinct values; a value outside ``categories``
    becomes missing, as with :class:`pandas.Categorical`.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    seen = [str(u) for u in uniques]
    cats = sorted(seen) if categories is None else list(categories)
    lookup = {c: i for i, c in enumerate(cats)}
    # the last slot answers code -1 (missing) with -1
    remap = np.array([lookup.get(u, -1) for u in seen] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(remap[codes], categories=cats)


def text_from_objects(values: np.ndarray) -> pd.Series:
    """A ``string`` Series of an object array with few distinct values (file names)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.array(np.asarray(uniques, dtype=object), dtype="string")
    return pd.Series(text.take(codes, allow_fill=True))


def generated_ids(rows: TableRows, mask: np.ndarray | None = None) -> pd.Series:
    """Stable ids for rows without one: ``"<file stem>:<row>"``, or ``"row:<row>"``.

    Only the rows where ``mask`` is true (all rows by default) get an id; others are NA.
    """
    n = len(rows)
    where = np.arange(n) if mask is None else np.flatnonzero(mask)
    out = pd.Series(pd.NA, index=range(n), dtype="string")
    files = rows.source_file[where]
    stems = {f: "row" if f is None else _STEM.sub("", f) for f in set(files.tolist())}
    out.iloc[where] = [f"{stems[f]}:{r}" for f, r in
                       zip(files.tolist(), rows.source_row[where].tolist(), strict=True)]
    return out


def blank_to_na(s: pd.Series) -> pd.Series:
    """Stripped text, blank cells missing."""
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def set_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply the canonical dtypes (also after concatenating frames with other categories)."""
    frame[schema.INCIDENT_ID] = frame[schema.INCIDENT_ID].astype("string")
    frame[schema.OCCURRED] = pd.to_datetime(frame[schema.OCCURRED]).astype("datetime64[ns]")
    frame[schema.CATEGORY] = categorical(frame[schema.CATEGORY].astype("string"))
    frame[schema.RECENCY] = categorical(frame[schema.RECENCY].astype("string"),
                                        [schema.RECENT, schema.NON_RECENT])
    frame[schema.WEIGHT] = frame[schema.WEIGHT].astype("float64")
    frame[schema.LOCATION_STATUS] = categorical(frame[schema.LOCATION_STATUS],
                                                [schema.LOCATED, schema.UNKNOWN])
    frame[schema.SOURCE_FILE] = frame[schema.SOURCE_FILE].astype("string")
    frame[schema.SOURCE_ROW] = frame[schema.SOURCE_ROW].astype("int64")
    return frame


def assemble(rows: TableRows, *, incident_id: pd.Series, occurred: pd.Series | None,
             category: pd.Series | None, recency: pd.Series | None,
             weight: np.ndarray | None, extra: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Build the canonical incident frame from checked rows and mapped columns."""
    n = len(rows)
    na_text = pd.Series(pd.NA, index=range(n), dtype="string")
    columns: dict[str, Any] = {
        schema.INCIDENT_ID: incident_id.reset_index(drop=True),
        schema.OCCURRED: (occurred.reset_index(drop=True) if occurred is not None
                          else pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")),
        schema.CATEGORY: category.reset_index(drop=True) if category is not None else na_text,
        schema.RECENCY: recency.reset_index(drop=True) if recency is not None else na_text,
        schema.WEIGHT: np.ones(n) if weight is None else np.asarray(weight, dtype=float),
        schema.LOCATION_STATUS: pd.Categorical.from_codes(
            np.where(rows.located, 0, 1), categories=[schema.LOCATED, schema.UNKNOWN]),
    }
    if extra is not None:
        for name in extra.columns:
            target = f"{name}_source" if name in _RESERVED else name
            columns[target] = extra[name].reset_index(drop=True)
    columns[schema.SOURCE_FILE] = text_from_objects(rows.source_file)
    columns[schema.SOURCE_ROW] = rows.source_row
    frame = set_dtypes(pd.DataFrame(columns))
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(rows.geometry, crs=BNG))
    order = [*_CANONICAL, *[c for c in out.columns if c not in _CANONICAL]]
    return out[order]


def attach(frame: gpd.GeoDataFrame, report: LoadReport, **info: Any) -> gpd.GeoDataFrame:
    """Put the load report and the reader's facts in ``frame.attrs["hotspots"]``."""
    frame.attrs["hotspots"] = {**info, "load": report}
    return frame


def keep_columns(rows: TableRows, keep: Any, used: set[str]) -> pd.DataFrame:
    """Select the source columns to carry over (``keep``: None=all unused, a list, False)."""
    if keep is False or keep == ():
        return rows.data.iloc[:, :0]
    if keep is None:
        names = [c for c in rows.data.columns if c not in used]
    else:
        names = [keep] if isinstance(keep, str) else list(keep)
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
