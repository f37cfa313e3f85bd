"""Protect every table published together with one consistent set of suppressions.

A reader holds all the tables of a committee paper at once. A ward table and a constituency
table each protected on its own leak through nesting (a constituency total minus its shown
wards gives the hidden ward); a table split by recency leaks through the unsplit table. A
:class:`Release` takes all the tables that will be published side by side, builds the
linear relations a reader can write down (:mod:`hotspots.privacy._model`), and chooses the
secondary suppressions for all of them together; :func:`hotspots.privacy.audit` then checks
the result by linear programming.

What the model holds
--------------------
- every count of every table, once: the same count in two tables (a ward's 2019 count in
  the ward table and in the comparison) is one cell, hidden in both or shown in both;
- per table, period, level and ``by`` group: the areas add up to the group total, which the
  reader is assumed to know (it follows from any shown count and its share);
- with ``by``: the groups of an area add up to its unsplit count, published in the release
  or assumed known to the reader (``unsplit_known=True``, the default), and the group
  totals to the grand total;
- with ``areas`` and tables at two levels: each higher area equals the sum of the lower
  areas the boundary lookup puts in it (``Outside district`` and ``Unknown location`` map to
  themselves), when the counts add up exactly. Where they do not (incidents in slivers
  where the levels do not quite nest, or areas split between higher ones), a reader cannot
  know the difference and the relation is left out; its name is listed in
  :attr:`AuditResult.approximate_relations`. A reader who assumes exact nesting then gets
  the hidden cell wrong by the number of sliver incidents, which is usually small: such
  releases are protected against exact, not approximate, recovery there.

Choosing the suppressions (a documented heuristic the audit confirms)
--------------------------------------------------------------------
1. Primary: counts from 1 to ``k - 1`` (and zeros with ``suppress_zeros``).
2. Relation by relation: while a relation on its own narrows a primary cell's interval
   below ``k`` or pins a hidden cell, hide the smallest non-zero shown count of that
   relation (the least information lost; ties: the first cell).
3. The audit (linear programming over all relations together); for each failing cell,
   hide the smallest non-zero shown count among the relations that narrow it; back to 2.
   This ends when the audit passes or nothing is left to hide (then :meth:`Release.protect`
   leaves the release failing and every public writer refuses it).
Cells are never hidden by making zeros secret, so a ``"[c]"`` cell is known to be ``k`` or
more, and the audit uses that.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.errors import Problem, ValidationError
from hotspots.privacy._model import PRIMARY, SECONDARY, SHOWN, Model
from hotspots.privacy._relations import Entry, build_model, single_relation
from hotspots.privacy.audit import AuditResult, ProtectionRule, audit_model
from hotspots.privacy.suppress import _default_derived, render

__all__ = ["Release", "protect"]

logger = logging.getLogger(__name__)

#: columns of a comparison table computed from its two counts
_COMPARISON_DERIVED = ("share_before", "share_after", "change", "pct_change", "p_etest",
                       "share_change", "p_sppt", "q_sppt", "dispersion", "p_change",
                       "q_change", "significant", "direction")

_MAX_ROUNDS = 500
#: candidates tried for one cell the audit fails before it is given up
_TRIES = 12


class Release:
    """Every table published together, protected together and audited.

    Parameters
    ----------
    k : int, default 5
        Counts from 1 to ``k - 1`` are hidden (``"<k"``).
    areas : AreaSet, optional
        The boundaries the tables were made with; needed when tables at two levels are
        released together (the lookup says which lower areas make up each higher one).
        Any object with ``level_names`` and a ``lookup`` frame (``<lowest>`` and
        ``<higher>`` name columns) will do.
    suppress_zeros : bool, default False
        Hide zeros too (as ``"<k"``).
    rule : ProtectionRule, optional
        The audit's rule (default: :class:`~hotspots.privacy.ProtectionRule` with ``k``).
    prune : bool, default True
        After the audit passes, show again each secondary cell (largest first) that the
        audit does not need, so the pattern is minimal (one audit per secondary cell, at
        most ``prune_limit``).
    prune_limit : int, default 200
    unsplit_known : bool, default True
        Assume the reader knows each area's count over all ``by`` groups even when no
        unsplit table is in the release (the safe side: the unsplit table is usually
        published too, or was before). Pass False when it is certainly not public.

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        After :meth:`protect`: the protected tables, in the numeric format of
        :func:`~hotspots.privacy.suppress` (``n`` as ``Int64`` with ``<NA>``, ``n_display``).
    audit_result : AuditResult or None
        After :meth:`protect`.

    Examples
    --------
    >>> from hotspots.privacy import Release
    >>> import pandas as pd
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C", "D"], "n": [3, 8, 40, 0]})
    >>> release = Release(k=5).add(t, name="t").protect()
    >>> release.tables["t"]["n_display"].tolist()
    ['<5', '[c]', '40', '0']
    >>> release.audit_result.passed
    True
    """

    def __init__(self, k: int = 5, *, areas: Any = None, suppress_zeros: bool = False,
                 rule: ProtectionRule | None = None, prune: bool = True,
                 prune_limit: int = 200, unsplit_known: bool = True) -> None:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
            raise ValueError(f"The 'k' parameter of Release must be an int >= 2. Got {k!r} "
                             "instead.")
        self.k = int(k)
        self.areas = areas
        self.suppress_zeros = bool(suppress_zeros)
        self.rule = rule or ProtectionRule(k=self.k, hidden_zeros=self.suppress_zeros)
        self.prune = bool(prune)
        self.unsplit_known = bool(unsplit_known)
        self.prune_limit = int(prune_limit)
        self._entries: list[Entry] = []
        self.model = Model()
        self.tables: dict[str, pd.DataFrame] = {}
        self.audit_result: AuditResult | None = None

    # --- adding tables ----------------------------------------------------------------------
    def add(self, table: pd.DataFrame, *, name: str | None = None, level: str | None = None,
            period: str | None = None, by: str | Sequence[str] | None = None,
            area_column: str = schema.AREA_NAME, count_column: str = "n",
            share_columns: Sequence[str] | None = None) -> Release:
        """Add an area table (e.g. from :func:`~hotspots.areas.area_counts`, unsuppressed).

        ``level``, ``period`` and ``by`` default to what the table's ``attrs["hotspots"]``
        record. Returns the release, so calls chain.
        """
        info = _attrs(table)
        by_cols = _by_list(by if by is not None else info.get("by"))
        level = level or info.get("level") or "area"
        period = str(period if period is not None else (info.get("period") or "all"))
        if share_columns is None:
            share_columns = _default_derived(table, [count_column], by_cols, area_column)
        self._add_entry(table, name, level, by_cols, {count_column: period},
                        list(share_columns), area_column)
        return self

    def add_comparison(self, comparison: Any, *, name: str | None = None) -> Release:
        """Add a period comparison (:class:`~hotspots.change.PeriodComparison`, unsuppressed).

        Its ``n_before``/``n_after`` are the same cells as the area tables of its level for
        those periods, so a count is hidden in both or shown in both; the change, shares,
        p-values and direction of a row with a hidden count are hidden.
        """
        if getattr(comparison, "suppressed", False):
            raise ValidationError(Problem("already_suppressed", "Add the comparison before "
                                          "suppression; the release suppresses it."))
        table = comparison.table
        # the named columns, and every other numeric one (p-values of any test...): hidden
        # with the counts of their row
        named = [c for c in _COMPARISON_DERIVED if c in table.columns]
        derived = list(dict.fromkeys([*named, *_default_derived(
            table, ["n_before", "n_after"], _by_list(comparison.by), schema.AREA_NAME)]))
        periods = {"n_before": comparison.before.label, "n_after": comparison.after.label}
        self._add_entry(table, name, comparison.level, _by_list(comparison.by), periods,
                        derived, schema.AREA_NAME)
        return self

    def _add_entry(self, table: pd.DataFrame, name: str | None, level: str, by: list[str],
                   periods: dict[str, str], share_columns: list[str], area_column: str) -> None:
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"Release.add needs a DataFrame, got {type(table).__name__}.")
        stamp = _attrs(table).get("suppression")
        if stamp and stamp.get("mode") == "public":
            raise ValidationError(Problem("already_suppressed", "This table has already been "
                                          "suppressed; add the original table instead."))
        missing = [c for c in [*periods, *by, area_column, *share_columns]
                   if c not in table.columns]
        if missing:
            found = ", ".join(map(str, table.columns))
            raise ValidationError([Problem("missing_column", f"Release needs the column {c!r}."
                                           f" Columns found: {found}.", column=c)
                                   for c in missing])
        name = name or f"table {len(self._entries) + 1}"
        if any(e.name == name for e in self._entries):
            raise ValueError(f"Release: two tables are named {name!r}; give each its own name.")
        table = table.reset_index(drop=True)
        self._entries.append(Entry(name, table, level, by, periods, share_columns,
                                    area_column))

    def _build(self) -> None:
        self.model = build_model(self._entries, self.areas, self.unsplit_known)

    # --- protection -------------------------------------------------------------------------
    def protect(self) -> Release:
        """Choose the suppressions for every table, render them and audit the release.

        Returns
        -------
        Release
            ``self``, with :attr:`tables` and :attr:`audit_result` filled. A release that
            cannot be protected keeps a failing :attr:`audit_result`; writers refuse it
            (:meth:`AuditResult.raise_if_failed`).
        """
        if not self._entries:
            raise ValueError("Release.protect: add at least one table first.")
        self._build()
        model = self.model
        values, known = model.arrays()
        st = model.status
        st[(~known) & (values >= 1) & (values < self.k)] = PRIMARY
        if self.suppress_zeros:
            st[(~known) & (values == 0)] = PRIMARY
        result = None
        self._given_up: set[int] = set()
        for _ in range(_MAX_ROUNDS):
            self._line_pass(values, known)
            result = audit_model(model, self.rule, exact=False)
            if result.passed or not self._audit_pass(result, values, known):
                break
        if result is not None and result.passed and self.prune:
            self._prune()
            result = audit_model(model, self.rule, exact=False)
        self.audit_result = result
        self._render()
        if result is not None and not result.passed:
            logger.warning("Release: %d cells stay unprotected: %s", len(result.failures),
                           result.failures[0])
        return self

    def _line_pass(self, values: np.ndarray, known: np.ndarray) -> None:
        """Hide cells until no relation on its own narrows or pins a hidden cell."""
        st = self.model.status
        # shortest relations first (a constituency and its wards before the whole table):
        # the cell hidden for a short line then usually protects the long one too
        relations = sorted(self.model.relations, key=lambda r: len(r.cells))
        changed = True
        while changed:
            changed = False
            for rel in relations:
                s = st[rel.cells]
                if not (s > 0).any() or not self._narrowed(rel, s, values):
                    continue
                if self._hide_smallest(rel.cells, values, known):
                    changed = True

    def _narrowed(self, rel: Any, s: np.ndarray, values: np.ndarray) -> bool:
        """Whether this relation alone narrows a primary cell below the width or pins one."""
        h = s > 0
        coefs = rel.coefs[h]
        rhs = rel.const - float(rel.coefs[~h] @ values[rel.cells[~h]])
        status = s[h]
        free_lo = np.zeros(len(status))
        free_hi = np.full(len(status), math.inf)
        lab_lo = np.where(status == PRIMARY, 0.0 if self.suppress_zeros else 1.0,
                          float(self.k))
        lab_hi = np.where(status == PRIMARY, float(self.k - 1), math.inf)
        lo_n, hi_n = single_relation(coefs, rhs, free_lo, free_hi)
        lo, hi = single_relation(coefs, rhs, lab_lo, lab_hi)
        narrow = (status == PRIMARY) & (hi_n - lo_n < self.rule.width)
        pinned = (lo >= hi) & (lab_lo < lab_hi) if self.rule.forbid_pinned else False
        return bool(np.any(narrow | pinned))

    def _hide_smallest(self, cells: np.ndarray, values: np.ndarray, known: np.ndarray) -> bool:
        st = self.model.status
        ok = (st[cells] == SHOWN) & ~known[cells] & (values[cells] > 0)
        if not ok.any():
            return False
        candidates = cells[ok]
        st[candidates[np.argmin(values[candidates])]] = SECONDARY
        return True

    def _audit_pass(self, result: AuditResult, values: np.ndarray, known: np.ndarray) -> bool:
        """Hide one more cell for a cell the audit failed; False when none helps.

        Candidates are the shown non-zero counts of the relations that narrow the failing
        cell, smallest first; a candidate is kept only if the cell's interval widens (or it
        passes), else it is shown again and the next is tried (at most ``_TRIES``, first from
        the relations that narrow it, then from those of the hidden cells linked to it).
        """
        st = self.model.status
        by_name = {r.name: r for r in self.model.relations}
        index = {label: i for i, label in enumerate(self.model.labels)}
        failing = result.cells[~result.cells["passed"]]
        for row in failing.itertuples(index=False):
            cell = index[row.cell]
            if cell in self._given_up:
                continue
            pool = [by_name[n].cells for n in str(row.relations).split("; ") if n in by_name]
            if not pool:
                self._given_up.add(cell)
                continue
            # first the relations that narrow the cell, then every relation of the hidden
            # cells linked to it (the partner a pinned cell needs may sit a step away)
            direct = np.unique(np.concatenate(pool))
            linked = self._linked_cells(cell)
            candidates = []
            for cells in (direct, linked):
                ok = (st[cells] == SHOWN) & ~known[cells] & (values[cells] > 0)
                ordered = cells[ok][np.argsort(values[cells[ok]], kind="stable")]
                candidates += [c for c in ordered.tolist() if c not in candidates]
            before = (row.high_numbers - row.low_numbers, row.high - row.low)
            snapshot = st.copy()
            for cand in candidates[:_TRIES]:
                st[cand] = SECONDARY
                # the cells this one needs in its own relations (e.g. the rest of a
                # rectangle in a two-way table) come with it
                self._line_pass(values, known)
                trial = audit_model(self.model, self.rule, exact=False,
                                    focus=np.array([cell]))
                now = trial.cells[trial.cells["cell"] == row.cell].iloc[0]
                after = (now.high_numbers - now.low_numbers, now.high - now.low)
                if now.passed or after[0] > before[0] or after[1] > before[1]:
                    return True
                st[:] = snapshot
            self._given_up.add(cell)
        return False

    def _linked_cells(self, cell: int) -> np.ndarray:
        """Every cell of the relations that link ``cell`` to other hidden cells."""
        st = self.model.status
        group, frontier, cells = {cell}, [cell], set()
        rels = self.model.relations
        while frontier:
            nxt = []
            for rel in rels:
                members = rel.cells.tolist()
                if not group.intersection(frontier) or not set(frontier) & set(members):
                    continue
                cells.update(members)
                for m in members:
                    if st[m] > 0 and m not in group:
                        group.add(m)
                        nxt.append(m)
            frontier = nxt
        return np.array(sorted(cells), dtype=np.int64)

    def _prune(self) -> None:
        """Show again every secondary cell the audit does not need, largest first.

        Afterwards the pattern is minimal: showing any one secondary cell fails the audit.
        """
        st = self.model.status
        values, _ = self.model.arrays()
        secondary = np.flatnonzero(st == SECONDARY)
        for i in secondary[np.argsort(-values[secondary], kind="stable")][:self.prune_limit]:
            st[i] = SHOWN
            mine = [r for r in self.model.relations if i in r.cells]
            # a relation that on its own narrows a cell rejects the change without an LP
            if any(self._narrowed(r, st[r.cells], values) for r in mine
                   if (st[r.cells] > 0).any()):
                st[i] = SECONDARY
                continue
            # only the hidden cells linked to this one can be affected by showing it
            linked = [r.cells for r in mine]
            near = np.unique(np.concatenate(linked)) if linked else np.zeros(0, np.int64)
            near = near[st[near] > 0]
            if len(near) and not audit_model(self.model, self.rule, exact=False,
                                             focus=near).passed:
                st[i] = SECONDARY

    def _render(self) -> None:
        st = self.model.status
        values, _ = self.model.arrays()
        summary = self.audit_result.to_dict() if self.audit_result is not None else {}
        summary.pop("cells", None)
        self.tables = {}
        for e in self._entries:
            assert e.cells is not None
            counts = {c: values[idx] for c, idx in e.cells.items()}
            status = {c: st[idx].copy() for c, idx in e.cells.items()}
            out = render(e.table, counts, status, k=self.k, share_columns=e.share_columns)
            stamp = out.attrs["hotspots"]["suppression"]
            stamp.update({
                "mode": "public", "suppress_zeros": self.suppress_zeros,
                "n_primary": int(sum((s == PRIMARY).sum() for s in status.values())),
                "n_secondary": int(sum((s == SECONDARY).sum() for s in status.values())),
                "release": [x.name for x in self._entries], "audit": copy.deepcopy(summary),
            })
            self.tables[e.name] = out

    def audit(self, rule: ProtectionRule | None = None) -> AuditResult:
        """Audit the current suppression pattern (see :func:`hotspots.privacy.audit`)."""
        if self.model.status.size != len(self.model.keys) or not self.model.keys:
            raise ValueError("Release.audit: protect the release first.")
        return audit_model(self.model, rule or self.rule)

    def apply(self, protected: dict[str, pd.DataFrame]) -> AuditResult:
        """Audit tables protected elsewhere (e.g. one at a time) as this release's tables.

        ``protected`` maps the names given to :meth:`add` to the suppressed tables, in the
        numeric format (``<col>_display``) or the printed one (labels in the count columns).
        A count hidden in one table but shown in another is shown: the reader has it.

        Returns
        -------
        AuditResult
            Also stored as :attr:`audit_result`.
        """
        self._build()
        st = self.model.status
        seen_hidden = np.zeros(len(st), dtype=bool)
        seen_shown = np.zeros(len(st), dtype=bool)
        for e in self._entries:
            if e.name not in protected:
                raise KeyError(f"Release.apply: no protected table for {e.name!r}.")
            table = protected[e.name].reset_index(drop=True)
            assert e.cells is not None
            for col, idx in e.cells.items():
                shown = table.get(f"{col}_display", table[col]).astype(object).to_numpy()
                text = np.array([str(v) for v in shown])
                missing = (text == "<NA>") | (text == "nan") | (text == "None")
                primary = np.char.startswith(text, "<") & ~missing
                secondary = (text == "[c]") | missing
                st[idx[primary]] = np.maximum(st[idx[primary]], PRIMARY)
                st[idx[secondary]] = SECONDARY
                seen_hidden[idx[primary | secondary]] = True
                seen_shown[idx[~(primary | secondary)]] = True
        st[seen_shown] = SHOWN
        self.audit_result = audit_model(self.model, self.rule)
        return self.audit_result

    def source(self, name: str) -> pd.DataFrame:
        """Return the unprotected table added as ``name`` (for restricted outputs)."""
        for e in self._entries:
            if e.name == name:
                return e.table
        raise KeyError(f"Release: no table named {name!r}; tables: "
                       f"{', '.join(e.name for e in self._entries)}.")

    def hidden_cells(self) -> list[str]:
        """Labels of the hidden cells (after :meth:`protect`)."""
        return [self.model.labels[i] for i in np.flatnonzero(self.model.status > 0)]

    def unhide(self, label: str) -> None:
        """Show a hidden cell again (to test that the audit catches the leak it opens)."""
        i = self.model.labels.index(label)
        self.model.status[i] = SHOWN

    def __repr__(self) -> str:
        state = ("not protected" if self.audit_result is None
                 else f"audit {'passed' if self.audit_result.passed else 'FAILED'}")
        return f"Release(k={self.k}, tables={[e.name for e in self._entries]}, {state})"


def protect(tables: Iterable[pd.DataFrame] | dict[str, pd.DataFrame], *, k: int = 5,
            areas: Any = None, comparisons: Iterable[Any] = (),
            suppress_zeros: bool = False) -> Release:
    """Protect tables published together, and audit them: one call for :class:`Release`.

    Parameters
    ----------
    tables : iterable or dict of pandas.DataFrame
        Unsuppressed area tables (a dict names them).
    k : int, default 5
    areas : AreaSet, optional
        Needed when the tables are at more than one level.
    comparisons : iterable of PeriodComparison
        Unsuppressed comparisons published with the tables.
    suppress_zeros : bool, default False

    Returns
    -------
    Release
        Protected; check ``release.audit_result.passed`` (writers refuse a failing one).

    Examples
    --------
    >>> from hotspots.privacy import protect
    >>> import pandas as pd
    >>> t = pd.DataFrame({"area_name": ["A", "B", "C"], "n": [1, 1, 50]})
    >>> protect({"t": t}).tables["t"]["n_display"].tolist()
    ['<5', '<5', '[c]']
    """
    release = Release(k, areas=areas, suppress_zeros=suppress_zeros)
    items = tables.items() if isinstance(tables, dict) else ((None, t) for t in tables)
    for name, table in items:
        release.add(table, name=name)
    for i, cmp in enumerate(comparisons):
        release.add_comparison(cmp, name=f"comparison {i + 1}")
    return release.protect()


# --- helpers ----------------------------------------------------------------------------------
def _attrs(table: pd.DataFrame) -> dict[str, Any]:
    return dict((getattr(table, "attrs", None) or {}).get("hotspots", {}) or {})


def _by_list(by: Any) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)
