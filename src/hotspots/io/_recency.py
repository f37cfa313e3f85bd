"""Recency of an offence (recent / non-recent): from a column of words, or from two dates."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from hotspots import schema
from hotspots.io._csvfile import shorten
from hotspots.io._ledger import TableRows

__all__ = ["recency_from_column", "recency_from_dates"]

# recency spellings (normalised: lower case, runs of space/-/_ as one space)
_RECENCY_WORDS = {
    "recent": schema.RECENT, "current": schema.RECENT, "r": schema.RECENT,
    "non recent": schema.NON_RECENT, "nonrecent": schema.NON_RECENT,
    "not recent": schema.NON_RECENT, "historic": schema.NON_RECENT,
    "historical": schema.NON_RECENT, "nr": schema.NON_RECENT,
}


def _norm_word(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower().str.replace(r"[\s_\-]+", " ", regex=True)



def recency_from_column(rows: TableRows, column: str,
                         values: Mapping[str, str] | None) -> pd.Series:
    words = dict(_RECENCY_WORDS)
    for raw, meaning in (values or {}).items():
        if meaning not in (schema.RECENT, schema.NON_RECENT):
            raise ValueError(f"The 'recency_values' parameter of read_incidents must map to "
                             f"'recent' or 'non-recent'. Got {meaning!r} for {raw!r} instead.")
        words[_norm_word(pd.Series([str(raw)])).iloc[0]] = meaning
    norm = _norm_word(rows.data[column])
    mapped = norm.map(words).astype("string")
    unknown = (norm.notna() & (norm != "") & mapped.isna()).to_numpy()
    if unknown.any():
        seen = pd.unique(rows.data[column][unknown].astype(str))[:5]
        rows.flag(unknown, f"unrecognised_recency:{column}", f"unrecognised values in "
                  f"'{column}'", f"Values {', '.join(shorten(v) for v in seen)} were not "
                  "recognised as recent/non-recent and were set to missing; pass e.g. "
                  "recency_values={'Yes': 'non-recent', 'No': 'recent'}.", column=column)
    return mapped


def recency_from_dates(rows: TableRows, occurred: pd.Series, reported: pd.Series,
                        months: int, reported_name: str) -> pd.Series:
    threshold = occurred + pd.DateOffset(months=months)
    out = pd.Series(pd.NA, index=range(len(rows)), dtype="string")
    both = occurred.notna() & reported.notna()
    out[both & (reported > threshold)] = schema.NON_RECENT
    out[both & (reported <= threshold)] = schema.RECENT
    before = (both & (reported < occurred)).to_numpy()
    if before.any():
        out[before] = pd.NA
        rows.flag(before, f"reported_before_occurred:{reported_name}",
                  "reported before it occurred",
                  f"'{reported_name}' is earlier than the occurrence date; recency was left "
                  "missing for these rows.", column=reported_name)
    return out

