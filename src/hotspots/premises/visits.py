"""Feed visit outcomes back into the premises ranking (``premises_rank(..., visits=...)``).

What a visit found changes how urgent the next visit is. The rules, applied to the score of
:func:`hotspots.premises.premises_rank` before the ranks are given (visits after the
ranking's ``as_of`` are ignored):

- **adverse outcome within** :data:`ADVERSE_DAYS` (365 days): a failed test purchase, a
  warning, intelligence submitted or a safeguarding referral multiplies the score by
  :data:`ADVERSE_FACTOR` (1.5); a closure notice, licence review or arrest (``"severe"``) by
  :data:`SEVERE_FACTOR` (2);
- **visited recently with no issues**: when there is no adverse outcome in that year and the
  latest visit, within :data:`CLEAR_DAYS` (90 days), found no issues (or a test purchase
  was refused), the score is multiplied by :data:`CLEAR_FACTOR` (0.5): the premises was
  just seen to be in order, so others go first;
- anything else ("advice given", "no access", older visits) is recorded but leaves the
  score as it is.

The outcome effects are those of :data:`hotspots.io.visits.VISIT_OUTCOMES`. The reason is
added to ``reasons`` ("test purchase failed on 03 Mar 2020 (score x1.5)"), and four
columns say what was found: ``n_visits``, ``last_visit``, ``last_outcome``,
``visit_factor``. Notes written by officers are never copied into a ranking.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from hotspots._params import current_verb
from hotspots.errors import DataQualityWarning, Problem, ValidationError
from hotspots.io.visits import VISIT_OUTCOMES

__all__ = [
    "ADVERSE_DAYS",
    "ADVERSE_FACTOR",
    "CLEAR_DAYS",
    "CLEAR_FACTOR",
    "SEVERE_FACTOR",
    "VISIT_COLUMNS",
    "apply_visit_outcomes",
]

#: An adverse outcome counts for this many days before ``as_of``.
ADVERSE_DAYS = 365
#: Score multiplier for a recent adverse outcome.
ADVERSE_FACTOR = 1.5
#: Score multiplier for a recent severe outcome (closure notice, licence review, arrest).
SEVERE_FACTOR = 2.0
#: A visit with no issues lowers the score for this many days before ``as_of``.
CLEAR_DAYS = 90
#: Score multiplier for a premises visited recently with no issues.
CLEAR_FACTOR = 0.5
#: Columns added to the ranking.
VISIT_COLUMNS = ("n_visits", "last_visit", "last_outcome", "visit_factor")

_SEVERITY = {"clear": 0, "neutral": 1, "adverse": 2, "severe": 3}


def _check(visits: Any, caller: str) -> pd.DataFrame:
    """Return the visit log's date, premises id, outcome and effect; refuse a bad log."""
    if not isinstance(visits, pd.DataFrame):
        raise TypeError(f"The 'visits' parameter of {caller} must be a DataFrame (a "
                        f"read_visit_log result). Got {type(visits).__name__} instead.")
    missing = [c for c in ("visit_date", "premises_id", "outcome") if c not in visits.columns]
    if missing:
        raise ValidationError(Problem(
            "missing_column", f"'visits' has no column {missing[0]!r}; read the log with "
            "hotspots.io.read_visit_log.", column=missing[0]), context=caller)
    out = pd.DataFrame({
        "visit_date": pd.to_datetime(visits["visit_date"], errors="coerce"),
        "premises_id": visits["premises_id"].astype("string"),
        "outcome": visits["outcome"].astype("string"),
    }).reset_index(drop=True)
    unknown = sorted(set(out["outcome"].dropna()) - set(VISIT_OUTCOMES))
    if unknown or out["outcome"].isna().any():
        raise ValidationError(Problem(
            "unknown_outcome", f"'visits' has outcomes that are not known: "
            f"{unknown[:5] or ['<blank>']}; use read_visit_log (it maps common wordings) or "
            f"one of: {', '.join(VISIT_OUTCOMES)}.", column="outcome"), context=caller)
    if out["visit_date"].isna().any():
        raise ValidationError(Problem(
            "no_visit_date", f"'visits' has {int(out['visit_date'].isna().sum())} rows without "
            "a date; read the log with read_visit_log, which sets them aside.",
            column="visit_date"), context=caller)
    out["effect"] = out["outcome"].map(VISIT_OUTCOMES)
    return out


def apply_visit_outcomes(out: pd.DataFrame, visits: Any, *, as_of: Any,
                         caller: str | None = None) -> pd.DataFrame:
    """Adjust scores and reasons of a ranking table by the outcomes of past visits.

    Parameters
    ----------
    out : pandas.DataFrame
        The ranking table before ranks are given: ``premises_id``, ``score``, ``reasons``.
    visits : pandas.DataFrame
        A :func:`hotspots.io.read_visit_log` result (``visit_date``, ``premises_id``,
        ``outcome``).
    as_of : date-like or None
        The ranking's reference date; ``None`` uses the latest visit date.
    caller : str, optional
        Name used in messages; default the public verb running (``premises_rank``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``out`` with ``score`` multiplied by ``visit_factor``, the reason added
        and the columns :data:`VISIT_COLUMNS`; ``attrs["visits"]`` counts the visits used,
        those after ``as_of`` and those naming premises not in the ranking.

    Warns
    -----
    DataQualityWarning
        When visits name premises that are not in the ranking (a different register or a
        typing error): they cannot count.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"premises_id": ["A", "B"], "score": [4.0, 4.0],
    ...                       "reasons": ["4 linked incidents", "4 linked incidents"]})
    >>> log = pd.DataFrame({"visit_date": pd.to_datetime(["2020-02-01", "2020-02-01"]),
    ...                     "premises_id": ["A", "B"],
    ...                     "outcome": ["no issues", "test purchase failed"]})
    >>> got = apply_visit_outcomes(table, log, as_of="2020-03-01")
    >>> got["score"].tolist()
    [2.0, 6.0]
    >>> got["reasons"].iloc[1]
    '4 linked incidents; test purchase failed on 01 Feb 2020 (score x1.5)'
    """
    log = _check(visits, caller or current_verb("premises_rank"))
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else (
        log["visit_date"].max() if len(log) else pd.Timestamp.today().normalize())
    after = (log["visit_date"] > as_of_ts).to_numpy()
    known = set(out["premises_id"].astype(str))
    unmatched = ~log["premises_id"].astype(str).isin(known).to_numpy()
    if unmatched.any():
        ids = sorted(set(log.loc[unmatched, "premises_id"].astype(str)))
        warnings.warn(
            f"{int(unmatched.sum())} visits name premises not in the ranking (e.g. "
            f"{', '.join(ids[:3])}); they are left out. Check the premises ids match the "
            "register the ranking used.", DataQualityWarning, stacklevel=3)
    used = log[~after & ~unmatched].copy()
    used["age"] = (as_of_ts - used["visit_date"]) / pd.Timedelta(days=1)
    used["severity"] = used["effect"].map(_SEVERITY)

    result = out.copy()
    n = len(result)
    factor = np.ones(n)
    n_visits = np.zeros(n, dtype=np.int64)
    last_visit = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    last_outcome = np.full(n, None, dtype=object)
    reasons = result["reasons"].astype(object).to_numpy().copy()
    position = {pid: k for k, pid in enumerate(result["premises_id"].astype(str))}
    for pid, group in used.groupby("premises_id", sort=True):
        k = position[str(pid)]
        # the latest visit; on one day, the most serious outcome of that day
        group = group.sort_values(["visit_date", "severity"], kind="stable")
        latest = group.iloc[-1]
        n_visits[k] = len(group)
        last_visit[k] = latest["visit_date"].to_datetime64()
        last_outcome[k] = latest["outcome"]
        bad = group[(group["severity"] >= _SEVERITY["adverse"])
                    & (group["age"] <= ADVERSE_DAYS)]
        if len(bad):
            worst = bad.sort_values(["severity", "visit_date"], kind="stable").iloc[-1]
            factor[k] = SEVERE_FACTOR if worst["effect"] == "severe" else ADVERSE_FACTOR
            text = f"{worst['outcome']} on {worst['visit_date']:%d %b %Y} (score x{factor[k]:g})"
        elif latest["effect"] == "clear" and latest["age"] <= CLEAR_DAYS:
            factor[k] = CLEAR_FACTOR
            text = (f"visited {latest['visit_date']:%d %b %Y}: {latest['outcome']} "
                    f"(score x{CLEAR_FACTOR:g})")
        else:
            text = f"last visited {latest['visit_date']:%d %b %Y}: {latest['outcome']}"
        reasons[k] = f"{reasons[k]}; {text}" if reasons[k] else text
    result["score"] = np.round(result["score"].to_numpy(dtype=float) * factor, 9)
    result["reasons"] = reasons
    result["n_visits"] = n_visits
    result["last_visit"] = last_visit
    result["last_outcome"] = pd.array(last_outcome, dtype="string")
    result["visit_factor"] = factor
    result.attrs["visits"] = {
        "n_visits": len(log),
        "n_used": len(used),
        "n_after_as_of": int(after.sum()),
        "n_unmatched": int(unmatched.sum()),
        "as_of": str(as_of_ts),
        "rules": {"adverse_days": ADVERSE_DAYS, "adverse_factor": ADVERSE_FACTOR,
                  "severe_factor": SEVERE_FACTOR, "clear_days": CLEAR_DAYS,
                  "clear_factor": CLEAR_FACTOR},
    }
    return result
