"""Counts per financial year, year, quarter or month, with the change from the previous one.

:func:`trend` flags the periods the data only partly cover and computes no change for or
against them (a December-only "2017 Q4" is not a quarter).
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import OneOf, validate_params
from hotspots.change._common import check_columns, coverage, split_groups
from hotspots.periods import Freq, PeriodLike, period_labels, period_of_label
from hotspots.stats.inference import etest

__all__ = ["trend"]

logger = logging.getLogger(__name__)


@validate_params({"freq": OneOf(("FY", "Y", "Q", "M"))})
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
    >>> from hotspots import trend
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
    check_columns(incidents, time=time, by=by)
    times = pd.to_datetime(incidents[time], errors="coerce")
    n_nodate = int(times.isna().sum())
    cover_start, cover_end, reason = coverage(times, start, end)
    if cover_start is None or cover_end is None:
        cats: list[str] = []  # no dated incident and no stated coverage: no periods
    else:
        # every period the coverage touches, including empty ones before the first incident
        span = pd.Series([cover_start, cover_end - pd.Timedelta(1, "ns")])
        cats = list(period_labels(span, freq).cat.categories)
    periods = _Periods(cats, freq, cover_start, cover_end)
    labels = period_labels(times, freq)
    groups, group_codes = split_groups(incidents, by)
    parts = [periods.counts(labels[group_codes == i]) for i in range(len(groups))]
    if by is None:
        out = parts[0]
    else:
        for g, part in zip(groups, parts, strict=True):
            part.insert(1, by, g)
        out = (pd.concat(parts, ignore_index=True) if parts
               else pd.DataFrame(columns=["period", by, "n", "complete", "change",
                                          "pct_change", "p_etest"]))
        out[by] = pd.Categorical(out[by], categories=groups)
    incomplete = [c for c, ok in zip(cats, periods.complete, strict=True) if not ok]
    out.attrs["hotspots"] = {
        "function": "trend", "freq": freq, "by": by, "n_no_date": n_nodate,
        "exposure": "days per period",
        "coverage_start": cover_start.isoformat() if cover_start is not None else None,
        "coverage_end": cover_end.isoformat() if cover_end is not None else None,
        "coverage_reason": reason, "incomplete_periods": incomplete,
        "note": ("change, pct_change and p_etest are missing for a period that the data "
                 "only partly cover, and for the period after it"),
    }
    if incomplete:
        last_day = cover_end - pd.Timedelta(1, "ns")
        logger.info("trend: the data cover %s to %s (%s), only part of %s; no change is "
                    "computed for or against them.", f"{cover_start:%d %b %Y}",
                    f"{last_day:%d %b %Y}", reason, ", ".join(incomplete))
    if n_nodate:
        logger.info("trend: %d incidents have no date and are left out.", n_nodate)
    return out


class _Periods:
    """The periods of a trend table: lengths, which are wholly covered, which comparable."""

    def __init__(self, cats: list[str], freq: Freq, cover_start: pd.Timestamp | None,
                 cover_end: pd.Timestamp | None) -> None:
        self.cats = cats
        periods = [period_of_label(c, freq) for c in cats]
        self.days = np.array([p.days for p in periods], dtype=float)
        self.complete = np.array([p.start >= cover_start and p.end <= cover_end
                                  for p in periods], dtype=bool)
        # a change needs both this period and the previous one fully covered
        self.comparable = self.complete.copy()
        self.comparable[:1] = False
        self.comparable[1:] &= self.complete[:-1]

    def counts(self, labels: pd.Series) -> pd.DataFrame:
        """Return the counts, changes and E-tests of one group's period labels."""
        cats, comparable, days = self.cats, self.comparable, self.days
        n = labels.value_counts().reindex(cats, fill_value=0).to_numpy(dtype=np.int64)
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
            "n": n, "complete": self.complete, "change": change, "pct_change": pct,
            "p_etest": p,
        })
