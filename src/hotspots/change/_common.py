"""Private helpers shared by the period verbs in :mod:`hotspots.change`.

- :func:`check_columns`: the ``time`` (and ``by``) column must exist, with one message.
- :func:`resolve_periods`: parse ``before``/``after`` and refuse overlapping periods.
- :func:`split_groups`: the ``by`` groups, formed as :func:`hotspots.areas.area_counts` forms
  them.
- :func:`dated`: the incident dates, warning about missing ones.
- :func:`grid_for`, :func:`count_on`, :func:`grid_output`, :func:`grid_choices`: one grid
  counted in several periods (:func:`hotspots.change.hotspot_change`,
  :func:`hotspots.change.classify.hotspot_classify`).

Nothing here is public API; the names carry no underscore only because they are shared
between modules.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspots.errors import DataQualityWarning
from hotspots.periods import Period, PeriodLike, parse_period

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["check_columns", "count_on", "dated", "grid_choices", "grid_for", "grid_output",
           "resolve_periods", "split_groups"]


def check_columns(incidents: pd.DataFrame, caller: str, *, time: str,
                  by: str | None = None) -> None:
    """Raise ``ValueError`` when the ``time`` column, or the ``by`` column, is missing.

    Parameters
    ----------
    incidents : pandas.DataFrame
    caller : str
        Public function named in the message.
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
                             f"of {caller}).")


def resolve_periods(before: PeriodLike, after: PeriodLike, caller: str) -> tuple[Period, Period]:
    """Parse the two periods of a comparison.

    Parameters
    ----------
    before, after : period
        Anything :func:`hotspots.periods.parse_period` accepts.
    caller : str
        Public function named in the message.

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
            f"The 'before' ({pb.label}) and 'after' ({pa.label}) periods of {caller} overlap; "
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
    from hotspots.areas import group_codes

    codes, (labels,), _ = group_codes(frame, [by])
    return list(labels), codes


def dated(incidents: pd.DataFrame, time: str, caller: str) -> pd.Series:
    """Return the incident dates (NaT where missing or unreadable).

    Parameters
    ----------
    incidents : pandas.DataFrame
    time : str
        Column of incident dates.
    caller : str
        Public function named in the messages.

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
    check_columns(incidents, caller, time=time)
    times = pd.to_datetime(incidents[time], errors="coerce")
    n_nodate = int(times.isna().sum())
    if n_nodate:
        # stacklevel 3: the warning points at the user's call of the public verb
        warnings.warn(f"{caller}: {n_nodate} incidents have no date in column {time!r} and "
                      "are left out.", DataQualityWarning, stacklevel=3)
    return times


def grid_for(incidents: gpd.GeoDataFrame, *, grid: gpd.GeoDataFrame | None,
             cell_size: float | None, grid_type: str, clip: Any) -> gpd.GeoDataFrame:
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
    from hotspots.grid import hotspot_grid

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
    from hotspots.hotspot import hotspot_count

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
