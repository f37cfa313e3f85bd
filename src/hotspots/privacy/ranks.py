"""Which ranks a suppressed table may state: "highest", "the three largest", without leaks.

Saying "Baildon had the highest number" about a table in which other areas are hidden is a
statement about the hidden counts: each is at most Baildon's. With the total known, it can
pin a hidden value (Baildon ``[c]`` named highest, plus the line total, gave both hidden
counts in issue 9). A rank is safe to state only when it says nothing a reader does not
already know: when the named area's count is shown and is larger than the largest value any
hidden count could take given the published numbers.

A reader knows the sum of the hidden counts of a line (the published total minus the shown
counts) and that a ``"<k"`` cell is below ``k``. The largest value a hidden cell can take is
therefore at most ``min(k - 1, hidden sum)`` for ``"<k"`` cells and the hidden sum for any
other hidden cell (lower bounds of the other hidden cells are taken as 0, which can only make
the bound larger, so the test errs towards saying nothing).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema

__all__ = ["hidden_value", "rank_floor", "safe_top"]

_PSEUDO_AREAS = (schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION)


def hidden_value(value: Any) -> bool:
    """Tell a hidden cell: a marker such as ``"<5"``/``"[c]"``, or ``<NA>`` in a count."""
    if isinstance(value, str):
        try:
            float(value.replace(",", ""))
        except ValueError:
            return True
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _upper_bound(value: Any, display: Any, hidden_sum: float) -> float:
    text = display if isinstance(display, str) else value
    if isinstance(text, str) and text.startswith("<"):
        try:
            return min(float(text[1:]) - 1, hidden_sum)
        except ValueError:
            pass
    return hidden_sum


def rank_floor(table: pd.DataFrame, column: str, total: Any) -> float:
    """Largest value a hidden count of ``column`` could take, as a reader can work it out.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per area (``area_name``), "Outside district" and "Unknown location"
        included, as in :attr:`hotspots.change.PeriodComparison.table` without ``by``.
        Hidden counts are markers or ``<NA>`` (with ``<column>_display`` holding the marker).
    column : str
        The count column ("n_before", "n_after").
    total : int or str
        The published total of the column over every row; a marker when hidden.

    Returns
    -------
    float
        0 when no area's count is hidden; ``inf`` when the total is hidden (nothing can be
        ranked). Only areas count: "Outside district" and "Unknown location" are never
        ranked, but their hidden counts take a part of the hidden sum.
    """
    values = table[column].tolist()
    displays = (table[f"{column}_display"].tolist() if f"{column}_display" in table.columns
                else [None] * len(values))
    hidden = np.array([hidden_value(v) for v in values], dtype=bool)
    if not hidden.any():
        return 0.0
    if hidden_value(total):
        return math.inf
    shown = sum(float(v) for v, h in zip(values, hidden, strict=True) if not h)
    hidden_sum = max(float(total) - shown, 0.0)
    names = table[schema.AREA_NAME].astype(str).tolist()
    bounds = [_upper_bound(v, d, hidden_sum)
              for v, d, h, name in zip(values, displays, hidden, names, strict=True)
              if h and name not in _PSEUDO_AREAS]
    return max(bounds, default=0.0)


def safe_top(table: pd.DataFrame, column: str, top: str | None, total: Any) -> str | None:
    """``top`` if naming it the highest area reveals nothing about hidden counts, else None.

    Parameters
    ----------
    table : pandas.DataFrame
        As for :func:`rank_floor`.
    column : str
        The count column the rank is on.
    top : str or None
        The area with the highest count (computed before suppression).
    total : int or str
        The published total of the column.

    Returns
    -------
    str or None

    Examples
    --------
    >>> from hotspots.privacy.ranks import safe_top
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C"], "n_after": [40, "<5", "[c]"]})
    >>> safe_top(t, "n_after", "A", 52), safe_top(t, "n_after", "A", 90)
    ('A', None)
    """
    if top is None:
        return None
    rows = table[table[schema.AREA_NAME].astype(str) == str(top)]
    if len(rows) != 1 or hidden_value(rows[column].iloc[0]):
        return None
    return top if float(rows[column].iloc[0]) > rank_floor(table, column, total) else None
