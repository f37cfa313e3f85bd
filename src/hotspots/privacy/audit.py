"""Attack a release as a hostile reader would: linear programming over every published number.

For each hidden cell, :func:`audit` computes the smallest and largest value consistent with
everything the release publishes (shown counts, totals, how tables add up across areas,
groups, levels and periods) and with non-negativity, by linear programming (HiGHS, through
``highspy`` or :func:`scipy.optimize.linprog`): the attack of sdcTable's ``attack()`` and
tau-Argus's audit. The intervals are rounded inwards to whole numbers (counts are whole).

The default rule (:class:`ProtectionRule`) asks two things:

1. every primary cell (a count from 1 to ``k - 1``) keeps an interval at least ``k`` wide
   when the reader uses the published numbers and non-negativity only;
2. no hidden cell is pinned to one value even when the reader also uses what the labels
   say (``"<k"``: 1 to ``k - 1``; ``"[c]"``: ``k`` or more, since zeros are shown).

A total the reader is assumed to know (e.g. the district total, derivable from any shown
count and its share) that lies between 1 and ``k - 1`` fails the audit too.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from hotspots.errors import PublicModeError
from hotspots.privacy._lp import LinearProgram
from hotspots.privacy._model import PRIMARY, SECONDARY, Model

__all__ = ["AuditResult", "ProtectedRelease", "ProtectionRule", "audit", "audit_model"]


class ProtectedRelease(Protocol):
    """What :func:`audit` reads of a :class:`~hotspots.privacy.Release`.

    A protocol rather than an import of :mod:`hotspots.privacy.release`, which imports this
    module: the two would form a cycle.
    """

    k: int
    suppress_zeros: bool
    model: Model

_STATUS = {PRIMARY: "primary", SECONDARY: "secondary"}
_EPS = 1e-6


@dataclass(frozen=True)
class ProtectionRule:
    """What a hidden cell's interval must satisfy for the release to pass.

    Parameters
    ----------
    k : int, default 5
        The suppression threshold: counts from 1 to ``k - 1`` are primary cells.
    min_width : int, optional
        Smallest width (``high - low``) of a primary cell's interval from the published
        numbers and non-negativity. Default ``k``.
    forbid_pinned : bool, default True
        Fail when any hidden cell has one possible value once the labels are used too.
    hidden_zeros : bool, default False
        Whether zeros were hidden (then a ``"<k"`` cell may be 0).

    Examples
    --------
    >>> from hotspots.privacy import ProtectionRule
    >>> ProtectionRule(k=10).width
    10
    """

    k: int = 5
    min_width: int | None = None
    forbid_pinned: bool = True
    hidden_zeros: bool = False

    @property
    def width(self) -> int:
        """The width a primary interval needs."""
        return self.k if self.min_width is None else int(self.min_width)


@dataclass
class AuditResult:
    """The outcome of :func:`audit`: per-cell intervals, pass or fail, and why.

    Attributes
    ----------
    passed : bool
        True when every hidden cell meets the rule and no known total is below ``k``.
    rule : ProtectionRule
    cells : pandas.DataFrame
        One row per hidden cell: ``cell`` (table, area, group), ``status``
        (primary/secondary), ``low_numbers, high_numbers`` (interval from the numbers and
        non-negativity; ``high`` may be ``inf``), ``low, high`` (with what the labels say
        too), ``passed``, ``reason`` and ``relations`` (the relations that narrow it).
        It holds no hidden value, only what a reader could work out.
    failures : list of str
        One message per failing cell, naming it and the relations a reader would use.
    n_relations : int
        Relations a reader can write down.
    n_cells : int
        Cells in the release (shown, hidden and assumed-known totals).
    approximate_relations : list of str
        Relations between levels that the counts do not satisfy exactly (sliver
        incidents), left out of the attack (see :mod:`hotspots.privacy.release`).
    exact : bool
        Whether every interval was computed exactly; otherwise intervals that already meet
        the rule are inner bounds (the true interval is at least as wide).

    Examples
    --------
    >>> from hotspots.privacy import Release, audit
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C", "D"], "n": [3, 8, 40, 0]})
    >>> result = audit(Release(k=5).add(t, name="t").protect())
    >>> result.passed, result.n_cells, result.failures
    (True, 5, [])
    >>> print(result.cells[["cell", "status", "low", "high", "passed"]].to_string())
                cell     status  low  high  passed
    0  A (area, all)    primary  1.0   4.0    True
    1  B (area, all)  secondary  7.0  10.0    True
    """

    passed: bool
    rule: ProtectionRule
    cells: pd.DataFrame
    failures: list[str] = field(default_factory=list)
    n_relations: int = 0
    n_cells: int = 0
    approximate_relations: list[str] = field(default_factory=list)
    exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able summary for the output manifest (intervals, never true values)."""
        cells = [
            {key: (None if isinstance(val, float) and math.isinf(val) else val)
             for key, val in row.items()}
            for row in self.cells.to_dict(orient="records")
        ]
        return {
            "passed": bool(self.passed), "rule": asdict(self.rule), "exact": self.exact,
            "n_cells": self.n_cells, "n_relations": self.n_relations,
            "n_hidden": len(self.cells),
            "n_primary": int((self.cells["status"] == "primary").sum()) if len(cells) else 0,
            "n_secondary": (int((self.cells["status"] == "secondary").sum())
                            if len(cells) else 0),
            "failures": list(self.failures),
            "approximate_relations": list(self.approximate_relations), "cells": cells,
        }

    def raise_if_failed(self, what: str = "This release") -> None:
        """Raise :class:`~hotspots.errors.PublicModeError` naming the first failures."""
        if self.passed:
            return
        shown = "\n  - ".join(self.failures[:5])
        more = f"\n  (and {len(self.failures) - 5} more)" if len(self.failures) > 5 else ""
        raise PublicModeError(
            f"{what} fails the disclosure audit (k={self.rule.k}); a reader holding every "
            f"published table could work out:\n  - {shown}{more}\nPublish fewer splits, a "
            "higher level, or longer periods, or keep the output restricted."
        )

    def __repr__(self) -> str:
        return (f"AuditResult(passed={self.passed}, hidden={len(self.cells)}, "
                f"failures={len(self.failures)}, relations={self.n_relations})")


def audit(release: ProtectedRelease, rule: ProtectionRule | None = None, *,
          exact: bool | None = None) -> AuditResult:
    """Attack a protected release with linear programming and report each hidden cell.

    Parameters
    ----------
    release : Release
        A protected :class:`~hotspots.privacy.Release` (after :meth:`Release.protect`, or
        with its suppression pattern changed by hand).
    rule : ProtectionRule, optional
        Default: the release's ``k`` with the default rule.
    exact : bool, optional
        Compute every interval exactly (two LPs each); default when at most 100 cells
        are hidden. Otherwise the rule is proven from a few LP vertices and exact LPs are
        run only where those do not settle it (the pass/fail verdict is the same).

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> from hotspots.privacy import audit
    >>> import pandas as pd
    >>> from hotspots.privacy import Release
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C", "D"], "n": [3, 8, 40, 0]})
    >>> release = Release(k=5).add(t, name="t").protect()
    >>> audit(release).passed
    True
    """
    if rule is None:
        rule = ProtectionRule(k=release.k, hidden_zeros=release.suppress_zeros)
    return audit_model(release.model, rule, exact=exact)


def audit_model(model: Model, rule: ProtectionRule, *, exact: bool | None = None,
                focus: np.ndarray | None = None) -> AuditResult:
    """Audit a :class:`~hotspots.privacy._model.Model` (what :func:`audit` runs).

    ``exact``: compute every interval exactly (two LPs per interval); False proves each
    rule from the vertices of a few LPs with random objectives and solves exactly only the
    cells those do not settle (reported intervals are then inner bounds: the true ones
    are at least as wide). Default: exact when at most :data:`EXACT_LIMIT` cells are
    hidden. ``focus``: audit only the groups of linked hidden cells that contain these
    cells (for the search in :meth:`Release.protect`).
    """
    values, known = model.arrays()
    status = model.status
    hidden = np.flatnonzero(status > 0)
    if exact is None:
        exact = len(hidden) <= EXACT_LIMIT
    failures: list[str] = []
    if focus is None:
        small_known = np.flatnonzero(known & (values >= 1) & (values < rule.k))
        for i in small_known:
            failures.append(f"{model.labels[i]} is a published total below {rule.k}.")
        shown_small = np.flatnonzero(~known & (status == 0) & (values >= 1)
                                     & (values < rule.k))
        for i in shown_small:
            failures.append(f"{model.labels[i]} is shown although it is below {rule.k}.")
    rows = _hidden_rows(model, values, status, hidden)
    cap = float(values.sum()) + 1.0  # no count exceeds the sum of all: bounds every LP
    out = _intervals(rows, values, status, hidden, rule, exact=exact, cap=cap, focus=focus)
    records = []
    for local, i in enumerate(hidden):
        if out[local] is None:
            continue
        lo_n, hi_n, lo, hi, rel_ids = cast(tuple[float, float, float, float, list[int]],
                                           out[local])  # not None: checked just above
        st = int(status[i])
        reasons = []
        if st == PRIMARY and hi_n - lo_n < rule.width:
            reasons.append(f"its interval from the numbers, [{_fmt(lo_n)}, {_fmt(hi_n)}], "
                           f"is narrower than {rule.width}")
        label_lo, label_hi = _label_bounds(st, rule)
        if rule.forbid_pinned and lo == hi and label_lo != label_hi:
            reasons.append(f"it is pinned to {_fmt(lo)}")
        names = [model.relations[r].name for r in rel_ids[:3]]
        reason = "; ".join(reasons)
        records.append({"cell": model.labels[i], "status": _STATUS[st],
                        "low_numbers": lo_n, "high_numbers": hi_n, "low": lo, "high": hi,
                        "passed": not reasons, "reason": reason,
                        "relations": "; ".join(names)})
        if reasons:
            via = "; ".join(f"'{n}'" for n in names) or "its label"
            failures.append(f"{model.labels[i]} ({_STATUS[st]}): {reason}, using {via}.")
    cells = pd.DataFrame(records, columns=["cell", "status", "low_numbers", "high_numbers",
                                           "low", "high", "passed", "reason", "relations"])
    return AuditResult(passed=not failures, rule=rule, cells=cells, failures=failures,
                       n_relations=len(model.relations), n_cells=len(model.keys),
                       approximate_relations=list(model.approximate), exact=bool(exact))


#: audits with at most this many hidden cells compute every interval exactly by default
EXACT_LIMIT = 100
#: pairs of LPs with opposite random objectives per group of linked cells (inexact audits)
_N_SAMPLES = 6


def _fmt(v: float) -> str:
    return "inf" if math.isinf(v) else str(int(v))


def _label_bounds(st: int, rule: ProtectionRule) -> tuple[float, float]:
    if st == PRIMARY:
        return (0.0 if rule.hidden_zeros else 1.0), float(rule.k - 1)
    return float(rule.k), math.inf


def _hidden_rows(model: Model, values: np.ndarray, status: np.ndarray,
                 hidden: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray, float]]:
    """Each relation restricted to its hidden cells: (relation, local columns, coefs, rhs)."""
    pos = np.full(len(values), -1, dtype=np.int64)
    pos[hidden] = np.arange(len(hidden))
    rows = []
    for r, rel in enumerate(model.relations):
        h = status[rel.cells] > 0
        if not h.any():
            continue
        rhs = rel.const - float(rel.coefs[~h] @ values[rel.cells[~h]])
        rows.append((r, pos[rel.cells[h]], rel.coefs[h], rhs))
    return rows


def _intervals(rows: list[tuple[int, np.ndarray, np.ndarray, float]], values: np.ndarray,
               status: np.ndarray, hidden: np.ndarray, rule: ProtectionRule, *,
               exact: bool, cap: float, focus: np.ndarray | None
               ) -> list[tuple[float, float, float, float, list[int]] | None]:
    """Per hidden cell: interval from the numbers, interval with the labels, relations used.

    None for cells outside the focus.
    """
    n = len(hidden)
    if n == 0:
        return []
    label = np.array([_label_bounds(int(status[i]), rule) for i in hidden]).reshape(n, 2)
    free = np.column_stack([np.zeros(n), np.full(n, math.inf)])
    truth = values[hidden].astype(float)
    out: list[Any] = [None] * n
    if not rows:
        comp = np.arange(n)
        incidence = sp.csr_matrix((0, n))
        row_comp = np.zeros(0, dtype=np.int64)
    else:
        r_idx = np.concatenate([np.full(len(c), k) for k, (_, c, _, _) in enumerate(rows)])
        c_idx = np.concatenate([c for _, c, _, _ in rows])
        coef = np.concatenate([a for _, _, a, _ in rows])
        incidence = sp.csr_matrix((coef, (r_idx, c_idx)), shape=(len(rows), n))
        pattern = (incidence != 0).astype(np.int8)
        _, comp = connected_components(pattern.T @ pattern, directed=False)
        row_comp = comp[c_idx[np.r_[0, np.cumsum([len(c) for _, c, _, _ in rows])[:-1]]]]
    rhs = np.array([b for _, _, _, b in rows])
    wanted = np.unique(comp) if focus is None else np.unique(
        comp[np.isin(hidden, np.asarray(focus))])
    rng = np.random.default_rng(0)
    for c in wanted:
        cols = np.flatnonzero(comp == c)
        rsel = np.flatnonzero(row_comp == c)
        if len(rsel) == 0:
            for j in cols:
                out[j] = (0.0, math.inf, label[j, 0], label[j, 1], [])
            continue
        a = incidence[rsel][:, cols].tocsc()
        b = rhs[rsel]
        rel_of = [rows[r][0] for r in rsel]
        touching = [[rel_of[t] for t in a.indices[a.indptr[q]:a.indptr[q + 1]]]
                    for q in range(len(cols))]
        wide = status[hidden[cols]] == PRIMARY
        need_n = rule.width * wide.astype(float)  # width wanted from the numbers
        need_l = (label[cols, 0] < label[cols, 1]).astype(float)  # 1: must not be pinned
        res_n = _settle(a, b, free[cols], truth[cols], need_n, cap, exact, rng, wide)
        res_l = _settle(a, b, label[cols], truth[cols], need_l, cap, exact, rng,
                        np.ones(len(cols), dtype=bool))
        for q, j in enumerate(cols):
            lo_n, hi_n = res_n[q] if wide[q] else (0.0, math.inf)
            out[j] = (lo_n, hi_n, res_l[q][0], res_l[q][1], touching[q])
    return out


def _settle(a: sp.csc_matrix, b: np.ndarray, bounds: np.ndarray, truth: np.ndarray,
            need: np.ndarray, cap: float, exact: bool, rng: np.random.Generator,
            check: np.ndarray) -> list[tuple[float, float]]:
    """Interval of each variable (``check``ed ones): exact, or proven wide enough.

    Upper bounds are capped at ``cap`` (no count exceeds the sum of all counts); an
    interval reaching it is reported as unbounded.
    """
    m = a.shape[1]
    lo_b = bounds[:, 0]
    hi_b = np.minimum(bounds[:, 1], cap)
    lp = LinearProgram(a, b, lo_b, hi_b)
    seen_lo, seen_hi = truth.copy(), truth.copy()

    def unsettled() -> np.ndarray:
        lo, hi = np.ceil(seen_lo - _EPS), np.floor(seen_hi + _EPS)
        return check & (need > 0) & (hi - lo < need)

    if not exact:
        # Push the cells not yet shown wide enough down and up together (random positive
        # weights, then opposite signs): each pair of LPs settles most of them at once.
        for _ in range(_N_SAMPLES):
            todo = unsettled()
            if not todo.any():
                break
            # random signs: cells of one line go opposite ways, as their sum allows
            weights = rng.uniform(0.5, 1.5, size=m) * rng.choice([-1.0, 1.0], size=m)
            c = np.where(todo, weights, rng.normal(0, 0.01, size=m))
            for maximize in (False, True):
                x = lp.solve(c, maximize=maximize)
                if x is not None:
                    seen_lo = np.minimum(seen_lo, x)
                    seen_hi = np.maximum(seen_hi, x)
    seen_lo = np.ceil(seen_lo - _EPS)
    seen_hi = np.floor(seen_hi + _EPS)
    out = []
    for q in range(m):
        if not check[q]:
            out.append((0.0, math.inf))
            continue
        settled = need[q] == 0 or seen_hi[q] - seen_lo[q] >= need[q]
        if not exact and settled:
            lo, hi = float(seen_lo[q]), float(seen_hi[q])
        else:
            lo, hi = _solve(lp, q)
        out.append((lo, math.inf if hi >= cap - 0.5 else hi))
    return out


def _solve(lp: LinearProgram, q: int) -> tuple[float, float]:
    """Smallest and largest whole value of variable ``q`` in the programme ``lp``."""
    ext = lp.extent(q)
    if ext is None:
        # the true counts always satisfy the model, so this is a bug, not a data problem
        raise RuntimeError("audit: a linear programme of the audit has no optimum; please "
                           "report this.")
    return float(math.ceil(ext[0] - _EPS)), float(math.floor(ext[1] + _EPS))
