"""Counts and shares by area in two periods, with a test of every change (:func:`compare_periods`).

Each count change is tested allowing for overdispersion (quasi-Poisson on monthly counts by
default, else the E-test; corrected across areas, see :mod:`hotspots.change._tests`), and each
change in share with the SPPT (Benjamini–Yekutieli corrected across areas). The result is a
:class:`hotspots.change.comparison.PeriodComparison`.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import OneOf, Probability, check_in, current_verb, validate_params
from hotspots.change._common import (
    check_columns,
    resolve_periods,
    split_groups,
    user_stacklevel,
)
from hotspots.change._tests import (
    COUNT_TESTS,
    CountTestPlan,
    count_test_columns,
    monthly_matrix,
    plan_test,
)
from hotspots.change.comparison import DIRECTIONS, PSEUDO_AREAS, PeriodComparison, top_area
from hotspots.errors import DataQualityWarning
from hotspots.periods import Period, PeriodLike, check_coverage
from hotspots.stats.inference import etest, etest_many, sppt_chi2
from hotspots.stats.multiple import PADJUST_METHODS

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.areas import AreaSet

__all__ = ["compare_periods"]

logger = logging.getLogger(__name__)


def _level_frame(incidents: pd.DataFrame, areas: AreaSet, level: str, *,
                 allow_outside: bool = False) -> pd.DataFrame:
    """Return the incidents with the ``level`` area columns, assigning them when needed."""
    check_in("level", level, list(areas.level_names))
    col = schema.area_name_column(level)
    expected = [*areas[level][schema.AREA_NAME].astype(str).tolist(), *PSEUDO_AREAS]
    if (col in incidents.columns and isinstance(incidents[col].dtype, pd.CategoricalDtype)
            and [str(c) for c in incidents[col].cat.categories] == expected):
        return incidents
    # deferred: hotspots.areas loads geopandas, which trend (same package) does not need
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
                           schema.AREA_NAME: list(PSEUDO_AREAS)})
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


class _Split:
    """The incidents of one comparison: dates, period masks and the chosen count test."""

    def __init__(self, frame: pd.DataFrame, time: str, pb: Period, pa: Period, *,
                 test: str = "etest-score", correction: str = "none") -> None:
        self.frame, self.pb, self.pa, self.correction = frame, pb, pa, correction
        self.times = pd.to_datetime(frame[time], errors="coerce")
        self.in_b, self.in_a = pb.contains(self.times), pa.contains(self.times)
        self.plan: CountTestPlan = plan_test(test, self.times, pb, pa)

    def tests_for(self, sel: np.ndarray, nb: np.ndarray, na: np.ndarray, keys: pd.Series,
                  order: list[str]) -> dict[str, np.ndarray]:
        """The count-test columns of one block of rows (areas, or the one total row)."""
        mat_b = mat_a = None
        plan = self.plan
        if plan.monthly and plan.first_before is not None and plan.first_after is not None:
            mat_b = monthly_matrix(keys, self.times, sel & self.in_b, order,
                                   plan.first_before, plan.months_before)
            mat_a = monthly_matrix(keys, self.times, sel & self.in_a, order,
                                   plan.first_after, plan.months_after)
        return count_test_columns(plan, nb, na, self.pb.days, self.pa.days, mat_b, mat_a,
                                  self.correction)


def _count_dates(split: _Split, time: str) -> tuple[int, int]:
    """Refuse periods the data do not reach; warn about undated incidents; return counts."""
    # a period the data do not reach would compare zeros with counts: refuse or warn
    for period in (split.pb, split.pa):
        check_coverage(period, split.times, what="the incidents")
    n_nodate = int(split.times.isna().sum())
    n_neither = int((~split.in_b & ~split.in_a).sum()) - n_nodate
    if n_nodate:
        warnings.warn(f"{n_nodate} incidents have no date in column {time!r} and are in "
                      f"neither period of {current_verb()}.", DataQualityWarning,
                      stacklevel=user_stacklevel())
    return n_nodate, n_neither


def _blocks(split: _Split, names: pd.Series, rows: pd.DataFrame, by: str | None,
            alpha: float) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Return the comparison table (a block of area rows per ``by`` group), group totals."""
    order = rows[schema.AREA_NAME].tolist()
    days_b, days_a = split.pb.days, split.pa.days
    blocks: list[pd.DataFrame] = []
    group_rows: list[dict[str, Any]] = []
    labels, codes = split_groups(split.frame, by)
    for i, g in enumerate(labels):
        sel = codes == i
        nb = _period_counts(names, sel & split.in_b, order)
        na = _period_counts(names, sel & split.in_a, order)
        block = pd.DataFrame(_compare_block(nb, na, days_b, days_a, alpha,
                                            split.tests_for(sel, nb, na, names, order)))
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
    return table, group_rows


def _attrs(split: _Split, areas: AreaSet, level: str, alpha: float, by: str | None,
           totals: tuple[int, int], counts: tuple[int, int], dispersion: float,
           people: dict[str, Any]) -> dict[str, Any]:
    """Return the ``attrs["hotspots"]`` record of the comparison table."""
    plan, correction = split.plan, split.correction
    return {
        "function": "compare_periods", "level": level, "before": split.pb.label,
        "after": split.pa.label, "alpha": alpha, "by": by,
        "vintage": getattr(areas, "vintage", None),
        "test": plan.test, "test_reason": plan.reason, "correction": correction,
        "dispersion_total": dispersion,
        "significance": f"significant = q_change < alpha: {plan.test} p_change corrected "
                        f"across the rows ({correction}); share change: SPPT q_sppt "
                        "(Benjamini-Yekutieli)",
        "n_total_before": totals[0], "n_total_after": totals[1],
        "n_no_date": counts[0], "n_outside_periods": counts[1],
        **{k: v for k, v in people.items() if not k.startswith("groups_")},
    }


@validate_params({"alpha": Probability(), "test": OneOf(COUNT_TESTS),
                  "correction": OneOf(PADJUST_METHODS), "count": OneOf(("rows", "people"))})
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
        Boundaries; ``level`` must be one of ``areas.level_names``. Second argument, as in
        every verb that needs areas (:func:`hotspots.areas.assign_areas`,
        :func:`hotspots.areas.area_counts`); ``areas=areas`` works too.
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
    >>> from hotspots import compare_periods, load_boundaries, simulate_incidents
    >>> areas = load_boundaries("bradford-2013")
    >>> incidents = simulate_incidents(areas, n_before=300, n_after=200, seed=1)
    >>> cmp = compare_periods(incidents, areas, before="2017/18", after="2018/19")
    >>> cmp.total_before, cmp.total_after, cmp.top_after, cmp.test
    (300, 200, 'Keighley', 'quasi-poisson')
    >>> print(cmp.table[["area_name", "n_before", "n_after", "direction"]].to_string())
              area_name  n_before  n_after              direction
    0     Bradford East        23       14  no significant change
    1    Bradford South        37       27  no significant change
    2     Bradford West        27       14  no significant change
    3          Keighley       115       59                   down
    4           Shipley        47       52  no significant change
    5  Outside district         0        0  no significant change
    6  Unknown location        51       34  no significant change
    """
    alpha = float(alpha)
    pb, pa = resolve_periods(before, after)
    check_columns(incidents, time=time, by=by)
    frame = _level_frame(incidents, areas, level, allow_outside=allow_outside)
    # the plan of the given rows; with count="people" it is made again on the people rows
    split = _Split(frame, time, pb, pa, test="etest-score")
    n_nodate, n_neither = _count_dates(split, time)
    people: dict[str, Any] = {}
    if count == "people":
        # deferred: hotspots.areas loads geopandas, which trend (same package) does not need
        from hotspots.areas.people import people_frame

        # one row per person, area (and group) and period: counting rows counts people
        frame, people = people_frame(frame, person, schema.area_name_column(level), by,
                                     split.in_b, split.in_a, "compare_periods")
        # distinct people are not events spread over months: no monthly dispersion model
        test = "etest-score" if test == "auto" else test
    split = _Split(frame, time, pb, pa, test=test, correction=correction)
    names = frame[schema.area_name_column(level)].astype("object")
    table, group_rows = _blocks(split, names, _area_rows(areas, level), by, alpha)
    total_b, total_a = int(split.in_b.sum()), int(split.in_a.sum())
    overall = None
    if by is not None:
        # the sentences describe everything together; the groups add up to the totals
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # already warned above
            overall = compare_periods(frame, areas, level=level, before=pb, after=pa,
                                      alpha=alpha, test=test, correction=correction,
                                      time=time, count=count, person=person)
    if people:
        from hotspots.areas.people import people_shares  # deferred: as people_frame above

        total_b, total_a = people["n_before"], people["n_after"]
        table, group_rows = people_shares(table, group_rows, people, by)
    everything = pd.Series("total", index=frame.index, dtype="object")
    totals = split.tests_for(np.ones(len(frame), dtype=bool), np.array([total_b]),
                             np.array([total_a]), everything, ["total"])
    p_total, dispersion = float(totals["p_change"][0]), float(totals["dispersion"][0])
    table.attrs["hotspots"] = _attrs(split, areas, level, alpha, by, (total_b, total_a),
                                     (n_nodate, n_neither), dispersion, people)
    logger.info("compare_periods: %d incidents in %s, %d in %s (%d in neither period).",
                total_b, pb.label, total_a, pa.label, n_neither + n_nodate)
    logger.info("compare_periods: count changes tested with %s (%s), dispersion of the totals "
                "%.3g; significant is corrected across areas (%s).", split.plan.test,
                split.plan.reason, dispersion, correction)
    ref = overall.table if overall is not None else table
    return PeriodComparison(
        table=table, level=level, before=pb, after=pa, by=by, alpha=alpha,
        total_before=total_b, total_after=total_a, p_total=p_total,
        top_before=top_area(ref, "n_before"), top_after=top_area(ref, "n_after"),
        vintage=getattr(areas, "vintage", None),
        group_totals=pd.DataFrame(group_rows) if by is not None else None,
        overall=overall, test=split.plan.test, correction=correction, dispersion=dispersion,
    )
