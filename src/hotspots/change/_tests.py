"""Which test of a count change :func:`hotspots.change.compare_periods` uses, and running it.

Police counts are overdispersed: they vary more from month to month than Poisson counts
(City of London 2018-2019: 7.2 times). A Poisson test (the E-test) then calls ordinary
variation significant. When the data say how the counts vary within each period (at least
:data:`MIN_SUBPERIODS` calendar months per period, with incidents in more than one month),
``test="auto"`` uses the quasi-Poisson test on the monthly counts; otherwise it falls back
to the E-test and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots._params import current_verb
from hotspots.periods import Period
from hotspots.stats.inference import etest_many
from hotspots.stats.multiple import adjust_pvalues
from hotspots.stats.overdispersion import negbin_test, quasi_poisson_test

__all__ = ["COUNT_TESTS", "MIN_SUBPERIODS", "TEST_NAMES", "CountTestPlan", "count_test_columns",
           "monthly_matrix", "plan_test"]

#: Accepted values of ``compare_periods(test=...)``.
COUNT_TESTS = ("auto", "quasi-poisson", "negative-binomial", "etest-score", "etest-wald")
#: Fewest calendar months per period for the overdispersed tests.
MIN_SUBPERIODS = 3
#: How each test is named in sentences.
TEST_NAMES = {
    "quasi-poisson": "quasi-Poisson test",
    "negative-binomial": "negative binomial test",
    "etest-score": "E-test",
    "etest-wald": "E-test (Wald form)",
}
#: How each multiple-testing correction is named in sentences.
CORRECTION_NAMES = {
    "fdr_bh": "Benjamini–Hochberg",
    "fdr_by": "Benjamini–Yekutieli",
    "holm": "Holm",
    "bonferroni": "Bonferroni",
    "none": "no",
}


@dataclass(frozen=True)
class CountTestPlan:
    """The count test chosen for a comparison.

    Attributes
    ----------
    test : str
        One of ``COUNT_TESTS`` except "auto".
    reason : str
        Why (for attrs and the log).
    first_before, first_after : int or None
        ``year * 12 + month - 1`` of each period's first month, for the monthly tests.
    months_before, months_after : int
        Calendar months in each period (0 for the E-tests).
    """

    test: str
    reason: str
    first_before: int | None = None
    first_after: int | None = None
    months_before: int = 0
    months_after: int = 0

    @property
    def monthly(self) -> bool:
        """Whether the test uses monthly counts."""
        return self.test in ("quasi-poisson", "negative-binomial")


def _month_number(t: pd.Timestamp) -> int:
    return t.year * 12 + t.month - 1


def _month_span(p: Period) -> tuple[int, int] | None:
    """(first month number, number of months) when ``p`` is whole calendar months."""
    def at_month_start(t: pd.Timestamp) -> bool:
        return t.day == 1 and t == t.normalize()

    if not (at_month_start(p.start) and at_month_start(p.end)):
        return None
    first = _month_number(p.start)
    return first, _month_number(p.end) - first


def _month_numbers(times: pd.Series) -> np.ndarray:
    t = pd.to_datetime(times, errors="coerce")
    return (t.dt.year * 12 + t.dt.month - 1).to_numpy(dtype=float)


def plan_test(test: str, times: pd.Series, pb: Period, pa: Period) -> CountTestPlan:
    """Resolve ``test`` ("auto" or a named test) for two periods and the incident dates.

    Raises
    ------
    ValueError
        When a monthly test is asked for but the periods are not whole calendar months
        or hold fewer than :data:`MIN_SUBPERIODS` months.
    """
    if test in ("etest-score", "etest-wald"):
        return CountTestPlan(test, "given")
    spans = (_month_span(pb), _month_span(pa))
    problem = None
    if spans[0] is None or spans[1] is None:
        problem = "the periods are not whole calendar months"
    elif min(spans[0][1], spans[1][1]) < MIN_SUBPERIODS:
        problem = (f"a period has fewer than {MIN_SUBPERIODS} months, too few to estimate "
                   "how much the monthly counts vary")
    else:
        months = _month_numbers(times)
        for p in (pb, pa):
            distinct = np.unique(months[p.contains(times)])
            if len(distinct) < 2:
                problem = (f"the incidents of {p.label} fall in {len(distinct)} month(s): the "
                           "dates do not show how counts vary within a period")
                break
    if problem is None:
        (fb, kb), (fa, ka) = spans  # type: ignore[misc]
        chosen = "quasi-poisson" if test == "auto" else test
        reason = ("automatic: monthly counts show the variation within each period, so the "
                  "test allows for overdispersion" if test == "auto" else "given")
        return CountTestPlan(chosen, reason, fb, fa, kb, ka)
    if test == "auto":
        return CountTestPlan("etest-score", f"automatic: Poisson E-test because {problem}")
    raise ValueError(f"The {test!r} test of {current_verb()} compares monthly counts, but "
                     f"{problem}. "
                     "Use whole calendar months of at least "
                     f"{MIN_SUBPERIODS} months each (e.g. before=2018, after=2019), or "
                     "test='etest-score'.")


def monthly_matrix(names: pd.Series, times: pd.Series, mask: np.ndarray, order: list[str],
                   first: int, n_months: int) -> np.ndarray:
    """Counts per row of ``order`` (areas) and calendar month of one period."""
    rows = pd.Categorical(names[mask].astype(str), categories=order).codes
    cols = _month_numbers(times[mask]).astype(np.int64) - first
    out = np.bincount(rows.astype(np.int64) * n_months + cols,
                      minlength=len(order) * n_months)
    return out.reshape(len(order), n_months).astype(float)


def count_test_columns(plan: CountTestPlan, nb: np.ndarray, na: np.ndarray, days_b: float,
                       days_a: float, mat_b: np.ndarray | None, mat_a: np.ndarray | None,
                       correction: str) -> dict[str, np.ndarray]:
    """The ``test, dispersion, p_change, q_change`` columns for one block of rows."""
    n = len(nb)
    if plan.monthly:
        if mat_b is None or mat_a is None:
            raise ValueError(f"The {plan.test} test needs the monthly counts of both periods.")
        fn = quasi_poisson_test if plan.test == "quasi-poisson" else negbin_test
        res = fn(mat_b, mat_a)
        p, dispersion = res.p, res.dispersion
        labels = np.where(res.form == "wald", plan.test,
                          np.where(res.form == "score", plan.test + " score", ""))
    else:
        method = "score" if plan.test == "etest-score" else "wald"
        p = etest_many(nb, na, days_b, days_a, method=method)
        dispersion = np.full(n, np.nan)
        labels = np.where(np.isnan(p), "", plan.test)
    return {"test": labels.astype(object), "dispersion": dispersion, "p_change": p,
            "q_change": adjust_pvalues(p, correction)}
