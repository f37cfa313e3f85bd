"""Time periods: parse the ways analysts name them into half-open ``[start, end)`` intervals.

Every verb that takes a period (``area_counts(period=...)``, ``compare_periods``,
``hotspot_change``) parses it here, so "2018/19" means the same thing everywhere.

Rules
-----
- ``"2018/19"`` (or ``"2018/2019"``, ``"FY2018/19"``): the UK financial year, 1 April 2018
  to 31 March 2019. A dash is not accepted here because "2011-12" would also be a month.
- ``2018`` or ``"2018"``: the calendar year.
- ``"2018-Q2"``: the calendar quarter.
- ``"2018-06"``: the month; ``"2018-06-15"``: the day.
- ``("2018-01", "2018-06")`` or ``"2018-01:2018-06"``: from the start of the first named
  period to the end of the second, both included (January to June 2018 here). Each end keeps
  its own precision, so ``("2018-01-01", "2018-06-30")`` is the same interval.
- A ``(start, end)`` pair of ``datetime``/``Timestamp`` objects is taken as exact instants,
  ``start`` included and ``end`` excluded.

Intervals are half-open underneath: an incident on the first day of the next period is never
counted twice. police.uk dates are months, stored as the first day of the month, so month
periods select them exactly.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from hotspots.errors import DataQualityWarning, Problem, ValidationError

__all__ = ["Period", "PeriodLike", "check_coverage", "data_coverage", "parse_period",
           "period_labels", "period_of_label"]

PeriodLike = Any  # str | int | tuple[date-like, date-like] | Period

_FY = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*/\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True)
class Period:
    """A half-open time interval ``[start, end)`` with a label for tables and sentences.

    Attributes
    ----------
    start, end : pandas.Timestamp
        The interval; ``start`` is included, ``end`` is not.
    label : str
        How the period is written in outputs ("2018/19", "Jan 2018 to Jun 2018", ...).

    Examples
    --------
    >>> from hotspots.periods import parse_period
    >>> p = parse_period("2018/19")
    >>> p.start.date().isoformat(), p.end.date().isoformat(), p.days, str(p)
    ('2018-04-01', '2019-04-01', 365.0, '2018/19')
    >>> p.contains(pd.to_datetime(["2019-03-31", "2019-04-01", None])).tolist()
    [True, False, False]
    """

    start: pd.Timestamp
    end: pd.Timestamp
    label: str

    def __post_init__(self) -> None:
        if not self.end > self.start:
            raise ValueError(
                f"The period {self.label!r} is empty: its end ({self.end:%Y-%m-%d}) is not "
                f"after its start ({self.start:%Y-%m-%d})."
            )

    def contains(self, times: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
        """Boolean mask of the ``times`` inside the period (missing times are outside)."""
        t = pd.to_datetime(pd.Series(times), errors="coerce")
        return ((t >= self.start) & (t < self.end)).to_numpy(dtype=bool)

    @property
    def days(self) -> float:
        """Length of the period in days."""
        return (self.end - self.start) / pd.Timedelta(days=1)

    def __str__(self) -> str:
        return self.label


def _span(text: str) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """Parse one named period into (start, end, label)."""
    if m := _FY.match(text):
        y1, y2 = int(m.group(1)), m.group(2)
        y2i = int(y2) if len(y2) == 4 else (y1 + 1 if (y1 + 1) % 100 == int(y2) else -1)
        if y2i != y1 + 1:
            raise ValueError(
                f"{text!r} is not a financial year: the second year must follow the first "
                f"(e.g. '{y1}/{(y1 + 1) % 100:02d}')."
            )
        return pd.Timestamp(y1, 4, 1), pd.Timestamp(y1 + 1, 4, 1), f"{y1}/{(y1 + 1) % 100:02d}"
    if m := _QUARTER.match(text):
        y, q = int(m.group(1)), int(m.group(2))
        start = pd.Timestamp(y, 3 * (q - 1) + 1, 1)
        return start, start + pd.DateOffset(months=3), f"{y} Q{q}"
    if m := _YEAR.match(text):
        y = int(m.group(1))
        return pd.Timestamp(y, 1, 1), pd.Timestamp(y + 1, 1, 1), str(y)
    if m := _MONTH.match(text):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise ValueError(f"{text!r} is not a month: the month must be 01 to 12.")
        start = pd.Timestamp(y, mo, 1)
        return start, start + pd.DateOffset(months=1), f"{start:%b %Y}"
    if not re.search(r"\d{4}", text):  # pandas reads "June" as 1 June of year 1
        raise ValueError(
            f"Cannot read {text!r} as a period: no year. Use a financial year ('2018/19'), "
            f"a year ('2018'), a quarter ('2018-Q2'), a month ('2018-06') or a date."
        )
    try:
        day = pd.Timestamp(text)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"Cannot read {text!r} as a period. Use a financial year ('2018/19'), a year "
            f"('2018'), a quarter ('2018-Q2'), a month ('2018-06'), a date ('2018-06-15') "
            f"or a (start, end) pair."
        ) from exc
    day = day.normalize()
    return day, day + pd.Timedelta(days=1), f"{day:%d %b %Y}"


def _endpoint(value: Any) -> tuple[pd.Timestamp, pd.Timestamp, str, bool]:
    """(start, end, label, exact) of one end of a pair; exact for datetime objects."""
    if isinstance(value, (pd.Timestamp, datetime, np.datetime64)):
        t = pd.Timestamp(value)
        return t, t, f"{t:%d %b %Y}", True
    if isinstance(value, date):
        t = pd.Timestamp(value)
        return t, t + pd.Timedelta(days=1), f"{t:%d %b %Y}", False
    return (*_span(str(value)), False)


def parse_period(value: PeriodLike, *, name: str = "period") -> Period:
    """Turn a period as an analyst writes it into a half-open :class:`Period`.

    Parameters
    ----------
    value : str, int, tuple or Period
        See the module documentation for the accepted forms.
    name : str
        The parameter name, used in error messages.

    Returns
    -------
    Period

    Raises
    ------
    ValueError
        When the value cannot be read as a period, or the period is empty.

    Examples
    --------
    >>> from hotspots.periods import parse_period
    >>> p = parse_period("2018/19")
    >>> p.start, p.end, p.label
    (Timestamp('2018-04-01 00:00:00'), Timestamp('2019-04-01 00:00:00'), '2018/19')
    >>> parse_period(("2019-01", "2019-06")).end
    Timestamp('2019-07-01 00:00:00')
    """
    if isinstance(value, Period):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and ":" in value and not _looks_like_time(value):
        value = tuple(part.strip() for part in value.split(":", 1))
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"The '{name}' parameter must be a (start, end) pair; got {len(value)} values."
            )
        s0, _, l0, exact0 = _endpoint(value[0])
        _, e1, l1, exact1 = _endpoint(value[1])
        if exact0 and exact1:
            return Period(s0, pd.Timestamp(value[1]), f"{l0} to {l1} (end excluded)")
        return Period(s0, e1, f"{l0} to {l1}")
    if isinstance(value, str):
        return Period(*_span(value))
    raise ValueError(
        f"The '{name}' parameter must be a period such as '2018/19', 2018, '2018-06' or a "
        f"(start, end) pair; got {value!r}."
    )


def _looks_like_time(text: str) -> bool:
    return bool(re.search(r"\d{1,2}:\d{2}(:\d{2})?$", text.strip())) and " " in text.strip()


Freq = Literal["FY", "Y", "Q", "M"]


def period_labels(times: pd.Series, freq: Freq) -> pd.Series:
    """Label each time with the period of frequency ``freq`` that contains it.

    Parameters
    ----------
    times : pandas.Series
        Datetimes; missing values give a missing label.
    freq : {"FY", "Y", "Q", "M"}
        UK financial year (April to March), calendar year, quarter or month.

    Returns
    -------
    pandas.Series
        An ordered categorical of labels ("2017/18", "2018", "2018 Q1", "Jan 2018") covering
        every period from the first to the last time, including empty ones, aligned to ``times``.

    Examples
    --------
    >>> from hotspots.periods import period_labels
    >>> s = pd.Series(pd.to_datetime(["2018-03-31", "2018-04-01"]))
    >>> period_labels(s, "FY").tolist()
    ['2017/18', '2018/19']
    """
    t = pd.to_datetime(times, errors="coerce")
    if freq == "FY":
        start_year = t.dt.year - (t.dt.month < 4).astype("Int64")
        lab = start_year.map(lambda y: f"{int(y)}/{(int(y) + 1) % 100:02d}", na_action="ignore")
        years = start_year.dropna().astype(int)
        cats = (
            [f"{y}/{(y + 1) % 100:02d}" for y in range(years.min(), years.max() + 1)]
            if len(years)
            else []
        )
    elif freq in ("Y", "Q", "M"):
        pfreq = {"Y": "Y", "Q": "Q", "M": "M"}[freq]
        per = t.dt.to_period(pfreq)
        fmt = {"Y": lambda p: str(p.year), "Q": lambda p: f"{p.year} Q{p.quarter}",
               "M": lambda p: p.strftime("%b %Y")}[freq]
        lab = per.map(fmt, na_action="ignore")
        valid = per.dropna()
        cats = (
            [fmt(p) for p in pd.period_range(valid.min(), valid.max(), freq=pfreq)]
            if len(valid)
            else []
        )
    else:
        raise ValueError(f"The 'freq' parameter must be one of 'FY', 'Y', 'Q', 'M'; got {freq!r}.")
    return pd.Series(pd.Categorical(lab, categories=cats, ordered=True), index=times.index)


def period_of_label(label: str, freq: Freq) -> Period:
    """Return the :class:`Period` that a label from :func:`period_labels` stands for.

    Parameters
    ----------
    label : str
        A label such as ``"2019 Q2"`` (``freq="Q"``), ``"Jun 2019"`` (``"M"``) or
        ``"2019/20"``.
    freq : {"FY", "Y", "Q", "M"}
        The frequency the label was made with.

    Returns
    -------
    Period

    Examples
    --------
    >>> from hotspots.periods import period_of_label
    >>> q = period_of_label("2019 Q2", "Q")
    >>> q.label, q.start.date().isoformat(), q.end.date().isoformat()
    ('2019 Q2', '2019-04-01', '2019-07-01')
    """
    if freq == "Q":
        y, q = label.split(" Q")
        return parse_period(f"{y}-Q{q}")
    if freq == "M":
        return parse_period(pd.Timestamp(label).strftime("%Y-%m"))
    return parse_period(label)


# --------------------------------------------------------------------------------------------
# coverage: does the data hold the period asked for?
# --------------------------------------------------------------------------------------------
def data_coverage(times: pd.Series | pd.DatetimeIndex | np.ndarray
                  ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Return the whole months the dates span, as a half-open ``[start, end)``.

    Parameters
    ----------
    times : pandas.Series, DatetimeIndex or array
        Dates; missing and unreadable values are ignored.

    Returns
    -------
    tuple of pandas.Timestamp, or None
        The first day of the first month and the first day of the month after the last;
        ``None`` when there is no date. Months are the unit because police.uk dates are
        months: a force's extract for 2017 covers "2017-01 to 2017-12".

    Examples
    --------
    >>> from hotspots.periods import data_coverage
    >>> data_coverage(pd.Series(pd.to_datetime(["2017-01-01", "2017-12-01"])))
    (Timestamp('2017-01-01 00:00:00'), Timestamp('2018-01-01 00:00:00'))
    """
    t = pd.to_datetime(pd.Series(times), errors="coerce").dropna()
    if t.empty:
        return None
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    first = t.min().to_period("M").to_timestamp()
    last = t.max().to_period("M").to_timestamp() + pd.DateOffset(months=1)
    return first, last


def _months(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """``2017-01 to 2017-12`` for whole months, else the first and last day."""
    whole = all(t == t.to_period("M").to_timestamp() for t in (start, end))
    if whole:
        last = end - pd.DateOffset(months=1)
        return f"{start:%Y-%m}" if last == start else f"{start:%Y-%m} to {last:%Y-%m}"
    last = end - pd.Timedelta(days=1)
    return f"{start:%Y-%m-%d}" if last == start else f"{start:%Y-%m-%d} to {last:%Y-%m-%d}"


def check_coverage(period: PeriodLike, times: pd.Series | pd.DatetimeIndex | np.ndarray, *,
                   what: str = "the data") -> None:
    """Refuse a period the data do not cover; warn when they cover it only in part.

    The months the data cover are those from the first dated incident to the last. They are
    taken as the data's coverage when every month between holds at least one incident, as in
    a police.uk extract (a force records crimes every month). Sparse data (a few flagged
    incidents, with empty months) cannot show what they cover: then a period without any
    incident is only a warning, and a period partly outside the span is not reported.

    Parameters
    ----------
    period : period-like
        The period asked for (anything :func:`parse_period` reads).
    times : pandas.Series, DatetimeIndex or array
        The dates of the data. Nothing is checked when none is a date.
    what : str
        How to call the data in the messages.

    Raises
    ------
    hotspots.errors.ValidationError
        When the data have incidents in every month of their span and the period does not
        overlap it: a table for it would be all zeros. The message gives the months covered.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        When the period starts before or ends after the months the data cover (its counts
        are for the covered part only); for sparse data, when the period holds no incident.

    Examples
    --------
    >>> from hotspots.periods import check_coverage
    >>> months = pd.Series(pd.date_range("2017-01-01", "2017-12-01", freq="MS"))
    >>> check_coverage("2017", months)  # covered: nothing happens
    >>> check_coverage("2019", months)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hotspots.errors.ValidationError: ... the data cover 2017-01 to 2017-12. ...
    """
    per = parse_period(period)
    span = data_coverage(times)
    if span is None:
        return
    start, end = span
    t = pd.to_datetime(pd.Series(times), errors="coerce").dropna()
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    n_months = (end.year - start.year) * 12 + end.month - start.month
    # months with data, as integers (faster than Period objects on millions of rows)
    n_with_data = len(np.unique(t.dt.year.to_numpy() * 12 + t.dt.month.to_numpy()))
    label = f"{per.label} ({_months(per.start, per.end)})"
    outside = per.end <= start or per.start >= end
    # one or two months of data show no span of coverage: "none in 2018" beside a single
    # month of 2019 may be files left out, so such data are treated as sparse (warn only)
    if n_with_data < n_months or n_months < 3:
        if outside:
            warnings.warn(
                f"No incident is dated in the period {label}: {what} span "
                f"{_months(start, end)}, with {n_months - n_with_data} of {n_months} months "
                "empty, so whether they cover the period cannot be told. If they should, "
                "check that the files for it were included.", DataQualityWarning, stacklevel=3)
        return
    covered = f"{what} cover {_months(start, end)}"
    if outside:
        raise ValidationError(Problem(
            "period_not_covered",
            f"The period {label} is outside the data: {covered}. A table for it would be "
            f"all zeros; choose a period within those months, or add the files that cover "
            f"it.", column="period"))
    if per.start < start or per.end > end:
        part = _months(max(per.start, start), min(per.end, end))
        warnings.warn(
            f"The period {label} is only partly covered: {covered}, so its counts are for "
            f"{part} only.", DataQualityWarning, stacklevel=3)
