"""Private helpers shared by the period verbs in :mod:`hotspots.change`.

- :func:`check_columns`: the ``time`` (and ``by``) column must exist, with one message.
- :func:`resolve_periods`: parse ``before``/``after`` and refuse overlapping periods.
- :func:`split_groups`: the ``by`` groups, formed as :func:`hotspots.areas.area_counts` forms
  them.
- :func:`dated`: the incident dates, warning about missing ones.
- :func:`coverage`: the span of time the data cover (given, or found from the dates), shared
  by :func:`hotspots.change.trend` and :func:`hotspots.change.hotspot_classify`.
- :func:`grid_for`, :func:`count_on`, :func:`grid_output`, :func:`grid_choices`: one grid
  counted in several periods (:func:`hotspots.change.hotspot_change`,
  :func:`hotspots.change.classify.hotspot_classify`).

Nothing here is public API; the names carry no underscore only because they are shared
between modules. Messages name the public verb that is running
(:func:`hotspots._params.current_verb`).
"""

from __future__ import annotations

import os
import sys
import warnings
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from hotspots._params import current_verb
from hotspots.errors import DataQualityWarning
from hotspots.periods import Period, PeriodLike, parse_period

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["check_columns", "count_on", "coverage", "dated", "grid_choices", "grid_for",
           "grid_output", "parse_bound", "resolve_periods", "split_groups", "user_stacklevel"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the user's call of the public verb.

    Counts the frames, from the function that calls this one, until the first outside the
    ``hotspots`` package, so it stays right whatever decorators (``validate_params``,
    ``rename_keyword``) or helpers lie between.
    """
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level


def check_columns(incidents: pd.DataFrame, *, time: str, by: str | None = None) -> None:
    """Raise ``ValueError`` when the ``time`` column, or the ``by`` column, is missing.

    Parameters
    ----------
    incidents : pandas.DataFrame
    time : str
        Column of incident dates (the caller's ``time`` parameter).
    by : str, optional
        Column the caller splits by (its ``by`` parameter).

    Raises
    ------
    ValueError
        Naming the missing column and the parameter that chose it.
    """
    for param, col in (("time", time), ("by", by)):
        if col is not None and col not in incidents.columns:
            raise ValueError(f"The incidents have no {col!r} column (the {param!r} parameter "
                             f"of {current_verb()}).")


def resolve_periods(before: PeriodLike, after: PeriodLike) -> tuple[Period, Period]:
    """Parse the two periods of a comparison.

    Parameters
    ----------
    before, after : period
        Anything :func:`hotspots.periods.parse_period` accepts.

    Returns
    -------
    tuple of Period

    Raises
    ------
    ValueError
        When a period cannot be parsed or the two overlap (an incident would count twice).
    """
    pb = parse_period(before, name="before")
    pa = parse_period(after, name="after")
    if pb.start < pa.end and pa.start < pb.end:
        raise ValueError(
            f"The 'before' ({pb.label}) and 'after' ({pa.label}) periods of {current_verb()} "
            "overlap; "
            f"an incident would be counted in both."
        )
    return pb, pa


def split_groups(frame: pd.DataFrame, by: str | None) -> tuple[list[Any], np.ndarray]:
    """Group labels and the group code of every row.

    Parameters
    ----------
    frame : pandas.DataFrame
    by : str or None
        Column to split by; None gives one group, labelled None, holding every row.

    Returns
    -------
    labels : list
        The categories of a categorical (all of them, in order), else the sorted distinct
        values; missing values form a last group "Not recorded".
    codes : numpy.ndarray of int64
        Position in ``labels`` of each row's group.

    Notes
    -----
    The groups are those of ``area_counts(by=...)`` (the same function forms them), so the
    period tables line up with the area tables.
    """
    if by is None:
        return [None], np.zeros(len(frame), dtype=np.int64)
    # deferred: hotspots.areas loads geopandas, which trend (same package) does not need
    from hotspots.areas import group_codes

    codes, (labels,), _ = group_codes(frame, [by])
    return list(labels), codes


def dated(incidents: pd.DataFrame, time: str) -> pd.Series:
    """Return the incident dates (NaT where missing or unreadable).

    Parameters
    ----------
    incidents : pandas.DataFrame
    time : str
        Column of incident dates.

    Returns
    -------
    pandas.Series of datetime64

    Raises
    ------
    ValueError
        When the column is missing.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        When some incidents have no date (they are left out by the caller).
    """
    check_columns(incidents, time=time)
    times = pd.to_datetime(incidents[time], errors="coerce")
    n_nodate = int(times.isna().sum())
    if n_nodate:
        warnings.warn(f"{current_verb()}: {n_nodate} incidents have no date in column "
                      f"{time!r} and "
                      "are left out.", DataQualityWarning, stacklevel=user_stacklevel())
    return times


def grid_for(incidents: gpd.GeoDataFrame, *, grid: gpd.GeoDataFrame | None,
             cell_size: float | None, grid_type: Literal["square", "hex"], clip: Any
             ) -> gpd.GeoDataFrame:
    """Return the one grid every period is counted on (built from all incidents used).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents of all periods together.
    grid : geopandas.GeoDataFrame, optional
        A grid from :func:`hotspots.grid.hotspot_grid`; returned as it is when given.
    cell_size, grid_type, clip
        As in :func:`hotspots.grid.hotspot_grid`.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    if grid is not None:
        return grid
    from hotspots.grid import hotspot_grid  # deferred: loads geopandas (see split_groups)

    return hotspot_grid(incidents, cell_size=cell_size, grid_type=grid_type, clip=clip)


def count_on(incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame) -> np.ndarray:
    """Incidents per cell of ``grid``, in grid order (zeros for an empty selection).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
    grid : geopandas.GeoDataFrame

    Returns
    -------
    numpy.ndarray of int64, shape (len(grid),)
    """
    from hotspots.hotspot import hotspot_count  # deferred: loads geopandas and scipy.stats

    if len(incidents) == 0:
        return np.zeros(len(grid), dtype=np.int64)
    return hotspot_count(incidents, grid=grid)["n"].to_numpy(dtype=np.int64)


def grid_output(grid: gpd.GeoDataFrame, cols: dict[str, Any]) -> gpd.GeoDataFrame:
    """Return a copy of ``grid`` with ``cols`` added before the geometry column.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
    cols : dict
        Column name to values (one per cell, grid order).

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns, then ``cols`` in order, then the geometry.
    """
    out = grid.copy()
    geom = out.geometry.name
    for name, values in cols.items():
        out[name] = values
    return out[[c for c in out.columns if c != geom] + [geom]]


def grid_choices(grid: gpd.GeoDataFrame) -> dict[str, Any]:
    """The grid's recorded choices, to repeat in a result's ``attrs["hotspots"]``.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        From :func:`hotspots.grid.hotspot_grid` (or given by the user, possibly without
        attrs).

    Returns
    -------
    dict
        Those of ``cell_size, cell_size_reason, grid_type, boundary, vintage`` that the
        grid's ``attrs["hotspots"]`` holds.
    """
    ginfo = grid.attrs.get("hotspots", {})
    return {k: ginfo[k] for k in ("cell_size", "cell_size_reason", "grid_type", "boundary",
                                  "vintage") if k in ginfo}


def coverage(times: pd.Series, start: PeriodLike | None = None, end: PeriodLike | None = None
             ) -> tuple[pd.Timestamp | None, pd.Timestamp | None, str]:
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
    lo = parse_bound(start, "start").start if start is not None else data_start
    hi = parse_bound(end, "end").end if end is not None else data_end
    if start is not None and end is not None:
        how = "start and end given"
    elif start is not None or end is not None:
        how = f"{'start' if start is not None else 'end'} given; otherwise {how}"
    if lo is not None and hi is not None and not hi > lo:
        raise ValueError(f"The data coverage of {current_verb()} is empty: it would start on "
                         f"{lo:%Y-%m-%d} and end before that; check 'start' and 'end'.")
    if start is not None and (n_early := int((valid < lo).sum())):
        raise ValueError(f"{n_early} incidents are dated before {lo:%Y-%m-%d}, outside the "
                         f"coverage given by the 'start' parameter of {current_verb()}; correct "
                         "'start' or select the incidents first.")
    if end is not None and (n_late := int((valid >= hi).sum())):
        last_day = hi - pd.Timedelta(1, "ns")
        raise ValueError(f"{n_late} incidents are dated after {last_day:%Y-%m-%d}, outside the "
                         f"coverage given by the 'end' parameter of {current_verb()}; correct "
                         "'end' or select the incidents first.")
    return lo, hi, how


def parse_bound(value: PeriodLike, name: str) -> Period:
    """Parse ``start``/``end``: a date or Timestamp names its day, anything else a period."""
    if isinstance(value, (date, np.datetime64)):  # datetime and Timestamp are dates too
        value = f"{pd.Timestamp(value):%Y-%m-%d}"
    return parse_period(value, name=name)
