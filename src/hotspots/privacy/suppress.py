"""Statistical disclosure control for published tables: small counts and what they reveal.

A committee table must not let a reader work out a small count, neither directly nor by
subtracting the cells that are shown from a total. :func:`suppress` applies the rules below
to ONE table and stamps what it did on the result (``attrs["hotspots"]["suppression"]``).
Tables published side by side (wards and constituencies, several periods, a comparison)
must be protected together with :class:`hotspots.privacy.Release`, which also audits them.

Output format: count columns stay numeric (``Int64`` with ``<NA>`` where hidden) beside a
``<col>_display`` text column (``"12"``, ``"<5"``, ``"[c]"``); :func:`labelled` gives the
printed form.

Rules (``rule="threshold"``, the default)
-----------------------------------------
1. **Primary suppression.** Counts from 1 to ``k - 1`` are shown as ``"<k"`` (``"<5"``).
   Zeros are shown: ONS practice allows it, since a zero says nothing about a person
   (``suppress_zeros=True`` hides them as ``"<k"`` too).
2. **Secondary suppression.** Totals are treated as known (every group's total can be
   derived from a shown count and its share, and area totals from the table without
   ``by``). The table is split into *lines* whose cells add up to a known total: the whole
   table, or with ``by`` each ``by`` group and each area across the groups (the rows and
   columns of the area x group table). A line is protected when no suppressed cell can be
   pinned to one value from the line total and what a reader knows of each hidden cell
   (``"<k"`` cells are 1 to ``k - 1``; ``"[c]"`` cells are ``k`` or more). In particular a
   line with exactly one suppressed cell is never protected. In an unprotected line the
   smallest non-zero shown count (the first one on ties) is hidden as ``"[c]"``; this is
   repeated over all lines until nothing changes. (Example: ``1`` hidden as ``"<5"`` and
   ``5`` hidden as ``"[c]"`` add up to 6, which forces 1 and 5, so a third cell is hidden.)
3. Every value derived from a hidden count (``share``, ``rate_per_1000``, any column in
   ``share_columns``) is shown as ``"[c]"``. A boolean column ``suppressed`` marks the rows.

The checks are per line; they do not solve the full linear system of a two-way table (as
tau-Argus does), which is rarely needed for area-by-category tables of this size.

``rule="10-5"`` (ONS)
---------------------
Counts below 10 are shown as ``"<10"``; all other counts are rounded to the nearest 5 and
the derived columns are recomputed from the rounded counts (scaled by rounded / true), so no
shown value carries the exact count. Rounding is the protection: no secondary suppression.

``mode="restricted"`` returns the table unchanged apart from a ``suppressed`` column of
``False`` and the stamp, for analysts' outputs that may show everything.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from hotspots.errors import Problem, ValidationError

__all__ = ["SUPPRESSED", "display_column", "labelled", "render", "suppress", "suppress_labelled"]

logger = logging.getLogger(__name__)

#: label of a cell hidden by secondary suppression, and of every value derived from a hidden
#: count (the ONS "confidential" marker)
SUPPRESSED = "[c]"

_DERIVED_PREFIXES = ("share", "rate", "pct", "percent", "proportion")

#: numeric columns that describe the row, not its count, so they are shown by default
_NOT_DERIVED = frozenset({"population", "x", "y", "source_row", "cell_id", "area_id"})


def _default_derived(table: pd.DataFrame, count_columns: list[str], by_cols: list[str],
                     area_column: str) -> list[str]:
    """Columns hidden with the counts when ``share_columns`` is not given.

    Erring on the side of hiding: any numeric column could be computed from the count
    (``n_weighted`` equals ``n`` with unit weights, ``change`` is ``n_after - n_before``), so
    every numeric (non-boolean) column is treated as derived unless it describes the row
    (:data:`_NOT_DERIVED`, names ending in ``_id``), plus text columns named like shares.
    """
    skip = {*count_columns, *by_cols, area_column, "suppressed"}
    out = []
    for c in table.columns:
        if c in skip:
            continue
        name = str(c)
        if name.startswith(_DERIVED_PREFIXES):
            out.append(c)
            continue
        dtype = table[c].dtype
        numeric = (pd.api.types.is_numeric_dtype(dtype)
                   and not pd.api.types.is_bool_dtype(dtype))
        if numeric and name not in _NOT_DERIVED and not name.endswith("_id"):
            out.append(c)
    return out


def suppress(table: pd.DataFrame, k: int = 5, *, count_columns: Sequence[str] = ("n",),
             share_columns: Sequence[str] | None = None,
             by: str | Sequence[str] | None = None, area_column: str = "area_name",
             mode: Literal["public", "restricted"] = "public",
             rule: Literal["threshold", "10-5"] = "threshold",
             suppress_zeros: bool = False) -> pd.DataFrame:
    """Hide small counts, and the cells that would reveal them, for a public table.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy table of counts, e.g. from :func:`hotspots.areas.area_counts`.
    k : int, default 5
        Counts from 1 to ``k - 1`` are hidden (``rule="threshold"``). Ignored by the 10-5
        rule.
    count_columns : sequence of str, default ("n",)
        The count columns (non-negative integers). Each is protected on its own.
    share_columns : sequence of str, optional
        Columns derived from the counts (shares, rates, changes), hidden with them. A column
        named ``share_<x>`` follows ``n_<x>``; with one count column every derived column
        follows it; otherwise a derived column is hidden when any count of its row is.
        Default (errs on the side of hiding): the columns whose names start with
        ``share``, ``rate``, ``pct``, ``percent`` or ``proportion``, and every other
        numeric, non-boolean column (``n_weighted``, ``change``, ``kde``, p-values...)
        except ``population``, ``x``, ``y``, ``cell_id``, ``source_row`` and names ending
        in ``_id``. Pass a list to choose exactly.
    by : str or sequence of str, optional
        The columns that split the table into groups (as in ``area_counts(by=...)``). Then
        each group, and each area across the groups, is a line with a known total.
    area_column : str, default "area_name"
        The column that names the area of a row (used with ``by``).
    mode : {"public", "restricted"}, default "public"
        ``"restricted"`` hides nothing (analysts' outputs) but stamps the table.
    rule : {"threshold", "10-5"}, default "threshold"
        See the module documentation.
    suppress_zeros : bool, default False
        Hide zeros too (as ``"<k"``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``table``. Each count column stays numeric (nullable ``Int64``, ``<NA>``
        where hidden, so ``.sum()`` adds the shown counts) and gains a text column
        ``<col>_display`` with the shown number, ``"<k"`` (primary) or ``"[c]"``
        (secondary). Derived columns keep their kind (``Float64``/``Int64``/``boolean``)
        with ``<NA>`` where hidden (text ones read ``"[c]"``). A boolean column
        ``suppressed`` (any count of the row hidden) is added (or replaced).
        :func:`labelled` gives the printed form (labels in the count columns).
        ``attrs["hotspots"]["suppression"]``: ``rule, k, mode, suppress_zeros, n_primary,
        n_secondary, n_unprotected_lines, count_columns, share_columns, format,
        display_columns``. No hidden value remains in the table.

    Raises
    ------
    hotspots.errors.ValidationError
        When a count column is missing, not whole non-negative numbers, or already
        suppressed; or when ``by``/``area_column`` columns are missing.
    ValueError
        For a bad ``k``, ``mode`` or ``rule``.

    Notes
    -----
    Columns not in ``share_columns`` are copied unchanged: when passing ``share_columns``,
    list every column computed from the counts. ``attrs`` are copied as they are, apart
    from the stamp; :func:`~hotspots.areas.area_counts` keeps no cell values there (only
    totals, which are treated as known anyway). A line whose only
    non-zero cells are all hidden cannot be protected further; such lines are counted in
    ``n_unprotected_lines`` and logged.

    Examples
    --------
    >>> from hotspots.privacy import suppress
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C", "D"], "n": [3, 8, 40, 0],
    ...                   "share": [3 / 51, 8 / 51, 40 / 51, 0.0]})
    >>> out = suppress(t)
    >>> out["n_display"].tolist()
    ['<5', '[c]', '40', '0']
    >>> int(out["n"].sum())
    40
    """
    if mode not in ("public", "restricted"):
        raise ValueError(f"The 'mode' parameter of suppress must be one of 'public', "
                         f"'restricted'. Got {mode!r} instead.")
    if rule not in ("threshold", "10-5"):
        raise ValueError(f"The 'rule' parameter of suppress must be one of 'threshold', "
                         f"'10-5'. Got {rule!r} instead.")
    if rule == "10-5":
        k = 10
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"The 'k' parameter of suppress must be an int >= 1. Got {k!r} "
                         "instead.")
    k = int(k)
    count_columns = [count_columns] if isinstance(count_columns, str) else list(count_columns)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if share_columns is None:
        share_columns = _default_derived(table, count_columns, by_cols, area_column)
    else:
        share_columns = ([share_columns] if isinstance(share_columns, str)
                         else list(share_columns))
    _check_columns(table, count_columns, share_columns, by_cols, area_column)
    values = {c: _counts(table, c) for c in count_columns}

    stamp: dict[str, Any] = {
        "rule": rule, "k": k, "mode": mode, "suppress_zeros": bool(suppress_zeros),
        "count_columns": count_columns, "share_columns": share_columns,
        "n_primary": 0, "n_secondary": 0, "n_unprotected_lines": 0,
    }
    status = {c: np.zeros(len(table), dtype=np.int8) for c in count_columns}
    if mode == "public":
        lines = _lines(table, by_cols, area_column)
        for col, v in values.items():
            st = status[col]
            st[(v >= 1) & (v < k)] = 1
            if suppress_zeros:
                st[v == 0] = 1
            if rule == "threshold":
                stamp["n_unprotected_lines"] += _secondary(v, st, lines, k, suppress_zeros)
            stamp["n_primary"] += int((st == 1).sum())
            stamp["n_secondary"] += int((st == 2).sum())
        if stamp["n_unprotected_lines"]:
            logger.warning("suppress: %d lines have every non-zero count hidden and cannot be "
                           "protected further", stamp["n_unprotected_lines"])

    out = render(table, values, status, k=k, rule=rule, share_columns=share_columns)
    info = dict(out.attrs.get("hotspots", {}))
    info["suppression"] = {**stamp, **info["suppression"]}
    out.attrs["hotspots"] = info
    return out


def display_column(col: str) -> str:
    """Return the name of the display column that holds the shown text of count column ``col``.

    Parameters
    ----------
    col : str
        A count column of a table passed to :func:`suppress`.

    Returns
    -------
    str
        ``"<col>_display"``.

    Examples
    --------
    >>> from hotspots.privacy import display_column, suppress
    >>> display_column("n_before")
    'n_before_display'
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C"], "n": [3, 8, 40]})
    >>> suppress(t)[display_column("n")].tolist()
    ['<5', '[c]', '40']
    """
    return f"{col}_display"


def render(table: pd.DataFrame, values: dict[str, np.ndarray], status: dict[str, np.ndarray],
           *, k: int, rule: str = "threshold",
           share_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Write a protected copy of ``table`` from each count column's status.

    ``status`` holds 0 (shown), 1 (primary, shown as ``"<k"``) or 2 (secondary, ``"[c]"``)
    per row and count column. Count columns become nullable integers (``Int64``) with
    ``<NA>`` where hidden, next to a ``<col>_display`` text column; derived columns keep
    their kind (``Float64``, ``Int64``, ``boolean``) with ``<NA>`` where hidden, or
    ``"[c]"`` for text. Used by :func:`suppress` and :class:`hotspots.privacy.Release`.
    """
    out = table.copy()
    out.attrs = copy.deepcopy(table.attrs)
    count_columns = list(values)
    any_hidden = np.zeros(len(table), dtype=bool)
    displays = {}
    for col, v in values.items():
        st = status[col]
        any_hidden |= st > 0
        shown = _round5(v) if rule == "10-5" else v
        text = np.array([str(int(x)) for x in shown], dtype=object)
        text[st == 1] = f"<{k}"
        text[st == 2] = SUPPRESSED
        out[col] = pd.array(np.where(st > 0, None, shown).tolist(), dtype="Int64")  # type: ignore[call-overload]  # stubs reject None
        out[display_column(col)] = pd.array(text.tolist(), dtype="string")
        displays[col] = display_column(col)
    for col in share_columns:
        partner = _partner(col, count_columns)
        hidden = status[partner] > 0 if partner else any_hidden
        series = table[col]
        if rule == "10-5" and partner is not None and pd.api.types.is_numeric_dtype(series):
            v = values[partner]
            scale = np.divide(_round5(v), v, out=np.ones(len(v)), where=v > 0)
            series = pd.Series(series.to_numpy(dtype=float) * scale, index=series.index)
        out[col] = _hide(series, hidden)
    out["suppressed"] = any_hidden
    info = dict(out.attrs.get("hotspots", {}))
    info["suppression"] = {"k": k, "rule": rule, "format": "numeric",
                           "count_columns": count_columns,
                           "share_columns": list(share_columns),
                           "display_columns": displays}
    out.attrs["hotspots"] = info
    return out


def _hide(series: pd.Series, hidden: np.ndarray) -> pd.Series:
    """``series`` with hidden rows emptied, keeping a numeric column numeric."""
    dtype = series.dtype
    mask = pd.Series(hidden, index=series.index)
    if pd.api.types.is_bool_dtype(dtype):
        return series.astype("boolean").mask(mask)
    if pd.api.types.is_integer_dtype(dtype):
        return series.astype("Int64").mask(mask)
    if pd.api.types.is_numeric_dtype(dtype):
        return series.astype("Float64").mask(mask)
    return series.astype(object).mask(mask, SUPPRESSED)


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """Show a protected table the way a printed one reads: labels in the count columns.

    Turns the numeric format of :func:`suppress` (``n`` as ``Int64`` with ``<NA>``, plus
    ``n_display``) into one object column per count holding the shown numbers, ``"<k"`` and
    ``"[c]"``, with ``"[c]"`` in every hidden derived value; the display columns are
    dropped. For printing and for callers that read the labels; do not compute on it.

    Parameters
    ----------
    table : pandas.DataFrame
        A table from :func:`suppress` or :class:`hotspots.privacy.Release`. Any other table
        is returned unchanged.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> from hotspots.privacy import labelled, suppress
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C", "D"], "n": [3, 8, 40, 0]})
    >>> labelled(suppress(t))["n"].tolist()
    ['<5', '[c]', 40, 0]
    """
    stamp = (table.attrs.get("hotspots", {}) or {}).get("suppression") or {}
    displays = stamp.get("display_columns") or {}
    if stamp.get("format") != "numeric" or not displays:
        return table
    out = table.copy()
    out.attrs = copy.deepcopy(table.attrs)
    count_columns = list(displays)
    hidden_of = {}
    for col, disp in displays.items():
        text = table[disp].astype(object).to_numpy()
        hidden = np.array([not str(t).isdigit() for t in text], dtype=bool)
        hidden_of[col] = hidden
        cells = np.array([None if h else int(v) for v, h in
                          zip(table[col].astype(object).to_numpy(), hidden, strict=True)],
                         dtype=object)
        cells[hidden] = text[hidden]
        out[col] = pd.Series(cells, index=out.index, dtype=object)
    any_hidden = np.logical_or.reduce(list(hidden_of.values()))
    for col in stamp.get("share_columns", []):
        if col not in out.columns:
            continue
        partner = _partner(col, count_columns)
        hidden = hidden_of[partner] if partner else any_hidden
        cells = out[col].astype(object).to_numpy().copy()
        cells[hidden] = SUPPRESSED
        out[col] = pd.Series([None if (not isinstance(c, str) and pd.isna(c)) else c
                              for c in cells], index=out.index, dtype=object)
    out = out.drop(columns=list(displays.values()))
    out.attrs["hotspots"]["suppression"] = {**stamp, "format": "labels"}
    return out


def _check_columns(table: pd.DataFrame, count_columns: list[str], share_columns: list[str],
                   by_cols: list[str], area_column: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"suppress needs a DataFrame, got {type(table).__name__}.")
    needed = [*count_columns, *share_columns, *by_cols]
    if by_cols:
        needed.append(area_column)
    missing = [c for c in dict.fromkeys(needed) if c not in table.columns]
    if missing:
        raise ValidationError([
            Problem("missing_column", f"suppress needs the column {c!r}. Columns found: "
                    f"{', '.join(map(str, table.columns))}.", column=c) for c in missing
        ])
    stamp = table.attrs.get("hotspots", {}).get("suppression") if table.attrs else None
    if stamp and stamp.get("mode") == "public":
        raise ValidationError(Problem("already_suppressed", "This table has already been "
                                      "suppressed; suppress the original table instead."))


def _counts(table: pd.DataFrame, col: str) -> np.ndarray:
    s = table[col]
    numeric = pd.to_numeric(s, errors="coerce")
    bad = numeric.isna() | (numeric < 0) | (numeric != np.floor(numeric))
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        raise ValidationError(Problem(
            "not_a_count", f"Column {col!r} must hold whole numbers >= 0 (not already "
            f"suppressed labels); {len(rows)} values are not, e.g. {s.iloc[rows[0]]!r} at "
            f"position {rows[0]}.", n_rows=len(rows), column=col))
    return numeric.to_numpy(dtype=np.int64)


def _lines(table: pd.DataFrame, by_cols: list[str], area_column: str) -> list[np.ndarray]:
    """Row positions of each set of cells that adds up to a known total."""
    if not by_cols:
        return [np.arange(len(table))]
    lines = []
    for keys in (by_cols, [area_column]):
        ids = table.groupby(keys, sort=False, dropna=False, observed=True).ngroup().to_numpy()
        order = np.argsort(ids, kind="stable")
        bounds = np.flatnonzero(np.diff(ids[order])) + 1
        lines += [part for part in np.split(order, bounds) if len(part) > 1]
    return lines


def _secondary(v: np.ndarray, st: np.ndarray, lines: list[np.ndarray], k: int,
               suppress_zeros: bool) -> int:
    """Add secondary suppressions (status 2) until every line is protected."""
    unprotected: set[int] = set()
    changed = True
    while changed:
        changed = False
        for i, line in enumerate(lines):
            s = st[line]
            if not (s > 0).any() or not _disclosed(v[line], s, k, suppress_zeros):
                unprotected.discard(i)
                continue
            candidates = line[(s == 0) & (v[line] > 0)]
            if len(candidates) == 0:
                unprotected.add(i)
                continue
            st[candidates[np.argmin(v[candidates])]] = 2
            changed = True
    return len(unprotected)


def _disclosed(v: np.ndarray, s: np.ndarray, k: int, suppress_zeros: bool) -> bool:
    """Whether the line total pins any hidden cell of the line to one value.

    A reader knows the sum ``S`` of the hidden cells (line total minus the shown cells) and
    a range for each: ``[1, k-1]`` (``[0, k-1]`` with hidden zeros) for ``"<k"`` cells and
    ``[k, inf)`` for ``"[c]"`` cells. Cell ``i`` is pinned when the feasible range
    ``[max(L_i, S - sum U_j), min(U_i, S - sum L_j)]`` (sums over the other hidden cells)
    holds one value.
    """
    hidden = s > 0
    total = int(v[hidden].sum())
    lo = np.where(s[hidden] == 1, 0 if suppress_zeros else 1, k).astype(float)
    hi = np.where(s[hidden] == 1, k - 1, np.inf)
    sum_lo = lo.sum()
    n_inf = int(np.isinf(hi).sum())
    finite_hi = hi[np.isfinite(hi)].sum()
    for j in range(len(lo)):
        others_inf = n_inf - int(np.isinf(hi[j]))
        others_hi = np.inf if others_inf else finite_hi - (hi[j] if np.isfinite(hi[j]) else 0)
        low = max(lo[j], total - others_hi)
        high = min(hi[j], total - (sum_lo - lo[j]))
        if low >= high:
            return True
    return False


def _round5(v: np.ndarray) -> np.ndarray:
    """Round to the nearest 5, halves up (only whole numbers reach here, so no ties)."""
    return (np.floor(v / 5 + 0.5) * 5).astype(np.int64)


def _partner(col: str, count_columns: list[str]) -> str | None:
    """Find the count column a derived column follows (None: follow every count column)."""
    if len(count_columns) == 1:
        return count_columns[0]
    suffix = col.split("_", 1)[1] if "_" in col else ""
    for c in count_columns:
        if "_" in c and c.split("_", 1)[1] == suffix:
            return c
    return None


def suppress_labelled(table: pd.DataFrame, k: int = 5, **kwargs: Any) -> pd.DataFrame:
    """:func:`suppress` in the printed form (:func:`labelled`): labels in the count columns.

    For callers written against the labelled layout (the period comparison). Same
    parameters as :func:`suppress`.

    Examples
    --------
    >>> from hotspots.privacy.suppress import suppress_labelled
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C", "D"], "n": [3, 8, 40, 0]})
    >>> suppress_labelled(t)["n"].tolist()
    ['<5', '[c]', 40, 0]
    """
    return labelled(suppress(table, k, **kwargs))
