"""Carry the food hygiene (FHRS) rating and inspection date through rankings and plans.

:func:`hotspots.io.read_fhrs` gives each premises a ``rating`` ("0".."5", "Exempt",
"AwaitingInspection", ...) and a ``rating_date`` (the inspection date). A sergeant planning
a visit wants both on the sheet: a premises rated 0 last month is a different visit from
one rated 5 four years ago. These helpers copy them from the premises frame into a ranking
(:func:`hotspots.premises.premises_rank`) and from there into every visit-plan output.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["INSPECTION_COLUMNS", "add_inspection", "inspection_text"]

#: Columns carried when the premises frame has them, in output order.
INSPECTION_COLUMNS = ("rating", "rating_date")


def add_inspection(out: pd.DataFrame, premises: pd.DataFrame) -> pd.DataFrame:
    """Copy ``rating`` and ``rating_date`` from ``premises`` (same row order) into ``out``.

    Parameters
    ----------
    out : pandas.DataFrame
        A table with one row per premises, in the order of ``premises``.
    premises : pandas.DataFrame
        The premises frame (e.g. a :func:`hotspots.io.read_fhrs` result).

    Returns
    -------
    pandas.DataFrame
        ``out`` with ``rating`` (string) and ``rating_date`` (datetime64[ns]) added when
        ``premises`` has them (columns it lacks are not invented).

    Examples
    --------
    >>> prem = pd.DataFrame({"premises_id": ["1"], "rating": ["4"],
    ...                      "rating_date": pd.to_datetime(["2021-03-02"])})
    >>> add_inspection(pd.DataFrame({"premises_id": ["1"]}), prem)["rating"].tolist()
    ['4']
    """
    if len(out) != len(premises):
        raise ValueError("add_inspection needs one row of 'out' per premises, in order.")
    if "rating" in premises.columns:
        out["rating"] = pd.array(premises["rating"].to_numpy(dtype=object), dtype="string")
    if "rating_date" in premises.columns:
        out["rating_date"] = pd.to_datetime(premises["rating_date"], errors="coerce").to_numpy(
            dtype="datetime64[ns]")
    return out


def inspection_text(rating: Any, rating_date: Any) -> str:
    """Write the rating for people: "4 (inspected 02 Mar 2021)", or "" when unknown.

    Parameters
    ----------
    rating : str or None
        The FHRS rating value.
    rating_date : date-like or None
        The inspection date.

    Returns
    -------
    str

    Examples
    --------
    >>> inspection_text("4", pd.Timestamp("2021-03-02"))
    '4 (inspected 02 Mar 2021)'
    >>> inspection_text("AwaitingInspection", None)
    'Awaiting inspection'
    """
    def blank(v: Any) -> bool:
        return v is None or v is pd.NA or v is pd.NaT or (
            isinstance(v, float) and np.isnan(v))

    text = "" if blank(rating) else str(rating).strip()
    text = {"AwaitingInspection": "Awaiting inspection",
            "AwaitingPublication": "Awaiting publication"}.get(text, text)
    if not blank(rating_date):
        when = pd.Timestamp(rating_date)
        if not pd.isna(when):
            text = f"{text} (inspected {when:%d %b %Y})" if text else f"inspected {when:%d %b %Y}"
    return text
