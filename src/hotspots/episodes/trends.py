"""Episode counts over time: financial years, the monthly profile, return-home interviews.

The partnership reports financial years (April to March) and a monthly profile from August
to July; both are here, with return-home interview completion where the data record it.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from hotspots._params import validate_params
from hotspots.episodes._common import check_episodes
from hotspots.errors import Problem, ValidationError

__all__ = ["episode_trend", "monthly_profile", "return_interviews"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_YES = {"yes", "y", "true", "t", "1", "completed", "complete", "done"}
_NO = {"no", "n", "false", "f", "0", "declined", "refused", "not completed", "not done"}


@validate_params({})
def episode_trend(episodes: pd.DataFrame, *, freq: Literal["FY", "Y", "Q", "M"] = "FY",
                  by: str | None = None, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Count episodes per financial year (April to March) or other period, with E-tests.

    A thin wrapper of :func:`hotspots.trend` on the episodes' ``start`` dates.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`.
    freq, by, start, end
        As for :func:`hotspots.trend`.

    Returns
    -------
    pandas.DataFrame
        The :func:`hotspots.trend` table (``period``, ``n``, ``complete``, ``change``,
        ``pct_change``, ``p_etest``).

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> areas = load_boundaries("bradford-2013")
    >>> episodes = simulate_episodes(areas, fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> from hotspots.episodes import episode_trend
    >>> episode_trend(episodes, freq="Q")[["period", "n", "complete", "change"]]
        period   n  complete  change
    0  2017 Q2  76     False    <NA>
    1  2017 Q3  78      True    <NA>
    2  2017 Q4  71      True      -7
    3  2018 Q1  75      True       4
    """
    from hotspots.change import trend

    check_episodes(episodes, needed=("start",))
    cols = ["start", *([by] if by is not None else [])]
    return trend(pd.DataFrame(episodes[cols]), freq=freq, by=by, start=start, end=end,
                 time="start")


@validate_params({})
def monthly_profile(episodes: pd.DataFrame, *, first_month: int = 8) -> pd.DataFrame:
    """Episodes per calendar month, in reporting years that start in ``first_month``.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`.
    first_month : int, default 8
        The month a reporting year starts (8: August to July, as the partnership's
        annual report; 4: the financial year).

    Returns
    -------
    pandas.DataFrame
        One row per reporting year and month (every month of every year the data touch,
        zeros included): ``year`` (ordered label "2016/17": the year starting in
        ``first_month`` 2016), ``month`` (ordered category, ``first_month`` first),
        ``n``, ``share`` (of the year's episodes). Undated episodes are counted in
        ``attrs["hotspots"]["n_no_date"]``.

    Examples
    --------
    >>> from hotspots.episodes import monthly_profile
    >>> df = pd.DataFrame({"start": pd.to_datetime(["2016-08-03", "2017-07-30"])})
    >>> prof = monthly_profile(df)
    >>> prof["month"].astype(str).tolist()[:2], prof["n"].tolist()[:1], prof["n"].tolist()[11:]
    (['Aug', 'Sep'], [1], [1])
    """
    check_episodes(episodes, needed=("start",))
    if int(first_month) != first_month or not 1 <= int(first_month) <= 12:
        raise ValueError(f"monthly_profile: first_month must be 1..12, not {first_month!r}.")
    first_month = int(first_month)
    t = pd.to_datetime(episodes["start"], errors="coerce")
    dated = t.notna().to_numpy()
    month = t[dated].dt.month.to_numpy()
    year0 = t[dated].dt.year.to_numpy() - (month < first_month)
    order = [_MONTHS[(first_month - 1 + i) % 12] for i in range(12)]
    pos = (month - first_month) % 12
    years = np.arange(year0.min(), year0.max() + 1) if len(year0) else np.array([], dtype=int)
    labels = [f"{y}/{(y + 1) % 100:02d}" if first_month != 1 else str(y) for y in years]
    counts = np.zeros((len(years), 12), dtype=np.int64)
    if len(year0):
        np.add.at(counts, (year0 - years[0], pos), 1)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(totals > 0, counts / np.maximum(totals, 1), np.nan)
    out = pd.DataFrame({
        "year": pd.Categorical(np.repeat(labels, 12), categories=labels, ordered=True),
        "month": pd.Categorical(np.tile(order, len(years)), categories=order, ordered=True),
        "n": counts.ravel(), "share": share.ravel(),
    })
    out.attrs["hotspots"] = {"function": "monthly_profile", "first_month": order[0],
                             "n_no_date": int((~dated).sum())}
    return out


def _completed(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Return (known, completed, interview date) from a yes/no or a date column."""
    text = values.astype("string").str.strip()
    blank = text.isna() | (text == "")
    low = text.str.lower()
    is_yes, is_no = low.isin(_YES).fillna(False), low.isin(_NO).fillna(False)
    dates = pd.to_datetime(text.where(~blank & ~is_yes & ~is_no), errors="coerce",
                           dayfirst=True, format="mixed")
    bad = ~blank & ~is_yes & ~is_no & dates.isna()
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy())[:5] + 2).tolist()
        examples = sorted(set(text[bad].head(5).tolist()))
        raise ValidationError(Problem(
            "bad_value", f"return_interviews: column {column!r} must hold yes/no or the "
            f"interview date; {int(bad.sum())} values are neither, e.g. {examples}. Map them "
            "to yes/no (or blank when unknown) first.", n_rows=int(bad.sum()),
            rows=tuple(rows), column=column))
    known = (~blank).to_numpy()
    done = (is_yes | dates.notna()).to_numpy()
    return known, done, dates


@validate_params({})
def return_interviews(episodes: pd.DataFrame, *, column: str = "rhi",
                      freq: Literal["FY", "Y", "Q", "M"] = "FY",
                      within_hours: float = 72.0) -> pd.DataFrame:
    """Return-home interview completion per period, where the episodes record it.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes` with a column recording the
        interview: yes/no (``"Yes"``, ``"Completed"``, ``"Declined"``, ...) or the date it
        took place (blank: not recorded).
    column : str, default "rhi"
        That column.
    freq : {"FY", "Y", "Q", "M"}
        Periods of the episodes' start.
    within_hours : float, default 72
        The statutory guidance's timeliness window, measured from the episode's ``end``
        when the column holds dates.

    Returns
    -------
    pandas.DataFrame
        Per period: ``period``, ``episodes``, ``recorded`` (interview field filled in),
        ``completed``, ``completion_rate`` (``completed / episodes``), ``within_window``
        (completed within ``within_hours`` of the end; <NA> when the column holds no
        dates), ``not_recorded``.

    Raises
    ------
    hotspots.errors.ValidationError
        When the column is missing or holds values that are neither yes/no nor dates.

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> areas = load_boundaries("bradford-2013")
    >>> episodes = simulate_episodes(areas, fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> from hotspots.episodes import return_interviews
    >>> ri = return_interviews(episodes)
    >>> ri[["period", "episodes", "recorded", "completed", "not_recorded"]]
        period  episodes  recorded  completed  not_recorded
    0  2017/18       300       269        206            31
    """
    from hotspots.periods import period_labels

    check_episodes(episodes, needed=("start", column))
    known, done, dates = _completed(episodes[column].reset_index(drop=True), column)
    t = pd.to_datetime(episodes["start"], errors="coerce").reset_index(drop=True)
    labels = period_labels(t, freq)
    has_dates = bool(dates.notna().any())
    timely = np.zeros(len(t), dtype=bool)
    if has_dates and "end" in episodes.columns:
        end = pd.to_datetime(episodes["end"], errors="coerce").reset_index(drop=True)
        gap = (dates - end) / pd.Timedelta(hours=1)
        timely = (gap <= within_hours).fillna(False).to_numpy()
    frame = pd.DataFrame({"period": labels, "known": known, "done": done, "timely": timely})
    g = frame.groupby("period", observed=False)
    out = pd.DataFrame({
        "episodes": g.size(), "recorded": g["known"].sum(), "completed": g["done"].sum(),
        "within_window": g["timely"].sum(),
    }).reset_index()
    out["completion_rate"] = np.where(out["episodes"] > 0,
                                      out["completed"] / out["episodes"].clip(lower=1), np.nan)
    out["not_recorded"] = out["episodes"] - out["recorded"]
    if not has_dates:
        out["within_window"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out = out[["period", "episodes", "recorded", "completed", "completion_rate",
               "within_window", "not_recorded"]]
    out.attrs["hotspots"] = {"function": "return_interviews", "column": column, "freq": freq,
                             "within_hours": within_hours,
                             "n_no_date": int(t.isna().sum())}
    return out
