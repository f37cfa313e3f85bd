"""Parse date columns without guessing in silence: day/month order, time zones, odd years.

:func:`parse_date_column` is used by the point engine (:mod:`hotspots.io._table`) for every
date column. Its rules:

- **Day or month first** is decided per column from the values that decide it: ``13/01/2019``
  can only be day first, ``01/13/2019`` only month first. A column with only one kind is
  read that way (noted); a column with both kinds is refused, because one of the two
  readings is wrong for some rows and nobody can tell which rows; a column where every
  value is ambiguous is read day first (UK), with a note. ``dayfirst=`` overrides the
  detection (values that contradict it then do not parse and are flagged).
- **Time zones.** Times without a zone are local time in ``tz`` (Europe/London by default,
  the clock police systems record). Times with a zone (``Z``, ``+01:00``) are converted to
  ``tz``; a column mixing the two is reported, since either the zone or the lack of it is
  probably a mistake for some rows.
- Values outside 1678..2261 (the range of ``datetime64[ns]``) do not parse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots.errors import Problem, ValidationError
from hotspots.io._codes import distinct_codes

__all__ = ["DateColumn", "date_formats", "parse_date_column", "parse_dates"]

#: text that means "no value" in a date cell (compared stripped, lower case)
NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "nil"})
DEFAULT_TZ = "Europe/London"
_DATE_MIN = pd.Timestamp("1678-01-01")  # datetime64[ns] limits, with a margin
_DATE_MAX = pd.Timestamp("2262-01-01")
# d/m/y or m/d/y with / - or . between, captured to tell the order
_NUMERIC_DMY = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}(?:\D|$)"
# a time followed by a zone: "10:00Z", "10:00:00+01:00", "10:00 -0500"
_ZONED = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"


def date_formats(dayfirst: bool) -> list[str]:
    """List the formats tried in turn when no ``date_format`` is given (ISO 8601 first)."""
    dm = ("%d", "%m") if dayfirst else ("%m", "%d")
    slash = [f"{dm[0]}/{dm[1]}/%Y %H:%M:%S", f"{dm[0]}/{dm[1]}/%Y %H:%M",
             f"{dm[0]}/{dm[1]}/%Y", f"{dm[0]}/{dm[1]}/%y"]
    dash = [f"{dm[0]}-{dm[1]}-%Y %H:%M:%S", f"{dm[0]}-{dm[1]}-%Y %H:%M", f"{dm[0]}-{dm[1]}-%Y",
            f"{dm[0]}.{dm[1]}.%Y"]
    named = ["%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y %H:%M", "%d %B %Y %H:%M"]
    return ["ISO8601", *slash, *dash, "%Y/%m/%d %H:%M:%S", "%Y/%m/%d", *named]


@dataclass
class DateColumn:
    """A parsed date column and what was decided about it.

    Attributes
    ----------
    parsed : pandas.Series of datetime64[ns]
        Local time in the chosen zone, without a zone; NaT where blank or unparsed.
    present, bad : numpy.ndarray of bool
        Cells that held a value; cells whose value did not parse.
    zoned : numpy.ndarray of bool
        Cells that carried a time zone (converted to local time).
    note : str or None
        How the day/month order was chosen, when the column has numeric dates.
    """

    parsed: pd.Series
    present: np.ndarray
    bad: np.ndarray
    zoned: np.ndarray
    note: str | None = None


def _text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    s = values.astype("string").str.strip().reset_index(drop=True)
    present = (s.notna() & ~s.str.lower().isin(NULL_TOKENS)).to_numpy(dtype=bool)
    return s, present


def _to_datetime(text: pd.Series, fmt: str, tz: str) -> pd.Series:
    try:
        got = pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError:  # mixed UTC offsets: convert each to local time
        got = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    if getattr(got.dt, "tz", None) is not None:
        got = got.dt.tz_convert(tz).dt.tz_localize(None)
    return got


def _rows_text(rows: np.ndarray, mask: np.ndarray) -> str:
    shown = rows[mask][:3]
    return ", ".join(str(int(r)) for r in shown) + (", ..." if mask.sum() > 3 else "")


def _decide_order(text: pd.Series, present: np.ndarray, codes: np.ndarray, name: str,
                  rows: np.ndarray, file: str | None, quote: bool) -> tuple[bool, str | None]:
    """Tell day-first from month-first using the values that can only be read one way.

    ``text`` and ``present`` describe the distinct values, ``codes`` which one each row
    holds (-1 for a missing cell): counts and examples are of rows.
    """
    parts = text.where(present).str.extract(_NUMERIC_DMY)
    a = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    b = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    numeric = ~np.isnan(a) & ~np.isnan(b)
    if not numeric.any():
        return True, None
    per_row = np.bincount(codes[codes >= 0], minlength=len(text))

    def rows_of(mask: np.ndarray) -> np.ndarray:
        return np.append(mask, False)[codes]  # code -1 (missing) takes the last slot

    day_first = numeric & (a > 12) & (b <= 12)
    month_first = numeric & (b > 12) & (a <= 12)
    n_day, n_month = int(per_row[day_first].sum()), int(per_row[month_first].sum())

    def example(mask: np.ndarray) -> str:
        i = int(np.flatnonzero(rows_of(mask))[0])
        value = f"{text.iloc[codes[i]]!r} in " if quote else ""
        return f"e.g. {value}row {int(rows[i])}"

    if n_day and n_month:
        raise ValidationError(Problem(
            "mixed_date_order", f"column {name!r} mixes day-first dates ({n_day:,} values, "
            f"{example(day_first)}) and month-first dates ({n_month:,} values, "
            f"{example(month_first)}), so the {int(per_row[numeric].sum()) - n_day - n_month:,}"
            " values that read either way cannot be trusted. Correct the source, or pass "
            "dayfirst=True (UK) or dayfirst=False (US) to choose; values that contradict "
            "the choice are then kept without a date and flagged.",
            n_rows=n_day + n_month, rows=tuple(int(r) for r in rows[rows_of(month_first)][:5]),
            column=name, file=file))
    if n_month:
        return False, (f"'{name}' read month first (mm/dd/yyyy): {n_month:,} values can only "
                       f"be month first ({example(month_first)}) and none only day first.")
    if n_day:
        return True, None
    return True, (f"'{name}': the day/month order could not be told from the values (every "
                  "day and month is 12 or less); read day first (UK). Pass dayfirst=False "
                  "if the source writes month first.")


def parse_date_column(values: pd.Series, *, name: str = "date", date_format: str | None = None,
                      dayfirst: bool | None = None, tz: str = DEFAULT_TZ,
                      rows: np.ndarray | None = None, file: str | None = None,
                      quote_values: bool = True) -> DateColumn:
    """Parse a date column without a Python loop over rows.

    Parameters
    ----------
    values : pandas.Series
        Text or datetimes.
    name : str
        Column name, for messages.
    date_format : str, optional
        A ``strftime`` format (or ``"ISO8601"``); when omitted, ISO 8601 is tried first,
        then common UK/US layouts (``15/06/2018 14:30``, ``15-06-2018``, ``15 Jun 2018``...),
        each applied only to the values still unparsed.
    dayfirst : bool, optional
        ``01/02/2019`` is 1 February (True) or 2 January (False). Default: decided from the
        values (see the module notes).
    tz : str
        Time zone of times written without one; zoned times are converted to it.
    rows : numpy.ndarray of int, optional
        Spreadsheet row numbers, for messages (default position + 2).
    file : str, optional
        File name, for messages.
    quote_values : bool
        Quote example values in messages (off for files of personal data).

    Returns
    -------
    DateColumn

    Raises
    ------
    hotspots.errors.ValidationError
        ``mixed_date_order`` when ``dayfirst`` is None and the column holds both values
        that can only be day first and values that can only be month first.

    Examples
    --------
    >>> col = parse_date_column(pd.Series(["01/13/2019", "02/01/2019"]), name="when")
    >>> col.parsed.dt.strftime("%Y-%m-%d").tolist()
    ['2019-01-13', '2019-02-01']
    """
    n = len(values)
    rows = np.arange(n, dtype=np.int64) + 2 if rows is None else np.asarray(rows)
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert(tz).dt.tz_localize(None)
        present = parsed.notna().to_numpy()
        zoned = present if getattr(values.dt, "tz", None) is not None else np.zeros(n, bool)
        return DateColumn(parsed.astype("datetime64[ns]").reset_index(drop=True), present,
                          np.zeros(n, dtype=bool), zoned)
    # every rule below is a function of the text of one cell: work on the distinct texts
    # (a month column of millions of rows holds a few dozen) and spread back by the codes
    codes, distinct = distinct_codes(values.reset_index(drop=True))
    codes = np.asarray(codes, dtype=np.int64)
    text, present_distinct = _text(pd.Series(distinct, dtype=object))

    def rows_of(mask: np.ndarray) -> np.ndarray:
        return np.append(mask, False)[codes]  # code -1 (missing) takes the last slot

    present = rows_of(present_distinct)
    note = None
    if date_format is None and dayfirst is None:
        dayfirst, note = _decide_order(text, present_distinct, codes, name, rows, file,
                                       quote_values)
    elif dayfirst is None:
        dayfirst = True
    zoned = np.zeros(n, dtype=bool)
    if date_format is None or date_format == "ISO8601" or "%z" in date_format:
        # only these can carry a zone; "%Y-%m" (police.uk) skips the scan
        zoned = present & rows_of(
            text.str.contains(_ZONED, regex=True).fillna(False).to_numpy(bool))
    todo = present.copy()
    formats = [date_format] if date_format else date_formats(bool(dayfirst))
    if len(formats) > 1 and todo.sum() > 200:
        # try the formats on a sample first, so the whole column is parsed by the right one
        # first instead of failing through every candidate (stable sort keeps ISO first)
        sample = text.iloc[codes[np.flatnonzero(todo)[:200]]].reset_index(drop=True)
        hits = [int(_to_datetime(sample, fmt, tz).notna().sum()) for fmt in formats]
        formats = [f for _, f in sorted(zip(hits, formats, strict=True), key=lambda t: -t[0])]
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    for fmt in formats:
        if not todo.any():
            break
        for part in (todo & ~zoned, todo & zoned):  # never parse naive and zoned together
            if not part.any():
                continue
            # the distinct texts of these rows, in order: a count per distinct text
            # (a few dozen months) rather than a sort of millions of codes
            wanted = np.flatnonzero(np.bincount(codes[part], minlength=len(text)))
            got = _to_datetime(text.iloc[wanted], fmt, tz)
            in_range = (got.notna() & (got >= _DATE_MIN) & (got < _DATE_MAX)).to_numpy(bool)
            if not in_range.any():
                continue
            value = np.full(len(text) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
            value[wanted[in_range]] = got[in_range].to_numpy(dtype="datetime64[ns]")
            good = np.zeros(len(text) + 1, dtype=bool)
            good[wanted[in_range]] = True
            hit = part & good[codes]
            out[hit] = value[codes[hit]]
            todo[hit] = False
    return DateColumn(pd.Series(out), present, todo, zoned & ~todo, note)


def parse_dates(values: pd.Series, *, date_format: str | None = None,
                dayfirst: bool | None = True, tz: str = DEFAULT_TZ
                ) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse a date column: the parsed values, the cells present and the cells not parsed.

    A thin form of :func:`parse_date_column` kept for callers that want three arrays.

    Parameters
    ----------
    values : pandas.Series
        Text or datetimes.
    date_format : str, optional
        See :func:`parse_date_column`.
    dayfirst : bool or None
        ``01/02/2019`` is 1 February when True (default, UK); None decides from the values.
    tz : str
        Time zone of times written without one.

    Returns
    -------
    parsed : pandas.Series of datetime64[ns]
    present, bad : numpy.ndarray of bool

    Examples
    --------
    >>> parsed, present, bad = parse_dates(pd.Series(["01/02/2019", "x"]))
    >>> parsed.iloc[0].strftime("%d %B"), bad.tolist()
    ('01 February', [False, True])
    """
    col = parse_date_column(values, date_format=date_format, dayfirst=dayfirst, tz=tz)
    return col.parsed, col.present, col.bad
