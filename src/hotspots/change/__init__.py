"""Tracking shifts in counts: whether the numbers, or the areas holding them, really changed.

- :func:`compare_periods`: counts and shares by area in two periods, with a test of each
  count change that allows for overdispersion (quasi-Poisson on monthly counts by
  default, else the E-test; corrected across areas) and the SPPT test of each change in
  share (Benjamini–Yekutieli corrected across areas). Returns a :class:`PeriodComparison` that
  :func:`hotspots.narrative.describe` turns into sentences.
- :func:`trend`: counts per financial year, year, quarter or month, with the change from
  the previous period and its E-test; periods the data only partly cover are flagged and
  not compared.
- :func:`hotspot_change`: counts before and after on one grid (sfhotspot's
  ``hotspot_change``).

Emerging hot spot categories over many periods are in :mod:`hotspots.change.classify`; the
movement of the centre of the incidents in :mod:`hotspots.change.centrography`.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field, replace
from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import check_in, check_positive, check_probability
from hotspots.change._common import (
    check_columns,
    count_on,
    dated,
    grid_choices,
    grid_for,
    grid_output,
    resolve_periods,
    split_groups,
)
from hotspots.change._tests import (
    CORRECTION_NAMES,
    COUNT_TESTS,
    TEST_NAMES,
    count_test_columns,
    monthly_matrix,
    plan_test,
)
from hotspots.errors import DataQualityWarning
from hotspots.periods import (
    Period,
    PeriodLike,
    check_coverage,
    parse_period,
    period_labels,
    period_of_label,
)
from hotspots.stats.inference import etest, etest_many, sppt_chi2
from hotspots.stats.multiple import PADJUST_METHODS

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.areas import AreaSet

__all__ = [
    "DIRECTIONS",
    "PeriodComparison",
    "compare_periods",
    "hotspot_change",
    "trend",
]

logger = logging.getLogger(__name__)

#: Values of the ``direction`` column of :attr:`PeriodComparison.table`.
DIRECTIONS = ("up", "down", "no significant change")

_PSEUDO_AREAS = (schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION)


# =========================================================================================
# compare_periods
# =========================================================================================

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
        agg = agg[~agg[schema.AREA_NAME].isin(_PSEUDO_AREAS)]
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
        # the comparison reads labels ("<5", "[c]") in its count columns
        from hotspots.privacy.ranks import safe_top
        from hotspots.privacy.suppress import suppress_labelled as _suppress

        k = int(check_positive("k", k, caller="PeriodComparison.suppress"))
        table = _suppress_table(self.table, k, _suppress, by=self.by)
        groups = self.group_totals
        if groups is not None:
            # group totals add up to the published total: they need secondary suppression too
            groups = _suppress(groups, k=k, count_columns=["n_before", "n_after"],
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


def _top_area(table: pd.DataFrame, col: str) -> str | None:
    agg = _aggregate_areas(table)
    agg = agg[~agg[schema.AREA_NAME].isin(_PSEUDO_AREAS)]
    if agg.empty or agg[col].max() <= 0:
        return None
    best = agg[agg[col] == agg[col].max()]
    return str(sorted(best[schema.AREA_NAME])[0])


_DERIVED = ("share_before", "share_after", "change", "pct_change", "p_etest", "share_change",
            "p_sppt", "q_sppt", "test", "dispersion", "p_change", "q_change", "significant",
            "direction")


def _suppress_table(table: pd.DataFrame, k: int, suppress_fn: Any, *,
                    by: str | None) -> pd.DataFrame:
    """Suppress the two count columns, then blank every value derived from a hidden count."""
    derived = [c for c in _DERIVED if c in table.columns]
    out = suppress_fn(table, k=k, count_columns=["n_before", "n_after"],
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


def _level_frame(incidents: pd.DataFrame, areas: AreaSet, level: str, caller: str, *,
                 allow_outside: bool = False) -> pd.DataFrame:
    """Return the incidents with the ``level`` area columns, assigning them when needed."""
    check_in("level", level, list(areas.level_names), caller=caller)
    col = schema.area_name_column(level)
    expected = [*areas[level][schema.AREA_NAME].astype(str).tolist(), *_PSEUDO_AREAS]
    if (col in incidents.columns and isinstance(incidents[col].dtype, pd.CategoricalDtype)
            and [str(c) for c in incidents[col].cat.categories] == expected):
        return incidents
    from hotspots.areas import assign_areas

    return assign_areas(incidents, areas, levels=[level], allow_outside=allow_outside)



def _area_rows(areas: AreaSet, level: str) -> pd.DataFrame:
    """``area_id, area_name`` of every area then the two pseudo areas, in table order."""
    frame = areas[level]
    rows = pd.DataFrame({
        schema.AREA_ID: frame[schema.AREA_ID].astype("string").to_numpy(),
        schema.AREA_NAME: frame[schema.AREA_NAME].astype(str).to_numpy(),
    })
    pseudo = pd.DataFrame({schema.AREA_ID: pd.array([pd.NA, pd.NA], dtype="string"),
                           schema.AREA_NAME: list(_PSEUDO_AREAS)})
    return pd.concat([rows, pseudo], ignore_index=True)


def _period_counts(names: pd.Series, mask: np.ndarray, order: list[str]) -> np.ndarray:
    counts = names[mask].astype(str).value_counts()
    unexpected = set(counts.index) - set(order)
    if unexpected:
        raise ValueError(
            f"Area names {sorted(unexpected)[:5]} in the incidents are not areas of this "
            f"boundary set; reassign the areas with hotspots.areas.assign_areas."
        )
    return counts.reindex(order, fill_value=0).to_numpy(dtype=np.int64)


def _compare_block(nb: np.ndarray, na: np.ndarray, days_b: float, days_a: float,
                   alpha: float, tests: dict[str, np.ndarray]) -> dict[str, Any]:
    """All test columns for one group of rows (areas + pseudo areas)."""
    tb, ta = nb.sum(), na.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        share_b = nb / tb if tb > 0 else np.full(nb.shape, np.nan)
        share_a = na / ta if ta > 0 else np.full(na.shape, np.nan)
        pct = np.where(nb > 0, 100.0 * (na - nb) / np.where(nb > 0, nb, 1), np.nan)
    p_e = etest_many(nb, na, days_b, days_a)
    sppt = sppt_chi2(nb, na, method="fdr_by")
    # corrected across the rows: with 25 wards, one in 20 unchanged wards would be
    # "significant" at 0.05 by chance alone
    significant = np.nan_to_num(tests["q_change"], nan=1.0) < alpha
    # compare daily rates: with periods of different lengths the raw counts mislead
    direction = np.where(significant, np.where(na / days_a > nb / days_b, "up", "down"),
                         DIRECTIONS[2])
    return {
        "n_before": nb, "n_after": na,
        "share_before": share_b, "share_after": share_a,
        "change": (na - nb).astype(np.int64), "pct_change": pct,
        "p_etest": p_e, "share_change": share_a - share_b,
        "p_sppt": sppt.p, "q_sppt": sppt.q, **tests,
        "significant": significant, "direction": direction,
    }


def compare_periods(
    incidents: gpd.GeoDataFrame,
    areas: AreaSet,
    *,
    level: str = "constituency",
    before: PeriodLike,
    after: PeriodLike,
    by: str | None = None,
    alpha: float = 0.05,
    test: Literal["auto", "quasi-poisson", "negative-binomial", "etest-score",
                  "etest-wald"] = "auto",
    correction: Literal["fdr_bh", "fdr_by", "holm", "bonferroni", "none"] = "fdr_bh",
    time: str = schema.OCCURRED,
    count: Literal["rows", "people"] = "rows",
    person: str | None = None,
    allow_outside: bool = False,
) -> PeriodComparison:
    """Compare counts and shares by area between two periods, with significance tests.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame (see :mod:`hotspots.io`). Incidents without a location
        count as "Unknown location"; located ones outside every area as "Outside district".
        If the ``level`` columns (``<level>_id`` and ``<level>``) are present (from
        :func:`hotspots.areas.assign_areas`) they are used as they are.
    areas : AreaSet
        Boundaries; ``level`` must be one of ``areas.level_names``.
    level : str
        Area level of the rows ("ward", "constituency").
    before, after : period
        Anything :func:`hotspots.periods.parse_period` accepts: "2017/18", 2018,
        "2018-Q2", "2018-06", ("2019-01", "2019-06"), (Timestamp, Timestamp). The periods
        must not overlap; they may differ in length (the E-tests compare daily rates).
    by : str, optional
        Split every row by this column (e.g. "category", "recency"); shares and the SPPT
        are then within each group.
    alpha : float
        Significance level for ``significant`` and ``direction``.
    test : {"auto", "quasi-poisson", "negative-binomial", "etest-score", "etest-wald"}
        Test of each count change (and of the totals). "auto" (default): the
        quasi-Poisson test on monthly counts when both periods are whole calendar months,
        at least 3 each, and the incidents fall in more than one month of each (the data
        then show how much counts vary); otherwise the E-test ("etest-score"). See Notes.
    correction : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}
        Multiple-testing correction of ``p_change`` across the rows of each group, giving
        ``q_change`` and ``significant`` (see
        :func:`hotspots.stats.multiple.adjust_pvalues`). Default Benjamini–Hochberg.
    time : str
        Column of incident dates.
    count : {"rows", "people"}, default "rows"
        ``"people"`` counts distinct values of ``person`` per area and period (see
        :mod:`hotspots.areas.people`): a person in two areas counts in each, ``total_before`` /
        ``total_after`` are distinct people, the shares are over them (so they can add to
        more than 1), and ``test="auto"`` uses the E-test (people are not events spread
        over months). ``describe`` then names them ("The highest number of children ...").
    person : str, optional
        The person column (pseudonyms, e.g. ``"child"``) for ``count="people"``.
    allow_outside : bool, default False
        Accept incidents most of which fall outside every area (passed to
        :func:`hotspots.areas.assign_areas`); by default that is refused as the wrong
        boundary set.

    Returns
    -------
    PeriodComparison
        ``.table`` has one row per area of ``level`` (boundary order, zeros included),
        then "Outside district", then "Unknown location" (per ``by`` group). Columns:

        ========================  ============  ============================================
        ``[by]``                  as input      the group, when ``by`` is given
        ``area_id``               string        area code; <NA> for the two pseudo areas
        ``area_name``             str           area name, "Outside district",
                                                "Unknown location"
        ``n_before``, ``n_after`` int64         incidents in each period
        ``share_before``,         float64       fraction 0..1 of the period's incidents in
        ``share_after``                         the group (unknown locations included)
        ``change``                int64         ``n_after - n_before``
        ``pct_change``            float64       percent, ``100 * change / n_before``; NaN
                                                when ``n_before`` is 0
        ``p_etest``               float64       Poisson E-test (score form) of the two
                                                counts, allowing for the period lengths;
                                                NaN when both are 0. For reference: it
                                                ignores overdispersion
        ``share_change``          float64       ``share_after - share_before``
        ``p_sppt``                float64       SPPT chi-square p of the share change (area
                                                against the rest); NaN when both counts 0
        ``q_sppt``                float64       ``p_sppt`` with Benjamini–Yekutieli
                                                correction across the rows of the group
        ``test``                  object        the count test of the row:
                                                "quasi-poisson", "negative-binomial",
                                                "etest-score", "etest-wald" ("... score"
                                                when one period has no incident; "" when
                                                neither has)
        ``dispersion``            float64       the row's monthly dispersion (quasi-Poisson:
                                                Pearson chi-square / df, 1 = Poisson;
                                                negative binomial: alpha); NaN for E-tests
        ``p_change``              float64       p-value of ``test``
        ``q_change``              float64       ``p_change`` corrected across the rows of
                                                the group (``correction``)
        ``significant``           bool          ``q_change < alpha``
        ``direction``             str           "up", "down" (the daily rate rose or fell
                                                significantly) or "no significant change"
        ========================  ============  ============================================

    Raises
    ------
    ValueError
        When a period cannot be parsed, the periods overlap, ``level`` is not a level of
        ``areas``, ``alpha`` is not in (0, 1) or a column is missing.

    Notes
    -----
    **What "significant" means.** ``significant`` and ``direction`` answer "did the
    number of incidents in this area change by more than chance?", corrected for testing
    every area at once (``correction``, Benjamini–Hochberg by default): with 25 wards
    and no real change, about one would otherwise be flagged at 0.05 by chance.

    **Which test.** Police counts vary more than Poisson counts (overdispersion): the
    monthly City of London totals of 2018-2019 vary 7.2 times more. A Poisson test then
    finds changes that are ordinary variation: for 7,943 crimes in 2018 against 9,356 in
    2019 the E-test gives p = 6e-27, the quasi-Poisson test on the 24 monthly counts
    6e-5 and the negative binomial test 4e-5; across the 25 wards the E-test flags 10
    uncorrected, 8 after Benjamini–Hochberg. The default therefore estimates the
    dispersion from the monthly counts of each row
    (:func:`hotspots.stats.overdispersion.quasi_poisson_test`, floored at 1 so that it
    is never more confident than Poisson) and compares the mean count per calendar month
    of the two periods (so a 3-month and a 12-month period are compared fairly). With
    police.uk data (dates are months) or any finer dates, this needs whole calendar months
    of at least 3 months each. Otherwise "auto" falls back to the E-test, and
    ``table.attrs["hotspots"]["test_reason"]`` says why. The E-test is available in its
    pooled score form ("etest-score", statsmodels' ``etest-score``, crimepy) and in the
    unpooled Wald form of Krishnamoorthy & Thomson (2004) ("etest-wald", scipy's
    ``poisson_means_test``); both use the period lengths in days as exposures and assume
    Poisson counts.

    Whether an area's **share** changed (the concentration question, independent of the
    overall rise or fall) is the SPPT column ``q_sppt``, corrected across areas
    (Benjamini–Yekutieli, crimepy's default); use ``q_sppt < alpha`` for that question.

    Incidents with no date are in neither period; they and the incidents outside both
    periods are counted in ``table.attrs["hotspots"]``.

    Examples
    --------
    >>> cmp = compare_periods(incidents, areas, before="2017/18", after="2018/19")
    ... # doctest: +SKIP
    >>> cmp.total_before, cmp.total_after, cmp.top_after  # doctest: +SKIP
    (344, 284, 'Bradford South')
    """
    caller = "compare_periods"
    alpha = check_probability("alpha", alpha, caller=caller)
    check_in("test", test, COUNT_TESTS, caller=caller)
    check_in("correction", correction, PADJUST_METHODS, caller=caller)
    pb, pa = resolve_periods(before, after, caller)
    check_columns(incidents, caller, time=time, by=by)
    frame = _level_frame(incidents, areas, level, caller, allow_outside=allow_outside)
    rows = _area_rows(areas, level)
    order = rows[schema.AREA_NAME].tolist()
    times = pd.to_datetime(frame[time], errors="coerce")
    # a period the data do not reach would compare zeros with counts: refuse or warn
    for period in (pb, pa):
        check_coverage(period, times, what="the incidents")
    in_b, in_a = pb.contains(times), pa.contains(times)
    n_nodate = int(times.isna().sum())
    n_neither = int((~in_b & ~in_a).sum()) - n_nodate
    if n_nodate:
        warnings.warn(f"{n_nodate} incidents have no date in column {time!r} and are in "
                      f"neither period of {caller}.", DataQualityWarning, stacklevel=2)
    check_in("count", count, ("rows", "people"), caller=caller)
    people: dict[str, Any] = {}
    if count == "people":
        # one row per person, area (and group) and period: counting rows counts people
        from hotspots.areas.people import people_frame

        frame, people = people_frame(frame, person, schema.area_name_column(level), by,
                                     in_b, in_a, caller)
        times = pd.to_datetime(frame[time], errors="coerce")
        in_b, in_a = pb.contains(times), pa.contains(times)
        # distinct people are not events spread over months: no monthly dispersion model
        test = "etest-score" if test == "auto" else test
    names = frame[schema.area_name_column(level)].astype("object")
    plan = plan_test(test, times, pb, pa, caller)

    def tests_for(sel: np.ndarray, nb: np.ndarray, na: np.ndarray,
                  keys: pd.Series, order_: list[str]) -> dict[str, np.ndarray]:
        mat_b = mat_a = None
        if plan.monthly:
            mat_b = monthly_matrix(keys, times, sel & in_b, order_, plan.first_before,
                                   plan.months_before)
            mat_a = monthly_matrix(keys, times, sel & in_a, order_, plan.first_after,
                                   plan.months_after)
        return count_test_columns(plan, nb, na, days_b, days_a, mat_b, mat_a, correction)

    days_b, days_a = pb.days, pa.days
    blocks: list[pd.DataFrame] = []
    group_rows: list[dict[str, Any]] = []
    labels, codes = split_groups(frame, by)
    for i, g in enumerate(labels):
        sel = codes == i
        nb = _period_counts(names, sel & in_b, order)
        na = _period_counts(names, sel & in_a, order)
        block = pd.DataFrame(_compare_block(nb, na, days_b, days_a, alpha,
                                            tests_for(sel, nb, na, names, order)))
        block.insert(0, schema.AREA_NAME, rows[schema.AREA_NAME].to_numpy())
        block.insert(0, schema.AREA_ID, rows[schema.AREA_ID].array)
        if by is not None:
            block.insert(0, by, g)
            tb, ta = int(nb.sum()), int(na.sum())
            group_rows.append({
                by: g, "n_before": tb, "n_after": ta, "change": ta - tb,
                "pct_change": 100.0 * (ta - tb) / tb if tb else float("nan"),
                "p_etest": etest(tb, ta, days_b, days_a) if tb + ta else float("nan"),
            })
        blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)
    if by is not None:
        table[by] = pd.Categorical(table[by], categories=labels)

    total_b, total_a = int(in_b.sum()), int(in_a.sum())
    overall = None
    if by is not None:
        # the sentences describe everything together; the groups add up to the totals
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # already warned above
            overall = compare_periods(frame, areas, level=level, before=pb, after=pa,
                                      alpha=alpha, test=test,
                                      correction=correction, time=time, count=count,
                                      person=person)
    if people:
        from hotspots.areas.people import people_shares

        total_b, total_a = people["n_before"], people["n_after"]
        table, group_rows = people_shares(table, group_rows, people, by)
    everything = pd.Series("total", index=frame.index, dtype="object")
    totals = tests_for(np.ones(len(frame), dtype=bool), np.array([total_b]),
                       np.array([total_a]), everything, ["total"])
    p_total = float(totals["p_change"][0])
    dispersion = float(totals["dispersion"][0])
    ref = overall.table if overall is not None else table
    table.attrs["hotspots"] = {
        "function": caller, "level": level, "before": pb.label, "after": pa.label,
        "alpha": alpha, "by": by, "vintage": getattr(areas, "vintage", None),
        "test": plan.test, "test_reason": plan.reason, "correction": correction,
        "dispersion_total": dispersion,
        "significance": f"significant = q_change < alpha: {plan.test} p_change corrected "
                        f"across the rows ({correction}); share change: SPPT q_sppt "
                        "(Benjamini-Yekutieli)",
        "n_total_before": total_b, "n_total_after": total_a,
        "n_no_date": n_nodate, "n_outside_periods": n_neither,
        **{k: v for k, v in people.items() if not k.startswith("groups_")},
    }
    logger.info("%s: %d incidents in %s, %d in %s (%d in neither period).", caller, total_b,
                pb.label, total_a, pa.label, n_neither + n_nodate)
    logger.info("%s: count changes tested with %s (%s), dispersion of the totals %.3g; "
                "significant is corrected across areas (%s).", caller, plan.test,
                plan.reason, dispersion, correction)
    return PeriodComparison(
        table=table, level=level, before=pb, after=pa, by=by, alpha=alpha,
        total_before=total_b, total_after=total_a, p_total=p_total,
        top_before=_top_area(ref, "n_before"), top_after=_top_area(ref, "n_after"),
        vintage=getattr(areas, "vintage", None),
        group_totals=pd.DataFrame(group_rows) if by is not None else None,
        overall=overall, test=plan.test, correction=correction, dispersion=dispersion,
    )



# =========================================================================================
# trend
# =========================================================================================

def trend(
    incidents: pd.DataFrame,
    *,
    freq: Literal["FY", "Y", "Q", "M"] = "FY",
    by: str | None = None,
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    time: str = schema.OCCURRED,
) -> pd.DataFrame:
    """Count incidents per period, with the change from the previous period and its E-test.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents with a date column (any frame; no geometry needed).
    freq : {"FY", "Y", "Q", "M"}
        UK financial year (April to March), calendar year, quarter or month.
    by : str, optional
        Split the counts by this column.
    start, end : period or date, optional
        The first and the last date the data cover, both included, when the incidents
        alone do not show it: a force extract for 2016-04-01 to 2019-03-31 whose first
        offence is on 3 April is ``start="2016-04-01", end="2019-03-31"``. Anything
        :func:`hotspots.periods.parse_period` accepts; coverage starts at the start of
        ``start`` and runs to the end of ``end`` (``end="2019-03"`` covers all of March).
        A ``date``/``Timestamp`` names its day. Default: from the incidents (see Notes).
    time : str
        Column of incident dates.

    Returns
    -------
    pandas.DataFrame
        One row per period the data cover, from the first to the last, **empty periods
        included** (per ``by`` group), in time order. Columns:

        ==============  =================  ===============================================
        ``period``      ordered category   label: "2017/18", "2018", "2018 Q1", "Jan 2018"
        ``[by]``        as input           the group, when ``by`` is given
        ``n``           int64              incidents in the period
        ``complete``    bool               the period lies wholly within the span the
                                           data cover (see Notes)
        ``change``      Int64              ``n`` minus the previous period's ``n``;
                                           <NA> for the first period and when this or
                                           the previous period is not complete
        ``pct_change``  float64            percent change from the previous period; NaN
                                           when ``change`` is <NA> or after a zero
        ``p_etest``     float64            E-test of ``n`` against the previous period's,
                                           with the period lengths (days) as exposures;
                                           NaN when ``change`` is <NA> or both are 0
        ==============  =================  ===============================================

        ``attrs["hotspots"]``: ``function, freq, by, n_no_date, exposure``,
        ``coverage_start`` and ``coverage_end`` (ISO times of the half-open span
        ``[start, end)`` the data cover), ``coverage_reason``, ``incomplete_periods``
        (labels) and ``note``.

    Raises
    ------
    ValueError
        When ``freq`` is unknown, a column is missing, ``start``/``end`` cannot be read,
        the coverage they give is empty, or incidents are dated outside it.

    Notes
    -----
    **Partly covered periods.** A data set rarely starts and ends on period boundaries:
    police.uk files for December 2017 to November 2020 hold one month of 2017 Q4 and two
    of 2020 Q4. Such a period's count is not comparable with a full period's (the 651
    incidents of December 2017 are not a quarter, and the 2018 Q1 "rise" from them is not
    real), so its ``complete`` is False and no change is computed for it or against it.
    Its count is still shown. When that happens the periods are listed in
    ``attrs["hotspots"]["incomplete_periods"]`` and logged at INFO level.

    The span the data cover is ``start`` to ``end`` when given; otherwise it runs from
    the date of the first incident to the date of the last, both days included. When
    every date is the first of a month at midnight (police.uk: dates are months) the
    dates are taken as months: the span runs from the first month to the end of the last.
    The rows are the periods that span touches, so a ``start`` before the first incident
    adds the empty periods in between.

    Incidents without a date are left out and counted in
    ``attrs["hotspots"]["n_no_date"]``.

    Examples
    --------
    >>> df = pd.DataFrame({"occurred": pd.to_datetime(["2017-05-01", "2018-06-01",
    ...                                                "2019-07-01", "2019-08-01"])})
    >>> t = trend(df, freq="FY")
    >>> print(t[["period", "n", "complete", "change"]].to_string(index=False))
     period  n  complete  change
    2017/18  1     False    <NA>
    2018/19  1      True    <NA>
    2019/20  2     False    <NA>
    >>> t = trend(df, freq="FY", start="2017-04", end="2020-03")
    >>> print(t[["period", "n", "complete", "change"]].to_string(index=False))
     period  n  complete  change
    2017/18  1      True    <NA>
    2018/19  1      True       0
    2019/20  2      True       1
    """
    caller = "trend"
    check_in("freq", freq, ("FY", "Y", "Q", "M"), caller=caller)
    check_columns(incidents, caller, time=time, by=by)
    times = pd.to_datetime(incidents[time], errors="coerce")
    n_nodate = int(times.isna().sum())
    cover_start, cover_end, reason = _coverage(times, start, end, caller)
    if cover_start is None or cover_end is None:
        cats: list[str] = []  # no dated incident and no stated coverage: no periods
    else:
        # every period the coverage touches, including empty ones before the first incident
        span = pd.Series([cover_start, cover_end - pd.Timedelta(1, "ns")])
        cats = list(period_labels(span, freq).cat.categories)
    labels = period_labels(times, freq)
    periods = [period_of_label(c, freq) for c in cats]
    days = np.array([p.days for p in periods], dtype=float)
    complete = np.array([p.start >= cover_start and p.end <= cover_end for p in periods],
                        dtype=bool)
    # a change needs both this period and the previous one fully covered
    comparable = complete.copy()
    comparable[:1] = False
    comparable[1:] &= complete[:-1]

    def one(mask: np.ndarray) -> pd.DataFrame:
        n = labels[mask].value_counts().reindex(cats, fill_value=0).to_numpy(dtype=np.int64)
        prev = np.where(comparable, np.concatenate([[np.nan], n[:-1].astype(float)]), np.nan)
        prev_days = np.concatenate([[np.nan], days[:-1]])
        change = pd.array(n - prev, dtype="Float64").astype("Int64")
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(prev > 0, 100.0 * (n - prev) / prev, np.nan)
        p = np.full(len(n), np.nan)
        for i in np.flatnonzero(comparable):
            if n[i] + prev[i] > 0:
                p[i] = etest(prev[i], n[i], prev_days[i], days[i])
        return pd.DataFrame({
            "period": pd.Categorical(cats, categories=cats, ordered=True),
            "n": n, "complete": complete, "change": change, "pct_change": pct, "p_etest": p,
        })

    groups, group_codes = split_groups(incidents, by)
    parts = [one(group_codes == i) for i in range(len(groups))]
    if by is None:
        out = parts[0]
    else:
        for g, part in zip(groups, parts, strict=True):
            part.insert(1, by, g)
        out = (pd.concat(parts, ignore_index=True) if parts
               else pd.DataFrame(columns=["period", by, "n", "complete", "change",
                                          "pct_change", "p_etest"]))
        out[by] = pd.Categorical(out[by], categories=groups)
    incomplete = [c for c, ok in zip(cats, complete, strict=True) if not ok]
    out.attrs["hotspots"] = {
        "function": caller, "freq": freq, "by": by, "n_no_date": n_nodate,
        "exposure": "days per period",
        "coverage_start": cover_start.isoformat() if cover_start is not None else None,
        "coverage_end": cover_end.isoformat() if cover_end is not None else None,
        "coverage_reason": reason, "incomplete_periods": incomplete,
        "note": ("change, pct_change and p_etest are missing for a period that the data "
                 "only partly cover, and for the period after it"),
    }
    if incomplete:
        last_day = cover_end - pd.Timedelta(1, "ns")
        logger.info("%s: the data cover %s to %s (%s), only part of %s; no change is computed "
                    "for or against them.", caller, f"{cover_start:%d %b %Y}",
                    f"{last_day:%d %b %Y}", reason, ", ".join(incomplete))
    if n_nodate:
        logger.info("%s: %d incidents have no date and are left out.", caller, n_nodate)
    return out


def _coverage(times: pd.Series, start: PeriodLike | None, end: PeriodLike | None,
              caller: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None, str]:
    """Return the half-open span ``[start, end)`` the data cover, and how it was found.

    Without ``start``/``end`` the span is the days of the first and last incident, or
    their months when every date is the 1st of a month at midnight (police.uk). The
    bounds are None when there is no dated incident and no stated bound.
    """
    valid = times.dropna()
    data_start = data_end = None
    how = "no dated incidents"
    if len(valid):
        first, last = valid.min(), valid.max()
        if ((valid.dt.day == 1) & (valid == valid.dt.normalize())).all():
            data_start, data_end = first, last + pd.DateOffset(months=1)
            how = "from the incidents: first to last month (dates are months)"
        else:
            data_start, data_end = first.normalize(), last.normalize() + pd.Timedelta(days=1)
            how = "from the incidents: first to last day"
    lo = _bound(start, "start").start if start is not None else data_start
    hi = _bound(end, "end").end if end is not None else data_end
    if start is not None and end is not None:
        how = "start and end given"
    elif start is not None or end is not None:
        how = f"{'start' if start is not None else 'end'} given; otherwise {how}"
    if lo is not None and hi is not None and not hi > lo:
        raise ValueError(f"The data coverage of {caller} is empty: it would start on "
                         f"{lo:%Y-%m-%d} and end before that; check 'start' and 'end'.")
    if start is not None and (n_early := int((valid < lo).sum())):
        raise ValueError(f"{n_early} incidents are dated before {lo:%Y-%m-%d}, outside the "
                         f"coverage given by the 'start' parameter of {caller}; correct "
                         "'start' or select the incidents first.")
    if end is not None and (n_late := int((valid >= hi).sum())):
        last_day = hi - pd.Timedelta(1, "ns")
        raise ValueError(f"{n_late} incidents are dated after {last_day:%Y-%m-%d}, outside the "
                         f"coverage given by the 'end' parameter of {caller}; correct 'end' "
                         "or select the incidents first.")
    return lo, hi, how


def _bound(value: PeriodLike, name: str) -> Period:
    """Parse ``start``/``end``: a date or Timestamp names its day, anything else a period."""
    if isinstance(value, (date, np.datetime64)):  # datetime and Timestamp are dates too
        value = f"{pd.Timestamp(value):%Y-%m-%d}"
    return parse_period(value, name=name)


# =========================================================================================
# hotspot_change
# =========================================================================================

def hotspot_change(
    incidents: gpd.GeoDataFrame,
    *,
    before: PeriodLike | None = None,
    after: PeriodLike | None = None,
    boundary: Any = None,
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    time: str = schema.OCCURRED,
) -> gpd.GeoDataFrame:
    """Count incidents before and after on one grid (sfhotspot's ``hotspot_change``).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres).
    before, after : period, optional
        Two periods (as in :func:`compare_periods`). When omitted, the data are split at
        ``boundary``.
    boundary : date-like, optional
        Split instant: before is ``t < boundary``, after ``t >= boundary`` (half-open, as
        sfhotspot). Default: the midpoint of the earliest and latest dates,
        ``min + (max - min) / 2``. Not allowed together with ``before``/``after``.
    cell_size, grid_type, grid, clip
        The grid, as in :func:`hotspots.hotspot.hotspot_count`; one grid is built from
        all the incidents used and both periods are counted on it.
    time : str
        Column of incident dates.

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns (``cell_id, x, y, inside, [<level>_id, <level>]``), then:

        ==============  =======  ====================================================
        ``n_before``    int64    incidents in the cell in the first period
        ``n_after``     int64    incidents in the cell in the second period
        ``change``      int64    ``n_after - n_before``
        ``geometry``             cell polygon
        ==============  =======  ====================================================

        ``attrs["hotspots"]``: ``function``, ``split`` ("boundary" or "periods"),
        ``split_at`` (ISO time) and ``split_at_reason``, or ``before``/``after`` labels,
        ``n_before``, ``n_after``, ``n_no_date``, and the grid's ``cell_size``,
        ``cell_size_reason``, ``grid_type`` (and ``boundary``, ``vintage`` for an AreaSet
        clip).

    Raises
    ------
    ValueError
        When both ``boundary`` and periods are given, only one period is given, the
        periods overlap, or there is no dated incident.

    Notes
    -----
    Unlike sfhotspot, an incident on an edge shared by two cells is counted once (see
    :func:`hotspots.hotspot.hotspot_count`). For tests of whether a change is more than
    chance use :func:`compare_periods` (areas) or
    :func:`hotspots.change.classify.hotspot_classify` (cells over many periods).

    Examples
    --------
    >>> change = hotspot_change(incidents, before="2017/18", after="2018/19",
    ...                         clip=areas)  # doctest: +SKIP
    """
    caller = "hotspot_change"
    times = dated(incidents, time, caller)
    info: dict[str, Any] = {"function": caller}
    if (before is None) != (after is None):
        raise ValueError(f"Give both 'before' and 'after' to {caller}, or neither (then the "
                         "data are split at 'boundary').")
    if before is not None:
        if boundary is not None:
            raise ValueError(f"Give either 'boundary' or 'before'/'after' to {caller}, not both.")
        pb, pa = resolve_periods(before, after, caller)
        m_b, m_a = pb.contains(times), pa.contains(times)
        info.update(split="periods", before=pb.label, after=pa.label)
    else:
        valid = times.dropna()
        if valid.empty:
            raise ValueError(f"{caller}: no incident has a date in column {time!r}.")
        if boundary is None:
            b = valid.min() + (valid.max() - valid.min()) / 2
            logger.info("%s: boundary set to the time midpoint %s", caller, b)
            reason = "automatic: midpoint of the earliest and latest dates (sfhotspot)"
        else:
            b = pd.Timestamp(boundary)
            reason = "given"
        m_b = (times < b).to_numpy(dtype=bool)
        m_a = (times >= b).to_numpy(dtype=bool)
        info.update(split="boundary", split_at=b.isoformat(), split_at_reason=reason)
    used = incidents[m_b | m_a]
    g = grid_for(used, grid=grid, cell_size=cell_size, grid_type=grid_type, clip=clip)
    nb = count_on(incidents[m_b], g)
    na = count_on(incidents[m_a], g)
    out = grid_output(g, {"n_before": nb, "n_after": na, "change": na - nb})
    info.update(grid_choices(g))
    info.update(n_before=int(m_b.sum()), n_after=int(m_a.sum()),
                n_no_date=int(times.isna().sum()))
    out.attrs = {"hotspots": info}
    return out
