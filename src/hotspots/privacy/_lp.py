"""Small linear programmes solved many times with different objectives (HiGHS).

The audit solves the same constraints ``A x = b, lo <= x <= hi`` for many objectives. With
``highspy`` (HiGHS's own Python interface) the model is passed once and each new objective
starts from the previous basis, about twenty times faster than a fresh
:func:`scipy.optimize.linprog` call (same solver); without it, ``linprog(method="highs")``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

try:  # pragma: no cover - which branch runs depends on the environment
    import highspy
except ImportError:  # pragma: no cover
    highspy = None  # type: ignore[assignment]  # optional dependency


_banner_shown = False


def _new_highs() -> Any:
    """Make a silent HiGHS instance.

    The first one of a process prints a banner to the C stdout, which is sent to the null
    device so that command-line output stays clean.
    """
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
    h.setOptionValue("output_flag", False)
    return h


class LinearProgram:
    """``min/max c @ x`` subject to ``a x = b`` and bounds; ``a`` sparse, bounds finite."""

    def __init__(self, a: sp.spmatrix, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        self.a = sp.csc_matrix(a)
        self.b = np.asarray(b, dtype=float)
        self.lo = np.asarray(lo, dtype=float)
        self.hi = np.asarray(hi, dtype=float)
        self.m = self.a.shape[1]
        self._h = None
        if highspy is not None:
            h = _new_highs()
            lp = highspy.HighsLp()
            lp.num_col_ = self.m
            lp.num_row_ = self.a.shape[0]
            lp.col_cost_ = np.zeros(self.m)
            lp.col_lower_ = self.lo
            lp.col_upper_ = self.hi
            lp.row_lower_ = self.b
            lp.row_upper_ = self.b
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = self.a.indptr.astype(np.int32)
            lp.a_matrix_.index_ = self.a.indices.astype(np.int32)
            lp.a_matrix_.value_ = self.a.data.astype(float)
            h.passModel(lp)
            self._h = h
            self._all = np.arange(self.m, dtype=np.int32)

    def solve(self, c: np.ndarray, *, maximize: bool = False) -> np.ndarray | None:
        """Return the optimal ``x`` (None when there is no optimum)."""
        c = np.asarray(c, dtype=float)
        if self._h is None:
            res = linprog(-c if maximize else c, A_eq=self.a, b_eq=self.b,
                          bounds=list(zip(self.lo, self.hi, strict=True)), method="highs")
            return res.x if res.status == 0 else None
        h = self._h
        h.changeColsCost(self.m, self._all, c)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize
                               else highspy.ObjSense.kMinimize)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(h.getSolution().col_value, dtype=float)

    def extent(self, q: int) -> tuple[float, float] | None:
        """Smallest and largest value of variable ``q`` (None when infeasible)."""
        c = np.zeros(self.m)
        c[q] = 1.0
        low = self.solve(c)
        high = self.solve(c, maximize=True)
        if low is None or high is None:
            return None
        return float(low[q]), float(high[q])
