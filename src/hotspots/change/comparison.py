"""The result of :func:`hotspots.change.compare_periods`: a table with its tests and totals.

:class:`PeriodComparison` holds the comparison table, the totals and the top areas, shows
itself as HTML in a notebook, and :meth:`PeriodComparison.suppress` hides small numbers for
publication (with every value derived from a hidden count).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from html import escape
from typing import Any, Literal

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import check_in, check_positive
from hotspots.change._tests import CORRECTION_NAMES, TEST_NAMES
from hotspots.periods import Period
from hotspots.privacy.ranks import safe_top
from hotspots.privacy.suppress import suppress_labelled

__all__ = ["DIRECTIONS", "PSEUDO_AREAS", "PeriodComparison", "top_area"]

#: Values of the ``direction`` column of :attr:`PeriodComparison.table`.
DIRECTIONS = ("up", "down", "no significant change")

#: The two rows after the areas: located outside every area, and no location.
PSEUDO_AREAS = (schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION)


@dataclass(frozen=True, eq=False)
class PeriodComparison:
    """Counts and shares by area in two periods, with tests of the changes.

    Made by :func:`compare_periods`; read the table, or pass the object to
    :func:`hotspots.narrative.describe` for sentences.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area (and "Outside district", "Unknown location"), per ``by`` group;
        see :func:`compare_periods` for the columns.
    level : str
        Area level ("ward", "constituency").
    before, after : Period
        The two periods (half-open).
    by : str or None
        The column the table is split by.
    alpha : float
        Significance level used for ``significant`` and ``direction``.
    total_before, total_after : int or str
        Incidents in each period (all areas, unknown locations included). After
        :meth:`suppress`, a total below ``k`` becomes the string ``"<k"``.
    p_total : float
        p-value of the change in the totals, by ``test`` (on the monthly totals for the
        quasi-Poisson and negative binomial tests; the E-tests allow for the period
        lengths).
    top_before, top_after : str or None
        Area (of ``level``) with the highest count in each period, all ``by`` groups
        together; ties go to the first name in alphabetical order. Within one period the
        share is the count over the same total, so this is also the top area by share.
    vintage : str or None
        Boundary vintage of the areas ("2013").
    group_totals : pandas.DataFrame or None
        With ``by``: one row per group, columns ``[by], n_before, n_after, change,
        pct_change, p_etest``.
    suppressed : bool
        True when the table was passed through :func:`hotspots.privacy.suppress`.
    k : int or None
        Suppression threshold when ``suppressed``.
    overall : PeriodComparison or None
        With ``by``: the same comparison without the split (what the sentences describe).
    test : str
        The test of the count changes and of the totals: "quasi-poisson",
        "negative-binomial", "etest-score" or "etest-wald".
    correction : str
        Multiple-testing correction of ``significant`` across the rows ("fdr_bh", ...).
    dispersion : float
        Dispersion of the monthly totals (quasi-Poisson: variance over the Poisson
        variance; negative binomial: alpha); NaN for the E-tests.

    Examples
    --------
    >>> from hotspots import compare_periods, load_boundaries, simulate_incidents
    >>> areas = load_boundaries("bradford-2013")
    >>> incidents = simulate_incidents(areas, n_before=300, n_after=200, seed=1)
    >>> cmp = compare_periods(incidents, areas, level="ward", before="2017/18",
    ...                       after="2018/19")
    >>> cmp.total_change, round(cmp.total_pct_change, 1), cmp.significant_areas
    (-100, -33.3, ['Keighley Central'])
    >>> cmp.test_name, cmp.correction_name
    ('quasi-Poisson test', 'Benjamini–Hochberg')
    >>> cmp.top_areas("after", k=2)
           area_name  n_before  n_after
    0  Keighley East        48       32
    1  Bingley Rural        29       26

    For publication, :meth:`suppress` hides counts below ``k`` and everything derived
    from them:

    >>> public = cmp.suppress(5)
    >>> public.table[["area_name", "n_before", "n_after", "pct_change"]].head(2)
      area_name n_before n_after pct_change
    0   Baildon        5       8       60.0
    1   Bingley       <5       6        [c]
    """

    table: pd.DataFrame
    level: str
    before: Period
    after: Period
    by: str | None
    alpha: float
    total_before: int | str
    total_after: int | str
    p_total: float
    top_before: str | None
    top_after: str | None
    vintage: str | None = None
    group_totals: pd.DataFrame | None = None
    suppressed: bool = False
    k: int | None = None
    overall: PeriodComparison | None = field(default=None, repr=False)
    test: str = "etest-score"
    correction: str = "none"
    dispersion: float = float("nan")

    @property
    def test_name(self) -> str:
        """The count test as written in sentences ("quasi-Poisson test", "E-test")."""
        return TEST_NAMES.get(self.test, self.test)

    @property
    def correction_name(self) -> str:
        """The correction as written in sentences ("Benjamini–Hochberg", "no")."""
        return CORRECTION_NAMES.get(self.correction, self.correction)

    @property
    def total_change(self) -> int | None:
        """``total_after - total_before`` (None when a total is suppressed)."""
        if isinstance(self.total_before, str) or isinstance(self.total_after, str):
            return None
        return int(self.total_after) - int(self.total_before)

    @property
    def total_pct_change(self) -> float:
        """Percentage change of the total (NaN when the earlier total is 0 or suppressed)."""
        change = self.total_change
        if change is None or self.total_before == 0:
            return float("nan")
        return 100.0 * change / float(self.total_before)

    @property
    def top_before_by_share(self) -> str | None:
        """Area with the largest share before (the same area as :attr:`top_before`)."""
        return self.top_before

    @property
    def top_after_by_share(self) -> str | None:
        """Area with the largest share after (the same area as :attr:`top_after`)."""
        return self.top_after

    @property
    def significant_areas(self) -> list[str]:
        """Areas whose count changed significantly (``significant`` is True), table order.

        With ``by``, each entry is ``"area (group)"``.
        """
        t = self.table
        sig = t["significant"].map(lambda v: v is True or v is np.True_)
        rows = t[sig.astype(bool)]
        if self.by is None:
            return rows[schema.AREA_NAME].astype(str).tolist()
        return [f"{a} ({g})" for a, g in zip(rows[schema.AREA_NAME], rows[self.by], strict=True)]

    def top_areas(self, period: Literal["before", "after"] = "after", k: int = 3) -> pd.DataFrame:
        """Return the ``k`` areas with the highest counts in one period, all groups together.

        Parameters
        ----------
        period : {"before", "after"}
        k : int
            How many areas.

        Returns
        -------
        pandas.DataFrame
            Columns ``area_name, n_before, n_after``, sorted by the chosen period's count
            (descending) then by name; "Outside district" and "Unknown location" excluded.
            Empty after :meth:`suppress` (use the table).
        """
        check_in("period", period, ("before", "after"), caller="PeriodComparison.top_areas")
        if self.suppressed:
            return pd.DataFrame(columns=[schema.AREA_NAME, "n_before", "n_after"])
        agg = _aggregate_areas(self.table)
        agg = agg[~agg[schema.AREA_NAME].isin(PSEUDO_AREAS)]
        col = f"n_{period}"
        agg = agg.sort_values([col, schema.AREA_NAME], ascending=[False, True], kind="stable")
        return agg.head(k).reset_index(drop=True)

    def suppress(self, k: int = 5) -> PeriodComparison:
        """Return a copy whose table hides small numbers (for publication).

        Counts below ``k`` are replaced by :func:`hotspots.privacy.suppress` (``"<5"``,
        secondary suppression ``"[c]"``). Every value derived from a hidden count in the
        same row (shares, change, percentage change, p-values, significance, direction)
        becomes ``"[c]"`` too, so no hidden number can be recovered from the row. Totals
        below ``k`` become ``"<k"``.

        Parameters
        ----------
        k : int
            Smallest count that may be shown.

        Returns
        -------
        PeriodComparison
            With ``suppressed=True``; :func:`hotspots.narrative.describe` then writes
            "fewer than 5" instead of any hidden number. ``top_before``/``top_after`` are
            None unless the top area's count is shown and larger than any value a hidden
            count could take given the published numbers (see
            :mod:`hotspots.privacy.ranks`): naming the highest area is a statement
            about every hidden count.
        """
        k = int(check_positive("k", k, caller="PeriodComparison.suppress") or 0)  # never None
        table = _suppress_table(self.table, k, by=self.by)
        groups = self.group_totals
        if groups is not None:
            # group totals add up to the published total: they need secondary suppression too
            groups = suppress_labelled(groups, k=k, count_columns=["n_before", "n_after"],
                               share_columns=["change", "pct_change", "p_etest"],
                               area_column=self.by)
        overall = self.overall.suppress(k) if self.overall is not None else None
        total_before = _mask_total(self.total_before, k)
        total_after = _mask_total(self.total_after, k)
        # "Highest: X" is a statement about every hidden count (each is at most X's): keep
        # it only when it tells a reader nothing they cannot work out from the table.
        if self.by is None:
            top_before = safe_top(table, "n_before", self.top_before, total_before)
            top_after = safe_top(table, "n_after", self.top_after, total_after)
        elif overall is not None:
            top_before, top_after = overall.top_before, overall.top_after
        else:
            top_before = top_after = None
        return replace(
            self,
            table=table,
            total_before=total_before,
            total_after=total_after,
            top_before=top_before,
            top_after=top_after,
            p_total=(float("nan") if _is_small(self.total_before, k)
                     or _is_small(self.total_after, k) else self.p_total),
            # the monthly totals' dispersion says something about a hidden total too
            dispersion=(float("nan") if _is_small(self.total_before, k)
                        or _is_small(self.total_after, k) else self.dispersion),
            group_totals=groups,
            suppressed=True,
            k=k,
            overall=overall,
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{escape(self.level.capitalize())} comparison</b>: "
            f"{escape(self.before.label)} against {escape(self.after.label)}"
            f"{' by ' + escape(self.by) if self.by else ''}. Totals {self.total_before} → "
            f"{self.total_after} ({escape(self.test_name)} p {_fmt_p_sentence(self.p_total)}). "
            + (f"Highest: {escape(str(self.top_before))} → {escape(str(self.top_after))}."
               if self.top_before is not None and self.top_after is not None else "")
            + f"{' Small numbers suppressed.' if self.suppressed else ''}</p>"
        )
        fmt_share = dict.fromkeys(("share_before", "share_after", "share_change"), _fmt_share)
        fmt_p = dict.fromkeys(("p_etest", "p_sppt", "q_sppt", "p_change", "q_change"), _fmt_p)
        fmt_pct = {"pct_change": lambda v: v if isinstance(v, str) else
                   ("" if pd.isna(v) else f"{v:+.0f}%")}
        body = self.table.to_html(index=False, formatters={**fmt_share, **fmt_p, **fmt_pct},
                                  na_rep="", escape=True)
        return head + body

    def __repr__(self) -> str:
        return (
            f"PeriodComparison(level={self.level!r}, before={self.before.label!r}, "
            f"after={self.after.label!r}, total_before={self.total_before}, "
            f"total_after={self.total_after}, p_total={self.p_total:.4g}, "
            f"top_before={self.top_before!r}, top_after={self.top_after!r}, "
            f"suppressed={self.suppressed})"
        )


def _fmt_share(v: Any) -> str:
    if isinstance(v, str):
        return v
    return "" if pd.isna(v) else f"{100 * v:.1f}%"


def _fmt_p(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or pd.isna(v):
        return ""
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def _fmt_p_sentence(v: float) -> str:
    if v is None or pd.isna(v):
        return "not tested"
    return "< 0.001" if v < 0.001 else f"= {v:.3f}"


def _is_small(total: int | str, k: int) -> bool:
    return isinstance(total, str) or 0 < int(total) < k


def _mask_total(total: int | str, k: int) -> int | str:
    return f"<{k}" if _is_small(total, k) else total


def _aggregate_areas(table: pd.DataFrame) -> pd.DataFrame:
    """Sum the counts per area over all ``by`` groups, in the table's first-seen order."""
    key = table[schema.AREA_NAME].astype(str)
    agg = (table.assign(_key=key)
           .groupby("_key", sort=False)[["n_before", "n_after"]].sum()
           .reset_index().rename(columns={"_key": schema.AREA_NAME}))
    return agg


def top_area(table: pd.DataFrame, col: str) -> str | None:
    """Return the area with the highest ``col`` over all groups (first name on a tie)."""
    agg = _aggregate_areas(table)
    agg = agg[~agg[schema.AREA_NAME].isin(PSEUDO_AREAS)]
    if agg.empty or agg[col].max() <= 0:
        return None
    best = agg[agg[col] == agg[col].max()]
    return str(sorted(best[schema.AREA_NAME])[0])


_DERIVED = ("share_before", "share_after", "change", "pct_change", "p_etest", "share_change",
            "p_sppt", "q_sppt", "test", "dispersion", "p_change", "q_change", "significant",
            "direction")


def _suppress_table(table: pd.DataFrame, k: int, *, by: str | None) -> pd.DataFrame:
    """Suppress the two count columns, then blank every value derived from a hidden count."""
    derived = [c for c in _DERIVED if c in table.columns]
    # the comparison table may already hold labels ("<5", "[c]") in its count columns
    out = suppress_labelled(table, k=k, count_columns=["n_before", "n_after"],
                      share_columns=derived, by=by)
    out = out.copy()
    hidden = np.zeros(len(out), dtype=bool)
    for col in ("n_before", "n_after"):
        hidden |= out[col].map(lambda v: isinstance(v, str)).to_numpy()
    out[derived] = out[derived].astype(object)
    out.loc[hidden, derived] = "[c]"
    stamp = out.attrs.get("hotspots", {}).get("suppression", {"k": k, "mode": "public"})
    out.attrs = {"hotspots": {**table.attrs.get("hotspots", {}), "suppression": stamp}}
    return out
