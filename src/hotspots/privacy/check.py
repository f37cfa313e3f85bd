"""Refuse a table for public output from its numbers, never from a stamp or a column."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hotspots._params import current_verb
from hotspots.errors import PublicModeError
from hotspots.privacy.suppress import SUPPRESSED

__all__ = ["check_public"]


def check_public(table: pd.DataFrame, k: int = 5, *, count_columns: Sequence[str] = ("n",),
                 share_column: str | None = "share", area_column: str = "area_name",
                 by: str | Sequence[str] | None = None, caller: str | None = None) -> None:
    """Refuse a table a public output would show if its numbers disclose a small count.

    Looks only at the values: a ``suppressed`` column, ``attrs`` stamps and the table's
    history are ignored, so a restricted table relabelled as public is caught. Hidden cells
    are ``<NA>``/NaN or the labels ``"<k"`` and ``"[c]"``.

    Checks, per count column: no shown count lies between 1 and ``k - 1``; and, when a
    share column gives the total away (total = count / share of any shown row), the hidden
    cells of each group are not pinned and a ``"<k"`` cell keeps ``k`` possible values
    (the rules of :func:`hotspots.privacy.audit` on the one line this table has). Tables
    published together must be checked together with :class:`hotspots.privacy.Release`.

    Parameters
    ----------
    table : pandas.DataFrame
        The table about to be shown.
    k : int, default 5
    count_columns : sequence of str, default ("n",)
        Count columns present in the table are checked (absent ones are skipped).
    share_column : str or None, default "share"
        The share of each count in its group total (None: do not use shares).
    area_column : str, default "area_name"
        Names the row in messages.
    by : str or sequence of str, optional
        Columns splitting the table into groups whose shares add up to 1.
    caller : str, optional
        Named in the message; default the public verb running (see
        :func:`hotspots._params.current_verb`), else ``check_public``.

    Raises
    ------
    hotspots.errors.PublicModeError
        Naming the rows and the reason.

    Examples
    --------
    >>> from hotspots.privacy import check_public
    >>> t = pd.DataFrame({"area_name": ["A", "B"], "n": [2, 40]})
    >>> check_public(t)
    Traceback (most recent call last):
    hotspots.errors.PublicModeError: check_public: column 'n' shows 1 count(s) below 5 (A 2),
    which a public output must not show. Pass the unsuppressed table (it is protected for
    you) or protect it with hotspots.privacy.Release.
    >>> check_public(pd.DataFrame({"area_name": ["A", "B"], "n": [0, 40]}))  # passes
    """
    caller = caller or current_verb("check_public")
    names = (table[area_column].astype(str).to_numpy() if area_column in table.columns
             else np.array([str(i) for i in range(len(table))]))
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for col in count_columns:
        if col not in table.columns:
            continue
        values, hidden, primary = _read(table[col], col, caller)
        display = f"{col}_display"
        if display in table.columns:
            # the numeric layout: <NA> in the count, the label beside it
            text = table[display].astype(str).str.strip().to_numpy()
            primary = hidden & np.char.startswith(text.astype(str), "<")
        small = ~hidden & (values >= 1) & (values < k)
        if small.any():
            rows = np.flatnonzero(small)
            shown = ", ".join(f"{names[i]} {int(values[i])}" for i in rows[:5])
            raise PublicModeError(
                f"{caller}: column {col!r} shows {len(rows)} count(s) below {k} ({shown}), "
                f"which a public output must not show. Pass the unsuppressed table (it is "
                "protected for you) or protect it with hotspots.privacy.Release.")
        if share_column is None or share_column not in table.columns or not hidden.any():
            continue
        share = pd.to_numeric(table[share_column].where(
            ~table[share_column].map(lambda v: isinstance(v, str))), errors="coerce")
        share = share.to_numpy(dtype=float)
        groups = (table.groupby(by_cols, sort=False, dropna=False, observed=True).ngroup()
                  .to_numpy() if by_cols else np.zeros(len(table), dtype=np.int64))
        for g in np.unique(groups):
            rows = np.flatnonzero(groups == g)
            _check_line(rows, values, hidden, primary, share, names, k, col, caller)


def _read(series: pd.Series, col: str, caller: str) -> tuple[np.ndarray, np.ndarray,
                                                             np.ndarray]:
    """Values (NaN where hidden), hidden mask and primary mask of a count column."""
    raw = series.astype(object).to_numpy()
    values = np.full(len(raw), np.nan)
    hidden = np.zeros(len(raw), dtype=bool)
    primary = np.zeros(len(raw), dtype=bool)
    for i, v in enumerate(raw):
        if isinstance(v, str):
            text = v.strip()
            if text.startswith("<") or text == SUPPRESSED:
                hidden[i] = True
                primary[i] = text.startswith("<")
                continue
            try:
                values[i] = float(text)
            except ValueError:
                raise PublicModeError(f"{caller}: column {col!r} holds {v!r}, neither a count "
                                      "nor a suppression label.") from None
        elif v is None or pd.isna(v):
            hidden[i] = True
        else:
            values[i] = float(v)
    return values, hidden, primary


def _check_line(rows: np.ndarray, values: np.ndarray, hidden: np.ndarray, primary: np.ndarray,
                share: np.ndarray, names: np.ndarray, k: int, col: str, caller: str) -> None:
    """Check one group: its total follows from a shown count and its share."""
    from hotspots.privacy._relations import single_relation

    shown = rows[~hidden[rows] & (values[rows] > 0) & (share[rows] > 0)]
    h = rows[hidden[rows]]
    if len(shown) == 0 or len(h) == 0:
        return
    total = round(values[shown[0]] / share[shown[0]])
    rest = total - np.nansum(values[rows[~hidden[rows]]])
    coefs = np.ones(len(h))
    free = single_relation(coefs, rest, np.zeros(len(h)), np.full(len(h), math.inf))
    lab_lo = np.where(primary[h], 1.0, float(k))
    lab_hi = np.where(primary[h], float(k - 1), math.inf)
    lab = single_relation(coefs, rest, lab_lo, lab_hi)
    narrow = primary[h] & (free[1] - free[0] < k)
    pinned = (lab[0] >= lab[1]) & (lab_lo < lab_hi)
    bad = np.flatnonzero(narrow | pinned)
    if len(bad):
        which = ", ".join(names[h[i]] for i in bad[:5])
        raise PublicModeError(
            f"{caller}: the hidden {col!r} of {which} can be worked out from the total "
            f"(a shown count over its share) minus the shown counts. Protect the unsuppressed "
            "table with hotspots.privacy.suppress or Release instead.")
