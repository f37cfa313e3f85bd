"""Read a visit log: what each premises visit found, to feed back into the next ranking.

A visit log has one row per visit: the date, the premises id (the ``premises_id`` of the
plan), the agencies that attended and the outcome. The simplest log is the visit plan's own
workbook once the officers have filled in its *Visited* and *Outcome* columns
(:func:`hotspots.io.write.write_visit_plan`): the default column names are the plan's, so
``read_visit_log("plan.xlsx", sheet="visits")`` reads it back.

Outcomes are free text in most logs ("NFA", "words of advice", "TP failed"), so each is
mapped to one of :data:`VISIT_OUTCOMES` by :data:`OUTCOME_SYNONYMS` (case, spaces and
punctuation ignored) or by your own ``outcome_map``. A row whose outcome cannot be mapped
is rejected, never guessed, and the message lists the outcomes understood.

Every row read is accounted for in the load report (the ledger of
:mod:`hotspots.io._table`): rows of the plan not yet visited (no date and no outcome) are
set aside as ``not_visited`` without a warning; rows without a premises id, without a usable
date or with an unknown outcome are rejected with a warning naming the file, rows and
column. A visit log has no locations, so every kept row counts as "unknown location" in the
report's balance (a note says so).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from shapely import Point

from hotspots import schema
from hotspots.errors import EmptyDataError, Problem, ValidationError
from hotspots.io._columns import missing_columns
from hotspots.io._dates import DEFAULT_TZ, parse_date_column
from hotspots.io._incident_frame import blank_to_na
from hotspots.io._ledger import TableRows, account_for_shapes
from hotspots.io._sources import Source, describe, expand_paths, from_frame, load_one

__all__ = ["OUTCOME_SYNONYMS", "VISIT_OUTCOMES", "read_visit_log"]

#: The outcomes a visit log may record, each with its effect on the next ranking
#: (:func:`hotspots.premises.premises_rank` with ``visits=``; rules in
#: :mod:`hotspots.premises.visits`): ``"clear"`` lowers a premises visited recently,
#: ``"adverse"`` and ``"severe"`` raise it, ``"neutral"`` records the visit only.
VISIT_OUTCOMES: dict[str, str] = {
    "no issues": "clear",
    "test purchase passed": "clear",
    "advice given": "neutral",
    "no access": "neutral",
    "intelligence submitted": "adverse",
    "warning issued": "adverse",
    "test purchase failed": "adverse",
    "safeguarding referral": "adverse",
    "licence review": "severe",
    "closure notice": "severe",
    "arrest": "severe",
}

#: Common ways of writing each outcome (lower case, punctuation as spaces) -> outcome.
OUTCOME_SYNONYMS: dict[str, str] = {
    "no issue": "no issues",
    "no issues found": "no issues",
    "nfa": "no issues",
    "no further action": "no issues",
    "all in order": "no issues",
    "satisfactory": "no issues",
    "compliant": "no issues",
    "tp passed": "test purchase passed",
    "test purchase pass": "test purchase passed",
    "advice": "advice given",
    "advised": "advice given",
    "words of advice": "advice given",
    "no reply": "no access",
    "closed": "no access",
    "premises closed": "no access",
    "intelligence": "intelligence submitted",
    "intel submitted": "intelligence submitted",
    "warning": "warning issued",
    "written warning": "warning issued",
    "tp failed": "test purchase failed",
    "test purchase fail": "test purchase failed",
    "failed test purchase": "test purchase failed",
    "safeguarding": "safeguarding referral",
    "referral": "safeguarding referral",
    "review": "licence review",
    "licence review requested": "licence review",
    "closure": "closure notice",
    "closure order": "closure notice",
    "arrests": "arrest",
    "arrest made": "arrest",
}

_NOT_VISITED_NOTE = (
    "Rows with neither a visit date nor an outcome are premises of the plan not yet visited; "
    "they are set aside as 'not_visited' without a warning.")


def _key(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def read_visit_log(
    path_or_frame: Source,
    *,
    date: str = "visited",
    premises_id: str = "premises_id",
    outcome: str = "outcome",
    agencies: str | None = "agencies",
    notes: str | None = None,
    outcome_map: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    today: Any = None,
) -> pd.DataFrame:
    """Read a log of premises visits and their outcomes, accounting for every row.

    Parameters
    ----------
    path_or_frame : path-like, sequence of path-likes or pandas.DataFrame
        CSV or Excel (or any table :func:`hotspots.io.read_incidents` reads); several files
        are stacked. A filled-in visit plan workbook works as it is (``sheet="visits"``).
    date : str
        Column of the visit date (and time). Default ``"visited"``, the plan's column.
    premises_id : str
        Column of the premises id, as in the ranking (``premises_id``).
    outcome : str
        Column of the outcome: one of :data:`VISIT_OUTCOMES`, a synonym in
        :data:`OUTCOME_SYNONYMS`, or a key of ``outcome_map``.
    agencies : str or None
        Column of the agencies that attended ("; "-separated); ``None`` or an absent
        default column gives blank agencies.
    notes : str, optional
        Column of free-text notes, kept as ``notes`` (never used in rankings or reasons).
    outcome_map : mapping of str to str, optional
        Your own outcome texts -> one of :data:`VISIT_OUTCOMES`, consulted first (case,
        spaces and punctuation ignored).
    sheet : str or int, optional
        Sheet of an Excel workbook (default the first).
    date_format, dayfirst, today
        As for :func:`hotspots.io.read_incidents`: date layout, day/month order, and the
        day after which dates are flagged as in the future.

    Returns
    -------
    pandas.DataFrame
        One row per kept visit, sorted by ``visit_date`` then ``premises_id``, RangeIndex:
        ``visit_date`` (datetime64[ns]), ``premises_id`` (string), ``agencies`` (string),
        ``outcome`` (one of :data:`VISIT_OUTCOMES`), ``effect`` ("clear", "neutral",
        "adverse", "severe"), ``outcome_text`` (as written), ``notes`` (string),
        ``source_file``, ``source_row``. ``attrs["hotspots"]["load"]`` is the
        :class:`~hotspots.io.LoadReport`.

    Raises
    ------
    hotspots.errors.ValidationError
        When a column is missing (with close matches), or ``outcome_map`` maps to an outcome
        not in :data:`VISIT_OUTCOMES`.
    hotspots.errors.EmptyDataError
        When no row is a usable visit.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        Rows rejected (no premises id, no or unreadable date, unknown outcome) and dates in
        the future, with counts and the first rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from hotspots.io import read_visit_log
    >>> log = read_visit_log(pd.DataFrame({
    ...     "visited": ["2020-03-02", "2020-03-02", ""],
    ...     "premises_id": ["A1", "B7", "C3"],
    ...     "agencies": ["police; council licensing", "police", ""],
    ...     "outcome": ["NFA", "TP failed", ""]}))
    >>> log["outcome"].tolist()
    ['no issues', 'test purchase failed']
    >>> log.attrs["hotspots"]["load"].rejected["not_visited"].count
    1
    """
    user = {}
    for k, v in (outcome_map or {}).items():
        if v not in VISIT_OUTCOMES:
            raise ValidationError(Problem(
                "bad_outcome_map", f"outcome_map maps {k!r} to {v!r}, which is not an "
                f"outcome; use one of: {', '.join(VISIT_OUTCOMES)}."), context="read_visit_log")
        user[_key(k)] = v
    rows = _read_rows(path_or_frame, date=date, premises_id=premises_id, outcome=outcome,
                      agencies=agencies, notes=notes, sheet=sheet, date_format=date_format,
                      dayfirst=dayfirst, today=today)
    rows.notes.append("A visit log has no locations: kept visits count as 'unknown location' "
                      "in this report's balance.")

    raw_outcome = blank_to_na(rows.data[outcome]).astype("string").str.strip()
    blank_date = blank_to_na(rows.data[date]).isna().to_numpy()
    not_visited = blank_date & raw_outcome.isna().to_numpy()
    rows.notes.append(_NOT_VISITED_NOTE)
    rows.reject(not_visited, "not_visited", "not yet visited (no date, no outcome)",
            "Kept out of the log: the premises has not been visited.", column=date, warn=False)
    pid, raw_outcome, when = _aligned(rows, premises_id, outcome, date)
    rows.reject(pid.isna().to_numpy(), "no_premises_id", f"no '{premises_id}'",
            "A visit must name the premises it was to; fill in the premises id.",
            column=premises_id)
    pid, raw_outcome, when = _aligned(rows, premises_id, outcome, date)
    rows.reject(when.isna().to_numpy(), "no_visit_date", f"no usable date in '{date}'",
            "A visit without a date cannot tell how recent it is; fill in the date.",
            column=date)
    pid, raw_outcome, when = _aligned(rows, premises_id, outcome, date)
    mapped = raw_outcome.map(lambda t: _canonical(t, user), na_action="ignore")
    unknown = mapped.isna().to_numpy()
    if unknown.any():
        seen = sorted(set(raw_outcome[unknown].fillna("(blank)").astype(str)))[:5]
        rows.reject(unknown, "unknown_outcome", f"an outcome not understood in '{outcome}'",
                f"Outcomes such as {', '.join(repr(s) for s in seen)} are not known; write one "
                f"of: {', '.join(VISIT_OUTCOMES)}, or pass outcome_map={{'your text': "
                "'no issues', ...}}.", column=outcome)
        pid, raw_outcome, when = _aligned(rows, premises_id, outcome, date)
        mapped = raw_outcome.map(lambda t: _canonical(t, user), na_action="ignore")
    if len(rows) == 0:
        raise EmptyDataError(Problem(
            "no_visits", f"no usable visit in {rows.description}: every one of the "
            f"{rows.rows_read:,} rows was set aside ({', '.join(rows.rejected)})."),
            context="read_visit_log")

    def text(col: str | None) -> pd.Series:
        if col is None or col not in rows.data.columns:
            return pd.Series(pd.NA, index=range(len(rows)), dtype="string")
        return blank_to_na(rows.data[col]).astype("string").reset_index(drop=True)

    out = pd.DataFrame({
        "visit_date": when.astype("datetime64[ns]").reset_index(drop=True),
        "premises_id": pid.reset_index(drop=True),
        "agencies": text(agencies),
        "outcome": mapped.astype("string").reset_index(drop=True),
        "effect": mapped.map(VISIT_OUTCOMES).astype("string").reset_index(drop=True),
        "outcome_text": raw_outcome.reset_index(drop=True),
        "notes": text(notes),
        schema.SOURCE_FILE: pd.Series(rows.source_file, dtype="string"),
        schema.SOURCE_ROW: rows.source_row.astype("int64"),
    })
    out = out.sort_values(["visit_date", "premises_id", schema.SOURCE_ROW],
                          kind="stable").reset_index(drop=True)
    out.attrs["hotspots"] = {"function": "read_visit_log", "load": rows.load_report()}
    return out


def _canonical(text: Any, user: Mapping[str, str]) -> str | None:
    key = _key(text)
    if key in user:
        return user[key]
    if key in VISIT_OUTCOMES:
        return key
    return OUTCOME_SYNONYMS.get(key)


def _aligned(rows: TableRows, pid_col: str, outcome_col: str,
             date_col: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    pid = blank_to_na(rows.data[pid_col]).astype("string").str.strip()
    outcome = blank_to_na(rows.data[outcome_col]).astype("string").str.strip()
    return pid.reset_index(drop=True), outcome.reset_index(drop=True), rows.dates[date_col]


def _read_rows(source: Source, *, date: str, premises_id: str, outcome: str,
               agencies: str | None, notes: str | None, sheet: Any, date_format: str | None,
               dayfirst: bool | None, today: Any) -> TableRows:
    """Read the table without coordinates, with the shared ledger (files, rows, dates)."""
    required = {"date": date, "premises_id": premises_id, "outcome": outcome}
    if notes is not None:
        required["notes"] = notes
    if isinstance(source, pd.DataFrame):
        paths = None
        raws = [from_frame(source, name=None)]
    else:
        paths, _ = expand_paths(source)
        raws = [load_one(p, sheet, list(required.values())) for p in paths]
    desc = describe(paths, source)
    problems: list[Problem] = []
    for r in raws:
        wanted = dict(required)
        # the plan's own "agencies" column is optional; a column the caller named is not
        if agencies is not None and (agencies != "agencies" or agencies in r.data.columns):
            wanted["agencies"] = agencies
        problems += missing_columns([str(c) for c in r.data.columns], wanted,
                                     r.record.name if paths is not None else None)
    if problems:
        raise ValidationError(problems, context=desc)
    data = (pd.concat([r.data for r in raws], ignore_index=True) if len(raws) > 1
            else raws[0].data)
    n = len(data)
    source_file = np.repeat(np.array([r.record.name if paths is not None else None
                                      for r in raws], dtype=object),
                            [len(r.data) for r in raws])
    source_row = np.concatenate([r.rows for r in raws]).astype(np.int64)
    single_file = raws[0].record.name if paths is not None and len(paths) == 1 else None
    try:
        parsed = parse_date_column(data[date], name=date, date_format=date_format,
                                   dayfirst=dayfirst, tz=DEFAULT_TZ, rows=source_row,
                                   file=single_file)
    except ValidationError as exc:
        raise ValidationError(exc.problems, context=desc) from None
    rows = TableRows(
        data=data.reset_index(drop=True), geometry=np.array([Point()] * n, dtype=object),
        located=np.zeros(n, dtype=bool), source_file=source_file, source_row=source_row,
        dates={date: parsed.parsed.astype("datetime64[ns]").reset_index(drop=True)},
        crs=None, crs_reason="no coordinates (a visit log)", description=desc,
        files=[r.record for r in raws] if paths is not None else [], rows_read=n,
        notes=[note for r in raws for note in r.notes],
    )
    account_for_shapes(rows, raws, paths is not None, None, warn=n > 0)
    present = ~blank_to_na(data[date]).isna().to_numpy()
    unreadable = present & parsed.bad
    if unreadable.any():
        rows.notes.append(f"{int(unreadable.sum())} dates in '{date}' could not be read; "
                          "those rows are rejected below as having no usable date.")
    today_ts = (pd.Timestamp.today() if today is None else pd.Timestamp(today)).normalize()
    future = (rows.dates[date] >= today_ts + pd.Timedelta(days=1)).to_numpy()
    rows.flag(future, f"future_date:{date}", f"dates after today in '{date}'",
              f"Visits dated after {today_ts:%Y-%m-%d} were kept as given; check for typing "
              "errors or day/month swaps.", column=date)
    return rows
