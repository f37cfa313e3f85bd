"""Multiple-testing corrections of p-values (numpy only).

One implementation shared by every verb that reports many p-values at once (Gi* per cell,
the SPPT per area, emerging hot spots per cell and period), so "fdr_by" means the same thing
everywhere. Names follow statsmodels' ``multipletests``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["PADJUST_METHODS", "adjust_pvalues"]

#: Accepted ``method`` values of :func:`adjust_pvalues`.
PADJUST_METHODS = ("none", "bonferroni", "holm", "fdr_bh", "fdr_by")
#: From this many p-values on, :func:`_ascending` sorts packed keys rather than argsorting.
PACKED_SORT_MIN = 4096


def adjust_pvalues(p: ArrayLike, method: str = "fdr_bh") -> np.ndarray:
    r"""Adjust p-values for multiple testing.

    Parameters
    ----------
    p : array-like of float
        Raw p-values, any shape. Missing values (NaN) are kept as NaN and are not counted
        as tests (so an area dropped from a test does not inflate the correction).
    method : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}
        ``"fdr_bh"``: Benjamini–Hochberg false discovery rate; ``"fdr_by"``:
        Benjamini–Yekutieli (valid under any dependence, more conservative); ``"holm"``:
        Holm's step-down family-wise correction (R's ``p.adjust`` default);
        ``"bonferroni"``; ``"none"`` returns the p-values unchanged.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (q-values for the FDR methods), same shape as ``p``, capped at 1.

    Raises
    ------
    ValueError
        When ``method`` is unknown or a p-value lies outside [0, 1].

    Notes
    -----
    With ``m`` tests and sorted p-values :math:`p_{(1)} \le \dots \le p_{(m)}`:

    - BH: :math:`q_{(i)} = \min_{j \ge i} \min(1, m\,p_{(j)}/j)`;
    - BY: BH multiplied by :math:`c(m) = \sum_{k=1}^m 1/k`;
    - Holm: :math:`\max_{j \le i} \min(1, (m - j + 1)\,p_{(j)})`.

    These equal ``scipy.stats.false_discovery_control`` (BH/BY) and R's ``p.adjust``.

    Examples
    --------
    >>> from hotspots.stats import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03], "fdr_bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    if method not in PADJUST_METHODS:
        shown = ", ".join(repr(m) for m in PADJUST_METHODS)
        raise ValueError(f"The 'method' parameter must be one of {shown}. Got {method!r} instead.")
    arr = np.asarray(p, dtype=float)
    flat = arr.ravel()
    ok = ~np.isnan(flat)
    complete = bool(ok.all())
    # no NaN (the usual case): no masked copy in, no masked scatter out
    vals = flat if complete else flat[ok]
    if np.any((vals < 0) | (vals > 1)):
        raise ValueError("p-values must lie between 0 and 1.")
    m = vals.size
    if method == "none" or m == 0:
        adj = vals.copy()
    elif method == "bonferroni":
        adj = np.minimum(1.0, vals * m)
    else:
        adj = _stepped(vals, method)
    if complete:
        return adj.reshape(arr.shape)
    out = np.full(arr.shape, np.nan)
    flat_out = out.ravel()
    flat_out[ok] = adj
    return flat_out.reshape(arr.shape)


def _stepped(vals: np.ndarray, method: str) -> np.ndarray:
    """Holm, BH or BY adjusted values of non-missing p-values (in their order)."""
    m = vals.size
    # any order that sorts the values will do: tied p-values get the same adjusted
    # value whatever their order, since the running min (max) over a block of ties is
    # reached at its last (first) rank
    order, ranked = _ascending(vals)
    rank = np.arange(1, m + 1)
    if method == "holm":
        stepped = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * ranked))
    else:
        # ``ranked * m * factor / rank`` falls within a block of tied p-values, so the
        # running minimum from the end is reached at each block's last rank: it is taken
        # over those ranks only (a Gi* grid of 150k cells has a few hundred distinct
        # p-values), then spread over the blocks; the same values, with the same rounding
        last = np.append(np.flatnonzero(ranked[1:] != ranked[:-1]), m - 1)
        raw = ranked[last] * m
        if method == "fdr_by":
            raw *= np.sum(1.0 / rank)
        raw /= rank[last]
        backwards = raw[::-1]
        np.minimum.accumulate(backwards, out=backwards)
        np.minimum(raw, 1.0, out=raw)
        stepped = np.repeat(raw, np.diff(last, prepend=-1))
    adj = np.empty(m)
    adj[order] = stepped
    return adj


def _ascending(vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort p-values in [0, 1]: an ascending order (ties in any order) and the sorted values.

    ``np.argsort`` of 150k p-values takes ~5-10 ms; numpy's SIMD ``np.sort`` of uint64 keys
    takes ~1.5 ms. A non-negative double's bit pattern orders as its value, and the top two
    bits are 0 for values up to 1, so each key is the value's bits shifted up by two with
    the lowest bits replaced by the value's index: sorting the keys sorts the values down
    to the last ~34 mantissa bits and carries the order with them. Two different values
    that agree in all the kept bits could come out in the wrong order, so the result is
    checked (non-decreasing) and, if it is not, put right by a stable sort of the nearly
    sorted values: exact either way.
    """
    m = vals.size
    if m >= PACKED_SORT_MIN:
        low = np.uint64((1 << (m - 1).bit_length()) - 1)
        key = (vals.view(np.uint64) << np.uint64(2)) & ~low
        key |= np.arange(m, dtype=np.uint64)
        key.sort()
        order = (key & low).astype(np.intp)
        ranked = vals[order]
        if (ranked[1:] >= ranked[:-1]).all():
            return order, ranked
        # nearly sorted: a stable (merge) sort of it runs in about linear time
        order = order[np.argsort(ranked, kind="stable")]
        return order, vals[order]
    order = np.argsort(vals)
    return order, vals[order]
